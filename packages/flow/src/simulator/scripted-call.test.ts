import { describe, expect, it } from 'vitest';
import type { RingRequest, RingTarget } from '../runtime/call-control.js';
import { isCallerHungUp } from '../runtime/caller-hung-up.js';
import { parseCallScript, ringTargetKey, type CallScript } from './call-script.js';
import { CallEnded, CallerHungUp, MIN_RECORDING_MS, ScriptedCall } from './scripted-call.js';
import { SIM_START, scriptedCall } from './test-support.js';
import { VirtualTime } from './virtual-time.js';

const never = () => new AbortController().signal;
const desk: RingTarget = { kind: 'device', userId: 'alice', deviceId: 'desk' };
const cell: RingTarget = { kind: 'device', userId: 'alice', deviceId: 'cell' };
const frank: RingTarget = { kind: 'user', userId: 'frank' };

function ringBoth(mode: RingRequest['mode'], timeoutSeconds = 20): RingRequest {
  return { targets: [desk, cell], mode, timeoutSeconds };
}

/** Virtual seconds since the call started. */
function elapsed(time: VirtualTime): number {
  return (time.now() - SIM_START) / 1000;
}

/** Aborts `controller` with `reason` after `ms` of virtual time. */
function abortAfter(time: VirtualTime, ms: number, controller: AbortController, reason: unknown) {
  void time.sleep(ms, never()).then(() => {
    controller.abort(reason);
  });
}

describe('call scripts', () => {
  it('names ring targets by kind', () => {
    expect(ringTargetKey(desk)).toBe('device:alice/desk');
    expect(ringTargetKey({ kind: 'number', number: '+12025550100' })).toBe('number:+12025550100');
    expect(ringTargetKey(frank)).toBe('user:frank');
  });

  it('fills defaults and reports problems with their paths', () => {
    const good = parseCallScript({ ringing: { 'device:desk': { outcome: 'answer' } } });
    expect(good).toMatchObject({
      ok: true,
      value: {
        ringing: { 'device:desk': { outcome: 'answer', afterSeconds: 5 } },
        defaultRinging: { outcome: 'no-answer' },
        keys: [],
        desktopChoice: null,
      },
    });
    const bad = parseCallScript({
      ringing: { 'phone:desk': { outcome: 'answer' } },
      keys: [{ digits: '1a' }],
      hangUpAfterSeconds: -1,
      keyz: [],
    });
    expect(bad.ok).toBe(false);
    if (bad.ok) return;
    const paths = bad.issues.map((i) => i.path);
    expect(paths).toEqual(
      expect.arrayContaining([
        'ringing["phone:desk"]',
        'keys[0].digits',
        'hangUpAfterSeconds',
        'keyz',
      ]),
    );
    expect(bad.issues.find((i) => i.path === 'keyz')?.message).toMatch(/did you mean "keys"/);
  });

  it('refuses to build a call from an invalid script, naming the problem', () => {
    const time = new VirtualTime(SIM_START);
    expect(
      () =>
        new ScriptedCall({ speaks: { seconds: 5, ends: 'mumble' } } as unknown as CallScript, {
          clock: time,
          timers: time,
        }),
    ).toThrow(/invalid call script: speaks\.ends/);
  });
});

describe('ScriptedCall: progress and answer', () => {
  it('records progress without answering, and answer sets answered', async () => {
    const { call, time } = scriptedCall();
    await call.progress(never());
    expect(call.answered).toBe(false);
    await call.answer(never());
    expect(call.answered).toBe(true);
    expect(call.actions).toEqual([
      { op: 'progress', at: time.now(), endedAt: time.now() },
      { op: 'answer', at: time.now(), endedAt: time.now() },
    ]);
  });

  it('rejects an operation whose signal is already aborted, with its reason', async () => {
    const { call } = scriptedCall();
    const reason = new Error('override');
    await expect(call.answer(AbortSignal.abort(reason))).rejects.toBe(reason);
    expect(call.answered).toBe(false);
  });
});

