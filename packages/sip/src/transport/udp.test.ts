import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { createResponse, parseMessage, type SipRequest } from '../message/index.js';
import { TransportLayer } from './layer.js';
import {
  Recorder,
  UdpPeer,
  malformedRequestText,
  requestText,
  responseText,
  until,
} from './test-support/sockets.js';
import { TransportError } from './types.js';
import { DEFAULT_UDP_BUFFER_SIZE, UdpTransport } from './udp.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(cleanups.splice(0).map((cleanup) => cleanup()));
});

async function listen(
  recorder: Recorder,
  options: { maxMessageSize?: number } = {},
): Promise<UdpTransport> {
  const transport = await UdpTransport.listen({
    host: '127.0.0.1',
    port: 0,
    delegate: recorder,
    ...(options.maxMessageSize === undefined
      ? {}
      : { parse: { maxMessageSize: options.maxMessageSize } }),
  });
  cleanups.push(() => transport.close());
  return transport;
}

async function peer(): Promise<UdpPeer> {
  const udp = await UdpPeer.open();
  cleanups.push(() => udp.close());
  return udp;
}

function asRequest(text: string): SipRequest {
  const result = parseMessage(Buffer.from(text));
  if (!result.ok || result.message.kind !== 'request')
    throw new Error('test request does not parse');
  return result.message;
}

