import { Injectable, Logger } from '@nestjs/common';
import type { GroupRecord, MemberDebt, SyncTaskRecord } from '@dbferry/control-plane';
import type { Alert } from '@dbferry/notify';
import { AlertSender } from '../alerts/alert-sender';

const MAX_ERROR = 300;

/**
 * Mails consistency debt (issue 13): a sync task failed for good, or a member's oldest pending
 * task older than its group's threshold. De-duplicated as a run's failure is: one mail per
 * group member and window, claimed in Redis across the fleet. Never throws.
 */
@Injectable()
export class GroupAlerts {
  private readonly logger = new Logger(GroupAlerts.name);

  constructor(private readonly sender: AlertSender) {}

  async taskFailed(group: Pick<GroupRecord, 'id' | 'name'>, task: SyncTaskRecord, error: string): Promise<void> {
    const short = error.replace(/\s+/g, ' ').slice(0, MAX_ERROR);
    await this.within(`task ${task.id}`, () =>
      this.send(`group-task:${group.id}:${task.connectionId}`, task.id, task.connectionId, {
        kind: 'run-failed',
        jobName: `replica group ${group.name}`,
        runId: task.id,
        summary: `A sync task failed for good after ${task.attempts} attempt(s): connection ${task.connectionId} does not have write ${task.version} of key ${JSON.stringify(task.key).slice(0, 120)}.\n${short}`,
        details: { Group: group.name, Member: task.connectionId, Task: task.id, Version: task.version, Operation: task.op, Attempts: String(task.attempts) },
        at: new Date(),
      }),
    );
  }

  async debtOverdue(debt: MemberDebt & { groupName: string; debtAlertSeconds: number }): Promise<void> {
    const since = debt.oldestPendingAt ? new Date(debt.oldestPendingAt).toISOString() : 'unknown';
    await this.within(`group ${debt.groupId}`, () =>
      this.send(`group-debt:${debt.groupId}:${debt.connectionId}`, `${debt.groupId}:${since}`, debt.connectionId, {
        kind: 'run-failed',
        jobName: `replica group ${debt.groupName}`,
        runId: debt.groupId,
        summary: `Connection ${debt.connectionId} owes ${debt.pending} write(s); the oldest has been pending since ${since}, longer than the group's ${debt.debtAlertSeconds} s.`,
        details: { Group: debt.groupName, Member: debt.connectionId, Pending: String(debt.pending), 'Oldest pending': since },
        at: new Date(),
      }),
    );
  }

  private async within(what: string, send: () => Promise<void>): Promise<void> {
    await this.sender.withinBudget(send, (message) => this.logger.warn(`${what}: ${message}`));
  }

  private async send(dedupeKey: string, occurrence: string, connectionId: string, alert: Alert): Promise<void> {
    const outcome = await this.sender.send({
      kind: 'run-failed',
      key: dedupeKey,
      occurrence,
      compose: async () => ({ content: alert, secrets: await this.sender.passwords([connectionId]) }),
    });
    if (outcome.status === 'held') this.logger.log(`${dedupeKey}: alert mail held back, already mailed within ${outcome.windowMs / 1000} s`);
  }
}
