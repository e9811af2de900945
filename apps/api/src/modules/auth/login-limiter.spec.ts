import IORedis from 'ioredis';
import { LoginLimiter, LoginThrottledException, MAX_BACKOFF_SECONDS } from './login-limiter';
import { RedisFallback } from './redis-fallback';

/** The in-process side, as login uses it while Redis is out of reach (a client never connected). */
describe('LoginLimiter without Redis', () => {
  const redis = new IORedis({ lazyConnect: true });
  const limiter = () => new LoginLimiter(redis, new RedisFallback(redis), { limit: 3, windowSeconds: 60, backoffSeconds: 10 });
  afterAll(() => redis.disconnect());

  const heldFor = async (run: Promise<void>) => {
    const error = await run.then(() => undefined, (e: unknown) => e);
    return error instanceof LoginThrottledException ? error.retryAfterSeconds : 0;
  };

  it('lets the limit through, then holds the username for the backoff, doubling with each attempt past it', async () => {
    const l = limiter();
    const t0 = 1_000_000;
    for (let i = 0; i < 3; i++) expect(await heldFor(l.attempt('Alice', t0))).toBe(0);
    expect(await heldFor(l.attempt('alice', t0 + 1000))).toBe(9);
    expect(await heldFor(l.attempt('bob', t0 + 1000))).toBe(0);
    expect(await heldFor(l.attempt('ALICE', t0 + 10_000))).toBe(0);
    expect(await heldFor(l.attempt('alice', t0 + 10_001))).toBe(20);
    expect(await heldFor(l.attempt('alice', t0 + 30_000))).toBe(0);
    expect(await heldFor(l.attempt('alice', t0 + 30_000))).toBe(40);
  });

  it('says when to retry in the 429 message', async () => {
    const l = limiter();
    for (let i = 0; i < 3; i++) await l.attempt('carol', 0);
    const error = await l.attempt('carol', 2500).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LoginThrottledException);
    expect((error as LoginThrottledException).getStatus()).toBe(429);
    expect((error as LoginThrottledException).message).toBe('too many failed logins for this username; retry in 8 s');
  });

  it('forgets the attempts after a success, or a window after the last one', async () => {
    const l = limiter();
    for (let i = 0; i < 2; i++) await l.attempt('dave', 0);
    await l.succeeded('DAVE');
    for (let i = 0; i < 2; i++) expect(await heldFor(l.attempt('dave', 1))).toBe(0);
    expect(await heldFor(l.attempt('dave', 61_002))).toBe(0);
    expect(await heldFor(l.attempt('dave', 61_003))).toBe(0);
  });

  it('never holds a username longer than the cap', async () => {
    const l = limiter();
    let now = 0;
    const holds: number[] = [];
    for (let i = 0; i < 40; i++) {
      const held = await heldFor(l.attempt('eve', now));
      if (held) holds.push(held);
      now += held * 1000;
    }
    expect(holds.slice(0, 3)).toEqual([10, 20, 40]);
    expect(Math.max(...holds)).toBe(MAX_BACKOFF_SECONDS);
    expect(holds[holds.length - 1]).toBe(MAX_BACKOFF_SECONDS);
  });
});
