import { afterEach, describe, expect, it } from 'vitest';
import { createResponse, parseMessage, type SipRequest } from '../message/index.js';
import { TransportLayer } from './layer.js';
import { TcpTransport, type TcpTransportOptions } from './tcp.js';
import {
  ManualTime,
  Recorder,
  TcpPeer,
  malformedRequestText,
  requestText,
  responseText,
  until,
} from './test-support/sockets.js';
import { TransportError } from './types.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(cleanups.splice(0).map((cleanup) => cleanup()));
});

async function listen(
  recorder: Recorder,
  options: Partial<TcpTransportOptions> = {},
): Promise<TcpTransport> {
  const transport = await TcpTransport.listen({
    host: '127.0.0.1',
    port: 0,
    delegate: recorder,
    ...options,
  });
  cleanups.push(() => transport.close());
  return transport;
}

async function peer(port: number): Promise<TcpPeer> {
  const tcp = await TcpPeer.connect(port);
  cleanups.push(() => {
    tcp.close();
    return Promise.resolve();
  });
  return tcp;
}

function asRequest(text: string): SipRequest {
  const result = parseMessage(Buffer.from(text));
  if (!result.ok || result.message.kind !== 'request')
    throw new Error('test request does not parse');
  return result.message;
}

function methods(recorder: Recorder): string[] {
  return recorder.messages.map(({ message }) =>
    message.kind === 'request' ? message.method : String(message.status),
  );
}

