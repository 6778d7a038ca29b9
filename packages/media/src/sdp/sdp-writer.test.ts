import { parse, write } from 'sdp-transform';
import { describe, expect, it } from 'vitest';
import { answerOffer, createOffer } from './index.js';
import { writeSdp } from './sdp-writer.js';

/** Offers covering what our answers echo: several m= lines, rejected streams, IPv6, holds. */
const OFFERS = [
  [
    'v=0',
    'o=- 1 1 IN IP4 192.0.2.1',
    's=call',
    'c=IN IP4 192.0.2.1',
    't=0 0',
    'm=video 5000 RTP/AVP 96',
    'a=rtpmap:96 H264/90000',
    'm=audio 4000 RTP/AVP 8 0 101',
    'a=rtpmap:101 telephone-event/8000',
    'a=fmtp:101 0-16',
    'a=ptime:30',
    'a=sendonly',
    'm=audio 0 RTP/AVP 0',
    '',
  ].join('\r\n'),
  [
    'v=0',
    'o=- 2 5 IN IP6 2001:db8::1',
    's=-',
    't=0 0',
    'm=audio 4002 RTP/AVP 0',
    'c=IN IP6 2001:db8::2',
    'a=inactive',
    '',
  ].join('\r\n'),
  [
    'v=0',
    'o=user1 53655765 2353687637 IN IP4 127.0.0.1',
    's=-',
    'c=IN IP4 0.0.0.0',
    't=0 0',
    'm=audio 6000 RTP/SAVP 0',
    'm=audio 6002 RTP/AVP 8',
    'a=rtpmap:8 PCMA/8000/1',
    '',
  ].join('\r\n'),
];

describe('writeSdp', () => {
  it("writes our answers and offers exactly as sdp-transform's write would", () => {
    const local = { address: '198.51.100.7', port: 20_000 };
    const written = [
      ...OFFERS.map((offer) => answerOffer(offer, local).sdp),
      createOffer(local).sdp,
      createOffer({ ...local, address: '2001:db8::7', codecs: ['PCMA'], direction: 'sendonly' })
        .sdp,
      createOffer({ ...local, telephoneEvent: false, sessionName: 'x' }).sdp,
    ];
    for (const sdp of written) {
      // Parse our output and write it back with sdp-transform: the same bytes.
      expect(write(parse(sdp))).toBe(sdp);
      expect(writeSdp(parse(sdp))).toBe(sdp);
    }
    // Rejected streams keep their formats with port 0; the chosen one is complete.
    expect(written[0]).toContain('m=video 0 RTP/AVP 96\r\nm=audio 20000 RTP/AVP 8 101\r\n');
    expect(written[0]).toContain('a=rtpmap:8 PCMA/8000\r\na=rtpmap:101 telephone-event/8000\r\n');
    expect(written[0]).toContain('a=fmtp:101 0-16\r\na=ptime:20\r\na=recvonly\r\nm=audio 0');
  });

  it('writes encodings and media-level c= like sdp-transform', () => {
    const session = parse(
      [
        'v=0',
        'o=- 7 2 IN IP4 192.0.2.1',
        's=-',
        't=0 0',
        'm=audio 4000 RTP/AVP 96',
        'c=IN IP4 192.0.2.9',
        'a=rtpmap:96 opus/48000/2',
        '',
      ].join('\r\n'),
    );
    expect(writeSdp(session)).toBe(write(session));
  });
});
