import { afterEach, describe, expect, it } from 'vitest';
import {
  parseMessage,
  parseUri,
  type SipMessage,
  type SipRequest,
  type SipResponse,
  type SipUri,
} from '../message/index.js';
import { TransportLayer } from './layer.js';
import { responseDestination, uriDestination } from './routing.js';
import { sentByMatches } from './inbound.js';
import { TcpTransport } from './tcp.js';
import { Recorder, UdpPeer, requestText, responseText, until } from './test-support/sockets.js';
import { UdpTransport } from './udp.js';
import type { Endpoint, Transport, TransportProtocol } from './types.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(cleanups.splice(0).map((cleanup) => cleanup()));
});

/** UDP and TCP on the same port, as a SIP element usually listens. */
async function element(recorder: Recorder): Promise<TransportLayer> {
  const udp = await UdpTransport.listen({ host: '127.0.0.1', delegate: recorder });
  const tcp = await TcpTransport.listen({
    host: '127.0.0.1',
    port: udp.local.port,
    delegate: recorder,
  }).catch(async (error: unknown) => {
    await udp.close();
    throw error;
  });
  const layer = new TransportLayer([udp, tcp]);
  cleanups.push(() => layer.close());
  return layer;
}

function request(text: string): SipRequest {
  const result = parseMessage(Buffer.from(text));
  if (!result.ok || result.message.kind !== 'request')
    throw new Error('test request does not parse');
  return result.message;
}

function response(via: string): SipResponse {
  const result = parseMessage(
    Buffer.from(responseText('x').replace('SIP/2.0/UDP x;branch=z9hG4bKours', via)),
  );
  if (!result.ok || result.message.kind !== 'response')
    throw new Error('test response does not parse');
  return result.message;
}

describe('TransportLayer size rule (RFC 3261 §18.1.1)', () => {
  it('sends a small request over UDP and one over 1,300 bytes over TCP, Via rewritten', async () => {
    const sender = await element(new Recorder());
    const receiverRecorder = new Recorder();
    const receiver = await element(receiverRecorder);
    const udp = sender.transport('udp');
    if (udp === undefined) throw new Error('no udp');
    const sentBy = `127.0.0.1:${String(udp.sentBy.port)}`;
    const to = {
      protocol: 'udp' as const,
      host: '127.0.0.1',
      port: receiver.transports[0]?.local.port ?? 0,
    };

    const small = await sender.sendRequest(
      request(requestText({ sentBy, branch: 'z9hG4bKsmall' })),
      to,
    );
    expect(small.transport.protocol).toBe('udp');
    const big = request(
      requestText({ sentBy, branch: 'z9hG4bKbig', method: 'MESSAGE', body: 'x'.repeat(1_400) }),
    );
    const sent = await sender.sendRequest(big, to);
    expect(sent.transport.protocol).toBe('tcp');
    expect(sent.request.topVia()).toMatchObject({
      transport: 'TCP',
      branch: 'z9hG4bKbig',
      port: sent.transport.sentBy.port,
    });

    const first = await receiverRecorder.message(0);
    const second = await receiverRecorder.message(1);
    const bySource = new Map(
      [first, second].map((received) => [received.source.protocol, received.message]),
    );
    expect(bySource.get('udp')?.topVia().branch).toBe('z9hG4bKsmall');
    expect(bySource.get('tcp')?.topVia()).toMatchObject({ transport: 'TCP', branch: 'z9hG4bKbig' });
    expect(bySource.get('tcp')?.body.length).toBe(1_400);
  });

  it('uses the path MTU when known, and never moves responses', async () => {
    const recorder = new Recorder();
    const base = await element(recorder);
    const layer = new TransportLayer(base.transports, { pathMtu: 1_000 });
    const message = request(requestText({ body: 'x'.repeat(700) }));
    expect(layer.selectTransport(message, 801, 'udp')?.protocol).toBe('tcp');
    expect(layer.selectTransport(message, 800, 'udp')?.protocol).toBe('udp');
    // A known jumbo-frame MTU lets larger requests go over UDP.
    const jumbo = new TransportLayer(base.transports, { pathMtu: 9_000 });
    expect(jumbo.selectTransport(message, 8_800, 'udp')?.protocol).toBe('udp');
    expect(jumbo.selectTransport(message, 8_801, 'udp')?.protocol).toBe('tcp');
    expect(layer.selectTransport(response('SIP/2.0/UDP a'), 5_000, 'udp')?.protocol).toBe('udp');
    expect(new TransportLayer([]).selectTransport(message, 10, 'tcp')).toBeUndefined();
  });

  it('falls back to UDP when the TCP connection is refused', async () => {
    const sender = await element(new Recorder());
    const phone = await UdpPeer.open();
    cleanups.push(() => phone.close());
    const big = request(requestText({ method: 'MESSAGE', body: 'y'.repeat(1_400) }));
    const sent = await sender.sendRequest(big, {
      protocol: 'udp',
      host: '127.0.0.1',
      port: phone.port,
    });
    expect(sent.transport.protocol).toBe('udp');
    // The Via named 127.0.0.1:5999: it now names the UDP transport responses must come back to.
    const sentBy = `127.0.0.1:${String(sent.transport.sentBy.port)}`;
    expect(sent.request.header('Via')).toBe(`SIP/2.0/UDP ${sentBy};branch=z9hG4bKtest1`);
    const datagram = await phone.datagram();
    expect(datagram).toContain('y'.repeat(1_400));
    expect(datagram).toContain(`Via: SIP/2.0/UDP ${sentBy};branch=z9hG4bKtest1\r\n`);
  });
});

