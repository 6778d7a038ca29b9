import { describe, expect, it } from 'vitest';
import type { Voicemail } from '../../model/index.js';
import { userInput } from '../../../test-support/fixtures.js';
import { composeVoicemailMail, formatDuration } from './voicemail-mail.js';

describe('the voicemail e-mail', () => {
  const user = {
    ...userInput('alice', { name: 'Alice', timezone: 'America/New_York', country: 'US' }),
    createdAt: 0,
    updatedAt: 0,
  };
  const base: Voicemail = {
    id: 'vm-1',
    userId: 'alice',
    callId: null,
    callerNumber: null,
    callerName: null,
    contactId: null,
    handlingCode: null,
    path: 'voicemail/alice/vm-1.wav',
    durationMs: 75_400,
    heard: false,
    mailStatus: 'pending',
    createdAt: Date.parse('2026-07-04T16:30:00.000Z'),
  };

  it('names an anonymous caller, has no code or link line when there are none', () => {
    const mail = composeVoicemailMail({ voicemail: base, user, recording: Buffer.from('x') });
    expect(mail.subject).toBe('Voicemail from an anonymous caller (1:15)');
    expect(mail.text).not.toContain('Handling code');
    expect(mail.text).not.toContain('Listen in');
    expect(mail.text).toMatch(/Received:\s+Saturday, July 4, 2026.* 12:30 PM EDT/);
    expect(mail.attachments[0]?.filename).toBe('voicemail-20260704-1230-anonymous.wav');
  });

  it('keeps control characters and markup of a display name out of headers and HTML', () => {
    const mail = composeVoicemailMail({
      voicemail: { ...base, callerName: 'Eve\r\nBcc: x@evil.test <b>', callerNumber: '+15551234' },
      user,
      recording: Buffer.from('x'),
      publicUrl: 'https://pbx.example.test',
    });
    expect(mail.subject).not.toMatch(/[\r\n]/);
    expect(mail.subject).toBe('Voicemail from Eve Bcc: x@evil.test <b> (+15551234) (1:15)');
    expect(mail.html).toContain('Eve Bcc: x@evil.test &lt;b&gt;');
    expect(mail.html).not.toContain('<b>');
  });

  it('formats durations as minutes and seconds', () => {
    expect(formatDuration(0)).toBe('0:00');
    expect(formatDuration(59_499)).toBe('0:59');
    expect(formatDuration(600_000)).toBe('10:00');
  });
});
