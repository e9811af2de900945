import { Inject, Injectable } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { hostname } from 'node:os';
import { alertsConfig, securityConfig } from '@dbferry/config';
import {
  ALERT_SETTINGS_ID,
  AlertSettingsEntity,
  AlertSettingsSecrets,
  InjectRepo,
  Repository,
} from '@dbferry/control-plane';
import { DbError, EgressPolicy } from '@dbferry/dialects-core';
import { AlertMailer, AlertSendError, DEFAULT_DEDUPE_WINDOW_MS, resolveAlertDelivery } from '@dbferry/notify';
import type { AuthUser } from '../../common/auth.decorators';
import { fieldError } from '../../common/validation';
import { AuditService } from '../audit/audit.service';
import { AlertSettingsView, AlertTestView, UpdateAlertSettingsDto } from './alerts.dto';

/** A test mail gives up after this long connecting, greeting or waiting on a reply. */
const SMTP_TIMEOUT_MS = 10_000;
const DEFAULT_WINDOW_SECONDS = DEFAULT_DEDUPE_WINDOW_MS / 1000;

/** The env fallback (SMTP_URL, ALERT_EMAILS): used only while no settings were saved. */
function fromEnv(env: ConfigType<typeof alertsConfig>): AlertSettingsView {
  if (!env.smtpUrl) {
    return {
      source: 'none', host: null, port: null, secure: false, username: null, hasPassword: false, from: null,
      recipients: env.recipients, dedupeWindowSeconds: DEFAULT_WINDOW_SECONDS, enabled: false, updatedAt: null, updatedBy: null,
    };
  }
  const url = new URL(env.smtpUrl);
  const secure = url.protocol === 'smtps:';
  const from = url.searchParams.get('from') ?? `dbferry@${hostname()}`;
  return {
    source: 'env',
    host: url.hostname,
    port: url.port ? Number(url.port) : secure ? 465 : 587,
    secure,
    username: url.username ? decodeURIComponent(url.username) : null,
    hasPassword: url.password !== '',
    from,
    recipients: env.recipients,
    dedupeWindowSeconds: DEFAULT_WINDOW_SECONDS,
    enabled: env.recipients.length > 0,
    updatedAt: null,
    updatedBy: null,
  };
}

const storedView = (row: AlertSettingsEntity): AlertSettingsView => ({
  source: 'store',
  host: row.smtpHost,
  port: row.smtpPort,
  secure: row.smtpSecure,
  username: row.smtpUsername,
  hasPassword: !!row.secretKeyId,
  from: row.smtpFrom,
  recipients: row.recipients,
  dedupeWindowSeconds: row.dedupeWindowSeconds,
  enabled: row.enabled,
  updatedAt: row.updatedAt,
  updatedBy: row.updatedBy,
});

/** The same addresses once each, compared without case, in the order given. */
const distinct = (addresses: string[]) => {
  const seen = new Set<string>();
  return addresses.filter((a) => !seen.has(a.toLowerCase()) && seen.add(a.toLowerCase()));
};

@Injectable()
export class AlertsService {
  private readonly egress: EgressPolicy;

  constructor(
    @InjectRepo(AlertSettingsEntity) private readonly settings: Repository<AlertSettingsEntity>,
    private readonly secrets: AlertSettingsSecrets,
    private readonly audit: AuditService,
    @Inject(alertsConfig.KEY) private readonly env: ConfigType<typeof alertsConfig>,
    @Inject(securityConfig.KEY) security: ConfigType<typeof securityConfig>,
  ) {
    // The SMTP host obeys the egress policy of database hosts: when saved, and again at each send.
    this.egress = new EgressPolicy({ allow: security.hostsAllow, deny: security.hostsDeny });
  }

  async getSettings(): Promise<AlertSettingsView> {
    const row = await this.secrets.loadRow();
    return row ? storedView(row) : fromEnv(this.env);
  }

  /** Replaces the settings; the password only when the body has the field (null removes it). */
  async putSettings(dto: UpdateAlertSettingsDto, actor: AuthUser): Promise<AlertSettingsView> {
    const recipients = distinct(dto.recipients);
    if (dto.enabled && recipients.length === 0) {
      throw fieldError([{ field: 'recipients', message: 'recipients must name at least one address while alerts are enabled' }]);
    }
    try {
      await this.egress.resolve(dto.host);
    } catch (error) {
      if (error instanceof DbError) throw fieldError([{ field: 'host', message: `host: ${error.message}` }]);
      throw error;
    }
    const values: Partial<AlertSettingsEntity> = {
      id: ALERT_SETTINGS_ID,
      smtpHost: dto.host,
      smtpPort: dto.port,
      smtpSecure: dto.secure,
      smtpUsername: dto.username || null,
      smtpFrom: dto.from,
      recipients,
      dedupeWindowSeconds: dto.dedupeWindowSeconds ?? DEFAULT_WINDOW_SECONDS,
      enabled: dto.enabled,
      updatedAt: new Date(),
      updatedBy: actor.id,
    };
    if (dto.password !== undefined) {
      const sealed = dto.password === null ? null : this.secrets.seal(dto.password);
      values.secretKeyId = sealed?.keyId ?? null;
      values.secretCiphertext = sealed?.ciphertext ?? null;
    }
    // Columns left undefined (the password when not given) are not overwritten on conflict.
    await this.settings.upsert(values, ['id']);
    await this.audit.record({
      actor,
      action: 'alerts.settings.update',
      targetType: 'alert-settings',
      targetId: String(ALERT_SETTINGS_ID),
      details: {
        fields: Object.keys(dto).filter((k) => k !== 'password'),
        passwordChanged: typeof dto.password === 'string',
        passwordRemoved: dto.password === null,
        recipients: recipients.length,
        enabled: dto.enabled,
      },
    });
    return this.getSettings();
  }

  /** Sends a test mail with the effective settings, even while alerts are disabled. */
  async sendTest(actor: AuthUser): Promise<AlertTestView> {
    const effective = resolveAlertDelivery(await this.secrets.load(), this.env);
    let result: AlertTestView;
    if (!effective) {
      result = { ok: false, error: 'alerts are not configured: save SMTP settings or set SMTP_URL' };
    } else {
      const mailer = new AlertMailer({ ...effective.smtp, timeoutMs: SMTP_TIMEOUT_MS }, effective.recipients, {
        pinHost: async (host) => (await this.egress.resolve(host)).address,
      });
      try {
        const sent = await mailer.send({
          kind: 'test',
          summary: `A test of dbferry alert mail, requested by ${actor.username}. Nothing needs doing.`,
          details: { requestedBy: actor.username, recipients: effective.recipients.length },
          at: new Date(),
        });
        result = { ok: true, messageId: sent.messageId, accepted: sent.accepted };
      } catch (error) {
        const message = error instanceof AlertSendError ? error.message : mailer.scrub((error as Error).message ?? 'sending failed');
        result = { ok: false, error: message };
      } finally {
        mailer.close();
      }
    }
    await this.audit.record({
      actor,
      action: 'alerts.test',
      targetType: 'alert-settings',
      targetId: String(ALERT_SETTINGS_ID),
      outcome: result.ok ? 'ok' : 'failed',
      details: { accepted: result.accepted?.length ?? 0, error: result.error },
    });
    return result;
  }
}
