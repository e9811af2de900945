import { Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';

/** The fleet-wide lock a pass runs under (RunRepository.exclusively: a session-level advisory lock). */
export interface ExclusiveLock {
  exclusively<T>(key: string, work: () => Promise<T>): Promise<{ locked: false } | { locked: true; value: T }>;
}

/** What one pass did (counts), and whether this worker held the lock for it. */
export type ReconcileReport<R extends object> = { locked: boolean } & R;

export interface PeriodicReconcilerSettings<R extends object> {
  /** The advisory lock's key: one reconciler of each kind runs at a time over the fleet. */
  lockKey: string;
  /** Milliseconds between passes (RECONCILE_INTERVAL). */
  intervalMs: number;
  lock: ExclusiveLock;
  /** The report of a pass that did not take the lock. */
  empty: R;
  /** Names a failed pass in the error line ("<failure> failed: …"). */
  failure: string;
}

/**
 * What every reconciler shares (Postgres is the truth, Redis carries the work): a pass every
 * interval under a fleet-wide advisory lock, never two passes of one reconciler at once in a
 * process (a tick while one runs is skipped), a warning line when a pass found something, an
 * error line (never a crash) when one failed, and no pass after shutdown begins (the one in
 * flight is awaited, so it never outlives the store's connections). Subclasses give the sweep
 * and its line.
 */
export abstract class PeriodicReconciler<R extends object> implements OnApplicationBootstrap, OnModuleDestroy {
  protected readonly logger = new Logger(this.constructor.name);
  private timer?: NodeJS.Timeout;
  private inFlight?: Promise<void>;
  private stopped = false;

  protected constructor(private readonly settings: PeriodicReconcilerSettings<R>) {}

  /** One pass's work, under the lock. */
  protected abstract sweep(): Promise<R>;

  /** The warning a pass's report deserves; null when it found nothing. */
  protected abstract describe(report: R): string | null;

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => this.tick(), this.settings.intervalMs);
    this.timer.unref();
  }

  async onModuleDestroy(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    await this.inFlight;
  }

  /** One pass now, under the fleet-wide lock; a worker that cannot take it does nothing. */
  async reconcile(): Promise<ReconcileReport<R>> {
    const pass = await this.settings.lock.exclusively(this.settings.lockKey, () => this.sweep());
    return pass.locked ? { locked: true, ...pass.value } : { locked: false, ...this.settings.empty };
  }

  private tick(): void {
    if (this.inFlight || this.stopped) return;
    this.inFlight = this.pass().finally(() => (this.inFlight = undefined));
  }

  private async pass(): Promise<void> {
    try {
      const report = await this.reconcile();
      const line = report.locked ? this.describe(report) : null;
      if (line) this.logger.warn(line);
    } catch (error) {
      this.logger.error(`${this.settings.failure} failed: ${(error as Error).message}`);
    }
  }
}
