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
  private readonly transport: Transporter<SMTPTransport.SentMessageInfo>;
  /** Every form in which the password could surface in an error: raw, and inside AUTH PLAIN/LOGIN. */
  private readonly secrets: string[];

  constructor(
    private readonly settings: SmtpSettings,
    private readonly recipients: readonly string[],
  ) {
    const timeout = settings.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    const timeouts = { connectionTimeout: timeout, greetingTimeout: timeout, socketTimeout: timeout, dnsTimeout: timeout };
    const password = settings.url ? urlPassword(settings.url) : settings.password;
    this.secrets = password ? [password, `\u0000${settings.username ?? ''}\u0000${password}`] : [];
    const options: SMTPTransport.Options = settings.url
      ? { url: settings.url, ...timeouts }
      : {
          host: settings.host,
          port: settings.port,
          secure: settings.secure ?? false,
          auth: settings.username || password ? { user: settings.username ?? '', pass: password ?? '' } : undefined,
          ...timeouts,
        };
    this.transport = createTransport(options);
  }

  /** `secrets`: more values to scrub from the mail on top of the SMTP password (a connection's, say). */
  async send(alert: Alert, secrets: readonly string[] = []): Promise<AlertSendResult> {
    if (this.recipients.length === 0) throw new AlertSendError('no recipients configured');
    const { subject, text, html } = renderAlert(alert, [...this.secrets, ...secrets]);
    try {
      const info = await this.transport.sendMail({
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
    this.transport.close();
  }
}
