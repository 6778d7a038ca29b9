/**
 * baresip 1.0.0 (Debian), a real softphone, headless on 127.0.0.1 for the media tests:
 *
 * - what it sends comes from `aufile` (a WAV of 8 kHz mono S16LE; baresip hangs up at its end);
 * - what it hears and sends is written by `sndfile` to `dump-<time>-dec.wav` / `-enc.wav` in a
 *   directory of its own (two instances must not share one);
 * - `aubridge` with a device nobody else uses is the audio player: a sink that pulls at real time
 *   without a sound card;
 * - `ctrl_tcp` takes netstring JSON commands (`sndcode` sends RFC 4733 digits, `hangup`...);
 * - `answermode=auto` makes it pick up calls (the callee of the bridge test).
 *
 * Every instance gets a scratch directory, a free SIP port, a random RTP range and a control port;
 * `stop()` ends it (gracefully first, so libsndfile finishes its WAV headers) and removes the
 * directory.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, freeSipPortPair, freeUdpRange } from './ports.js';

export const BARESIP = '/usr/bin/baresip';
export const baresipInstalled = existsSync(BARESIP);

/** A test title that says why the test is skipped when baresip is not installed. */
export function needsBaresip(title: string): string {
  return baresipInstalled
    ? title
    : `${title} [skipped: ${BARESIP} is missing; apt-get install baresip]`;
}
const MODULES = '/usr/lib/baresip/modules';

export interface BaresipOptions {
  /** The account's user part (`sip:<user>@127.0.0.1`). */
  readonly user: string;
  /** WAV file (8 kHz mono S16LE) that aufile sends; baresip hangs up when it ends. */
  readonly source: string;
  /** Answer incoming calls by itself. */
  readonly autoAnswer?: boolean;
  /** Codecs it offers and accepts, in order (default PCMU, PCMA). */
  readonly codecs?: readonly ('PCMU' | 'PCMA')[];
  /** Place a call to this URI once started (`-e /dial ...`). */
  readonly dial?: string;
  /** baresip quits by itself after this long (`-t`), whatever the test does. */
  readonly quitAfterSeconds: number;
}

/** A ctrl_tcp event (`CALL_ESTABLISHED`, `CALL_DTMF_END`...) and its parameter (the digit). */
export interface BaresipEvent {
  readonly type: string;
  readonly param: string;
}

/** A ctrl_tcp response to a command. */
export interface BaresipResponse {
  readonly ok: boolean;
  readonly data: string;
}

export interface Baresip {
  readonly sipPort: number;
  /** `sip:<user>@127.0.0.1:<sipPort>`: where to call it. */
  readonly uri: string;
  /** Everything it printed so far (stdout and stderr). */
  output(): string;
  /** Resolves when `pattern` shows up in its output; rejects on exit or after `timeoutMs`. */
  waitFor(pattern: RegExp, timeoutMs: number): Promise<void>;
  /** ctrl_tcp events received so far, oldest first. */
  events(): readonly BaresipEvent[];
  /** Sends a ctrl_tcp command and resolves with its response. */
  command(command: string, params?: string): Promise<BaresipResponse>;
  /** Resolves with its exit code once it has ended. */
  readonly exited: Promise<number | null>;
  /** The sndfile dump of what it heard (`dec`) or sent (`enc`); throws if there is none. */
  dump(kind: 'dec' | 'enc'): Promise<Buffer>;
  /** Ends it if it still runs (SIGTERM, then SIGKILL after 3 s); its files stay. */
  end(): Promise<void>;
  /** Ends it and removes its directory. */
  stop(): Promise<void>;
}

/** baresip's ctrl_tcp framing: netstrings (`<length>:<bytes>,`) of JSON. */
function netstring(json: unknown): string {
  const text = JSON.stringify(json);
  return `${String(Buffer.byteLength(text))}:${text},`;
}

class NetstringReader {
  private buffer = Buffer.alloc(0);
  constructor(private readonly onMessage: (text: string) => void) {}

  push(chunk: Buffer): void {
    this.buffer = Buffer.concat([this.buffer, chunk]);
    for (;;) {
      const colon = this.buffer.indexOf(':');
      if (colon < 0) return;
      const length = Number(this.buffer.subarray(0, colon).toString('ascii'));
      if (!Number.isInteger(length)) throw new Error('ctrl_tcp sent something not a netstring');
      const end = colon + 1 + length;
      if (this.buffer.length < end + 1) return;
      this.onMessage(this.buffer.subarray(colon + 1, end).toString('utf8'));
      this.buffer = this.buffer.subarray(end + 1);
    }
  }
}

/** baresip could not start; `portClash` when a port was taken between our probe and its bind. */
class BaresipStartError extends Error {
  constructor(
    message: string,
    readonly portClash: boolean,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

async function connectWithRetry(
  port: number,
  timeoutMs: number,
  alive: () => boolean,
): Promise<Socket> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await new Promise<Socket>((resolve, reject) => {
        const socket = connect({ host: '127.0.0.1', port }, () => {
          socket.off('error', reject);
          resolve(socket);
        });
        socket.once('error', reject);
      });
    } catch (error) {
      if (Date.now() > deadline || !alive()) throw error;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}

/**
 * Starts baresip and connects to its control port. Ports are probed free first, but another
 * test may bind one before baresip does: a start that fails on a taken port is tried again
 * with new ports (baresip then exits at once, before it places any call).
 */
export async function startBaresip(options: BaresipOptions): Promise<Baresip> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await launch(options);
    } catch (error) {
      if (!(error instanceof BaresipStartError && error.portClash) || attempt >= 3) throw error;
    }
  }
}

