import { parse } from 'sdp-transform';
import { describe, expect, it } from 'vitest';
import { answerOffer, createOffer, parseAnswer, SdpNegotiationError } from './index.js';

const LOCAL = { address: '192.0.2.10', port: 40000 };

/** An offer as a desk phone sends it: CRLF lines, G.729 first, then G.711, then DTMF. */
function offer(lines: string[]): string {
  return `${lines.join('\r\n')}\r\n`;
}

const BASIC = offer([
  'v=0',
  'o=alice 2890844526 2890844526 IN IP4 198.51.100.7',
  's=-',
  'c=IN IP4 198.51.100.7',
  't=0 0',
  'm=audio 49170 RTP/AVP 18 8 0 96',
  'a=rtpmap:18 G729/8000',
  'a=rtpmap:8 PCMA/8000',
  'a=rtpmap:0 PCMU/8000',
  'a=rtpmap:96 telephone-event/8000',
  'a=fmtp:96 0-15',
  'a=ptime:20',
  'a=sendrecv',
]);

function errorOf(fn: () => unknown): SdpNegotiationError {
  try {
    fn();
  } catch (error) {
    if (error instanceof SdpNegotiationError) return error;
    throw error;
  }
  throw new Error('expected an SdpNegotiationError');
}

describe('answerOffer', () => {
  it("chooses the first G.711 codec in the offerer's order and keeps its telephone-event PT", () => {
    const { sdp, media, streamIndex } = answerOffer(BASIC, LOCAL);
    expect(streamIndex).toBe(0);
    expect(media).toMatchObject({
      codec: 'PCMA',
      payloadType: 8,
      telephoneEventPayloadType: 96,
      telephoneEventRange: '0-15',
      remoteAddress: '198.51.100.7',
      remotePort: 49170,
      remoteRtcpAddress: '198.51.100.7',
      remoteRtcpPort: 49171,
      direction: 'sendrecv',
      remoteHold: false,
      ptime: 20,
    });
    const answer = parse(sdp);
    expect(answer.connection).toEqual({ version: 4, ip: '192.0.2.10' });
    expect(answer.media).toHaveLength(1);
    const audio = answer.media[0]!;
    expect(audio.port).toBe(40000);
    expect(audio.payloads).toBe('8 96');
    expect(audio.rtp).toEqual([
      { payload: 8, codec: 'PCMA', rate: 8000 },
      { payload: 96, codec: 'telephone-event', rate: 8000 },
    ]);
    expect(audio.fmtp).toEqual([{ payload: 96, config: '0-15' }]);
    expect(audio.direction).toBe('sendrecv');
    expect(sdp).toContain('\r\n');
  });

  it('limits the choice to the codecs we were told to accept', () => {
    const { media } = answerOffer(BASIC, { ...LOCAL, codecs: ['PCMU'] });
    expect(media.codec).toBe('PCMU');
    expect(media.payloadType).toBe(0);
  });

  it('recognises static payload types without rtpmap and dynamic ones with it', () => {
    const noMaps = offer([
      'v=0',
      'o=- 1 1 IN IP4 198.51.100.7',
      's=-',
      'c=IN IP4 198.51.100.7',
      't=0 0',
      'm=audio 5004 RTP/AVP 0',
    ]);
    expect(answerOffer(noMaps, LOCAL).media).toMatchObject({ codec: 'PCMU', payloadType: 0 });
    const dynamic = offer([
      'v=0',
      'o=- 1 1 IN IP4 198.51.100.7',
      's=-',
      'c=IN IP4 198.51.100.7',
      't=0 0',
      'm=audio 5004 RTP/AVP 97 0',
      'a=rtpmap:97 pcma/8000/1',
    ]);
    expect(answerOffer(dynamic, LOCAL).media).toMatchObject({ codec: 'PCMA', payloadType: 97 });
    // An rtpmap wins over the static meaning of the number.
    const remapped = offer([
      'v=0',
      'o=- 1 1 IN IP4 198.51.100.7',
      's=-',
      'c=IN IP4 198.51.100.7',
      't=0 0',
      'm=audio 5004 RTP/AVP 0 8',
      'a=rtpmap:0 opus/48000/2',
    ]);
    expect(answerOffer(remapped, LOCAL).media).toMatchObject({ codec: 'PCMA', payloadType: 8 });
  });

  it('answers 488 when only unsupported codecs are offered', () => {
    const g729 = offer([
      'v=0',
      'o=- 1 1 IN IP4 198.51.100.7',
      's=-',
      'c=IN IP4 198.51.100.7',
      't=0 0',
      'm=audio 5004 RTP/AVP 18 9 101',
      'a=rtpmap:18 G729/8000',
      'a=rtpmap:9 G722/8000',
      'a=rtpmap:101 telephone-event/8000',
    ]);
    const error = errorOf(() => answerOffer(g729, LOCAL));
    expect(error.status).toBe(488);
    expect(error.code).toBe('no-acceptable-codec');
    expect(error.message).toContain('18 9 101');
  });

  it('answers 488 for SRTP-only and video-only offers, 400 for garbage', () => {
    const srtp = BASIC.replace('RTP/AVP', 'RTP/SAVP');
    expect(errorOf(() => answerOffer(srtp, LOCAL)).status).toBe(488);
    const video = offer([
      'v=0',
      'o=- 1 1 IN IP4 198.51.100.7',
      's=-',
      'c=IN IP4 198.51.100.7',
      't=0 0',
      'm=video 5006 RTP/AVP 31',
    ]);
    expect(errorOf(() => answerOffer(video, LOCAL))).toMatchObject({
      status: 488,
      code: 'no-audio',
    });
    for (const bad of [
      '',
      'hello',
      'v=1\r\nm=audio 1 RTP/AVP 0\r\n',
      'v=0\r\nm=audio x RTP/AVP 0\r\n',
    ]) {
      expect(errorOf(() => answerOffer(bad, LOCAL))).toMatchObject({ status: 400 });
    }
    const noConnection = BASIC.replace('c=IN IP4 198.51.100.7\r\n', '');
    expect(errorOf(() => answerOffer(noConnection, LOCAL)).status).toBe(400);
    expect(errorOf(() => answerOffer('v=0\r\n'.padEnd(70_000, 'x'), LOCAL)).status).toBe(400);
  });

  it('rejects port-0 and non-audio streams with port 0, keeping the m= lines in order', () => {
    const multi = offer([
      'v=0',
      'o=- 1 1 IN IP4 198.51.100.7',
      's=-',
      'c=IN IP4 198.51.100.7',
      't=0 0',
      'm=audio 0 RTP/AVP 0',
      'm=video 5006 RTP/AVP 31 34',
      'a=rtpmap:31 H261/90000',
      'm=audio 5004 RTP/AVP 0 101',
      'a=rtpmap:101 telephone-event/8000',
      'm=audio 5008 RTP/AVP 8',
    ]);
    const { sdp, streamIndex, media } = answerOffer(multi, LOCAL);
    expect(streamIndex).toBe(2);
    expect(media.remotePort).toBe(5004);
    // No fmtp in the offer: RFC 4733 §2.4.1 says events 0-15.
    expect(media.telephoneEventRange).toBe('0-15');
    const answer = parse(sdp);
    expect(answer.media.map((m) => [m.type, m.port, String(m.payloads)])).toEqual([
      ['audio', 0, '0'],
      ['video', 0, '31 34'],
      ['audio', 40000, '0 101'],
      ['audio', 0, '8'],
    ]);
  });

  it('mirrors directions: hold by sendonly, inactive, recvonly and c=0.0.0.0', () => {
    const cases: [string, string, string, boolean][] = [
      ['a=sendonly', 'recvonly', 'sendonly', true],
      ['a=recvonly', 'sendonly', 'recvonly', false],
      ['a=inactive', 'inactive', 'inactive', true],
      ['a=sendrecv', 'sendrecv', 'sendrecv', false],
    ];
    for (const [attribute, ours, theirs, hold] of cases) {
      const { sdp, media } = answerOffer(BASIC.replace('a=sendrecv', attribute), LOCAL);
      expect(media.direction).toBe(ours);
      expect(media.remoteDirection).toBe(theirs);
      expect(media.remoteHold).toBe(hold);
      expect(parse(sdp).media[0]!.direction).toBe(ours);
    }
    const oldHold = BASIC.replace('c=IN IP4 198.51.100.7', 'c=IN IP4 0.0.0.0');
    expect(answerOffer(oldHold, LOCAL).media).toMatchObject({
      direction: 'recvonly',
      remoteDirection: 'sendonly',
      remoteHold: true,
    });
    // A session-level attribute applies when the stream has none.
    const sessionLevel = BASIC.replace('a=sendrecv\r\n', '').replace(
      't=0 0',
      't=0 0\r\na=sendonly',
    );
    expect(answerOffer(sessionLevel, LOCAL).media.direction).toBe('recvonly');
    // We put them on hold in our answer: we never grant more than we want.
    expect(answerOffer(BASIC, { ...LOCAL, direction: 'sendonly' }).media.direction).toBe(
      'sendonly',
    );
  });

  it('reads IPv6 at media level over the session level, and a=rtcp', () => {
    const v6 = offer([
      'v=0',
      'o=- 1 1 IN IP6 2001:db8::1',
      's=-',
      'c=IN IP4 198.51.100.7',
      't=0 0',
      'm=audio 6000 RTP/AVP 0',
      'c=IN IP6 2001:db8::7',
      'a=rtcp:6010 IN IP6 2001:db8::8',
    ]);
    const { media, sdp } = answerOffer(v6, { address: '2001:db8::10', port: 41000 });
    expect(media).toMatchObject({
      remoteAddress: '2001:db8::7',
      remotePort: 6000,
      remoteRtcpAddress: '2001:db8::8',
      remoteRtcpPort: 6010,
    });
    expect(parse(sdp).connection).toEqual({ version: 6, ip: '2001:db8::10' });
    expect(sdp).toContain('o=- ');
    expect(sdp).toMatch(/^o=- \d+ 1 IN IP6 2001:db8::10\r$/m);
  });

  it('refuses multicast and FQDN addresses with 488', () => {
    expect(
      errorOf(() =>
        answerOffer(BASIC.replace('c=IN IP4 198.51.100.7', 'c=IN IP4 224.2.1.1/127'), LOCAL),
      ),
    ).toMatchObject({ status: 488, code: 'unsupported-address' });
    expect(
      errorOf(() =>
        answerOffer(BASIC.replace('c=IN IP4 198.51.100.7', 'c=IN IP4 pbx.example.com'), LOCAL),
      ),
    ).toMatchObject({ status: 488, code: 'unsupported-address' });
  });

  it('honours the offered ptime when we can packetize it, else sends 20 ms', () => {
    expect(answerOffer(BASIC.replace('a=ptime:20', 'a=ptime:30'), LOCAL).media.ptime).toBe(30);
    expect(answerOffer(BASIC.replace('a=ptime:20', 'a=ptime:10'), LOCAL).media.ptime).toBe(10);
    expect(answerOffer(BASIC.replace('a=ptime:20', 'a=ptime:25'), LOCAL).media.ptime).toBe(20);
    expect(answerOffer(BASIC.replace('a=ptime:20', 'a=ptime:90'), LOCAL).media.ptime).toBe(20);
    expect(
      answerOffer(BASIC.replace('a=ptime:20', 'a=ptime:60\r\na=maxptime:40'), LOCAL).media.ptime,
    ).toBe(40);
    expect(answerOffer(BASIC.replace('a=ptime:20\r\n', ''), LOCAL).media.ptime).toBe(20);
  });

  it('skips telephone-event at other rates and when DTMF is turned off', () => {
    const webrtc = BASIC.replace('telephone-event/8000', 'telephone-event/48000');
    expect(answerOffer(webrtc, LOCAL).media.telephoneEventPayloadType).toBeUndefined();
    const off = answerOffer(BASIC, { ...LOCAL, telephoneEvent: false });
    expect(off.media.telephoneEventPayloadType).toBeUndefined();
    expect(String(parse(off.sdp).media[0]!.payloads)).toBe('8');
  });

  it('keeps the o= session id and increments the version for the next answer', () => {
    const first = answerOffer(BASIC, LOCAL);
    const second = answerOffer(BASIC.replace('a=sendrecv', 'a=sendonly'), {
      ...LOCAL,
      previous: first.origin,
    });
    expect(second.origin.sessionId).toBe(first.origin.sessionId);
    expect(second.origin.sessionVersion).toBe(first.origin.sessionVersion + 1);
    const o = parse(second.sdp).origin;
    expect(String(o.sessionId)).toBe(first.origin.sessionId);
    expect(o.sessionVersion).toBe(first.origin.sessionVersion + 1);
  });

  it('refuses a LocalMedia that cannot be written', () => {
    expect(() => answerOffer(BASIC, { address: 'example.com', port: 4000 })).toThrow(/IP literal/);
    expect(() => answerOffer(BASIC, { address: '192.0.2.1', port: 0 })).toThrow(/port/);
  });
});

