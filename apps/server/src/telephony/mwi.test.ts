/**
 * Message waiting against real SIP peers on 127.0.0.1: a user agent built on createSipStack
 * (unsolicited NOTIFY, and a subscription driven step by step on virtual time), and SIPp 3.6.1:
 * a subscriber with digest, refresh and unsubscribe; a phone that registers through the
 * registrar on the server's database and then, as a UAS, receives the lamp's NOTIFY.
 */
import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  createSipStack,
  Dialog,
  DigestAuthenticator,
  Registrar,
  type IncomingRequest,
  SipRequest,
  type SipResponse,
  type SipUserAgent,
} from '@switchboard/sip';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { systemClock } from '../domain/ports/clock.js';
import type { Store } from '../domain/ports/store.js';
import { userInput } from '../test-support/fixtures.js';
import { useStore } from '../test-support/stores.js';
import {
  ManualTimers,
  startTestVoicemail,
  testWav,
  until,
  type TestVoicemail,
} from '../test-support/voicemail.js';
import { RegistrationLocationStore } from './location-store.js';
import {
  MESSAGE_SUMMARY_TYPE,
  messageSummaryBody,
  parseMessageSummary,
  wireMessageWaiting,
  type MessageWaiting,
} from './mwi.js';
import { freeUdpPort, mwiScenario, sippInstalled, startSipp } from './test-support/mwi-sipp.js';

const PASSWORD = 'pw-alice-desk';

describe('message-summary bodies (RFC 3842 §5.2)', () => {
  it('says whether messages wait, for which account, and new/old', () => {
    const body = messageSummaryBody('sip:alice@example.org', { newMessages: 2, oldMessages: 8 });
    expect(body).toBe(
      'Messages-Waiting: yes\r\nMessage-Account: sip:alice@example.org\r\nVoice-Message: 2/8\r\n',
    );
    expect(messageSummaryBody(undefined, { newMessages: 0, oldMessages: 3 })).toBe(
      'Messages-Waiting: no\r\nVoice-Message: 0/3\r\n',
    );
    expect(parseMessageSummary(body)).toEqual({
      waiting: true,
      account: 'sip:alice@example.org',
      voice: { newMessages: 2, oldMessages: 8 },
    });
    expect(parseMessageSummary('Messages-Waiting: no\nVoice-Message: 0/0 (0/0)\n')).toEqual({
      waiting: false,
      account: undefined,
      voice: { newMessages: 0, oldMessages: 0 },
    });
  });
});

interface Server {
  readonly sip: SipUserAgent;
  readonly mwi: MessageWaiting;
  readonly vm: TestVoicemail;
  readonly host: string;
}

