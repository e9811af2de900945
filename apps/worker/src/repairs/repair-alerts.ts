import { Inject, Injectable, Logger } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import type { Redis } from 'ioredis';
import { alertsConfig, securityConfig } from '@dbferry/config';
import { AlertSettingsSecrets, ConnectionSecrets, RepairEntity } from '@dbferry/control-plane';
import { EgressPolicy } from '@dbferry/dialects-core';
import { AlertDeduper, AlertMailer, AlertSendError, resolveAlertDelivery } from '@dbferry/notify';
import { QUEUE_OPTIONS, QUEUE_REDIS, QueueModuleOptions } from '@dbferry/queue';
import { RedisAlertKeyStore } from '../runs/run-alerts';

const ALERT_BUDGET_MS = 60_000;
const SMTP_TIMEOUT_MS = 10_000;
const MAX_ERROR = 300;

/**
 * Mails a failed repair, de-duplicated as a run's failure is (one mail per table and window,
 * claimed in Redis across the fleet). Never throws: a mail that cannot be sent is logged.
 */
@Injectable()
export class RepairAlerts {
  private readonly logger = new Logger(RepairAlerts.name);
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

  async repairFailed(repair: RepairEntity): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const budget = new Promise<void>((resolve) => (timer = setTimeout(resolve, ALERT_BUDGET_MS)));
    const work = this.send(repair).catch((error: unknown) => this.logger.warn(`repair ${repair.id}: alert mail not sent: ${(error as Error).message}`));
    await Promise.race([work, budget]);
    clearTimeout(timer);
  }

  private async send(repair: RepairEntity): Promise<void> {
    const delivery = resolveAlertDelivery(await this.settings.load(), this.env);
    if (!delivery?.enabled || !delivery.recipients.length) return;
    const deduper = new AlertDeduper(this.keys, { windowMs: delivery.windowMs, namespace: this.queue.prefix });
    const subject = `repair of ${repair.table ?? 'a table'}`;
    const claim = await deduper.claim('run-failed', `repair:${repair.table ?? repair.id}`, repair.id);
    if (!claim) {
      this.logger.log(`repair ${repair.id}: alert mail held back, this table's repair failure was already mailed within ${delivery.windowMs / 1000} s`);
      return;
    }
    const mailer = new AlertMailer({ ...delivery.smtp, timeoutMs: SMTP_TIMEOUT_MS }, delivery.recipients, {
      pinHost: async (host) => (await this.egress.resolve(host)).address,
    });
    try {
      const error = (repair.error ?? 'no error recorded').replace(/\s+/g, ' ').slice(0, MAX_ERROR);
      const secrets = (await Promise.all([...(repair.sourceId ? [repair.sourceId] : []), ...repair.targetIds].map((id) => this.connections.load(id).catch(() => null))))
        .map((c) => c?.password)
        .filter((p): p is string => !!p);
      await mailer.send(
        {
          kind: 'run-failed',
          jobName: subject,
          runId: repair.id,
          summary: `The repair failed: ${error}`,
          details: { Repair: repair.id, Table: repair.table ?? '', Targets: repair.targetIds.join(', '), Rule: repair.rule.kind },
          at: new Date(),
        },
        secrets,
      );
      await claim.sent();
    } catch (error) {
      await claim.release().catch(() => undefined);
      throw new Error(error instanceof AlertSendError ? error.message : mailer.scrub((error as Error).message ?? 'sending failed'));
    } finally {
      mailer.close();
    }
  }
}
