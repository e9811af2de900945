import { Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { SchedulerRegistry } from '@nestjs/schedule';
import { workerConfig } from '@dbferry/config';
import { FullSyncRepository, RunRepository } from '@dbferry/control-plane';
import { JobProducer } from '@dbferry/queue';
import { eventFullSyncJobId, JobName } from '@dbferry/queue-contracts';

/** One full-sync reconciler of the fleet at a time. */
const LOCK_KEY = 'dbferry:full-sync-reconciler';
/** A run younger than this may be between its row and its queue job: left alone. */
const GRACE_SECONDS = 5;
/** How a re-enqueued run is logged, and how many times it is re-enqueued before it fails. */
export const REQUEUE_LINE = "reconciler: the queue had lost this full sync's job";
const MAX_REQUEUES = 3;

export interface FullSyncReconcileReport {
  locked: boolean;
  requeued: number;
  failed: number;
}

/**
 * Postgres is the truth for event full syncs too (issue 14): every interval, finds runs the store
 * calls queued or running whose BullMQ job Redis does not hold (a flush) and enqueues it again
 * under the same stable id; a run whose job BullMQ failed (it stalled past maxStalledCount: its
 * worker died each time) without the handler settling it ends failed with the reason, as does a
 * run whose job was lost MAX_REQUEUES times. A re-run is harmless: the run keeps its snapshot
 * instant and its events' ids, so pages stored before are duplicates.
 */
@Injectable()
export class FullSyncReconciler implements OnApplicationBootstrap {
  private readonly logger = new Logger(FullSyncReconciler.name);
  private busy = false;

  constructor(
    private readonly fullSyncs: FullSyncRepository,
    private readonly runs: RunRepository,
    private readonly producer: JobProducer,
    private readonly scheduler: SchedulerRegistry,
    @Inject(workerConfig.KEY) private readonly config: ConfigType<typeof workerConfig>,
  ) {}

  onApplicationBootstrap(): void {
    const timer = setInterval(() => void this.tick(), this.config.reconcileIntervalMs);
    timer.unref();
    this.scheduler.addInterval(FullSyncReconciler.name, timer);
  }

  private async tick(): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    try {
      const r = await this.reconcile();
      if (r.requeued || r.failed) this.logger.warn(`reconciled full syncs: ${r.requeued} enqueued again, ${r.failed} failed`);
    } catch (error) {
      this.logger.error(`full-sync reconcile failed: ${(error as Error).message}`);
    } finally {
      this.busy = false;
    }
  }

  async reconcile(): Promise<FullSyncReconcileReport> {
    const pass = await this.runs.exclusively(LOCK_KEY, () => this.pass());
    return pass.locked ? { locked: true, ...pass.value } : { locked: false, requeued: 0, failed: 0 };
  }

  private async pass(): Promise<Omit<FullSyncReconcileReport, 'locked'>> {
    const report = { requeued: 0, failed: 0 };
    for (const run of await this.fullSyncs.activeOlderThan(GRACE_SECONDS)) {
      const jobId = eventFullSyncJobId(run.id);
      const state = await this.producer.getJobState(JobName.EventFullSync, jobId);
      // Waiting, delayed or active: the job owns the run (a dead worker's active job is moved back by BullMQ's stall check).
      if (state && state !== 'completed' && state !== 'failed') continue;
      if (state === 'failed') {
        const reason = (await this.producer.failedReason(JobName.EventFullSync, jobId)) ?? 'unknown';
        if (await this.giveUp(run.id, `the full sync's job gave up in the queue (${reason}); not retried again`)) report.failed++;
        continue;
      }
      if ((await this.fullSyncs.countLog(run.id, REQUEUE_LINE)) >= MAX_REQUEUES) {
        if (await this.giveUp(run.id, `the queue lost this full sync's job ${MAX_REQUEUES} times; not retried again`)) report.failed++;
        continue;
      }
      if (state === 'completed') {
        // The handler settles the run before its job completes: a run that ended since it was read is left alone.
        const now = await this.fullSyncs.get(run.id);
        if (!now || (now.status !== 'queued' && now.status !== 'running')) continue;
        // Completed with the run still active (a store restored from before): the id is freed and the job added again.
        if (!(await this.producer.removeJob(JobName.EventFullSync, jobId))) continue;
      }
      await this.producer.enqueue(JobName.EventFullSync, { v: 1, runId: run.id }, { jobId });
      await this.fullSyncs.log(run.id, 'warn', `${REQUEUE_LINE}; enqueued it again`);
      report.requeued++;
    }
    return report;
  }

  private async giveUp(runId: string, reason: string): Promise<boolean> {
    const run = await this.fullSyncs.get(runId);
    if (!run || (run.status !== 'queued' && run.status !== 'running')) return false;
    await this.fullSyncs.log(runId, 'error', `reconciler: ${reason}`);
    await this.fullSyncs.finish(runId, 'failed', reason);
    return true;
  }
}
