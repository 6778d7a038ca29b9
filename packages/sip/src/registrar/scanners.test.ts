/**
 * What SIPVicious 0.3.3 (Debian `sipvicious`) gets out of the registrar on the real stack,
 * over UDP on 127.0.0.1:
 *
 * - `svwar` (account enumeration) with REGISTER, OPTIONS and INVITE: no extension reported,
 *   because an unknown and a known username get the same answer.
 * - `svcrack` (password guessing) against an account whose password is a PIN in 1000-9999:
 *   found when the PIN is its first guess (the tool works against this registrar); over the
 *   whole range, only `maxFailures` guesses are ever checked before the failure limiter, having
 *   slowed the source, refuses it; the refused source then cannot log in even with the right
 *   PIN, while the right PIN from another address still works (the limiter counts per source,
 *   so an attacker cannot lock a user out of their own account).
 *
 * Every run is bounded and its process group killed. Skipped, saying so, only when the
 * binaries are missing (.ci/run installs them).
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { freePort } from '../stack/test-support/sipp.js';
import {
  runScanner,
  sipviciousInstalled,
  SVCRACK,
  SVWAR,
  type ScannerResult,
} from './test-support/sipvicious.js';
import { startScannerTarget, type ScannerTarget } from './test-support/scanner-target.js';

if (!sipviciousInstalled) {
  console.warn(
    'SIPVicious scanner tests skipped: svwar/svcrack missing (apt-get install sipvicious; .ci/run does it)',
  );
}

/** Extensions 150 and 151 exist, with passwords no range attack reaches. */
const STRONG = new Map([
  ['150', 'v9!Tq-4mZr#82xLp'],
  ['151', 'K2$w8nR!c7Qe-0sY'],
]);

/** 150's password is a four-digit PIN, inside svcrack's 1000-9999. */
const PIN = '7777';
const WEAK = new Map([
  ['150', PIN],
  ['151', 'K2$w8nR!c7Qe-0sY'],
]);

/**
 * Small limits so the attack meets them within seconds: two free failures, then 100, 200,
 * 400 ms of delay, and a block (for longer than the test) at the sixth failure.
 */
const LIMITS = {
  freeFailures: 2,
  baseDelayMs: 100,
  maxDelayMs: 400,
  maxFailures: 6,
  windowMs: 600_000,
  blockMs: 600_000,
};

let target: ScannerTarget | undefined;

afterEach(async () => {
  await target?.close();
  target = undefined;
});

async function start(accounts: ReadonlyMap<string, string>): Promise<ScannerTarget> {
  target = await startScannerTarget({ accounts, limiter: LIMITS });
  return target;
}

function explain(result: ScannerResult, under: ScannerTarget): string {
  const answers = under.answered
    .slice(0, 40)
    .map((a) => `${a.method} ${a.user ?? '-'} from ${a.host} → ${String(a.status)} ${a.reason}`)
    .join('\n');
  return `exit ${String(result.exitCode)} ${String(result.signal)}\n${result.output.slice(-3000)}\n--- answers\n${answers}`;
}

/** svwar from 127.0.0.1 with a chosen local port (its default, 5060, may be taken). */
async function svwar(under: ScannerTarget, method: string, extra: string[] = []) {
  return runScanner({
    command: SVWAR,
    args: [
      '-v',
      '-b',
      '127.0.0.1',
      '-P',
      String(await freePort()),
      '-e100-200',
      '-m',
      method,
      ...extra,
      `udp://127.0.0.1:${String(under.port)}`,
    ],
    timeoutMs: 30_000,
  });
}

