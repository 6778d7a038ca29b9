/**
 * Sending e-mail, as the domain needs it (voicemail to e-mail). The SMTP adapter
 * (integrations/mail/) implements it with nodemailer; tests can pass a fake or a real SMTP
 * server on loopback.
 */

export interface MailAttachment {
  readonly filename: string;
  readonly contentType: string;
  readonly content: Buffer;
}

export interface OutgoingMail {
  /** One address (the user's). */
  readonly to: string;
  readonly subject: string;
  readonly text: string;
  readonly html: string;
  readonly attachments: readonly MailAttachment[];
}

export interface MailSender {
  /**
   * Hands the mail to the mail server. Resolves once it accepted it; rejects with a
   * `MailDeliveryError` saying whether trying again later may help.
   */
  send(mail: OutgoingMail): Promise<void>;
  /** Lets go of connections. */
  close(): void;
}

/** Sending failed. `permanent`: the server refused this mail for good (retrying will not help). */
export class MailDeliveryError extends Error {
  override readonly name = 'MailDeliveryError';

  constructor(
    message: string,
    readonly permanent: boolean,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
