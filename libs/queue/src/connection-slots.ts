import { Inject, Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { QUEUE_OPTIONS, QUEUE_REDIS, QueueModuleOptions } from './tokens';

/**
 * Takes a slot when fewer than `limit` unexpired holders remain: one sorted set per
 * connection, scored by each holder's expiry, so a worker that died frees its slot when the
 * expiry passes and no sweeper is needed. Atomic in Redis, so the whole fleet shares one count.
 */
const ACQUIRE = `
local now = tonumber(ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[2]) then return 0 end
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[3]), ARGV[4])
redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[3]) * 2)
return 1`;

/** Extends a holder's expiry only while it still holds the slot. */
const RENEW = `
if not redis.call('ZSCORE', KEYS[1], ARGV[3]) then return 0 end
redis.call('ZADD', KEYS[1], tonumber(ARGV[1]) + tonumber(ARGV[2]), ARGV[3])
redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[2]) * 2)
return 1`;

export interface SlotHold {
  /** Gives every slot back (idempotent). */
  release(): Promise<void>;
}

/**
 * A fleet-wide cap on how many chunks use one database connection at once. Slots expire after
 * `ttlMs` unless renewed; a hold renews itself every third of that until released.
 */
@Injectable()
export class ConnectionSlots {
  constructor(
    @Inject(QUEUE_REDIS) private readonly redis: Redis,
    @Inject(QUEUE_OPTIONS) private readonly options: QueueModuleOptions,
  ) {}

  private key(connectionId: string): string {
    return `${this.options.prefix}:connection-slots:${connectionId}`;
  }

  /** Holders right now (expired ones not counted). */
  async holders(connectionId: string): Promise<number> {
    return this.redis.zcount(this.key(connectionId), `(${Date.now()}`, '+inf');
  }

  /**
   * One slot on each connection (a connection named twice takes one), all or none: null when
   * any is full, having given back what it took.
   */
  async acquire(wants: { connectionId: string; limit: number }[], ttlMs = 30_000): Promise<SlotHold | null> {
    const token = randomUUID();
    const unique = [...new Map(wants.map((w) => [w.connectionId, w])).values()].sort((a, b) => a.connectionId.localeCompare(b.connectionId));
    const taken: string[] = [];
    for (const want of unique) {
      const ok = await this.redis.eval(ACQUIRE, 1, this.key(want.connectionId), Date.now(), want.limit, ttlMs, token);
      if (ok !== 1) {
        await Promise.all(taken.map((key) => this.redis.zrem(key, token)));
        return null;
      }
      taken.push(this.key(want.connectionId));
    }
    const timer = setInterval(() => {
      for (const key of taken) void this.redis.eval(RENEW, 1, key, Date.now(), ttlMs, token).catch(() => undefined);
    }, Math.max(1000, Math.floor(ttlMs / 3)));
    timer.unref();
    let released = false;
    return {
      release: async () => {
        if (released) return;
        released = true;
        clearInterval(timer);
        await Promise.all(taken.map((key) => this.redis.zrem(key, token)));
      },
    };
  }
}
