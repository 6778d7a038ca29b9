import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../player/test-support/fake-endpoint.js';
import { goertzelPower, rms } from '../wav/test-support/audio.js';
import { EspeakSpeech } from './espeak.js';
import { SpeechError, SpeechUnavailableError } from './speech.js';

const available = await new EspeakSpeech().isAvailable();
const needsEspeak = available
  ? ''
  : ' (skipped: espeak-ng is not installed; apt-get install espeak-ng)';

describe('EspeakSpeech with the real espeak-ng', () => {
  it.skipIf(!available)(
    `speaks text as non-silent 8 kHz audio of plausible length${needsEspeak}`,
    async () => {
      const speech = new EspeakSpeech();
      const pcm = await speech.synthesize('Hello, this is Switchboard. Please leave a message.');
      const seconds = pcm.length / 8000;
      // About ten words at 175 words per minute.
      expect(seconds).toBeGreaterThan(1.5);
      expect(seconds).toBeLessThan(8);
      expect(rms(pcm)).toBeGreaterThan(500);
      // Speech energy sits in the voice band, not at the top of the 8 kHz band.
      expect(goertzelPower(pcm, 500, 8000)).toBeGreaterThan(goertzelPower(pcm, 3900, 8000));
      // The same request again comes from the cache.
      expect(await speech.synthesize('Hello, this is Switchboard. Please leave a message.')).toBe(
        pcm,
      );
    },
  );

  it.skipIf(!available)(
    `honours voice and rate, and shares concurrent requests${needsEspeak}`,
    async () => {
      const speech = new EspeakSpeech();
      const [slow, slowAgain, fast] = await Promise.all([
        speech.synthesize('one two three four five six', { voice: 'en-us', rate: 100 }),
        speech.synthesize('one two three four five six', { voice: 'en-us', rate: 100 }),
        speech.synthesize('one two three four five six', { voice: 'en-us', rate: 300 }),
      ]);
      expect(slowAgain).toBe(slow);
      expect(slow.length).toBeGreaterThan(fast.length * 1.8);
    },
  );

  it.skipIf(!available)(`speaks text that looks like options, as text${needsEspeak}`, async () => {
    const pcm = await new EspeakSpeech().synthesize('--help -v xx -w /tmp/owned.wav');
    expect(rms(pcm)).toBeGreaterThan(500);
    await expect(readFile('/tmp/owned.wav')).rejects.toThrow(/ENOENT/);
  });

  it.skipIf(!available)(
    `reports an unknown voice with espeak-ng's own message${needsEspeak}`,
    async () => {
      const error: unknown = await new EspeakSpeech()
        .synthesize('hello', { voice: 'zz-nonexistent' })
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(SpeechError);
      expect((error as SpeechError).reason).toBe('failed');
      expect((error as Error).message).toMatch(/exit code 1.*voice does not exist/);
    },
  );
});

