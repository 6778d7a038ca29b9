import { request as httpRequest } from 'node:http';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createResponse, parseMessage, type SipRequest } from '../message/index.js';
import { TransportLayer } from './layer.js';
import {
  opensslAvailable,
  selfSignedCertificate,
  type TestCertificate,
} from './test-support/certificates.js';
import { WsPeer, type WsPeerOptions } from './test-support/peers.js';
import { ManualTime, Recorder, requestText, until } from './test-support/sockets.js';
import { TransportError } from './types.js';
import { WsTransport, type WsTransportOptions } from './ws.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(cleanups.splice(0).map((cleanup) => cleanup()));
});

async function listen(
  recorder: Recorder,
  options: Partial<WsTransportOptions> = {},
): Promise<WsTransport> {
  const transport = await WsTransport.listen({
    host: '127.0.0.1',
    port: 0,
    delegate: recorder,
    ...options,
  });
  cleanups.push(() => transport.close());
  return transport;
}

async function client(url: string, options?: WsPeerOptions): Promise<WsPeer> {
  const peer = await WsPeer.connect(url, options);
  cleanups.push(() => {
    peer.close();
    return Promise.resolve();
  });
  return peer;
}

function url(transport: WsTransport, path = '/'): string {
  return `${transport.protocol}://127.0.0.1:${String(transport.local.port)}${path}`;
}

function asRequest(text: string): SipRequest {
  const result = parseMessage(Buffer.from(text));
  if (!result.ok || result.message.kind !== 'request')
    throw new Error('test request does not parse');
  return result.message;
}

/** A request as a browser phone (JsSIP, SIP.js) sends it: `.invalid` sent-by, no Content-Length. */
function browserRequest(method: string, branch: string, body = ''): string {
  return [
    `${method} sip:bob@127.0.0.1 SIP/2.0`,
    `Via: SIP/2.0/WS df7jal23ls0d.invalid;branch=${branch};rport`,
    'Max-Forwards: 70',
    'To: <sip:bob@127.0.0.1>',
    'From: <sip:alice@127.0.0.1>;tag=abc',
    `Call-ID: ws-${branch}@127.0.0.1`,
    `CSeq: 1 ${method}`,
    ...(body.length > 0 ? ['Content-Type: text/plain'] : []),
    '',
    body,
  ].join('\r\n');
}

