import { Inject, Injectable } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { workerConfig } from '@dbferry/config';
import { GroupRepository, RunRepository } from '@dbferry/control-plane';
import { JobProducer } from '@dbferry/queue';
import { groupsJobId, JobName } from '@dbferry/queue-contracts';
import { PeriodicReconciler, type ReconcileReport } from '../runs/periodic-reconciler';
import { GroupAlerts } from './group-alerts';

/** One group reconciler of the fleet at a time. */
const LOCK_KEY = 'dbferry:group-reconciler';
/** A task younger than this may be between its row and its queue job: left alone. */
const GRACE_SECONDS = 5;

export interface GroupReconcileCounts {
  enqueued: number;
  overdue: number;
}
export type GroupReconcileReport = ReconcileReport<GroupReconcileCounts>;

/**
 * Postgres is the truth for sync tasks too: every interval, open tasks of groups that execute by
 * themselves (or asked for by hand) whose queue job Redis lost are enqueued again under their
 * stable id, and members whose oldest pending task is older than the group's threshold are mailed.
 */
@Injectable()
export class GroupReconciler extends PeriodicReconciler<GroupReconcileCounts> {
  constructor(
    private readonly groups: GroupRepository,
    runs: RunRepository,
    private readonly producer: JobProducer,
    private readonly alerts: GroupAlerts,
    @Inject(workerConfig.KEY) config: ConfigType<typeof workerConfig>,
  ) {
    super({ lockKey: LOCK_KEY, intervalMs: config.reconcileIntervalMs, lock: runs, empty: { enqueued: 0, overdue: 0 }, failure: 'group reconcile' });
  }

  protected describe(r: GroupReconcileCounts): string | null {
    return r.enqueued ? `reconciled sync tasks: ${r.enqueued} enqueued again` : null;
  }

  protected async sweep(): Promise<GroupReconcileCounts> {
    let enqueued = 0;
    for (const task of await this.groups.openTasks(GRACE_SECONDS)) {
      const jobId = groupsJobId.task(task.id, task.round);
      const state = await this.producer.getJobState(JobName.ApplySyncTask, jobId);
      if (state && state !== 'completed' && state !== 'failed') continue;
      // A finished job of this round with the task still open: its outcome was lost; run the round again.
      if (state && !(await this.producer.removeJob(JobName.ApplySyncTask, jobId))) continue;
      await this.producer.enqueue(JobName.ApplySyncTask, { v: 1, taskId: task.id }, { jobId });
      enqueued++;
    }
    const overdue = await this.groups.overdue();
    for (const debt of overdue) await this.alerts.debtOverdue(debt);
    return { enqueued, overdue: overdue.length };
  }
}
