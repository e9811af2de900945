import type { DialectSession } from './dialect';
import { KeyedSessionPool, settingsVersion } from './session-pool';

interface Fake {
  session: DialectSession;
  id: number;
  closed: boolean;
}

/** Sessions that count their closes; `ping` answers as `answer` says (a promise that never settles: no answer). */
function opener(answer: (id: number) => Promise<void> = async () => undefined) {
  const made: Fake[] = [];
  const open = async (): Promise<Fake> => {
    const fake = { id: made.length + 1, closed: false } as Fake;
    fake.session = {
      ping: () => answer(fake.id),
      close: async () => {
        fake.closed = true;
      },
    } as unknown as DialectSession;
    made.push(fake);
    return fake;
  };
  return { made, open };
}

describe('KeyedSessionPool', () => {
  let pool: KeyedSessionPool<Fake>;
  afterEach(async () => pool.close());

  it('reuses an idle session of the same key and version, and opens another for a different key', async () => {
    pool = new KeyedSessionPool({ maxIdlePerKey: 2, idleMs: 60_000 });
    const { made, open } = opener();
    expect(await pool.use('a', 'v1', open, async (s) => s.id)).toBe(1);
    expect(await pool.use('a', 'v1', open, async (s) => s.id)).toBe(1);
    expect(await pool.use('b', 'v1', open, async (s) => s.id)).toBe(2);
    expect(made.map((m) => m.closed)).toEqual([false, false]);
    expect(pool.idleCount).toBe(2);
    expect(pool.stats).toEqual({ opened: 2, reused: 1, discarded: 0, closedIdle: 0 });
  });

  it('never reuses a session opened under other settings, and closes it at the next checkout', async () => {
    pool = new KeyedSessionPool({ maxIdlePerKey: 2, idleMs: 60_000 });
    const { made, open } = opener();
    await pool.use('a', settingsVersion({ host: 'h', password: 'one' }), open, async () => undefined);
    const lease = await pool.acquire('a', settingsVersion({ password: 'two', host: 'h' }), open);
    expect(lease.value.id).toBe(2);
    expect(made[0].closed).toBe(true);
    await lease.release(false);
    // Key order does not make another version.
    expect(await pool.use('a', settingsVersion({ host: 'h', password: 'two' }), open, async (s) => s.id)).toBe(2);
  });

  it('closes a session whose work failed instead of pooling it', async () => {
    pool = new KeyedSessionPool({ maxIdlePerKey: 2, idleMs: 60_000 });
    const { made, open } = opener();
    await expect(pool.use('a', 'v', open, async () => Promise.reject(new Error('write fault')))).rejects.toThrow('write fault');
    expect(made[0].closed).toBe(true);
    expect(await pool.use('a', 'v', open, async (s) => s.id)).toBe(2);
    const lease = await pool.acquire('a', 'v', open);
    await lease.release(true);
    expect(made[1].closed).toBe(true);
    expect(pool.stats.discarded).toBe(2);
  });

  it('keeps a session whose failure left it untouched (an injected fault) and closes it for any other', async () => {
    pool = new KeyedSessionPool({ maxIdlePerKey: 2, idleMs: 60_000 });
    const { made, open } = opener();
    const intact = (error: unknown) => (error as Error).message === 'injected';
    await expect(pool.use('a', 'v', open, async () => Promise.reject(new Error('injected')), intact)).rejects.toThrow('injected');
    expect(made[0].closed).toBe(false);
    expect(await pool.use('a', 'v', open, async (s) => s.id, intact)).toBe(1);
    await expect(pool.use('a', 'v', open, async () => Promise.reject(new Error('lost')), intact)).rejects.toThrow('lost');
    expect(made[0].closed).toBe(true);
  });

  it('with pingTimeoutMs, discards an idle session that fails or does not answer its ping and opens a new one', async () => {
    pool = new KeyedSessionPool({ maxIdlePerKey: 4, idleMs: 60_000, pingTimeoutMs: 50 });
    const dead = new Set<number>();
    const { made, open } = opener((id) => (dead.has(id) ? (id === 1 ? Promise.reject(new Error('gone')) : new Promise<void>(() => undefined)) : Promise.resolve()));
    const [one, two] = await Promise.all([pool.acquire('a', 'v', open), pool.acquire('a', 'v', open)]);
    await two.release(false);
    await one.release(false);
    dead.add(1);
    dead.add(2);
    expect(await pool.use('a', 'v', open, async (s) => s.id)).toBe(3);
    expect(made.map((m) => m.closed)).toEqual([true, true, false]);
    expect(pool.stats).toMatchObject({ opened: 3, reused: 0, discarded: 2 });
    // An answering one is reused.
    expect(await pool.use('a', 'v', open, async (s) => s.id)).toBe(3);
  });

  it('keeps at most maxIdlePerKey idle (the longest idle go), closes idle ones after idleMs', async () => {
    pool = new KeyedSessionPool({ maxIdlePerKey: 1, idleMs: 60_000 });
    const { made, open } = opener();
    const [first, second] = await Promise.all([pool.acquire('a', 'v', open), pool.acquire('a', 'v', open)]);
    await first.release(false);
    await second.release(false);
    expect(made.map((m) => m.closed)).toEqual([true, false]);
    await pool.closeIdleOlderThan(0);
    expect(made.every((m) => m.closed)).toBe(true);
    expect(pool.idleCount).toBe(0);
    expect(pool.stats.closedIdle).toBe(1);
  });

  it('closes idle sessions by itself once idleMs has passed', async () => {
    pool = new KeyedSessionPool({ maxIdlePerKey: 1, idleMs: 100 });
    const { made, open } = opener();
    await pool.use('a', 'v', open, async () => undefined);
    const deadline = Date.now() + 3000;
    while (!made[0].closed && Date.now() < deadline) await new Promise((r) => setTimeout(r, 25));
    expect(made[0].closed).toBe(true);
    expect(pool.idleCount).toBe(0);
  });

  it('dropIdle closes what is idle on one key only', async () => {
    pool = new KeyedSessionPool({ maxIdlePerKey: 2, idleMs: 60_000 });
    const { made, open } = opener();
    await pool.use('a', 'v', open, async () => undefined);
    await pool.use('b', 'v', open, async () => undefined);
    pool.dropIdle('a');
    await new Promise((r) => setImmediate(r));
    expect(made.map((m) => m.closed)).toEqual([true, false]);
    expect(pool.idleCount).toBe(1);
  });

  it('closes every idle session at close, a held one when it comes back, and pools none after', async () => {
    pool = new KeyedSessionPool({ maxIdlePerKey: 2, idleMs: 60_000 });
    const { made, open } = opener();
    await pool.use('a', 'v', open, async () => undefined);
    const held = await pool.acquire('a', 'v', open);
    const other = await pool.acquire('a', 'v', open);
    await other.release(false);
    await pool.close();
    expect(made.map((m) => m.closed)).toEqual([false, true]);
    await held.release(false);
    expect(made[0].closed).toBe(true);
    expect(await pool.use('a', 'v', open, async (s) => s.id)).toBe(3);
    expect(made[2].closed).toBe(true);
    expect(pool.idleCount).toBe(0);
  });
});