describe('ScriptedCall: ringing at once', () => {
  it('connects the first target to answer and cancels the others', async () => {
    const { call, time } = scriptedCall({
      ringing: { 'device:alice/desk': { outcome: 'answer', afterSeconds: 4 } },
    });
    const result = await call.ring(ringBoth('simultaneous'), never());
    expect(result).toEqual({ outcome: 'answered', by: desk });
    expect(elapsed(time)).toBe(4);
    expect(call.answered).toBe(true);
    expect(call.bridgedTo).toEqual(desk);
    expect(call.actionsOf('ring')).toEqual([
      {
        op: 'ring',
        at: SIM_START,
        endedAt: SIM_START + 4000,
        targets: ['device:alice/desk', 'device:alice/cell'],
        mode: 'simultaneous',
        timeoutSeconds: 20,
        legs: [
          { target: 'device:alice/desk', outcome: 'answered' },
          { target: 'device:alice/cell', outcome: 'cancelled' },
        ],
        result: { outcome: 'answered', by: desk },
      },
    ]);
  });

  it('lets the earliest of two answering targets win', async () => {
    const { call, time } = scriptedCall({
      ringing: {
        'device:alice/desk': { outcome: 'answer', afterSeconds: 9 },
        'device:cell': { outcome: 'answer', afterSeconds: 2 },
      },
    });
    expect(await call.ring(ringBoth('simultaneous'), never())).toEqual({
      outcome: 'answered',
      by: cell,
    });
    expect(elapsed(time)).toBe(2);
  });

  it('rings out the whole timeout when nobody answers', async () => {
    const { call, time } = scriptedCall();
    expect(await call.ring(ringBoth('simultaneous', 25), never())).toEqual({
      outcome: 'no-answer',
    });
    expect(elapsed(time)).toBe(25);
    expect(call.answered).toBe(false);
    expect(call.actionsOf('ring')[0]?.legs.map((l) => l.outcome)).toEqual([
      'no-answer',
      'no-answer',
    ]);
  });

  it('counts an answer at or after the timeout as no answer', async () => {
    const { call, time } = scriptedCall({
      defaultRinging: { outcome: 'answer', afterSeconds: 20 },
    });
    expect(await call.ring(ringBoth('simultaneous', 20), never())).toEqual({
      outcome: 'no-answer',
    });
    expect(elapsed(time)).toBe(20);
  });

  it('is busy when every target is busy, as soon as the last one says so', async () => {
    const { call, time } = scriptedCall({
      ringing: {
        'device:alice/desk': { outcome: 'busy', afterSeconds: 1 },
        'device:alice/cell': { outcome: 'busy', afterSeconds: 2 },
      },
    });
    expect(await call.ring(ringBoth('simultaneous'), never())).toEqual({ outcome: 'busy' });
    expect(elapsed(time)).toBe(2);
  });

  it('is no-answer when one target is busy and another rings out', async () => {
    const { call, time } = scriptedCall({ ringing: { 'device:desk': { outcome: 'busy' } } });
    expect(await call.ring(ringBoth('simultaneous'), never())).toEqual({ outcome: 'no-answer' });
    expect(elapsed(time)).toBe(20);
  });

  it('fails with every target’s reason when all fail, and when there is nothing to ring', async () => {
    const { call } = scriptedCall({
      defaultRinging: { outcome: 'fail', detail: 'not registered' },
      ringing: { 'user:frank': { outcome: 'fail' } },
    });
    expect(
      await call.ring(
        { targets: [desk, frank], mode: 'simultaneous', timeoutSeconds: 20 },
        never(),
      ),
    ).toEqual({
      outcome: 'failed',
      detail: 'device:alice/desk: not registered; user:frank: the call to this target failed',
    });
    expect(
      await call.ring({ targets: [], mode: 'simultaneous', timeoutSeconds: 20 }, never()),
    ).toEqual({ outcome: 'failed', detail: 'nothing to ring' });
  });

  it('keeps a refusal heard before someone answered', async () => {
    const { call } = scriptedCall({
      ringing: {
        'device:desk': { outcome: 'busy', afterSeconds: 1 },
        'device:cell': { outcome: 'answer', afterSeconds: 3 },
      },
    });
    await call.ring(ringBoth('simultaneous'), never());
    expect(call.actionsOf('ring')[0]?.legs.map((l) => l.outcome)).toEqual(['busy', 'answered']);
  });

  it('records the reason and numbers as target keys', async () => {
    const { call } = scriptedCall({
      ringing: { 'number:+12025550100': { outcome: 'answer', afterSeconds: 1 } },
    });
    const result = await call.ring(
      {
        targets: [{ kind: 'number', number: '+12025550100' }],
        mode: 'simultaneous',
        timeoutSeconds: 30,
        reason: 'forward',
      },
      never(),
    );
    expect(result.outcome).toBe('answered');
    expect(call.actionsOf('ring')[0]).toMatchObject({
      targets: ['number:+12025550100'],
      reason: 'forward',
    });
  });

  it('refuses a timeout that is not a number of seconds', async () => {
    const { call } = scriptedCall();
    await expect(
      call.ring({ targets: [desk], mode: 'simultaneous', timeoutSeconds: Number.NaN }, never()),
    ).rejects.toThrow(RangeError);
  });
});