describe('WsTransport receiving (RFC 7118)', () => {
  it('takes text and binary messages without Content-Length and answers on the connection', async () => {
    const recorder = new Recorder();
    const transport = await listen(recorder);
    const layer = new TransportLayer([transport]);
    const phone = await client(url(transport));
    expect(phone.protocol).toBe('sip');
    await phone.send(browserRequest('OPTIONS', 'z9hG4bKws1'));
    await phone.send(Buffer.from(browserRequest('INVITE', 'z9hG4bKws2', 'v=0\r\n')), true);
    await until(() => recorder.messages.length === 2);
    const [first, second] = recorder.messages;
    if (first?.message.kind !== 'request' || second?.message.kind !== 'request')
      throw new Error('expected two requests');
    expect(first.source).toMatchObject({
      protocol: 'ws',
      host: '127.0.0.1',
      port: phone.localPort,
    });
    expect(first.source.connectionId).toMatch(/^ws-/);
    expect(first.message.topVia()).toMatchObject({
      transport: 'WS',
      received: '127.0.0.1',
      rport: phone.localPort,
    });
    expect(second.message.method).toBe('INVITE');
    expect(second.message.body.toString()).toBe('v=0\r\n');
    // df7jal23ls0d.invalid cannot be reached: both answers must use the connection.
    await layer.sendResponse(
      createResponse(first.message, 200, 'OK', { toTag: 't' }),
      first.source,
    );
    await layer.sendResponse(
      createResponse(second.message, 180, 'Ringing', { toTag: 't' }),
      second.source,
    );
    expect(await phone.message(0)).toMatch(/^SIP\/2\.0 200 OK\r\n[^]*CSeq: 1 OPTIONS\r\n/);
    expect(await phone.message(1)).toMatch(/^SIP\/2\.0 180 Ringing\r\n[^]*CSeq: 1 INVITE\r\n/);
    // One SIP message per WebSocket message, sent as text.
    expect(phone.messages.map((message) => message.binary)).toEqual([false, false]);
  });

  it('sends requests to a WebSocket client over its connection (found by its address)', async () => {
    const recorder = new Recorder();
    const transport = await listen(recorder);
    const layer = new TransportLayer([transport]);
    const phone = await client(url(transport));
    await phone.send(browserRequest('REGISTER', 'z9hG4bKreg'));
    const { source } = await recorder.message();
    // Later, an INVITE for the registered contact: to the address the REGISTER came from.
    const invite = asRequest(
      requestText({ method: 'INVITE', transport: 'WS', branch: 'z9hG4bKtophone' }),
    );
    const sent = await layer.sendRequest(invite, {
      protocol: 'ws',
      host: source.host,
      port: source.port,
    });
    expect(sent.request.topVia()).toMatchObject({ transport: 'WS', port: transport.local.port });
    expect(await phone.message(0)).toMatch(/^INVITE sip:bob@127\.0\.0\.1 SIP\/2\.0\r\n/);
    expect(transport.connectionCount).toBe(1);
  });

  it('refuses an upgrade that does not offer the sip subprotocol, and plain HTTP', async () => {
    const recorder = new Recorder();
    const transport = await listen(recorder);
    await expect(WsPeer.connect(url(transport), { protocols: [] })).rejects.toThrow(
      'Unexpected server response: 400',
    );
    await expect(WsPeer.connect(url(transport), { protocols: ['chat'] })).rejects.toThrow(
      'Unexpected server response: 400',
    );
    // The token is matched without case, and answered as offered.
    const upper = await client(url(transport), { protocols: ['chat', 'SIP'] });
    expect(upper.protocol).toBe('SIP');
    const status = await new Promise<number>((resolve, reject) => {
      const request = httpRequest(url(transport).replace('ws:', 'http:'), (response) => {
        response.resume();
        resolve(response.statusCode ?? 0);
      });
      request.on('error', reject);
      request.end();
    });
    expect(status).toBe(426);
    expect(recorder.discards.map((discard) => discard.reason)).toEqual([
      'upgrade-refused',
      'upgrade-refused',
    ]);
    expect(transport.connectionCount).toBe(1);
  });

  it('refuses upgrades beyond the connection limit (503)', async () => {
    const recorder = new Recorder();
    const transport = await listen(recorder, { maxConnections: 1 });
    await client(url(transport));
    await expect(WsPeer.connect(url(transport))).rejects.toThrow('Unexpected server response: 503');
    expect(recorder.discards.map((discard) => discard.detail)).toEqual([
      'connection limit reached',
    ]);
  });

  it('refuses upgrades to another path when a path is set', async () => {
    const transport = await listen(new Recorder(), { path: '/sip' });
    await expect(WsPeer.connect(url(transport, '/other'))).rejects.toThrow(
      'Unexpected server response: 404',
    );
    const phone = await client(url(transport, '/sip'));
    expect(phone.protocol).toBe('sip');
  });

  it('checks Content-Length when present: 400 when it does not match the message', async () => {
    const recorder = new Recorder();
    const transport = await listen(recorder);
    const phone = await client(url(transport));
    // Shorter than the body: bytes after it would be a second message (RFC 7118 §5.1).
    await phone.send(
      requestText({ transport: 'WS', method: 'MESSAGE', body: 'hello' }).replace(
        'Content-Length: 5',
        'Content-Length: 2',
      ),
    );
    expect(await phone.message(0)).toMatch(/^SIP\/2\.0 400 Content-Length Mismatch\r\n/);
    // Longer than the body: the parser's 400.
    await phone.send(
      requestText({ transport: 'WS', method: 'MESSAGE', body: 'hello' }).replace(
        'Content-Length: 5',
        'Content-Length: 50',
      ),
    );
    expect(await phone.message(1)).toMatch(/^SIP\/2\.0 400 /);
    // Right: delivered.
    await phone.send(requestText({ transport: 'WS', method: 'MESSAGE', body: 'hello' }));
    const { message } = await recorder.message();
    expect(message.body.toString()).toBe('hello');
    expect(recorder.messages).toHaveLength(1);
    expect(recorder.discards.map((discard) => discard.reason)).toEqual([
      'answered-parse-error',
      'answered-parse-error',
    ]);
  });

  it('closes the connection on a message over the size limit (1009)', async () => {
    const recorder = new Recorder();
    const transport = await listen(recorder, { parse: { maxMessageSize: 4_000 } });
    const phone = await client(url(transport));
    await phone.send(browserRequest('MESSAGE', 'z9hG4bKbig', 'x'.repeat(5_000)));
    await until(() => phone.closed);
    expect(phone.closeCode).toBe(1009);
    expect(recorder.messages).toHaveLength(0);
    await until(() => recorder.discards.length === 1);
    expect(recorder.discards[0]).toMatchObject({
      reason: 'connection-closed',
      detail: 'Max payload size exceeded',
    });
    expect(recorder.errors).toEqual([]);
    await until(() => transport.connectionCount === 0);
  });

  it('pings, and closes a connection that stops answering (RFC 6455 §5.5.2)', async () => {
    const time = new ManualTime();
    const transport = await listen(new Recorder(), {
      keepAliveIntervalMs: 30_000,
      idleTimeoutMs: 90_000,
      sweepIntervalMs: 10_000,
      clock: time.clock,
      timers: time,
    });
    const alive = await client(url(transport));
    const mute = await client(url(transport), { autoPong: false });
    await until(() => transport.connectionCount === 2);
    const round = async (): Promise<void> => {
      time.advance(30_000);
      await new Promise((resolve) => setTimeout(resolve, 50)); // the pongs travel
    };
    await round(); // first ping
    await round(); // second ping due: the mute one never answered the first
    await until(() => mute.closed); // at 60 s, before the 90 s idle timeout
    expect(alive.closed).toBe(false);
    await round();
    await round();
    // Two minutes without SIP traffic, longer than the idle timeout: the pongs kept it open.
    expect(alive.closed).toBe(false);
    expect(transport.connectionCount).toBe(1);
  });

  it('closes idle connections when pings are off', async () => {
    const time = new ManualTime();
    const transport = await listen(new Recorder(), {
      keepAliveIntervalMs: 0,
      idleTimeoutMs: 60_000,
      sweepIntervalMs: 10_000,
      clock: time.clock,
      timers: time,
    });
    const phone = await client(url(transport));
    await until(() => transport.connectionCount === 1);
    time.advance(50_000);
    expect(phone.closed).toBe(false);
    time.advance(10_000);
    await until(() => phone.closed && transport.connectionCount === 0);
  });
});