describe('UdpTransport', () => {
  it('binds port 0 to a real port and exchanges messages both ways', async () => {
    const recorder = new Recorder();
    const transport = await listen(recorder);
    expect(transport.local.host).toBe('127.0.0.1');
    expect(transport.local.port).toBeGreaterThan(0);
    expect(transport.sentBy).toEqual(transport.local);
    const phone = await peer();

    await transport.send(asRequest(requestText({ method: 'OPTIONS' })), {
      host: '127.0.0.1',
      port: phone.port,
    });
    expect(await phone.datagram()).toMatch(/^OPTIONS sip:bob@127\.0\.0\.1 SIP\/2\.0\r\n/);

    await phone.send(
      requestText({ method: 'REGISTER', sentBy: `127.0.0.1:${String(phone.port)}` }),
      transport.local.port,
    );
    const { message, source } = await recorder.message();
    expect(message.kind === 'request' && message.method).toBe('REGISTER');
    expect(source).toEqual({
      protocol: 'udp',
      host: '127.0.0.1',
      port: phone.port,
      local: transport.local,
    });
    // Sent-by is the source address and no rport asked for: nothing is added (§18.2.1).
    expect(message.topVia().received).toBeUndefined();
  });

  it('sends to an address at once and to a host name through DNS', async () => {
    const transport = await listen(new Recorder());
    const phone = await peer();
    const request = asRequest(requestText({ method: 'OPTIONS' }));
    await transport.send(request, { host: '127.0.0.1', port: phone.port });
    await transport.send(request, { host: 'localhost', port: phone.port });
    expect(await phone.datagram(0)).toMatch(/^OPTIONS /);
    expect(await phone.datagram(1)).toMatch(/^OPTIONS /);
  });

  it('stamps received when the sent-by is not the source, and rport when asked (RFC 3581)', async () => {
    const recorder = new Recorder();
    const transport = await listen(recorder);
    const phone = await peer();
    await phone.send(
      requestText({ sentBy: '192.0.2.1:5060', branch: 'z9hG4bKa' }),
      transport.local.port,
    );
    await phone.send(
      requestText({ sentBy: '192.0.2.1:5060', rport: true, branch: 'z9hG4bKb' }),
      transport.local.port,
    );
    await phone.send(
      requestText({ sentBy: `127.0.0.1:5060`, rport: true, branch: 'z9hG4bKc' }),
      transport.local.port,
    );
    await until(() => recorder.messages.length === 3);
    const vias = recorder.messages.map((received) => received.message.topVia());
    const byBranch = new Map(vias.map((via) => [via.branch, via]));
    expect(byBranch.get('z9hG4bKa')).toMatchObject({ host: '192.0.2.1', received: '127.0.0.1' });
    expect(byBranch.get('z9hG4bKa')?.rport).toBeUndefined();
    expect(byBranch.get('z9hG4bKb')).toMatchObject({ received: '127.0.0.1', rport: phone.port });
    expect(byBranch.get('z9hG4bKc')).toMatchObject({ received: '127.0.0.1', rport: phone.port });
  });

  it('answers a malformed request with 400 at its source and goes on', async () => {
    const recorder = new Recorder();
    const transport = await listen(recorder);
    const phone = await peer();
    await phone.send(malformedRequestText(), transport.local.port);
    const answer = await phone.datagram();
    expect(answer).toMatch(/^SIP\/2\.0 400 /);
    expect(answer).toContain('Via: SIP/2.0/UDP 127.0.0.1:5999;branch=z9hG4bKtest1');
    expect(recorder.discards.map((discard) => discard.reason)).toEqual(['answered-parse-error']);
    await phone.send(requestText(), transport.local.port);
    await recorder.message();
  });

  it('answers an oversize datagram with 513 and ignores blank keep-alives and garbage', async () => {
    const recorder = new Recorder();
    const transport = await listen(recorder, { maxMessageSize: 600 });
    const phone = await peer();
    await phone.send('\r\n\r\n', transport.local.port);
    await phone.send(Buffer.from([0xff, 0x00, 0x13, 0x37]), transport.local.port);
    await phone.send(requestText({ body: 'x'.repeat(1_000) }), transport.local.port);
    expect(await phone.datagram()).toMatch(/^SIP\/2\.0 513 /);
    await until(() => recorder.discards.length === 2);
    expect(recorder.discards.map((discard) => discard.reason).sort()).toEqual([
      'answered-parse-error',
      'unparsable',
    ]);
    expect(phone.datagrams).toHaveLength(1);
    expect(recorder.messages).toHaveLength(0);
  });

  it('drops responses whose top Via is not our sent-by (§18.1.2)', async () => {
    const recorder = new Recorder();
    const transport = await listen(recorder);
    const phone = await peer();
    await phone.send(responseText('192.0.2.9:5060'), transport.local.port);
    await phone.send(
      responseText(`127.0.0.1:${String(transport.local.port)}`),
      transport.local.port,
    );
    await until(() => recorder.messages.length === 1 && recorder.discards.length === 1);
    expect(recorder.messages[0]?.message.kind).toBe('response');
    expect(recorder.discards[0]).toMatchObject({
      reason: 'sent-by-mismatch',
      detail: 'top Via sent-by 192.0.2.9:5060',
    });
  });

  it('routes a response to received and rport, not to the sent-by port (RFC 3581 §4)', async () => {
    const recorder = new Recorder();
    const transport = await listen(recorder);
    const layer = new TransportLayer([transport]);
    const phone = await peer();
    // The phone claims port 5999 (behind a NAT, say) but sends from another.
    await phone.send(requestText({ sentBy: '10.0.0.5:5999', rport: true }), transport.local.port);
    const { message, source } = await recorder.message();
    if (message.kind !== 'request') throw new Error('expected a request');
    await layer.sendResponse(createResponse(message, 200, 'OK', { toTag: 'srv' }), source);
    const answer = await phone.datagram();
    expect(answer).toMatch(/^SIP\/2\.0 200 OK\r\n/);
    expect(answer).toContain(`;received=127.0.0.1;rport=${String(phone.port)}`);
  });

  it('listens on several addresses as several instances, and reports a port in use', async () => {
    const first = await listen(new Recorder());
    const second = await listen(new Recorder());
    expect(second.local.port).not.toBe(first.local.port);
    await expect(
      UdpTransport.listen({ host: '127.0.0.1', port: first.local.port, delegate: new Recorder() }),
    ).rejects.toBeInstanceOf(TransportError);
  });

  it('rejects sends after close', async () => {
    const transport = await UdpTransport.listen({ host: '127.0.0.1', delegate: new Recorder() });
    await transport.close();
    await transport.close();
    await expect(
      transport.sendBytes(Buffer.from('x'), { host: '127.0.0.1', port: 9 }),
    ).rejects.toBeInstanceOf(TransportError);
  });
});

