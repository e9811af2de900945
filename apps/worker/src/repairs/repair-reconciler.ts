import { Inject, Injectable } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { workerConfig } from '@dbferry/config';
import { RepairRepository, RunRepository } from '@dbferry/control-plane';
import { JobProducer } from '@dbferry/queue';
import { arbitrationJobId, JobName } from '@dbferry/queue-contracts';
import { PeriodicReconciler, type ReconcileReport } from '../runs/periodic-reconciler';

/** One repair reconciler of the fleet at a time. */
const LOCK_KEY = 'dbferry:repair-reconciler';
/** A repair younger than this may be between its row and its queue job: left alone. */
const GRACE_SECONDS = 5;
const FINISHED = ['completed', 'failed'];

export interface RepairReconcileCounts {
  enqueued: number;
  failed: number;
}
export type RepairReconcileReport = ReconcileReport<RepairReconcileCounts>;

/**
 * Postgres is the truth for repairs too: every interval, a repair the store calls running whose
 * plan or apply job Redis no longer holds (a flush) is enqueued again under the same stable id;
 * the apply resumes at its first segment not done. One the queue gave up on without its
 * handler settling it is failed with the queue's reason.
 */
@Injectable()
export class RepairReconciler extends PeriodicReconciler<RepairReconcileCounts> {
  constructor(
    private readonly repairs: RepairRepository,
    runs: RunRepository,
    private readonly producer: JobProducer,
    @Inject(workerConfig.KEY) config: ConfigType<typeof workerConfig>,
  ) {
    super({ lockKey: LOCK_KEY, intervalMs: config.reconcileIntervalMs, lock: runs, empty: { enqueued: 0, failed: 0 }, failure: 'repair reconcile' });
  }

  protected describe(r: RepairReconcileCounts): string | null {
    return r.enqueued || r.failed ? `reconciled repairs: ${r.enqueued} job(s) enqueued again, ${r.failed} repair(s) failed` : null;
  }

  protected async sweep(): Promise<RepairReconcileCounts> {
    const report = { enqueued: 0, failed: 0 };
    for (const repair of await this.repairs.stale(GRACE_SECONDS)) {
      const name = repair.phase === 'plan' ? JobName.PlanRepair : JobName.ApplyRepair;
      const jobId = repair.phase === 'plan' ? arbitrationJobId.planRepair(repair.id) : arbitrationJobId.applyRepair(repair.id);
      const state = await this.producer.getJobState(name, jobId);
      if (state && !FINISHED.includes(state)) continue;
      if (state === 'failed') {
        const reason = (await this.producer.failedReason(name, jobId)) ?? 'unknown';
        if (await this.repairs.fail(repair.id, `the ${repair.phase} gave up in the queue (${reason})`)) report.failed++;
        continue;
      }
      if (state && !(await this.producer.removeJob(name, jobId))) continue;
      await this.producer.enqueue(name, { v: 1, repairId: repair.id }, { jobId });
      report.enqueued++;
    }
    return report;
  }
}
