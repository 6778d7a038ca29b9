/**
 * Random bytes thrown at real sockets: nothing may crash, throw out of a handler or leak a
 * connection, and the transport must still work afterwards.
 */
import { isUtf8 } from 'node:buffer';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { TcpTransport } from './tcp.js';
import { Recorder, TcpPeer, UdpPeer, requestText, until } from './test-support/sockets.js';
import { UdpTransport } from './udp.js';
import { WsPeer } from './test-support/peers.js';
import { WsTransport } from './ws.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(cleanups.splice(0).map((cleanup) => cleanup()));
});

const VALID = requestText({ transport: 'TCP', rport: true });

/** Random bytes, and valid requests with random bytes overwritten (closer to what parsers trip on). */
const noise = fc.oneof(
  fc.uint8Array({ minLength: 1, maxLength: 2_000 }).map((bytes) => Buffer.from(bytes)),
  fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 8 }).map((edits) => {
    const bytes = Buffer.from(VALID);
    for (const [at, value] of edits) bytes[at % bytes.length] = value;
    return bytes;
  }),
);

describe('transports under random input', () => {
  it('UDP survives random datagrams', async () => {
    const recorder = new Recorder();
    const transport = await UdpTransport.listen({ host: '127.0.0.1', delegate: recorder });
    cleanups.push(() => transport.close());
    const peer = await UdpPeer.open();
    cleanups.push(() => peer.close());
    await fc.assert(
      fc.asyncProperty(noise, async (datagram) => {
        await peer.send(datagram, transport.local.port);
      }),
      { numRuns: 200 },
    );
    // Loopback UDP may drop datagrams when the socket buffer overflows, so the probe is resent.
    const arrived = (): boolean =>
      recorder.messages.some(({ message }) => message.topVia().branch === 'z9hG4bKafter');
    for (let attempt = 0; attempt < 50 && !arrived(); attempt += 1) {
      await peer.send(requestText({ branch: 'z9hG4bKafter' }), transport.local.port);
      await until(arrived, 100).catch(() => undefined);
    }
    expect(arrived()).toBe(true);
    // Every datagram was either delivered or discarded with a reason, none reported as an error.
    expect(recorder.messages.length + recorder.discards.length).toBeGreaterThan(0);
    expect(recorder.errors).toEqual([]);
  });

  it('TCP survives random streams cut into random chunks', async () => {
    const recorder = new Recorder();
    const transport = await TcpTransport.listen({ host: '127.0.0.1', delegate: recorder });
    cleanups.push(() => transport.close());
    await fc.assert(
      fc.asyncProperty(fc.array(noise, { minLength: 1, maxLength: 4 }), async (chunks) => {
        const peer = await TcpPeer.connect(transport.local.port);
        try {
          for (const chunk of chunks) await peer.write(chunk).catch(() => undefined);
        } finally {
          peer.close();
        }
      }),
      { numRuns: 60 },
    );
    await until(() => transport.connectionCount === 0);
    const peer = await TcpPeer.connect(transport.local.port);
    cleanups.push(() => {
      peer.close();
      return Promise.resolve();
    });
    await peer.write(requestText({ transport: 'TCP', branch: 'z9hG4bKafter' }));
    await until(() =>
      recorder.messages.some(({ message }) => message.topVia().branch === 'z9hG4bKafter'),
    );
    // Resets from peers closing with unread data are reported, nothing else is.
    expect(recorder.errors.filter((error) => !/ECONNRESET|EPIPE/.test(error.message))).toEqual([]);
  });

  it('WebSocket survives random messages, text and binary', async () => {
    const recorder = new Recorder();
    const transport = await WsTransport.listen({ host: '127.0.0.1', delegate: recorder });
    cleanups.push(() => transport.close());
    const url = `ws://127.0.0.1:${String(transport.local.port)}/`;
    const peer = await WsPeer.connect(url);
    cleanups.push(() => {
      peer.close();
      return Promise.resolve();
    });
    await fc.assert(
      fc.asyncProperty(noise, async (message) => {
        // Text frames must be UTF-8 (RFC 6455 §5.6): random bytes that are not go as binary.
        await peer.send(message, !isUtf8(message));
      }),
      { numRuns: 200 },
    );
    await peer.send(requestText({ transport: 'WS', branch: 'z9hG4bKafter' }));
    await until(() =>
      recorder.messages.some(({ message }) => message.topVia().branch === 'z9hG4bKafter'),
    );
    expect(peer.closed).toBe(false);
    expect(recorder.errors).toEqual([]);
  });
});