describe('ScriptedCall: ringing in turn', () => {
  it('rings each target for the timeout until one answers', async () => {
    const { call, time } = scriptedCall({
      ringing: { 'device:alice/cell': { outcome: 'answer', afterSeconds: 3 } },
    });
    expect(await call.ring(ringBoth('sequential', 15), never())).toEqual({
      outcome: 'answered',
      by: cell,
    });
    expect(elapsed(time)).toBe(18);
    expect(call.actionsOf('ring')[0]?.legs.map((l) => l.outcome)).toEqual([
      'no-answer',
      'answered',
    ]);
  });

  it('moves on from a busy target at once and reports no-answer when the last rings out', async () => {
    const { call, time } = scriptedCall({
      ringing: { 'device:alice/desk': { outcome: 'busy', afterSeconds: 1 } },
    });
    expect(await call.ring(ringBoth('sequential', 15), never())).toEqual({ outcome: 'no-answer' });
    expect(elapsed(time)).toBe(16);
  });

  it('is busy when every target is busy', async () => {
    const { call, time } = scriptedCall({ defaultRinging: { outcome: 'busy', afterSeconds: 2 } });
    expect(await call.ring(ringBoth('sequential'), never())).toEqual({ outcome: 'busy' });
    expect(elapsed(time)).toBe(4);
  });
});

