import { InviteError } from '@switchboard/sip';
import { afterEach, describe, expect, it } from 'vitest';
import type { CallRecord } from '../domain/model/index.js';
import { systemClock } from '../domain/ports/clock.js';
import { silentLogger } from '../domain/ports/logger.js';
import type { Store } from '../domain/ports/store.js';
import { overrideCall } from '../domain/services/call-override.js';
import { EventBus } from '../domain/services/event-bus.js';
import { LiveCallRegistry } from '../domain/services/live-call-registry.js';
import { openTestStore, type TestStore } from '../test-support/stores.js';
import { startTelephony, type Telephony } from './sip-service.js';
import { toneEnergy } from './test-support/audio.js';
import { FakeVoicemailBox, QuietSpeech } from './test-support/fakes.js';
import {
  BOB,
  DESK,
  DID,
  numberAt,
  ROBO,
  seedScene,
  SOFT,
  startPeers,
  type Peers,
  type SceneOptions,
} from './test-support/scene.js';
import { SipPeer, type PeerCall } from './test-support/sip-peer.js';
import { delay, waitFor } from './test-support/wait.js';

interface Server {
  readonly telephony: Telephony;
  readonly store: Store;
  readonly liveCalls: LiveCallRegistry;
  readonly voicemail: FakeVoicemailBox;
  readonly peers: Peers;
}

/** The error a call that did not connect ended with. */
async function failure(call: Promise<unknown>): Promise<InviteError> {
  const error: unknown = await call.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof InviteError))
    throw new Error(`expected an InviteError, got ${String(error)}`);
  return error;
}