describe('WsTransport sending', () => {
  it('opens a WebSocket connection to a peer for a request and gets the response on it', async () => {
    const peerRecorder = new Recorder();
    const remote = await listen(peerRecorder);
    const ourRecorder = new Recorder();
    const ours = await listen(ourRecorder);
    const layer = new TransportLayer([ours]);
    const to = { host: '127.0.0.1', port: remote.local.port };
    await layer.sendRequest(asRequest(requestText({ transport: 'WS', branch: 'z9hG4bKwsout' })), {
      protocol: 'ws',
      ...to,
    });
    const { message, source } = await peerRecorder.message();
    if (message.kind !== 'request') throw new Error('expected a request');
    expect(message.topVia()).toMatchObject({ transport: 'WS', port: ours.local.port });
    await new TransportLayer([remote]).sendResponse(
      createResponse(message, 200, 'OK', { toTag: 'r' }),
      source,
    );
    const { message: response, source: from } = await ourRecorder.message();
    expect(response.kind === 'response' && response.status).toBe(200);
    expect(from.connectionId).toBe(ours.connectionTo(to));
    // A second request reuses the connection.
    await layer.sendRequest(asRequest(requestText({ transport: 'WS', branch: 'z9hG4bKwsout2' })), {
      protocol: 'ws',
      ...to,
    });
    await peerRecorder.message(1);
    expect(ours.connectionCount).toBe(1);
    expect(remote.connectionCount).toBe(1);
  });

  it('fails with a TransportError when nobody listens', async () => {
    const gone = await listen(new Recorder());
    const port = gone.local.port;
    await gone.close();
    const ours = await listen(new Recorder());
    await expect(
      ours.sendBytes(Buffer.from('x'), { host: '127.0.0.1', port }),
    ).rejects.toBeInstanceOf(TransportError);
  });
});

describe.skipIf(!opensslAvailable)('WsTransport over TLS (WSS)', () => {
  let certificate: TestCertificate;
  beforeAll(async () => {
    certificate = await selfSignedCertificate();
  });

  it('answers a wss client and reaches a wss peer, verifying its certificate', async () => {
    const tls = { cert: certificate.cert, key: certificate.key, ca: certificate.cert };
    const recorder = new Recorder();
    const transport = await listen(recorder, { tls });
    expect(transport.protocol).toBe('wss');
    const layer = new TransportLayer([transport]);
    const phone = await client(url(transport), { ca: certificate.cert });
    await phone.send(browserRequest('OPTIONS', 'z9hG4bKwss').replace('/WS ', '/WSS '));
    const { message, source } = await recorder.message();
    if (message.kind !== 'request') throw new Error('expected a request');
    expect(source.protocol).toBe('wss');
    await layer.sendResponse(createResponse(message, 200, 'OK', { toTag: 't' }), source);
    expect(await phone.message(0)).toMatch(/^SIP\/2\.0 200 OK\r\n/);

    // Outgoing: verified against the CA given; refused without it.
    const peerRecorder = new Recorder();
    const remote = await listen(peerRecorder, { tls });
    const sent = await layer.sendRequest(
      asRequest(requestText({ transport: 'WSS', branch: 'z9hG4bKwssout' })),
      { protocol: 'wss', host: '127.0.0.1', port: remote.local.port },
    );
    expect(sent.request.topVia().transport).toBe('WSS');
    await peerRecorder.message();
    const untrusting = await listen(new Recorder(), {
      tls: { cert: certificate.cert, key: certificate.key },
    });
    await expect(
      untrusting.sendBytes(Buffer.from('x'), { host: '127.0.0.1', port: remote.local.port }),
    ).rejects.toThrow(/WSS connect to 127\.0\.0\.1:\d+ failed/);
  });

  it('refuses to listen without a certificate and key', async () => {
    await expect(
      WsTransport.listen({ host: '127.0.0.1', delegate: new Recorder(), tls: {} }),
    ).rejects.toThrow('WSS on 127.0.0.1:0 needs tls.key and tls.cert (PEM)');
  });
});
