import { isIP } from 'node:net';
import { createTransport, type Transporter } from 'nodemailer';
import type SMTPTransport from 'nodemailer/lib/smtp-transport';
import { type Alert, renderAlert, scrubSecrets } from './alert';

export interface SmtpSettings {
  /** `smtp://` or `smtps://` URL; host, port, secure, username and password are ignored with it. */
  url?: string;
  host?: string;
  port?: number;
  secure?: boolean;
  username?: string;
  password?: string;
  /** The sender address. */
  from: string;
  /** Connection, greeting and socket timeout (default 10 s). */
  timeoutMs?: number;
}

export interface AlertSendResult {
  messageId: string;
  accepted: string[];
}

/** A failed send; the message never contains the SMTP password. */
export class AlertSendError extends Error {
  constructor(
    message: string,
    readonly code?: string,
  ) {
    super(message);
    this.name = 'AlertSendError';
  }
}

const DEFAULT_TIMEOUT_MS = 10_000;

/**
 * The one answer for a host that is refused or cannot be reached, whatever the cause (egress
 * policy, closed port, no answer, not an SMTP server, DNS): different texts would let whoever
 * may edit the settings map the network from here.
 */
export const SMTP_UNREACHABLE_MESSAGE =
  'could not reach an SMTP server at the configured host and port (not allowed by the egress policy, nothing answering, not an SMTP server, or a name that does not resolve)';

/** nodemailer's codes for failures before an SMTP server has greeted us (and node's own socket codes). */
const CONNECTION_PHASE_CODES = new Set([
  'ECONNECTION',
  'ETIMEDOUT',
  'EDNS',
  'ESOCKET',
  'ETLS',
  'EPROTOCOL',
  'ECONNREFUSED',
  'ECONNRESET',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
]);

export interface AlertMailerOptions {
  /**
   * Checks the settings' host against the egress policy and returns the one address to connect
   * to (so DNS cannot change between the check and the connection); throws to refuse it.
   */
  pinHost?: (host: string) => Promise<string>;
}

/** The password inside an SMTP URL, decoded, or undefined. */
function urlPassword(url: string): string | undefined {
  try {
    const password = new URL(url).password;
    return password ? decodeURIComponent(password) : undefined;
  } catch {
    return undefined;
  }
}

/** Sends alerts over SMTP to a fixed list of recipients. */
export class AlertMailer {
  private transport?: Transporter<SMTPTransport.SentMessageInfo>;
  /** Every form in which the password could surface in an error: raw, and inside AUTH PLAIN/LOGIN. */
  private readonly secrets: string[];
  private readonly password: string | undefined;

  constructor(
    private readonly settings: SmtpSettings,
    private readonly recipients: readonly string[],
    private readonly options: AlertMailerOptions = {},
  ) {
    this.password = settings.url ? urlPassword(settings.url) : settings.password;
    this.secrets = this.password ? [this.password, `\u0000${settings.username ?? ''}\u0000${this.password}`] : [];
  }

  /** The transport, made on first use: with `pinHost`, to the checked address, TLS still verifying the name. */
  private async transportFor(): Promise<Transporter<SMTPTransport.SentMessageInfo>> {
    if (this.transport) return this.transport;
    const { settings, password } = this;
    const timeout = settings.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    const timeouts = { connectionTimeout: timeout, greetingTimeout: timeout, socketTimeout: timeout, dnsTimeout: timeout };
    let options: SMTPTransport.Options;
    if (settings.url) {
      options = { url: settings.url, ...timeouts };
    } else {
      const host = settings.host ?? '';
      const address = this.options.pinHost ? await this.options.pinHost(host) : host;
      options = {
        host: address,
        port: settings.port,
        secure: settings.secure ?? false,
        auth: settings.username || password ? { user: settings.username ?? '', pass: password ?? '' } : undefined,
        ...(address !== host && isIP(host) === 0 ? { tls: { servername: host } } : {}),
        ...timeouts,
      };
    }
    this.transport = createTransport(options);
    return this.transport;
  }

  /** `secrets`: more values to scrub from the mail on top of the SMTP password (a connection's, say). */
  async send(alert: Alert, secrets: readonly string[] = []): Promise<AlertSendResult> {
    if (this.recipients.length === 0) throw new AlertSendError('no recipients configured');
    const { subject, text, html } = renderAlert(alert, [...this.secrets, ...secrets]);
    try {
      const transport = await this.transportFor();
      const info = await transport.sendMail({
        from: { name: 'dbferry', address: this.settings.from },
        to: [...this.recipients],
        subject,
        text,
        html,
        // The content is generated here; never let nodemailer read a file or URL into it.
        disableFileAccess: true,
        disableUrlAccess: true,
      });
      return {
        messageId: info.messageId,
        // Typed as strings, but nodemailer may report address objects.
        accepted: (info.accepted as unknown[]).map((a) => (typeof a === 'string' ? a : String((a as { address?: unknown }).address))),
      };
    } catch (error) {
      const { message, code } = error as { message?: unknown; code?: unknown };
      // A refused host (pinHost threw) and an unreachable one answer alike.
      if (!this.transport || (typeof code === 'string' && CONNECTION_PHASE_CODES.has(code))) {
        throw new AlertSendError(SMTP_UNREACHABLE_MESSAGE, 'EUNREACHABLE');
      }
      throw new AlertSendError(
        this.scrub(typeof message === 'string' ? message : 'sending failed'),
        typeof code === 'string' ? code : undefined,
      );
    }
  }

  /** The text with the SMTP password (in any form this mailer knows) replaced. */
  scrub(text: string): string {
    return scrubSecrets(text, this.secrets);
  }

  close(): void {
    this.transport?.close();
  }
}