/** svcrack for 150 from `source` (another loopback address is another source). */
async function svcrack(
  under: ScannerTarget,
  guesses: string[],
  source: string,
  options: { timeoutMs: number; stopWhen?: () => boolean },
) {
  return runScanner({
    command: SVCRACK,
    args: [
      '-v',
      '-b',
      source,
      '-P',
      String(await freePort()),
      '-u',
      '150',
      ...guesses,
      `udp://127.0.0.1:${String(under.port)}`,
    ],
    timeoutMs: options.timeoutMs,
    // Found, or what the test waits for happened: svcrack would go on until its own timeout.
    stopWhen: (output) => /The password for \S+ is/.test(output) || options.stopWhen?.() === true,
  });
}

describe.skipIf(!sipviciousInstalled)('SIPVicious svwar (enumeration)', () => {
  it('REGISTER: reports no extension; unknown and known users get the same 401', async () => {
    const under = await start(STRONG);
    const result = await svwar(under, 'REGISTER');
    expect(result.timedOut, explain(result, under)).toBe(false);
    expect(result.extensions, explain(result, under)).toEqual([]);
    // svwar's first probe is a random unknown user: the 401 it gets makes it give up, as the
    // same 401 is what every existing extension would get.
    expect(result.output).toMatch(/authentication request for an unknown extension/);
    expect(under.answered.length).toBeGreaterThan(0);
    for (const a of under.answered) expect([a.method, a.status]).toEqual(['REGISTER', 401]);
    expect(under.errors).toEqual([]);
  }, 40_000);

  it('REGISTER --force: still nothing, whichever extensions it reached', async () => {
    const under = await start(STRONG);
    const result = await svwar(under, 'REGISTER', ['--force']);
    expect(result.timedOut, explain(result, under)).toBe(false);
    expect(result.extensions, explain(result, under)).toEqual([]);
    const shapes = new Set(
      under.answered.map((a) => `${String(a.status)} ${a.reason} ${a.headerNames.join(',')}`),
    );
    expect(shapes.size, [...shapes].join('\n')).toBe(1);
    expect(under.errors).toEqual([]);
  }, 40_000);

  it('OPTIONS: walks the whole range, reports nothing', async () => {
    const under = await start(STRONG);
    const result = await svwar(under, 'OPTIONS');
    expect(result.timedOut, explain(result, under)).toBe(false);
    expect(result.extensions, explain(result, under)).toEqual([]);
    const asked = new Set(under.answered.map((a) => a.user));
    // Every extension of the range was asked about, the existing ones included.
    for (let extension = 100; extension <= 200; extension += 1) {
      expect(asked.has(String(extension)), `OPTIONS for ${String(extension)}`).toBe(true);
    }
    const statuses = new Set(under.answered.map((a) => `${String(a.status)} ${a.reason}`));
    expect([...statuses]).toEqual(['200 OK']);
  }, 40_000);

  it('INVITE: every callee is challenged alike, nothing reported', async () => {
    const under = await start(STRONG);
    const result = await svwar(under, 'INVITE');
    expect(result.timedOut, explain(result, under)).toBe(false);
    expect(result.extensions, explain(result, under)).toEqual([]);
    expect(under.answered.length).toBeGreaterThan(0);
    for (const a of under.answered) expect([a.method, a.status]).toEqual(['INVITE', 407]);
  }, 40_000);
});

