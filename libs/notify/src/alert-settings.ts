import { hostname } from 'node:os';
import { DEFAULT_DEDUPE_WINDOW_MS } from './alert-deduper';
import type { SmtpSettings } from './alert-mailer';

/** The settings saved through `PUT /api/alerts/settings`, password unsealed (the control store's shape). */
export interface SavedAlertSettings {
  host: string;
  port: number;
  secure: boolean;
  username?: string;
  password?: string;
  from: string;
  recipients: string[];
  dedupeWindowSeconds: number;
  enabled: boolean;
}

/** The env fallback: `SMTP_URL` (a `from` query parameter names the sender) and `ALERT_EMAILS`. */
export interface EnvAlertSettings {
  smtpUrl?: string;
  recipients: string[];
}

/** How alerts go out right now, wherever the settings came from. */
export interface AlertDelivery {
  source: 'store' | 'env';
  smtp: SmtpSettings;
  recipients: string[];
  /** Saved `enabled`; from env, whether any recipient is set. A test mail ignores it. */
  enabled: boolean;
  windowMs: number;
}

/**
 * Saved settings win; without them `SMTP_URL` and `ALERT_EMAILS` apply; null when neither
 * is there. The API (test mails) and the worker (run alerts) both read alerts through this.
 */
export function resolveAlertDelivery(saved: SavedAlertSettings | null, env: EnvAlertSettings, senderHost = hostname()): AlertDelivery | null {
  if (saved) {
    return {
      source: 'store',
      smtp: { host: saved.host, port: saved.port, secure: saved.secure, username: saved.username, password: saved.password, from: saved.from },
      recipients: saved.recipients,
      enabled: saved.enabled,
      windowMs: saved.dedupeWindowSeconds * 1000,
    };
  }
  if (!env.smtpUrl) return null;
  const from = new URL(env.smtpUrl).searchParams.get('from') ?? `dbferry@${senderHost}`;
  return {
    source: 'env',
    smtp: { url: env.smtpUrl, from },
    recipients: env.recipients,
    enabled: env.recipients.length > 0,
    windowMs: DEFAULT_DEDUPE_WINDOW_MS,
  };
}
