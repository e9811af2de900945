import { Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { SchedulerRegistry } from '@nestjs/schedule';
import { workerConfig } from '@dbferry/config';
import { GroupRepository, RunRepository } from '@dbferry/control-plane';
import { JobProducer } from '@dbferry/queue';
import { groupsJobId, JobName } from '@dbferry/queue-contracts';
import { GroupAlerts } from './group-alerts';

/** One group reconciler of the fleet at a time. */
const LOCK_KEY = 'dbferry:group-reconciler';
/** A task younger than this may be between its row and its queue job: left alone. */
const GRACE_SECONDS = 5;

export interface GroupReconcileReport {
  locked: boolean;
  enqueued: number;
  overdue: number;
}

/**
 * Postgres is the truth for sync tasks too: every interval, open tasks of groups that execute by
 * themselves (or asked for by hand) whose queue job Redis lost are enqueued again under their
 * stable id, and members whose oldest pending task is older than the group's threshold are mailed.
 */
@Injectable()
export class GroupReconciler implements OnApplicationBootstrap {
  private readonly logger = new Logger(GroupReconciler.name);
  private busy = false;

  constructor(
    private readonly groups: GroupRepository,
    private readonly runs: RunRepository,
    private readonly producer: JobProducer,
    private readonly alerts: GroupAlerts,
    private readonly scheduler: SchedulerRegistry,
    @Inject(workerConfig.KEY) private readonly config: ConfigType<typeof workerConfig>,
  ) {}

  onApplicationBootstrap(): void {
    const timer = setInterval(() => void this.tick(), this.config.reconcileIntervalMs);
    timer.unref();
    this.scheduler.addInterval(GroupReconciler.name, timer);
  }

  private async tick(): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    try {
      const r = await this.reconcile();
      if (r.enqueued) this.logger.warn(`reconciled sync tasks: ${r.enqueued} enqueued again`);
    } catch (error) {
      this.logger.error(`group reconcile failed: ${(error as Error).message}`);
    } finally {
      this.busy = false;
    }
  }

  async reconcile(): Promise<GroupReconcileReport> {
    const pass = await this.runs.exclusively(LOCK_KEY, () => this.pass());
    return pass.locked ? { locked: true, ...pass.value } : { locked: false, enqueued: 0, overdue: 0 };
  }

  private async pass(): Promise<Omit<GroupReconcileReport, 'locked'>> {
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