// svcrack numbers its digest answers across nonces (nc=1 on the first nonce, nc=2 on the
// second...), so only its first guess is a well-formed answer: a right password with nc=2 on a
// fresh nonce gets `stale` (the authenticator cannot tell it from a replay of an evicted nonce)
// and svcrack takes that for one more challenge. Its first guess is the username (then the
// range), or the first line of a dictionary (`-d`), which is how these tests hand it the PIN.
describe.skipIf(!sipviciousInstalled)('SIPVicious svcrack (password guessing)', () => {
  let scratch: string | undefined;
  afterEach(async () => {
    if (scratch !== undefined) await rm(scratch, { recursive: true, force: true });
    scratch = undefined;
  });

  /** `-d FILE` with the PIN as its only (so first) guess. */
  async function pinFirst(): Promise<string[]> {
    scratch ??= await mkdtemp(join(tmpdir(), 'svcrack-'));
    const file = join(scratch, 'pin.txt');
    await writeFile(file, `${PIN}\n`);
    return ['-d', file];
  }

  it('finds the PIN when it is the first guess: the tool works against this registrar', async () => {
    const under = await start(WEAK);
    const result = await svcrack(under, await pinFirst(), '127.0.0.1', { timeoutMs: 20_000 });
    expect(result.passwords, explain(result, under)).toEqual([`150:${PIN}`]);
    const bindings = await under.store.list('sip:150@127.0.0.1', Date.now());
    expect(bindings.map((b) => b.source.host)).toEqual(['127.0.0.1']);
  }, 30_000);

  it('-r 1000-9999 does not find it: slowed, then refused, even the right PIN; the owner elsewhere gets in', async () => {
    const under = await start(WEAK);
    const refusals = (): number => under.answered.filter((a) => a.status === 403).length;
    const attack = await svcrack(under, ['-r', '1000-9999'], '127.0.0.1', {
      timeoutMs: 20_000,
      // Blocked, the delayed guesses answered, and svcrack refused a while: enough seen.
      stopWhen: () =>
        under.limiter.check('127.0.0.1') === 'block' &&
        refusals() >= 50 &&
        under.answered.slice(-20).every((a) => a.status === 403),
    });
    expect(attack.timedOut, explain(attack, under)).toBe(false);
    expect(attack.passwords, explain(attack, under)).toEqual([]);
    expect(under.limiter.check('127.0.0.1')).toBe('block');
    // Of the 9,000 guesses (plus svcrack's own first one, the username), exactly as many were
    // checked as the limiter allows: each failure counts, attempts in flight count too.
    expect(under.lookups.get('150'), explain(attack, under)).toBe(LIMITS.maxFailures);
    const guesses = under.answered.filter((a) => a.hadCredentials);
    const checked = guesses.filter((a) => a.status === 401);
    expect(checked).toHaveLength(LIMITS.maxFailures);
    // Slowed: past the free failures, answers to guesses waited the limiter's delay.
    expect(Math.max(...checked.map((a) => a.delayMs))).toBeGreaterThanOrEqual(LIMITS.baseDelayMs);
    // Refused: the rest got 403 without being checked, and so does everything in the end.
    expect(guesses.length - checked.length).toBeGreaterThan(0);
    for (const a of guesses) expect([401, 403]).toContain(a.status);
    expect(under.answered.slice(-20).map((a) => a.status)).toEqual(Array(20).fill(403));

    // The same source with the right PIN as its first guess: refused all the same.
    const before = under.answered.length;
    const retry = await svcrack(under, await pinFirst(), '127.0.0.1', {
      timeoutMs: 20_000,
      stopWhen: () => under.answered.length >= before + 20,
    });
    expect(retry.passwords, explain(retry, under)).toEqual([]);
    expect(under.answered.slice(before).map((a) => a.status)).toEqual(
      Array(under.answered.length - before).fill(403),
    );
    expect(under.lookups.get('150')).toBe(LIMITS.maxFailures);
    expect(await under.store.list('sip:150@127.0.0.1', Date.now())).toEqual([]);

    // The owner, from another address: the limiter counts per source, so an attacker cannot
    // lock a user out of their own account.
    const owner = await svcrack(under, await pinFirst(), '127.0.0.2', { timeoutMs: 20_000 });
    expect(owner.passwords, explain(owner, under)).toEqual([`150:${PIN}`]);
    const bindings = await under.store.list('sip:150@127.0.0.1', Date.now());
    expect(bindings.map((b) => b.source.host)).toEqual(['127.0.0.2']);
    expect(under.limiter.check('127.0.0.1')).toBe('block');
    expect(under.limiter.check('127.0.0.2')).toBe('allow');
    expect(under.errors).toEqual([]);
  }, 90_000);
});