describe('ScriptedCall: aborts and hang-up', () => {
  it('cancels a ring when its signal aborts, rejecting with the reason', async () => {
    const { call, time } = scriptedCall({
      defaultRinging: { outcome: 'answer', afterSeconds: 10 },
    });
    const controller = new AbortController();
    const reason = new Error('override: voicemail');
    abortAfter(time, 7000, controller, reason);
    await expect(call.ring(ringBoth('simultaneous'), controller.signal)).rejects.toBe(reason);
    await time.idle();
    expect(elapsed(time)).toBe(7);
    expect(call.answered).toBe(false);
    expect(call.actionsOf('ring')[0]).toMatchObject({
      endedAt: SIM_START + 7000,
      result: 'cancelled',
      legs: [
        { target: 'device:alice/desk', outcome: 'cancelled' },
        { target: 'device:alice/cell', outcome: 'cancelled' },
      ],
    });
  });

  it('keeps finished legs of a sequential ring when it is cancelled', async () => {
    const { call, time } = scriptedCall();
    const controller = new AbortController();
    abortAfter(time, 25_000, controller, new Error('stop'));
    await expect(call.ring(ringBoth('sequential'), controller.signal)).rejects.toThrow('stop');
    expect(call.actionsOf('ring')[0]?.legs.map((l) => l.outcome)).toEqual([
      'no-answer',
      'cancelled',
    ]);
  });

  it('hangs up on schedule: the ring rejects with CallerHungUp and listeners hear of it', async () => {
    const { call, time } = scriptedCall({ hangUpAfterSeconds: 10 });
    const heard: number[] = [];
    call.onHangUp(() => heard.push(time.now()));
    const ringing = call.ring(ringBoth('simultaneous'), never());
    await expect(ringing).rejects.toBeInstanceOf(CallerHungUp);
    await call.hungUp;
    expect(heard).toEqual([SIM_START + 10_000]);
    expect(call.state).toBe('caller-hung-up');
    expect(call.actions.map((a) => a.op)).toEqual(['ring', 'hang-up']);
    expect(call.actions[1]).toEqual({ op: 'hang-up', at: SIM_START + 10_000, by: 'caller' });
    expect(call.actionsOf('ring')[0]?.result).toBe('cancelled');
  });

  it('rejects every operation after the caller hung up, and ending it again is a no-op', async () => {
    const { call, time } = scriptedCall({ hangUpAfterSeconds: 0 });
    await call.hungUp;
    const signal = never();
    const attempts = [
      call.progress(signal),
      call.answer(signal),
      call.ring(ringBoth('simultaneous'), signal),
      call.play({ prompts: [{ kind: 'silence', ms: 10 }], bargeIn: false }, signal),
      call.collectDigits(
        { maxDigits: 1, firstDigitTimeoutSeconds: 5, interDigitTimeoutSeconds: 5 },
        signal,
      ),
      call.record(
        { maxSeconds: 60, silenceSeconds: 5, beep: true, voicemail: { mailToUser: true } },
        signal,
      ),
      call.notifyDesktop({ choices: [], timeoutSeconds: 5 }, signal),
      call.startChat({ with: { kind: 'attendant' } }, signal),
    ];
    for (const attempt of attempts) {
      const error = await attempt.then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(isCallerHungUp(error)).toBe(true);
    }
    await call.hangUp();
    await call.reject(486, 'Busy Here');
    expect(call.actions.map((a) => a.op)).toEqual(['hang-up']);
    expect(elapsed(time)).toBe(0);
  });

  it('tells a listener that subscribes after the hang-up, and stops telling one that left', async () => {
    const { call } = scriptedCall({ hangUpAfterSeconds: 1 });
    let left = 0;
    const unsubscribe = call.onHangUp(() => left++);
    unsubscribe();
    await call.hungUp;
    const late = await new Promise<string>((resolve) => {
      call.onHangUp(() => {
        resolve('told');
      });
    });
    expect(late).toBe('told');
    expect(left).toBe(0);
  });

  it('ends the call when the flow hangs up: later operations fail and the caller never hangs up', async () => {
    const { call, time } = scriptedCall({ hangUpAfterSeconds: 30 });
    let callerHungUp = false;
    void call.hungUp.then(() => (callerHungUp = true));
    await call.answer(never());
    await call.hangUp();
    expect(call.state).toBe('ended');
    await expect(call.play({ prompts: [], bargeIn: false }, never())).rejects.toBeInstanceOf(
      CallEnded,
    );
    await time.idle();
    expect(callerHungUp).toBe(false);
    expect(call.actions.map((a) => a.op)).toEqual(['answer', 'hang-up']);
    expect(call.actions[1]).toMatchObject({ by: 'flow' });
  });

  it('records a rejection with its code and reason', async () => {
    const { call } = scriptedCall();
    await call.reject(486, 'Busy Here');
    expect(call.state).toBe('ended');
    expect(call.actions).toEqual([{ op: 'reject', at: SIM_START, code: 486, reason: 'Busy Here' }]);
  });
});

