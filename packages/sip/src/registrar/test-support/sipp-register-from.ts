/**
 * One REGISTER with digest by SIPp 3.6.1 (the sipp/register.xml scenario: 401, then 200) from a
 * chosen loopback address. `runSipp` of the stack's tests always binds 127.0.0.1; the scanner
 * tests need a second source (127.0.0.2: Linux answers the whole 127/8 on `lo`) to show that
 * the failure limiter refuses a source, not an account. Bounded by SIPp's own timeout and a
 * SIGKILL of its process group.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { freePort, SIPP } from '../../stack/test-support/sipp.js';

const REGISTER_SCENARIO = fileURLToPath(new URL('./sipp/register.xml', import.meta.url));

export interface SippRegisterResult {
  /** 0: registered (401 then 200); 1: the scenario failed (e.g. a 403 instead of a 200). */
  readonly exitCode: number | null;
  readonly output: string;
}

export async function registerWithSippFrom(options: {
  readonly localHost: string;
  readonly remotePort: number;
  readonly user: string;
  readonly password: string;
}): Promise<SippRegisterResult> {
  const timeoutSeconds = 10;
  const child = spawn(
    SIPP,
    [
      `127.0.0.1:${String(options.remotePort)}`,
      '-sf',
      REGISTER_SCENARIO,
      '-s',
      options.user,
      '-au',
      options.user,
      '-ap',
      options.password,
      '-i',
      options.localHost,
      '-p',
      String(await freePort()),
      '-m',
      '1',
      '-nostdin',
      '-timeout',
      String(timeoutSeconds),
      '-timeout_error',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'], detached: true },
  );
  let output = '';
  const keep = (chunk: string): void => {
    output = (output + chunk).slice(-4000);
  };
  child.stdout.setEncoding('utf8').on('data', keep);
  child.stderr.setEncoding('utf8').on('data', keep);
  const killer = setTimeout(
    () => {
      killGroup(child.pid);
    },
    (timeoutSeconds + 5) * 1000,
  );
  try {
    const exitCode = await new Promise<number | null>((resolve, reject) => {
      child.once('error', reject);
      child.once('close', resolve);
    });
    return { exitCode, output };
  } finally {
    clearTimeout(killer);
    if (child.exitCode === null && child.signalCode === null) killGroup(child.pid);
  }
}

function killGroup(pid: number | undefined): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    // Already gone.
  }
}
