import { Inject, Injectable } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { workerConfig } from '@dbferry/config';
import { enqueuePlanRun, JobProducer } from '@dbferry/queue';
import { JobName, syncJobId } from '@dbferry/queue-contracts';
import { PeriodicReconciler, type ReconcileReport as Report } from './periodic-reconciler';
import { RunAlerts } from './run-alerts';
import { RunStore } from './run-store';

/** One reconciler of the fleet at a time: a session-level advisory lock on this key. */
const LOCK_KEY = 'dbferry:reconciler';
/** A run younger than this may be between its row and its queue job: left alone. */
const GRACE_SECONDS = 5;
const FINISHED = ['completed', 'failed'];
/** How a re-enqueued plan is logged, and how many times a run's plan is re-enqueued before the run fails. */
const REPLAN_LINE = "reconciler: the queue had lost this run's plan";
const MAX_REPLANS = 3;

export interface RunReconcileCounts {
  plans: number;
  flows: number;
  /** Runs it gave up on: their plan failed in the queue, or was lost MAX_REPLANS times. */
  failed: number;
}
export type ReconcileReport = Report<RunReconcileCounts>;

/**
 * Postgres is the truth, Redis carries the work: every interval, finds runs the store calls
 * unfinished whose queue jobs Redis does not hold (a flush, a lost Redis) and enqueues them
 * again under the same stable ids, so what Redis still has is never doubled.
 */
@Injectable()
export class Reconciler extends PeriodicReconciler<RunReconcileCounts> {
  constructor(
    private readonly store: RunStore,
    private readonly alerts: RunAlerts,
    private readonly producer: JobProducer,
    @Inject(workerConfig.KEY) config: ConfigType<typeof workerConfig>,
  ) {
    super({ lockKey: LOCK_KEY, intervalMs: config.reconcileIntervalMs, lock: store, empty: { plans: 0, flows: 0, failed: 0 }, failure: 'reconcile' });
  }

  protected describe(r: RunReconcileCounts): string | null {
    return r.plans || r.flows || r.failed ? `reconciled: ${r.plans} plan-run and ${r.flows} flow(s) enqueued again, ${r.failed} run(s) failed` : null;
  }

  protected async sweep(): Promise<RunReconcileCounts> {
    const runs = await this.store.activeOlderThan(GRACE_SECONDS);
    let plans = 0;
    let flows = 0;
    let failed = 0;
    for (const run of runs) {
      const plan = await this.producer.getJobState(JobName.PlanRun, syncJobId.plan(run.id));
      // A plan in progress (or waiting its turn) owns the run: it stores chunks, then adds the flow.
      if (plan && !FINISHED.includes(plan)) continue;
      const tables = run.status === 'running' ? await this.store.tables(run.id) : [];
      if (!tables.length) {
        // BullMQ failed the plan (it stalled past maxStalledCount: its worker died each time, or
        // its attempts ran out) and no handler settled the run: it ends with the reason, never
        // re-enqueued, since the same plan would only take the next worker down with it.
        if (plan === 'failed') {
          const reason = (await this.producer.failedReason(JobName.PlanRun, syncJobId.plan(run.id))) ?? 'unknown';
          await this.giveUp(run.id, `the plan gave up in the queue (${reason}); not retried again`);
          failed++;
          continue;
        }
        if ((await this.store.countLog(run.id, REPLAN_LINE)) >= MAX_REPLANS) {
          await this.giveUp(run.id, `the queue lost this run's plan ${MAX_REPLANS} times; not retried again`);
          failed++;
          continue;
        }
        if (plan && !(await this.producer.removeJob(JobName.PlanRun, syncJobId.plan(run.id)))) continue;
        await enqueuePlanRun(this.producer, run.id);
        await this.store.log(run.id, 'warn', `${REPLAN_LINE}; enqueued it again`);
        plans++;
        continue;
      }
      const finish = await this.producer.getJobState(JobName.FinishRun, syncJobId.finish(run.id));
      const chunks = await this.store.chunks(tables.map((t) => t.id));
      if (!finish) {
        const open = chunks.filter((c) => c.status !== 'done');
        await this.producer.enqueueFlow(
          { name: JobName.FinishRun, data: { v: 1, runId: run.id }, jobId: syncJobId.finish(run.id) },
          open.map((c) => ({ name: JobName.CopyChunk, data: { v: 1, runId: run.id, chunkId: c.id }, jobId: syncJobId.chunk(c.id) })),
        );
        await this.store.log(run.id, 'warn', `reconciler: the queue had lost this run's flow; enqueued it again with ${open.length} unfinished chunk(s)`);
        flows++;
        continue;
      }
      if (finish !== 'waiting-children') continue;
      // The parent is held but its children may not be: a chunk whose job is gone is enqueued
      // on its own (same id); once every chunk has settled in the store and the parent is
      // still held (its children lost, or tied to a parent that was lost and re-added), the
      // run is settled by a finish-run of its own. finish-run is idempotent.
      const open = chunks.filter((c) => c.status !== 'done' && c.status !== 'failed');
      let lost = 0;
      for (const c of open) {
        if (await this.producer.getJobState(JobName.CopyChunk, syncJobId.chunk(c.id))) continue;
        await this.producer.enqueue(JobName.CopyChunk, { v: 1, runId: run.id, chunkId: c.id }, { jobId: syncJobId.chunk(c.id) });
        lost++;
      }
      if (lost) {
        await this.store.log(run.id, 'warn', `reconciler: the queue had lost ${lost} chunk job(s) of this run; enqueued them again`);
        flows++;
        continue;
      }
      const settledAt = Math.max(0, ...chunks.map((c) => c.finishedAt?.getTime() ?? 0));
      if (!open.length && settledAt < Date.now() - GRACE_SECONDS * 1000) {
        const settle = `${syncJobId.finish(run.id)}.settle`;
        if (await this.producer.getJobState(JobName.FinishRun, settle)) continue;
        await this.producer.enqueue(JobName.FinishRun, { v: 1, runId: run.id }, { jobId: settle });
        await this.store.log(run.id, 'warn', 'reconciler: every chunk has settled but the run\'s finish-run is still held; settling it directly');
        flows++;
      }
    }
    return { plans, flows, failed };
  }

  private async giveUp(runId: string, reason: string): Promise<void> {
    if (!(await this.store.endRun(runId, 'failed', reason))) return;
    await this.store.logEnd(runId, 'error', `reconciler: ${reason}`);
    await this.alerts.runEnded(runId).catch(() => undefined);
  }
}
