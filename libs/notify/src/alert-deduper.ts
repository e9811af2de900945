import type { AlertKind } from './alert';

/** What was last mailed for a key (a job): a failure alert, or the recovery that closed it. */
export interface LastAlert {
  kind: 'run-failed' | 'run-recovered';
  /** Epoch milliseconds of that mail. */
  sentAt: number;
}

/** Where the deduper keeps its state; the worker backs it with Redis, tests with memory. */
export interface AlertStateStore {
  get(key: string): Promise<LastAlert | null>;
  set(key: string, value: LastAlert, ttlMs: number): Promise<void>;
}

export interface DedupeDecision {
  send: boolean;
  /** The state to store, or null to leave it as it is. */
  next: LastAlert | null;
}

export const DEFAULT_DEDUPE_WINDOW_MS = 60 * 60 * 1000;
/** How long a failing job's state is kept: its recovery mail is sent if it recovers within this. */
export const DEFAULT_FAILING_RETENTION_MS = 7 * 24 * 60 * 60 * 1000;

/**
 * The policy, without I/O: a failure is mailed when the job was not failing or when the last
 * failure mail is a window old; a success is mailed only when it ends a mailed failure; a
 * test always goes out and changes nothing.
 */
export function decideAlert(last: LastAlert | null, kind: AlertKind, nowMs: number, windowMs: number): DedupeDecision {
  if (kind === 'test') return { send: true, next: null };
  const failing = last?.kind === 'run-failed';
  if (kind === 'run-failed') {
    if (failing && nowMs - last.sentAt < windowMs) return { send: false, next: null };
    return { send: true, next: { kind: 'run-failed', sentAt: nowMs } };
  }
  if (!failing) return { send: false, next: null };
  return { send: true, next: { kind: 'run-recovered', sentAt: nowMs } };
}

export interface AlertDeduperOptions {
  windowMs?: number;
  failingRetentionMs?: number;
}

/**
 * Applies `decideAlert` against a store. Not atomic across processes: two workers deciding
 * the same key at the same instant may both send; the store may narrow that with SET NX.
 */
export class AlertDeduper {
  private readonly windowMs: number;
  private readonly failingRetentionMs: number;

  constructor(
    private readonly store: AlertStateStore,
    options: AlertDeduperOptions = {},
  ) {
    this.windowMs = options.windowMs ?? DEFAULT_DEDUPE_WINDOW_MS;
    this.failingRetentionMs = Math.max(options.failingRetentionMs ?? DEFAULT_FAILING_RETENTION_MS, this.windowMs);
  }

  /** Whether to mail this alert now; records the mail as sent when the answer is yes. */
  async shouldSend(key: string, kind: AlertKind, now: Date = new Date()): Promise<boolean> {
    const nowMs = now.getTime();
    const { send, next } = decideAlert(await this.store.get(key), kind, nowMs, this.windowMs);
    if (next) {
      // A recovered job needs no memory beyond the window: absence already means "not failing".
      await this.store.set(key, next, next.kind === 'run-failed' ? this.failingRetentionMs : this.windowMs);
    }
    return send;
  }
}

/** An in-process store with expiry, for a single process and for tests. */
export class MemoryAlertStateStore implements AlertStateStore {
  private readonly entries = new Map<string, { value: LastAlert; expiresAt: number }>();

  constructor(private readonly clock: () => number = Date.now) {}

  async get(key: string): Promise<LastAlert | null> {
    const entry = this.entries.get(key);
    if (!entry) return null;
    if (entry.expiresAt <= this.clock()) {
      this.entries.delete(key);
      return null;
    }
    return entry.value;
  }

  async set(key: string, value: LastAlert, ttlMs: number): Promise<void> {
    this.entries.set(key, { value: { ...value }, expiresAt: this.clock() + ttlMs });
  }
}