describe('TcpTransport receiving', () => {
  it('delivers a request with its connection, and the response goes back on it', async () => {
    const recorder = new Recorder();
    const transport = await listen(recorder);
    const layer = new TransportLayer([transport]);
    const phone = await peer(transport.local.port);
    await phone.write(requestText({ transport: 'TCP', sentBy: '127.0.0.1:5999', rport: true }));
    const { message, source } = await recorder.message();
    if (message.kind !== 'request') throw new Error('expected a request');
    expect(source).toMatchObject({ protocol: 'tcp', host: '127.0.0.1', port: phone.localPort });
    expect(source.connectionId).toMatch(/^tcp-/);
    expect(message.topVia()).toMatchObject({ received: '127.0.0.1', rport: phone.localPort });
    // Port 5999 listens on nothing: the only way the phone gets this is its own connection.
    await layer.sendResponse(createResponse(message, 200, 'OK', { toTag: 't' }), source);
    await phone.waitFor('SIP/2.0 200 OK\r\n');
    // Without the source, the pooled connection is found from received/rport.
    await layer.sendResponse(createResponse(message, 202, 'Accepted', { toTag: 't' }));
    await phone.waitFor('SIP/2.0 202 Accepted\r\n');
    expect(transport.connectionCount).toBe(1);
  });

  it('answers a malformed request with 400 on the connection, which stays open', async () => {
    const recorder = new Recorder();
    const transport = await listen(recorder);
    const phone = await peer(transport.local.port);
    await phone.write(malformedRequestText('TCP'));
    await phone.waitFor('SIP/2.0 400 ');
    await phone.write(requestText({ transport: 'TCP' }));
    await recorder.message();
    expect(phone.closed).toBe(false);
  });

  it('reassembles a message written one byte at a time', async () => {
    const recorder = new Recorder();
    const transport = await listen(recorder);
    const phone = await peer(transport.local.port);
    const bytes = Buffer.from(
      requestText({ transport: 'TCP', method: 'MESSAGE', body: 'hello there' }),
    );
    for (const byte of bytes) await phone.write(Buffer.from([byte]));
    const { message } = await recorder.message();
    expect(message.body.toString()).toBe('hello there');
    expect(recorder.messages).toHaveLength(1);
  });

  it('frames two messages arriving in one chunk', async () => {
    const recorder = new Recorder();
    const transport = await listen(recorder);
    const phone = await peer(transport.local.port);
    await phone.write(
      requestText({ transport: 'TCP', method: 'OPTIONS' }) +
        requestText({ transport: 'TCP', method: 'INFO' }),
    );
    await until(() => recorder.messages.length === 2);
    expect(methods(recorder)).toEqual(['OPTIONS', 'INFO']);
  });

  it('answers a CRLFCRLF ping with a CRLF pong (RFC 5626 §4.4.1)', async () => {
    const transport = await listen(new Recorder());
    const phone = await peer(transport.local.port);
    await phone.write('\r\n\r\n');
    await until(() => phone.received === '\r\n');
    await phone.write('\r\n\r\n');
    await until(() => phone.received === '\r\n\r\n');
  });

  it('answers a request without Content-Length and closes: the framing is lost (§18.3)', async () => {
    const recorder = new Recorder();
    const transport = await listen(recorder);
    const phone = await peer(transport.local.port);
    await phone.write(requestText({ transport: 'TCP' }).replace('Content-Length: 0\r\n', ''));
    await phone.waitFor('SIP/2.0 400 ');
    await until(() => phone.closed);
    expect(recorder.discards.map((discard) => discard.reason)).toEqual(['connection-closed']);
    await until(() => transport.connectionCount === 0);
  });

  it('closes a connection that buffers too much', async () => {
    const recorder = new Recorder();
    const transport = await listen(recorder, { maxBufferedBytes: 1_000 });
    const phone = await peer(transport.local.port);
    await phone.write(`OPTIONS sip:x SIP/2.0\r\nX-Junk: ${'a'.repeat(2_000)}`);
    await until(() => phone.closed);
    expect(recorder.discards[0]?.detail).toBe('over 1000 bytes buffered');
  });

  it('drops responses whose top Via is not our sent-by', async () => {
    const recorder = new Recorder();
    const transport = await listen(recorder);
    const phone = await peer(transport.local.port);
    await phone.write(
      responseText('192.0.2.9:5060', 'TCP') +
        responseText(`127.0.0.1:${String(transport.local.port)}`, 'TCP'),
    );
    await until(() => recorder.messages.length === 1 && recorder.discards.length === 1);
    expect(recorder.discards[0]?.reason).toBe('sent-by-mismatch');
  });

  it('closes idle connections after the idle timeout (injected clock and timers)', async () => {
    const time = new ManualTime();
    const recorder = new Recorder();
    const transport = await listen(recorder, {
      idleTimeoutMs: 60_000,
      sweepIntervalMs: 10_000,
      clock: time.clock,
      timers: time,
    });
    const layer = new TransportLayer([transport]);
    const quiet = await peer(transport.local.port);
    const busy = await peer(transport.local.port);
    await until(() => transport.connectionCount === 2);
    time.advance(40_000);
    await busy.write(requestText({ transport: 'TCP' }));
    const { message, source } = await recorder.message();
    if (message.kind !== 'request') throw new Error('expected a request');
    await layer.sendResponse(createResponse(message, 200, 'OK', { toTag: 't' }), source);
    await busy.waitFor('SIP/2.0 200 OK');
    time.advance(30_000);
    await until(() => quiet.closed);
    expect(busy.closed).toBe(false);
    time.advance(60_000);
    await until(() => busy.closed && transport.connectionCount === 0);
  });

  it('never closes a connection as idle while a transaction uses it', async () => {
    const time = new ManualTime();
    const recorder = new Recorder();
    const transport = await listen(recorder, {
      idleTimeoutMs: 10_000,
      sweepIntervalMs: 1_000,
      clock: time.clock,
      timers: time,
    });
    const layer = new TransportLayer([transport]);
    const phone = await peer(transport.local.port);
    await phone.write(requestText({ transport: 'TCP', method: 'INVITE' }));
    const { message, source } = await recorder.message();
    if (message.kind !== 'request' || source.connectionId === undefined)
      throw new Error('expected a request on a connection');
    expect(transport.connectionInUse(source.connectionId)).toBe(true);
    // Five minutes without a byte either way (the idle timeout is ten seconds): the INVITE
    // server transaction still needs the connection for its final response.
    time.advance(300_000);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(phone.closed).toBe(false);
    // After a final response to an INVITE, the ACK (non-2xx) or the 2xx retransmissions may
    // still need the connection for 64·T1 = 32 s; then it is idle like any other.
    await layer.sendResponse(createResponse(message, 486, 'Busy Here', { toTag: 't' }), source);
    await phone.waitFor('SIP/2.0 486 Busy Here');
    time.advance(30_000);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(phone.closed).toBe(false);
    expect(transport.connectionInUse(source.connectionId)).toBe(true);
    time.advance(3_000);
    await until(() => phone.closed && transport.connectionCount === 0);
  });

  it('forgets a transaction whose final response never comes after transactionTimeoutMs', async () => {
    const time = new ManualTime();
    const recorder = new Recorder();
    const transport = await listen(recorder, {
      idleTimeoutMs: 60_000,
      sweepIntervalMs: 10_000,
      transactionTimeoutMs: 120_000,
      clock: time.clock,
      timers: time,
    });
    const phone = await peer(transport.local.port);
    await phone.write(requestText({ transport: 'TCP', method: 'MESSAGE', body: 'hi' }));
    await recorder.message();
    time.advance(100_000);
    expect(phone.closed).toBe(false);
    time.advance(30_000);
    await until(() => phone.closed);
  });

  it('refuses connections beyond the limit', async () => {
    const transport = await listen(new Recorder(), { maxConnections: 1 });
    await peer(transport.local.port);
    await until(() => transport.connectionCount === 1);
    const second = await peer(transport.local.port);
    await until(() => second.closed);
    expect(transport.connectionCount).toBe(1);
  });
});

