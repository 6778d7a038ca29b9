/**
 * The facade on real sockets (127.0.0.1): one stack calls another, over UDP and over TCP, and
 * the calls go through ringing, answer, ACK and BYE.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { DigestAuthenticator } from './auth/index.js';
import { InMemoryLocationStore, Registrar } from './registrar/index.js';
import { createSipStack, type SipUserAgent } from './sip-stack.js';
import type { IncomingInvite } from './ua/index.js';

const OFFER =
  'v=0\r\no=a 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 40000 RTP/AVP 0\r\n';
const ANSWER =
  'v=0\r\no=b 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 40002 RTP/AVP 0\r\n';

const running: SipUserAgent[] = [];

afterEach(async () => {
  await Promise.all(running.splice(0).map((stack) => stack.close()));
});

async function start(onInvite: (invite: IncomingInvite) => void): Promise<SipUserAgent> {
  const stack = await createSipStack({
    host: '127.0.0.1',
    port: 0,
    userAgent: 'Switchboard-test',
    delegate: { onInvite },
  });
  running.push(stack);
  return stack;
}

describe('createSipStack', () => {
  for (const transport of ['udp', 'tcp'] as const) {
    it(`places a call from one stack to another and hangs up (${transport.toUpperCase()})`, async () => {
      const answered: Promise<unknown>[] = [];
      const callee = await start((invite) => {
        invite.progress(180);
        answered.push(invite.accept({ sdp: ANSWER }));
      });
      const caller = await start(() => undefined);
      const statuses: number[] = [];
      const dialog = await caller.invite({
        uri: `sip:bob@127.0.0.1:${String(callee.port)}${transport === 'tcp' ? ';transport=tcp' : ''}`,
        sdp: OFFER,
        onProgress: (progress) => statuses.push(progress.status),
      });
      expect(statuses).toContain(180);
      expect(dialog.remoteSdp).toBe(ANSWER);
      expect(dialog.transport).toBe(transport);
      const calleeDialog = (await answered[0]) as Awaited<ReturnType<IncomingInvite['accept']>>;
      expect(calleeDialog.state).toBe('confirmed');
      expect(calleeDialog.remoteSdp).toBe(OFFER);
      await dialog.bye();
      const end = await calleeDialog.ended;
      expect(end).toMatchObject({ by: 'remote', cause: 'bye' });
      expect(caller.ua.dialogs.size).toBe(0);
      expect(callee.ua.dialogs.size).toBe(0);
    });
  }

  it('answers OPTIONS with what it allows, and a refused call rejects with its status', async () => {
    const callee = await start((invite) => {
      invite.reject(486);
    });
    const caller = await start(() => undefined);
    const options = await caller.request({
      method: 'OPTIONS',
      uri: `sip:127.0.0.1:${String(callee.port)}`,
    });
    expect(options.status).toBe(200);
    expect(options.header('Allow')).toContain('INVITE');
    expect(options.header('Server')).toBe('Switchboard-test');
    await expect(
      caller.invite({ uri: `sip:bob@127.0.0.1:${String(callee.port)}` }),
    ).rejects.toMatchObject({
      kind: 'rejected',
      status: 486,
    });
  });

  it('plugs the registrar in with one option: REGISTER with digest, retried by request()', async () => {
    const clock = { now: () => Date.now() };
    const store = new InMemoryLocationStore();
    const registrar = new Registrar({
      store,
      clock,
      authenticator: new DigestAuthenticator({
        realm: 'example.org',
        secret: Buffer.from('facade-test-secret-0123456789abcdef'),
        clock,
      }),
      credentials: (username) =>
        Promise.resolve(username === 'alice' ? { password: 'correct horse' } : undefined),
      servesDomain: (host) => host === 'example.org',
      checkDigestUri: false, // the Request-URI names the domain, the request goes to 127.0.0.1
    });
    const server = await createSipStack({
      host: '127.0.0.1',
      port: 0,
      registrar,
      delegate: {
        onInvite: (invite) => {
          invite.reject(480);
        },
      },
    });
    running.push(server);
    const phone = await start(() => undefined);
    const register = {
      method: 'REGISTER',
      uri: 'sip:example.org',
      to: '<sip:alice@example.org>',
      from: '<sip:alice@example.org>',
      destination: { host: '127.0.0.1', port: server.port, transport: 'udp' as const },
      headers: [{ name: 'Contact', value: `<sip:alice@127.0.0.1:${String(phone.port)}>` }],
    };
    const refused = await phone.request({
      ...register,
      credentials: { username: 'alice', password: 'wrong' },
    });
    expect(refused.status).toBe(401);
    const response = await phone.request({
      ...register,
      credentials: { username: 'alice', password: 'correct horse' },
    });
    expect(response.status).toBe(200);
    expect(response.header('Contact')).toContain(`sip:alice@127.0.0.1:${String(phone.port)}`);
    const bindings = await registrar.lookup('sip:alice@example.org');
    expect(bindings).toHaveLength(1);
    expect(server.ua.allow).toContain('REGISTER');
  });
});
