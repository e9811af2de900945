import { Inject, Injectable, OnApplicationShutdown, Optional } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { workerConfig } from '@dbferry/config';
import type { StoredConnection } from '@dbferry/control-plane';
import { KeyedSessionPool, settingsVersion } from '@dbferry/dialects-core';
import { ConnectionOpener, OpenConnection } from './connection-opener';

export const SESSION_POOL_OPTIONS = Symbol('SESSION_POOL_OPTIONS');

export interface SessionPoolOptions {
  /** An idle session is closed after this long unused. */
  idleMs: number;
  /** Idle sessions kept per connection; more are closed on release (default: the worker's concurrency). */
  maxIdlePerConnection?: number;
  /** A reused session must answer a ping within this long, or it is discarded for a new one. */
  pingTimeoutMs: number;
}

const DEFAULTS: SessionPoolOptions = { idleMs: 60_000, pingTimeoutMs: 5_000 };

/** A session taken from the pool; give it back with `release`, saying whether it may be reused. */
export interface PooledSession {
  readonly connection: OpenConnection;
  /** `broken`: the work on it failed or was aborted (a transaction or stream may be left half-way), so it is closed. */
  release(broken: boolean): Promise<void>;
}

export interface PooledPair {
  source: OpenConnection;
  target: OpenConnection;
  release(broken: boolean): Promise<void>;
}

/**
 * Sessions kept open across the chunks a worker runs, per stored connection, so a chunk does not
 * connect to both databases anew (the pool itself is `KeyedSessionPool` of dialects-core, shared
 * with the API). Each checkout re-reads the stored connection (the read-only check and the egress
 * policy apply at every checkout, as at every open): an idle session made under other settings
 * (password and read-only flag included) is closed, never reused. A reused session must answer a
 * ping first; one whose work failed is closed; idle ones close after `idleMs` and all at shutdown
 * (after the queue's workers have drained), and no session is opened after.
 */
@Injectable()
export class SessionPool implements OnApplicationShutdown {
  private readonly pool: KeyedSessionPool<OpenConnection>;
  private closed = false;

  constructor(
    private readonly opener: ConnectionOpener,
    @Inject(workerConfig.KEY) config: ConfigType<typeof workerConfig>,
    @Optional() @Inject(SESSION_POOL_OPTIONS) options?: Partial<SessionPoolOptions>,
  ) {
    const { idleMs, pingTimeoutMs, maxIdlePerConnection } = { ...DEFAULTS, maxIdlePerConnection: Math.max(1, config.concurrency, config.groupsConcurrency ?? 0), ...options };
    this.pool = new KeyedSessionPool({ idleMs, pingTimeoutMs, maxIdlePerKey: maxIdlePerConnection });
  }

  /** Counts since start (opened, reused, discarded, closedIdle), for the tests and the worker's metrics. */
  get stats(): Readonly<KeyedSessionPool<OpenConnection>['stats']> {
    return this.pool.stats;
  }

  /** Idle sessions now held, over all connections. */
  get idleCount(): number {
    return this.pool.idleCount;
  }

  /** A session on the stored connection: an idle one of the same settings that answers a ping, or a new one. */
  async acquire(connectionId: string, options: { write?: boolean } = {}): Promise<PooledSession> {
    if (this.closed) throw new Error('the session pool is closed (the worker is shutting down)');
    let stored: StoredConnection;
    try {
      stored = await this.opener.load(connectionId, options);
    } catch (error) {
      // Deleted, or refused as it now stands (made read-only): what is idle on it has no use left.
      this.pool.dropIdle(connectionId);
      throw error;
    }
    const lease = await this.pool.acquire(connectionId, settingsVersion(stored), () => this.opener.connect(stored));
    return { connection: lease.value, release: lease.release };
  }

  /** Both ends of a chunk: the source for reading, the target for writing; the source goes back if the target fails. */
  async acquirePair(sourceId: string, targetId: string): Promise<PooledPair> {
    const source = await this.acquire(sourceId);
    let target: PooledSession;
    try {
      target = await this.acquire(targetId, { write: true });
    } catch (error) {
      await source.release(false);
      throw error;
    }
    return {
      source: source.connection,
      target: target.connection,
      release: async (broken) => void (await Promise.all([source.release(broken), target.release(broken)])),
    };
  }

  async onApplicationShutdown(): Promise<void> {
    this.closed = true;
    await this.pool.close();
  }
}
