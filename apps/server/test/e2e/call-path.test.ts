/**
 * Issue 6's proof: the call path end to end with real peers on 127.0.0.1. The real server
 * (startServer, SQLite, SIP and media on loopback) with a provisioned user; SIPp as the carrier
 * delivering calls to her number (trusted by source address, caller in P-Asserted-Identity);
 * baresip as her registered desk phone; a second SIPp as her cell phone behind the carrier
 * (the trunk's address). The audio of each side is a known tone sent from, and recorded by,
 * sockets the test owns (or baresip's own WAV in and recording out), so every case can say
 * what each party heard, not only that "some RTP flowed".
 *
 *   (a)  VIP: the desk phone rings, nobody answers, the cell phone answers; talk both ways.
 *   (a2) The desk phone answers: baresip talks and hears through the anchored media.
 *   (b)  BLOCK: refused with 603 Decline; nothing rings.
 *   (c)  Unknown caller: greeting, then a message from a pcap, stored as a voicemail.
 *   (d)  The user overrides a ringing call through the API: the cell phone gets it.
 *   (e)  The caller hangs up while the desk and the cell ring: both legs are cancelled.
 *
 * Skipped when SIPp or baresip is not installed (`apt-get install sip-tester baresip`).
 */
import { randomInt } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HttpSession } from '../support/http.js';
import { audibleMs, readWav, rmsDbfs, tone, toneReport, writeWav } from '../support/peers/audio.js';
import { Baresip, baresipInstalled } from '../support/peers/baresip.js';
import { waitUntil } from '../support/peers/child.js';
import { writeRtpPcap } from '../support/peers/pcap.js';
import { freePort, freePorts } from '../support/peers/ports.js';
import { RtpPeer } from '../support/peers/rtp-peer.js';
import { header, sdpAudio, uriUser, type TracedMessage } from '../support/peers/sip-trace.js';
import { sippInstalled, startSipp, type SippPeer } from '../support/peers/sipp.js';
import { startSwitchboard, type RunningSwitchboard } from '../support/peers/switchboard.js';

const DID = '+12025550100';
const CELL = '+12025550199';
const CALLERS = {
  vip: '+12025550142', // Bob Boss, VIP
  deskAnswers: '+12025550131', // Erin, DESK (ring the desk phone only)
  blocked: '+12025550166', // robocaller, BLOCK
  unknown: '+12025550177', // nobody in the contacts
  overridden: '+12025550123', // Carol, DESK
  hangsUp: '+12025550125', // Dan, ALL (ring every device)
} as const;

/** Each party's "voice": a tone of its own, so what anyone heard says where it came from. */
const HZ = { caller: 600, cell: 1400, desk: 950, message: 750 } as const;

interface CallDto {
  id: string;
  callerNumber: string | null;
  callerName: string | null;
  contactId: string | null;
  handlingCode: string | null;
  outcome: string;
  answeredBy: string | null;
  answeredAt: string | null;
  endedAt: string | null;
}
interface CallStep {
  seq: number;
  kind: string;
  detail: Record<string, unknown>;
}
type CallDetail = CallDto & { steps: CallStep[] };
interface LiveCall {
  callId: string;
  caller: { number: string | null };
  ringing: { kind: string; deviceId?: string; number?: string }[];
}
interface VoicemailDto {
  id: string;
  callId: string | null;
  callerNumber: string | null;
  durationMs: number;
}

/** One element of a flow map, laid out in a row. */
function node(id: string, type: string, x: number, config: Record<string, unknown> = {}) {
  return { id, type, position: { x: x * 220, y: 0 }, config };
}
function edge(from: string, pin: string, to: string) {
  return { id: `${from}-${pin}`, from: { node: from, pin }, to: { node: to } };
}

