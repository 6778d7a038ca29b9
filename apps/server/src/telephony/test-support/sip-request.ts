/** A parsed SIP request from header lines, as a transport would deliver it. */
import { parseMessage, type SipRequest } from '@switchboard/sip';

export function sipRequest(startLine: string, headers: readonly string[], body = ''): SipRequest {
  const lines = [
    startLine,
    'Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK-test;rport',
    'Max-Forwards: 70',
    'Call-ID: test-call@192.0.2.1',
    `CSeq: 1 ${startLine.split(' ')[0] ?? 'INVITE'}`,
    ...headers,
    `Content-Length: ${String(Buffer.byteLength(body))}`,
  ];
  const parsed = parseMessage(Buffer.from(`${lines.join('\r\n')}\r\n\r\n${body}`));
  if (!parsed.ok) throw new Error(`test request does not parse: ${parsed.error.reason}`);
  if (parsed.message.kind !== 'request') throw new Error('test request parsed as a response');
  return parsed.message;
}