describe('ScriptedCall: prompts', () => {
  it('takes time by prompt: 400 ms a spoken word, file lengths from the script, silence as given', async () => {
    const { call, time } = scriptedCall({ promptFileSeconds: { 'welcome.wav': 7 } });
    await call.answer(never());
    const result = await call.play(
      {
        prompts: [
          { kind: 'tts', text: 'Hello Ada, thanks for calling' }, // 5 words: 2 s
          { kind: 'file', file: 'welcome.wav' }, // 7 s
          { kind: 'file', file: 'other.wav' }, // 3 s by default
          { kind: 'silence', ms: 500 },
        ],
        bargeIn: false,
      },
      never(),
    );
    expect(result).toEqual({});
    expect(elapsed(time)).toBe(12.5);
    expect(call.actionsOf('play')[0]).toMatchObject({ bargeIn: false, result: {} });
    expect(call.actionsOf('play')[0]?.early).toBeUndefined();
  });

  it('marks prompts played before the answer as early media', async () => {
    const { call } = scriptedCall();
    await call.play({ prompts: [{ kind: 'silence', ms: 100 }], bargeIn: false }, never());
    expect(call.actionsOf('play')[0]?.early).toBe(true);
  });

  it('stops a barge-in prompt at the first key and returns it', async () => {
    const { call, time } = scriptedCall({ keys: [{ digits: '2', afterSeconds: 1.2 }] });
    const result = await call.play(
      { prompts: [{ kind: 'silence', ms: 10_000 }], bargeIn: true },
      never(),
    );
    expect(result).toEqual({ digit: '2' });
    expect(elapsed(time)).toBe(1.2);
    expect(call.actionsOf('key')).toEqual([{ op: 'key', at: SIM_START + 1200, digit: '2' }]);
  });

  it('does not listen for keys during a prompt without barge-in', async () => {
    const { call, time } = scriptedCall({ keys: [{ digits: '2' }] });
    const result = await call.play(
      { prompts: [{ kind: 'silence', ms: 5_000 }], bargeIn: false },
      never(),
    );
    expect(result).toEqual({});
    expect(call.actionsOf('key')).toEqual([]);
    // The key entry waits for a listener: it comes 1 s after collecting starts.
    const collected = await call.collectDigits(
      { maxDigits: 1, firstDigitTimeoutSeconds: 5, interDigitTimeoutSeconds: 5 },
      never(),
    );
    expect(collected).toEqual({ digits: '2', ended: 'max-digits' });
    expect(elapsed(time)).toBe(6);
  });

  it('cancels a prompt when its signal aborts', async () => {
    const { call, time } = scriptedCall();
    const controller = new AbortController();
    abortAfter(time, 1000, controller, new Error('override'));
    await expect(
      call.play({ prompts: [{ kind: 'silence', ms: 5000 }], bargeIn: true }, controller.signal),
    ).rejects.toThrow('override');
    expect(call.actionsOf('play')[0]).toMatchObject({
      result: 'cancelled',
      endedAt: SIM_START + 1000,
    });
  });
});

