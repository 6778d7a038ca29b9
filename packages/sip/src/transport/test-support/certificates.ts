/**
 * Self-signed certificates for the TLS and WSS tests, made at test time with the `openssl` CLI
 * in a temporary directory that is removed at once (no private key is ever committed). Node's
 * crypto cannot issue X.509 certificates, so without openssl the TLS tests are skipped.
 */
import { execFile, spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export const opensslAvailable = spawnSync('openssl', ['version']).status === 0;

export interface TestCertificate {
  /** PEM certificate (self-signed, so it is its own CA). */
  readonly cert: string;
  /** PEM private key. */
  readonly key: string;
}

/**
 * A self-signed P-256 certificate for `name` (and 127.0.0.1 unless `withAddress` is false),
 * valid for two days.
 */
export async function selfSignedCertificate(
  name = 'localhost',
  options: { readonly withAddress?: boolean } = {},
): Promise<TestCertificate> {
  const names = `DNS:${name}${options.withAddress === false ? '' : ',IP:127.0.0.1'}`;
  const dir = await mkdtemp(join(tmpdir(), 'sip-tls-'));
  try {
    const key = join(dir, 'key.pem');
    const cert = join(dir, 'cert.pem');
    await run('openssl', [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-keyout',
      key,
      '-out',
      cert,
      '-days',
      '2',
      '-subj',
      `/CN=${name}`,
      '-addext',
      `subjectAltName=${names}`,
    ]);
    return { cert: await readFile(cert, 'utf8'), key: await readFile(key, 'utf8') };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
