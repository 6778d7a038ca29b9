import { describe, expect, it } from 'vitest';
import {
  createResponse,
  parseMessage,
  serializeUri,
  type SipMessage,
  type SipRequest,
  type SipResponse,
} from '../message/index.js';
import type { TransportName } from '../transaction/index.js';
import { Dialog, DialogStateError } from './dialog.js';
import { DialogLayer } from './dialog-layer.js';
import type { Dialog as DialogType } from './dialog.js';
import type { DialogEnd, DialogHost, DialogRequestOptions } from './types.js';

function parse(lines: readonly string[]): SipMessage {
  const parsed = parseMessage(Buffer.from(`${lines.join('\r\n')}\r\nContent-Length: 0\r\n\r\n`));
  if (!parsed.ok) throw new Error(parsed.error.reason);
  return parsed.message;
}

function req(lines: readonly string[]): SipRequest {
  const m = parse(lines);
  if (m.kind !== 'request') throw new Error('request expected');
  return m;
}

/** A host that records what dialogs ask of it. */
class RecordingHost implements DialogHost {
  readonly userAgent = 'test-ua';
  readonly terminated: DialogType[] = [];
  readonly sent: { method: string; options: DialogRequestOptions }[] = [];
  branch = 0;
  via(transport: TransportName): string {
    this.branch += 1;
    return `SIP/2.0/${transport.toUpperCase()} 192.0.2.1:5060;branch=z9hG4bKtest${String(this.branch)}`;
  }
  contact(transport: TransportName, secure: boolean): string {
    return `<${secure ? 'sips' : 'sip'}:us@192.0.2.1:5060;transport=${transport}>`;
  }
  sendInDialog(
    dialog: DialogType,
    method: string,
    options: DialogRequestOptions,
  ): Promise<SipResponse> {
    this.sent.push({ method, options });
    const built = dialog.createRequest(method, options);
    return Promise.resolve(createResponse(built.request, 200));
  }
  dialogTerminated(dialog: DialogType): void {
    this.terminated.push(dialog);
  }
}

const INVITE_FROM_PROXIES = [
  'INVITE sip:bob@192.0.2.1 SIP/2.0',
  'Via: SIP/2.0/UDP p2.example.com;branch=z9hG4bKp2',
  'Via: SIP/2.0/UDP p1.example.com;branch=z9hG4bKp1',
  'Via: SIP/2.0/UDP 192.0.2.9:5070;branch=z9hG4bKa',
  'Record-Route: <sip:p2.example.com;lr>',
  'Record-Route: <sip:p1.example.com;lr>',
  'Max-Forwards: 68',
  'From: "Alice" <sip:alice@example.com>;tag=a1',
  'To: <sip:bob@example.org>',
  'Call-ID: c1@example.com',
  'CSeq: 314 INVITE',
  'Contact: <sip:alice@192.0.2.9:5070>',
];

