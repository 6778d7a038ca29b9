/**
 * startSipStack with a list of listening addresses (UDP, TCP, TLS, WS, WSS): real clients on
 * 127.0.0.1 (node:tls, ws) talk to a stack, and a stack sends over TLS and WebSocket to another,
 * with the Via of each request naming the listening address of the transport it went over.
 */
import { createSocket } from 'node:dgram';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createResponse, parseUri, type SipRequest, type SipUri } from '../message/index.js';
import { request, RecordingUser } from '../transaction/test-support/fixtures.js';
import type { TransactionLayerDelegate } from '../transaction/index.js';
import {
  opensslAvailable,
  selfSignedCertificate,
  type TestCertificate,
} from '../transport/test-support/certificates.js';
import { TlsPeer, WsPeer } from '../transport/test-support/peers.js';
import { requestText, until } from '../transport/test-support/sockets.js';
import { TransportError, uriDestination, type TransportProtocol } from '../transport/index.js';
import { startSipStack, type SipStack, type SipStackOptions } from './stack.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(cleanups.splice(0).map((cleanup) => cleanup()));
});

/** Answers OPTIONS 200 and anything else 486, and remembers what it got. */
class Responder implements TransactionLayerDelegate {
  readonly requests: SipRequest[] = [];
  onRequest: TransactionLayerDelegate['onRequest'] = (message, transaction) => {
    this.requests.push(message);
    transaction.respond(
      createResponse(message, message.method === 'OPTIONS' ? 200 : 486, undefined, {
        toTag: 'uas',
      }),
    );
  };
  onCancel: TransactionLayerDelegate['onCancel'] = (cancel, transaction) => {
    transaction.respond(createResponse(cancel, 481));
  };
  onAck: TransactionLayerDelegate['onAck'] = () => undefined;
  onStrayResponse: TransactionLayerDelegate['onStrayResponse'] = () => undefined;
}

async function stack(options: Omit<SipStackOptions, 'delegate'>, delegate = new Responder()) {
  const started = await startSipStack({ ...options, delegate });
  cleanups.push(() => started.close());
  return { stack: started, delegate };
}

function portOf(sip: SipStack, protocol: TransportProtocol): number {
  const transport = sip.transports.transport(protocol);
  if (transport === undefined) throw new Error(`no ${protocol}`);
  return transport.local.port;
}

function every(tls: TestCertificate | undefined): SipStackOptions['listen'] {
  return [
    { transport: 'udp', host: '127.0.0.1' },
    { transport: 'tcp', host: '127.0.0.1' },
    ...(tls === undefined
      ? []
      : ([
          { transport: 'tls', host: '127.0.0.1' },
          { transport: 'wss', host: '127.0.0.1' },
        ] as const)),
    { transport: 'ws', host: '127.0.0.1' },
  ];
}

function statusLines(text: string): string[] {
  return [...text.matchAll(/SIP\/2\.0 (\d{3}) /g)].map((match) => match[1] ?? '');
}

let certificate: TestCertificate | undefined;
beforeAll(async () => {
  if (opensslAvailable) certificate = await selfSignedCertificate();
});

function tlsOptions(): SipStackOptions['tls'] {
  if (certificate === undefined) return undefined;
  return { cert: certificate.cert, key: certificate.key, ca: certificate.cert };
}

describe('startSipStack({ listen })', () => {
  it('listens on every address given, each with its own port', async () => {
    const { stack: sip } = await stack({ listen: every(certificate), tls: tlsOptions() });
    const protocols = sip.transports.transports.map((transport) => transport.protocol);
    expect(protocols).toEqual(
      certificate === undefined ? ['udp', 'tcp', 'ws'] : ['udp', 'tcp', 'tls', 'wss', 'ws'],
    );
    expect(sip.port).toBe(portOf(sip, 'udp'));
    for (const transport of sip.transports.transports)
      expect(transport.local.port).toBeGreaterThan(0);
  });

  it('answers a WebSocket client (ws) on its connection, INVITE and OPTIONS', async () => {
    const { stack: sip, delegate } = await stack({ listen: every(undefined) });
    const phone = await WsPeer.connect(`ws://127.0.0.1:${String(portOf(sip, 'ws'))}/`);
    cleanups.push(() => {
      phone.close();
      return Promise.resolve();
    });
    await phone.send(requestText({ transport: 'WS', sentBy: 'ab12.invalid', rport: true }));
    await phone.send(
      requestText({
        transport: 'WS',
        sentBy: 'ab12.invalid',
        method: 'INVITE',
        branch: 'z9hG4bKi',
      }),
    );
    await until(() => phone.messages.length === 2);
    expect(phone.messages.map((message) => statusLines(message.text)[0])).toEqual(['200', '486']);
    expect(delegate.requests.map((message) => message.method)).toEqual(['OPTIONS', 'INVITE']);
    // The INVITE's non-2xx is acknowledged hop by hop, on the same connection (§17.1.1.3).
    const ack = requestText({
      transport: 'WS',
      sentBy: 'ab12.invalid',
      method: 'ACK',
      branch: 'z9hG4bKi',
    }).replace('To: <sip:bob@127.0.0.1>', 'To: <sip:bob@127.0.0.1>;tag=uas');
    await phone.send(ack);
    await until(() => sip.transactions.serverCount === 0);
  });

  it('sends a request over WS to another stack, with a Via naming its WS address', async () => {
    const { stack: remote, delegate } = await stack({ listen: every(undefined) });
    const { stack: sip } = await stack({ listen: every(undefined) });
    const user = new RecordingUser();
    sip.transactions.sendRequest(
      request({ method: 'OPTIONS', branch: null }),
      { transport: 'ws', host: '127.0.0.1', port: portOf(remote, 'ws') },
      user,
    );
    await until(() => user.responses.length > 0);
    expect(user.statuses()).toEqual([200]);
    expect(delegate.requests[0]?.topVia()).toMatchObject({
      transport: 'WS',
      host: '127.0.0.1',
      port: portOf(sip, 'ws'),
    });
  });

  it('refuses an empty list and an unknown transport, and closes what it opened on failure', async () => {
    await expect(stack({ listen: [] })).rejects.toThrow('at least one address');
    await expect(
      stack({ listen: [{ transport: 'sctp' as TransportProtocol, host: '127.0.0.1' }] }),
    ).rejects.toThrow('unknown transport "sctp"');
    // A UDP port taken by someone else makes the second address fail: the first is closed again.
    const squatter = createSocket('udp4');
    await new Promise<void>((resolve) => {
      squatter.bind(0, '127.0.0.1', resolve);
    });
    cleanups.push(
      () =>
        new Promise((resolve) => {
          squatter.close(() => {
            resolve();
          });
        }),
    );
    const { stack: probe } = await stack({ listen: [{ transport: 'tcp', host: '127.0.0.1' }] });
    const tcpPort = portOf(probe, 'tcp');
    await probe.close();
    await expect(
      stack({
        listen: [
          { transport: 'tcp', host: '127.0.0.1', port: tcpPort },
          { transport: 'udp', host: '127.0.0.1', port: squatter.address().port },
        ],
      }),
    ).rejects.toBeInstanceOf(TransportError);
    const { stack: again } = await stack({
      listen: [{ transport: 'tcp', host: '127.0.0.1', port: tcpPort }],
    });
    expect(portOf(again, 'tcp')).toBe(tcpPort);
  });

  it('keeps host/port/tcp meaning UDP and TCP on one port', async () => {
    const { stack: sip } = await stack({ host: '127.0.0.1' });
    expect(sip.transports.transports.map((transport) => transport.protocol)).toEqual([
      'udp',
      'tcp',
    ]);
    expect(portOf(sip, 'tcp')).toBe(sip.port);
  });
});

