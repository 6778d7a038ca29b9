/**
 * Issue 7's proof: a voicemail left by a real call, end to end, with real peers on 127.0.0.1.
 *
 * The real server (startServer: SQLite in a temp data directory, SIP and media on loopback,
 * SMTP settings pointing at a real `smtp-server` on a free loopback port with AUTH and no TLS)
 * and a provisioned user with an e-mail address, a DID, a trunk trusting 127.0.0.1, a SIP desk
 * phone, and `builtin:voicemail` for unknown callers. The user uploads her greeting through the
 * API (a 1.2 s chirp and two tones, so the test knows exactly what the caller must hear).
 *
 *   - SIPp registers as the desk phone (digest, MD5), then stays on that contact as a UAS that
 *     answers every NOTIFY: the message-waiting lamp.
 *   - SIPp as the carrier calls the DID from an unknown number, listens to the greeting and the
 *     beep (a socket the test owns records them), speaks sip-tester's g711a.pcap (A-law speech),
 *     and hangs up.
 *   (1) The message is in the inbox API (caller, duration), its WAV under the data directory
 *       holds the speech that was sent (cross-correlation, 50 ms segments), the SMTP server got
 *       one mail for the user (parsed with mailparser) naming the caller and the length with the
 *       same WAV attached, and the phone got `message-summary` NOTIFYs saying 1/0.
 *   (2) The SMTP server is stopped: a second message is kept (file, inbox) with its mail
 *       `pending` and the reason; the lamp says 2/0. The SMTP server comes back on the same
 *       port; the service's own back-off (first retry 30 s after the failure: no setting
 *       shortens it, and the resend API leaves a pending mail on its schedule) mails it: `sent`,
 *       exactly once, with the recording.
 *
 * Skipped when SIPp (Debian sip-tester, which also ships g711a.pcap) is not installed.
 */
import { randomBytes, randomInt } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { pcma } from '@switchboard/media';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  align,
  chirp,
  concat,
  coverage,
  describeMatch,
  RATE,
  segments,
  toneSequence,
  wavBytes,
} from '../media/support/audio.js';
import { readRtpCapture } from '../media/support/pcap.js';
import { toneReport } from '../support/peers/audio.js';
import { waitUntil } from '../support/peers/child.js';
import { freePort, freePorts } from '../support/peers/ports.js';
import { RtpPeer } from '../support/peers/rtp-peer.js';
import { sdpAudio, type TracedMessage } from '../support/peers/sip-trace.js';
import {
  sippInstalled,
  startSipp,
  type SippOutcome,
  type SippPeer,
} from '../support/peers/sipp.js';
import { startSwitchboard, type RunningSwitchboard } from '../support/peers/switchboard.js';
import { ApiSession } from '../support/voicemail/api.js';
import { MailDrop, type DroppedMail } from '../support/voicemail/mail-drop.js';
import {
  notifyAnswers,
  receivedNotifies,
  type ReceivedNotify,
} from '../support/voicemail/message-summary.js';
import {
  CALLER_WAITS_MS,
  G711A_PCAP,
  g711aPcapInstalled,
  voicemailScenario,
} from '../support/voicemail/scenarios.js';
import { readWavLayout } from '../support/voicemail/wav-layout.js';

const DID = '+12025550100';
/** Two callers nobody has in their contacts: both get `builtin:voicemail`. */
const CALLERS = { first: '+12025550177', second: '+12025550178' } as const;
const EMAIL = 'alice@example.test';
const PUBLIC_URL = 'https://pbx.example.test';
const SIP_USERNAME = 'alice-desk';

/** The user's greeting: a chirp and two tones, 1.2 s (what the caller must hear first). */
const GREETING = concat([
  chirp(300, 3000, 600),
  toneSequence([
    { hz: 500, ms: 300 },
    { hz: 1300, ms: 300 },
  ]),
]);
/** The beep before the recording (telephony/prompts.ts: 1 kHz, 400 ms). */
const BEEP_HZ = 1000;

interface VoicemailDto {
  id: string;
  callId: string | null;
  callerNumber: string | null;
  callerName: string | null;
  contactId: string | null;
  durationMs: number;
  heard: boolean;
  mailStatus: string;
  mailError: string | null;
  audioUrl: string;
}
interface VoicemailList {
  items: VoicemailDto[];
  counts: { new: number; heard: number };
}
interface CallDto {
  id: string;
  callerNumber: string | null;
  outcome: string;
  answeredBy: string | null;
}