describe('ScriptedCall: collecting keys', () => {
  const collect = (maxDigits: number, terminator?: string, initial?: string) => ({
    maxDigits,
    firstDigitTimeoutSeconds: 5,
    interDigitTimeoutSeconds: 3,
    ...(terminator !== undefined ? { terminator } : {}),
    ...(initial !== undefined ? { initial } : {}),
  });

  it('collects up to the maximum, keys half a second apart by default', async () => {
    const { call, time } = scriptedCall({ keys: [{ digits: '12345' }] });
    expect(await call.collectDigits(collect(4), never())).toEqual({
      digits: '1234',
      ended: 'max-digits',
    });
    expect(elapsed(time)).toBe(2.5);
  });

  it('stops at the terminator, which is not part of the digits', async () => {
    const { call } = scriptedCall({ keys: [{ digits: '42#', gapSeconds: 1 }] });
    expect(await call.collectDigits(collect(10, '#'), never())).toEqual({
      digits: '42',
      ended: 'terminator',
    });
  });

  it('times out waiting for the first key', async () => {
    const { call, time } = scriptedCall();
    expect(await call.collectDigits(collect(4), never())).toEqual({ digits: '', ended: 'timeout' });
    expect(elapsed(time)).toBe(5);
  });

  it('times out between keys and keeps what was pressed', async () => {
    const { call, time } = scriptedCall({ keys: [{ digits: '12' }] });
    expect(await call.collectDigits(collect(4), never())).toEqual({
      digits: '12',
      ended: 'timeout',
    });
    expect(elapsed(time)).toBe(1.5 + 3);
  });

  it('starts from the initial digits (the key that barged in)', async () => {
    const { call } = scriptedCall({ keys: [{ digits: '34' }] });
    expect(await call.collectDigits(collect(3, undefined, '12'), never())).toEqual({
      digits: '123',
      ended: 'max-digits',
    });
    expect(await call.collectDigits(collect(2, '#', '5#'), never())).toEqual({
      digits: '5',
      ended: 'terminator',
    });
  });

  it('buffers keys pressed after a barge-in for the next listener', async () => {
    const { call, time } = scriptedCall({ keys: [{ digits: '1234' }] });
    const played = await call.play(
      { prompts: [{ kind: 'silence', ms: 9000 }], bargeIn: true },
      never(),
    );
    expect(played).toEqual({ digit: '1' });
    expect(await call.collectDigits(collect(3, undefined, '1'), never())).toEqual({
      digits: '123',
      ended: 'max-digits',
    });
    expect(elapsed(time)).toBe(2);
    // The 4 came at 2.5 s while nothing listened; wait a while, then it is read at once.
    await call.play({ prompts: [{ kind: 'silence', ms: 3000 }], bargeIn: false }, never());
    expect(await call.collectDigits(collect(1), never())).toEqual({
      digits: '4',
      ended: 'max-digits',
    });
    expect(elapsed(time)).toBe(5);
  });

  it('keeps an entry’s times once it started, so a key can come after one listener gave up', async () => {
    const { call, time } = scriptedCall({ keys: [{ digits: '2', afterSeconds: 8 }] });
    expect(await call.collectDigits(collect(1), never())).toEqual({ digits: '', ended: 'timeout' });
    expect(elapsed(time)).toBe(5);
    expect(await call.collectDigits(collect(1), never())).toEqual({
      digits: '2',
      ended: 'max-digits',
    });
    expect(elapsed(time)).toBe(8);
  });

  it('starts the next entry when the flow listens again', async () => {
    const { call, time } = scriptedCall({
      keys: [{ digits: '1' }, { digits: '9', afterSeconds: 2 }],
    });
    expect(await call.collectDigits(collect(1), never())).toEqual({
      digits: '1',
      ended: 'max-digits',
    });
    await call.play({ prompts: [{ kind: 'silence', ms: 10_000 }], bargeIn: false }, never());
    expect(elapsed(time)).toBe(11);
    expect(await call.collectDigits(collect(1), never())).toEqual({
      digits: '9',
      ended: 'max-digits',
    });
    expect(elapsed(time)).toBe(13);
  });

  it('cancels collecting when aborted, and the caller’s keys stop with the call', async () => {
    const { call, time } = scriptedCall({ keys: [{ digits: '7', afterSeconds: 4 }] });
    const controller = new AbortController();
    abortAfter(time, 2000, controller, new Error('override'));
    await expect(call.collectDigits(collect(1), controller.signal)).rejects.toThrow('override');
    expect(call.actionsOf('collect')[0]?.result).toBe('cancelled');
    await call.hangUp();
    await time.idle();
    expect(call.actionsOf('key')).toEqual([]);
  });
});

