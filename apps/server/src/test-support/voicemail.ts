/**
 * Test support for the voicemail service: WAV files built byte by byte, timers on virtual time,
 * a real SMTP server (npm smtp-server) on loopback that keeps what it receives, parsed with
 * mailparser, and a service over a fresh store and data directory.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { simpleParser, type ParsedMail } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import type { MailSender } from '../domain/ports/mail-sender.js';
import type { Store } from '../domain/ports/store.js';
import { EventBus } from '../domain/services/event-bus.js';
import { VoicemailService } from '../domain/services/voicemail/index.js';
import { mediaAudioConverter } from '../integrations/audio/media-audio-converter.js';
import { DataDirFiles } from '../integrations/files/data-dir-files.js';
import { ManualTimers } from './manual-timers.js';

export { ManualTimers };

// --- WAV files ------------------------------------------------------------------------------------

export interface TestWavOptions {
  readonly sampleRate: number;
  readonly channels?: number;
  /** 8, 16 or 32 (integer PCM), or 'float' (32-bit IEEE float). */
  readonly format?: 8 | 16 | 32 | 'float';
  readonly seconds: number;
  /** Tone frequency; 0 makes silence. */
  readonly frequency?: number;
  /** Peak level, 0-1. */
  readonly level?: number;
}

/** A WAV file with a sine tone, written without the media package (independent of its writer). */
export function testWav(options: TestWavOptions): Buffer {
  const channels = options.channels ?? 1;
  const format = options.format ?? 16;
  const bytes = format === 'float' ? 4 : format / 8;
  const frames = Math.round(options.sampleRate * options.seconds);
  const dataBytes = frames * channels * bytes;
  const out = Buffer.alloc(44 + dataBytes);
  out.write('RIFF', 0, 'latin1');
  out.writeUInt32LE(36 + dataBytes, 4);
  out.write('WAVE', 8, 'latin1');
  out.write('fmt ', 12, 'latin1');
  out.writeUInt32LE(16, 16);
  out.writeUInt16LE(format === 'float' ? 3 : 1, 20);
  out.writeUInt16LE(channels, 22);
  out.writeUInt32LE(options.sampleRate, 24);
  out.writeUInt32LE(options.sampleRate * channels * bytes, 28);
  out.writeUInt16LE(channels * bytes, 32);
  out.writeUInt16LE(bytes * 8, 34);
  out.write('data', 36, 'latin1');
  out.writeUInt32LE(dataBytes, 40);
  const level = options.level ?? 0.5;
  const frequency = options.frequency ?? 440;
  let offset = 44;
  for (let i = 0; i < frames; i += 1) {
    const x = level * Math.sin((2 * Math.PI * frequency * i) / options.sampleRate);
    for (let c = 0; c < channels; c += 1) {
      if (format === 8) out.writeUInt8(Math.round(x * 127 + 128), offset);
      else if (format === 16) out.writeInt16LE(Math.round(x * 32767), offset);
      else if (format === 32) out.writeInt32LE(Math.round(x * 2147483647), offset);
      else out.writeFloatLE(x, offset);
      offset += bytes;
    }
  }
  return out;
}

/** The 16-bit samples of an 8 kHz mono WAV as written by the media package (44-byte header). */
export function pcmOf(wav: Buffer): Int16Array {
  const data = wav.subarray(44);
  return new Int16Array(data.buffer.slice(data.byteOffset, data.byteOffset + data.length));
}

/** Root mean square of samples, 0-32767. */
export function rms(samples: Int16Array): number {
  if (samples.length === 0) return 0;
  let sum = 0;
  for (const s of samples) sum += s * s;
  return Math.sqrt(sum / samples.length);
}

