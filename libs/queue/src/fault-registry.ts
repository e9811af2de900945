import { Inject, Injectable, Logger, OnApplicationShutdown, OnModuleInit, Optional } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { faultsConfig } from '@dbferry/config';
import { createRedis } from './redis';
import { QUEUE_OPTIONS, QUEUE_REDIS, QueueModuleOptions } from './tokens';

/** Same strings as the dialects' FaultOperation (this lib may not import dialects). */
export type FaultKind = 'connect' | 'read' | 'write';

export interface FaultSpec {
  connectionId: string;
  operation: FaultKind;
  /** Operations to fail, then the fault is gone. */
  count?: number;
  /** Seconds the fault lasts, then it is gone. With `count`, whichever ends first. */
  seconds?: number;
  /** Who made it (a user id), for the listing. */
  createdBy?: string;
}

export interface Fault {
  id: string;
  connectionId: string;
  operation: FaultKind;
  count: number | null;
  /** Hits left of a counted fault (null without a count). */
  remaining: number | null;
  seconds: number | null;
  createdAt: string;
  /** When a timed fault ends (null without seconds). */
  expiresAt: string | null;
  createdBy: string | null;
}

/**
 * Finds the active fault on one connection and operation and, when ARGV[2] is '1', uses up one
 * hit of a counted one, in one script: two workers can never both take the last hit. Ids whose
 * hash expired (a timed fault) or was used up are dropped from the set on the way.
 * KEYS[1]: the (connection, operation) set of ids; ARGV[1]: the hash key prefix.
 */
const HIT = `
local ids = redis.call('SMEMBERS', KEYS[1])
table.sort(ids)
for _, id in ipairs(ids) do
  local key = ARGV[1] .. id
  if redis.call('EXISTS', key) == 0 then
    redis.call('SREM', KEYS[1], id)
  else
    local remaining = redis.call('HGET', key, 'remaining')
    if not remaining then return id end
    local left = tonumber(remaining)
    if left > 0 then
      if ARGV[2] == '1' then
        left = redis.call('HINCRBY', key, 'remaining', -1)
        if left <= 0 then
          redis.call('DEL', key)
          redis.call('SREM', KEYS[1], id)
        end
      end
      return id
    end
    redis.call('DEL', key)
    redis.call('SREM', KEYS[1], id)
  end
end
return false`;

/** How long boot waits for the fault subscription before going on without it for now. */
const SUBSCRIBE_WAIT_MS = 2000;

export const FAULT_REGISTRY_OPTIONS = Symbol('dbferry:fault-registry-options');

export interface FaultRegistryOptions {
  /** How long a process trusts "no fault here" before asking Redis again (a creation anywhere clears it at once). */
  noFaultCacheMs?: number;
}

/**
 * Injected faults (issue 13 item 5), kept in Redis so the API and every worker see the same
 * ones: a hash per fault (with a TTL for `seconds`, a `remaining` counter for `count`), a set of
 * ids per connection and operation, and a set of all ids. Each process caches "no fault on this
 * connection and operation" for a moment, so checking costs no Redis round trip in the common
 * case; a creation publishes a message that clears every process's cache. A removal needs no
 * message: only the absence of faults is cached. Inert (no subscriber, nothing installed by its
 * users) unless FAULTS_ENABLED=true.
 */
