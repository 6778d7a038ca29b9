import { afterEach, describe, expect, it } from 'vitest';
import { createResponse } from '../message/index.js';
import { createSipStack } from '../sip-stack.js';
import type { TransactionLayerDelegate } from '../transaction/index.js';
import { UdpTransport, type TransportLayer } from '../transport/index.js';
import { startSipStack } from './stack.js';

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(closers.splice(0).map((close) => close()));
});

const delegate: TransactionLayerDelegate = {
  onRequest: (request, transaction) => {
    transaction.respond(createResponse(request, 405));
  },
  onCancel: (cancel, transaction) => {
    transaction.respond(createResponse(cancel, 481));
  },
  onAck: () => undefined,
  onStrayResponse: () => undefined,
};

/** The buffer sizes of every UDP transport of a layer, in order. */
function udpBuffers(layer: TransportLayer): { receive: number; send: number }[] {
  return layer.transports
    .filter((transport) => transport instanceof UdpTransport)
    .map((transport) => transport.bufferSizes);
}

// Sizes every kernel grants (far below Linux's default limits), so the figures are exact.
const SMALL = 65_536;
const SMALLER = 32_768;

describe('UDP buffer options through the stack', () => {
  it('startSipStack with host/port: udpBuffers sets the UDP socket', async () => {
    const stack = await startSipStack({
      host: '127.0.0.1',
      port: 0,
      tcp: false,
      udpBuffers: { recvBufferSize: SMALL, sendBufferSize: SMALLER },
      delegate,
    });
    closers.push(() => stack.close());
    expect(udpBuffers(stack.transports)).toEqual([{ receive: SMALL, send: SMALLER }]);
  });

  it('listen addresses: their own sizes first, else the stack-wide udpBuffers', async () => {
    const warnings: string[] = [];
    const stack = await startSipStack({
      listen: [
        { transport: 'udp', host: '127.0.0.1', port: 0, recvBufferSize: SMALLER },
        { transport: 'udp', host: '127.0.0.1', port: 0 },
      ],
      udpBuffers: { recvBufferSize: SMALL, sendBufferSize: SMALL },
      onWarning: (message) => warnings.push(message),
      delegate,
    });
    closers.push(() => stack.close());
    expect(udpBuffers(stack.transports)).toEqual([
      { receive: SMALLER, send: SMALL },
      { receive: SMALL, send: SMALL },
    ]);
    expect(warnings).toEqual([]);
  });

  it('createSipStack passes them on, and its onWarning hears a capped buffer', async () => {
    const warnings: string[] = [];
    const sip = await createSipStack({
      host: '127.0.0.1',
      port: 0,
      tcp: false,
      // More than any kernel grants an unprivileged setsockopt by default.
      udpBuffers: { recvBufferSize: 2 ** 31 - 1, sendBufferSize: SMALL },
      onWarning: (message) => warnings.push(message),
      delegate: { onInvite: (invite) => void invite.reject(486) },
    });
    closers.push(() => sip.close());
    const [buffers] = udpBuffers(sip.stack.transports);
    expect(buffers?.send).toBe(SMALL);
    expect(buffers?.receive).toBeLessThan(2 ** 31 - 1);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/UDP receive buffer: asked for 2147483647 bytes/);
  });
});
