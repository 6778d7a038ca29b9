/**
 * baresip 1.0 (Debian), a real softphone, headless: it registers with Switchboard as a user's
 * SIP device, answers automatically or lets it ring (switchable while it runs), sends a WAV
 * file as its microphone (it hangs up when the file ends) and writes what it heard to
 * `dump-*-dec.wav` (sndfile module). Driven through ctrl_tcp (netstring JSON commands and
 * events). Its config directory is a temp folder, removed by `stop()`.
 */
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnPeer, waitUntil, type PeerProcess } from './child.js';
import { freePort, freePorts } from './ports.js';

export const BARESIP = '/usr/bin/baresip';
export const baresipInstalled = existsSync(BARESIP);

export type AnswerMode = 'manual' | 'auto';

// eslint-disable-next-line no-control-regex -- baresip colours its trace with ANSI escapes.
const TRACE_BLOCK = /\u001b\[36;1m#\r?\n\w+ (\S+) -> (\S+)\r?\n([\s\S]*?)\u001b\[;m/g;

export interface BaresipOptions {
  /** Digest username and password of the device, and where Switchboard's registrar listens. */
  readonly username: string;
  readonly password: string;
  readonly registrar: { readonly host: string; readonly port: number };
  readonly answerMode: AnswerMode;
  /** 8 kHz mono 16-bit WAV sent as the microphone once a call is answered. */
  readonly audioFile: string;
}

/** A ctrl_tcp event: `{ type: 'CALL_INCOMING', class: 'call', param: ..., peeruri: ... }`. */
export interface BaresipEvent {
  readonly type: string;
  readonly class?: string;
  readonly param?: string;
  readonly peeruri?: string;
  readonly id?: string;
  /** When the test received it (Date.now()). */
  readonly receivedAt: number;
}

export interface BaresipRecording {
  readonly file: string;
  /** `dec`: what the phone heard; `enc`: what it sent. */
  readonly kind: 'dec' | 'enc';
}

export class Baresip {
  readonly events: BaresipEvent[] = [];
  private readonly pending = new Map<string, (reply: { ok: boolean; data: string }) => void>();
  private buffer = '';
  private nextToken = 1;

  private constructor(
    readonly process: PeerProcess,
    readonly dir: string,
    readonly sipPort: number,
    private readonly control: Socket,
  ) {
    control.setEncoding('utf8').on('data', (chunk: string) => {
      this.buffer += chunk;
      this.drain();
    });
  }

  static async start(options: BaresipOptions): Promise<Baresip> {
    const dir = await mkdtemp(join(tmpdir(), 'baresip-'));
    const recordings = join(dir, 'recordings');
    await mkdir(recordings);
    // baresip listens for TLS on its SIP port + 1, so it needs two ports.
    const sipPort = await freePorts(2);
    const controlPort = await freePort();
    await writeFile(
      join(dir, 'config'),
      [
        `sip_listen 127.0.0.1:${String(sipPort)}`,
        'audio_player alsa,null',
        'audio_alert alsa,null',
        `audio_source aufile,${options.audioFile}`,
        'module_path /usr/lib/baresip/modules',
        'module g711.so',
        'module aufile.so',
        'module alsa.so',
        'module sndfile.so',
        `snd_path ${recordings}`,
        'module_app account.so',
        'module_app menu.so',
        'module_app ctrl_tcp.so',
        `ctrl_tcp_listen 127.0.0.1:${String(controlPort)}`,
        '',
      ].join('\n'),
    );
    const { host, port } = options.registrar;
    await writeFile(
      join(dir, 'accounts'),
      `<sip:${options.username}@${host}:${String(port)}>;auth_pass=${options.password};` +
        `answermode=${options.answerMode};regint=300;audio_codecs=pcmu\n`,
    );
    // -s: SIP trace on stdout, so a test can see what the phone received.
    const process = spawnPeer('baresip', BARESIP, ['-f', dir, '-n', '127.0.0.1', '-s'], {
      cwd: dir,
    });
    let control: Socket | undefined;
    try {
      control = await waitUntil(
        'baresip ctrl_tcp',
        async () => {
          if (!process.running) throw new Error(`baresip exited:\n${process.output()}`);
          return tryConnect(controlPort);
        },
        10_000,
        () => process.output().slice(-3000),
      );
      return new Baresip(process, dir, sipPort, control);
    } catch (error) {
      control?.destroy();
      await process.stop(1000);
      await rm(dir, { recursive: true, force: true });
      throw error;
    }
  }

  /** Waits until the registrar accepted the phone's REGISTER (baresip prints its bindings). */
  async registered(timeoutMs = 10_000): Promise<void> {
    const refused = this.process
      .waitForOutput(/\{0\/UDP\/v4\} [4-6]\d\d [^\n]*/, timeoutMs)
      .then((failure) => {
        throw new Error(
          `baresip REGISTER failed: ${failure[0]}\n${this.process.output().slice(-3000)}`,
        );
      });
    // Whichever comes first; the loser's rejection is of no interest once the race is decided.
    refused.catch(() => undefined);
    await Promise.race([
      this.process.waitForOutput(/\{0\/UDP\/v4\} 200 OK.*\[\d+ binding/, timeoutMs),
      refused,
    ]);
  }

  /** Sends a menu command (`answermode`, `hangup`, `accept`, `listcalls`, `dial` ...). */
  command(command: string, params?: string): Promise<{ ok: boolean; data: string }> {
    const token = `t${String(this.nextToken++)}`;
    const json = JSON.stringify(
      params === undefined ? { command, token } : { command, params, token },
    );
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(token);
        reject(new Error(`baresip did not answer the command ${command}`));
      }, 5000);
      this.pending.set(token, (reply) => {
        clearTimeout(timer);
        resolve(reply);
      });
      this.control.write(`${String(Buffer.byteLength(json))}:${json},`);
    });
  }

  async setAnswerMode(mode: AnswerMode): Promise<void> {
    const reply = await this.command('answermode', mode);
    if (!reply.ok) throw new Error(`baresip answermode ${mode}: ${reply.data}`);
  }

  /** Resolves with the first event of `type` from index `since` on that matches. */
  waitForEvent(
    type: string,
    since = 0,
    timeoutMs = 10_000,
    match: (event: BaresipEvent) => boolean = () => true,
  ): Promise<BaresipEvent> {
    return waitUntil(
      `baresip event ${type}`,
      () => {
        if (!this.process.running)
          throw new Error(`baresip exited:\n${this.process.output().slice(-3000)}`);
        return this.events.slice(since).find((event) => event.type === type && match(event));
      },
      timeoutMs,
      () =>
        `events: ${this.events.map((e) => `${e.type}(${e.param ?? ''})`).join(', ')}\n` +
        this.process.output().slice(-3000),
    );
  }

  /**
   * SIP requests baresip received (method names, in order) from its `-s` trace, from output
   * offset `since` on: each traced message is `ESC[36;1m#`, `PROTO from -> to`, the message.
   */
  receivedRequests(since = 0): string[] {
    const text = this.process.output().slice(since);
    const found: string[] = [];
    for (const match of text.matchAll(TRACE_BLOCK)) {
      const to = match[2] ?? '';
      const request = /^([A-Z]+) \S+ SIP\/2\.0/.exec(match[3] ?? '');
      if (to.endsWith(`:${String(this.sipPort)}`) && request) found.push(request[1] ?? '');
    }
    return found;
  }

  /** The WAV files the sndfile module has written so far. */
  async recordings(): Promise<BaresipRecording[]> {
    const folder = join(this.dir, 'recordings');
    const names = (await readdir(folder)).sort();
    return names
      .map((name) => {
        const kind = /-dec\.wav$/.test(name) ? 'dec' : /-enc\.wav$/.test(name) ? 'enc' : undefined;
        return kind === undefined ? undefined : { file: join(folder, name), kind };
      })
      .filter((r): r is BaresipRecording => r !== undefined);
  }

  /** Quits (baresip unregisters on SIGTERM), kills it if it lingers, removes its folder. */
  async stop(): Promise<void> {
    this.control.destroy();
    await this.process.stop(3000);
    await rm(this.dir, { recursive: true, force: true });
  }

  private drain(): void {
    for (;;) {
      const colon = this.buffer.indexOf(':');
      if (colon === -1) return;
      const length = Number(this.buffer.slice(0, colon));
      // Netstring lengths count bytes; baresip's JSON is ASCII here (escaped \u sequences).
      if (!Number.isInteger(length) || this.buffer.length < colon + 1 + length + 1) return;
      const json = this.buffer.slice(colon + 1, colon + 1 + length);
      this.buffer = this.buffer.slice(colon + 1 + length + 1);
      let message: Record<string, unknown>;
      try {
        message = JSON.parse(json) as Record<string, unknown>;
      } catch {
        continue;
      }
      if (message['event'] === true) {
        const text = (key: string): string | undefined =>
          typeof message[key] === 'string' ? message[key] : undefined;
        this.events.push({
          type: text('type') ?? 'unknown',
          class: text('class'),
          param: text('param'),
          peeruri: text('peeruri'),
          id: text('id'),
          receivedAt: Date.now(),
        });
      } else if (message['response'] === true && typeof message['token'] === 'string') {
        const resolve = this.pending.get(message['token']);
        this.pending.delete(message['token']);
        resolve?.({
          ok: message['ok'] === true,
          data: typeof message['data'] === 'string' ? message['data'] : '',
        });
      }
    }
  }
}

function tryConnect(port: number): Promise<Socket | undefined> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port }, () => {
      socket.removeAllListeners('error');
      // Later errors (baresip quitting) end the connection; the process watch reports them.
      socket.on('error', () => undefined);
      resolve(socket);
    });
    socket.once('error', () => {
      socket.destroy();
      resolve(undefined);
    });
  });
}