describe('createOffer / parseAnswer', () => {
  it('offers our codecs and telephone-event; re-offers keep the session id (RFC 3264 §8)', () => {
    const first = createOffer(LOCAL);
    const description = parse(first.sdp);
    expect(description.media[0]).toMatchObject({
      type: 'audio',
      port: 40000,
      protocol: 'RTP/AVP',
      payloads: '0 8 101',
      ptime: 20,
      direction: 'sendrecv',
    });
    expect(description.media[0]!.fmtp).toEqual([{ payload: 101, config: '0-16' }]);
    const hold = createOffer({ ...LOCAL, direction: 'sendonly', previous: first.origin });
    expect(hold.origin).toEqual({
      ...first.origin,
      sessionVersion: first.origin.sessionVersion + 1,
    });
    expect(parse(hold.sdp).media[0]!.direction).toBe('sendonly');
    const resume = createOffer({ ...LOCAL, previous: hold.origin });
    expect(resume.origin.sessionVersion).toBe(first.origin.sessionVersion + 2);
  });

  it('our offer answered by our own answerer negotiates both ways', () => {
    const { sdp: offerSdp } = createOffer({ ...LOCAL, codecs: ['PCMA', 'PCMU'] });
    const { sdp: answerSdp, media: theirs } = answerOffer(offerSdp, {
      address: '198.51.100.20',
      port: 30000,
    });
    expect(theirs).toMatchObject({ codec: 'PCMA', telephoneEventPayloadType: 101 });
    const ours = parseAnswer(answerSdp, offerSdp);
    expect(ours).toMatchObject({
      codec: 'PCMA',
      payloadType: 8,
      telephoneEventPayloadType: 101,
      remoteAddress: '198.51.100.20',
      remotePort: 30000,
      direction: 'sendrecv',
    });
    expect(ours.receivePayloadTypes).toEqual([
      { payloadType: 8, kind: 'PCMA' },
      { payloadType: 0, kind: 'PCMU' },
      { payloadType: 101, kind: 'telephone-event' },
    ]);
  });

  it('uses the answer numbering for what we send and mirrors its direction', () => {
    const { sdp: offerSdp } = createOffer(LOCAL);
    const answer = offer([
      'v=0',
      'o=bob 1 1 IN IP4 203.0.113.5',
      's=-',
      'c=IN IP4 203.0.113.5',
      't=0 0',
      'm=audio 7000 RTP/AVP 0 100',
      'a=rtpmap:100 telephone-event/8000',
      'a=fmtp:100 0-15',
      'a=recvonly',
    ]);
    expect(parseAnswer(answer, offerSdp)).toMatchObject({
      codec: 'PCMU',
      telephoneEventPayloadType: 100,
      direction: 'sendonly',
      remoteDirection: 'recvonly',
    });
  });

  it('refuses answers that reject the stream, change the m= lines or pick a codec we lack', () => {
    const { sdp: offerSdp } = createOffer(LOCAL);
    const head = ['v=0', 'o=- 1 1 IN IP4 203.0.113.5', 's=-', 'c=IN IP4 203.0.113.5', 't=0 0'];
    expect(
      errorOf(() => parseAnswer(offer([...head, 'm=audio 0 RTP/AVP 0']), offerSdp)),
    ).toMatchObject({
      code: 'rejected',
    });
    expect(
      errorOf(() =>
        parseAnswer(offer([...head, 'm=audio 7000 RTP/AVP 0', 'm=video 0 RTP/AVP 31']), offerSdp),
      ),
    ).toMatchObject({ code: 'answer-mismatch' });
    expect(
      errorOf(() =>
        parseAnswer(offer([...head, 'm=audio 7000 RTP/AVP 18', 'a=rtpmap:18 G729/8000']), offerSdp),
      ),
    ).toMatchObject({ code: 'no-acceptable-codec', status: 488 });
  });
});
