import { readFileSync } from 'node:fs';
import {
  mkdir,
  mkdtemp,
  open,
  readFile,
  rm,
  stat,
  symlink,
  writeFile,
  type FileHandle,
} from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FRAME_SAMPLES } from '../frames.js';
import { FakeEndpoint, waitFor } from '../player/test-support/fake-endpoint.js';
import { parseWav, wavToPcm8k } from '../wav/reader.js';
import { dominantFrequency, toneInt16 } from '../wav/test-support/audio.js';
import { buildWavHeader } from '../wav/writer.js';
import {
  record,
  RecordingError,
  startRecording,
  type Recording,
  type RecordOptions,
} from './recorder.js';
import type { RecorderScheduler } from './timers.js';

/** A clock and timers the test moves by hand. */
class ManualTime implements RecorderScheduler {
  private time = 0;
  private nextId = 1;
  private readonly pending = new Map<number, { at: number; callback: () => void }>();

  now(): number {
    return this.time;
  }

  setTimeout(callback: () => void, ms: number): unknown {
    const id = this.nextId++;
    this.pending.set(id, { at: this.time + ms, callback });
    return id;
  }

  clear(handle: number): void {
    this.pending.delete(handle);
  }

  /** Moves time forward, firing due timers in order. */
  advance(ms: number): void {
    const end = this.time + ms;
    for (;;) {
      let due: [number, { at: number; callback: () => void }] | undefined;
      for (const entry of this.pending)
        if (entry[1].at <= end && (due === undefined || entry[1].at < due[1].at)) due = entry;
      if (due === undefined) break;
      this.pending.delete(due[0]);
      this.time = due[1].at;
      due[1].callback();
    }
    this.time = end;
  }
}

