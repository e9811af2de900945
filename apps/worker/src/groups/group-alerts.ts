import { Inject, Injectable, Logger } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import type { Redis } from 'ioredis';
import { alertsConfig, securityConfig } from '@dbferry/config';
import { AlertSettingsSecrets, ConnectionSecrets, type GroupRecord, type MemberDebt, type SyncTaskRecord } from '@dbferry/control-plane';
import { EgressPolicy } from '@dbferry/dialects-core';
import { type Alert, AlertDeduper, AlertMailer, AlertSendError, resolveAlertDelivery } from '@dbferry/notify';
import { QUEUE_OPTIONS, QUEUE_REDIS, QueueModuleOptions } from '@dbferry/queue';
import { RedisAlertKeyStore } from '../runs/run-alerts';

const ALERT_BUDGET_MS = 60_000;
const SMTP_TIMEOUT_MS = 10_000;
const MAX_ERROR = 300;

/**
 * Mails consistency debt (issue 13): a sync task failed for good, or a member's oldest pending
 * task older than its group's threshold. De-duplicated as a run's failure is: one mail per
 * group member and window, claimed in Redis across the fleet. Never throws.
 */
@Injectable()
export class GroupAlerts {
  private readonly logger = new Logger(GroupAlerts.name);
  private readonly keys: RedisAlertKeyStore;
  private readonly egress: EgressPolicy;

  constructor(
    private readonly connections: ConnectionSecrets,
    private readonly settings: AlertSettingsSecrets,
    @Inject(QUEUE_REDIS) redis: Redis,
    @Inject(QUEUE_OPTIONS) private readonly queue: QueueModuleOptions,
    @Inject(alertsConfig.KEY) private readonly env: ConfigType<typeof alertsConfig>,
    @Inject(securityConfig.KEY) security: ConfigType<typeof securityConfig>,
  ) {
    this.egress = new EgressPolicy({ allow: security.hostsAllow, deny: security.hostsDeny });
    this.keys = new RedisAlertKeyStore(redis);
  }

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
    let timer: NodeJS.Timeout | undefined;
    const budget = new Promise<void>((resolve) => (timer = setTimeout(resolve, ALERT_BUDGET_MS)));
    const work = send().catch((error: unknown) => this.logger.warn(`${what}: alert mail not sent: ${(error as Error).message}`));
    await Promise.race([work, budget]);
    clearTimeout(timer);
  }

  private async send(dedupeKey: string, occurrence: string, connectionId: string, alert: Alert): Promise<void> {
    const delivery = resolveAlertDelivery(await this.settings.load(), this.env);
    if (!delivery?.enabled || !delivery.recipients.length) return;
    const deduper = new AlertDeduper(this.keys, { windowMs: delivery.windowMs, namespace: this.queue.prefix });
    const claim = await deduper.claim('run-failed', dedupeKey, occurrence);
    if (!claim) {
      this.logger.log(`${dedupeKey}: alert mail held back, already mailed within ${delivery.windowMs / 1000} s`);
      return;
    }
    const mailer = new AlertMailer({ ...delivery.smtp, timeoutMs: SMTP_TIMEOUT_MS }, delivery.recipients, {
      pinHost: async (host) => (await this.egress.resolve(host)).address,
    });
    try {
      const secret = (await this.connections.load(connectionId).catch(() => null))?.password;
      await mailer.send(alert, secret ? [secret] : []);
      await claim.sent();
    } catch (error) {
      await claim.release().catch(() => undefined);
      throw new Error(error instanceof AlertSendError ? error.message : mailer.scrub((error as Error).message ?? 'sending failed'));
    } finally {
      mailer.close();
    }
  }
}
