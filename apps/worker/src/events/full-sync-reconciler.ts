import { Inject, Injectable } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { workerConfig } from '@dbferry/config';
import { FullSyncRepository, RunRepository } from '@dbferry/control-plane';
import { JobProducer } from '@dbferry/queue';
import { eventFullSyncJobId, JobName } from '@dbferry/queue-contracts';
import { PeriodicReconciler, type ReconcileReport } from '../runs/periodic-reconciler';

/** One full-sync reconciler of the fleet at a time. */
const LOCK_KEY = 'dbferry:full-sync-reconciler';
/** A run younger than this may be between its row and its queue job: left alone. */
const GRACE_SECONDS = 5;
/** How a re-enqueued run is logged, and how many times it is re-enqueued before it fails. */
export const REQUEUE_LINE = "reconciler: the queue had lost this full sync's job";
const MAX_REQUEUES = 3;

export interface FullSyncReconcileCounts {
  requeued: number;
  failed: number;
}
export type FullSyncReconcileReport = ReconcileReport<FullSyncReconcileCounts>;

/**
 * Postgres is the truth for event full syncs too (issue 14): every interval, finds runs the store
 * calls queued or running whose BullMQ job Redis does not hold (a flush) and enqueues it again
 * under the same stable id; a run whose job BullMQ failed (it stalled past maxStalledCount: its
 * worker died each time) without the handler settling it ends failed with the reason, as does a
 * run whose job was lost MAX_REQUEUES times. A re-run is harmless: the run keeps its snapshot
 * instant and its events' ids, so pages stored before are duplicates.
 */
@Injectable()
export class FullSyncReconciler extends PeriodicReconciler<FullSyncReconcileCounts> {
  constructor(
    private readonly fullSyncs: FullSyncRepository,
    runs: RunRepository,
    private readonly producer: JobProducer,
    @Inject(workerConfig.KEY) config: ConfigType<typeof workerConfig>,
  ) {
    super({ lockKey: LOCK_KEY, intervalMs: config.reconcileIntervalMs, lock: runs, empty: { requeued: 0, failed: 0 }, failure: 'full-sync reconcile' });
  }

  protected describe(r: FullSyncReconcileCounts): string | null {
    return r.requeued || r.failed ? `reconciled full syncs: ${r.requeued} enqueued again, ${r.failed} failed` : null;
  }

  protected async sweep(): Promise<FullSyncReconcileCounts> {
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
