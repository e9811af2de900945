import type { Schema } from '@dbferry/api-client';

export type AlertSettings = Schema<'AlertSettingsView'>;
export type AlertSettingsBody = Schema<'UpdateAlertSettingsDto'>;

/** What the form edits: text as typed, turned into the API's body by `toBody`. */
export interface AlertForm {
  host: string;
  port: string;
  secure: boolean;
  username: string;
  /** Blank keeps the stored password; `clearPassword` removes it. Never filled from the API (it never returns it). */
  password: string;
  clearPassword: boolean;
  from: string;
  recipients: string;
  dedupeWindowSeconds: string;
  enabled: boolean;
}

export const MAX_RECIPIENTS = 50;
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const HOST = /^[A-Za-z0-9][A-Za-z0-9.:-]*$/;

export function formFrom(settings: AlertSettings | undefined): AlertForm {
  return {
    host: settings?.host ?? '',
    port: String(settings?.port ?? 587),
    secure: settings?.secure ?? false,
    username: settings?.username ?? '',
    password: '',
    clearPassword: false,
    from: settings?.from ?? '',
    recipients: (settings?.recipients ?? []).join('\n'),
    dedupeWindowSeconds: String(settings?.dedupeWindowSeconds ?? 3600),
    enabled: settings?.enabled ?? true,
  };
}

/** Recipients as typed: one per line, or separated by commas, semicolons or spaces. */
export function parseRecipients(text: string): string[] {
  return text
    .split(/[\s,;]+/)
    .map((s) => s.trim())
    .filter(Boolean);
}

const integer = (text: string) => (/^\d+$/.test(text.trim()) ? Number(text.trim()) : NaN);

/**
 * The PUT body, or the problems keyed by the API's field names (the same rules the API applies,
 * so most mistakes are shown before a round trip; the API's own answer is shown too).
 */
export function toBody(form: AlertForm): { body?: AlertSettingsBody; errors: Record<string, string> } {
  const errors: Record<string, string> = {};
  const host = form.host.trim();
  if (!host) errors.host = 'host is required';
  else if (!HOST.test(host) || host.length > 253) errors.host = 'host must be a host name or an IP address (no scheme, port or path)';
  const port = integer(form.port);
  if (!(port >= 1 && port <= 65535)) errors.port = 'port must be a whole number from 1 to 65535';
  const from = form.from.trim();
  if (!EMAIL.test(from)) errors.from = 'from must be an email address';
  const recipients = parseRecipients(form.recipients);
  const bad = recipients.filter((r) => !EMAIL.test(r));
  if (bad.length) errors.recipients = `not an email address: ${bad.join(', ')}`;
  else if (recipients.length > MAX_RECIPIENTS) errors.recipients = `at most ${MAX_RECIPIENTS} recipients`;
  else if (form.enabled && recipients.length === 0) errors.recipients = 'at least one recipient while alerts are enabled';
  const dedupe = integer(form.dedupeWindowSeconds);
  if (!(dedupe >= 60 && dedupe <= 86_400)) errors.dedupeWindowSeconds = 'the window must be from 60 to 86400 seconds';
  if (Object.keys(errors).length) return { errors };

  const body: AlertSettingsBody = {
    host,
    port,
    secure: form.secure,
    username: form.username.trim() || null,
    from,
    recipients,
    dedupeWindowSeconds: dedupe,
    enabled: form.enabled,
  };
  // Omitted keeps the stored password; null removes it; a value replaces it.
  if (form.clearPassword) body.password = null;
  else if (form.password) body.password = form.password;
  return { body, errors };
}