/** A Linux sysctl in bytes, undefined elsewhere. */
function sysctl(name: 'rmem_max' | 'wmem_max'): number | undefined {
  try {
    return Number(readFileSync(`/proc/sys/net/core/${name}`, 'utf8').trim());
  } catch {
    return undefined;
  }
}

const rmemMax = sysctl('rmem_max');
const wmemMax = sysctl('wmem_max');

describe('UdpTransport socket buffers', () => {
  async function listenWith(
    options: { recvBufferSize?: number; sendBufferSize?: number },
    warnings: string[],
  ): Promise<UdpTransport> {
    const transport = await UdpTransport.listen({
      host: '127.0.0.1',
      delegate: new Recorder(),
      onWarning: (message) => warnings.push(message),
      ...options,
    });
    cleanups.push(() => transport.close());
    return transport;
  }

  it.runIf(rmemMax !== undefined && wmemMax !== undefined)(
    'asks for 4 MiB each by default and reports what the kernel granted (Linux caps at rmem_max / wmem_max)',
    async () => {
      const warnings: string[] = [];
      const transport = await listenWith({}, warnings);
      const receive = Math.min(DEFAULT_UDP_BUFFER_SIZE, rmemMax ?? 0);
      const send = Math.min(DEFAULT_UDP_BUFFER_SIZE, wmemMax ?? 0);
      expect(transport.bufferSizes).toEqual({ receive, send });
      // A warning exactly for each side the kernel capped.
      expect(warnings.filter((w) => w.includes('net.core.rmem_max'))).toHaveLength(
        receive < DEFAULT_UDP_BUFFER_SIZE ? 1 : 0,
      );
      expect(warnings.filter((w) => w.includes('net.core.wmem_max'))).toHaveLength(
        send < DEFAULT_UDP_BUFFER_SIZE ? 1 : 0,
      );
    },
  );

  it.runIf(rmemMax !== undefined)(
    'warns with the sysctl to raise when the kernel grants less than asked, and keeps working',
    async () => {
      const warnings: string[] = [];
      const asked = (rmemMax ?? 0) + 1024 * 1024;
      const transport = await listenWith({ recvBufferSize: asked, sendBufferSize: 0 }, warnings);
      expect(transport.bufferSizes.receive).toBe(rmemMax);
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toContain(`asked for ${String(asked)} bytes`);
      expect(warnings[0]).toContain(`granted ${String(rmemMax)}`);
      expect(warnings[0]).toContain(`sysctl -w net.core.rmem_max=${String(asked)}`);
      // Capped, not broken: the socket still takes messages.
      const recorder = new Recorder();
      const capped = await UdpTransport.listen({
        host: '127.0.0.1',
        delegate: recorder,
        recvBufferSize: asked,
        onWarning: () => undefined,
      });
      cleanups.push(() => capped.close());
      const phone = await peer();
      await phone.send(requestText({ method: 'OPTIONS' }), capped.local.port);
      expect((await recorder.message()).message.kind).toBe('request');
    },
  );

  it('sets a smaller size when asked, and 0 keeps the system default without a warning', async () => {
    const warnings: string[] = [];
    const small = await listenWith({ recvBufferSize: 65_536, sendBufferSize: 65_536 }, warnings);
    expect(small.bufferSizes).toEqual({ receive: 65_536, send: 65_536 });
    const system = await listenWith({ recvBufferSize: 0, sendBufferSize: 0 }, warnings);
    expect(system.bufferSizes.receive).toBeGreaterThan(0);
    expect(system.bufferSizes.send).toBeGreaterThan(0);
    expect(warnings).toEqual([]);
  });

  it('refuses a size that is no whole number of bytes, naming the option', async () => {
    for (const bad of [-1, 1.5, Number.NaN, 2 ** 31]) {
      await expect(
        UdpTransport.listen({ host: '127.0.0.1', delegate: new Recorder(), recvBufferSize: bad }),
      ).rejects.toThrow(/recvBufferSize must be a whole number of bytes/);
    }
    await expect(
      UdpTransport.listen({ host: '127.0.0.1', delegate: new Recorder(), sendBufferSize: -5 }),
    ).rejects.toThrow(/sendBufferSize/);
  });
});