/** VIP: ring the desk phone for 5 s; whatever stops it, ring the cell phone; then voicemail. */
const VIP_FLOW = {
  schemaVersion: 1,
  name: 'VIP: desk, then cell',
  nodes: [
    node('start', 'incoming-call', 0),
    node('desk', 'ring-devices', 1, { devices: ['desk'], timeoutSeconds: 5 }),
    node('cell', 'ring-devices', 2, { devices: ['cell'], timeoutSeconds: 20 }),
    node('voicemail', 'voicemail', 3),
    node('done', 'hang-up', 3),
  ],
  edges: [
    edge('start', 'next', 'desk'),
    edge('desk', 'answered', 'done'),
    edge('desk', 'no-answer', 'cell'),
    edge('desk', 'busy', 'cell'),
    edge('desk', 'failed', 'cell'),
    edge('cell', 'answered', 'done'),
    edge('cell', 'no-answer', 'voicemail'),
    edge('cell', 'busy', 'voicemail'),
    edge('cell', 'failed', 'voicemail'),
  ],
};

function provisioning(trunkPort: number, secrets: { web: string; desk: string }) {
  return {
    country: 'US',
    trunks: [
      {
        id: 'carrier',
        // The cell phone's SIPp listens here: calls to external numbers leave through it.
        address: `127.0.0.1:${String(trunkPort)}`,
        // The carrier's SIPp calls from here: its calls are trusted, its P-Asserted-Identity believed.
        inbound: ['127.0.0.1'],
      },
    ],
    users: [
      {
        id: 'alice',
        name: 'Alice Archer',
        email: 'alice@example.test',
        password: secrets.web,
        timezone: 'America/New_York',
        numbers: [DID],
        devices: [
          {
            id: 'desk',
            name: 'Desk phone',
            sip: { username: 'alice-desk', password: secrets.desk },
          },
          { id: 'cell', name: 'Mobile', number: CELL },
        ],
        handling: {
          default: 'builtin:ring-then-voicemail',
          unknown: 'builtin:voicemail',
          codes: {
            VIP: { method: 'vip' },
            BLOCK: { method: 'builtin:reject' },
            DESK: { method: 'builtin:forward:desk' },
            ALL: { method: 'builtin:ring-all' },
          },
        },
        flows: [{ id: 'vip', file: 'vip.json' }],
        contacts: [
          { name: 'Bob Boss', phones: [CALLERS.vip], handlingCode: 'VIP' },
          { name: 'Erin Example', phones: [CALLERS.deskAnswers], handlingCode: 'DESK' },
          { name: 'Persistent Robocaller', phones: [CALLERS.blocked], handlingCode: 'BLOCK' },
          { name: 'Carol Archer', phones: [CALLERS.overridden], handlingCode: 'DESK' },
          { name: 'Dan Archer', phones: [CALLERS.hangsUp], handlingCode: 'ALL' },
        ],
      },
    ],
  };
}

const available = sippInstalled && baresipInstalled;
const espeakInstalled = existsSync('/usr/bin/espeak-ng');

