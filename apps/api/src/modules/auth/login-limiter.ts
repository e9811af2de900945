import { HttpException, HttpStatus } from '@nestjs/common';
import { type ThrottlerStorage, ThrottlerStorageService } from '@nestjs/throttler';
import { ThrottlerStorageRedisService } from '@nest-lab/throttler-storage-redis';
import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';
import { RedisFallback } from './redis-fallback';

/** The longest a username is held back, however many attempts were made. */
export const MAX_BACKOFF_SECONDS = 3600;

export interface LoginLimits {
  /** Attempts per username (known or not) before it is held back. */
  limit: number;
  /** Attempts are forgotten this long after the last one (plus the hold). */
  windowSeconds: number;
  /** The first hold; each attempt past the limit doubles it, up to MAX_BACKOFF_SECONDS. */
  backoffSeconds: number;
}

/** 429 for a username held back; the controller copies `retryAfterSeconds` into `Retry-After`. */
export class LoginThrottledException extends HttpException {
  constructor(readonly retryAfterSeconds: number) {
    super(`too many failed logins for this username; retry in ${retryAfterSeconds} s`, HttpStatus.TOO_MANY_REQUESTS);
  }
}

/**
 * One atomic step per attempt: refused while held (returns 0 and the hold left, in ms);
 * otherwise counted, and from the limit on the username is held for base × 2^(n − limit).
 */
const ATTEMPT = `
local hold = redis.call('PTTL', KEYS[2])
if hold > 0 then return {0, hold} end
local n = redis.call('INCR', KEYS[1])
local limit, window, base, cap = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
local backoff = 0
if n >= limit then
  backoff = math.floor(math.min(base * 2 ^ (n - limit), cap))
  redis.call('SET', KEYS[2], 1, 'PX', backoff)
end
redis.call('PEXPIRE', KEYS[1], window + backoff)
return {1, backoff}`;

interface Entry {
  attempts: number;
  forgetAt: number;
  heldUntil: number;
}

/**
 * Per-username login throttling, on top of the per-address throttler: guesses at one account
 * from many addresses are held back with exponential backoff. Counted in Redis so every
 * replica shares the count; in this process while Redis is out of reach. An unknown username
 * is counted exactly like a known one, so the answer says nothing about which exist; keys are
 * hashes, so Redis holds no usernames.
 */
export class LoginLimiter {
  private readonly local = new Map<string, Entry>();

  constructor(
    private readonly redis: Redis,
    private readonly fallback: RedisFallback,
    private readonly limits: LoginLimits,
  ) {}

  /** Counts an attempt, or throws LoginThrottledException while the username is held back. */
  async attempt(username: string, now = Date.now()): Promise<void> {
    const key = this.key(username);
    const { limit, windowSeconds, backoffSeconds } = this.limits;
    const [allowed, holdMs] = await this.fallback.run(
      async () =>
        (await this.redis.eval(ATTEMPT, 2, `${key}:n`, `${key}:hold`, limit, windowSeconds * 1000, backoffSeconds * 1000, MAX_BACKOFF_SECONDS * 1000)) as [number, number],
      () => this.attemptLocally(key, now),
    );
    if (!allowed) throw new LoginThrottledException(Math.max(1, Math.ceil(holdMs / 1000)));
  }

  /** A successful login forgets the username's attempts. */
  async succeeded(username: string): Promise<void> {
    const key = this.key(username);
    this.local.delete(key);
    await this.fallback.run(
      async () => void (await this.redis.del(`${key}:n`, `${key}:hold`)),
      () => undefined,
    );
  }

  private key(username: string): string {
    return `login-user:${createHash('sha256').update(username.toLowerCase()).digest('hex').slice(0, 32)}`;
  }

  private attemptLocally(key: string, now: number): [number, number] {
    if (this.local.size > 10_000) for (const [k, e] of this.local) if (e.forgetAt <= now) this.local.delete(k);
    const entry = this.local.get(key);
    if (entry && entry.heldUntil > now) return [0, entry.heldUntil - now];
    const attempts = entry && entry.forgetAt > now ? entry.attempts + 1 : 1;
    const { limit, windowSeconds, backoffSeconds } = this.limits;
    const backoff = attempts >= limit ? Math.floor(Math.min(backoffSeconds * 1000 * 2 ** (attempts - limit), MAX_BACKOFF_SECONDS * 1000)) : 0;
    this.local.set(key, { attempts, heldUntil: now + backoff, forgetAt: now + windowSeconds * 1000 + backoff });
    return [1, backoff];
  }
}

/** The per-address throttler's storage: Redis, or this process's memory while Redis is out of reach. */
export class FallbackThrottlerStorage implements ThrottlerStorage {
  private readonly onRedis: ThrottlerStorageRedisService;
  private readonly inProcess = new ThrottlerStorageService();

  constructor(
    redis: Redis,
    private readonly fallback: RedisFallback,
  ) {
    this.onRedis = new ThrottlerStorageRedisService(redis);
  }

  increment(key: string, ttl: number, limit: number, blockDuration: number, throttlerName: string): ReturnType<ThrottlerStorage['increment']> {
    return this.fallback.run(
      () => this.onRedis.increment(key, ttl, limit, blockDuration, throttlerName),
      () => this.inProcess.increment(key, ttl, limit, blockDuration, throttlerName),
    );
  }

  onApplicationShutdown(): void {
    this.inProcess.onApplicationShutdown();
  }
}