describe('Dialog, UAS side (RFC 3261 §12.1.1)', () => {
  it('takes its state from the request: route set in order, target, tags, remote CSeq', () => {
    const host = new RecordingHost();
    const dialog = Dialog.forUas(req(INVITE_FROM_PROXIES), {
      localTag: 'b1',
      transport: 'udp',
      host,
    });
    expect(dialog.state).toBe('early');
    expect(dialog.id).toEqual({ callId: 'c1@example.com', localTag: 'b1', remoteTag: 'a1' });
    expect(dialog.routeSet.map((r) => serializeUri(r.uri))).toEqual([
      'sip:p2.example.com;lr',
      'sip:p1.example.com;lr',
    ]);
    expect(serializeUri(dialog.remoteTarget)).toBe('sip:alice@192.0.2.9:5070');
    expect(dialog.remoteSeq).toBe(314);
    expect(dialog.localSeq).toBeUndefined();
    expect(dialog.secure).toBe(false);
  });

  it('builds a BYE through loose routers: Route = route set, Request-URI = remote target (§12.2.1.1)', () => {
    const host = new RecordingHost();
    const dialog = Dialog.forUas(req(INVITE_FROM_PROXIES), {
      localTag: 'b1',
      transport: 'udp',
      host,
    });
    dialog.confirm();
    const { request, destination } = dialog.createRequest('BYE');
    expect(serializeUri(request.uri)).toBe('sip:alice@192.0.2.9:5070');
    expect(request.headerValues('Route')).toEqual([
      '<sip:p2.example.com;lr>',
      '<sip:p1.example.com;lr>',
    ]);
    expect(destination).toEqual({ host: 'p2.example.com', port: 5060, transport: 'udp' });
    // Local URI is the INVITE's To, remote URI its From: the tags swap sides.
    expect(request.from().tag).toBe('b1');
    expect(serializeUri(request.from().uri)).toBe('sip:bob@example.org');
    expect(request.to().tag).toBe('a1');
    expect(request.to().displayName).toBe('Alice');
    expect(request.callId).toBe('c1@example.com');
    // An empty local sequence number starts at 1, then goes up by one.
    expect(request.cseq()).toEqual({ seq: 1, method: 'BYE' });
    expect(dialog.createRequest('INFO').request.cseq().seq).toBe(2);
    expect(request.header('Max-Forwards')).toBe('70');
    expect(request.header('User-Agent')).toBe('test-ua');
    expect(request.hasHeader('Contact')).toBe(false); // BYE refreshes no target
  });

  it('puts a Contact in target refresh requests (re-INVITE, UPDATE)', () => {
    const dialog = Dialog.forUas(req(INVITE_FROM_PROXIES), {
      localTag: 'b1',
      transport: 'tcp',
      host: new RecordingHost(),
    });
    const { request } = dialog.createRequest('UPDATE');
    expect(request.header('Contact')).toBe('<sip:us@192.0.2.1:5060;transport=tcp>');
  });

  it('routes through a strict router: Request-URI = first route, target last Route (§12.2.1.1, §16.12.1.1)', () => {
    const lines = INVITE_FROM_PROXIES.map((line) =>
      line === 'Record-Route: <sip:p2.example.com;lr>'
        ? 'Record-Route: <sip:p2.example.com;method=INVITE?X=1>'
        : line,
    );
    const dialog = Dialog.forUas(req(lines), {
      localTag: 'b1',
      transport: 'udp',
      host: new RecordingHost(),
    });
    const { request, destination } = dialog.createRequest('BYE');
    // The parameters a Request-URI may not hold are stripped (§19.1.1 table 1).
    expect(serializeUri(request.uri)).toBe('sip:p2.example.com');
    expect(request.headerValues('Route')).toEqual([
      '<sip:p1.example.com;lr>',
      '<sip:alice@192.0.2.9:5070>',
    ]);
    expect(destination.host).toBe('p2.example.com');
  });

  it('rejects a request with a lower CSeq with 500 and accepts equal or higher (§12.2.2)', () => {
    const dialog = Dialog.forUas(req(INVITE_FROM_PROXIES), {
      localTag: 'b1',
      transport: 'udp',
      host: new RecordingHost(),
    });
    const withCseq = (seq: number, method: string): SipRequest =>
      req([
        `${method} sip:bob@192.0.2.1 SIP/2.0`,
        'Via: SIP/2.0/UDP 192.0.2.9:5070;branch=z9hG4bKx',
        'From: <sip:alice@example.com>;tag=a1',
        'To: <sip:bob@example.org>;tag=b1',
        'Call-ID: c1@example.com',
        `CSeq: ${String(seq)} ${method}`,
      ]);
    expect(dialog.receiveRequest(withCseq(313, 'INFO'))).toBe(500);
    expect(dialog.remoteSeq).toBe(314);
    expect(dialog.receiveRequest(withCseq(315, 'INFO'))).toBeUndefined();
    expect(dialog.remoteSeq).toBe(315);
    expect(dialog.receiveRequest(withCseq(315, 'BYE'))).toBeUndefined();
    // ACK carries its INVITE's number and is never out of order.
    expect(dialog.receiveRequest(withCseq(1, 'ACK'))).toBeUndefined();
  });

  it('refreshes the remote target from a Contact, keeps it without one', () => {
    const dialog = Dialog.forUas(req(INVITE_FROM_PROXIES), {
      localTag: 'b1',
      transport: 'udp',
      host: new RecordingHost(),
    });
    dialog.refreshTarget(
      req([
        'INVITE sip:bob@192.0.2.1 SIP/2.0',
        'Via: SIP/2.0/UDP 192.0.2.9:5070;branch=z9hG4bKy',
        'From: <sip:alice@example.com>;tag=a1',
        'To: <sip:bob@example.org>;tag=b1',
        'Call-ID: c1@example.com',
        'CSeq: 400 INVITE',
        'Contact: <sip:alice@198.51.100.7:5080;transport=tcp>',
      ]),
    );
    expect(serializeUri(dialog.remoteTarget)).toBe('sip:alice@198.51.100.7:5080;transport=tcp');
    const { destination } = dialog.createRequest('BYE');
    expect(destination.host).toBe('p2.example.com'); // the route set still goes first
  });

  it('keeps the connection a TCP dialog came in on for requests to the same transport', () => {
    const lines = INVITE_FROM_PROXIES.filter((line) => !line.startsWith('Record-Route'));
    const dialog = Dialog.forUas(req(lines), {
      localTag: 'b1',
      transport: 'tcp',
      connectionId: 'conn-7',
      host: new RecordingHost(),
    });
    // No transport parameter in the Contact: the dialog's own transport, and its connection.
    expect(dialog.createRequest('BYE').destination).toEqual({
      host: '192.0.2.9',
      port: 5070,
      transport: 'tcp',
      connectionId: 'conn-7',
    });
  });

  it('refuses a BYE on an early UAS dialog: the callee answers with a final response (§15)', async () => {
    const dialog = Dialog.forUas(req(INVITE_FROM_PROXIES), {
      localTag: 'b1',
      transport: 'udp',
      host: new RecordingHost(),
    });
    await expect(dialog.bye()).rejects.toBeInstanceOf(DialogStateError);
    expect(dialog.state).toBe('early');
  });

  it('resolves ended whether it was asked for before or after the end', async () => {
    const before = Dialog.forUas(req(INVITE_FROM_PROXIES), {
      localTag: 'b2',
      transport: 'udp',
      host: new RecordingHost(),
    });
    const waiting = before.ended;
    before.terminate({ by: 'remote', cause: 'bye' });
    expect(await waiting).toEqual({ by: 'remote', cause: 'bye' });
    expect(before.ended).toBe(waiting);
    const after = Dialog.forUas(req(INVITE_FROM_PROXIES), {
      localTag: 'b3',
      transport: 'udp',
      host: new RecordingHost(),
    });
    after.terminate({ by: 'local', cause: 'closed' });
    expect(await after.ended).toEqual({ by: 'local', cause: 'closed' });
    // The key is made of the id (kept as flat copies of the request's pieces).
    expect(after.key).toBe(`${after.id.callId}\n${after.id.localTag}\n${after.id.remoteTag ?? ''}`);
  });

  it('terminates once: ended resolves, the delegate and the host hear it once', async () => {
    const host = new RecordingHost();
    const dialog = Dialog.forUas(req(INVITE_FROM_PROXIES), {
      localTag: 'b1',
      transport: 'udp',
      host,
    });
    dialog.confirm();
    const ends: DialogEnd[] = [];
    dialog.delegate = { onTerminated: (end) => ends.push(end) };
    await dialog.bye({ reason: 'SIP;cause=200;text="done"' });
    await dialog.bye();
    dialog.terminate({ by: 'remote', cause: 'bye' });
    expect(dialog.state).toBe('terminated');
    expect(ends).toEqual([{ by: 'local', cause: 'bye', reason: 'SIP;cause=200;text="done"' }]);
    expect(await dialog.ended).toEqual(ends[0]);
    expect(host.terminated).toEqual([dialog]);
    expect(host.sent).toHaveLength(1);
    expect(host.sent[0]?.options.headers).toEqual([
      { name: 'Reason', value: 'SIP;cause=200;text="done"' },
    ]);
    await expect(dialog.info()).rejects.toBeInstanceOf(DialogStateError);
  });
});

