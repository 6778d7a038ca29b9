/**
 * `npm run bench:sip-parse`: how fast the message layer reads and writes SIP. A typical INVITE
 * with SDP and a 200 OK with three Vias and a Record-Route list, each parsed as it arrives
 * (framing, start line, and the checks of Via, From, To, Call-ID, CSeq, Max-Forwards and Contact
 * that every message gets) and then with every header read as well (all typed accessors, plus
 * each field by name). Also the serializer and a response built from the INVITE.
 */
import { Bench } from 'tinybench';
import {
  createResponse,
  parseMessage,
  serializeMessage,
  SipStreamParser,
  type SipMessage,
} from '../src/message/index.js';
import { INVITE, OK } from '../src/message/test-support/messages.js';

function parsed(bytes: Buffer): SipMessage {
  const result = parseMessage(bytes);
  if (!result.ok) throw new Error(`benchmark message does not parse: ${result.error.reason}`);
  return result.message;
}

/** Reads every header the way the layers above can: typed accessors and raw values. */
function touchEverything(message: SipMessage): number {
  let n = 0;
  n += message.via().length;
  n += message.topVia().branch?.length ?? 0;
  n += message.from().tag?.length ?? 0;
  n += message.to().uri.kind.length;
  n += message.callId.length;
  n += message.cseq().seq;
  n += message.maxForwards() ?? 0;
  const contact = message.contact();
  n += contact === '*' ? 1 : contact.length;
  n += message.route().length + message.recordRoute().length;
  n += message.contentType?.mediaType.length ?? 0;
  n += message.expires() ?? 0;
  n += message.contentLength;
  for (const field of message.headers) n += message.headerList(field.name).length;
  return n;
}

const invite = parsed(INVITE);
if (invite.kind !== 'request') throw new Error('INVITE is not a request');
let sink = 0;

const bench = new Bench({ time: 1_500, warmupTime: 300 });
bench
  .add('parse INVITE with SDP', () => {
    sink += parsed(INVITE).headers.length;
  })
  .add('parse INVITE with SDP + read every header', () => {
    sink += touchEverything(parsed(INVITE));
  })
  .add('parse 200 OK', () => {
    sink += parsed(OK).headers.length;
  })
  .add('parse 200 OK + read every header', () => {
    sink += touchEverything(parsed(OK));
  })
  .add('frame INVITE + 200 OK on a stream', () => {
    const parser = new SipStreamParser();
    sink += parser.push(INVITE).length + parser.push(OK).length;
  })
  .add('serialize INVITE', () => {
    sink += serializeMessage(invite).length;
  })
  .add('createResponse(INVITE, 180) + serialize', () => {
    sink += serializeMessage(createResponse(invite, 180, undefined, { toTag: 'bench' })).length;
  });

console.log(
  `SIP message layer: INVITE ${String(INVITE.length)} bytes, 200 OK ${String(OK.length)} bytes`,
);
await bench.run();
console.table(
  bench.tasks.map((task) => {
    const result = task.result as
      { throughput?: { mean: number }; latency?: { p50?: number; p99?: number } } | undefined;
    return {
      task: task.name,
      'messages/s': Math.round(result?.throughput?.mean ?? 0),
      'p50 µs': ((result?.latency?.p50 ?? Number.NaN) * 1000).toFixed(2),
      'p99 µs': ((result?.latency?.p99 ?? Number.NaN) * 1000).toFixed(2),
    };
  }),
);
if (sink === 0) console.log('(nothing measured)');
