import { describe, expect, it } from 'vitest';
import { createSmtpMailSender, isPermanentSmtpFailure } from './smtp-mail-sender.js';

describe('SMTP failures', () => {
  it('retries what may pass later, gives up on what the server refused for good', () => {
    const error = (fields: Record<string, unknown>) => Object.assign(new Error('x'), fields);
    // Down, slow, busy, or a login an operator can fix: try again later.
    expect(isPermanentSmtpFailure(error({ code: 'ECONNECTION' }))).toBe(false);
    expect(isPermanentSmtpFailure(error({ code: 'ETIMEDOUT' }))).toBe(false);
    expect(isPermanentSmtpFailure(error({ code: 'ESOCKET' }))).toBe(false);
    expect(isPermanentSmtpFailure(error({ code: 'EENVELOPE', responseCode: 451 }))).toBe(false);
    expect(isPermanentSmtpFailure(error({ code: 'EAUTH', responseCode: 535 }))).toBe(false);
    // Refused: no such mailbox, message too big, policy.
    expect(isPermanentSmtpFailure(error({ code: 'EENVELOPE', responseCode: 550 }))).toBe(true);
    expect(isPermanentSmtpFailure(error({ code: 'EMESSAGE', responseCode: 552 }))).toBe(true);
    expect(isPermanentSmtpFailure(error({ code: 'EENVELOPE' }))).toBe(true);
    expect(isPermanentSmtpFailure('a string')).toBe(false);
  });

  it('makes no sender without an SMTP host', () => {
    expect(
      createSmtpMailSender({ port: 587, secure: false, requireTls: false, from: 'a@b.test' }),
    ).toBeUndefined();
    const sender = createSmtpMailSender({
      host: '127.0.0.1',
      port: 2525,
      secure: false,
      requireTls: false,
      from: 'a@b.test',
    });
    expect(sender).toBeDefined();
    sender?.close();
  });
});
