import { Session } from 'node:inspector/promises';
import { writeFileSync } from 'node:fs';
import { createSipStack } from '../src/sip-stack.js';
import { runSipp } from '../src/stack/test-support/sipp.js';
const SDP =
  'v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 40000 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n';
const sip = await createSipStack({
  host: '127.0.0.1',
  port: 0,
  tcp: false,
  delegate: {
    onInvite(invite) {
      invite.progress(180);
      invite.accept({ sdp: SDP }).catch(() => undefined);
    },
  },
});
const session = new Session();
session.connect();
await session.post('HeapProfiler.startSampling', {
  samplingInterval: 1024,
  includeObjectsCollectedByMajorGC: true,
  includeObjectsCollectedByMinorGC: true,
});
const r = await runSipp({
  args: ['-sn', 'uac'],
  remote: `127.0.0.1:${sip.port}`,
  calls: 4000,
  rate: 1000,
  timeoutSeconds: 30,
});
const { profile } = await session.post('HeapProfiler.stopSampling');
writeFileSync(process.argv[2] ?? '/tmp/s1/alloc.heapprofile', JSON.stringify(profile));
console.log(r.successfulCalls, r.failedCalls);
await sip.close();
process.exit(0);
