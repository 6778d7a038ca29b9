/**
 * The promise-free send path (`Transport.sendDatagram`, `TransportLayer.sendRequestNow` and
 * `sendResponseNow`): UDP datagrams leave synchronously, failures found at once are thrown,
 * failures found later reach the listener, and what UDP cannot carry takes the promise path.
 */
import { afterEach, describe, expect, it } from 'vitest';
import {
  createResponse,
  parseMessage,
  type SipMessage,
  type SipRequest,
} from '../message/index.js';
import { TransportLayer } from './layer.js';
import { TcpTransport } from './tcp.js';
import { Recorder, UdpPeer, requestText, until } from './test-support/sockets.js';
import { TransportError, type SendFailureListener } from './types.js';
import { UdpTransport } from './udp.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(cleanups.splice(0).map((cleanup) => cleanup()));
});

class Failures implements SendFailureListener {
  readonly failed: { error: TransportError; message: SipMessage }[] = [];
  sendFailed(error: TransportError, message: SipMessage): void {
    this.failed.push({ error, message });
  }
}

function request(text: string): SipRequest {
  const result = parseMessage(Buffer.from(text));
  if (!result.ok || result.message.kind !== 'request')
    throw new Error('test request does not parse');
  return result.message;
}

async function udp(): Promise<UdpTransport> {
  const transport = await UdpTransport.listen({ host: '127.0.0.1', delegate: new Recorder() });
  cleanups.push(() => transport.close());
  return transport;
}

async function peer(): Promise<UdpPeer> {
  const phone = await UdpPeer.open();
  cleanups.push(() => phone.close());
  return phone;
}

describe('UdpTransport.sendDatagram', () => {
  it('sends at once, with no promise, and reports nothing when all is well', async () => {
    const transport = await udp();
    const phone = await peer();
    const failures = new Failures();
    const message = request(requestText());
    transport.sendDatagram(
      Buffer.from('OPTIONS sip:x SIP/2.0\r\n\r\n'),
      { host: '127.0.0.1', port: phone.port },
      message,
      failures,
    );
    expect(await phone.datagram()).toBe('OPTIONS sip:x SIP/2.0\r\n\r\n');
    await new Promise((resolve) => setImmediate(resolve));
    expect(failures.failed).toEqual([]);
  });

  it('throws a TransportError for a bad port or a closed socket', async () => {
    const transport = await udp();
    const failures = new Failures();
    const message = request(requestText());
    expect(() => {
      transport.sendDatagram(Buffer.from('x'), { host: '127.0.0.1', port: 0 }, message, failures);
    }).toThrow(TransportError);
    await transport.close();
    expect(() => {
      transport.sendDatagram(
        Buffer.from('x'),
        { host: '127.0.0.1', port: 5060 },
        message,
        failures,
      );
    }).toThrow(/closed/);
    expect(failures.failed).toEqual([]);
  });

  it('tells the listener, with the message, of a send the socket refuses later', async () => {
    const transport = await udp();
    const failures = new Failures();
    const message = request(requestText());
    // Larger than any UDP datagram can be: the kernel refuses it (EMSGSIZE).
    transport.sendDatagram(
      Buffer.alloc(70_000),
      { host: '127.0.0.1', port: 5060 },
      message,
      failures,
    );
    await until(() => failures.failed.length > 0);
    expect(failures.failed[0]?.message).toBe(message);
    expect(failures.failed[0]?.error).toBeInstanceOf(TransportError);
    expect(failures.failed[0]?.error.message).toContain('127.0.0.1:5060');
  });
});

describe('TransportLayer.sendRequestNow / sendResponseNow', () => {
  it('sends a UDP request and its response synchronously', async () => {
    const recorder = new Recorder();
    const receiver = await UdpTransport.listen({ host: '127.0.0.1', delegate: recorder });
    const receiving = new TransportLayer([receiver]);
    cleanups.push(() => receiving.close());
    const sending = new TransportLayer([await udp()]);
    const phone = await peer();
    const failures = new Failures();
    const sentBy = `127.0.0.1:${String(sending.transports[0]?.sentBy.port ?? 0)}`;
    sending.sendRequestNow(
      request(requestText({ sentBy })),
      { protocol: 'udp', host: '127.0.0.1', port: receiver.local.port },
      failures,
    );
    await until(() => recorder.messages.length > 0);
    const received = recorder.messages[0];
    if (received?.message.kind !== 'request') throw new Error('no request received');
    // The response goes where its Via says (here: the peer's port, as if it had sent it).
    const text = requestText({ sentBy: `127.0.0.1:${String(phone.port)}` });
    const asked = request(text);
    receiving.sendResponseNow(createResponse(asked, 200), received.source, failures);
    expect(await phone.datagram()).toMatch(/^SIP\/2\.0 200 OK\r\n/);
    expect(failures.failed).toEqual([]);
  });

  it('moves a request over 1,300 bytes to TCP (the promise path), failures to the listener', async () => {
    const recorder = new Recorder();
    const udpSide = await UdpTransport.listen({ host: '127.0.0.1', delegate: recorder });
    const tcpSide = await TcpTransport.listen({
      host: '127.0.0.1',
      port: udpSide.local.port,
      delegate: recorder,
    });
    const receiving = new TransportLayer([udpSide, tcpSide]);
    cleanups.push(() => receiving.close());
    const senderUdp = await udp();
    const senderTcp = await TcpTransport.listen({
      host: '127.0.0.1',
      port: 0,
      delegate: new Recorder(),
    });
    const sending = new TransportLayer([senderUdp, senderTcp]);
    cleanups.push(() => senderTcp.close());
    const failures = new Failures();
    const sentBy = `127.0.0.1:${String(senderUdp.sentBy.port)}`;
    const big = request(
      requestText({ sentBy, branch: 'z9hG4bKbig', method: 'MESSAGE', body: 'x'.repeat(1_400) }),
    );
    sending.sendRequestNow(
      big,
      { protocol: 'udp', host: '127.0.0.1', port: udpSide.local.port },
      failures,
    );
    await until(() => recorder.messages.length > 0);
    expect(recorder.messages[0]?.source.protocol).toBe('tcp');

    // Nobody listens on this TCP port and there is no UDP fallback to it: the failure comes back.
    const tcpOnly = new TransportLayer([senderTcp]);
    tcpOnly.sendRequestNow(
      request(requestText({ transport: 'TCP' })),
      { protocol: 'tcp', host: '127.0.0.1', port: 1 },
      failures,
    );
    await until(() => failures.failed.length > 0);
    expect(failures.failed[0]?.error).toBeInstanceOf(TransportError);
    expect(failures.failed[0]?.message.kind).toBe('request');
  });

  it('throws at once when there is no transport for a response', async () => {
    const layer = new TransportLayer([await udp()]);
    const asked = request(requestText({ transport: 'TCP' }));
    expect(() => {
      layer.sendResponseNow(createResponse(asked, 200), undefined, new Failures());
    }).toThrow(TransportError);
  });
});