describe('EspeakSpeech failures', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'espeak-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  async function script(name: string, body: string): Promise<string> {
    const path = join(dir, name);
    await writeFile(path, `#!/bin/sh\n${body}\n`);
    await chmod(path, 0o755);
    return path;
  }

  it('a missing binary is a SpeechUnavailableError telling how to install espeak-ng', async () => {
    const speech = new EspeakSpeech({ binary: join(dir, 'no-such-espeak-ng') });
    expect(await speech.isAvailable()).toBe(false);
    const error: unknown = await speech.synthesize('hello').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SpeechUnavailableError);
    expect((error as SpeechError).reason).toBe('unavailable');
    expect((error as Error).message).toMatch(
      /needs espeak-ng, which is not installed.*apt-get install espeak-ng/,
    );
    // Nothing to say needs no engine.
    expect(await speech.synthesize('   ')).toHaveLength(0);
  });

  it('kills a stuck process after the timeout', async () => {
    const pidFile = join(dir, 'stuck.pid');
    const stuck = await script('stuck', `echo $$ > ${pidFile}\nexec sleep 30`);
    const speech = new EspeakSpeech({ binary: stuck, timeoutMs: 300 });
    const started = Date.now();
    const error: unknown = await speech.synthesize('hello').catch((e: unknown) => e);
    expect(Date.now() - started).toBeLessThan(5000);
    expect((error as SpeechError).reason).toBe('timeout');
    expect((error as Error).message).toMatch(/took longer than 300 ms and was stopped/);
    const pid = Number((await readFile(pidFile, 'utf8')).trim());
    // Gone once Node has reaped it (the error is reported right after the kill).
    await waitFor(() => {
      try {
        process.kill(pid, 0);
        return false;
      } catch (e) {
        return (e as NodeJS.ErrnoException).code === 'ESRCH';
      }
    });
  });

  it('output that is not a WAV file is a clear error', async () => {
    const chatty = await script('chatty', 'cat > /dev/null\necho "this is not audio at all"');
    const error: unknown = await new EspeakSpeech({ binary: chatty })
      .synthesize('hello')
      .catch((e: unknown) => e);
    expect((error as SpeechError).reason).toBe('output');
    expect((error as Error).message).toMatch(/did not write a usable WAV: .*no RIFF header/);
  });

  it('passes the text on stdin and only checked values as arguments', async () => {
    const argsFile = join(dir, 'args.txt');
    const stdinFile = join(dir, 'stdin.txt');
    const spy = await script(
      'spy',
      `printf '%s\\n' "$@" > ${argsFile}\ncat > ${stdinFile}\nexit 3`,
    );
    const text = 'O\'Brien; $(rm -rf /) `reboot` | cat "quoted" -- -x';
    const error: unknown = await new EspeakSpeech({ binary: spy })
      .synthesize(text, { voice: 'en-gb', rate: 200 })
      .catch((e: unknown) => e);
    expect((error as Error).message).toMatch(/failed \(exit code 3\)/);
    expect((await readFile(argsFile, 'utf8')).trim().split('\n')).toEqual([
      '--stdout',
      '--stdin',
      '-b',
      '1',
      '-v',
      'en-gb',
      '-s',
      '200',
    ]);
    expect(await readFile(stdinFile, 'utf8')).toBe(text);
  });

  it('refuses oversized text, odd voice names and rates before running anything', async () => {
    const speech = new EspeakSpeech({ binary: join(dir, 'never-run'), maxTextLength: 20 });
    const cases: [string, { voice?: string; rate?: number }, RegExp][] = [
      ['x'.repeat(21), {}, /21 characters; the limit is 20/],
      ['hi', { voice: 'en; rm -rf /' }, /not a valid espeak-ng voice name/],
      ['hi', { voice: '-w/tmp/x' }, /not a valid espeak-ng voice name/],
      ['hi', { rate: 5000 }, /speech rate 5000/],
      ['hi', { rate: 150.5 }, /speech rate 150.5/],
    ];
    for (const [text, options, message] of cases) {
      const error: unknown = await speech.synthesize(text, options).catch((e: unknown) => e);
      expect((error as SpeechError).reason).toBe('input');
      expect((error as Error).message).toMatch(message);
    }
  });

  it('runs at most maxConcurrent processes at once', async () => {
    const counter = join(dir, 'running');
    const peakFile = join(dir, 'peak');
    await writeFile(peakFile, '0');
    // Each run counts itself in, records the peak, waits, counts out; then fails (no WAV).
    const busy = await script(
      'busy',
      [
        'cat > /dev/null',
        `while ! mkdir ${counter}.lock 2>/dev/null; do sleep 0.01; done`,
        `n=$(ls ${dir} | grep -c '^run-'); touch ${dir}/run-$$; n=$((n+1)); p=$(cat ${peakFile}); [ $n -gt $p ] && echo $n > ${peakFile}`,
        `rmdir ${counter}.lock`,
        'sleep 0.2',
        `rm ${dir}/run-$$`,
        'exit 1',
      ].join('\n'),
    );
    await rm(`${counter}.lock`, { recursive: true, force: true });
    const speech = new EspeakSpeech({ binary: busy, maxConcurrent: 2 });
    const results = await Promise.allSettled(
      ['a', 'b', 'c', 'd', 'e'].map((t) => speech.synthesize(t)),
    );
    expect(results.every((r) => r.status === 'rejected')).toBe(true);
    const peak = Number((await readFile(peakFile, 'utf8')).trim());
    expect(peak).toBeGreaterThanOrEqual(1);
    expect(peak).toBeLessThanOrEqual(2);
  });
});