describe('the ACK and CANCEL of an INVITE moved to TCP', () => {
  it('go over TCP too, with the same top Via (§17.1.1.3, §9.1)', async () => {
    const sender = await element(new Recorder());
    const receiverRecorder = new Recorder();
    const receiver = await element(receiverRecorder);
    const to = {
      protocol: 'udp' as const,
      host: '127.0.0.1',
      port: receiver.transports[0]?.local.port ?? 0,
    };
    const sentBy = `127.0.0.1:${String(sender.transports[0]?.sentBy.port ?? 0)}`;
    const invite = request(
      requestText({
        method: 'INVITE',
        sentBy,
        branch: 'z9hG4bKbiginvite',
        body: 'v'.repeat(1_400),
      }),
    );
    const sent = await sender.sendRequest(invite, to);
    expect(sent.transport.protocol).toBe('tcp');
    for (const method of ['CANCEL', 'ACK']) {
      const small = request(requestText({ method, sentBy, branch: 'z9hG4bKbiginvite' }));
      const followed = await sender.sendRequest(small, to);
      expect(followed.transport.protocol).toBe('tcp');
      expect(followed.request.header('Via')).toBe(sent.request.header('Via'));
    }
    // Another small request with another branch goes over UDP as asked.
    const other = await sender.sendRequest(
      request(requestText({ method: 'OPTIONS', sentBy, branch: 'z9hG4bKsmall2' })),
      to,
    );
    expect(other.transport.protocol).toBe('udp');
    await until(() => receiverRecorder.messages.length === 4);
    // UDP may overtake TCP: compare without order.
    expect(
      receiverRecorder.messages
        .map(({ message, source }) =>
          [message.kind === 'request' ? message.method : '', source.protocol].join(' '),
        )
        .sort(),
    ).toEqual(['ACK tcp', 'CANCEL tcp', 'INVITE tcp', 'OPTIONS udp']);
  });
});

/** A transport that records what it is given, for the layer's choices. */
class FakeTransport implements Transport {
  readonly sent: { bytes: string; destination: Endpoint; message?: SipMessage }[] = [];
  constructor(
    readonly protocol: TransportProtocol,
    readonly local: Endpoint,
    readonly sentBy: Endpoint = local,
  ) {}

  send(): Promise<void> {
    return Promise.reject(new Error('not used'));
  }

