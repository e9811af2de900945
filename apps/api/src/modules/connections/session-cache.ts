import type { DialectSession } from '@dbferry/dialects-core';

interface Idle {
  session: DialectSession;
  since: number;
}

export interface SessionCacheOptions {
  /** Idle sessions kept per key; one released beyond that is closed. */
  maxIdlePerKey: number;
  /** An idle session unused this long is closed. */
  idleMs: number;
}

/**
 * A small bounded pool of raw (unfaulted) sessions for the API's hot paths (replica-group
 * multi-writes): a write takes an idle session of its key or opens one, and gives it back only
 * when the work succeeded; a failed one is closed, since its state is unknown. Keyed by what
 * the session was opened with (the caller's key names the connection and its settings), so an
 * edited connection never reuses a session of its old settings. Idle sessions close after
 * `idleMs` and at shutdown.
 */
export class SessionCache {
  private readonly idle = new Map<string, Idle[]>();
  private readonly sweeper: NodeJS.Timeout;
  private closed = false;

  constructor(private readonly options: SessionCacheOptions) {
    this.sweeper = setInterval(() => void this.closeIdleOlderThan(this.options.idleMs), Math.max(250, Math.min(options.idleMs / 2, 30_000)));
    this.sweeper.unref();
  }

  /**
   * Runs `use` on an idle session of `key`, or on one `open` makes; returns it to the pool on
   * success, and on a failure `intact` says left the session untouched (an injected fault, thrown
   * before the session was used): anything else closes it.
   */
  async with<T>(key: string, open: () => Promise<DialectSession>, use: (session: DialectSession) => Promise<T>, intact?: (error: unknown) => boolean): Promise<T> {
    const session = this.idle.get(key)?.pop()?.session ?? (await open());
    let ok = false;
    try {
      const result = await use(session);
      ok = true;
      return result;
    } catch (error) {
      ok = intact?.(error) === true;
      throw error;
    } finally {
      if (ok) await this.release(key, session);
      else await session.close().catch(() => undefined);
    }
  }

  /** Idle sessions held now (all keys). */
  get idleCount(): number {
    let n = 0;
    for (const list of this.idle.values()) n += list.length;
    return n;
  }

  async closeIdleOlderThan(ms: number): Promise<void> {
    const cutoff = Date.now() - ms;
    const closing: DialectSession[] = [];
    for (const [key, list] of this.idle) {
      const keep = list.filter((i) => i.since > cutoff);
      closing.push(...list.filter((i) => i.since <= cutoff).map((i) => i.session));
      if (keep.length) this.idle.set(key, keep);
      else this.idle.delete(key);
    }
    await Promise.all(closing.map((s) => s.close().catch(() => undefined)));
  }

  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.sweeper);
    const all = [...this.idle.values()].flat().map((i) => i.session);
    this.idle.clear();
    await Promise.all(all.map((s) => s.close().catch(() => undefined)));
  }

  private async release(key: string, session: DialectSession): Promise<void> {
    const list = this.idle.get(key) ?? [];
    if (this.closed || list.length >= this.options.maxIdlePerKey) {
      await session.close().catch(() => undefined);
      return;
    }
    list.push({ session, since: Date.now() });
    this.idle.set(key, list);
  }
}