/** What a proof measured, as one JSON line in the run's output. */
function report(test: string, measured: Record<string, unknown>): void {
  process.stdout.write(`[voicemail proof] ${JSON.stringify({ test, ...measured })}\n`);
}

/** `m:ss`, the length as a person reads it (what the mail must say). */
function minutesSeconds(ms: number): string {
  const seconds = Math.round(ms / 1000);
  return `${String(Math.floor(seconds / 60))}:${String(seconds % 60).padStart(2, '0')}`;
}

/** Where the caller's speech is in a recording, and how much of it came through intact. */
function speechMatch(recorded: Int16Array, speech: Int16Array) {
  const whole = align(recorded, speech);
  const found = segments(recorded, speech, whole);
  let identical = 0;
  for (let i = 0; i < speech.length; i += 1) {
    if (recorded[whole.lag + i] === speech[i]) identical += 1;
  }
  return {
    whole,
    coverage: coverage(found),
    identicalShare: identical / speech.length,
    described: describeMatch(whole, found),
  };
}

const available = sippInstalled && g711aPcapInstalled;

describe.skipIf(!available)('issue 7: a voicemail left by a real call, end to end', () => {
  let switchboard: RunningSwitchboard;
  let api: ApiSession;
  let mail: MailDrop;
  /** The desk phone's SIPp, answering NOTIFYs on the contact it registered. */
  let lamp: SippPeer;
  let phonePort: number;
  /** The speech of g711a.pcap (1.0-6.5 s; its first second is near silence), decoded. */
  let speech: Int16Array;
  const teardown: (() => Promise<void>)[] = [];
  /** Peers of the test running now: described when it fails, stopped after it. */
  let current: { sipps: SippPeer[]; rtps: RtpPeer[] } = { sipps: [], rtps: [] };

  beforeAll(async () => {
    const capture = await readRtpCapture(G711A_PCAP);
    expect(capture.every((packet) => packet.payloadType === 8)).toBe(true);
    const sent = pcma.decode(Buffer.concat(capture.map((packet) => packet.payload)));
    speech = sent.subarray(1 * RATE, 6.5 * RATE);

    const smtpPassword = randomBytes(9).toString('base64url');
    mail = await MailDrop.start({ switchboard: smtpPassword });
    teardown.push(() => mail.down());

    const secrets = {
      web: randomBytes(9).toString('base64url'),
      desk: randomBytes(9).toString('base64url'),
    };
    // RTP ports below Linux's ephemeral range, at a random place so parallel files rarely meet.
    const portMin = 21_000 + 2 * randomInt(0, 3000);
    switchboard = await startSwitchboard({
      provisioning: {
        country: 'US',
        trunks: [{ id: 'carrier', address: '127.0.0.1:5060', inbound: ['127.0.0.1'] }],
        users: [
          {
            id: 'alice',
            name: 'Alice Archer',
            email: EMAIL,
            password: secrets.web,
            timezone: 'America/New_York',
            numbers: [DID],
            devices: [
              {
                id: 'desk',
                name: 'Desk phone',
                sip: { username: SIP_USERNAME, password: secrets.desk },
              },
            ],
            handling: { default: 'builtin:voicemail', unknown: 'builtin:voicemail' },
          },
        ],
      },
      media: { portMin, portMax: portMin + 199 },
      config: {
        http: { publicUrl: PUBLIC_URL },
        smtp: {
          host: '127.0.0.1',
          port: mail.port,
          secure: false,
          requireTls: false,
          user: 'switchboard',
          password: smtpPassword,
          from: 'Switchboard <voicemail@pbx.example.test>',
        },
        voicemail: { minMessageSeconds: 1 },
      },
    });
    teardown.push(() => switchboard.close());

    // http.publicUrl names the web client in mails; the API itself is on loopback.
    api = new ApiSession(`http://127.0.0.1:${String(switchboard.server.httpPort)}`);
    await api.login(EMAIL, secrets.web);
    const greeting = await api.upload<{ kind: string }>(
      'PUT',
      '/api/users/alice/greetings/default',
      'audio/wav',
      wavBytes(GREETING),
    );
    expect(greeting.status, JSON.stringify(greeting.body)).toBe(200);
    expect(greeting.body.kind).toBe('audio');

    // The desk phone registers (401, then 200 with the digest), then listens on that contact.
    phonePort = await freePort();
    const register = await startSipp({
      name: 'desk-register',
      scenario: voicemailScenario('phone-registers'),
      remote: `127.0.0.1:${String(switchboard.sipPort)}`,
      port: phonePort,
      service: SIP_USERNAME,
      extraArgs: ['-au', SIP_USERNAME, '-ap', secrets.desk],
      timeoutSeconds: 10,
    });
    let registered: SippOutcome;
    try {
      registered = await register.finished();
      if (registered.exitCode !== 0) throw new Error(await register.describe());
    } finally {
      await register.stop();
    }
    expect(
      registered.messages.filter((m) => m.direction === 'received').map((m) => m.status),
    ).toEqual([401, 200]);
    const bindings = await switchboard.server.store.registrations.listForUser('alice', Date.now());
    expect(bindings.map((b) => b.contact)).toEqual([
      `sip:${SIP_USERNAME}@127.0.0.1:${String(phonePort)}`,
    ]);
    lamp = await startSipp({
      name: 'desk-lamp',
      scenario: voicemailScenario('phone-takes-notifies'),
      port: phonePort,
      calls: 0,
      timeoutSeconds: 600,
    });
    teardown.push(() => lamp.stop());
  }, 60_000);

  afterAll(async () => {
    // Reverse order: the phone, the server (its data directory goes with it), the mail server.
    for (const step of teardown.reverse()) {
      await step().catch((error: unknown) => {
        process.stderr.write(`voicemail e2e teardown: ${String(error)}\n`);
      });
    }
  }, 30_000);

  /** Runs a test's body; on failure the error carries what every peer saw and the server log. */
  async function proof(body: () => Promise<void>): Promise<void> {
    current = { sipps: [], rtps: [] };
    try {
      await body();
    } catch (error) {
      const parts = [error instanceof Error ? (error.stack ?? error.message) : String(error)];
      for (const sipp of [...current.sipps, lamp]) parts.push(await sipp.describe());
      parts.push(`--- switchboard log:\n${await switchboard.logTail(150)}`);
      const explained = new Error(parts.join('\n'));
      explained.stack = explained.message;
      throw explained;
    } finally {
      await Promise.all(current.sipps.map((sipp) => sipp.stop()));
      await Promise.all(current.rtps.map((rtp) => rtp.close()));
    }
  }

  /** The carrier's SIPp calls the DID from `caller`, speaks the capture, hangs up. */
  async function leaveMessage(
    caller: string,
  ): Promise<{ outcome: SippOutcome; heard: Int16Array }> {
    const ear = await RtpPeer.open();
    current.rtps.push(ear);
    const sipp = await startSipp({
      name: `carrier-${caller}`,
      scenario: voicemailScenario('caller-leaves-message'),
      remote: `127.0.0.1:${String(switchboard.sipPort)}`,
      service: DID,
      keys: { caller, rtp_port: String(ear.port) },
      mediaPort: await freePorts(4, { even: true }),
      // The capture lasts 7.08 s; then a margin before the BYE.
      pauseMs: 7080 + 800,
      timeoutSeconds: 40,
    });
    current.sipps.push(sipp);
    const outcome = await sipp.finished();
    return { outcome, heard: ear.heard() };
  }

  function finalInviteResponse(messages: readonly TracedMessage[]): number | undefined {
    return messages
      .filter(
        (m) => m.direction === 'received' && m.cseqMethod === 'INVITE' && m.status !== undefined,
      )
      .map((m) => m.status)
      .at(-1);
  }

  async function inbox(): Promise<VoicemailList> {
    const list = await api.json<VoicemailList>('GET', '/api/users/alice/voicemails');
    expect(list.status).toBe(200);
    return list.body;
  }

  function messageFrom(caller: string): Promise<VoicemailDto> {
    return waitUntil(
      `the voicemail of ${caller} in the inbox`,
      async () => (await inbox()).items.find((v) => v.callerNumber === caller),
      10_000,
    );
  }

  function mailStatus(
    id: string,
    wanted: (v: VoicemailDto) => boolean,
    what: string,
    timeoutMs: number,
  ): Promise<VoicemailDto> {
    return waitUntil(
      `voicemail ${id}: ${what}`,
      async () => {
        const one = await api.json<VoicemailDto>('GET', `/api/users/alice/voicemails/${id}`);
        return one.status === 200 && wanted(one.body) ? one.body : undefined;
      },
      timeoutMs,
    );
  }

  /** The recording as stored: its path under the data directory and its bytes. */
  async function storedRecording(id: string): Promise<{ path: string; bytes: Buffer }> {
    const row = await switchboard.server.store.voicemails.get(id);
    if (row === undefined) throw new Error(`voicemail ${id} is not in the store`);
    const path = join(switchboard.dataDir, row.path);
    expect(row.path).toBe(`voicemail/alice/${id}.wav`);
    return { path, bytes: await readFile(path) };
  }

  function mailsAbout(caller: string): DroppedMail[] {
    return mail.mails.filter((m) => m.parsed.subject?.includes(caller) === true);
  }

  /** The lamp's first NOTIFY saying `voice` (new/old). */
  async function lampSays(voice: string): Promise<ReceivedNotify> {
    return waitUntil(
      `the desk phone to get a NOTIFY with Voice-Message: ${voice}`,
      async () => receivedNotifies(await lamp.messages()).find((n) => n.voiceMessage === voice),
      10_000,
    );
  }

  /** The call record of the caller's newest call, once it has ended. */
  function endedCall(caller: string): Promise<CallDto> {
    return waitUntil(
      `the call record of ${caller} to end`,
      async () => {
        const list = await api.json<{ items: CallDto[] }>(
          'GET',
          `/api/users/alice/calls?caller=${encodeURIComponent(caller)}`,
        );
        const call = list.body.items[0];
        return call === undefined || call.outcome === 'in-progress' ? undefined : call;
      },
      10_000,
    );
  }

  /** The checks of one mail: addressed, names caller and length, the recording attached. */
  function checkMail(dropped: DroppedMail, voicemail: VoicemailDto, recording: Buffer) {
    const { parsed } = dropped;
    const length = minutesSeconds(voicemail.durationMs);
    expect(dropped.envelopeTo).toEqual([EMAIL]);
    expect(dropped.envelopeFrom).toBe('voicemail@pbx.example.test');
    // The server signed in with the configured SMTP account.
    expect(dropped.user).toBe('switchboard');
    expect(parsed.to).toMatchObject({ value: [{ address: EMAIL }] });
    expect(parsed.subject).toContain(voicemail.callerNumber ?? 'no number');
    expect(parsed.subject).toContain(`(${length})`);
    expect(parsed.text).toContain(voicemail.callerNumber ?? 'no number');
    expect(parsed.text).toMatch(new RegExp(`Length:\\s+${length}\\b`));
    expect(parsed.text).toContain(`${PUBLIC_URL}/#/voicemails/${voicemail.id}`);
    expect(parsed.attachments).toHaveLength(1);
    const attachment = parsed.attachments[0];
    if (attachment === undefined) throw new Error('no attachment');
    expect(attachment.contentType).toBe('audio/wav');
    expect(attachment.filename).toMatch(/\.wav$/);
    // The attachment is the stored recording, byte for byte, and a valid WAV on its own.
    expect(attachment.content.equals(recording)).toBe(true);
    const layout = readWavLayout(attachment.content, 'the attachment');
    expect(layout).toMatchObject({ sampleRate: 8000, channels: 1, bitsPerSample: 16 });
    return { attachment, layout, length };
  }

  it('(1) an unknown caller leaves a message: inbox, WAV, e-mail with the recording, MWI NOTIFY', async () => {
    await proof(async () => {
      const started = Date.now();
      const { outcome, heard } = await leaveMessage(CALLERS.first);
      expect(outcome.exitCode).toBe(0);
      expect(finalInviteResponse(outcome.messages)).toBe(200);
      const ok = outcome.messages.find(
        (m) => m.direction === 'received' && m.status === 200 && m.cseqMethod === 'INVITE',
      );
      expect(sdpAudio(ok?.body ?? '')?.address).toBe('127.0.0.1');

      // The caller heard the uploaded greeting, then the beep, before speaking.
      const greetingHeard = align(heard, GREETING);
      const beep = toneReport(heard.subarray(greetingHeard.lag + GREETING.length), BEEP_HZ);
      expect(greetingHeard.correlation).toBeGreaterThan(0.9);
      expect((greetingHeard.lag * 1000) / RATE).toBeLessThan(CALLER_WAITS_MS);
      expect(beep.toneMs).toBeGreaterThanOrEqual(300);

      // The inbox: the message from the caller, longer than a second, linked to the call.
      const voicemail = await messageFrom(CALLERS.first);
      const call = await endedCall(CALLERS.first);
      expect(call.outcome).toBe('voicemail');
      expect(voicemail).toMatchObject({
        callerNumber: CALLERS.first,
        callId: call.id,
        contactId: null,
        heard: false,
      });
      expect(voicemail.durationMs).toBeGreaterThan(1000);

      // The WAV under the data directory: valid, as long as the inbox says, and it holds the
      // speech the caller sent.
      const recording = await storedRecording(voicemail.id);
      const layout = readWavLayout(recording.bytes, 'the stored recording');
      expect(layout).toMatchObject({ sampleRate: 8000, channels: 1, bitsPerSample: 16 });
      expect(Math.abs(layout.durationMs - voicemail.durationMs)).toBeLessThan(100);
      const inFile = speechMatch(layout.samples, speech);
      expect(inFile.whole.correlation).toBeGreaterThan(0.95);
      expect(inFile.coverage).toBeGreaterThanOrEqual(0.95);
      // The speech is 1.0 s into the capture, and the file holds the capture from its first
      // packet (the recorder keeps the audio that arrives; it does not pad the wait before).
      expect(inFile.whole.lag).toBeGreaterThanOrEqual(0.96 * RATE);
      expect(inFile.whole.lag).toBeLessThanOrEqual(RATE + (CALLER_WAITS_MS * RATE) / 1000);

      // The API serves the same bytes.
      const download = await api.bytes(voicemail.audioUrl);
      expect(download.status).toBe(200);
      expect(download.headers.get('content-type')).toMatch(/^audio\/wav/);
      expect(download.body.equals(recording.bytes)).toBe(true);

      // The e-mail: one, to the user, naming caller and length, the WAV attached.
      const sent = await mailStatus(voicemail.id, (v) => v.mailStatus === 'sent', 'mailed', 15_000);
      expect(sent.mailError).toBeNull();
      const mails = mailsAbout(CALLERS.first);
      expect(mails).toHaveLength(1);
      expect(mail.mails).toHaveLength(1);
      const [only] = mails;
      if (only === undefined) throw new Error('no mail');
      const mailed = checkMail(only, voicemail, recording.bytes);
      const inMail = speechMatch(mailed.layout.samples, speech);
      expect(inMail.whole.correlation).toBeGreaterThan(0.95);
      expect(inMail.coverage).toBeGreaterThanOrEqual(0.95);

      // The desk phone's lamp: an unsolicited NOTIFY with the counts, answered 200.
      const notify = await lampSays('1/0');
      expect(notify).toMatchObject({
        requestUri: `sip:${SIP_USERNAME}@127.0.0.1:${String(phonePort)}`,
        event: 'message-summary',
        messagesWaiting: 'yes',
        messageAccount: `sip:${SIP_USERNAME}@127.0.0.1`,
      });
      expect(notify.subscriptionState).toMatch(/^active\b/);
      expect(notify.contentType).toBe('application/simple-message-summary');
      const lampMessages = await lamp.messages();
      const notifies = receivedNotifies(lampMessages);
      expect(notifyAnswers(lampMessages).length).toBeGreaterThanOrEqual(notifies.length);
      expect(notifyAnswers(lampMessages).every((status) => status === 200)).toBe(true);

      report('message 1: call, inbox, file, mail, MWI', {
        sipp: { exitCode: outcome.exitCode, finalResponse: finalInviteResponse(outcome.messages) },
        callerHeard: {
          greeting: {
            atMs: (greetingHeard.lag * 1000) / RATE,
            correlation: Math.round(greetingHeard.correlation * 1e5) / 1e5,
          },
          beepMs: beep.toneMs,
        },
        inbox: { durationMs: voicemail.durationMs, callerNumber: voicemail.callerNumber },
        file: {
          bytes: recording.bytes.length,
          durationMs: layout.durationMs,
          speech: inFile.described,
          identicalSamples: Math.round(inFile.identicalShare * 1e4) / 1e4,
        },
        mail: {
          subject: only.parsed.subject,
          length: mailed.length,
          attachment: mailed.attachment.filename,
          attachmentBytes: mailed.attachment.size,
          speech: inMail.described,
          mailedAfterMs: Date.now() - started,
        },
        mwi: notifies.map((n) => `${n.messagesWaiting ?? '?'} ${n.voiceMessage ?? '?'}`),
      });
    });
  }, 90_000);

  it('(2) with the SMTP server down the message is kept and pending, then mailed once it is back', async () => {
    await proof(async () => {
      // Message 1 went out in (1); the mail server now goes away (connections refused).
      expect(mailsAbout(CALLERS.first)).toHaveLength(1);
      await mail.down();

      const { outcome } = await leaveMessage(CALLERS.second);
      expect(outcome.exitCode).toBe(0);
      const voicemail = await messageFrom(CALLERS.second);
      expect(voicemail.durationMs).toBeGreaterThan(1000);

      // The first attempt failed: pending (not failed, not lost) with the reason visible.
      const pending = await mailStatus(
        voicemail.id,
        (v) => v.mailError !== null,
        'a failed first attempt',
        15_000,
      );
      expect(pending.mailStatus).toBe('pending');
      expect(pending.mailError).toMatch(/ECONNREFUSED|connect/i);
      const failedAt = Date.now();

      // The recording is kept, whole, and still served.
      const recording = await storedRecording(voicemail.id);
      expect((await stat(recording.path)).size).toBe(recording.bytes.length);
      const layout = readWavLayout(recording.bytes, 'the stored recording');
      const inFile = speechMatch(layout.samples, speech);
      expect(inFile.whole.correlation).toBeGreaterThan(0.95);
      expect(inFile.coverage).toBeGreaterThanOrEqual(0.95);
      const download = await api.bytes(voicemail.audioUrl);
      expect(download.status).toBe(200);
      expect(download.body.equals(recording.bytes)).toBe(true);

      // Two new messages now: the inbox counts them and the lamp says so.
      expect((await inbox()).counts).toEqual({ new: 2, heard: 0 });
      const notify = await lampSays('2/0');
      expect(notify.messagesWaiting).toBe('yes');

      // Asking to mail it again while it is pending keeps it pending (the queue keeps its
      // back-off schedule: no second attempt while nothing listens).
      const again = await api.json<VoicemailDto>(
        'POST',
        `/api/users/alice/voicemails/${voicemail.id}/mail`,
      );
      expect(again.status).toBe(202);
      expect(again.body.mailStatus).toBe('pending');

      // The mail server is back on the same port: the next retry (30 s after the failure)
      // delivers it, once.
      await mail.up();
      const upAt = Date.now();
      const sent = await mailStatus(
        voicemail.id,
        (v) => v.mailStatus === 'sent',
        'mailed after the SMTP server came back',
        60_000,
      );
      const sentAt = Date.now();
      expect(sent.mailError).toBeNull();
      const mails = mailsAbout(CALLERS.second);
      expect(mails).toHaveLength(1);
      const [only] = mails;
      if (only === undefined) throw new Error('no mail');
      expect(only.life).toBe(2);
      const mailed = checkMail(only, voicemail, recording.bytes);
      const inMail = speechMatch(mailed.layout.samples, speech);
      expect(inMail.whole.correlation).toBeGreaterThan(0.95);
      expect(inMail.coverage).toBeGreaterThanOrEqual(0.95);
      // Nothing sent twice: message 1 once (first server), message 2 once (second server).
      expect(mail.mails.map((m) => m.life)).toEqual([1, 2]);

      report('message 2: SMTP down, then back', {
        pending: { mailStatus: pending.mailStatus, mailError: pending.mailError },
        resendWhilePending: { status: again.status, mailStatus: again.body.mailStatus },
        file: { bytes: recording.bytes.length, speech: inFile.described },
        mwi: '2/0',
        retry: {
          sentMsAfterFailure: sentAt - failedAt,
          sentMsAfterSmtpBack: sentAt - upAt,
        },
        mail: { subject: only.parsed.subject, life: only.life, speech: inMail.described },
      });
    });
  }, 150_000);
});
