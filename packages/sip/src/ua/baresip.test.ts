/**
 * Issue 3's proof against a real phone: baresip 1.0.0 (Debian) registers with a password to the
 * registrar of a stack made by `createSipStack`, and the stack calls it at the contact it
 * registered: baresip answers (auto answer) with SDP, audio flows for a few seconds, and our BYE
 * ends the call. Over UDP and TCP, and over TCP also on the connection baresip registered on
 * (what reaches a phone behind NAT). A wrong password binds nothing and ends in a refusal.
 * Without /usr/bin/baresip they fail, saying what to install.
 */
import { randomBytes } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { DigestAuthenticator } from '../auth/digest-server.js';
import { FailureLimiter, type FailureLimiterOptions } from '../auth/failure-limiter.js';
import type { Binding } from '../registrar/location-store.js';
import { InMemoryLocationStore } from '../registrar/location-store.js';
import { Registrar } from '../registrar/registrar.js';
import { createSipStack, type SipUserAgent } from '../sip-stack.js';
import { until } from '../transport/test-support/sockets.js';
import type { RegisterHandler } from './user-agent.js';
import {
  baresipInstalled,
  startBaresip,
  type Baresip,
  type TracedMessage,
} from './test-support/baresip.js';
import { RtpSink } from './test-support/rtp-sink.js';

const USER = 'alice';
const PASSWORD = 'alice-pass-7';
const clock = { now: (): number => Date.now() };

interface Under {
  readonly sip: SipUserAgent;
  readonly registrar: Registrar;
  readonly limiter: FailureLimiter;
  /** The status of every REGISTER answer, in order. */
  readonly statuses: number[];
  /** Failures the stack or the registrar reported: none expected. */
  readonly errors: unknown[];
  /** The AOR baresip registers: its account's URI, `sip:alice@127.0.0.1:<our port>`. */
  readonly aor: string;
}

/** A facade on 127.0.0.1 (UDP and TCP) with a registrar that knows alice and offers MD5 only. */
async function withStack(
  run: (under: Under) => Promise<void>,
  limiterOptions: Omit<FailureLimiterOptions, 'clock'> = {},
): Promise<void> {
  const errors: unknown[] = [];
  const statuses: number[] = [];
  const limiter = new FailureLimiter({ clock, ...limiterOptions });
  const registrar = new Registrar({
    store: new InMemoryLocationStore(),
    clock,
    // baresip 1.0.0 gives up when any challenge names SHA-256: MD5 only.
    authenticator: new DigestAuthenticator({
      realm: '127.0.0.1',
      secret: randomBytes(32),
      clock,
      algorithms: ['MD5'],
    }),
    limiter,
    credentials: (username) =>
      Promise.resolve(username === USER ? { password: PASSWORD } : undefined),
    servesDomain: (host) => host === '127.0.0.1',
    onError: (error) => errors.push(error),
  });
  const recording: RegisterHandler = {
    async handleRegister(request, source) {
      const response = await registrar.handleRegister(request, source);
      statuses.push(response.status);
      return response;
    },
  };
  const sip = await createSipStack({
    host: '127.0.0.1',
    port: 0,
    userAgent: 'Switchboard-test',
    registrar: recording,
    // baresip only answers here; a call from it would be a surprise.
    delegate: {
      onInvite: (invite) => {
        invite.reject(603);
      },
    },
    onError: (error) => errors.push(error),
  });
  try {
    await run({
      sip,
      registrar,
      limiter,
      statuses,
      errors,
      aor: `sip:${USER}@127.0.0.1:${String(sip.port)}`,
    });
  } finally {
    await sip.close();
  }
}

async function withBaresip(account: string, run: (phone: Baresip) => Promise<void>): Promise<void> {
  const phone = await startBaresip({ account });
  try {
    await run(phone);
  } finally {
    await phone.stop();
  }
}

function account(sip: SipUserAgent, transport: 'udp' | 'tcp', password = PASSWORD): string {
  const uri = `sip:${USER}@127.0.0.1:${String(sip.port)}${transport === 'tcp' ? ';transport=tcp' : ''}`;
  return `<${uri}>;auth_pass=${password};answermode=auto;audio_codecs=pcmu;regint=600`;
}