describe('Dialog, UAC side (RFC 3261 §12.1.2)', () => {
  const invite = req([
    'INVITE sip:bob@example.org SIP/2.0',
    'Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bKus',
    'Max-Forwards: 70',
    'From: <sip:us@example.com>;tag=u1',
    'To: "Bob" <sip:bob@example.org>',
    'Call-ID: c2@example.com',
    'CSeq: 10 INVITE',
    'Contact: <sip:us@192.0.2.1:5060>',
  ]);

  function answer(
    status: number,
    tag: string,
    recordRoute: readonly string[],
    contact: string,
  ): SipResponse {
    const lines = [
      `SIP/2.0 ${String(status)} Status`,
      'Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bKus',
      ...recordRoute.map((rr) => `Record-Route: ${rr}`),
      'From: <sip:us@example.com>;tag=u1',
      `To: "Bob" <sip:bob@example.org>;tag=${tag}`,
      'Call-ID: c2@example.com',
      'CSeq: 10 INVITE',
      `Contact: ${contact}`,
    ];
    const m = parse(lines);
    if (m.kind !== 'response') throw new Error('response expected');
    return m;
  }

  it('reverses the Record-Route of the response and counts on from the INVITE CSeq', () => {
    const dialog = Dialog.forUac(
      invite,
      answer(
        200,
        'b9',
        ['<sip:p1.example.com;lr>', '<sip:p2.example.com;lr>'],
        '<sip:bob@203.0.113.5>',
      ),
      { transport: 'udp', host: new RecordingHost() },
    );
    expect(dialog.state).toBe('confirmed');
    expect(dialog.id).toEqual({ callId: 'c2@example.com', localTag: 'u1', remoteTag: 'b9' });
    expect(dialog.routeSet.map((r) => serializeUri(r.uri))).toEqual([
      'sip:p2.example.com;lr',
      'sip:p1.example.com;lr',
    ]);
    const { request, destination } = dialog.createRequest('BYE');
    expect(request.cseq()).toEqual({ seq: 11, method: 'BYE' });
    expect(serializeUri(request.uri)).toBe('sip:bob@203.0.113.5');
    expect(request.to().displayName).toBe('Bob');
    expect(request.to().tag).toBe('b9');
    expect(request.from().tag).toBe('u1');
    expect(destination.host).toBe('p2.example.com');
    // The ACK of the INVITE keeps the INVITE's number and does not move the local one.
    expect(dialog.createRequest('ACK', { cseq: 10 }).request.cseq()).toEqual({
      seq: 10,
      method: 'ACK',
    });
    expect(dialog.localSeq).toBe(11);
  });

  it('starts early on a 1xx and takes route set and target again from the 2xx (§13.2.2.4)', () => {
    const dialog = Dialog.forUac(
      invite,
      answer(180, 'b9', ['<sip:old.example.com;lr>'], '<sip:bob@198.51.100.1>'),
      {
        transport: 'udp',
        host: new RecordingHost(),
      },
    );
    expect(dialog.state).toBe('early');
    dialog.confirm(
      answer(200, 'b9', ['<sip:new.example.com;lr>'], '<sip:bob@198.51.100.2;transport=tcp>'),
    );
    expect(dialog.state).toBe('confirmed');
    expect(dialog.routeSet.map((r) => serializeUri(r.uri))).toEqual(['sip:new.example.com;lr']);
    expect(serializeUri(dialog.remoteTarget)).toBe('sip:bob@198.51.100.2;transport=tcp');
  });

  it('sends sips: dialogs over TLS and names the transport of the target when it has one', () => {
    const secure = req([
      'INVITE sips:bob@example.org SIP/2.0',
      'Via: SIP/2.0/TLS 192.0.2.1:5061;branch=z9hG4bKs',
      'From: <sips:us@example.com>;tag=u1',
      'To: <sips:bob@example.org>',
      'Call-ID: c3@example.com',
      'CSeq: 1 INVITE',
    ]);
    const response = createResponse(secure, 200, 'OK', { toTag: 'b1' }).withHeader(
      'Contact',
      '<sips:bob@203.0.113.5>',
    );
    const dialog = Dialog.forUac(secure, response, { transport: 'tls', host: new RecordingHost() });
    expect(dialog.secure).toBe(true);
    expect(dialog.createRequest('BYE').destination).toEqual({
      host: '203.0.113.5',
      port: 5061,
      transport: 'tls',
    });
    expect(dialog.createRequest('UPDATE').request.header('Contact')).toMatch(/^<sips:/);
  });
});