/** Waits (real time) until `check` holds, polling; fails with `what` after `timeoutMs`. */
export async function until(
  check: () => boolean | Promise<boolean>,
  what: string,
  timeoutMs = 10_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

// --- SMTP -----------------------------------------------------------------------------------------

/** A port nothing listens on right now (for an SMTP server that is down). */
export async function freeTcpPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const address = server.address();
  await new Promise<void>((resolve) =>
    server.close(() => {
      resolve();
    }),
  );
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

export interface ReceivedMail {
  readonly envelopeFrom: string | undefined;
  readonly envelopeTo: readonly string[];
  readonly user: string | undefined;
  readonly parsed: ParsedMail;
}

export interface TestSmtpOptions {
  /** Listen on this port (default: a free one). */
  readonly port?: number;
  /** Accounts for AUTH PLAIN/LOGIN; none: no authentication. */
  readonly users?: Readonly<Record<string, string>>;
  /** Refuse RCPT TO for these addresses with 550 (a mailbox that does not exist). */
  readonly rejectRecipients?: readonly string[];
}

/** A real SMTP server (npm smtp-server) on 127.0.0.1, without TLS. Always `close()` it. */
export class TestSmtpServer {
  private constructor(
    private readonly server: SMTPServer,
    readonly port: number,
    /** Every message accepted, in order. */
    readonly received: ReceivedMail[],
  ) {}

  static async start(options: TestSmtpOptions = {}): Promise<TestSmtpServer> {
    const received: ReceivedMail[] = [];
    const users = options.users;
    const server = new SMTPServer({
      secure: false,
      disabledCommands: users === undefined ? ['STARTTLS', 'AUTH'] : ['STARTTLS'],
      authOptional: users === undefined,
      allowInsecureAuth: true,
      logger: false,
      onAuth(auth, _session, callback) {
        if (users !== undefined && users[auth.username ?? ''] === auth.password) {
          callback(null, { user: auth.username });
        } else {
          callback(new Error('Invalid username or password'));
        }
      },
      onRcptTo(address, _session, callback) {
        if (options.rejectRecipients?.includes(address.address) === true) {
          const error = new Error('No such mailbox') as Error & { responseCode: number };
          error.responseCode = 550;
          callback(error);
          return;
        }
        callback();
      },
      onData(stream, session, callback) {
        simpleParser(stream)
          .then((parsed) => {
            received.push({
              envelopeFrom:
                session.envelope.mailFrom === false ? undefined : session.envelope.mailFrom.address,
              envelopeTo: session.envelope.rcptTo.map((rcpt) => rcpt.address),
              user: typeof session.user === 'string' ? session.user : undefined,
              parsed,
            });
            callback();
          })
          .catch((error: unknown) => {
            callback(error as Error);
          });
      },
    });
    const port = options.port ?? 0;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
    const address = server.server.address();
    if (address === null || typeof address === 'string') throw new Error('SMTP server has no port');
    return new TestSmtpServer(server, address.port, received);
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      this.server.close(() => {
        resolve();
      });
    });
  }
}

// --- the service ----------------------------------------------------------------------------------

export interface TestVoicemail {
  readonly service: VoicemailService;
  readonly events: EventBus;
  readonly timers: ManualTimers;
  readonly files: DataDirFiles;
  readonly dataDir: string;
  /** Stops the service and removes the data directory. */
  close(): Promise<void>;
}

export interface TestVoicemailOptions {
  readonly mail?: MailSender;
  readonly publicUrl?: string;
  readonly retentionDays?: number;
  readonly mailRetryDelaysMs?: readonly number[];
  readonly timers?: ManualTimers;
  readonly events?: EventBus;
  /** Use this data directory (not removed by close). */
  readonly dataDir?: string;
}

/**
 * A service over `store` with a fresh data directory and virtual timers (also its clock: the
 * store's clock is separate, which is fine for everything it stamps).
 */
export async function startTestVoicemail(
  store: Store,
  options: TestVoicemailOptions = {},
): Promise<TestVoicemail> {
  const ownDir = options.dataDir === undefined;
  const dataDir = options.dataDir ?? (await mkdtemp(join(tmpdir(), 'switchboard-vm-')));
  const timers = options.timers ?? new ManualTimers();
  const events = options.events ?? new EventBus();
  const files = new DataDirFiles(dataDir);
  const service = new VoicemailService({
    store,
    events,
    clock: timers,
    timers,
    files,
    audio: mediaAudioConverter,
    mail: options.mail,
    publicUrl: options.publicUrl,
    retentionDays: options.retentionDays ?? 0,
    ...(options.mailRetryDelaysMs === undefined
      ? {}
      : { mailRetryDelaysMs: options.mailRetryDelaysMs }),
  });
  let closed: Promise<void> | undefined;
  return {
    service,
    events,
    timers,
    files,
    dataDir,
    close: () =>
      (closed ??= (async () => {
        await service.close();
        if (ownDir) await rm(dataDir, { recursive: true, force: true });
      })()),
  };
}
