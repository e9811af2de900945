/**
 * Secrets the CLI was given (URL passwords, the login password, tokens): every line it prints
 * passes through `redact`, so a driver message that repeats one never shows it.
 */
const secrets = new Set<string>();

export function addSecret(secret: string | undefined): void {
  if (secret && secret.length >= 3) secrets.add(secret);
}

export function redact(text: string): string {
  let out = text;
  for (const secret of secrets) {
    out = out.split(secret).join('***');
    const encoded = encodeURIComponent(secret);
    if (encoded !== secret) out = out.split(encoded).join('***');
  }
  return out;
}

/** A connection URL as it may be shown: the password replaced by ***. */
export function safeUrl(url: string): string {
  const match = /^([a-z][a-z0-9+.-]*:\/\/)([^/?#@]*)@/i.exec(url);
  if (!match) return redact(url);
  const userinfo = match[2] as string;
  const colon = userinfo.indexOf(':');
  const shown = colon < 0 ? userinfo : `${userinfo.slice(0, colon)}:***`;
  return redact(`${match[1]}${shown}@${url.slice(match[0].length)}`);
}
