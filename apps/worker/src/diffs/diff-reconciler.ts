import { Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { SchedulerRegistry } from '@nestjs/schedule';
import { workerConfig } from '@dbferry/config';
import { DiffRepository, RunRepository } from '@dbferry/control-plane';
import { JobProducer } from '@dbferry/queue';
import { arbitrationJobId, JobName } from '@dbferry/queue-contracts';

/** One diff reconciler of the fleet at a time. */
const LOCK_KEY = 'dbferry:diff-reconciler';
/** A diff younger than this may be between its row and its queue job: left alone. */
const GRACE_SECONDS = 5;
const FINISHED = ['completed', 'failed'];

export interface DiffReconcileReport {
  locked: boolean;
  plans: number;
  segments: number;
  finishes: number;
  failed: number;
}

/**
 * Postgres is the truth for diffs too: every interval, finds diffs the store calls unfinished
 * whose queue jobs Redis lost (a flush) and enqueues them again under the same stable ids —
 * the plan, each open segment, or the finish once every segment has settled.
 */
@Injectable()
export class DiffReconciler implements OnApplicationBootstrap {
  private readonly logger = new Logger(DiffReconciler.name);
  private busy = false;

  constructor(
    private readonly diffs: DiffRepository,
    private readonly runs: RunRepository,
    private readonly producer: JobProducer,
    private readonly scheduler: SchedulerRegistry,
    @Inject(workerConfig.KEY) private readonly config: ConfigType<typeof workerConfig>,
  ) {}

  onApplicationBootstrap(): void {
    const timer = setInterval(() => void this.tick(), this.config.reconcileIntervalMs);
    timer.unref();
    this.scheduler.addInterval(DiffReconciler.name, timer);
  }

  private async tick(): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    try {
      const r = await this.reconcile();
      if (r.plans || r.segments || r.finishes || r.failed) {
        this.logger.warn(`reconciled diffs: ${r.plans} plan(s), ${r.segments} segment(s), ${r.finishes} finish(es) enqueued again; ${r.failed} segment(s) failed`);
      }
    } catch (error) {
      this.logger.error(`diff reconcile failed: ${(error as Error).message}`);
    } finally {
      this.busy = false;
    }
  }

  async reconcile(): Promise<DiffReconcileReport> {
    const pass = await this.runs.exclusively(LOCK_KEY, () => this.pass());
    return pass.locked ? { locked: true, ...pass.value } : { locked: false, plans: 0, segments: 0, finishes: 0, failed: 0 };
  }

  private async pass(): Promise<Omit<DiffReconcileReport, 'locked'>> {
    const report = { plans: 0, segments: 0, finishes: 0, failed: 0 };
    for (const diff of await this.diffs.activeOlderThan(GRACE_SECONDS)) {
      const planId = arbitrationJobId.planDiff(diff.id);
      const plan = await this.producer.getJobState(JobName.PlanDiff, planId);
      if (plan && !FINISHED.includes(plan)) continue;
      const tables = diff.status === 'running' ? await this.diffs.tables(diff.id) : [];
      if (!tables.length) {
        if (plan === 'failed') {
          const reason = (await this.producer.failedReason(JobName.PlanDiff, planId)) ?? 'unknown';
          await this.diffs.end(diff.id, 'failed', `the plan gave up in the queue (${reason})`);
          continue;
        }
        if (plan && !(await this.producer.removeJob(JobName.PlanDiff, planId))) continue;
        await this.producer.enqueue(JobName.PlanDiff, { v: 1, diffId: diff.id }, { jobId: planId });
        report.plans++;
        continue;
      }
      const open = await this.diffs.openSegments(diff.id);
      for (const segment of open) {
        const jobId = arbitrationJobId.segment(segment.id);
        const state = await this.producer.getJobState(JobName.DiffSegment, jobId);
        if (state === 'failed') {
          // BullMQ gave up on it (its worker died past maxStalledCount) without the handler settling it.
          const reason = (await this.producer.failedReason(JobName.DiffSegment, jobId)) ?? 'unknown';
          if (await this.diffs.failSegment(segment.id, `the segment gave up in the queue (${reason})`)) report.failed++;
          continue;
        }
        if (state && state !== 'completed') continue;
        if (state === 'completed' && !(await this.producer.removeJob(JobName.DiffSegment, jobId))) continue;
        await this.producer.enqueue(JobName.DiffSegment, { v: 1, diffId: diff.id, segmentId: segment.id }, { jobId });
        report.segments++;
      }
      if ((await this.diffs.openSegmentCount(diff.id)) > 0) continue;
      // Every segment has settled and the diff is still running: its finish was lost, or ran too early.
      const settledAt = (await this.diffs.lastSettledAt(diff.id))?.getTime() ?? 0;
      if (settledAt > Date.now() - GRACE_SECONDS * 1000) continue;
      const finishId = arbitrationJobId.finishDiff(diff.id);
      const finish = await this.producer.getJobState(JobName.FinishDiff, finishId);
      if (finish && !FINISHED.includes(finish)) continue;
      if (finish && !(await this.producer.removeJob(JobName.FinishDiff, finishId))) continue;
      await this.producer.enqueue(JobName.FinishDiff, { v: 1, diffId: diff.id }, { jobId: finishId });
      report.finishes++;
    }
    return report;
  }
}
