/**
 * The desk phone's view of message waiting: the NOTIFY requests SIPp received (from its message
 * log), each with the headers RFC 3842 / RFC 6665 ask for and its `message-summary` body read
 * here, independently of the server's own formatter.
 */
import { header, type TracedMessage } from '../peers/sip-trace.js';

export interface ReceivedNotify {
  readonly at: string;
  readonly requestUri: string;
  readonly event: string | undefined;
  readonly subscriptionState: string | undefined;
  readonly contentType: string | undefined;
  /** `yes` / `no`. */
  readonly messagesWaiting: string | undefined;
  readonly messageAccount: string | undefined;
  /** `Voice-Message: new/old` as written, e.g. `1/0`. */
  readonly voiceMessage: string | undefined;
  readonly body: string;
}

/** `Name: value` lines of a message-summary body (RFC 3842 §5.2), by lower-case name. */
function summaryFields(body: string): Map<string, string> {
  const fields = new Map<string, string>();
  for (const line of body.split(/\r?\n/)) {
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    fields.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
  }
  return fields;
}

/** Every NOTIFY SIPp received, in order. */
export function receivedNotifies(messages: readonly TracedMessage[]): ReceivedNotify[] {
  return messages
    .filter((m) => m.direction === 'received' && m.method === 'NOTIFY')
    .map((m) => {
      const fields = summaryFields(m.body);
      // `Voice-Message: 1/0 (0/0)`: new/old, then the urgent counts, which we leave out.
      const voice = fields.get('voice-message')?.split(/\s+/)[0];
      return {
        at: m.at,
        requestUri: m.startLine.split(' ')[1] ?? '',
        event: header(m, 'event'),
        subscriptionState: header(m, 'subscription-state'),
        contentType: header(m, 'content-type'),
        messagesWaiting: fields.get('messages-waiting')?.toLowerCase(),
        messageAccount: fields.get('message-account'),
        voiceMessage: voice,
        body: m.body,
      };
    });
}

/** The 200s SIPp sent back to NOTIFYs (each answered, or the server would retransmit). */
export function notifyAnswers(messages: readonly TracedMessage[]): number[] {
  return messages
    .filter((m) => m.direction === 'sent' && m.cseqMethod === 'NOTIFY' && m.status !== undefined)
    .map((m) => m.status ?? 0);
}