describe('DialogLayer', () => {
  it('finds the dialog of a request by To tag (local) and From tag (remote), and of a response the other way', () => {
    const host = new RecordingHost();
    const layer = new DialogLayer();
    const dialog = Dialog.forUas(req(INVITE_FROM_PROXIES), {
      localTag: 'b1',
      transport: 'udp',
      host,
    });
    layer.add(dialog);
    const bye = dialog.createRequest('BYE').request;
    // A request from the peer has the tags the other way round from ours.
    const incoming = req([
      'BYE sip:bob@192.0.2.1 SIP/2.0',
      'Via: SIP/2.0/UDP 192.0.2.9:5070;branch=z9hG4bKz',
      'From: <sip:alice@example.com>;tag=a1',
      'To: <sip:bob@example.org>;tag=b1',
      'Call-ID: c1@example.com',
      'CSeq: 315 BYE',
    ]);
    expect(layer.forRequest(incoming)).toBe(dialog);
    expect(layer.forResponse(createResponse(bye, 200))).toBe(dialog);
    expect(layer.forRequest(incoming.withHeader('Call-ID', 'other@example.com'))).toBeUndefined();
    expect(layer.forRequest(incoming.withHeader('To', '<sip:bob@example.org>'))).toBeUndefined();
    layer.remove(dialog);
    expect(layer.size).toBe(0);
  });
});