describe.skipIf(!available)('issue 6: a call through Switchboard with real peers', () => {
  let dir: string;
  let switchboard: RunningSwitchboard;
  let desk: Baresip;
  let alice: HttpSession;
  let trunkPort: number;
  let deskWav: string;
  const teardown: (() => Promise<void>)[] = [];

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'sb-call-path-peers-'));
    teardown.push(() => rm(dir, { recursive: true, force: true }));
    deskWav = join(dir, 'desk-voice.wav');
    // aufile hangs up at the end of its file: 3 s of the desk's voice, then baresip says BYE.
    await writeWav(deskWav, tone(HZ.desk, 3000));
    trunkPort = await freePort();
    const secrets = {
      web: `web-${String(Date.now())}-pass`,
      desk: `desk-${String(Date.now())}-pw`,
    };
    // RTP ports below Linux's ephemeral range (where the peers' ports come from), at a random
    // place so that parallel test files rarely meet; busy ports are skipped anyway.
    const portMin = 21_000 + 2 * randomInt(0, 3000);
    switchboard = await startSwitchboard({
      provisioning: provisioning(trunkPort, secrets),
      files: { 'vip.json': VIP_FLOW },
      media: { portMin, portMax: portMin + 399 },
    });
    teardown.push(() => switchboard.close());
    desk = await Baresip.start({
      username: 'alice-desk',
      password: secrets.desk,
      registrar: { host: '127.0.0.1', port: switchboard.sipPort },
      answerMode: 'manual',
      audioFile: deskWav,
    });
    teardown.push(() => desk.stop());
    await desk.registered();
    alice = new HttpSession(switchboard.httpUrl);
    const login = await alice.request('POST', '/api/auth/login', {
      email: 'alice@example.test',
      password: secrets.web,
    });
    expect(login.status).toBe(200);
  }, 60_000);

  afterAll(async () => {
    // In reverse order of start: the phone (it unregisters while the server still listens),
    // the server, the folder.
    for (const step of teardown.reverse()) await step();
  }, 30_000);

  /** Peers of one case, stopped after it whatever happens, and described when it fails. */
  interface Case {
    readonly sipps: SippPeer[];
    readonly rtps: RtpPeer[];
    /** baresip's event count and output length when the case began. */
    readonly deskEvents: number;
    readonly deskOutput: number;
    /** Callers of the case, whose call records a failure shows. */
    readonly callers: string[];
  }

  function callCase(
    name: string,
    body: (c: Case) => Promise<void>,
    options: { timeoutMs?: number; skip?: boolean } = {},
  ): void {
    it.skipIf(options.skip === true)(
      name,
      async () => {
        const c: Case = {
          sipps: [],
          rtps: [],
          deskEvents: desk.events.length,
          deskOutput: desk.process.output().length,
          callers: [],
        };
        try {
          await body(c);
        } catch (error) {
          throw await explained(error, c);
        } finally {
          await Promise.all(c.sipps.map((s) => s.stop()));
          await Promise.all(c.rtps.map((r) => r.close()));
        }
      },
      options.timeoutMs ?? 60_000,
    );
  }

  /** The error with what every peer saw and the server's log, so a failure explains itself. */
  async function explained(error: unknown, c: Case): Promise<Error> {
    const parts = [error instanceof Error ? (error.stack ?? error.message) : String(error)];
    for (const sipp of c.sipps) parts.push(await sipp.describe());
    for (const caller of c.callers) parts.push(await describeCalls(caller));
    parts.push(
      `--- baresip events: ${desk.events
        .slice(c.deskEvents)
        .map((e) => `${e.type}(${e.param ?? ''})`)
        .join(', ')}`,
      `--- baresip output:\n${desk.process.output().slice(c.deskOutput).slice(-6000)}`,
      `--- switchboard log:\n${await switchboard.logTail(120)}`,
    );
    const wrapped = new Error(parts.join('\n'));
    wrapped.stack = wrapped.message;
    return wrapped;
  }

  /** The call records of `caller` with their steps, one line per step. */
  async function describeCalls(caller: string): Promise<string> {
    try {
      const list = await alice.request<{ items: CallDto[] }>(
        'GET',
        `/api/users/alice/calls?caller=${encodeURIComponent(caller)}`,
      );
      const lines = [`--- call records of ${caller}:`];
      for (const call of list.body.items) {
        const detail = await alice.request<CallDetail>('GET', `/api/users/alice/calls/${call.id}`);
        lines.push(`${call.id} outcome=${call.outcome} answeredBy=${String(call.answeredBy)}`);
        for (const step of detail.body.steps) {
          lines.push(`  ${String(step.seq)} ${step.kind} ${JSON.stringify(step.detail)}`);
        }
      }
      return lines.join('\n');
    } catch (error) {
      return `--- call records of ${caller}: ${String(error)}`;
    }
  }

  /** The carrier's SIPp calling the DID from `caller`, with a socket as the caller's audio. */
  async function carrier(
    c: Case,
    options: {
      scenario: string;
      caller: string;
      /** The From user; the caller unless a test wants From and PAI to differ. */
      fromUser?: string;
      fromName?: string;
      pauseMs?: number;
      files?: Record<string, Uint8Array>;
      timeoutSeconds?: number;
    },
  ): Promise<{ sipp: SippPeer; media: RtpPeer }> {
    c.callers.push(options.caller);
    const media = await RtpPeer.open();
    c.rtps.push(media);
    const sipp = await startSipp({
      name: 'carrier',
      scenario: options.scenario,
      remote: `127.0.0.1:${String(switchboard.sipPort)}`,
      service: DID,
      keys: {
        caller: options.caller,
        from_user: options.fromUser ?? options.caller,
        from_name: options.fromName ?? 'Carrier Display Name',
        rtp_port: String(media.port),
      },
      mediaPort: await freePorts(4, { even: true }),
      pauseMs: options.pauseMs ?? 1000,
      timeoutSeconds: options.timeoutSeconds ?? 40,
      files: options.files,
    });
    c.sipps.push(sipp);
    return { sipp, media };
  }

  /** The cell phone's SIPp on the trunk's address, with a socket as the cell's audio. */
  async function cellPhone(c: Case, scenario: string): Promise<{ sipp: SippPeer; media: RtpPeer }> {
    const media = await RtpPeer.open();
    c.rtps.push(media);
    const sipp = await startSipp({
      name: 'cell',
      scenario,
      port: trunkPort,
      keys: { rtp_port: String(media.port) },
      mediaPort: await freePorts(4, { even: true }),
      timeoutSeconds: 60,
    });
    c.sipps.push(sipp);
    return { sipp, media };
  }

  const isInvite = (m: TracedMessage): boolean =>
    m.direction === 'received' && m.method === 'INVITE';
  const isOk = (m: TracedMessage): boolean =>
    m.direction === 'received' && m.status === 200 && m.cseqMethod === 'INVITE';

  /** Where Switchboard wants the audio of the leg whose SDP `message` carries. */
  function audioTarget(message: TracedMessage): { address: string; port: number } {
    const target = sdpAudio(message.body);
    if (target === undefined) throw new Error(`no audio in the SDP of:\n${message.raw}`);
    return target;
  }

  /** The caller's side starts talking once Switchboard's 200 says where to send. */
  async function talkAfterAnswer(sipp: SippPeer, media: RtpPeer, hz: number): Promise<void> {
    const ok = await sipp.waitForMessage('the 200 OK for the INVITE', isOk, 30_000);
    media.send(audioTarget(ok), tone(hz, 1000));
  }

  /** Final responses to the INVITE the carrier received, in order. */
  async function inviteResponses(sipp: SippPeer): Promise<number[]> {
    return (await sipp.messages())
      .filter(
        (m) => m.direction === 'received' && m.cseqMethod === 'INVITE' && m.status !== undefined,
      )
      .map((m) => m.status ?? 0);
  }

  /** The newest call from `caller` once it has ended, with its steps. */
  async function endedCall(caller: string): Promise<CallDetail> {
    return waitUntil(
      `the call record of ${caller} to end`,
      async () => {
        const list = await alice.request<{ items: CallDto[] }>(
          'GET',
          `/api/users/alice/calls?caller=${encodeURIComponent(caller)}`,
        );
        const call = list.body.items[0];
        if (call === undefined || call.outcome === 'in-progress') return undefined;
        const detail = await alice.request<CallDetail>('GET', `/api/users/alice/calls/${call.id}`);
        return detail.status === 200 ? detail.body : undefined;
      },
      15_000,
    );
  }

  /** Element steps of the record: `desk:no-answer`, `cell:answered`. */
  function elementPins(call: CallDetail): string[] {
    return call.steps
      .filter((s) => s.kind === 'element')
      .map((s) => `${String(s.detail['node'])}:${String(s.detail['pin'])}`);
  }

  callCase(
    '(a) VIP: the desk phone rings unanswered, then the cell phone behind the trunk answers and both talk',
    async (c) => {
      await desk.setAnswerMode('manual');
      const cell = await cellPhone(c, 'cell-answers.xml');
      // From carries the carrier's own number; the trusted P-Asserted-Identity says who calls.
      const call = await carrier(c, {
        scenario: 'carrier-hangs-up.xml',
        caller: CALLERS.vip,
        fromUser: '+12025550000',
        pauseMs: 4000,
      });

      // The desk phone rings first (and nobody picks it up).
      const incoming = await desk.waitForEvent('CALL_INCOMING', c.deskEvents, 10_000);
      // Then, 5 s later, the cell phone: Switchboard's INVITE through the trunk.
      const invite = await cell.sipp.waitForMessage(
        'the INVITE through the trunk',
        isInvite,
        15_000,
      );
      const closed = await desk.waitForEvent('CALL_CLOSED', c.deskEvents, 5_000);
      expect(closed.receivedAt).toBeGreaterThanOrEqual(incoming.receivedAt + 4_000);
      expect(desk.receivedRequests(c.deskOutput)).toEqual(
        expect.arrayContaining(['INVITE', 'CANCEL']),
      );

      // The cell sees the original caller, and why it gets the call (RFC 5806 Diversion).
      expect(uriUser(header(invite, 'from'))).toBe(CALLERS.vip);
      const diversion = header(invite, 'diversion');
      expect(diversion, 'Diversion header on the INVITE to the cell').toBeDefined();
      expect(uriUser(diversion)).toBe(DID);
      expect(diversion).toMatch(/;\s*reason="?(no-answer|unconditional|user-busy)"?/);

      // Both sides talk: each socket sends its tone once it knows where to.
      cell.media.send(audioTarget(invite), tone(HZ.cell, 1000));
      await talkAfterAnswer(call.sipp, call.media, HZ.caller);

      const carrierEnd = await call.sipp.finished();
      const cellEnd = await cell.sipp.finished();
      expect(carrierEnd.exitCode).toBe(0);
      expect(cellEnd.exitCode).toBe(0);
      const responses = await inviteResponses(call.sipp);
      expect(responses).toContain(180);
      expect(responses[responses.length - 1]).toBe(200);

      // Anchored media: the caller heard the cell and the cell heard the caller, for seconds.
      expect(toneReport(call.media.heard(), HZ.cell).toneMs).toBeGreaterThan(2000);
      expect(toneReport(cell.media.heard(), HZ.caller).toneMs).toBeGreaterThan(2000);
      // The carrier's BYE reached the cell (cell-answers.xml ends with it).
      expect(cellEnd.messages.some((m) => m.direction === 'received' && m.method === 'BYE')).toBe(
        true,
      );

      const record = await endedCall(CALLERS.vip);
      expect(record).toMatchObject({
        callerNumber: CALLERS.vip,
        callerName: 'Bob Boss',
        handlingCode: 'VIP',
        answeredBy: 'device:cell',
      });
      expect(['answered', 'forwarded']).toContain(record.outcome);
      expect(elementPins(record)).toEqual(
        expect.arrayContaining(['desk:no-answer', 'cell:answered']),
      );
    },
  );

  callCase(
    '(a2) the desk phone answers: baresip hears the caller and the caller hears baresip',
    async (c) => {
      await desk.setAnswerMode('auto');
      try {
        const before = (await desk.recordings()).map((r) => r.file);
        const call = await carrier(c, {
          scenario: 'carrier-callee-hangs-up.xml',
          caller: CALLERS.deskAnswers,
        });
        await talkAfterAnswer(call.sipp, call.media, HZ.caller);
        // baresip sends its 3 s WAV, then hangs up: Switchboard passes the BYE to the carrier.
        const carrierEnd = await call.sipp.finished();
        expect(carrierEnd.exitCode).toBe(0);
        expect((await inviteResponses(call.sipp)).at(-1)).toBe(200);

        expect(toneReport(call.media.heard(), HZ.desk).toneMs).toBeGreaterThan(1500);
        await desk.waitForEvent('CALL_CLOSED', c.deskEvents, 5_000);
        const heard = (await desk.recordings()).filter(
          (r) => r.kind === 'dec' && !before.includes(r.file),
        );
        expect(heard).toHaveLength(1);
        const wav = await readWav(heard[0]!.file);
        expect(toneReport(wav.samples, HZ.caller, wav.rate).toneMs).toBeGreaterThan(1000);

        const record = await endedCall(CALLERS.deskAnswers);
        expect(record).toMatchObject({
          outcome: 'answered',
          answeredBy: 'device:desk',
          handlingCode: 'DESK',
        });
      } finally {
        await desk.setAnswerMode('manual');
      }
    },
  );

  callCase('(b) BLOCK: the caller is declined (603) and nothing rings', async (c) => {
    const cell = await cellPhone(c, 'cell-rings.xml');
    const call = await carrier(c, { scenario: 'carrier-declined.xml', caller: CALLERS.blocked });
    const carrierEnd = await call.sipp.finished();
    expect(carrierEnd.exitCode).toBe(0);
    // Refused before anything rang: no 180, no 183, no 200, only the 603 (after any 100).
    expect((await inviteResponses(call.sipp)).filter((code) => code !== 100)).toEqual([603]);

    const record = await endedCall(CALLERS.blocked);
    expect(record).toMatchObject({ outcome: 'rejected', handlingCode: 'BLOCK', answeredBy: null });
    const reject = record.steps.find((s) => s.kind === 'element' && s.detail['type'] === 'reject');
    expect(reject?.detail).toMatchObject({ code: 603 });
    // Neither phone saw anything of it.
    expect(desk.events.slice(c.deskEvents).map((e) => e.type)).not.toContain('CALL_INCOMING');
    expect((await cell.sipp.messages()).filter(isInvite)).toEqual([]);
  });

  callCase(
    '(c) an unknown caller hears the greeting and leaves a message that is stored',
    async (c) => {
      const pcap = join(dir, 'message.pcap');
      const messageMs = await writeRtpPcap(pcap, tone(HZ.message, 6000));
      const call = await carrier(c, {
        scenario: 'carrier-voicemail.xml',
        caller: CALLERS.unknown,
        fromName: 'Someone Unknown',
        pauseMs: messageMs + 800,
        files: { 'voice.pcap': await readFile(pcap) },
      });
      const carrierEnd = await call.sipp.finished();
      expect(carrierEnd.exitCode).toBe(0);
      expect((await inviteResponses(call.sipp)).at(-1)).toBe(200);
      // The caller's socket stayed silent and heard the greeting (speech, then the beep).
      expect(audibleMs(call.media.heard())).toBeGreaterThan(1000);

      const record = await endedCall(CALLERS.unknown);
      expect(record).toMatchObject({ outcome: 'voicemail', contactId: null, answeredBy: 'system' });
      const voicemail = await waitUntil('the voicemail', async () => {
        const list = await alice.request<{ items: VoicemailDto[] }>(
          'GET',
          '/api/users/alice/voicemails',
        );
        return list.body.items.find((v) => v.callerNumber === CALLERS.unknown);
      });
      expect(voicemail.callId).toBe(record.id);
      expect(voicemail.durationMs).toBeGreaterThan(2000);
      // The recording is on disk under the data directory and holds the caller's voice.
      const stored = await switchboard.server.store.voicemails.get(voicemail.id);
      expect(stored).toBeDefined();
      const file = join(switchboard.dataDir, stored!.path);
      expect(existsSync(file)).toBe(true);
      const wav = await readWav(file);
      expect(wav.rate).toBe(8000);
      expect(rmsDbfs(wav.samples)).toBeGreaterThan(-40);
      expect(toneReport(wav.samples, HZ.message, wav.rate).toneMs).toBeGreaterThan(2000);
    },
    // The greeting is spoken by espeak-ng (Debian package espeak-ng).
    { skip: !espeakInstalled },
  );

  callCase(
    '(d) the user overrides a ringing call through the API: the cell phone gets it',
    async (c) => {
      await desk.setAnswerMode('manual');
      const cell = await cellPhone(c, 'cell-answers.xml');
      const call = await carrier(c, {
        scenario: 'carrier-hangs-up.xml',
        caller: CALLERS.overridden,
        pauseMs: 3000,
      });
      await desk.waitForEvent('CALL_INCOMING', c.deskEvents, 10_000);

      // The user's client finds the ringing call and sends it to the cell number.
      const live = await waitUntil('the call in the live list, ringing the desk', async () => {
        const list = await alice.request<{ items: LiveCall[] }>(
          'GET',
          '/api/users/alice/calls/live',
        );
        return list.body.items.find(
          (l) =>
            l.caller.number === CALLERS.overridden && l.ringing.some((t) => t.deviceId === 'desk'),
        );
      });
      const override = await alice.request<{ decision: { action: string; number?: string } }>(
        'POST',
        `/api/users/alice/calls/${live.callId}/override`,
        { decision: { action: 'forward', number: CELL } },
      );
      expect(override.status).toBe(200);
      expect(override.body.decision).toMatchObject({ action: 'forward', number: CELL });

      // The desk stops ringing; the cell rings with the caller's number and the deflection.
      await desk.waitForEvent('CALL_CLOSED', c.deskEvents, 5_000);
      expect(desk.receivedRequests(c.deskOutput)).toEqual(
        expect.arrayContaining(['INVITE', 'CANCEL']),
      );
      const invite = await cell.sipp.waitForMessage(
        'the INVITE through the trunk',
        isInvite,
        10_000,
      );
      expect(uriUser(header(invite, 'from'))).toBe(CALLERS.overridden);
      expect(uriUser(header(invite, 'diversion'))).toBe(DID);
      expect(header(invite, 'diversion')).toMatch(/;\s*reason="?deflection"?/);

      cell.media.send(audioTarget(invite), tone(HZ.cell, 1000));
      await talkAfterAnswer(call.sipp, call.media, HZ.caller);
      expect((await call.sipp.finished()).exitCode).toBe(0);
      expect((await cell.sipp.finished()).exitCode).toBe(0);
      expect(toneReport(call.media.heard(), HZ.cell).toneMs).toBeGreaterThan(1000);
      expect(toneReport(cell.media.heard(), HZ.caller).toneMs).toBeGreaterThan(1000);

      const record = await endedCall(CALLERS.overridden);
      expect(record.id).toBe(live.callId);
      expect(record.answeredBy).toBe(`number:${CELL}`);
      expect(['answered', 'forwarded']).toContain(record.outcome);
      const step = record.steps.find((s) => s.kind === 'override');
      expect(step?.detail).toMatchObject({ decision: { action: 'forward', number: CELL } });
    },
  );

  callCase(
    '(e) the caller hangs up while the desk and the cell ring: every leg is cancelled',
    async (c) => {
      await desk.setAnswerMode('manual');
      const cell = await cellPhone(c, 'cell-rings.xml');
      const call = await carrier(c, {
        scenario: 'carrier-cancels.xml',
        caller: CALLERS.hangsUp,
        pauseMs: 2500,
      });
      // Both phones ring before the caller gives up.
      await desk.waitForEvent('CALL_INCOMING', c.deskEvents, 10_000);
      await cell.sipp.waitForMessage('the INVITE through the trunk', isInvite, 10_000);

      const carrierEnd = await call.sipp.finished();
      expect(carrierEnd.exitCode).toBe(0);
      expect((await inviteResponses(call.sipp)).at(-1)).toBe(487);
      // cell-rings.xml only succeeds after CANCEL, its 487 and the ACK.
      const cellEnd = await cell.sipp.finished();
      expect(cellEnd.exitCode).toBe(0);
      expect(
        cellEnd.messages.some((m) => m.direction === 'received' && m.method === 'CANCEL'),
      ).toBe(true);
      await desk.waitForEvent('CALL_CLOSED', c.deskEvents, 5_000);
      expect(desk.receivedRequests(c.deskOutput)).toEqual(
        expect.arrayContaining(['INVITE', 'CANCEL']),
      );

      const record = await endedCall(CALLERS.hangsUp);
      expect(record).toMatchObject({ outcome: 'abandoned', answeredBy: null, handlingCode: 'ALL' });
      const ended = record.steps.find((s) => s.kind === 'ended');
      expect(ended?.detail).toMatchObject({ endedBy: 'caller', callerLeft: 'cancel' });
      // Both legs that were ringing are named as cancelled.
      const cancelled = JSON.stringify(ended?.detail['cancelledLegs']);
      expect(cancelled).toMatch(/desk/);
      expect(cancelled).toMatch(/cell|\+12025550199/);
      const live = await alice.request<{ items: LiveCall[] }>('GET', '/api/users/alice/calls/live');
      expect(live.body.items.filter((l) => l.callId === record.id)).toEqual([]);
    },
  );
});