describe.skipIf(!opensslAvailable)('startSipStack over TLS and WSS', () => {
  it('answers a TLS client on its connection', async () => {
    const { stack: sip, delegate } = await stack({ listen: every(certificate), tls: tlsOptions() });
    const phone = await TlsPeer.connect(portOf(sip, 'tls'), certificate?.cert ?? '');
    cleanups.push(() => {
      phone.close();
      return Promise.resolve();
    });
    await phone.write(
      requestText({ transport: 'TLS', sentBy: 'phone.invalid:5061' }) +
        requestText({
          transport: 'TLS',
          sentBy: 'phone.invalid:5061',
          method: 'INVITE',
          branch: 'z9hG4bKt',
        }),
    );
    await until(() => statusLines(phone.received).length === 2);
    expect(statusLines(phone.received)).toEqual(['200', '486']);
    expect(delegate.requests.map((message) => message.topVia().transport)).toEqual(['TLS', 'TLS']);
  });

  it('answers a WSS client on its connection', async () => {
    const { stack: sip } = await stack({ listen: every(certificate), tls: tlsOptions() });
    const phone = await WsPeer.connect(`wss://127.0.0.1:${String(portOf(sip, 'wss'))}/`, {
      ca: certificate?.cert ?? '',
    });
    cleanups.push(() => {
      phone.close();
      return Promise.resolve();
    });
    await phone.send(requestText({ transport: 'WSS', sentBy: 'x.invalid' }));
    expect(statusLines(await phone.message(0))).toEqual(['200']);
  });

  it('sends to a sips: URI over TLS and to transport=ws over WSS, each Via naming its listening address', async () => {
    const { stack: remote, delegate } = await stack({
      listen: every(certificate),
      tls: tlsOptions(),
    });
    const { stack: sip } = await stack({ listen: every(certificate), tls: tlsOptions() });
    const targets = [
      `sips:bob@127.0.0.1:${String(portOf(remote, 'tls'))}`,
      `sips:bob@127.0.0.1:${String(portOf(remote, 'wss'))};transport=ws`,
    ];
    for (const [index, target] of targets.entries()) {
      const destination = uriDestination(parseUri(target) as SipUri);
      const user = new RecordingUser();
      sip.transactions.sendRequest(
        request({ method: 'OPTIONS', branch: `z9hG4bKsips${String(index)}` }),
        { transport: destination.protocol, host: destination.host, port: destination.port },
        user,
      );
      await until(() => user.responses.length > 0);
      expect(user.statuses()).toEqual([200]);
    }
    expect(delegate.requests.map((message) => message.topVia())).toMatchObject([
      { transport: 'TLS', host: '127.0.0.1', port: portOf(sip, 'tls') },
      { transport: 'WSS', host: '127.0.0.1', port: portOf(sip, 'wss') },
    ]);
  });

  it('fails the transaction when the TLS peer cannot be verified', async () => {
    const { stack: remote } = await stack({ listen: every(certificate), tls: tlsOptions() });
    const strict = await stack({
      listen: [{ transport: 'tls', host: '127.0.0.1' }],
      // Our certificate, but no CA: the peer's self-signed certificate is not trusted.
      tls: { cert: certificate?.cert ?? '', key: certificate?.key ?? '' },
    });
    const user = new RecordingUser();
    strict.stack.transactions.sendRequest(
      request({ method: 'OPTIONS', branch: null }),
      { transport: 'tls', host: '127.0.0.1', port: portOf(remote, 'tls') },
      user,
    );
    await until(() => user.failures.length > 0);
    expect(user.failures[0]?.kind).toBe('transport');
  });
});