  sendBytes(bytes: Buffer, destination: Endpoint, _id?: string, message?: SipMessage) {
    this.sent.push({
      bytes: bytes.toString(),
      destination,
      ...(message === undefined ? {} : { message }),
    });
    return Promise.resolve();
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}

describe('choosing the transport of a request (several listening addresses)', () => {
  const udp4 = new FakeTransport('udp', { host: '192.0.2.10', port: 5060 });
  const udp6 = new FakeTransport('udp', { host: '2001:db8::10', port: 5060 });
  const tls = new FakeTransport(
    'tls',
    { host: '0.0.0.0', port: 5061 },
    { host: 'sip.example.org', port: 5061 },
  );
  const ws = new FakeTransport('ws', { host: '0.0.0.0', port: 8080 });
  const layer = new TransportLayer([udp4, udp6, tls, ws]);

  it('picks one of the protocol asked for, of the address family of the destination', () => {
    expect(layer.transportFor({ protocol: 'udp', host: '198.51.100.1', port: 5060 })).toBe(udp4);
    expect(layer.transportFor({ protocol: 'udp', host: '2001:db8::1', port: 5060 })).toBe(udp6);
    expect(layer.transportFor({ protocol: 'udp', host: 'example.com', port: 5060 })).toBe(udp4);
    expect(layer.transportFor({ protocol: 'tls', host: '2001:db8::1', port: 5061 })).toBe(tls);
    expect(layer.transportFor({ protocol: 'tcp', host: '198.51.100.1', port: 5060 })).toBe(
      undefined,
    );
  });

  it("writes the chosen transport's name and sent-by in the top Via", async () => {
    const invite = request(requestText({ method: 'INVITE', sentBy: '127.0.0.1:5999' }));
    const viaOf = async (protocol: TransportProtocol, host: string) =>
      (await layer.sendRequest(invite, { protocol, host, port: 5000 })).request.header('Via');
    expect(await viaOf('udp', '2001:db8::1')).toBe(
      'SIP/2.0/UDP [2001:db8::10]:5060;branch=z9hG4bKtest1',
    );
    expect(await viaOf('tls', 'peer.example.org')).toBe(
      'SIP/2.0/TLS sip.example.org:5061;branch=z9hG4bKtest1',
    );
    // Listening on a wildcard without a sent-by: the Via keeps its host, takes the port.
    expect(await viaOf('ws', '198.51.100.1')).toBe('SIP/2.0/WS 127.0.0.1:8080;branch=z9hG4bKtest1');
    expect(tls.sent[0]?.bytes).toContain('\r\nVia: SIP/2.0/TLS sip.example.org:5061;branch=');
    expect(tls.sent[0]?.message?.kind).toBe('request');
    // A Via that already names the transport is left as it is.
    const ours = request(requestText({ transport: 'TLS', sentBy: 'sip.example.org:5061' }));
    const sent = await layer.sendRequest(ours, { protocol: 'tls', host: '192.0.2.1', port: 5061 });
    expect(sent.request).toBe(ours);
    await expect(
      layer.sendRequest(ours, { protocol: 'wss', host: '192.0.2.1', port: 443 }),
    ).rejects.toThrow('no WSS transport');
  });
});

describe('URI to destination (RFC 3263 §4.1 without DNS, RFC 7118 §5.3)', () => {
  it.each([
    ['sip:bob@192.0.2.1', { protocol: 'udp', host: '192.0.2.1', port: 5060 }],
    ['sip:bob@192.0.2.1:5070;transport=TCP', { protocol: 'tcp', host: '192.0.2.1', port: 5070 }],
    ['sip:bob@example.com;transport=tls', { protocol: 'tls', host: 'example.com', port: 5061 }],
    ['sips:bob@example.com', { protocol: 'tls', host: 'example.com', port: 5061 }],
    ['sips:bob@example.com;transport=tcp', { protocol: 'tls', host: 'example.com', port: 5061 }],
    ['sip:bob@ws.example.com;transport=ws', { protocol: 'ws', host: 'ws.example.com', port: 80 }],
    [
      'sips:bob@ws.example.com:8443;transport=ws',
      { protocol: 'wss', host: 'ws.example.com', port: 8443 },
    ],
    ['sip:bob@[2001:db8::1]:5080', { protocol: 'udp', host: '2001:db8::1', port: 5080 }],
    [
      'sip:bob@example.com;maddr=192.0.2.9;transport=tcp',
      { protocol: 'tcp', host: '192.0.2.9', port: 5060 },
    ],
  ])('%s', (text, expected) => {
    expect(uriDestination(parseUri(text) as SipUri)).toEqual(expected);
  });

  it('refuses sips: over UDP and transports it does not speak', () => {
    expect(() => uriDestination(parseUri('sips:bob@example.com;transport=udp') as SipUri)).toThrow(
      'a sips: URI cannot be reached over UDP',
    );
    expect(() => uriDestination(parseUri('sip:bob@example.com;transport=sctp') as SipUri)).toThrow(
      'no SCTP transport',
    );
  });
});

describe('response routing (RFC 3261 §18.2.2, RFC 3581 §4)', () => {
  it.each([
    [
      'SIP/2.0/UDP 192.0.2.1:5070;branch=z9hG4bK1',
      { protocol: 'udp', host: '192.0.2.1', port: 5070 },
    ],
    [
      'SIP/2.0/UDP pc.example.com;branch=z9hG4bK1',
      { protocol: 'udp', host: 'pc.example.com', port: 5060 },
    ],
    [
      'SIP/2.0/UDP pc.example.com:5070;branch=z9hG4bK1;received=192.0.2.1',
      { protocol: 'udp', host: '192.0.2.1', port: 5070 },
    ],
    [
      'SIP/2.0/UDP 10.0.0.1:5070;branch=z9hG4bK1;received=192.0.2.1;rport=40000',
      { protocol: 'udp', host: '192.0.2.1', port: 40000 },
    ],
    // rport only steers unreliable transports; TCP uses the connection or the sent-by port.
    [
      'SIP/2.0/TCP 10.0.0.1:5070;branch=z9hG4bK1;received=192.0.2.1;rport=40000',
      { protocol: 'tcp', host: '192.0.2.1', port: 5070 },
    ],
    [
      'SIP/2.0/UDP 10.0.0.1;branch=z9hG4bK1;maddr=239.255.255.1;received=192.0.2.1',
      { protocol: 'udp', host: '239.255.255.1', port: 5060 },
    ],
    [
      'SIP/2.0/UDP [2001:db8::1]:5070;branch=z9hG4bK1',
      { protocol: 'udp', host: '2001:db8::1', port: 5070 },
    ],
    // A sent-by without a port: 5061 for TLS (§18.2.2); rport never steers TLS or WebSocket.
    [
      'SIP/2.0/TLS pc.example.com;branch=z9hG4bK1;received=192.0.2.1;rport=40000',
      { protocol: 'tls', host: '192.0.2.1', port: 5061 },
    ],
    [
      'SIP/2.0/WSS abc.invalid;branch=z9hG4bK1;received=192.0.2.1;rport=40000',
      { protocol: 'wss', host: '192.0.2.1', port: 443 },
    ],
  ])('%s', (via, expected) => {
    expect(responseDestination(response(via))).toEqual(expected);
  });

  it('matches our sent-by by host (any case, brackets) and port, 5060 by default', () => {
    const via = (text: string) => response(text).topVia();
    expect(
      sentByMatches(via('SIP/2.0/UDP Proxy.Example.com;branch=z9hG4bK1'), {
        host: 'proxy.example.com',
        port: 5060,
      }),
    ).toBe(true);
    expect(
      sentByMatches(via('SIP/2.0/UDP [2001:db8::1]:5070;branch=z9hG4bK1'), {
        host: '2001:db8::1',
        port: 5070,
      }),
    ).toBe(true);
    expect(
      sentByMatches(via('SIP/2.0/UDP 192.0.2.1:5070;branch=z9hG4bK1'), {
        host: '192.0.2.1',
        port: 5060,
      }),
    ).toBe(false);
    expect(
      sentByMatches(via('SIP/2.0/UDP 192.0.2.2:5060;branch=z9hG4bK1'), {
        host: '192.0.2.1',
        port: 5060,
      }),
    ).toBe(false);
    // Listening on a wildcard address without a configured sent-by: only the port can be checked.
    expect(
      sentByMatches(via('SIP/2.0/UDP 192.0.2.2:5060;branch=z9hG4bK1'), {
        host: '0.0.0.0',
        port: 5060,
      }),
    ).toBe(true);
  });

  it('refuses a response for a transport the layer does not have', async () => {
    await expect(
      new TransportLayer([]).sendResponse(response('SIP/2.0/SCTP 192.0.2.1;branch=z9hG4bK1')),
    ).rejects.toThrow(/no SCTP transport/);
    await expect(
      new TransportLayer([]).sendResponse(response('SIP/2.0/UDP 192.0.2.1;branch=z9hG4bK1')),
    ).rejects.toThrow(/no UDP transport/);
  });
});
