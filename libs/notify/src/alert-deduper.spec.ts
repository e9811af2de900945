import type { AlertKind } from './alert';
import { AlertDeduper, decideAlert, MemoryAlertStateStore } from './alert-deduper';

const MIN = 60_000;
const HOUR = 60 * MIN;

/** Runs a sequence of (minute, kind) events for one job and returns which were mailed. */
async function mailed(events: [number, AlertKind][], windowMs = HOUR, failingRetentionMs?: number): Promise<boolean[]> {
  let now = 0;
  const store = new MemoryAlertStateStore(() => now);
  const deduper = new AlertDeduper(store, { windowMs, failingRetentionMs });
  const out: boolean[] = [];
  for (const [minute, kind] of events) {
    now = minute * MIN;
    out.push(await deduper.shouldSend('job-1', kind, new Date(now)));
  }
  return out;
}

describe('AlertDeduper', () => {
  it.each<[string, [number, AlertKind][], boolean[]]>([
    ['a first failure is mailed', [[0, 'run-failed']], [true]],
    ['repeated failures within the window are mailed once', [[0, 'run-failed'], [10, 'run-failed'], [59, 'run-failed']], [true, false, false]],
    ['a failure a window after the last mail is mailed again', [[0, 'run-failed'], [30, 'run-failed'], [60, 'run-failed'], [90, 'run-failed'], [121, 'run-failed']], [true, false, true, false, true]],
    ['a success after a mailed failure is mailed once', [[0, 'run-failed'], [5, 'run-recovered'], [6, 'run-recovered']], [true, true, false]],
    ['a success with no failure before is not mailed', [[0, 'run-recovered'], [1, 'run-recovered']], [false, false]],
    ['after recovery the next failure is a new incident', [[0, 'run-failed'], [5, 'run-recovered'], [6, 'run-failed'], [7, 'run-failed']], [true, true, true, false]],
    ['test alerts always go out and do not open an incident', [[0, 'test'], [1, 'test'], [2, 'run-recovered'], [3, 'run-failed']], [true, true, false, true]],
    ['a test alert does not reset a failing job', [[0, 'run-failed'], [1, 'test'], [2, 'run-failed'], [3, 'run-recovered']], [true, true, false, true]],
  ])('%s', async (_, events, expected) => {
    expect(await mailed(events)).toEqual(expected);
  });

  it('honours a shorter window', async () => {
    expect(await mailed([[0, 'run-failed'], [4, 'run-failed'], [5, 'run-failed']], 5 * MIN)).toEqual([true, false, true]);
  });

  it('forgets a failing job after the retention, so a much later success is not mailed', async () => {
    expect(await mailed([[0, 'run-failed'], [3 * 60, 'run-recovered']], HOUR, 2 * HOUR)).toEqual([true, false]);
    expect(await mailed([[0, 'run-failed'], [90, 'run-recovered']], HOUR, 2 * HOUR)).toEqual([true, true]);
  });

  it('keeps jobs apart', async () => {
    const store = new MemoryAlertStateStore(() => 0);
    const deduper = new AlertDeduper(store);
    const at = new Date(0);
    expect(await deduper.shouldSend('a', 'run-failed', at)).toBe(true);
    expect(await deduper.shouldSend('b', 'run-failed', at)).toBe(true);
    expect(await deduper.shouldSend('a', 'run-failed', at)).toBe(false);
    expect(await deduper.shouldSend('b', 'run-recovered', at)).toBe(true);
    expect(await deduper.shouldSend('a', 'run-recovered', at)).toBe(true);
  });

  it('stores a failure for the retention and a recovery for the window', async () => {
    const sets: [string, number][] = [];
    const deduper = new AlertDeduper(
      { get: async () => null, set: async (_key, value, ttl) => void sets.push([value.kind, ttl]) },
      { windowMs: HOUR, failingRetentionMs: 24 * HOUR },
    );
    await deduper.shouldSend('j', 'run-failed', new Date(0));
    expect(sets).toEqual([['run-failed', 24 * HOUR]]);
  });
});

describe('decideAlert', () => {
  it('returns the state to store only when it changes', () => {
    expect(decideAlert(null, 'run-failed', 10, HOUR)).toEqual({ send: true, next: { kind: 'run-failed', sentAt: 10 } });
    expect(decideAlert({ kind: 'run-failed', sentAt: 10 }, 'run-failed', 20, HOUR)).toEqual({ send: false, next: null });
    expect(decideAlert({ kind: 'run-failed', sentAt: 10 }, 'run-recovered', 20, HOUR)).toEqual({ send: true, next: { kind: 'run-recovered', sentAt: 20 } });
    expect(decideAlert({ kind: 'run-recovered', sentAt: 10 }, 'run-recovered', 20, HOUR)).toEqual({ send: false, next: null });
    expect(decideAlert(null, 'test', 0, HOUR)).toEqual({ send: true, next: null });
  });
});
