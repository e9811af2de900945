import type { DialectSession } from '@dbferry/dialects-core';
import { SessionCache } from './session-cache';

function opener() {
  const made: { id: number; closed: boolean }[] = [];
  const open = async (): Promise<DialectSession> => {
    const state = { id: made.length + 1, closed: false };
    made.push(state);
    return {
      id: state.id,
      close: async () => {
        state.closed = true;
      },
    } as unknown as DialectSession;
  };
  return { made, open };
}
const idOf = (s: DialectSession) => (s as unknown as { id: number }).id;

describe('SessionCache', () => {
  let cache: SessionCache;
  afterEach(async () => cache.close());

  it('reuses an idle session of the same key and opens another for a different key', async () => {
    cache = new SessionCache({ maxIdlePerKey: 2, idleMs: 60_000 });
    const { made, open } = opener();
    expect(await cache.with('a', open, async (s) => idOf(s))).toBe(1);
    expect(await cache.with('a', open, async (s) => idOf(s))).toBe(1);
    expect(await cache.with('b', open, async (s) => idOf(s))).toBe(2);
    expect(made.map((m) => m.closed)).toEqual([false, false]);
    expect(cache.idleCount).toBe(2);
  });

  it('closes a session whose work failed instead of pooling it', async () => {
    cache = new SessionCache({ maxIdlePerKey: 2, idleMs: 60_000 });
    const { made, open } = opener();
    await expect(cache.with('a', open, async () => Promise.reject(new Error('write fault')))).rejects.toThrow('write fault');
    expect(made[0].closed).toBe(true);
    expect(await cache.with('a', open, async (s) => idOf(s))).toBe(2);
  });

  it('keeps a session whose failure left it untouched (an injected fault) and closes it for any other', async () => {
    cache = new SessionCache({ maxIdlePerKey: 2, idleMs: 60_000 });
    const { made, open } = opener();
    const intact = (error: unknown) => (error as Error).message === 'injected';
    await expect(cache.with('a', open, async () => Promise.reject(new Error('injected')), intact)).rejects.toThrow('injected');
    expect(made[0].closed).toBe(false);
    expect(await cache.with('a', open, async (s) => idOf(s), intact)).toBe(1);
    await expect(cache.with('a', open, async () => Promise.reject(new Error('lost')), intact)).rejects.toThrow('lost');
    expect(made[0].closed).toBe(true);
  });

  it('keeps at most maxIdlePerKey idle, closes idle ones after idleMs and all at close', async () => {
    cache = new SessionCache({ maxIdlePerKey: 1, idleMs: 60_000 });
    const { made, open } = opener();
    await Promise.all([cache.with('a', open, async () => new Promise((r) => setTimeout(r, 10))), cache.with('a', open, async () => new Promise((r) => setTimeout(r, 10)))]);
    expect(made).toHaveLength(2);
    expect(made.filter((m) => m.closed)).toHaveLength(1);
    await cache.closeIdleOlderThan(0);
    expect(made.every((m) => m.closed)).toBe(true);
    expect(cache.idleCount).toBe(0);
    await cache.with('a', open, async () => undefined);
    await cache.close();
    expect(made[2].closed).toBe(true);
  });
});
