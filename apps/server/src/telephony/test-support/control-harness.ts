/**
 * A server side for testing SipCallControl on its own: a SIP stack on 127.0.0.1 with the
 * registrar on a test store, a media engine, a player with quiet speech, and for every INVITE
 * that arrives a SipCallControl handed to the test (`nextCall`). No flow runs: the test calls
 * the control's methods as a flow's elements would.
 */
import { randomBytes } from 'node:crypto';
import { MediaEngine, Player, PromptLibrary } from '@switchboard/media';
import {
  createSipStack,
  DigestAuthenticator,
  Registrar,
  type IncomingInvite,
  type SipUserAgent,
} from '@switchboard/sip';
import { systemClock } from '../../domain/ports/clock.js';
import { silentLogger } from '../../domain/ports/logger.js';
import type { Store } from '../../domain/ports/store.js';
import { openTestStore, type TestStore } from '../../test-support/stores.js';
import { digestAlgorithmsFor } from '../invite-auth.js';
import { RegistrationLocationStore } from '../location-store.js';
import { RingPlanner } from '../ring-plan.js';
import { SipCallControl, type CallInfo } from '../sip-call-control.js';
import { TrunkDirectory } from '../trunks.js';
import { FakeVoicemailBox, QuietSpeech, RecordingReporter } from './fakes.js';
import { BOB, DID } from './scene.js';
import { delay } from './wait.js';

export interface ControlCall {
  readonly control: SipCallControl;
  readonly reporter: RecordingReporter;
  readonly invite: IncomingInvite;
}

export interface ControlHarness {
  readonly store: Store;
  readonly dataDir: string;
  readonly sip: SipUserAgent;
  readonly engine: MediaEngine;
  readonly voicemail: FakeVoicemailBox;
  readonly speech: QuietSpeech;
  /** The next call that arrives, as a SipCallControl (rejects after `timeoutMs`). */
  nextCall(timeoutMs?: number): Promise<ControlCall>;
  close(): Promise<void>;
}

/** Bob calling Alice's number, as the inbound handler would describe him. */
export const BOB_CALLING: CallInfo = {
  callId: 'call-1',
  userId: 'alice',
  did: DID,
  caller: { number: BOB, name: 'Bob Boss', withheld: false },
  contactId: 'bob',
  handlingCode: 'VIP',
};

export async function startControlHarness(): Promise<ControlHarness> {
  const testStore: TestStore = await openTestStore('sqlite');
  const { store, dataDir } = testStore;
  const min = 40000 + 2 * Math.floor(Math.random() * 9000);
  const engine = new MediaEngine({
    ports: { min, max: min + 59, host: '127.0.0.1' },
    mediaTimeoutMs: 0,
  });
  const speech = new QuietSpeech();
  const player = new Player({ prompts: new PromptLibrary({ root: dataDir }), speech });
  const voicemail = new FakeVoicemailBox();
  const trunks = new TrunkDirectory(store.trunks, systemClock, { cacheMs: 0 });
  const planner = new RingPlanner({ store, trunks, clock: systemClock });
  const waiting: ((call: ControlCall) => void)[] = [];
  const arrived: ControlCall[] = [];
  const holder: { sip?: SipUserAgent } = {};
  const authenticator = new DigestAuthenticator({
    realm: 'switchboard',
    secret: randomBytes(32),
    clock: systemClock,
  });
  let sip: SipUserAgent;
  try {
    sip = await createSipStack({
      host: '127.0.0.1',
      port: 0,
      tcp: false,
      userAgent: 'switchboard-test',
      registrar: new Registrar({
        store: new RegistrationLocationStore(store.registrations),
        clock: systemClock,
        authenticator,
        credentials: async (username) => {
          const device = await store.devices.findBySipUsername(username);
          return device?.kind === 'sip' ? { password: device.sipPassword } : undefined;
        },
        servesDomain: () => true,
        algorithms: digestAlgorithmsFor,
      }),
      delegate: {
        onInvite(invite) {
          const reporter = new RecordingReporter();
          const control = new SipCallControl(invite, BOB_CALLING, reporter, {
            sip: {
              ringTargets: (targets, options) => {
                if (holder.sip === undefined) return Promise.reject(new Error('not started'));
                return holder.sip.ringTargets(targets, options);
              },
            },
            engine,
            player,
            planner,
            mediaAddress: '127.0.0.1',
            localHost: '127.0.0.1',
            dataDir,
            voicemail,
            logger: silentLogger,
          });
          const call = { control, reporter, invite };
          const waiter = waiting.shift();
          if (waiter === undefined) arrived.push(call);
          else waiter(call);
        },
      },
    });
  } catch (error) {
    await engine.close();
    await testStore.close();
    throw error;
  }
  holder.sip = sip;
  const controls: SipCallControl[] = [];
  return {
    store,
    dataDir,
    sip,
    engine,
    voicemail,
    speech,
    async nextCall(timeoutMs = 10_000) {
      const ready = arrived.shift();
      const call =
        ready ??
        (await Promise.race([
          new Promise<ControlCall>((resolve) => waiting.push(resolve)),
          delay(timeoutMs).then(() => {
            throw new Error('no call arrived at the server');
          }),
        ]));
      controls.push(call.control);
      return call;
    },
    async close() {
      await Promise.all(controls.map((control) => control.close().catch(() => undefined)));
      await sip.close();
      await engine.close();
      await testStore.close();
    },
  };
}