describe('message waiting over SIP', () => {
  const store = useStore('sqlite');
  const cleanups: (() => Promise<void>)[] = [];
  let timers: ManualTimers;

  beforeEach(async () => {
    timers = new ManualTimers(Date.now());
    await store().users.put(userInput('alice'));
    await store().devices.put({
      kind: 'sip',
      userId: 'alice',
      id: 'desk',
      name: 'Desk phone',
      sipUsername: 'alice-desk',
      sipPassword: PASSWORD,
    });
  });
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  /** The server side as main.ts wires it: registrar, MWI, the voicemail service's counts. */
  async function startServer(options: { virtualTime?: boolean } = {}): Promise<Server> {
    const db: Store = store();
    const authenticator = new DigestAuthenticator({
      realm: 'switchboard',
      secret: randomBytes(32),
      clock: systemClock,
    });
    const registrar = new Registrar({
      store: new RegistrationLocationStore(db.registrations),
      clock: systemClock,
      authenticator,
      credentials: async (username) => {
        const device = await db.devices.findBySipUsername(username);
        return device?.kind === 'sip' ? { password: device.sipPassword } : undefined;
      },
      servesDomain: () => true,
      algorithms: ['MD5'],
    });
    // What startTelephony offers: a request handler set once everything exists.
    let handler: ((request: IncomingRequest) => void | Promise<void>) | undefined;
    const sip = await createSipStack({
      host: '127.0.0.1',
      port: 0,
      registrar,
      allow: ['SUBSCRIBE'],
      delegate: {
        onInvite: (invite) => {
          invite.reject(488);
        },
        onRequest: (request) => {
          if (handler !== undefined) return handler(request);
          request.respond(503);
          return undefined;
        },
      },
    });
    const vm = await startTestVoicemail(db, { timers });
    const mwi = wireMessageWaiting({
      telephony: {
        sip,
        authenticator,
        setRequestHandler: (next) => {
          handler = next;
        },
      },
      store: db,
      voicemail: vm.service,
      clock: options.virtualTime === true ? timers : systemClock,
      algorithms: ['MD5'],
      ...(options.virtualTime === true ? { timers } : {}),
    });
    cleanups.push(async () => {
      mwi.close();
      expect(handler).toBeUndefined();
      await sip.close();
      await vm.close();
    });
    return { sip, mwi, vm, host: `127.0.0.1:${String(sip.port)}` };
  }

  async function leaveMessage(vm: TestVoicemail): Promise<string> {
    const reserved = await vm.service.reserve('alice');
    await writeFile(
      join(vm.dataDir, reserved.relativePath),
      testWav({ sampleRate: 8000, seconds: 1 }),
    );
    await vm.service.deposit({
      voicemailId: reserved.voicemailId,
      userId: 'alice',
      callId: null,
      callerNumber: '+4930123',
      callerName: null,
      contactId: null,
      handlingCode: null,
      durationMs: 1000,
    });
    return reserved.voicemailId;
  }

  /** A phone on createSipStack that records every request it gets (and answers 200). */
  async function startPhone(): Promise<{ sip: SipUserAgent; received: SipRequest[] }> {
    const received: SipRequest[] = [];
    const sip = await createSipStack({
      host: '127.0.0.1',
      port: 0,
      delegate: {
        onInvite: (invite) => {
          invite.reject(486);
        },
        onRequest: (request) => {
          received.push(request.request);
          request.respond(200);
        },
      },
    });
    cleanups.push(() => sip.close());
    return { sip, received };
  }

  it('sends an unsolicited NOTIFY to every registered phone of the user when counts change', async () => {
    const server = await startServer();
    const phone = await startPhone();
    const aor = 'sip:alice-desk@127.0.0.1';
    const now = Date.now();
    await store().registrations.apply(aor, {
      put: [
        {
          aor,
          key: 'k1',
          contact: `sip:alice-desk@127.0.0.1:${String(phone.sip.port)};transport=udp`,
          expiresAt: now + 3_600_000,
          callId: 'register-1',
          cseq: 1,
          q: null,
          instanceId: null,
          path: [],
          source: { transport: 'udp', host: '127.0.0.1', port: phone.sip.port, connectionId: null },
          userAgent: 'test phone',
          updatedAt: now,
        },
      ],
      remove: [],
      sipUsername: 'alice-desk',
    });

    const first = await leaveMessage(server.vm);
    await leaveMessage(server.vm);
    await until(
      () => phone.received.some((r) => r.body.toString().includes('Voice-Message: 2/0')),
      'a NOTIFY saying 2/0',
    );
    await server.vm.service.setHeard('alice', first, true);
    await until(
      () => phone.received.some((r) => r.body.toString().includes('Voice-Message: 1/1')),
      'a NOTIFY saying 1/1',
    );
    const notify = phone.received.find((r) => r.body.toString().includes('1/1'));
    if (notify === undefined) throw new Error('no NOTIFY');
    expect(notify.method).toBe('NOTIFY');
    expect(notify.header('Event')).toBe('message-summary');
    expect(notify.header('Subscription-State')).toBe('active');
    expect(notify.header('Content-Type')).toBe(MESSAGE_SUMMARY_TYPE);
    expect(notify.to().uri).toMatchObject({ user: 'alice-desk', host: '127.0.0.1' });
    expect(notify.to().tag).toBeUndefined();
    expect(parseMessageSummary(notify.body.toString())).toEqual({
      waiting: true,
      account: aor,
      voice: { newMessages: 1, oldMessages: 1 },
    });
    // Another user's change reaches nobody here.
    const before = phone.received.length;
    await server.mwi.countsChanged('bob', { newMessages: 5, oldMessages: 0 });
    expect(phone.received.length).toBe(before);
  });

  it('answers SUBSCRIBE: challenge, bad event, too brief, then a subscription with its NOTIFYs', async () => {
    const server = await startServer({ virtualTime: true });
    const phone = await startPhone();
    await leaveMessage(server.vm);
    const uri = `sip:alice-desk@${server.host}`;
    const subscribe = (headers: { name: string; value: string }[], credentials = true) =>
      phone.sip.request({
        method: 'SUBSCRIBE',
        uri,
        from: '<sip:alice-desk@127.0.0.1>',
        to: '<sip:alice-desk@127.0.0.1>',
        headers: [
          { name: 'Contact', value: `<sip:alice-desk@127.0.0.1:${String(phone.sip.port)}>` },
          ...headers,
        ],
        ...(credentials ? { credentials: { username: 'alice-desk', password: PASSWORD } } : {}),
      });

    const message = await phone.sip.request({
      method: 'MESSAGE',
      uri,
      body: 'hi',
      contentType: 'text/plain',
    });
    expect(message.status).toBe(405);
    expect(message.header('Allow')).toContain('SUBSCRIBE');
    const presence = await subscribe([{ name: 'Event', value: 'presence' }]);
    expect(presence.status).toBe(489);
    expect(presence.header('Allow-Events')).toBe('message-summary');
    const anonymous = await subscribe([{ name: 'Event', value: 'message-summary' }], false);
    expect(anonymous.status).toBe(401);
    expect(anonymous.header('WWW-Authenticate')).toMatch(/algorithm=MD5/);
    const wrong = await phone.sip.request({
      method: 'SUBSCRIBE',
      uri,
      headers: [{ name: 'Event', value: 'message-summary' }],
      credentials: { username: 'alice-desk', password: 'wrong' },
    });
    expect(wrong.status).toBe(401);
    const brief = await subscribe([
      { name: 'Event', value: 'message-summary' },
      { name: 'Expires', value: '10' },
    ]);
    expect(brief.status).toBe(423);
    expect(brief.header('Min-Expires')).toBe('60');
    const html = await subscribe([
      { name: 'Event', value: 'message-summary' },
      { name: 'Accept', value: 'text/html' },
    ]);
    expect(html.status).toBe(406);

    // A real subscription: the phone keeps the dialog the 200 made (RFC 6665 §4.1.2.1).
    const notifies: SipRequest[] = [];
    const ok = await subscribe([
      { name: 'Event', value: 'message-summary' },
      { name: 'Expires', value: '300' },
    ]);
    expect(ok.status).toBe(200);
    expect(ok.header('Expires')).toBe('300');
    expect(ok.header('Contact')).toContain(`127.0.0.1:${String(server.sip.port)}`);
    const dialog = phoneDialog(phone.sip, ok, uri);
    dialog.delegate = {
      onRequest: (request) => {
        notifies.push(request);
        return { status: 200 };
      },
    };
    await until(() => notifies.length === 1, 'the first NOTIFY');
    expect(server.mwi.subscriptionCount).toBe(1);
    const first = notifies[0];
    expect(first?.header('Subscription-State')).toBe('active;expires=300');
    expect(first?.header('Contact')).toContain(`127.0.0.1:${String(server.sip.port)}`);
    expect(parseMessageSummary(first?.body.toString() ?? '')).toEqual({
      waiting: true,
      account: 'sip:alice-desk@127.0.0.1',
      voice: { newMessages: 1, oldMessages: 0 },
    });

    // A new message: a NOTIFY in the subscription, and no unsolicited one besides.
    await leaveMessage(server.vm);
    await until(() => notifies.length === 2, 'the NOTIFY of the change');
    expect(notifies[1]?.body.toString()).toContain('Voice-Message: 2/0');
    expect(phone.received.filter((r) => r.method === 'NOTIFY')).toEqual([]);

    // Refresh: 200 with the new Expires, then a NOTIFY (sent once the reply is out).
    timers.advance(100_000);
    const refreshed = await phone.sip.request({
      dialog,
      method: 'SUBSCRIBE',
      headers: [
        { name: 'Event', value: 'message-summary' },
        { name: 'Expires', value: '600' },
      ],
    });
    expect(refreshed.status).toBe(200);
    expect(refreshed.header('Expires')).toBe('600');
    timers.advance(0);
    await until(() => notifies.length === 3, 'the NOTIFY of the refresh');
    expect(notifies[2]?.header('Subscription-State')).toBe('active;expires=600');

    // The subscription runs out: a last NOTIFY saying so, and it is gone.
    timers.advance(600_000);
    await until(() => notifies.length === 4, 'the NOTIFY of the expiry');
    expect(notifies[3]?.header('Subscription-State')).toBe('terminated;reason=timeout');
    await until(() => server.mwi.subscriptionCount === 0, 'the subscription to go');
    const late = await phone.sip
      .request({
        dialog,
        method: 'SUBSCRIBE',
        headers: [{ name: 'Event', value: 'message-summary' }],
      })
      .catch((error: unknown) => error);
    // Its dialog is gone on the server: 481 (the phone's dialog ends too).
    expect((late as SipResponse).status).toBe(481);
  });

  it('unsubscribes with Expires: 0, and fetches once with a new SUBSCRIBE of Expires: 0', async () => {
    const server = await startServer({ virtualTime: true });
    const phone = await startPhone();
    const uri = `sip:alice-desk@${server.host}`;
    const notifies: SipRequest[] = [];
    const ok = await phone.sip.request({
      method: 'SUBSCRIBE',
      uri,
      from: '<sip:alice-desk@127.0.0.1>',
      to: '<sip:alice-desk@127.0.0.1>',
      headers: [{ name: 'Event', value: 'message-summary' }],
      credentials: { username: 'alice-desk', password: PASSWORD },
    });
    expect(ok.header('Expires')).toBe('3600'); // RFC 3842 §4's default
    const dialog = phoneDialog(phone.sip, ok, uri);
    dialog.delegate = {
      onRequest: (request) => {
        notifies.push(request);
        return { status: 200 };
      },
    };
    await until(() => notifies.length === 1, 'the first NOTIFY');
    expect(notifies[0]?.body.toString()).toContain('Messages-Waiting: no');
    const bye = await phone.sip.request({
      dialog,
      method: 'SUBSCRIBE',
      headers: [
        { name: 'Event', value: 'message-summary' },
        { name: 'Expires', value: '0' },
      ],
    });
    expect(bye.status).toBe(200);
    timers.advance(0);
    await until(() => notifies.length === 2, 'the final NOTIFY');
    expect(notifies[1]?.header('Subscription-State')).toMatch(/^terminated/);
    await until(() => server.mwi.subscriptionCount === 0, 'the subscription to go');

    const fetch = await phone.sip.request({
      method: 'SUBSCRIBE',
      uri,
      from: '<sip:alice-desk@127.0.0.1>',
      to: '<sip:alice-desk@127.0.0.1>',
      headers: [
        { name: 'Event', value: 'message-summary' },
        { name: 'Expires', value: '0' },
      ],
      credentials: { username: 'alice-desk', password: PASSWORD },
    });
    expect(fetch.status).toBe(200);
    expect(fetch.header('Expires')).toBe('0');
    expect(server.mwi.subscriptionCount).toBe(0);
  });

  describe.skipIf(!sippInstalled)('with SIPp', () => {
    it('a SIPp subscriber gets the counts, the change, the refresh and the unsubscribe', async () => {
      const server = await startServer();
      await leaveMessage(server.vm);
      const heard = await leaveMessage(server.vm);
      await leaveMessage(server.vm);
      await server.vm.service.setHeard('alice', heard, true);
      const sipp = await startSipp({
        scenario: mwiScenario('mwi-subscribe'),
        remote: server.host,
        port: await freeUdpPort(),
        service: 'alice-desk',
        auth: { user: 'alice-desk', password: PASSWORD },
        values: { account: 'sip:alice-desk@127.0.0.1', first: '2/1', second: '3/1' },
        timeoutSeconds: 20,
      });
      cleanups.push(() => sipp.stop());
      await until(() => server.mwi.subscriptionCount === 1, 'SIPp to subscribe', 15_000);
      // Let the first NOTIFY go out before the change.
      await new Promise((resolve) => setTimeout(resolve, 300));
      await leaveMessage(server.vm);
      const outcome = await sipp.done;
      expect(outcome.exitCode, outcome.output).toBe(0);
      await until(() => server.mwi.subscriptionCount === 0, 'the subscription to end');
    });

    it('a phone registered with SIPp gets the lamp’s NOTIFY as a SIPp UAS', async () => {
      const server = await startServer();
      const port = await freeUdpPort();
      const register = await startSipp({
        scenario: mwiScenario('mwi-register'),
        remote: server.host,
        port,
        service: 'alice-desk',
        auth: { user: 'alice-desk', password: PASSWORD },
        timeoutSeconds: 10,
      });
      cleanups.push(() => register.stop());
      const registered = await register.done;
      expect(registered.exitCode, registered.output).toBe(0);
      const bindings = await store().registrations.listForUser('alice', Date.now());
      expect(bindings.map((b) => b.contact)).toEqual([`sip:alice-desk@127.0.0.1:${String(port)}`]);

      const uas = await startSipp({
        scenario: mwiScenario('mwi-notify-uas'),
        port,
        values: {
          waiting: 'yes',
          account: 'sip:alice-desk@127.0.0.1',
          summary: 'Voice-Message: 1/0',
        },
        timeoutSeconds: 15,
      });
      cleanups.push(() => uas.stop());
      // SIPp needs a moment to bind; UDP retransmissions (Timer E) cover a late start.
      await new Promise((resolve) => setTimeout(resolve, 300));
      await leaveMessage(server.vm);
      const notified = await uas.done;
      expect(notified.exitCode, notified.output).toBe(0);
    });
  });
});

/**
 * The subscriber's side of the dialog a 2xx to SUBSCRIBE makes (RFC 6665 §4.1.2.1), which
 * createSipStack leaves to its user: from the response (its From carries our tag, its To the
 * notifier's), registered with the phone's core so the NOTIFYs in it reach `delegate`.
 */
function phoneDialog(sip: SipUserAgent, response: SipResponse, uri: string): Dialog {
  const from = response.header('From');
  const callId = response.header('Call-ID');
  const cseq = response.header('CSeq');
  if (from === undefined || callId === undefined || cseq === undefined) {
    throw new Error('the 200 lacks From, Call-ID or CSeq');
  }
  const sent = new SipRequest({
    method: 'SUBSCRIBE',
    uri,
    headers: [
      { name: 'From', value: from },
      { name: 'To', value: '<sip:alice-desk@127.0.0.1>' },
      { name: 'Call-ID', value: callId },
      { name: 'CSeq', value: cseq },
    ],
  });
  const dialog = Dialog.forUac(sent, response, { transport: 'udp', host: sip.ua });
  sip.ua.dialogs.add(dialog);
  return dialog;
}
