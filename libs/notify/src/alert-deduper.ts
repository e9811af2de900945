/** Where the deduper keeps its keys: Redis in the worker (SET NX PX), memory in tests. */
export interface AlertKeyStore {
  /** Sets the key with an expiry unless it exists (Redis `SET key value PX ttl NX`); true when this call set it. */
  claim(key: string, value: string, ttlMs: number): Promise<boolean>;
  /** Deletes the key if it still holds `value`, so a claim given back never frees someone else's. */
  release(key: string, value: string): Promise<void>;
  /** Deletes the key whatever it holds. */
  clear(key: string): Promise<void>;
}

export type RunAlertKind = 'run-failed' | 'run-recovered' | 'run-drift';

/** The right to mail one alert, taken before sending. */
export interface AlertClaim {
  /** After the mail went out. A recovery ends the incident: the next failure is mailed at once. */
  sent(): Promise<void>;
  /** After sending failed: gives the key back, so the next failure (or a retry) mails again. */
  release(): Promise<void>;
}

export const DEFAULT_DEDUPE_WINDOW_MS = 60 * 60 * 1000;
/** A run's recovery claim outlives any retry of the job that settles it. */
const RECOVERY_CLAIM_MS = 24 * 60 * 60 * 1000;

export interface AlertDeduperOptions {
  /** At most one failure mail per job within this (default one hour). */
  windowMs?: number;
  /** Key prefix, e.g. the queue prefix, so installations sharing a Redis stay apart. */
  namespace?: string;
}

/**
 * At most one failure mail per job per window, and one recovery mail per recovered run.
 * The claim is a SET NX with expiry, so workers deciding at the same instant cannot both
 * send; whether a success is a recovery is the caller's call (from the run history).
 */
export class AlertDeduper {
  private readonly windowMs: number;
  private readonly namespace: string;

  constructor(
    private readonly store: AlertKeyStore,
    options: AlertDeduperOptions = {},
  ) {
    this.windowMs = options.windowMs ?? DEFAULT_DEDUPE_WINDOW_MS;
    this.namespace = options.namespace ? `${options.namespace}:alerts` : 'alerts';
  }

  /**
   * A claim to mail this alert now, or null when it is a duplicate. Drift (a verified run that
   * found differences, or could not verify) is its own incident: at most one mail per job per
   * window, ended by a clean verify (`driftCleared`).
   */
  async claim(kind: RunAlertKind, jobId: string, runId: string): Promise<AlertClaim | null> {
    if (kind === 'run-drift') {
      const driftKey = this.driftKey(jobId);
      if (!(await this.store.claim(driftKey, runId, this.windowMs))) return null;
      return { sent: async () => undefined, release: () => this.store.release(driftKey, runId) };
    }
    const failedKey = `${this.namespace}:failed:${jobId}`;
    if (kind === 'run-failed') {
      if (!(await this.store.claim(failedKey, runId, this.windowMs))) return null;
      return { sent: async () => undefined, release: () => this.store.release(failedKey, runId) };
    }
    const recoveredKey = `${this.namespace}:recovered:${runId}`;
    if (!(await this.store.claim(recoveredKey, runId, RECOVERY_CLAIM_MS))) return null;
    return { sent: () => this.store.clear(failedKey), release: () => this.store.release(recoveredKey, runId) };
  }

  /** A verified run found no drift: the next drift is news, window or not. */
  async driftCleared(jobId: string): Promise<void> {
    await this.store.clear(this.driftKey(jobId));
  }

  private driftKey(jobId: string): string {
    return `${this.namespace}:drift:${jobId}`;
  }
}

/** An in-process store with expiry, for a single process and for tests. */
export class MemoryAlertKeyStore implements AlertKeyStore {
  private readonly entries = new Map<string, { value: string; expiresAt: number }>();

  constructor(private readonly clock: () => number = Date.now) {}

  async claim(key: string, value: string, ttlMs: number): Promise<boolean> {
    const entry = this.entries.get(key);
    if (entry && entry.expiresAt > this.clock()) return false;
    this.entries.set(key, { value, expiresAt: this.clock() + ttlMs });
    return true;
  }

  async release(key: string, value: string): Promise<void> {
    if (this.entries.get(key)?.value === value) this.entries.delete(key);
  }

  async clear(key: string): Promise<void> {
    this.entries.delete(key);
  }

  /** Live keys, for tests. */
  keys(): string[] {
    return [...this.entries].filter(([, e]) => e.expiresAt > this.clock()).map(([k]) => k);
  }
}
