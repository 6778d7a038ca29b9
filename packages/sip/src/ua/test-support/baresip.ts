/**
 * baresip 1.0.0 (Debian), a real softphone, run headless on 127.0.0.1 for the user agent and
 * registrar tests: a scratch config directory with one account, an aufile audio source (a sine
 * written as 8 kHz mono S16LE WAV, what aufile wants), no stdio module (stdin is /dev/null), and
 * SIP tracing on (`-s`) so a test can read what baresip received and sent. `stop()` always kills
 * it and removes its directory.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../../stack/test-support/sipp.js';

export const BARESIP = '/usr/bin/baresip';
export const baresipInstalled = existsSync(BARESIP);

export interface BaresipOptions {
  /** The account line: `<sip:alice@127.0.0.1:5060>;auth_pass=...;answermode=auto;audio_codecs=pcmu`. */
  readonly account: string;
  /** baresip quits by itself after this many seconds (`-t`), a safety net. Default 60. */
  readonly lifetimeSeconds?: number;
  /** Length of the audio it sends (aufile hangs up at the end of the file). Default 30 s. */
  readonly audioSeconds?: number;
}

/** One SIP message in baresip's trace: what it sent or received. */
export interface TracedMessage {
  readonly protocol: string;
  /** `host:port` of the sender and the receiver. */
  readonly from: string;
  readonly to: string;
  /** The start line: `INVITE sip:... SIP/2.0` or `SIP/2.0 200 OK`. */
  readonly startLine: string;
  /** The CSeq value: `2 BYE`. */
  readonly cseq: string;
  readonly text: string;
}

export interface Baresip {
  /** The port of `sip_listen` (UDP and TCP; TLS takes the next one). */
  readonly port: number;
  /** Everything baresip printed so far (stdout and stderr). */
  output(): string;
  /** The SIP messages of its trace so far, in order. */
  trace(): TracedMessage[];
  /** Waits until the output contains `text` (or matches it); rejects with the output if not. */
  waitFor(text: string | RegExp, timeoutMs?: number): Promise<void>;
  /** Kills baresip if it still runs and removes its directory. */
  stop(): Promise<void>;
}

/** A WAV file of a sine tone: 8 kHz, mono, 16-bit little-endian PCM. */
export function sineWav(seconds: number, frequency = 440): Buffer {
  const rate = 8000;
  const samples = Math.round(rate * seconds);
  const data = Buffer.alloc(samples * 2);
  for (let i = 0; i < samples; i += 1) {
    data.writeInt16LE(Math.round(8000 * Math.sin((2 * Math.PI * frequency * i) / rate)), i * 2);
  }
  const header = Buffer.alloc(44);
  header.write('RIFF', 0, 'ascii');
  header.writeUInt32LE(36 + data.length, 4);
  header.write('WAVE', 8, 'ascii');
  header.write('fmt ', 12, 'ascii');
  header.writeUInt32LE(16, 16); // fmt chunk size
  header.writeUInt16LE(1, 20); // PCM
  header.writeUInt16LE(1, 22); // mono
  header.writeUInt32LE(rate, 24);
  header.writeUInt32LE(rate * 2, 28); // byte rate
  header.writeUInt16LE(2, 32); // block align
  header.writeUInt16LE(16, 34); // bits per sample
  header.write('data', 36, 'ascii');
  header.writeUInt32LE(data.length, 40);
  return Buffer.concat([header, data]);
}

// libre prints each traced message as ESC[36;1m#, a line `PROTO src -> dst`, the message, ESC[;m.
// eslint-disable-next-line no-control-regex -- those ANSI escapes are what delimit the messages
const TRACE_BLOCK = /\u001b\[36;1m#\r?\n(\w+) (\S+) -> (\S+)\r?\n([\s\S]*?)\u001b\[;m/g;

/** The SIP messages in baresip's `-s` trace output. */
export function parseTrace(output: string): TracedMessage[] {
  const messages: TracedMessage[] = [];
  for (const match of output.matchAll(TRACE_BLOCK)) {
    const text = match[4] ?? '';
    const startLine = text.split(/\r?\n/, 1)[0] ?? '';
    const cseq = /^CSeq:\s*(.+?)\s*$/im.exec(text)?.[1] ?? '';
    messages.push({
      protocol: match[1] ?? '',
      from: match[2] ?? '',
      to: match[3] ?? '',
      startLine,
      cseq,
      text,
    });
  }
  return messages;
}

/** True when nothing listens on TCP 127.0.0.1:port. */
async function tcpFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => {
      resolve(false);
    });
    server.listen(port, '127.0.0.1', () => {
      server.close(() => {
        resolve(true);
      });
    });
  });
}

