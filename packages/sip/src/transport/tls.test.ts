import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createResponse, parseMessage, type SipRequest } from '../message/index.js';
import { TransportLayer } from './layer.js';
import { TlsTransport, type TlsTransportOptions } from './tls.js';
import {
  opensslAvailable,
  selfSignedCertificate,
  type TestCertificate,
} from './test-support/certificates.js';
import { TlsPeer } from './test-support/peers.js';
import { ManualTime, Recorder, TcpPeer, requestText, until } from './test-support/sockets.js';
import { TransportError } from './types.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(cleanups.splice(0).map((cleanup) => cleanup()));
});

let server: TestCertificate;
let other: TestCertificate;
beforeAll(async () => {
  if (!opensslAvailable) return;
  [server, other] = await Promise.all([selfSignedCertificate(), selfSignedCertificate()]);
});

async function listen(
  recorder: Recorder,
  options: Partial<TlsTransportOptions> = {},
): Promise<TlsTransport> {
  const transport = await TlsTransport.listen({
    host: '127.0.0.1',
    port: 0,
    delegate: recorder,
    tls: { cert: server.cert, key: server.key, ca: server.cert },
    ...options,
  });
  cleanups.push(() => transport.close());
  return transport;
}

async function peer(port: number): Promise<TlsPeer> {
  const tls = await TlsPeer.connect(port, server.cert);
  cleanups.push(() => {
    tls.close();
    return Promise.resolve();
  });
  return tls;
}

function asRequest(text: string): SipRequest {
  const result = parseMessage(Buffer.from(text));
  if (!result.ok || result.message.kind !== 'request')
    throw new Error('test request does not parse');
  return result.message;
}

