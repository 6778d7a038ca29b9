/** The ACK an INVITE client transaction sends for a non-2xx final response (RFC 3261 §17.1.1.3). */
import { SipRequest, type HeaderField, type SipResponse } from '../message/index.js';
import { splitList } from '../message/syntax.js';

/**
 * RFC 3261 §17.1.1.3: same Request-URI, Call-ID, From and CSeq number as the INVITE, the CSeq
 * method ACK, the To of the response (with its tag), a single Via equal to the INVITE's top
 * Via, and the INVITE's Route fields. Max-Forwards is copied (every request carries one, §8.1.1).
 */
export function ackForFinalResponse(invite: SipRequest, response: SipResponse): SipRequest {
  const headers: HeaderField[] = [];
  const keys: string[] = [];
  let viaDone = false;
  for (let i = 0; i < invite.headers.length; i += 1) {
    const field = invite.headers[i];
    const key = invite.headerKeys[i];
    if (field === undefined || key === undefined) continue;
    switch (key) {
      case 'via':
        if (viaDone) break;
        viaDone = true;
        headers.push({ name: field.name, value: splitList(field.value)[0] ?? field.value });
        keys.push(key);
        break;
      case 'to':
        headers.push({ name: field.name, value: response.header('to') ?? field.value });
        keys.push(key);
        break;
      case 'cseq':
        headers.push({ name: field.name, value: `${String(invite.cseq().seq)} ACK` });
        keys.push(key);
        break;
      case 'from':
      case 'call-id':
      case 'max-forwards':
      case 'route':
        headers.push(field);
        keys.push(key);
        break;
      default:
        break;
    }
  }
  return new SipRequest({
    method: 'ACK',
    uri: invite.uri,
    version: invite.version,
    headers,
    headerKeys: keys,
  });
}