/** A port free for UDP and TCP whose next port is free for TCP too (baresip's TLS listener). */
async function baresipPort(): Promise<number> {
  for (let attempt = 0; attempt < 20; attempt += 1) {
    const port = await freePort();
    if (port < 65535 && (await tcpFree(port + 1))) return port;
  }
  throw new Error('no pair of free ports for baresip on 127.0.0.1');
}

function config(port: number, audioFile: string): string {
  return [
    `sip_listen 127.0.0.1:${String(port)}`,
    'audio_player aufile,/dev/null',
    'audio_alert aufile,/dev/null',
    `audio_source aufile,${audioFile}`,
    'module_path /usr/lib/baresip/modules',
    'module g711.so',
    'module aufile.so',
    'module_app account.so',
    // menu carries out answermode=auto and prints call events; no stdio.so: stdin is /dev/null.
    'module_app menu.so',
    '',
  ].join('\n');
}

async function until(check: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return true;
}

/**
 * Starts baresip and resolves once it says it is ready. A port taken between the check and
 * baresip's bind (it exits with "Address already in use") is retried with another one.
 */
export async function startBaresip(options: BaresipOptions): Promise<Baresip> {
  if (!baresipInstalled) {
    throw new Error('baresip is not installed: apt-get install baresip (.ci/run does it)');
  }
  const dir = await mkdtemp(join(tmpdir(), 'baresip-'));
  try {
    const audioFile = join(dir, 'source.wav');
    await writeFile(audioFile, sineWav(options.audioSeconds ?? 30));
    let failures = '';
    for (let attempt = 0; attempt < 5; attempt += 1) {
      const port = await baresipPort();
      await writeFile(join(dir, 'config'), config(port, audioFile));
      await writeFile(join(dir, 'accounts'), `${options.account}\n`);
      const started = await launch(dir, port, options.lifetimeSeconds ?? 60);
      if (started !== undefined) return started;
      failures += `attempt ${String(attempt + 1)} on port ${String(port)} failed\n`;
    }
    throw new Error(`baresip did not start:\n${failures}`);
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
}

/** Runs baresip in `dir`; undefined when it exited before it was ready. */
async function launch(
  dir: string,
  port: number,
  lifetimeSeconds: number,
): Promise<Baresip | undefined> {
  const child: ChildProcess = spawn(
    BARESIP,
    ['-f', dir, '-n', '127.0.0.1', '-s', '-t', String(lifetimeSeconds)],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  const exited = new Promise<void>((resolve) => {
    child.once('close', () => {
      resolve();
    });
    child.once('error', () => {
      resolve();
    });
  });
  const running = (): boolean => child.exitCode === null && child.signalCode === null;
  const kill = async (): Promise<void> => {
    if (running()) child.kill('SIGKILL');
    await exited;
  };
  const ready = await until(() => output.includes('baresip is ready.') || !running(), 10_000);
  if (!ready || !running()) {
    await kill();
    if (output.includes('Address already in use')) return undefined;
    throw new Error(`baresip did not become ready:\n${output}`);
  }
  return {
    port,
    output: () => output,
    trace: () => parseTrace(output),
    async waitFor(text, timeoutMs = 10_000) {
      const found = (): boolean =>
        typeof text === 'string' ? output.includes(text) : text.test(output);
      if (!(await until(found, timeoutMs))) {
        throw new Error(`baresip did not print ${String(text)}; it printed:\n${output}`);
      }
    },
    async stop() {
      await kill();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