describe('ScriptedCall: recording', () => {
  const request = (over: Partial<Parameters<ScriptedCall['record']>[0]> = {}) => ({
    maxSeconds: 120,
    silenceSeconds: 5,
    beep: true,
    finishKey: '#',
    voicemail: { mailToUser: true },
    ...over,
  });

  it('ends at the finish key after the caller has spoken', async () => {
    const { call, time } = scriptedCall({ speaks: { seconds: 10, ends: 'key' } });
    expect(await call.record(request(), never())).toEqual({
      outcome: 'recorded',
      recordingId: 'rec-1',
      durationMs: 10_000,
      ended: 'key',
    });
    expect(elapsed(time)).toBe(10);
    expect(call.state).toBe('live');
  });

  it('ends after the allowed silence, or without a finish key waits for the silence', async () => {
    const { call } = scriptedCall({ speaks: { seconds: 10, ends: 'silence' } });
    expect(await call.record(request(), never())).toMatchObject({
      durationMs: 15_000,
      ended: 'silence',
    });
    const keyless = scriptedCall({ speaks: { seconds: 10, ends: 'key' } }).call;
    expect(await keyless.record(request({ finishKey: undefined }), never())).toMatchObject({
      durationMs: 15_000,
      ended: 'silence',
    });
  });

  it('stops at the maximum length', async () => {
    const { call, time } = scriptedCall({ speaks: { seconds: 300, ends: 'key' } });
    expect(await call.record(request({ maxSeconds: 60 }), never())).toMatchObject({
      durationMs: 60_000,
      ended: 'max-length',
    });
    expect(elapsed(time)).toBe(60);
    const silent = scriptedCall({ speaks: { seconds: 10, ends: 'silence' } }).call;
    expect(
      await silent.record(request({ silenceSeconds: 0, maxSeconds: 30 }), never()),
    ).toMatchObject({
      durationMs: 30_000,
      ended: 'max-length',
    });
  });

  it('keeps a message the caller ended by hanging up, and signals the hang-up after it', async () => {
    const { call, time } = scriptedCall({ speaks: { seconds: 8, ends: 'hang-up' } });
    const order: string[] = [];
    call.onHangUp(() => order.push(`hang-up@${String(elapsed(time))}`));
    const result = await call.record(request(), never());
    order.push('recorded');
    expect(result).toEqual({
      outcome: 'recorded',
      recordingId: 'rec-1',
      durationMs: 8000,
      ended: 'hang-up',
    });
    expect(call.state).toBe('live');
    await call.hungUp;
    expect(order).toEqual(['recorded', 'hang-up@8']);
    expect(call.state).toBe('caller-hung-up');
  });

  it('ends the recording when the scripted hang-up comes first, before anyone hears of it', async () => {
    const { call, time } = scriptedCall({
      hangUpAfterSeconds: 30,
      speaks: { seconds: 60, ends: 'key' },
    });
    await call.answer(never());
    await time.sleep(10_000, never());
    const order: string[] = [];
    call.onHangUp(() => order.push('hang-up'));
    const result = await call.record(request(), never());
    order.push('recorded');
    expect(result).toMatchObject({ outcome: 'recorded', durationMs: 20_000, ended: 'hang-up' });
    await call.hungUp;
    expect(order).toEqual(['recorded', 'hang-up']);
    expect(elapsed(time)).toBe(30);
  });

  it('is too short when the caller says nothing or hangs up at the beep', async () => {
    const silent = scriptedCall();
    expect(await silent.call.record(request(), never())).toEqual({ outcome: 'too-short' });
    await silent.call.hungUp;
    expect(silent.call.state).toBe('caller-hung-up');

    const brief = scriptedCall({
      speaks: { seconds: (MIN_RECORDING_MS - 500) / 1000, ends: 'key' },
    });
    expect(await brief.call.record(request(), never())).toEqual({ outcome: 'too-short' });
  });

  it('numbers recordings and cancels one whose signal aborts', async () => {
    const { call, time } = scriptedCall({ speaks: { seconds: 5, ends: 'key' } });
    await call.record(request(), never());
    expect(await call.record(request(), never())).toMatchObject({ recordingId: 'rec-2' });
    const controller = new AbortController();
    abortAfter(time, 1000, controller, new Error('override'));
    await expect(call.record(request(), controller.signal)).rejects.toThrow('override');
    expect(call.actionsOf('record').map((a) => a.result)).toEqual([
      expect.objectContaining({ recordingId: 'rec-1' }),
      expect.objectContaining({ recordingId: 'rec-2' }),
      'cancelled',
    ]);
  });
});