async function launch(options: BaresipOptions): Promise<Baresip> {
  const dir = await mkdtemp(join(tmpdir(), `baresip-${options.user}-`));
  const sndDir = join(dir, 'snd');
  await mkdir(sndDir);
  const sipPort = await freeSipPortPair();
  const ctrlPort = await freePort();
  const rtp = await freeUdpRange(20);
  await writeFile(
    join(dir, 'config'),
    [
      `sip_listen 127.0.0.1:${String(sipPort)}`,
      `audio_player aubridge,sink-${options.user}`,
      `audio_alert aubridge,sink-${options.user}`,
      `audio_source aufile,${options.source}`,
      `rtp_ports ${String(rtp.min)}-${String(rtp.max)}`,
      `module_path ${MODULES}`,
      'module g711.so',
      'module aufile.so',
      'module aubridge.so',
      'module sndfile.so',
      `snd_path ${sndDir}`,
      'module ctrl_tcp.so',
      `ctrl_tcp_listen 127.0.0.1:${String(ctrlPort)}`,
      'module_app account.so',
      'module_app menu.so',
      '',
    ].join('\n'),
  );
  const answer = options.autoAnswer === true ? ';answermode=auto' : '';
  const codecs = (options.codecs ?? ['PCMU', 'PCMA']).join(',');
  await writeFile(
    join(dir, 'accounts'),
    `<sip:${options.user}@127.0.0.1>;regint=0;audio_codecs=${codecs}${answer}\n`,
  );
  const args = ['-f', dir, '-n', '127.0.0.1', '-t', String(options.quitAfterSeconds)];
  if (options.dial !== undefined) args.push('-e', `/dial ${options.dial}`);
  const child: ChildProcess = spawn(BARESIP, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const waiters = new Set<() => void>();
  const append = (chunk: Buffer): void => {
    output += chunk.toString('utf8');
    for (const waiter of waiters) waiter();
  };
  child.stdout?.on('data', append);
  child.stderr?.on('data', append);
  const exited = new Promise<number | null>((resolve) => {
    child.once('error', () => {
      resolve(null);
    });
    child.once('close', (code) => {
      resolve(code);
      for (const waiter of waiters) waiter();
    });
  });
  const running = (): boolean => child.exitCode === null && child.signalCode === null;

  const events: BaresipEvent[] = [];
  const pending = new Map<string, (response: BaresipResponse) => void>();
  let control: Socket | undefined;
  let tokens = 0;

  const end = async (): Promise<void> => {
    control?.destroy();
    if (running()) {
      child.kill('SIGTERM');
      const killer = setTimeout(() => child.kill('SIGKILL'), 3000);
      await exited;
      clearTimeout(killer);
    }
  };
  const stop = async (): Promise<void> => {
    await end();
    await rm(dir, { recursive: true, force: true });
  };

  try {
    control = await connectWithRetry(ctrlPort, 5000, running);
  } catch (error) {
    await stop();
    throw new BaresipStartError(
      `baresip did not open its control port:\n${output}`,
      output.includes('Address already in use'),
      { cause: error },
    );
  }
  const reader = new NetstringReader((text) => {
    const message = JSON.parse(text) as {
      response?: boolean;
      event?: boolean;
      type?: string;
      param?: string;
      ok?: boolean;
      data?: string;
      token?: string;
    };
    if (message.event === true && message.type !== undefined) {
      events.push({ type: message.type, param: message.param ?? '' });
    }
    if (message.response === true && message.token !== undefined) {
      pending.get(message.token)?.({ ok: message.ok === true, data: message.data ?? '' });
      pending.delete(message.token);
    }
  });
  control.on('data', (chunk: Buffer) => {
    reader.push(chunk);
  });
  control.on('error', () => undefined);

  return {
    sipPort,
    uri: `sip:${options.user}@127.0.0.1:${String(sipPort)}`,
    output: () => output,
    events: () => events,
    exited,
    waitFor(pattern, timeoutMs) {
      return new Promise((resolve, reject) => {
        const check = (): void => {
          if (pattern.test(output)) finish();
          else if (!running()) finish(new Error(`baresip exited before ${String(pattern)}`));
        };
        const finish = (error?: Error): void => {
          clearTimeout(timer);
          waiters.delete(check);
          if (error === undefined) resolve();
          else reject(new Error(`${error.message}; its output:\n${output.slice(-4000)}`));
        };
        const timer = setTimeout(() => {
          finish(new Error(`no ${String(pattern)} from baresip within ${String(timeoutMs)} ms`));
        }, timeoutMs);
        waiters.add(check);
        check();
      });
    },
    command(command, params) {
      tokens += 1;
      const token = `t${String(tokens)}`;
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          pending.delete(token);
          reject(new Error(`baresip did not answer ${command} within 5 s`));
        }, 5000);
        pending.set(token, (response) => {
          clearTimeout(timer);
          resolve(response);
        });
        control.write(netstring({ command, params: params ?? '', token }));
      });
    },
    async dump(kind) {
      const names = (await readdir(sndDir)).filter((name) => name.endsWith(`-${kind}.wav`));
      const [name] = names;
      if (name === undefined || names.length > 1) {
        throw new Error(`expected one ${kind} dump from baresip, found ${names.join(', ') || 0}`);
      }
      return readFile(join(sndDir, name));
    },
    end,
    stop,
  };
}
