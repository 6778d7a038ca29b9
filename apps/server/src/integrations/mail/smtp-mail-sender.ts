/**
 * The domain's `MailSender` over SMTP with nodemailer: host, port, implicit TLS (`secure`, port
 * 465) or STARTTLS (opportunistic, or required with `requireTls`), optional credentials. One
 * connection per message (voicemail mail is rare); failures become `MailDeliveryError`s that
 * say whether trying again later can help.
 */
import nodemailer, { type Transporter } from 'nodemailer';
import type SMTPTransport from 'nodemailer/lib/smtp-transport/index.js';
import type { Logger } from '../../domain/ports/logger.js';
import {
  MailDeliveryError,
  type MailSender,
  type OutgoingMail,
} from '../../domain/ports/mail-sender.js';

/** Config `smtp.*`. */
export interface SmtpSettings {
  readonly host?: string | undefined;
  readonly port: number;
  readonly secure: boolean;
  readonly requireTls: boolean;
  readonly user?: string | undefined;
  readonly password?: string | undefined;
  readonly from: string;
  /** Connection and greeting timeout; 10 s by default. */
  readonly connectTimeoutMs?: number;
  /** Idle socket timeout while sending; 60 s by default. */
  readonly socketTimeoutMs?: number;
  /** Verify the server's TLS certificate (default true); tests with a self-signed one turn it off. */
  readonly rejectUnauthorized?: boolean;
}

/** Error codes that mean the message itself was refused, not the connection. */
const PERMANENT_CODES = new Set(['EENVELOPE', 'EMESSAGE']);

/**
 * Whether an SMTP failure is worth retrying: connection problems, timeouts and 4xx replies are
 * (the server may come back); a 5xx reply to this message is not. A refused login (EAUTH) is
 * retried: it is the server's configuration, which an operator can fix meanwhile.
 */
export function isPermanentSmtpFailure(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const { code, responseCode } = error as { code?: unknown; responseCode?: unknown };
  if (code === 'EAUTH') return false;
  if (typeof responseCode === 'number') return responseCode >= 500;
  return typeof code === 'string' && PERMANENT_CODES.has(code);
}

export class SmtpMailSender implements MailSender {
  private readonly transport: Transporter<SMTPTransport.SentMessageInfo>;

  constructor(
    private readonly settings: SmtpSettings & { readonly host: string },
    private readonly logger?: Logger,
  ) {
    const options: SMTPTransport.Options = {
      host: settings.host,
      port: settings.port,
      secure: settings.secure,
      requireTLS: settings.requireTls,
      connectionTimeout: settings.connectTimeoutMs ?? 10_000,
      greetingTimeout: settings.connectTimeoutMs ?? 10_000,
      socketTimeout: settings.socketTimeoutMs ?? 60_000,
      tls: { rejectUnauthorized: settings.rejectUnauthorized ?? true },
      ...(settings.user === undefined || settings.password === undefined
        ? {}
        : { auth: { user: settings.user, pass: settings.password } }),
    };
    this.transport = nodemailer.createTransport(options);
  }

  async send(mail: OutgoingMail): Promise<void> {
    try {
      const info = await this.transport.sendMail({
        from: this.settings.from,
        to: mail.to,
        subject: mail.subject,
        text: mail.text,
        html: mail.html,
        attachments: mail.attachments.map((attachment) => ({
          filename: attachment.filename,
          contentType: attachment.contentType,
          content: attachment.content,
        })),
      });
      this.logger?.debug(
        { messageId: info.messageId, response: info.response },
        'mail accepted by the SMTP server',
      );
    } catch (error) {
      const text = error instanceof Error ? error.message : String(error);
      throw new MailDeliveryError(
        `SMTP ${this.settings.host}:${String(this.settings.port)}: ${text}`,
        isPermanentSmtpFailure(error),
        { cause: error },
      );
    }
  }

  close(): void {
    this.transport.close();
  }
}

/** The sender for config `smtp.*`, or undefined when no SMTP host is configured. */
export function createSmtpMailSender(
  settings: SmtpSettings,
  logger?: Logger,
): SmtpMailSender | undefined {
  if (settings.host === undefined) return undefined;
  return new SmtpMailSender({ ...settings, host: settings.host }, logger);
}