describe('Recorder', () => {
  let root: string;
  let endpoint: FakeEndpoint;
  let time: ManualTime;

  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'recorder-'));
    endpoint = new FakeEndpoint();
    time = new ManualTime();
  });
  afterEach(async () => {
    await rm(root, { recursive: true, force: true });
  });

  function options(extra: Partial<RecordOptions> = {}): RecordOptions {
    return { root, path: 'voicemail/alice/1.wav', maxMs: 10_000, scheduler: time, ...extra };
  }

  /** Starts a recording and waits until its file is open and it listens. */
  async function start(extra: Partial<RecordOptions> = {}): Promise<Recording> {
    const recording = startRecording(endpoint, options(extra));
    await recording.ready;
    expect(endpoint.sinks.size).toBe(1);
    return recording;
  }

  /** Delivers `pcm` as 20 ms frames, moving the clock along. */
  function send(pcm: Int16Array): void {
    for (let i = 0; i < pcm.length; i += FRAME_SAMPLES) {
      endpoint.receive(pcm.subarray(i, i + FRAME_SAMPLES));
      time.advance(20);
    }
  }

  function silence(ms: number): Int16Array {
    return new Int16Array((ms / 1000) * 8000);
  }

  it('stops at the maximum length with exactly that much audio, header and content right', async () => {
    const recording = await start({ maxMs: 1010 });
    const tone = toneInt16(1000, 8000, 16000, 0.3);
    send(tone);
    const result = await recording.result;
    expect(result).toEqual({
      path: join(root, 'voicemail/alice/1.wav'),
      durationMs: 1010,
      endedBy: 'max-length',
      heardAudio: true,
    });
    expect(endpoint.sinks.size).toBe(0);
    const bytes = await readFile(result.path);
    expect(bytes).toHaveLength(44 + 8080 * 2);
    expect(bytes.subarray(0, 44)).toEqual(buildWavHeader(8080 * 2));
    expect(Array.from(wavToPcm8k(bytes))).toEqual(Array.from(tone.subarray(0, 8080)));
  });

  it('ends after trailing silence once the caller spoke, trimming it to a short tail', async () => {
    const recording = await start({ silenceMs: 2000 });
    send(silence(3000)); // leading silence never ends a recording
    send(toneInt16(1000, 8000, 8000, 0.2));
    send(silence(5000));
    const result = await recording.result;
    expect(result).toMatchObject({ endedBy: 'silence', heardAudio: true, durationMs: 4250 });
    expect(result.trailingSilenceTrimmedMs).toBe(2000 - 250);
    const pcm = wavToPcm8k(await readFile(result.path));
    expect(pcm).toHaveLength(4250 * 8);
    expect(dominantFrequency(pcm.subarray(24000, 32000), 8000, [500, 1000, 2000])).toBe(1000);
  });

  it('ends on silence when the far end stops sending altogether', async () => {
    const recording = await start({ silenceMs: 1500 });
    send(toneInt16(1000, 8000, 4000, 0.2));
    time.advance(1600);
    const result = await recording.result;
    expect(result).toMatchObject({
      endedBy: 'silence',
      durationMs: 500,
      trailingSilenceTrimmedMs: 0,
    });
  });

  it('ends on a digit from stopOnDigits, ignoring others', async () => {
    const recording = await start({ stopOnDigits: '#' });
    send(toneInt16(1000, 8000, 1600, 0.2));
    endpoint.press('5');
    send(toneInt16(1000, 8000, 1600, 0.2));
    endpoint.press('#');
    send(toneInt16(1000, 8000, 1600, 0.2)); // after the end: not recorded
    expect(await recording.result).toMatchObject({ endedBy: 'digit', digit: '#', durationMs: 400 });
    expect(endpoint.dtmfListeners.size).toBe(0);
  });

  it('stop(), an AbortSignal and a hang-up end it, keeping what was recorded', async () => {
    const first = await start({ path: 'a.wav' });
    send(toneInt16(1000, 8000, 800, 0.2));
    first.stop();
    expect(await first.result).toMatchObject({ endedBy: 'stopped', durationMs: 100 });

    const controller = new AbortController();
    const second = await start({ path: 'b.wav', signal: controller.signal });
    controller.abort();
    expect(await second.result).toMatchObject({
      endedBy: 'stopped',
      durationMs: 0,
      heardAudio: false,
    });
    expect(parseWav(await readFile(join(root, 'b.wav'))).frames).toBe(0);

    const call = new AbortController();
    const third = await start({ path: 'c.wav', hangupSignal: call.signal });
    send(toneInt16(1000, 8000, 160, 0.2));
    call.abort();
    expect(await third.result).toMatchObject({ endedBy: 'hangup', durationMs: 20 });

    const fourth = await start({ path: 'd.wav' });
    fourth.hangup();
    expect(await fourth.result).toMatchObject({ endedBy: 'hangup' });
  });

  it('ends at the maximum length by the clock when audio stops arriving', async () => {
    const recording = await start({ maxMs: 3000 });
    send(toneInt16(1000, 8000, 800, 0.2));
    time.advance(4000);
    expect(await recording.result).toMatchObject({ endedBy: 'max-length', durationMs: 100 });
  });

  it('leaves a readable file mid-recording: header patched every second of audio', async () => {
    const recording = await start({ maxMs: 60_000 });
    const path = join(root, 'voicemail/alice/1.wav');
    const tone = toneInt16(1000, 8000, 20_000, 0.2); // 2.5 s
    send(tone);
    // The once-a-second flush has put two seconds on disk, and the header says so.
    await waitFor(() => {
      try {
        return parseWav(readFileSync(path)).frames >= 16_000;
      } catch {
        return false;
      }
    });
    let bytes = await readFile(path);
    expect(bytes.readUInt32LE(40)).toBe(32_000);
    expect(bytes.readUInt32LE(4)).toBe(36 + 32_000);
    expect(Array.from(wavToPcm8k(bytes))).toEqual(Array.from(tone.subarray(0, 16_000)));
    // The next one writes the half second still buffered.
    time.advance(1000);
    await waitFor(() => parseWav(readFileSync(path)).frames === 20_000);
    bytes = await readFile(path);
    expect(Array.from(wavToPcm8k(bytes))).toEqual(Array.from(tone));
    recording.stop();
    expect(await recording.result).toMatchObject({ durationMs: 2500 });
  });

  it('refuses paths outside the root, and never touches an existing file', async () => {
    for (const path of [
      '../escape.wav',
      'voicemail/../../escape.wav',
      '/tmp/escape.wav',
      '',
      'a\0b.wav',
    ]) {
      const error: unknown = await record(endpoint, options({ path })).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(RecordingError);
      expect((error as RecordingError).code).toBe('unsafe-path');
    }
    const outside = await mkdtemp(join(tmpdir(), 'recorder-outside-'));
    try {
      await symlink(outside, join(root, 'link'));
      await expect(record(endpoint, options({ path: 'link/x.wav' }))).rejects.toThrow(
        /symbolic link/,
      );
      await writeFile(join(outside, 'target.wav'), 'keep me');
      await symlink(join(outside, 'target.wav'), join(root, 'file-link.wav'));
      await expect(
        record(endpoint, options({ path: 'file-link.wav', overwrite: true })),
      ).rejects.toThrow(/symbolic link/);
      expect(await readFile(join(outside, 'target.wav'), 'utf8')).toBe('keep me');
    } finally {
      await rm(outside, { recursive: true, force: true });
    }
    await mkdir(join(root, 'old'));
    await writeFile(join(root, 'old', 'msg.wav'), 'precious');
    const exists: unknown = await record(endpoint, options({ path: 'old/msg.wav' })).catch(
      (e: unknown) => e,
    );
    expect((exists as RecordingError).code).toBe('exists');
    expect((exists as Error).message).toMatch(/msg\.wav: the file already exists/);
    expect(await readFile(join(root, 'old', 'msg.wav'), 'utf8')).toBe('precious');
    expect(endpoint.sinks.size).toBe(0);
    // With overwrite the file is replaced.
    const again = await start({ path: 'old/msg.wav', overwrite: true });
    again.stop();
    expect((await stat((await again.result).path)).size).toBe(44);
  });

  it('rejects bad options with a RecordingError naming the option', async () => {
    const cases: [Partial<RecordOptions>, RegExp][] = [
      [{ maxMs: 0 }, /maxMs/],
      [{ maxMs: Number.NaN }, /maxMs/],
      [{ silenceMs: -5 }, /silenceMs/],
      [{ silenceThresholdDbfs: 3 }, /silenceThresholdDbfs/],
      [{ stopOnDigits: '#x' }, /stopOnDigits/],
      [{ root: '' }, /root/],
    ];
    for (const [extra, message] of cases) {
      const recording = startRecording(endpoint, options(extra));
      await recording.ready; // resolves even when the recording cannot start
      const error: unknown = await recording.result.catch((e: unknown) => e);
      expect((error as RecordingError).code).toBe('invalid-options');
      expect((error as Error).message).toMatch(message);
    }
  });

  it('rejects clearly when the disk fails mid-recording, keeping what was written', async () => {
    let writes = 0;
    const failing = async (path: string, flags: number, mode: number): Promise<FileHandle> => {
      const handle = await open(path, flags, mode);
      const write = handle.write.bind(handle) as (...args: unknown[]) => Promise<unknown>;
      // The header, the first second of audio and its header patch succeed; then the disk is full.
      (handle as unknown as { write: (...args: unknown[]) => Promise<unknown> }).write = (
        ...args
      ) => {
        writes += 1;
        if (writes > 3)
          return Promise.reject(
            Object.assign(new Error('ENOSPC: no space left on device'), { code: 'ENOSPC' }),
          );
        return write(...args);
      };
      return handle;
    };
    const recording = await start({ openFile: failing });
    send(toneInt16(1000, 8000, 24_000, 0.2));
    const error: unknown = await recording.result.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RecordingError);
    expect((error as RecordingError).code).toBe('write-failed');
    expect((error as Error).message).toMatch(/cannot write recording .*1\.wav: ENOSPC/);
    expect(endpoint.sinks.size).toBe(0);
    expect(parseWav(await readFile(join(root, 'voicemail/alice/1.wav'))).frames).toBe(8000);
  });

  it('an endpoint that refuses the sink (a closed session) fails the recording clearly', async () => {
    endpoint.addSink = () => {
      throw new Error('the RTP session is closed');
    };
    const error: unknown = await record(endpoint, options()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RecordingError);
    expect((error as RecordingError).code).toBe('open-failed');
    expect((error as Error).message).toMatch(/1\.wav: the RTP session is closed/);
  });

  it('a failure to create the file is an open error naming it', async () => {
    await writeFile(join(root, 'voicemail'), 'a file where a folder should be');
    const error: unknown = await record(endpoint, options()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RecordingError);
    expect((error as Error).message).toMatch(/cannot record to voicemail\/alice\/1\.wav/);
  });
});
