import { createHash } from 'node:crypto';
import { Inject, Injectable, OnApplicationShutdown, Optional } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { workerConfig } from '@dbferry/config';
import type { StoredConnection } from '@dbferry/control-plane';
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

interface IdleSession {
  connection: OpenConnection;
  version: string;
  since: number;
}

/** A key-sorted copy, so the same settings always hash alike. */
function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (value && typeof value === 'object' && !Buffer.isBuffer(value)) {
    return Object.fromEntries(Object.keys(value).sort().map((k) => [k, canonical((value as Record<string, unknown>)[k])]));
  }
  return value;
}

/**
 * A version of a connection's settings, password and read-only flag included: a PATCH, a flip
 * to read-only or a new password gives a new one. A hash, so the password is never kept in a key.
 */
export function settingsVersion(stored: StoredConnection): string {
  return createHash('sha256').update(JSON.stringify(canonical(stored))).digest('base64url');
}

/**
 * Sessions kept open across the chunks a worker runs, per stored connection, so a chunk does not
 * connect to both databases anew. Each checkout re-reads the stored connection (the read-only
 * check and the egress policy apply at every checkout, as at every open): an idle session made
 * under other settings is closed, never reused. A reused session must answer a ping first; a
 * session whose work failed is closed, never pooled; idle ones close after `idleMs` and all at
 * shutdown (after the queue's workers have drained).
 */
@Injectable()
export class SessionPool implements OnApplicationShutdown {
  private readonly idle = new Map<string, IdleSession[]>();
  private readonly options: SessionPoolOptions & { maxIdlePerConnection: number };
  private readonly sweeper: NodeJS.Timeout;
  private closed = false;
  /** Counts since start, for the tests and the bench's reading of the worker. */
  readonly stats = { opened: 0, reused: 0, discarded: 0, closedIdle: 0 };

  constructor(
    private readonly opener: ConnectionOpener,
    @Inject(workerConfig.KEY) config: ConfigType<typeof workerConfig>,
    @Optional() @Inject(SESSION_POOL_OPTIONS) options?: Partial<SessionPoolOptions>,
  ) {
    this.options = { ...DEFAULTS, maxIdlePerConnection: Math.max(1, config.concurrency, config.groupsConcurrency ?? 0), ...options };
    this.sweeper = setInterval(() => void this.closeIdleOlderThan(this.options.idleMs), Math.max(250, Math.min(this.options.idleMs / 2, 30_000)));
    this.sweeper.unref();
  }

  /** Idle sessions now held, over all connections. */
  get idleCount(): number {
    let n = 0;
    for (const list of this.idle.values()) n += list.length;
    return n;
  }

  /** A session on the stored connection: an idle one of the same settings that answers a ping, or a new one. */
  async acquire(connectionId: string, options: { write?: boolean } = {}): Promise<PooledSession> {
    if (this.closed) throw new Error('the session pool is closed (the worker is shutting down)');
    let stored: StoredConnection;
    try {
      stored = await this.opener.load(connectionId, options);
    } catch (error) {
      // Deleted, or refused as it now stands (made read-only): what is idle on it has no use left.
      this.dropIdle(connectionId);
      throw error;
    }
    const version = settingsVersion(stored);
    for (;;) {
      const idle = this.take(connectionId, version);
      if (!idle) break;
      if (await this.answers(idle.connection)) {
        this.stats.reused++;
        return this.handOut(connectionId, version, idle.connection);
      }
      this.discard(idle.connection);
    }
    const connection = await this.opener.connect(stored);
    this.stats.opened++;
    return this.handOut(connectionId, version, connection);
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

  /** Closes the sessions idle for at least `ms`. */
  async closeIdleOlderThan(ms: number): Promise<void> {
    const before = Date.now() - ms;
    const closing: Promise<void>[] = [];
    for (const [id, list] of this.idle) {
      const keep = list.filter((s) => s.since > before);
      for (const s of list) {
        if (s.since > before) continue;
        this.stats.closedIdle++;
        closing.push(this.close(s.connection));
      }
      if (keep.length) this.idle.set(id, keep);
      else this.idle.delete(id);
    }
    await Promise.all(closing);
  }

  async onApplicationShutdown(): Promise<void> {
    this.closed = true;
    clearInterval(this.sweeper);
    const all = [...this.idle.values()].flat();
    this.idle.clear();
    await Promise.all(all.map((s) => this.close(s.connection)));
  }

  /** The most recently used idle session of `version`; idle ones under other settings are closed on the way. */
  private take(connectionId: string, version: string): IdleSession | undefined {
    const list = this.idle.get(connectionId);
    if (!list) return undefined;
    const stale = list.filter((s) => s.version !== version);
    const current = list.filter((s) => s.version === version);
    for (const s of stale) this.discard(s.connection);
    const taken = current.pop();
    if (current.length) this.idle.set(connectionId, current);
    else this.idle.delete(connectionId);
    return taken;
  }

  private dropIdle(connectionId: string): void {
    for (const s of this.idle.get(connectionId) ?? []) this.discard(s.connection);
    this.idle.delete(connectionId);
  }

  private handOut(connectionId: string, version: string, connection: OpenConnection): PooledSession {
    let released = false;
    return {
      connection,
      release: async (broken) => {
        if (released) return;
        released = true;
        if (broken || this.closed) {
          if (broken) this.stats.discarded++;
          await this.close(connection);
          return;
        }
        const list = this.idle.get(connectionId) ?? [];
        list.push({ connection, version, since: Date.now() });
        // Oldest first: beyond the cap, the longest-idle go.
        const excess = list.splice(0, Math.max(0, list.length - this.options.maxIdlePerConnection));
        this.idle.set(connectionId, list);
        await Promise.all(excess.map((s) => this.close(s.connection)));
      },
    };
  }

  private async answers(connection: OpenConnection): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), this.options.pingTimeoutMs)));
    try {
      return await Promise.race([connection.session.ping().then(() => true, () => false), timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  private discard(connection: OpenConnection): void {
    this.stats.discarded++;
    void this.close(connection);
  }

  private async close(connection: OpenConnection): Promise<void> {
    await connection.session.close().catch(() => undefined);
  }
}
