import { Inject, Injectable } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import type { Redis } from 'ioredis';
import { alertsConfig, securityConfig } from '@dbferry/config';
import { AlertSettingsSecrets, ConnectionSecrets } from '@dbferry/control-plane';
import { EgressPolicy } from '@dbferry/dialects-core';
import { type Alert, AlertDeduper, type AlertKeyStore, AlertMailer, AlertSendError, resolveAlertDelivery, type RunAlertKind } from '@dbferry/notify';
import { QUEUE_OPTIONS, QUEUE_REDIS, QueueModuleOptions } from '@dbferry/queue';

/** An alert never holds a job past this, whatever SMTP or Redis do. */
const ALERT_BUDGET_MS = 60_000;
const SMTP_TIMEOUT_MS = 10_000;

/** The deduper's keys in Redis: SET NX PX to claim, a compare-and-delete to give a claim back. */
export class RedisAlertKeyStore implements AlertKeyStore {
  constructor(private readonly redis: Redis) {}

  async claim(key: string, value: string, ttlMs: number): Promise<boolean> {
    return (await this.redis.set(key, value, 'PX', ttlMs, 'NX')) === 'OK';
  }

  async release(key: string, value: string): Promise<void> {
    await this.redis.eval("if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0", 1, key, value);
  }

  async clear(key: string): Promise<void> {
    await this.redis.del(key);
  }
}

export interface AlertToSend {
  kind: RunAlertKind;
  /** What the claim is per (a job, a group member, a table): one failure mail per key and window. */
  key: string;
  /** This occurrence (a run, a task, a repair). */
  occurrence: string;
  /** The mail and the secrets to scrub from it, made only once the claim is held. */
  compose: () => Promise<{ content: Alert; secrets: string[] }>;
}

/** off: alerts are not set up; held: already mailed within the window; sent: to this many recipients. */
export type AlertOutcome = { status: 'off' } | { status: 'held'; windowMs: number } | { status: 'sent'; accepted: number };

/**
 * How the worker mails every alert (runs, repairs, replica groups): the saved delivery settings
 * (else SMTP_URL/ALERT_EMAILS), a claim in Redis shared by the fleet, the SMTP host checked by the
 * egress policy at each send, secrets scrubbed, and the claim given back when sending fails.
 */
@Injectable()
export class AlertSender {
  readonly keys: RedisAlertKeyStore;
  private readonly egress: EgressPolicy;

  constructor(
    private readonly connections: ConnectionSecrets,
    private readonly settings: AlertSettingsSecrets,
    @Inject(QUEUE_REDIS) redis: Redis,
    @Inject(QUEUE_OPTIONS) private readonly queue: QueueModuleOptions,
    @Inject(alertsConfig.KEY) private readonly env: ConfigType<typeof alertsConfig>,
    @Inject(securityConfig.KEY) security: ConfigType<typeof securityConfig>,
  ) {
    // Saved SMTP hosts obey the same egress policy as database hosts, checked again at each send.
    this.egress = new EgressPolicy({ allow: security.hostsAllow, deny: security.hostsDeny });
    this.keys = new RedisAlertKeyStore(redis);
  }

  /**
   * Runs `send` for at most the alert budget, so no job waits on SMTP or Redis. Never throws: a
   * failure's message goes to `failed`, and `overran` is told when the budget ran out first.
   */
  async withinBudget(send: () => Promise<void>, failed: (message: string) => Promise<void> | void, overran?: () => void): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const budget = new Promise<void>((resolve) => {
      timer = setTimeout(() => {
        overran?.();
        resolve();
      }, ALERT_BUDGET_MS);
    });
    const work = send().catch(async (error: unknown) => {
      await Promise.resolve(failed(`alert mail not sent: ${(error as Error).message}`)).catch(() => undefined);
    });
    await Promise.race([work, budget]);
    clearTimeout(timer);
  }

  /** Claims the alert, composes and mails it; throws, with secrets scrubbed, when it could not be sent. */
  async send(alert: AlertToSend): Promise<AlertOutcome> {
    const delivery = resolveAlertDelivery(await this.settings.load(), this.env);
    if (!delivery?.enabled || !delivery.recipients.length) return { status: 'off' };
    const claim = await this.deduper(delivery.windowMs).claim(alert.kind, alert.key, alert.occurrence);
    if (!claim) return { status: 'held', windowMs: delivery.windowMs };
    const mailer = new AlertMailer({ ...delivery.smtp, timeoutMs: SMTP_TIMEOUT_MS }, delivery.recipients, {
      pinHost: async (host) => (await this.egress.resolve(host)).address,
    });
    try {
      const { content, secrets } = await alert.compose();
      const sent = await mailer.send(content, secrets);
      await claim.sent();
      return { status: 'sent', accepted: sent.accepted.length };
    } catch (error) {
      await claim.release().catch(() => undefined);
      throw new Error(error instanceof AlertSendError ? error.message : mailer.scrub((error as Error).message ?? 'sending failed'));
    } finally {
      mailer.close();
    }
  }

  /** The deduper on this fleet's namespace; without a window, only to clear a key. */
  deduper(windowMs?: number): AlertDeduper {
    return new AlertDeduper(this.keys, { windowMs, namespace: this.queue.prefix });
  }

  /** The stored passwords of these connections: driver errors rarely echo one, but if one does it must not reach a mailbox. */
  async passwords(connectionIds: string[]): Promise<string[]> {
    const found = await Promise.all(connectionIds.map((id) => this.connections.load(id).catch(() => null)));
    return found.map((c) => c?.password).filter((p): p is string => !!p);
  }
}