describe('ScriptedCall: the notification window', () => {
  const choices = [
    { id: 'accept', kind: 'accept', label: 'Answer' },
    { id: 'vm', kind: 'voicemail', label: 'Voicemail' },
  ] as const;

  it('returns the user’s choice when it comes in time', async () => {
    const { call, time } = scriptedCall({ desktopChoice: { choiceId: 'vm', afterSeconds: 4 } });
    expect(await call.notifyDesktop({ choices, timeoutSeconds: 15 }, never())).toEqual({
      outcome: 'choice',
      choiceId: 'vm',
    });
    expect(elapsed(time)).toBe(4);
  });

  it('times out without a choice, with one too late, or with one that was not offered', async () => {
    for (const desktopChoice of [
      null,
      { choiceId: 'vm', afterSeconds: 15 },
      { choiceId: 'attendant', afterSeconds: 1 },
    ]) {
      const { call, time } = scriptedCall({ desktopChoice });
      expect(await call.notifyDesktop({ choices, timeoutSeconds: 15 }, never())).toEqual({
        outcome: 'timeout',
      });
      expect(elapsed(time)).toBe(15);
      if (desktopChoice?.choiceId === 'attendant') {
        expect(call.actionsOf('notify')[0]?.notOffered).toBe('attendant');
      }
    }
  });

  it('uses one scripted click per notification, in order', async () => {
    const { call } = scriptedCall({
      desktopChoice: [null, { choiceId: 'accept', afterSeconds: 1 }],
    });
    const outcomes = [];
    for (let i = 0; i < 3; i++) {
      outcomes.push(await call.notifyDesktop({ choices, timeoutSeconds: 5 }, never()));
    }
    expect(outcomes).toEqual([
      { outcome: 'timeout' },
      { outcome: 'choice', choiceId: 'accept' },
      { outcome: 'timeout' },
    ]);
  });

  it('cancels the notification when aborted', async () => {
    const { call, time } = scriptedCall({ desktopChoice: { choiceId: 'vm', afterSeconds: 10 } });
    const controller = new AbortController();
    abortAfter(time, 3000, controller, new Error('hung up'));
    await expect(
      call.notifyDesktop({ choices, timeoutSeconds: 15 }, controller.signal),
    ).rejects.toThrow('hung up');
    expect(call.actionsOf('notify')[0]?.result).toBe('cancelled');
  });
});

describe('ScriptedCall: chat', () => {
  it('opens numbered chats at once', async () => {
    const { call, time } = scriptedCall();
    expect(await call.startChat({ with: { kind: 'attendant' }, topic: 'Ada' }, never())).toEqual({
      chatId: 'chat-1',
    });
    expect(await call.startChat({ with: { kind: 'user', userId: 'bob' } }, never())).toEqual({
      chatId: 'chat-2',
    });
    expect(elapsed(time)).toBe(0);
    expect(call.actionsOf('chat')[0]).toMatchObject({
      request: { with: { kind: 'attendant' }, topic: 'Ada' },
      result: { chatId: 'chat-1' },
    });
  });
});
