/**
 * Requests over an existing connection (RFC 3261 §18.1.1 leaves the choice open; RFC 5626 §3.2
 * and RFC 7118 §5 explain why it matters): a phone behind NAT, or a WebSocket client, can only be
 * reached on the connection it opened, never at the address its Contact names. The transport
 * layer sends a request on `RequestDestination.connectionId` while that connection is open, and
 * to the address once it has closed; a dialog created by a request that came over a connection
 * sends its in-dialog requests (BYE...) that way. Real sockets on 127.0.0.1: a TCP client from
 * an ephemeral port, and a `ws` WebSocket client.
 */
import { createServer, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import type { Dialog } from '../dialog/index.js';
import {
  SipStreamParser,
  createResponse,
  parseMessage,
  serializeMessage,
  serializeUri,
  type SipMessage,
  type SipRequest,
  type SipResponse,
} from '../message/index.js';
import { createSipStack, type SipUserAgent } from '../sip-stack.js';
import type { IncomingInvite } from '../ua/index.js';
import { TransportLayer } from './layer.js';
import { TcpTransport } from './tcp.js';
import { WsPeer } from './test-support/peers.js';
import { Recorder, TcpPeer, requestText, until } from './test-support/sockets.js';
import type { WsTransport } from './ws.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const SDP = [
  'v=0',
  'o=test 1 1 IN IP4 127.0.0.1',
  's=-',
  'c=IN IP4 127.0.0.1',
  't=0 0',
  'm=audio 40000 RTP/AVP 0',
  '',
].join('\r\n');

function parse(bytes: Buffer | string): SipMessage {
  const parsed = parseMessage(typeof bytes === 'string' ? Buffer.from(bytes) : bytes);
  if (!parsed.ok) throw new Error(`does not parse: ${parsed.error.reason}`);
  return parsed.message;
}

function parseRequest(text: string): SipRequest {
  const message = parse(text);
  if (message.kind !== 'request') throw new Error('expected a request');
  return message;
}

/** A port nobody listens on (a phone's Contact behind NAT: unreachable from outside). */
async function deadPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) =>
    server.close(() => {
      resolve();
    }),
  );
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

/**
 * One side of a connection as a phone sees it: the SIP messages that came over it, and a way to
 * send one back. Built on a TCP socket (with Content-Length framing) or a WebSocket.
 */
class Link {
  readonly received: SipMessage[] = [];

  constructor(private readonly write: (bytes: Buffer) => void) {}

  take(message: SipMessage): void {
    this.received.push(message);
  }

  send(message: SipMessage): void {
    this.write(serializeMessage(message));
  }

  /** The first message received that `matches`, once it is there. */
  async next(matches: (message: SipMessage) => boolean): Promise<SipMessage> {
    await until(() => this.received.some(matches), 5_000);
    const found = this.received.find(matches);
    if (found === undefined) throw new Error('no such message');
    return found;
  }

  async request(method: string): Promise<SipRequest> {
    const found = await this.next((m) => m.kind === 'request' && m.method === method);
    return found as SipRequest;
  }

  async response(status: number, method: string): Promise<SipResponse> {
    const found = await this.next(
      (m) => m.kind === 'response' && m.status === status && m.cseq().method === method,
    );
    return found as SipResponse;
  }

  /** Answers the request with 200 (the To tag of its dialog is already in it). */
  answer(request: SipRequest): void {
    this.send(createResponse(request, 200, 'OK'));
  }
}

/** A TCP socket as a `Link`. */
function tcpLink(socket: Socket): Link {
  const link = new Link((bytes) => socket.write(bytes));
  const parser = new SipStreamParser();
  socket.on('data', (chunk: Buffer) => {
    for (const event of parser.push(chunk)) if (event.type === 'message') link.take(event.message);
  });
  socket.on('error', () => undefined); // resets are part of what is tested
  return link;
}

