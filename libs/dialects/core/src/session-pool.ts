import { createHash } from 'node:crypto';
import type { DialectSession } from './dialect';

export interface KeyedSessionPoolOptions {
  /** An idle session unused this long is closed. */
  idleMs: number;
  /** Idle sessions kept per key; beyond that, the longest idle are closed when one comes back. */
  maxIdlePerKey: number;
  /** When set, a reused session must answer a ping within this long, or it is discarded for a new one. */
  pingTimeoutMs?: number;
}

/** A session taken from the pool; give it back with `release`, saying whether it may be reused. */
export interface SessionLease<T> {
  readonly value: T;
  /** `broken`: the work on it failed or was aborted (a transaction or stream may be left half-way), so it is closed. */
  release(broken: boolean): Promise<void>;
}

interface Idle<T> {
  value: T;
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
 * A version of the settings a session was opened with (password included): other settings give
 * another. A hash, so a password is never kept in the pool.
 */
export function settingsVersion(settings: unknown): string {
  return createHash('sha256').update(JSON.stringify(canonical(settings))).digest('base64url');
}

/**
 * Open sessions kept between uses, per key (a stored connection), each tagged with the version of
 * the settings it was opened under: a checkout under another version closes the stale ones and
 * never reuses them. A session whose work failed is closed, never pooled; with `pingTimeoutMs`, a
 * reused one must answer a ping first. Idle sessions close after `idleMs` and all at `close()`;
 * after that, a session still held is closed when it comes back, and a new checkout opens one
 * that is closed after its use (whoever owns the pool decides whether to refuse instead).
 * Framework-free: the API's replica-group writes and the worker's handlers share it.
 */
export class KeyedSessionPool<T extends { session: DialectSession }> {
  private readonly idle = new Map<string, Idle<T>[]>();
  private readonly sweeper: NodeJS.Timeout;
  private closed = false;
  /** Counts since start, for metrics and tests. */
  readonly stats = { opened: 0, reused: 0, discarded: 0, closedIdle: 0 };

  constructor(private readonly options: KeyedSessionPoolOptions) {
    this.sweeper = setInterval(() => void this.closeIdleOlderThan(options.idleMs), Math.max(250, Math.min(options.idleMs / 2, 30_000)));
    this.sweeper.unref();
  }

  /** Idle sessions held now, over all keys. */
  get idleCount(): number {
    let n = 0;
    for (const list of this.idle.values()) n += list.length;
    return n;
  }

  /** An idle session of `key` opened under `version` (answering a ping, when asked), or one `open` makes. */
  async acquire(key: string, version: string, open: () => Promise<T>): Promise<SessionLease<T>> {
    for (;;) {
      const idle = this.take(key, version);
      if (!idle) break;
      if (await this.answers(idle.value)) {
        this.stats.reused++;
        return this.lease(key, version, idle.value);
      }
      this.discard(idle.value);
    }
    const value = await open();
    this.stats.opened++;
    return this.lease(key, version, value);
  }

  /**
   * Runs `work` on a session of `key` and gives it back: pooled when the work succeeded, or when
   * `intact` says its failure left the session untouched (e.g. an injected fault thrown before the
   * work began); closed for any other failure.
   */
  async use<R>(key: string, version: string, open: () => Promise<T>, work: (value: T) => Promise<R>, intact?: (error: unknown) => boolean): Promise<R> {
    const lease = await this.acquire(key, version, open);
    let broken = true;
    try {
      const result = await work(lease.value);
      broken = false;
      return result;
    } catch (error) {
      broken = intact?.(error) !== true;
      throw error;
    } finally {
      await lease.release(broken);
    }
  }

  /** Closes what is idle on `key` (its connection was deleted, or is refused as it now stands). */
  dropIdle(key: string): void {
    for (const s of this.idle.get(key) ?? []) this.discard(s.value);
    this.idle.delete(key);
  }

  /** Closes the sessions idle for at least `ms`. */
  async closeIdleOlderThan(ms: number): Promise<void> {
    const before = Date.now() - ms;
    const closing: Promise<void>[] = [];
    for (const [key, list] of this.idle) {
      const keep = list.filter((s) => s.since > before);
      for (const s of list) {
        if (s.since > before) continue;
        this.stats.closedIdle++;
        closing.push(this.closeSession(s.value));
      }
      if (keep.length) this.idle.set(key, keep);
      else this.idle.delete(key);
    }
    await Promise.all(closing);
  }

  /** Closes every idle session; those held are closed when they come back. */
  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.sweeper);
    const all = [...this.idle.values()].flat();
    this.idle.clear();
    await Promise.all(all.map((s) => this.closeSession(s.value)));
  }

  /** The most recently used idle session of `version`; idle ones under other settings are closed on the way. */
  private take(key: string, version: string): Idle<T> | undefined {
    const list = this.idle.get(key);
    if (!list) return undefined;
    const current = list.filter((s) => s.version === version);
    for (const s of list) if (s.version !== version) this.discard(s.value);
    const taken = current.pop();
    if (current.length) this.idle.set(key, current);
    else this.idle.delete(key);
    return taken;
  }

  private lease(key: string, version: string, value: T): SessionLease<T> {
    let released = false;
    return {
      value,
      release: async (broken) => {
        if (released) return;
        released = true;
        if (broken || this.closed) {
          if (broken) this.stats.discarded++;
          await this.closeSession(value);
          return;
        }
        const list = this.idle.get(key) ?? [];
        list.push({ value, version, since: Date.now() });
        // Oldest first: beyond the cap, the longest idle go.
        const excess = list.splice(0, Math.max(0, list.length - this.options.maxIdlePerKey));
        this.idle.set(key, list);
        await Promise.all(excess.map((s) => this.closeSession(s.value)));
      },
    };
  }

  private async answers(value: T): Promise<boolean> {
    const timeoutMs = this.options.pingTimeoutMs;
    if (timeoutMs === undefined) return true;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), timeoutMs)));
    try {
      return await Promise.race([value.session.ping().then(() => true, () => false), timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  private discard(value: T): void {
    this.stats.discarded++;
    void this.closeSession(value);
  }

  private async closeSession(value: T): Promise<void> {
    await value.session.close().catch(() => undefined);
  }
}
