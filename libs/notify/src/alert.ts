export type AlertKind = 'run-failed' | 'run-recovered' | 'run-drift' | 'test';

export interface Alert {
  kind: AlertKind;
  jobName?: string;
  runId?: string;
  summary: string;
  details?: Record<string, string | number>;
  at: Date;
  /** Shown as a link only when it is an http(s) URL. */
  link?: string;
}

export interface RenderedAlert {
  subject: string;
  text: string;
  html: string;
}

/** Detail keys that name a secret are left out whatever their value. */
const SECRET_KEY = /pass|secret|token|credential|private|apikey|api_key|authorization|cookie/i;
const MAX_SUBJECT = 200;
const MAX_VALUE = 2000;
const REDACTED = '[redacted]';

const HEADINGS: Record<AlertKind, string> = {
  'run-failed': 'run failed',
  'run-recovered': 'run recovered',
  'run-drift': 'drift found after a run',
  test: 'test alert',
};

export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** Removes control characters (CR/LF above all) so a job name cannot add a header line. */
const oneLine = (value: string) =>
  Array.from(value, (c) => (c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f ? ' ' : c))
    .join('')
    .replace(/ {2,}/g, ' ')
    .trim();

/** `scheme://user:pass@host` → `scheme://host`, so a URL in an error message loses its credentials. */
const withoutUserinfo = (value: string) => value.replace(/\b([a-z][a-z0-9+.-]*:\/\/)[^\s/@]*@/gi, '$1');

/** Replaces each secret (and its URL-encoded form) in the text. */
export function scrubSecrets(value: string, secrets: readonly string[]): string {
  let out = value;
  for (const secret of secrets) {
    if (!secret) continue;
    for (const form of new Set([secret, encodeURIComponent(secret), Buffer.from(secret).toString('base64')])) {
      out = out.split(form).join(REDACTED);
    }
  }
  return out;
}

const clean = (value: string, secrets: readonly string[]) => scrubSecrets(withoutUserinfo(value), secrets).slice(0, MAX_VALUE);

const isWebLink = (value: string) => {
  try {
    const url = new URL(value);
    return url.protocol === 'https:' || url.protocol === 'http:';
  } catch {
    return false;
  }
};

/**
 * Subject, plain text and HTML of an alert. `secrets` are scrubbed from every part (the SMTP
 * password, say), on top of dropping secret-named details and URL credentials.
 */
export function renderAlert(alert: Alert, secrets: readonly string[] = []): RenderedAlert {
  const job = alert.jobName ? oneLine(clean(alert.jobName, secrets)) : undefined;
  const heading = HEADINGS[alert.kind];
  const subject = `[dbferry] ${heading}${job ? `: ${job}` : ''}`.slice(0, MAX_SUBJECT);

  const rows: [string, string][] = [];
  if (job) rows.push(['Job', job]);
  if (alert.runId) rows.push(['Run', oneLine(clean(alert.runId, secrets))]);
  rows.push(['When', alert.at.toISOString()]);
  for (const [key, value] of Object.entries(alert.details ?? {})) {
    const name = oneLine(key).slice(0, 100);
    rows.push([name, SECRET_KEY.test(name) ? REDACTED : clean(String(value), secrets)]);
  }
  const summary = clean(alert.summary, secrets);
  const link = alert.link && isWebLink(alert.link) ? clean(alert.link, secrets) : undefined;

  const text = [
    `dbferry ${heading}${job ? `: ${job}` : ''}`,
    '',
    summary,
    '',
    ...rows.map(([k, v]) => `${k}: ${v}`),
    ...(link ? ['', `Details: ${link}`] : []),
    '',
    '-- ',
    'Sent by dbferry alerts.',
    '',
  ].join('\n');

  const html = [
    '<!doctype html>',
    '<html><body style="font-family:sans-serif">',
    `<h2>dbferry ${escapeHtml(heading)}${job ? `: ${escapeHtml(job)}` : ''}</h2>`,
    `<p style="white-space:pre-wrap">${escapeHtml(summary)}</p>`,
    '<table cellpadding="4">',
    ...rows.map(([k, v]) => `<tr><th align="left">${escapeHtml(k)}</th><td>${escapeHtml(v)}</td></tr>`),
    '</table>',
    ...(link ? [`<p><a href="${escapeHtml(link)}">Open in dbferry</a></p>`] : []),
    '<p style="color:#888">Sent by dbferry alerts.</p>',
    '</body></html>',
    '',
  ].join('\n');

  return { subject, text, html };
}
