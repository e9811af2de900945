import { AlertDeduper, MemoryAlertKeyStore, type RunAlertKind } from './alert-deduper';

const MIN = 60_000;
const HOUR = 60 * MIN;

type Event = [minute: number, kind: RunAlertKind, outcome?: 'sent' | 'send-failed'];

/** Plays (minute, kind, outcome) events for one job and returns which were claimed (mailed). */
async function mailed(events: Event[], windowMs = HOUR): Promise<boolean[]> {
  let now = 0;
  const deduper = new AlertDeduper(new MemoryAlertKeyStore(() => now), { windowMs });
  const out: boolean[] = [];
  for (const [i, [minute, kind, outcome = 'sent']] of events.entries()) {
    now = minute * MIN;
    const claim = await deduper.claim(kind, 'job-1', `run-${i}`);
    out.push(!!claim);
    if (claim && outcome === 'sent') await claim.sent();
    if (claim && outcome === 'send-failed') await claim.release();
  }
  return out;
}

describe('AlertDeduper', () => {
  it.each<[string, Event[], boolean[]]>([
    ['a first failure is mailed', [[0, 'run-failed']], [true]],
    ['repeated failures within the window are mailed once', [[0, 'run-failed'], [10, 'run-failed'], [59, 'run-failed']], [true, false, false]],
    ['a failure a window after the last mail is mailed again', [[0, 'run-failed'], [30, 'run-failed'], [60, 'run-failed'], [90, 'run-failed'], [121, 'run-failed']], [true, false, true, false, true]],
    ['a recovery is mailed and ends the incident: the next failure is mailed at once', [[0, 'run-failed'], [5, 'run-recovered'], [6, 'run-failed'], [7, 'run-failed']], [true, true, true, false]],
    ['a failed send does not consume the window', [[0, 'run-failed', 'send-failed'], [1, 'run-failed'], [2, 'run-failed']], [true, true, false]],
    ['a failed recovery send leaves the incident open', [[0, 'run-failed'], [5, 'run-recovered', 'send-failed'], [6, 'run-failed']], [true, true, false]],
  ])('%s', async (_, events, expected) => {
    expect(await mailed(events)).toEqual(expected);
  });

  it('mails drift once per window, apart from failures, and again at once after a clean verify', async () => {
    let now = 0;
    const deduper = new AlertDeduper(new MemoryAlertKeyStore(() => now), { windowMs: HOUR });
    const claimed = async (kind: RunAlertKind, run: string) => {
      const claim = await deduper.claim(kind, 'job-1', run);
      await claim?.sent();
      return !!claim;
    };
    expect(await claimed('run-drift', 'r1')).toBe(true);
    // A failure is another incident: the drift mail does not hold it back, nor it the drift.
    expect(await claimed('run-failed', 'r2')).toBe(true);
    now = 10 * MIN;
    expect(await claimed('run-drift', 'r3')).toBe(false);
    await deduper.driftCleared('job-1');
    expect(await claimed('run-drift', 'r4')).toBe(true);
    now = 71 * MIN;
    expect(await claimed('run-drift', 'r5')).toBe(true);
  });

  it('honours a shorter window', async () => {
    expect(await mailed([[0, 'run-failed'], [4, 'run-failed'], [5, 'run-failed']], 5 * MIN)).toEqual([true, false, true]);
  });

  it('claims a recovery once per run, whatever the number of deliveries of its settling job', async () => {
    const deduper = new AlertDeduper(new MemoryAlertKeyStore());
    expect(await deduper.claim('run-recovered', 'job', 'run-a')).not.toBeNull();
    expect(await deduper.claim('run-recovered', 'job', 'run-a')).toBeNull();
    expect(await deduper.claim('run-recovered', 'job', 'run-b')).not.toBeNull();
  });

  it('keeps jobs and namespaces apart', async () => {
    const store = new MemoryAlertKeyStore(() => 0);
    const a = new AlertDeduper(store, { namespace: 'one' });
    const b = new AlertDeduper(store, { namespace: 'two' });
    expect(await a.claim('run-failed', 'x', 'r1')).not.toBeNull();
    expect(await a.claim('run-failed', 'y', 'r2')).not.toBeNull();
    expect(await a.claim('run-failed', 'x', 'r3')).toBeNull();
    expect(await b.claim('run-failed', 'x', 'r4')).not.toBeNull();
    expect(store.keys().sort()).toEqual(['one:alerts:failed:x', 'one:alerts:failed:y', 'two:alerts:failed:x']);
  });

  it("gives back only its own claim: a stale release never frees a newer run's key", async () => {
    let now = 0;
    const store = new MemoryAlertKeyStore(() => now);
    const deduper = new AlertDeduper(store, { windowMs: HOUR });
    const first = (await deduper.claim('run-failed', 'job', 'r1'))!;
    now = HOUR; // r1's key expired; r2 claims it afresh
    expect(await deduper.claim('run-failed', 'job', 'r2')).not.toBeNull();
    await first.release();
    expect(await deduper.claim('run-failed', 'job', 'r3')).toBeNull();
  });
});
