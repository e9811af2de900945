import { Inject, Injectable } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { workerConfig } from '@dbferry/config';
import { DiffRepository, RunRepository } from '@dbferry/control-plane';
import { JobProducer } from '@dbferry/queue';
import { arbitrationJobId, JobName } from '@dbferry/queue-contracts';
import { PeriodicReconciler, type ReconcileReport } from '../runs/periodic-reconciler';

/** One diff reconciler of the fleet at a time. */
const LOCK_KEY = 'dbferry:diff-reconciler';
/** A diff younger than this may be between its row and its queue job: left alone. */
const GRACE_SECONDS = 5;
const FINISHED = ['completed', 'failed'];

export interface DiffReconcileCounts {
  plans: number;
  /** Open segments whose group's job was enqueued again. */
  segments: number;
  finishes: number;
  failed: number;
}
export type DiffReconcileReport = ReconcileReport<DiffReconcileCounts>;

/**
 * Postgres is the truth for diffs too: every interval, finds diffs the store calls unfinished
 * whose queue jobs Redis lost (a flush) and enqueues them again under the same stable ids —
 * the plan, the job of each group of open segments (its first segment's id), or the finish once
 * every segment has settled.
 */
@Injectable()
export class DiffReconciler extends PeriodicReconciler<DiffReconcileCounts> {
  constructor(
    private readonly diffs: DiffRepository,
    runs: RunRepository,
    private readonly producer: JobProducer,
    @Inject(workerConfig.KEY) config: ConfigType<typeof workerConfig>,
  ) {
    super({ lockKey: LOCK_KEY, intervalMs: config.reconcileIntervalMs, lock: runs, empty: { plans: 0, segments: 0, finishes: 0, failed: 0 }, failure: 'diff reconcile' });
  }

  protected describe(r: DiffReconcileCounts): string | null {
    return r.plans || r.segments || r.finishes || r.failed
      ? `reconciled diffs: ${r.plans} plan(s), ${r.segments} segment(s), ${r.finishes} finish(es) enqueued again; ${r.failed} segment(s) failed`
      : null;
  }

  protected async sweep(): Promise<DiffReconcileCounts> {
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
      for (const group of await this.diffs.openSegmentGroups(diff.id)) {
        const jobId = arbitrationJobId.segment(group.leaderId);
        const state = await this.producer.getJobState(JobName.DiffSegment, jobId);
        if (state === 'failed') {
          // BullMQ gave up on it (its worker died past maxStalledCount) without the handler settling its segments.
          const reason = (await this.producer.failedReason(JobName.DiffSegment, jobId)) ?? 'unknown';
          for (const id of group.segmentIds) if (await this.diffs.failSegment(id, `the segment gave up in the queue (${reason})`)) report.failed++;
          continue;
        }
        if (state && state !== 'completed') continue;
        if (state === 'completed' && !(await this.producer.removeJob(JobName.DiffSegment, jobId))) continue;
        await this.producer.enqueue(JobName.DiffSegment, { v: 1, diffId: diff.id, segmentId: group.leaderId }, { jobId });
        report.segments += group.segmentIds.length;
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
