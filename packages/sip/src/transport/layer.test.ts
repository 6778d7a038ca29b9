import { afterEach, describe, expect, it } from 'vitest';
import { parseMessage, type SipRequest, type SipResponse } from '../message/index.js';
import { TransportLayer } from './layer.js';
import { responseDestination } from './routing.js';
import { sentByMatches } from './inbound.js';
import { TcpTransport } from './tcp.js';
import { Recorder, UdpPeer, requestText, responseText } from './test-support/sockets.js';
import { UdpTransport } from './udp.js';

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
    expect(sent.request).toBe(big);
    expect(await phone.datagram()).toContain('y'.repeat(1_400));
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