describe('inbound calls through the telephony service (SIP, flows, call records)', () => {
  const cleanups: (() => Promise<void>)[] = [];

  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  async function start(scene: SceneOptions = {}, maxCalls = 10): Promise<Server> {
    const peers = await startPeers();
    cleanups.push(() => peers.close());
    const testStore: TestStore = await openTestStore('sqlite');
    cleanups.push(() => testStore.close());
    const { store, dataDir } = testStore;
    await seedScene(store, peers.far, scene);
    const liveCalls = new LiveCallRegistry();
    const voicemail = new FakeVoicemailBox();
    const portMin = 42000 + 2 * Math.floor(Math.random() * 4000);
    const telephony = await startTelephony({
      config: {
        sip: { host: '127.0.0.1', port: 0, realm: 'switchboard', maxCalls },
        media: { host: '127.0.0.1', portMin, portMax: portMin + 99 },
        dataDir,
      },
      store,
      events: new EventBus(),
      clock: systemClock,
      logger: silentLogger,
      liveCalls,
      voicemail,
      speech: new QuietSpeech(),
      closeGraceMs: 2000,
    });
    cleanups.push(() => telephony.close());
    return { telephony, store, liveCalls, voicemail, peers };
  }

  async function register(server: Server, peer: SipPeer, account: typeof DESK | typeof SOFT) {
    const response = await peer.register(
      { host: '127.0.0.1', port: server.telephony.port },
      account.username,
      account.password,
    );
    expect(response.status).toBe(200);
  }

  /** The carrier calls Alice's number as `caller`. */
  function carrierCall(
    server: Server,
    caller: string,
    options: { signal?: AbortSignal; sdp?: string } = {},
  ): Promise<PeerCall> {
    const call = server.peers.carrier.call(numberAt(DID, server.telephony), {
      from: `<sip:${caller}@127.0.0.1>`,
      headers: [{ name: 'P-Asserted-Identity', value: `"Network name" <sip:${caller}@127.0.0.1>` }],
      ...options,
    });
    call.catch(() => undefined);
    return call;
  }

  async function onlyCall(store: Store): Promise<CallRecord> {
    let calls: CallRecord[] = [];
    await waitFor(async () => {
      calls = await store.calls.listByUser('alice');
      return calls.length === 1 && calls[0]?.outcome !== 'in-progress';
    }, 'the call record to be finished');
    return calls[0]!;
  }

  async function endedStep(store: Store, callId: string): Promise<Record<string, unknown>> {
    const steps = await store.calls.listSteps(callId);
    const ended = steps.find((step) => step.kind === 'ended');
    if (ended === undefined) throw new Error('no ended step');
    return ended.detail;
  }

  it('answers 404 for a number nobody has, and keeps no record', async () => {
    const server = await start();
    const call = server.peers.carrier.call(numberAt('+12025550999', server.telephony));
    expect((await failure(call)).status).toBe(404);
    expect(await server.store.calls.listByUser('alice')).toEqual([]);
  });

  it('challenges a caller that is neither a trunk nor one of our phones, refuses wrong credentials, and takes a phone’s call', async () => {
    const server = await start();
    const { stranger } = server.peers;
    const uri = numberAt(DID, server.telephony);

    const challenged = await failure(stranger.call(uri));
    expect(challenged.status).toBe(407);
    const challenges = challenged.response?.headerValues('Proxy-Authenticate') ?? [];
    expect(challenges.join(' ')).toContain('algorithm=SHA-256');
    expect(challenges.join(' ')).toContain('algorithm=MD5');

    const wrong = stranger.call(uri, {
      credentials: { username: DESK.username, password: 'guess' },
    });
    expect((await failure(wrong)).status).toBe(403);
    const unknown = stranger.call(uri, { credentials: { username: 'nobody', password: 'guess' } });
    expect((await failure(unknown)).status).toBe(403);
    expect(await server.store.calls.listByUser('alice')).toEqual([]);

    // The desk phone's credentials: the call is Alice's own, shown with her number and name.
    const call = await stranger.call(uri, { credentials: DESK });
    await call.dialog.bye();
    const record = await onlyCall(server.store);
    expect(record).toMatchObject({ callerNumber: DID, callerName: 'Alice Archer' });
  });

  it('rings the desk phone for a VIP caller and records who answered', async () => {
    const server = await start({ vip: 'builtin:forward:desk' });
    const { desk } = server.peers;
    await register(server, desk, DESK);
    desk.mode = { kind: 'answer', afterMs: 200 };
    const caller = await carrierCall(server, BOB);
    const [received] = await desk.invitesReceived(1);
    await waitFor(() => received?.call !== undefined, 'the desk to answer');
    // The phone shows the contact's name, not the one the network sent.
    expect(received?.request.from().displayName).toBe('Bob Boss');
    SipPeer.sendTone(received!.call!, 900);
    await waitFor(() => caller.sink.frameCount > 25, 'audio from the desk');
    expect(toneEnergy(caller.sink.samples(20), 900)).toBeGreaterThan(1e9);
    expect((await server.liveCalls.list('alice'))[0]).toMatchObject({ answered: true });

    await caller.dialog.bye();
    const record = await onlyCall(server.store);
    expect(record).toMatchObject({
      callerNumber: BOB,
      callerName: 'Bob Boss',
      contactId: 'bob',
      handlingCode: 'VIP',
      outcome: 'answered',
      answeredBy: 'device:desk',
    });
    const steps = await server.store.calls.listSteps(record.id);
    expect(steps.map((s) => s.kind)).toEqual(
      expect.arrayContaining(['lookup', 'status', 'method', 'element', 'ended']),
    );
    expect(steps.find((s) => s.detail['type'] === 'ring-devices')?.detail).toMatchObject({
      pin: 'answered',
      answeredBy: 'desk',
    });
    expect(await endedStep(server.store, record.id)).toMatchObject({ endedBy: 'caller' });
    expect(server.liveCalls.size()).toBe(0);
    await waitFor(() => server.telephony.engine.sessionCount === 0, 'every RTP session to close');
  });

  it('rejects a BLOCK caller with the flow’s code', async () => {
    const server = await start();
    const call = carrierCall(server, ROBO);
    expect((await failure(call)).status).toBe(603);
    const record = await onlyCall(server.store);
    expect(record).toMatchObject({ outcome: 'rejected', handlingCode: 'BLOCK' });
    expect(await endedStep(server.store, record.id)).toMatchObject({ code: 603 });
  });

  it('cancels every ringing leg when the caller hangs up, and the record says so', async () => {
    const server = await start({ vip: 'builtin:ring-all' });
    const { desk, soft, far } = server.peers;
    await register(server, desk, DESK);
    await register(server, soft, SOFT);
    for (const peer of [desk, soft, far]) peer.mode = { kind: 'ring' };
    const hangUp = new AbortController();
    const call = carrierCall(server, BOB, { signal: hangUp.signal });
    for (const peer of [desk, soft, far]) await peer.invitesReceived(1);
    await delay(100);
    hangUp.abort();
    expect((await failure(call)).status).toBe(487);
    for (const peer of [desk, soft, far]) {
      await waitFor(
        () => peer.received[0]?.invite.state === 'cancelled',
        `${peer.name} to be cancelled`,
      );
    }
    const record = await onlyCall(server.store);
    expect(record.outcome).toBe('abandoned');
    const ended = await endedStep(server.store, record.id);
    expect(ended).toMatchObject({
      endedBy: 'caller',
      callerLeft: 'cancel',
      flowOutcome: 'hung-up',
    });
    expect(ended['cancelledLegs']).toHaveLength(3);
  });

  it('takes the user’s override while the desk rings: the call goes to the chosen number', async () => {
    const server = await start({ vip: 'builtin:forward:desk' });
    const { desk, far } = server.peers;
    await register(server, desk, DESK);
    desk.mode = { kind: 'ring' };
    far.mode = { kind: 'answer', afterMs: 100 };
    const caller = carrierCall(server, BOB);
    await desk.invitesReceived(1);
    const [live] = await server.liveCalls.list('alice');
    expect(live).toMatchObject({
      answered: false,
      ringing: [{ kind: 'device', deviceId: 'desk' }],
    });
    const user = await server.store.users.get('alice');
    await overrideCall(
      { repos: server.store, liveCalls: server.liveCalls },
      {
        user: user!,
        callId: live!.callId,
        decision: { action: 'forward', number: '+1 202 555 0177' },
        remember: false,
        requestedBy: 'alice',
      },
    );
    const [forwarded] = await far.invitesReceived(1);
    expect(desk.received[0]?.invite.abortCause).toBe('cancel');
    expect(forwarded?.request.uri).toMatchObject({ user: '+12025550177', host: '127.0.0.5' });
    expect(forwarded?.request.from().uri).toMatchObject({ user: BOB });
    expect(forwarded?.request.header('Diversion')).toContain('reason=deflection');
    const answered = await caller;
    await waitFor(() => forwarded?.call !== undefined, 'the number to answer');
    await answered.dialog.bye();
    const record = await onlyCall(server.store);
    expect(record).toMatchObject({ outcome: 'forwarded', answeredBy: 'number:+12025550177' });
    const kinds = (await server.store.calls.listSteps(record.id)).map((s) => s.kind);
    expect(kinds).toEqual(expect.arrayContaining(['override', 'override-applied']));
  });

  it('lets an unknown caller hear the greeting and leave a message', async () => {
    const server = await start({ unknownHandling: 'builtin:voicemail' });
    const caller = await carrierCall(server, '+12025550188');
    SipPeer.sendTone(caller, 600);
    await delay(2500);
    await caller.dialog.bye();
    const record = await onlyCall(server.store);
    expect(record).toMatchObject({ outcome: 'voicemail', callerNumber: '+12025550188' });
    expect(server.voicemail.queries).toEqual([
      { userId: 'alice', contactId: null, handlingCode: null, reason: 'unavailable' },
    ]);
    expect(server.voicemail.deposits).toHaveLength(1);
    expect(server.voicemail.deposits[0]).toMatchObject({
      userId: 'alice',
      callId: record.id,
      callerNumber: '+12025550188',
      callerName: 'Network name',
    });
    expect(server.voicemail.deposits[0]?.durationMs).toBeGreaterThan(1000);
  });

  it('reads the number called from To for a trunk that says so', async () => {
    const server = await start();
    const trunk = await server.store.trunks.get('carrier');
    await server.store.trunks.put({ ...trunk!, calledNumberFrom: 'to' });
    // The directory caches trunks for a few seconds; a fresh one sees the change.
    await server.telephony.close();
    const again = await startTelephony({
      config: {
        sip: { host: '127.0.0.1', port: 0, realm: 'switchboard', maxCalls: 5 },
        media: { host: '127.0.0.1', portMin: 48000, portMax: 48099 },
        dataDir: '/nonexistent',
      },
      store: server.store,
      events: new EventBus(),
      clock: systemClock,
      logger: silentLogger,
      liveCalls: server.liveCalls,
      speech: new QuietSpeech(),
    });
    cleanups.push(() => again.close());
    const call = server.peers.carrier.call(`sip:trunk-group-7@127.0.0.1:${String(again.port)}`, {
      from: `<sip:${ROBO}@127.0.0.1>`,
      to: `<sip:${DID}@127.0.0.1>`,
    });
    // Robo is BLOCK in Alice's contacts: only her number, read from To, leads there.
    expect((await failure(call)).status).toBe(603);
    expect((await onlyCall(server.store)).calledNumber).toBe(DID);
  });

  it('answers requests it does not handle with 405 and what it allows', async () => {
    const server = await start();
    const response = await server.peers.stranger.sip.request({
      method: 'MESSAGE',
      uri: `sip:alice@127.0.0.1:${String(server.telephony.port)}`,
      body: 'hello',
      contentType: 'text/plain',
    });
    expect(response.status).toBe(405);
    expect(response.header('Allow')).toContain('INVITE');
    expect(response.header('Allow')).toContain('REGISTER');
  });

  it('refuses an offer without a codec we speak before ringing anything (488)', async () => {
    const server = await start();
    const g729 = [
      'v=0',
      'o=- 1 1 IN IP4 127.0.0.1',
      's=-',
      'c=IN IP4 127.0.0.1',
      't=0 0',
      'm=audio 40000 RTP/AVP 18',
      'a=rtpmap:18 G729/8000',
      '',
    ].join('\r\n');
    expect((await failure(carrierCall(server, BOB, { sdp: g729 }))).status).toBe(488);
    expect(server.peers.desk.received).toEqual([]);
    expect(await server.store.calls.listByUser('alice')).toEqual([]);
  });

  it('refuses calls beyond the limit with 503 and Retry-After', async () => {
    const server = await start({ vip: 'builtin:forward:desk' }, 1);
    const { desk } = server.peers;
    await register(server, desk, DESK);
    desk.mode = { kind: 'ring' };
    const first = carrierCall(server, BOB);
    await desk.invitesReceived(1);
    const second = await failure(carrierCall(server, ROBO));
    expect(second.status).toBe(503);
    expect(second.response?.header('Retry-After')).toBe('5');
    // Shutting down ends the call that rings: the caller hears 480, the desk a CANCEL.
    await server.telephony.close();
    expect((await failure(first)).status).toBe(480);
    await waitFor(() => desk.received[0]?.invite.state === 'cancelled', 'the desk to be cancelled');
    const record = await onlyCall(server.store);
    expect(record.outcome).toBe('missed');
  });
});