@Injectable()
export class FaultRegistry implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(FaultRegistry.name);
  private readonly noFault = new Map<string, number>();
  /** Bumped by every invalidation, so a look-up that raced a creation does not cache its stale "none". */
  private generation = 0;
  private subscriber: Redis | undefined;
  private readonly cacheMs: number;
  /** Look-ups that went to Redis, for tests and the curious. */
  readonly stats = { lookups: 0, cached: 0 };

  constructor(
    @Inject(QUEUE_REDIS) private readonly redis: Redis,
    @Inject(QUEUE_OPTIONS) private readonly options: Pick<QueueModuleOptions, 'prefix' | 'redisUrl'>,
    @Inject(faultsConfig.KEY) private readonly config: ConfigType<typeof faultsConfig>,
    @Optional() @Inject(FAULT_REGISTRY_OPTIONS) registryOptions?: FaultRegistryOptions,
  ) {
    this.cacheMs = registryOptions?.noFaultCacheMs ?? 250;
  }

  get enabled(): boolean {
    return this.config.enabled;
  }

  private get channel(): string {
    return `${this.options.prefix}:faults:changed`;
  }

  private faultKey(id: string): string {
    return `${this.options.prefix}:fault:${id}`;
  }

  private setKey(connectionId: string, operation: FaultKind): string {
    return `${this.options.prefix}:faults:${connectionId}:${operation}`;
  }

  private get indexKey(): string {
    return `${this.options.prefix}:faults`;
  }

  async onModuleInit(): Promise<void> {
    if (!this.enabled) return;
    const subscriber = createRedis(this.options.redisUrl, 'dbferry-faults', 'worker');
    this.subscriber = subscriber;
    subscriber.on('message', () => this.invalidate());
    // A message missed while disconnected: forget what was cached once back.
    subscriber.on('ready', () => this.invalidate());
    subscriber.on('error', (error: Error) => this.logger.warn(`fault subscription: ${error.message}`));
    // Boot waits for the subscription a moment, never for a Redis that is down (ioredis subscribes once it is back).
    const subscribed = subscriber.subscribe(this.channel).catch((error: Error) => this.logger.warn(`fault subscription: ${error.message}`));
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([subscribed, new Promise((resolve) => (timer = setTimeout(resolve, SUBSCRIBE_WAIT_MS)))]);
    clearTimeout(timer);
  }

  async onApplicationShutdown(): Promise<void> {
    const subscriber = this.subscriber;
    this.subscriber = undefined;
    await subscriber?.quit().catch(() => subscriber.disconnect());
  }

  private invalidate(): void {
    this.generation++;
    this.noFault.clear();
  }

  async create(spec: FaultSpec): Promise<Fault> {
    const id = randomUUID();
    const now = Date.now();
    const fields: Record<string, string> = {
      id,
      connectionId: spec.connectionId,
      operation: spec.operation,
      createdAt: new Date(now).toISOString(),
      createdBy: spec.createdBy ?? '',
    };
    if (spec.count !== undefined) Object.assign(fields, { count: String(spec.count), remaining: String(spec.count) });
    if (spec.seconds !== undefined) Object.assign(fields, { seconds: String(spec.seconds), expiresAt: new Date(now + spec.seconds * 1000).toISOString() });
    const multi = this.redis.multi().hset(this.faultKey(id), fields);
    if (spec.seconds !== undefined) multi.pexpire(this.faultKey(id), spec.seconds * 1000);
    await multi.sadd(this.indexKey, id).sadd(this.setKey(spec.connectionId, spec.operation), id).exec();
    this.invalidate();
    await this.redis.publish(this.channel, id);
    return toFault(fields);
  }

  /** The fault, or null once removed, used up or expired. */
  async get(id: string): Promise<Fault | null> {
    const fields = await this.redis.hgetall(this.faultKey(id));
    return fields.id ? toFault(fields) : null;
  }

  /** Every active fault, oldest first; ended ones are dropped from the index on the way. */
  async list(): Promise<Fault[]> {
    const ids = await this.redis.smembers(this.indexKey);
    if (!ids.length) return [];
    const pipeline = this.redis.pipeline();
    for (const id of ids) pipeline.hgetall(this.faultKey(id));
    const replies = (await pipeline.exec()) ?? [];
    const faults: Fault[] = [];
    const gone: string[] = [];
    replies.forEach(([error, fields], i) => {
      if (error) throw error;
      const hash = fields as Record<string, string>;
      if (hash.id) faults.push(toFault(hash));
      else gone.push(ids[i]);
    });
    if (gone.length) await this.redis.srem(this.indexKey, ...gone);
    return faults.sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.id.localeCompare(b.id));
  }

  /** Removes the fault at once for every process (nothing caches a fault's presence); null when it was not there. */
  async remove(id: string): Promise<Fault | null> {
    const fault = await this.get(id);
    if (!fault) return null;
    await this.redis.multi().del(this.faultKey(id)).srem(this.indexKey, id).srem(this.setKey(fault.connectionId, fault.operation), id).exec();
    return fault;
  }

  /**
   * The id of the active fault on this connection and operation, using up one hit of a counted
   * one when `consume`; null when there is none. A failing Redis injects nothing (logged): the
   * tool for simulating outages must not make one.
   */
  async hit(connectionId: string, operation: FaultKind, consume = true): Promise<string | null> {
    const slot = `${connectionId}:${operation}`;
    const until = this.noFault.get(slot);
    if (until !== undefined && until > Date.now()) {
      this.stats.cached++;
      return null;
    }
    const generation = this.generation;
    this.stats.lookups++;
    let id: unknown;
    try {
      id = await this.redis.eval(HIT, 1, this.setKey(connectionId, operation), `${this.options.prefix}:fault:`, consume ? '1' : '0');
    } catch (error) {
      this.logger.warn(`fault look-up failed, none injected: ${(error as Error).message}`);
      return null;
    }
    if (typeof id === 'string') return id;
    if (generation === this.generation) this.noFault.set(slot, Date.now() + this.cacheMs);
    return null;
  }
}

function toFault(fields: Record<string, string>): Fault {
  const num = (value: string | undefined) => (value === undefined || value === '' ? null : Number(value));
  return {
    id: fields.id,
    connectionId: fields.connectionId,
    operation: fields.operation as FaultKind,
    count: num(fields.count),
    remaining: num(fields.remaining),
    seconds: num(fields.seconds),
    createdAt: fields.createdAt,
    expiresAt: fields.expiresAt || null,
    createdBy: fields.createdBy || null,
  };
}
