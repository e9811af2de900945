import { Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { SchedulerRegistry } from '@nestjs/schedule';
import { workerConfig } from '@dbferry/config';
import { RepairRepository, RunRepository } from '@dbferry/control-plane';
import { JobProducer } from '@dbferry/queue';
import { arbitrationJobId, JobName } from '@dbferry/queue-contracts';

/** One repair reconciler of the fleet at a time. */
const LOCK_KEY = 'dbferry:repair-reconciler';
/** A repair younger than this may be between its row and its queue job: left alone. */
const GRACE_SECONDS = 5;
const FINISHED = ['completed', 'failed'];

export interface RepairReconcileReport {
  locked: boolean;
  enqueued: number;
  failed: number;
}

/**
 * Postgres is the truth for repairs too: every interval, a repair the store calls running whose
 * plan or apply job Redis no longer holds (a flush) is enqueued again under the same stable id;
 * the apply resumes at its first segment not done. One the queue gave up on without its
 * handler settling it is failed with the queue's reason.
 */
@Injectable()
export class RepairReconciler implements OnApplicationBootstrap {
  private readonly logger = new Logger(RepairReconciler.name);
  private busy = false;

  constructor(
    private readonly repairs: RepairRepository,
    private readonly runs: RunRepository,
    private readonly producer: JobProducer,
    private readonly scheduler: SchedulerRegistry,
    @Inject(workerConfig.KEY) private readonly config: ConfigType<typeof workerConfig>,
  ) {}

  onApplicationBootstrap(): void {
    const timer = setInterval(() => void this.tick(), this.config.reconcileIntervalMs);
    timer.unref();
    this.scheduler.addInterval(RepairReconciler.name, timer);
  }

  private async tick(): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    try {
      const r = await this.reconcile();
      if (r.enqueued || r.failed) this.logger.warn(`reconciled repairs: ${r.enqueued} job(s) enqueued again, ${r.failed} repair(s) failed`);
    } catch (error) {
      this.logger.error(`repair reconcile failed: ${(error as Error).message}`);
    } finally {
      this.busy = false;
    }
  }

  async reconcile(): Promise<RepairReconcileReport> {
    const pass = await this.runs.exclusively(LOCK_KEY, () => this.pass());
    return pass.locked ? { locked: true, ...pass.value } : { locked: false, enqueued: 0, failed: 0 };
  }

  private async pass(): Promise<Omit<RepairReconcileReport, 'locked'>> {
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