describe('TcpTransport sending', () => {
  it('reuses one connection per remote address', async () => {
    const a = await listen(new Recorder());
    const bRecorder = new Recorder();
    const b = await listen(bRecorder);
    const to = { host: '127.0.0.1', port: b.local.port };
    // Two sends at once share the connection being opened.
    await Promise.all([
      a.send(asRequest(requestText({ transport: 'TCP', branch: 'z9hG4bK1' })), to),
      a.send(asRequest(requestText({ transport: 'TCP', branch: 'z9hG4bK2' })), to),
    ]);
    await a.send(asRequest(requestText({ transport: 'TCP', branch: 'z9hG4bK3' })), to);
    await until(() => bRecorder.messages.length === 3);
    expect(a.connectionCount).toBe(1);
    expect(b.connectionCount).toBe(1);
    expect(a.connectionTo(to)).toMatch(/^tcp-/);
  });

  it('opens a new connection to the sent-by when the request connection is gone', async () => {
    const serverRecorder = new Recorder();
    const server = await listen(serverRecorder);
    const phoneRecorder = new Recorder();
    const phone = await listen(phoneRecorder);
    const layer = new TransportLayer([server]);
    const raw = await peer(server.local.port);
    await raw.write(
      requestText({ transport: 'TCP', sentBy: `127.0.0.1:${String(phone.local.port)}` }),
    );
    const { message, source } = await serverRecorder.message();
    if (message.kind !== 'request') throw new Error('expected a request');
    raw.close();
    await until(() => server.connectionCount === 0);
    await layer.sendResponse(createResponse(message, 486, 'Busy Here', { toTag: 'b' }), source);
    const { message: response } = await phoneRecorder.message();
    expect(response.kind === 'response' && response.status).toBe(486);
  });

  it('rejects with a TransportError when the peer refuses, and after close', async () => {
    const free = await listen(new Recorder());
    const port = free.local.port;
    await free.close();
    const transport = await listen(new Recorder());
    await expect(
      transport.sendBytes(Buffer.from('x'), { host: '127.0.0.1', port }),
    ).rejects.toBeInstanceOf(TransportError);
    await transport.close();
    await expect(
      transport.sendBytes(Buffer.from('x'), { host: '127.0.0.1', port }),
    ).rejects.toThrow(/closed/);
  });
});
