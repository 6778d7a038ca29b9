/**
 * Writes the SDP we produce (offers and answers: v, o, s, c, t, and audio m= sections with
 * rtpmap, fmtp, ptime and direction; rejected streams as a bare m= line), in RFC 4566 §5 order.
 * Byte for byte what sdp-transform's `write` gives for these descriptions (a test compares them),
 * at a fraction of its cost: its generic writer formats every line through regular expressions,
 * and it ran twice per forwarded call.
 */
import type { MediaDescription, SessionDescription } from 'sdp-transform';

const CRLF = '\r\n';

/** sdp-transform writes `%d` fields through Number(): keep that for identical output. */
function num(value: unknown): string {
  return String(Number(value));
}

function writeMedia(media: MediaDescription): string {
  // sdp-transform's types say string; its parser gives a number for a single format.
  const payloads: unknown = media.payloads;
  const formats = typeof payloads === 'string' || typeof payloads === 'number' ? payloads : '';
  let out = `m=${media.type} ${num(media.port)} ${media.protocol} ${String(formats)}${CRLF}`;
  if (media.connection !== undefined) {
    out += `c=IN IP${num(media.connection.version)} ${media.connection.ip}${CRLF}`;
  }
  for (const map of media.rtp) {
    out += `a=rtpmap:${num(map.payload)} ${map.codec}`;
    if (map.encoding !== undefined && map.encoding !== 0) {
      out += `/${String(map.rate)}/${String(map.encoding)}`;
    } else if (map.rate !== undefined && map.rate !== 0) {
      out += `/${String(map.rate)}`;
    }
    out += CRLF;
  }
  for (const fmtp of media.fmtp) out += `a=fmtp:${num(fmtp.payload)} ${fmtp.config}${CRLF}`;
  if (media.ptime !== undefined) out += `a=ptime:${num(media.ptime)}${CRLF}`;
  if (media.direction !== undefined) out += `a=${media.direction}${CRLF}`;
  return out;
}

/** The SDP text of a description built by describeSession (write-sdp.ts). */
export function writeSdp(session: SessionDescription): string {
  const o = session.origin;
  let out = `v=${num(session.version)}${CRLF}`;
  out +=
    `o=${o.username} ${String(o.sessionId)} ${num(o.sessionVersion)} ${o.netType}` +
    ` IP${num(o.ipVer)} ${o.address}${CRLF}`;
  out += `s=${session.name}${CRLF}`;
  if (session.connection !== undefined) {
    out += `c=IN IP${num(session.connection.version)} ${session.connection.ip}${CRLF}`;
  }
  out += `t=${num(session.timing.start)} ${num(session.timing.stop)}${CRLF}`;
  for (const media of session.media) out += writeMedia(media);
  return out;
}
