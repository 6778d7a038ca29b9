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
import { freePort, sippInstalled } from '../stack/test-support/sipp.js';
import { registerWithSippFrom } from './test-support/sipp-register-from.js';
import {
  runScanner,
  sipviciousInstalled,
  SVCRACK,
  SVWAR,
  type ScannerResult,
} from './test-support/sipvicious.js';
import { startScannerTarget, type ScannerTarget } from './test-support/scanner-target.js';

/** Said in the name of every skipped suite, so the run shows why. */
const SKIPPED = sipviciousInstalled
  ? ''
  : ' — SKIPPED: /usr/bin/svwar or svcrack missing (apt-get install sipvicious; .ci/run does it)';

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
    .slice(-40)
    .map((a) => `${a.method} ${a.user ?? '-'} from ${a.host} → ${String(a.status)} ${a.reason}`)
    .join('\n');
  const statuses = new Map<string, number>();
  for (const a of under.answered) {
    const key = `${a.method} ${String(a.status)}${a.hadCredentials ? ' with credentials' : ''}`;
    statuses.set(key, (statuses.get(key) ?? 0) + 1);
  }
  return [
    `exit ${String(result.exitCode)} ${String(result.signal)}${result.timedOut ? ' (timed out)' : ''}`,
    result.output.slice(-3000),
    `--- ${String(under.answered.length)} answers: ${JSON.stringify([...statuses])}`,
    `--- password checks ${JSON.stringify([...under.lookups])}`,
    answers,
  ].join('\n');
}

/**
 * svwar with a chosen local port (its default, 5060, may be taken) and 127.0.0.1 in its Via.
 * SIPVicious 0.3.3 parses `-b` (binding address) but never uses it: its socket binds the
 * wildcard address, and its packets to 127.0.0.1 leave from 127.0.0.1.
 */
async function svwar(under: ScannerTarget, method: string, extra: string[] = []) {
  return runScanner({
    command: SVWAR,
    args: [
      '-v',
      '-x',
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

/** svcrack for user 150 (from 127.0.0.1, see `svwar`). */
async function svcrack(
  under: ScannerTarget,
  guesses: string[],
  options: { timeoutMs: number; stopWhen?: () => boolean },
) {
  return runScanner({
    command: SVCRACK,
    args: [
      '-v',
      '-x',
      '127.0.0.1',
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

describe.skipIf(!sipviciousInstalled)(`SIPVicious svwar (enumeration)${SKIPPED}`, () => {
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
    // Past its random probe it asked about the range (100 first); a 401 like the probe's then
    // puzzles it ("unknown response") and it stops: nothing told one extension from another.
    expect(under.answered.some((a) => a.user === '100')).toBe(true);
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
describe.skipIf(!sipviciousInstalled)(`SIPVicious svcrack (password guessing)${SKIPPED}`, () => {
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
    const result = await svcrack(under, await pinFirst(), { timeoutMs: 20_000 });
    expect(result.passwords, explain(result, under)).toEqual([`150:${PIN}`]);
    const bindings = await under.store.list('sip:150@127.0.0.1', Date.now());
    expect(bindings.map((b) => b.source.host)).toEqual(['127.0.0.1']);
  }, 30_000);

  it('-r 1000-9999 does not find it: slowed, then refused, even the right PIN; the owner elsewhere gets in', async () => {
    if (!sippInstalled) throw new Error('SIPp is not installed: apt-get install sip-tester');
    const under = await start(WEAK);
    const refusals = (): number => under.answered.filter((a) => a.status === 403).length;
    const attack = await svcrack(under, ['-r', '1000-9999'], {
      timeoutMs: 20_000,
      // Every guess the limiter let through checked and answered (the last ones after their
      // delay), and svcrack refused a while since: enough seen.
      stopWhen: () =>
        under.answered.filter((a) => a.hadCredentials && a.status === 401).length >=
          LIMITS.maxFailures &&
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
    const retry = await svcrack(under, await pinFirst(), {
      timeoutMs: 20_000,
      stopWhen: () => under.answered.length >= before + 20,
    });
    expect(retry.passwords, explain(retry, under)).toEqual([]);
    expect(under.answered.slice(before).map((a) => a.status)).toEqual(
      Array(under.answered.length - before).fill(403),
    );
    expect(under.lookups.get('150')).toBe(LIMITS.maxFailures);
    expect(await under.store.list('sip:150@127.0.0.1', Date.now())).toEqual([]);

    // SIPp with the right password from there too: 401, then 403 where the 200 should be.
    const sameSource = await registerWithSippFrom({
      localHost: '127.0.0.1',
      remotePort: under.port,
      user: '150',
      password: PIN,
    });
    expect(sameSource.exitCode, sameSource.output).not.toBe(0);
    expect(await under.store.list('sip:150@127.0.0.1', Date.now())).toEqual([]);

    // The owner, from another address (SIPp bound to 127.0.0.2; svcrack cannot choose its
    // source): the limiter counts per source, so an attacker cannot lock a user out.
    const owner = await registerWithSippFrom({
      localHost: '127.0.0.2',
      remotePort: under.port,
      user: '150',
      password: PIN,
    });
    expect(owner.exitCode, owner.output).toBe(0);
    const bindings = await under.store.list('sip:150@127.0.0.1', Date.now());
    expect(bindings.map((b) => b.source.host)).toEqual(['127.0.0.2']);
    expect(under.limiter.check('127.0.0.1')).toBe('block');
    expect(under.limiter.check('127.0.0.2')).toBe('allow');
    expect(under.errors).toEqual([]);
  }, 90_000);
});