describe.skipIf(!opensslAvailable)('TlsTransport (RFC 3261 §26.2)', () => {
  it('receives OPTIONS and INVITE from a TLS client and answers on the same connection', async () => {
    const recorder = new Recorder();
    const transport = await listen(recorder);
    const layer = new TransportLayer([transport]);
    const phone = await peer(transport.local.port);
    await phone.write(
      requestText({ transport: 'TLS', sentBy: 'phone.invalid:5061', rport: true }) +
        requestText({ transport: 'TLS', method: 'INVITE', branch: 'z9hG4bKinvite' }),
    );
    await until(() => recorder.messages.length === 2);
    for (const { message, source } of recorder.messages) {
      if (message.kind !== 'request') throw new Error('expected a request');
      expect(source).toMatchObject({ protocol: 'tls', host: '127.0.0.1', port: phone.localPort });
      expect(source.connectionId).toMatch(/^tls-/);
      expect(message.topVia().transport).toBe('TLS');
      // Nobody listens at the Via sent-by: the answer can only come back on this connection.
      await layer.sendResponse(createResponse(message, 200, 'OK', { toTag: 't' }), source);
    }
    await until(() => phone.received.split('SIP/2.0 200 OK\r\n').length === 3);
    expect(phone.received).toContain('CSeq: 1 OPTIONS');
    expect(phone.received).toContain('CSeq: 1 INVITE');
    // §18.2.1 and RFC 3581: received when the sent-by is not the source, rport when asked.
    expect(recorder.messages[0]?.message.topVia()).toMatchObject({
      received: '127.0.0.1',
      rport: phone.localPort,
    });
    expect(recorder.messages[1]?.message.topVia().received).toBeUndefined();
    expect(transport.connectionCount).toBe(1);
  });

  it('shares the TCP framing: 400 for a malformed request, CRLF pong, 513 and close when too large', async () => {
    const recorder = new Recorder();
    const transport = await listen(recorder, { parse: { maxMessageSize: 2_000 } });
    const phone = await peer(transport.local.port);
    await phone.write(
      requestText({ transport: 'TLS' }).replace('Call-ID: transport-test@127.0.0.1\r\n', ''),
    );
    await phone.waitFor('SIP/2.0 400 ');
    // RFC 5626 §4.4.1 over TLS: a CRLFCRLF ping gets exactly one CRLF back.
    const before = phone.received.length;
    await phone.write('\r\n\r\n');
    await until(() => phone.received.length === before + 2);
    expect(phone.received.slice(before)).toBe('\r\n');
    await phone.write(
      requestText({ transport: 'TLS', method: 'MESSAGE', body: 'x'.repeat(3_000) }),
    );
    await phone.waitFor('SIP/2.0 513 ');
    await until(() => phone.closed);
    expect(recorder.discards.map((discard) => discard.reason)).toEqual([
      'answered-parse-error',
      'connection-closed',
    ]);
  });

  it('sends a request over TLS to a peer, verifying its certificate, and gets the response', async () => {
    const peerRecorder = new Recorder();
    const remote = await listen(peerRecorder);
    const ourRecorder = new Recorder();
    const ours = await listen(ourRecorder);
    const layer = new TransportLayer([ours]);
    const remoteLayer = new TransportLayer([remote]);
    const sentBy = `127.0.0.1:${String(ours.sentBy.port)}`;
    const sent = await layer.sendRequest(
      asRequest(requestText({ transport: 'TLS', sentBy, branch: 'z9hG4bKout' })),
      { protocol: 'tls', host: '127.0.0.1', port: remote.local.port },
    );
    expect(sent.transport).toBe(ours);
    const { message, source } = await peerRecorder.message();
    if (message.kind !== 'request') throw new Error('expected a request');
    expect(message.topVia()).toMatchObject({ transport: 'TLS', port: ours.sentBy.port });
    await remoteLayer.sendResponse(createResponse(message, 200, 'OK', { toTag: 'r' }), source);
    const { message: response, source: responseSource } = await ourRecorder.message();
    expect(response.kind === 'response' && response.status).toBe(200);
    // The response came back on the connection we opened: one connection each side.
    expect(responseSource.connectionId).toBe(
      ours.connectionTo({ host: '127.0.0.1', port: remote.local.port }),
    );
    expect(ours.connectionCount).toBe(1);
    expect(remote.connectionCount).toBe(1);
  });

  it('refuses a server whose certificate it cannot verify (on by default), and the server sees a failed handshake', async () => {
    const remoteRecorder = new Recorder();
    const remote = await listen(remoteRecorder);
    // Trusts Node's roots only: the self-signed certificate is refused.
    const strict = await listen(new Recorder(), {
      tls: { cert: other.cert, key: other.key },
    });
    const error: unknown = await strict
      .sendBytes(Buffer.from(requestText({ transport: 'TLS' })), {
        host: '127.0.0.1',
        port: remote.local.port,
      })
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(TransportError);
    expect((error as TransportError).message).toMatch(/TLS connect to 127\.0\.0\.1:\d+ failed/);
    // Trusting another CA is no better.
    const wrongCa = await listen(new Recorder(), {
      tls: { cert: other.cert, key: other.key, ca: other.cert },
    });
    await expect(
      wrongCa.sendBytes(Buffer.from('x'), { host: '127.0.0.1', port: remote.local.port }),
    ).rejects.toBeInstanceOf(TransportError);
    await until(() => remoteRecorder.discards.length >= 2);
    expect(new Set(remoteRecorder.discards.map((discard) => discard.reason))).toEqual(
      new Set(['handshake-failed']),
    );
    expect(remoteRecorder.messages).toHaveLength(0);
    expect(remote.connectionCount).toBe(0);
  });

  it('checks the name in the certificate (RFC 5922 §7.3)', async () => {
    const named = await selfSignedCertificate('sip.example.org', { withAddress: false });
    const remote = await listen(new Recorder(), {
      tls: { cert: named.cert, key: named.key },
    });
    // A trusted certificate, but for sip.example.org only: not for the address we dial.
    const client = await listen(new Recorder(), {
      tls: { cert: other.cert, key: other.key, ca: named.cert },
    });
    await expect(
      client.sendBytes(Buffer.from('x'), { host: '127.0.0.1', port: remote.local.port }),
    ).rejects.toThrow(/127\.0\.0\.1 is not in the cert's list/);
  });

  it('refuses to listen without a certificate and key, naming what is missing', async () => {
    await expect(
      TlsTransport.listen({ host: '127.0.0.1', delegate: new Recorder(), tls: {} }),
    ).rejects.toThrow('TLS on 127.0.0.1:0 needs tls.key and tls.cert (PEM)');
  });

  it('closes at once with a handshake in progress', async () => {
    const transport = await TlsTransport.listen({
      host: '127.0.0.1',
      delegate: new Recorder(),
      tls: { cert: server.cert, key: server.key },
    });
    // A TCP connection that never starts its handshake (the handshake timeout is 10 s).
    const silent = await TcpPeer.connect(transport.local.port);
    const started = Date.now();
    await transport.close();
    expect(Date.now() - started).toBeLessThan(2_000);
    await until(() => silent.closed);
  });

  it('closes idle TLS connections (injected clock and timers)', async () => {
    const time = new ManualTime();
    const transport = await listen(new Recorder(), {
      idleTimeoutMs: 60_000,
      sweepIntervalMs: 10_000,
      clock: time.clock,
      timers: time,
    });
    const phone = await peer(transport.local.port);
    await until(() => transport.connectionCount === 1);
    time.advance(50_000);
    expect(phone.closed).toBe(false);
    time.advance(10_000);
    await until(() => phone.closed && transport.connectionCount === 0);
  });
});
