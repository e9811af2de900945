import { Logger } from '@nestjs/common';
import type { Redis } from 'ioredis';

/** After Redis fails, how long the in-process side answers before Redis is tried again. */
const RETRY_AFTER_MS = 5000;

/**
 * Login throttling must never fail a login because Redis is down or frozen: each call goes to
 * Redis, and when that fails (or Redis is known down) to an in-process stand-in, so login
 * keeps working on PostgreSQL alone. Counts then hold per API process until Redis returns.
 * One log line when Redis is lost, one when it is back.
 */
export class RedisFallback {
  private readonly logger = new Logger('LoginThrottle');
  private downUntil = 0;
  private down = false;

  constructor(private readonly redis: Redis) {}

  async run<T>(onRedis: () => Promise<T>, inProcess: () => T | Promise<T>): Promise<T> {
    if (Date.now() < this.downUntil || this.redis.status !== 'ready') return this.fallBack(inProcess, `connection ${this.redis.status}`);
    try {
      const result = await onRedis();
      if (this.down) {
        this.down = false;
        this.logger.log('Redis answers again: login throttling counts in Redis again');
      }
      return result;
    } catch (error) {
      this.downUntil = Date.now() + RETRY_AFTER_MS;
      return this.fallBack(inProcess, (error as Error).message);
    }
  }

  private fallBack<T>(inProcess: () => T | Promise<T>, reason: string): T | Promise<T> {
    if (!this.down) {
      this.down = true;
      this.logger.warn(`Redis unavailable (${reason}): login throttling counts in this process until it returns`);
    }
    return inProcess();
  }
}
