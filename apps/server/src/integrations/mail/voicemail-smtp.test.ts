/**
 * Voicemail to e-mail through a real SMTP server (npm smtp-server on 127.0.0.1), each message
 * parsed back with mailparser: the attachment is the recording, byte for byte, and a valid WAV.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseWav } from '@switchboard/media';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Voicemail } from '../../domain/model/index.js';
import type { DepositInput } from '../../domain/ports/voicemail-box.js';
import { userInput } from '../../test-support/fixtures.js';
import { dialects, useStore } from '../../test-support/stores.js';
import {
  ManualTimers,
  TestSmtpServer,
  freeTcpPort,
  startTestVoicemail,
  testWav,
  until,
  type TestVoicemail,
} from '../../test-support/voicemail.js';
import { createSmtpMailSender } from './smtp-mail-sender.js';

const FROM = 'Switchboard <voicemail@pbx.example.test>';

function sender(port: number, extra: { user?: string; password?: string } = {}) {
  const smtp = createSmtpMailSender({
    host: '127.0.0.1',
    port,
    secure: false,
    requireTls: false,
    from: FROM,
    connectTimeoutMs: 2000,
    ...extra,
  });
  if (smtp === undefined) throw new Error('no sender');
  return smtp;
}

describe.each(dialects)('voicemail to e-mail on %s', (dialect) => {
  const store = useStore(dialect);
  const cleanups: (() => Promise<void>)[] = [];
  let timers: ManualTimers;

  beforeEach(async () => {
    timers = new ManualTimers(Date.parse('2026-11-21T14:05:00.000Z'));
    await store().users.put(
      userInput('alice', {
        name: 'Alice Example',
        email: 'alice@example.test',
        timezone: 'Europe/Berlin',
        country: 'DE',
      }),
    );
  });
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  async function smtpServer(options: Parameters<typeof TestSmtpServer.start>[0] = {}) {
    const server = await TestSmtpServer.start(options);
    cleanups.push(() => server.close());
    return server;
  }

  async function voicemail(
    port: number,
    options: { user?: string; password?: string; delays?: number[]; dataDir?: string } = {},
  ) {
    const vm = await startTestVoicemail(store(), {
      mail: sender(port, options),
      publicUrl: 'https://pbx.example.test/',
      timers,
      ...(options.delays === undefined ? {} : { mailRetryDelaysMs: options.delays }),
      ...(options.dataDir === undefined ? {} : { dataDir: options.dataDir }),
    });
    cleanups.push(() => vm.close());
    return vm;
  }

  async function leaveMessage(
    vm: TestVoicemail,
    overrides: Partial<DepositInput> = {},
  ): Promise<{ voicemail: Voicemail; wav: Buffer }> {
    const reserved = await vm.service.reserve('alice');
    const wav = testWav({ sampleRate: 8000, seconds: 2.4, frequency: 523 });
    await writeFile(join(vm.dataDir, reserved.relativePath), wav);
    const voicemail = await vm.service.deposit({
      voicemailId: reserved.voicemailId,
      userId: 'alice',
      callId: null,
      callerNumber: '+12025550142',
      callerName: 'Bob Caller',
      contactId: null,
      handlingCode: 'VIP',
      durationMs: 2400,
      ...overrides,
    });
    return { voicemail, wav };
  }

  const statusOf = async (id: string) => (await store().voicemails.get(id))?.mailStatus;

  it('mails the recording with who, code, time, length and a link', async () => {
    const server = await smtpServer();
    const vm = await voicemail(server.port);
    const updates: string[] = [];
    vm.events.subscribe('alice', (event) => {
      if (event.type === 'voicemail.updated') updates.push(event.voicemail.mailStatus);
    });
    const { voicemail: message, wav } = await leaveMessage(vm);
    expect(message.mailStatus).toBe('pending');

    timers.advance(0);
    await until(
      async () => (await statusOf(message.id)) === 'sent' && updates.length > 0,
      'the mail to be sent',
    );
    expect(server.received).toHaveLength(1);
    const mail = server.received[0];
    if (mail === undefined) throw new Error('no mail');
    expect(mail.envelopeTo).toEqual(['alice@example.test']);
    expect(mail.envelopeFrom).toBe('voicemail@pbx.example.test');
    const parsed = mail.parsed;
    expect(parsed.subject).toBe('Voicemail from Bob Caller (+12025550142) (0:02)');
    expect(parsed.text).toContain('Bob Caller (+12025550142)');
    expect(parsed.text).toMatch(/Handling code:\s+VIP/);
    // 14:05 UTC is 15:05 in Berlin (CET) on 21 November.
    expect(parsed.text).toMatch(/Received:\s+Saturday, 21 November 2026.* 15:05 CET/);
    expect(parsed.text).toMatch(/Length:\s+0:02/);
    expect(parsed.text).toContain(`https://pbx.example.test/#/voicemails/${message.id}`);
    expect(parsed.html).toContain(`href="https://pbx.example.test/#/voicemails/${message.id}"`);

    expect(parsed.attachments).toHaveLength(1);
    const [attachment] = parsed.attachments;
    expect(attachment?.contentType).toBe('audio/wav');
    expect(attachment?.filename).toBe('voicemail-20261121-1505-12025550142.wav');
    const content = attachment?.content ?? Buffer.alloc(0);
    expect(content.equals(wav)).toBe(true);
    expect(parseWav(content)).toMatchObject({ sampleRate: 8000, channels: 1, bitsPerSample: 16 });

    const stored = await store().voicemails.get(message.id);
    expect(stored).toMatchObject({ mailStatus: 'sent', mailAttempts: 1, mailError: null });
    expect(updates).toEqual(['sent']);
  });

  it('keeps the message pending while the SMTP server is down, and mails it when it is back', async () => {
    const port = await freeTcpPort();
    const vm = await voicemail(port);
    const { voicemail: message, wav } = await leaveMessage(vm);

    timers.advance(0);
    await until(
      async () => (await store().voicemails.get(message.id))?.mailError != null,
      'the first attempt to fail',
    );
    const waiting = await store().voicemails.get(message.id);
    expect(waiting).toMatchObject({
      mailStatus: 'pending',
      mailAttempts: 1,
      mailNextAttemptAt: timers.now() + 30_000,
    });
    expect(waiting?.mailError).toMatch(/ECONNREFUSED|connect/i);

    // The server comes back on its port; nothing is sent before the retry is due.
    const server = await smtpServer({ port });
    timers.advance(29_000);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(server.received).toHaveLength(0);
    timers.advance(1_000);
    await until(async () => (await statusOf(message.id)) === 'sent', 'the retry to send it');
    expect(server.received).toHaveLength(1);
    expect(server.received[0]?.parsed.attachments[0]?.content.equals(wav)).toBe(true);
    expect(await store().voicemails.get(message.id)).toMatchObject({
      mailAttempts: 2,
      mailError: null,
      mailNextAttemptAt: null,
    });
  });

  it('fails for good on a 5xx, keeping the recording and saying why', async () => {
    const server = await smtpServer({ rejectRecipients: ['alice@example.test'] });
    const vm = await voicemail(server.port);
    const { voicemail: message } = await leaveMessage(vm);
    timers.advance(0);
    await until(async () => (await statusOf(message.id)) === 'failed', 'the mail to fail');
    const failed = await store().voicemails.get(message.id);
    expect(failed?.mailError).toMatch(/550/);
    expect(failed?.mailAttempts).toBe(1);
    expect(timers.size).toBe(0); // no retry scheduled
    expect((await vm.service.recording('alice', message.id)).size).toBeGreaterThan(44);
  });

  it('gives up after the last retry', async () => {
    const port = await freeTcpPort();
    const vm = await voicemail(port, { delays: [1000, 2000] });
    const { voicemail: message } = await leaveMessage(vm);
    timers.advance(0);
    await until(
      async () =>
        (await store().voicemails.get(message.id))?.mailAttempts === 1 && timers.size === 1,
      'attempt 1',
    );
    timers.advance(1000);
    await until(
      async () =>
        (await store().voicemails.get(message.id))?.mailAttempts === 2 && timers.size === 1,
      'attempt 2',
    );
    timers.advance(2000);
    await until(async () => (await statusOf(message.id)) === 'failed', 'the mail to fail');
    expect(await store().voicemails.get(message.id)).toMatchObject({
      mailAttempts: 3,
      mailNextAttemptAt: null,
    });

    // Mailing it again later (the user asks) starts over.
    const server = await smtpServer({ port });
    await vm.service.resendMail('alice', message.id);
    timers.advance(0);
    await until(async () => (await statusOf(message.id)) === 'sent', 'the mail to be resent');
    expect(server.received).toHaveLength(1);
  });

  it('resumes pending mail after a restart', async () => {
    const port = await freeTcpPort();
    const dataDir = await mkdtemp(join(tmpdir(), 'switchboard-vm-restart-'));
    cleanups.push(() => rm(dataDir, { recursive: true, force: true }));
    const before = await voicemail(port, { dataDir });
    const { voicemail: message } = await leaveMessage(before);
    timers.advance(0);
    await until(
      async () => (await store().voicemails.get(message.id))?.mailError != null,
      'the first attempt to fail',
    );
    await before.close(); // the server stops with the mail pending

    const server = await smtpServer({ port });
    const after = await voicemail(port, { dataDir });
    await after.service.start();
    timers.advance(30_000);
    await until(async () => (await statusOf(message.id)) === 'sent', 'the resumed mail');
    expect(server.received).toHaveLength(1);
  });

  it('logs in when credentials are configured', async () => {
    const server = await smtpServer({ users: { vm: 'vm-secret' } });
    const vm = await voicemail(server.port, { user: 'vm', password: 'vm-secret' });
    const { voicemail: message } = await leaveMessage(vm);
    timers.advance(0);
    await until(async () => (await statusOf(message.id)) === 'sent', 'the mail');
    expect(server.received[0]?.user).toBe('vm');
  });

  it('does not mail when the flow says not to, or without an SMTP server', async () => {
    const server = await smtpServer();
    const vm = await voicemail(server.port);
    const { voicemail: quiet } = await leaveMessage(vm, { mailToUser: false });
    expect(quiet.mailStatus).toBe('disabled');

    const noSmtp = await startTestVoicemail(store(), { timers });
    cleanups.push(() => noSmtp.close());
    const { voicemail: unmailed } = await leaveMessage(noSmtp);
    expect(unmailed.mailStatus).toBe('disabled');
    await expect(noSmtp.service.resendMail('alice', unmailed.id)).rejects.toThrow(/smtp\.host/);
    timers.advance(60_000);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(server.received).toHaveLength(0);
  });
});
