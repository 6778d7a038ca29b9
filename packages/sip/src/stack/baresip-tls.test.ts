/**
 * A real peer over TLS: baresip 1.0.0 (Debian) calls a stack listening on TLS and gets the
 * stack's 486 on the same connection; its ACK comes back on it too. (baresip 1.0.0 does not
 * verify server certificates: checked by hand, a wrong `sip_cafile` still connects. Our own
 * client side's verification is tested in transport/tls.test.ts.) Skipped when baresip or
 * openssl is missing.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createResponse, type SipRequest } from '../message/index.js';
import { opensslAvailable, selfSignedCertificate } from '../transport/test-support/certificates.js';
import { until } from '../transport/test-support/sockets.js';
import { startSipStack } from './stack.js';

const BARESIP = '/usr/bin/baresip';
const available = existsSync(BARESIP) && opensslAvailable;

describe.skipIf(!available)('baresip over TLS', () => {
  it('calls the stack over TLS and gets 486 Busy Here on the same connection', async () => {
    const certificate = await selfSignedCertificate();
    const invites: SipRequest[] = [];
    const stack = await startSipStack({
      listen: [{ transport: 'tls', host: '127.0.0.1' }],
      tls: { cert: certificate.cert, key: certificate.key },
      delegate: {
        onRequest(request, transaction) {
          invites.push(request);
          transaction.respond(
            createResponse(request, request.method === 'INVITE' ? 486 : 200, undefined, {
              toTag: 'busy',
            }),
          );
        },
        onCancel(cancel, transaction) {
          transaction.respond(createResponse(cancel, 481));
        },
        onAck: () => undefined,
        onStrayResponse: () => undefined,
      },
    });
    const dir = await mkdtemp(join(tmpdir(), 'baresip-tls-'));
    let output = '';
    const child = { process: undefined as ReturnType<typeof spawn> | undefined };
    try {
      await writeFile(
        join(dir, 'config'),
        [
          'sip_listen 127.0.0.1:0',
          'audio_player aufile,/dev/null',
          'audio_alert aufile,/dev/null',
          'audio_source ausine,440',
          'module_path /usr/lib/baresip/modules',
          'module g711.so',
          'module ausine.so',
          'module aufile.so',
          'module_app account.so',
          'module_app menu.so',
          '',
        ].join('\n'),
      );
      await writeFile(join(dir, 'accounts'), '<sip:alice@127.0.0.1;transport=tls>;regint=0\n');
      const port = stack.transports.transport('tls')?.local.port ?? 0;
      const baresip = spawn(
        BARESIP,
        [
          '-f',
          dir,
          '-n',
          '127.0.0.1',
          '-t',
          '10',
          '-e',
          `/dial sip:bob@127.0.0.1:${String(port)};transport=tls`,
        ],
        { stdio: ['ignore', 'pipe', 'pipe'] },
      );
      child.process = baresip;
      baresip.stdout.on('data', (chunk: Buffer) => {
        output += chunk.toString();
      });
      baresip.stderr.on('data', (chunk: Buffer) => {
        output += chunk.toString();
      });
      await until(() => output.includes('486 Busy Here'), 8_000);
      expect(invites.map((request) => request.method)).toEqual(['INVITE']);
      expect(invites[0]?.topVia().transport).toBe('TLS');
      // The ACK for the 486 (hop by hop, §17.1.1.3) ends the server transaction at once over TLS.
      await until(() => stack.transactions.serverCount === 0, 5_000);
    } finally {
      child.process?.kill('SIGKILL');
      await stack.close();
      await rm(dir, { recursive: true, force: true });
    }
  }, 20_000);
});