/** The binding of `aor`, once baresip's REGISTER made it. */
async function registered(registrar: Registrar, aor: string, phone: Baresip): Promise<Binding> {
  let bindings: Binding[] = [];
  const deadline = Date.now() + 10_000;
  while (bindings.length === 0) {
    if (Date.now() > deadline)
      throw new Error(`No binding for ${aor}; baresip:\n${phone.output()}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
    bindings = await registrar.lookup(aor);
  }
  expect(bindings).toHaveLength(1);
  return bindings[0] as Binding;
}

/** The URI of a Contact header value such as `<sip:a@h:p;transport=tcp>;expires=600`. */
function contactUri(text: string): string | undefined {
  return /^Contact:\s*<([^>]+)>/im.exec(text)?.[1];
}

/**
 * The messages of baresip's trace with this start (`INVITE`, `SIP/2.0 200`) and CSeq method,
 * once there are at least `count` (its output comes through a pipe, a little after the packets).
 * The trace holds what it sent and what it received: requests other than REGISTER are ours to
 * it, responses to them are its.
 */
async function traced(
  phone: Baresip,
  startLine: string,
  method: string,
  count = 1,
): Promise<TracedMessage[]> {
  const find = (): TracedMessage[] =>
    phone
      .trace()
      .filter(
        (message) => message.startLine.startsWith(startLine) && message.cseq.endsWith(` ${method}`),
      );
  await until(() => find().length >= count, 5_000).catch(() => undefined); // the caller asserts
  return find();
}

/** PCMU silence is 0xFF (and 0x7F): a payload of only those carries no tone. */
function carriesSound(payload: Buffer): boolean {
  return payload.some((byte) => byte !== 0xff && byte !== 0x7f);
}

describe('baresip 1.0.0 registers with the facade’s registrar and is called', () => {
  // A real peer is the point of these tests: missing baresip is a failure, never a silent skip.
  beforeAll(() => {
    if (!baresipInstalled)
      throw new Error('baresip is not installed: apt-get install baresip (.ci/run does it)');
  });

  const cases = [
    { transport: 'udp', overRegistration: false },
    { transport: 'tcp', overRegistration: false },
    { transport: 'tcp', overRegistration: true },
  ] as const;

  for (const { transport, overRegistration } of cases) {
    const name = `${transport.toUpperCase()}${overRegistration ? ', calling over the connection baresip registered on' : ''}`;
    it(`registers with MD5 digest, answers our call with SDP, sends audio, and takes our BYE (${name})`, async () => {
      await withStack(async ({ sip, registrar, statuses, errors, aor }) => {
        await withBaresip(account(sip, transport), async (phone) => {
          // Registration: a challenge, then baresip's digest answer binds the contact it sent.
          const binding = await registered(registrar, aor, phone);
          expect(statuses).toEqual([401, 200]);
          const registers = await traced(phone, 'REGISTER', 'REGISTER', 2);
          expect(registers).toHaveLength(2);
          expect(registers[1]?.text).toMatch(/^Authorization: Digest username="alice"/m);
          expect(binding.contact).toBe(contactUri(registers[1]?.text ?? ''));
          expect(binding.contact).toMatch(
            new RegExp(
              `^sip:${USER}-[^@;]+@127\\.0\\.0\\.1:${String(phone.port)}${transport === 'tcp' ? ';transport=tcp' : ''}$`,
            ),
          );
          expect(binding.source).toMatchObject({ transport, host: '127.0.0.1' });
          if (transport === 'tcp') expect(binding.source.connectionId).toMatch(/^tcp-/);
          expect(binding.userAgent).toMatch(/^baresip v1\.0\.0/);

          // The call: to the registered contact; on TCP optionally over baresip's own connection.
          const rtp = await RtpSink.open();
          try {
            const progress: number[] = [];
            const dialog = await sip.invite({
              uri: binding.contact,
              from: `<sip:switchboard@127.0.0.1:${String(sip.port)}>`,
              sdp: rtp.offer(),
              onProgress: ({ status }) => progress.push(status),
              ...(overRegistration
                ? {
                    destination: {
                      transport: binding.source.transport,
                      host: binding.source.host,
                      port: binding.source.port,
                      ...(binding.source.connectionId === undefined
                        ? {}
                        : { connectionId: binding.source.connectionId }),
                    },
                  }
                : {}),
            });
            expect(dialog.state).toBe('confirmed');
            expect(dialog.transport).toBe(transport);
            expect(progress).toContain(180);
            const answer = dialog.remoteSdp ?? '';
            const mediaPort = Number(/^m=audio (\d+) RTP\/AVP 0\b/m.exec(answer)?.[1]);
            expect(mediaPort).toBeGreaterThan(0);
            expect(answer).toMatch(/^a=rtpmap:0 PCMU\/8000/m);

            // baresip saw our INVITE, answered 200 with its SDP, and got our ACK.
            const invite = (await traced(phone, 'INVITE', 'INVITE'))[0];
            expect(invite?.startLine).toBe(`INVITE ${binding.contact} SIP/2.0`);
            if (overRegistration) {
              // The INVITE came on the connection of the REGISTER (stack's listening port to the
              // port baresip connected from), and no connection to baresip's listener was opened.
              expect(invite?.from).toBe(`127.0.0.1:${String(sip.port)}`);
              expect(invite?.to).toBe(`127.0.0.1:${String(binding.source.port)}`);
              const tcp = sip.stack.transports.transport('tcp');
              expect(tcp?.connectionTo?.({ host: '127.0.0.1', port: phone.port })).toBeUndefined();
            } else {
              expect(invite?.to).toBe(`127.0.0.1:${String(phone.port)}`);
            }
            const ok = (await traced(phone, 'SIP/2.0 200', 'INVITE'))[0];
            expect(ok?.text).toMatch(/^Content-Type: application\/sdp/im);
            expect((await traced(phone, 'ACK', 'ACK')).length).toBeGreaterThan(0);

            // A few seconds of call: baresip's aufile tone arrives as PCMU at our media port.
            await until(() => rtp.packets.length >= 100, 10_000); // 2 s of 20 ms packets
            await new Promise((resolve) => setTimeout(resolve, 1_000));
            expect(rtp.packets.every((p) => p.version === 2 && p.payloadType === 0)).toBe(true);
            expect(new Set(rtp.packets.map((p) => p.port))).toEqual(new Set([mediaPort]));
            expect(new Set(rtp.packets.map((p) => p.ssrc)).size).toBe(1);
            expect(rtp.packets.filter((p) => carriesSound(p.payload)).length).toBeGreaterThan(50);

            // Our BYE, baresip's 200: the call is over on both sides.
            await dialog.bye();
            expect(dialog.end).toEqual({ by: 'local', cause: 'bye' });
            await phone.waitFor(/Call with .* terminated/);
            const bye = await traced(phone, 'BYE', 'BYE');
            expect(bye).toHaveLength(1);
            expect(await traced(phone, 'SIP/2.0 200', 'BYE')).toHaveLength(1);
            if (overRegistration) expect(bye[0]?.to).toBe(invite?.to);
            expect(sip.ua.dialogs.size).toBe(0);
          } finally {
            await rtp.close();
          }
          expect(errors).toEqual([]);
        });
      });
    }, 40_000);
  }

  it('binds nothing for a wrong password: 401 each time, then 403 once the limiter blocks it', async () => {
    // Three wrong answers block the source (no delays before them), so baresip, which answers
    // each fresh challenge again, ends with a 403 and stops.
    await withStack(
      async ({ sip, registrar, limiter, statuses, errors, aor }) => {
        await withBaresip(account(sip, 'udp', 'not-the-password'), async (phone) => {
          await phone.waitFor(/reg: .*403 Forbidden/);
          // The first REGISTER has no credentials; the next three carry a wrong digest (401,
          // each counted); the fourth is refused without being checked: the source is blocked.
          expect(statuses).toEqual([401, 401, 401, 401, 403]);
          const registers = phone.trace().filter((m) => m.startLine.startsWith('REGISTER'));
          expect(registers.filter((m) => /^Authorization: Digest /m.test(m.text))).toHaveLength(4);
          expect(await registrar.lookup(aor)).toEqual([]);
          expect(limiter.check('127.0.0.1')).toBe('block');
          expect(errors).toEqual([]);
        });
      },
      { maxFailures: 3, freeFailures: 3 },
    );
  }, 40_000);
});