/** A WebSocket (a client's, or a `ws` server's side of one) as a `Link`: one message per frame. */
function wsLink(socket: WebSocket): Link {
  const link = new Link((bytes) => {
    socket.send(bytes.toString('utf8'));
  });
  socket.on('message', (data: RawData) => {
    const bytes = Buffer.isBuffer(data)
      ? data
      : Array.isArray(data)
        ? Buffer.concat(data)
        : Buffer.from(data);
    link.take(parse(bytes));
  });
  return link;
}

/** A phone's own TCP listener, where a new connection from the stack would arrive. */
async function tcpListener(): Promise<{ port: number; links: Link[] }> {
  const links: Link[] = [];
  const sockets: Socket[] = [];
  const server: Server = createServer((socket) => {
    sockets.push(socket);
    links.push(tcpLink(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(
    () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => {
          resolve();
        });
      }),
  );
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  return { port: address.port, links };
}

/** A phone's own WebSocket server (RFC 7118 §4: it answers the `sip` subprotocol). */
async function wsListener(): Promise<{ port: number; links: Link[] }> {
  const links: Link[] = [];
  const server = new WebSocketServer({
    host: '127.0.0.1',
    port: 0,
    handleProtocols: (protocols) => (protocols.has('sip') ? 'sip' : false),
  });
  server.on('connection', (socket) => links.push(wsLink(socket)));
  await new Promise<void>((resolve) => server.once('listening', resolve));
  cleanups.push(
    () =>
      new Promise<void>((resolve) => {
        for (const client of server.clients) client.terminate();
        server.close(() => {
          resolve();
        });
      }),
  );
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  return { port: address.port, links };
}

// --- The transport layer alone -----------------------------------------------------------------

describe('TransportLayer.sendRequest with a connectionId (TCP)', () => {
  async function setUp() {
    const delegate = new Recorder();
    const tcp = await TcpTransport.listen({ host: '127.0.0.1', port: 0, delegate });
    const layer = new TransportLayer([tcp]);
    cleanups.push(() => layer.close());
    // A client from an ephemeral port: its first request gives the stack a connection to it.
    const client = await TcpPeer.connect(tcp.local.port);
    cleanups.push(() => {
      client.close();
    });
    await client.write(requestText({ transport: 'TCP', sentBy: '127.0.0.1:5999', rport: true }));
    const { source } = await delegate.message(0);
    if (source.connectionId === undefined) throw new Error('no connection id');
    return { tcp, layer, client, connectionId: source.connectionId };
  }

  const bye = (): SipRequest =>
    parseRequest(requestText({ method: 'BYE', transport: 'TCP', branch: 'z9hG4bKbye1' }));

  it('sends on that connection although the address it is given has no listener', async () => {
    const { tcp, layer, client, connectionId } = await setUp();
    const nobody = await deadPort();
    const sent = await layer.sendRequest(bye(), {
      protocol: 'tcp',
      host: '127.0.0.1',
      port: nobody,
      connectionId,
    });
    expect(sent.transport).toBe(tcp);
    await client.waitFor('BYE sip:bob@127.0.0.1 SIP/2.0');
    expect(tcp.connectionCount).toBe(1);
    // Without the id the same destination means a new connection to a port nobody listens on.
    await expect(
      layer.sendRequest(bye(), { protocol: 'tcp', host: '127.0.0.1', port: nobody }),
    ).rejects.toThrow();
  });

  it('goes to the address on a new connection once that connection has closed', async () => {
    const { tcp, layer, client, connectionId } = await setUp();
    const listener = await tcpListener();
    client.close();
    await until(() => !tcp.hasConnection(connectionId));
    await layer.sendRequest(bye(), {
      protocol: 'tcp',
      host: '127.0.0.1',
      port: listener.port,
      connectionId,
    });
    const [link] = listener.links;
    expect((await link?.request('BYE'))?.uri).toMatchObject({ host: '127.0.0.1' });
    expect(listener.links).toHaveLength(1);
    expect(client.received).toBe('');
  });
});

// --- In-dialog requests of a stack -------------------------------------------------------------

interface Answering {
  readonly sip: SipUserAgent;
  /** Dialogs of the calls the stack answered. */
  readonly dialogs: Promise<Dialog>[];
  readonly errors: unknown[];
}

/** A facade that answers every call with SDP. */
async function answeringStack(
  listen: 'udp+tcp' | 'ws',
): Promise<Answering & { readonly port: number }> {
  const dialogs: Promise<Dialog>[] = [];
  const errors: unknown[] = [];
  const sip = await createSipStack({
    ...(listen === 'ws' ? { listen: [{ transport: 'ws', host: '127.0.0.1' }] } : {}),
    ...(listen === 'udp+tcp' ? { host: '127.0.0.1', port: 0 } : {}),
    userAgent: 'Switchboard-test',
    delegate: {
      onInvite: (invite: IncomingInvite) => {
        dialogs.push(invite.accept({ sdp: SDP }));
      },
    },
    onError: (error) => errors.push(error),
  });
  cleanups.push(() => sip.close());
  const port = listen === 'ws' ? (sip.stack.transports.transport('ws')?.local.port ?? 0) : sip.port;
  return { sip, dialogs, errors, port };
}

interface CallParams {
  /** Via transport and sent-by, and the Contact URI the phone gives. */
  readonly via: string;
  readonly contact: string;
  readonly requestUri: string;
  readonly callId: string;
}

/** The phone's INVITE, its wait for the 200, and its ACK; resolves with the stack's dialog. */
async function call(link: Link, stack: Answering, params: CallParams): Promise<Dialog> {
  const invite = parseRequest(
    [
      `INVITE ${params.requestUri} SIP/2.0`,
      `Via: SIP/2.0/${params.via};branch=z9hG4bKinv-${params.callId};rport`,
      'Max-Forwards: 70',
      'From: <sip:alice@example.org>;tag=alice',
      'To: <sip:bob@example.org>',
      `Call-ID: ${params.callId}`,
      'CSeq: 1 INVITE',
      `Contact: <${params.contact}>`,
      'Content-Type: application/sdp',
      `Content-Length: ${String(Buffer.byteLength(SDP))}`,
      '',
      SDP,
    ].join('\r\n'),
  );
  link.send(invite);
  const ok = await link.response(200, 'INVITE');
  const contact = ok.contact();
  if (contact === '*' || contact[0] === undefined) throw new Error('200 without Contact');
  const ack = parseRequest(
    [
      `ACK ${serializeUri(contact[0].uri)} SIP/2.0`,
      `Via: SIP/2.0/${params.via};branch=z9hG4bKack-${params.callId};rport`,
      'Max-Forwards: 70',
      'From: <sip:alice@example.org>;tag=alice',
      `To: ${ok.header('To') ?? ''}`,
      `Call-ID: ${params.callId}`,
      'CSeq: 1 ACK',
      'Content-Length: 0',
      '',
      '',
    ].join('\r\n'),
  );
  link.send(ack);
  const dialog = await stack.dialogs[stack.dialogs.length - 1];
  if (dialog === undefined) throw new Error('the stack did not answer');
  return dialog;
}

describe('in-dialog requests go back on the connection the dialog came in on', () => {
  it('TCP: INFO and BYE reach a caller whose Contact names a port nobody listens on', async () => {
    const stack = await answeringStack('udp+tcp');
    const socket = await TcpPeer.connect(stack.port);
    cleanups.push(() => {
      socket.close();
    });
    const link = tcpLink(socket.socket);
    const behindNat = await deadPort();
    const dialog = await call(link, stack, {
      via: `TCP 127.0.0.1:${String(behindNat)}`,
      contact: `sip:alice@127.0.0.1:${String(behindNat)};transport=tcp`,
      requestUri: `sip:bob@127.0.0.1:${String(stack.port)};transport=tcp`,
      callId: 'reuse-tcp',
    });
    expect(dialog.transport).toBe('tcp');
    expect(dialog.connectionId).toMatch(/^tcp-/);

    const info = dialog.info();
    const infoRequest = await link.request('INFO');
    expect(infoRequest.uri).toMatchObject({ port: behindNat });
    link.answer(infoRequest);
    expect((await info).status).toBe(200);

    const bye = dialog.bye();
    link.answer(await link.request('BYE'));
    await bye;
    expect(dialog.end).toMatchObject({ by: 'local', cause: 'bye' });
    const tcp = stack.sip.stack.transports.transport('tcp') as TcpTransport;
    expect(tcp.connectionCount).toBe(1); // nothing was tried towards the Contact's port
    expect(stack.errors).toEqual([]);
  });

  it('TCP: once the caller’s connection has closed, BYE goes to its Contact on a new one', async () => {
    const stack = await answeringStack('udp+tcp');
    const socket = await TcpPeer.connect(stack.port);
    cleanups.push(() => {
      socket.close();
    });
    const link = tcpLink(socket.socket);
    const listener = await tcpListener();
    const dialog = await call(link, stack, {
      via: `TCP 127.0.0.1:${String(listener.port)}`,
      contact: `sip:alice@127.0.0.1:${String(listener.port)};transport=tcp`,
      requestUri: `sip:bob@127.0.0.1:${String(stack.port)};transport=tcp`,
      callId: 'fallback-tcp',
    });
    socket.close();
    const tcp = stack.sip.stack.transports.transport('tcp') as TcpTransport;
    await until(() => dialog.connectionId !== undefined && !tcp.hasConnection(dialog.connectionId));

    const bye = dialog.bye();
    await until(() => listener.links.length > 0, 5_000);
    const fresh = listener.links[0] as Link;
    fresh.answer(await fresh.request('BYE'));
    await bye;
    expect(link.received.filter((m) => m.kind === 'request')).toEqual([]);
    expect(dialog.end).toMatchObject({ by: 'local', cause: 'bye' });
    expect(stack.errors).toEqual([]);
  });

  it('WebSocket: BYE reaches a client whose Via and Contact name an unreachable .invalid host', async () => {
    const stack = await answeringStack('ws');
    const client = await WsPeer.connect(`ws://127.0.0.1:${String(stack.port)}/`);
    cleanups.push(() => {
      client.close();
    });
    const link = wsLink(client.socket);
    const dialog = await call(link, stack, {
      via: 'WS df7jal23ls0d.invalid',
      contact: 'sip:alice@df7jal23ls0d.invalid;transport=ws',
      requestUri: 'sip:bob@127.0.0.1;transport=ws',
      callId: 'reuse-ws',
    });
    expect(dialog.transport).toBe('ws');
    expect(dialog.connectionId).toMatch(/^ws-/);

    const bye = dialog.bye();
    const byeRequest = await link.request('BYE');
    expect(byeRequest.uri).toMatchObject({ host: 'df7jal23ls0d.invalid' });
    expect(byeRequest.topVia().transport).toBe('WS');
    link.answer(byeRequest);
    await bye;
    expect(dialog.end).toMatchObject({ by: 'local', cause: 'bye' });
    expect(stack.errors).toEqual([]);
  });

  it('WebSocket: once the client’s connection has closed, BYE goes to its Contact on a new one', async () => {
    const stack = await answeringStack('ws');
    const client = await WsPeer.connect(`ws://127.0.0.1:${String(stack.port)}/`);
    cleanups.push(() => {
      client.close();
    });
    const link = wsLink(client.socket);
    const listener = await wsListener();
    const dialog = await call(link, stack, {
      via: `WS 127.0.0.1:${String(listener.port)}`,
      contact: `sip:alice@127.0.0.1:${String(listener.port)};transport=ws`,
      requestUri: 'sip:bob@127.0.0.1;transport=ws',
      callId: 'fallback-ws',
    });
    client.close();
    const ws = stack.sip.stack.transports.transport('ws') as WsTransport;
    await until(() => dialog.connectionId !== undefined && !ws.hasConnection(dialog.connectionId));

    const bye = dialog.bye();
    await until(() => listener.links.length > 0, 5_000);
    const fresh = listener.links[0] as Link;
    fresh.answer(await fresh.request('BYE'));
    await bye;
    expect(link.received.filter((m) => m.kind === 'request')).toEqual([]);
    expect(dialog.end).toMatchObject({ by: 'local', cause: 'bye' });
    expect(stack.errors).toEqual([]);
  });
});
