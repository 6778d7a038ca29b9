import type { FlowRunOptions } from '@switchboard/flow';

/** The flow runtime's CallControl and the types of its requests. */
type CallControl = FlowRunOptions['call'];
type RingRequest = Parameters<CallControl['ring']>[0];
type RingResult = Awaited<ReturnType<CallControl['ring']>>;

/** What a ring does in a test: settle at once with a result, or wait until it is stopped. */
export type RingScript = (request: RingRequest) => RingResult | 'wait';

/**
 * A CallControl for domain tests: it does nothing on a wire and writes down what the flow asked
 * (`ring number:+1...`, `reject 603`, `hang-up`), so a test can run a real FlowRun against the
 * server's handling choice. A ring told to `wait` rings until the runtime aborts it (an override
 * or a hang-up), then rejects with the signal's reason as CallControl requires.
 */
export class RecordingCall implements CallControl {
  answered = false;
  readonly actions: string[] = [];
  /** Resolves each time a ring starts, for tests that act while something rings. */
  private ringWaiters: (() => void)[] = [];

  constructor(private readonly ringScript: RingScript = () => ({ outcome: 'no-answer' })) {}

  /** Resolves once a ring is under way (immediately if one already is). */
  ringing(): Promise<void> {
    if (this.actions.some((a) => a.startsWith('ring '))) return Promise.resolve();
    return new Promise((resolve) => this.ringWaiters.push(resolve));
  }

  progress(): Promise<void> {
    this.actions.push('progress');
    return Promise.resolve();
  }

  answer(): Promise<void> {
    if (!this.answered) this.actions.push('answer');
    this.answered = true;
    return Promise.resolve();
  }

  ring(request: RingRequest, signal: AbortSignal): Promise<RingResult> {
    const targets = request.targets.map((t) =>
      t.kind === 'device'
        ? `device:${t.deviceId}`
        : t.kind === 'number'
          ? `number:${t.number}`
          : `user:${t.userId}`,
    );
    this.actions.push(`ring ${targets.join(',')}`);
    for (const wake of this.ringWaiters.splice(0)) wake();
    const scripted = this.ringScript(request);
    if (scripted !== 'wait') {
      if (scripted.outcome === 'answered') this.answered = true;
      return Promise.resolve(scripted);
    }
    return new Promise((_resolve, reject) => {
      const stop = (): void => {
        this.actions.push('ring stopped');
        reject(signal.reason as Error);
      };
      if (signal.aborted) stop();
      else signal.addEventListener('abort', stop, { once: true });
    });
  }

  play(): Promise<Awaited<ReturnType<CallControl['play']>>> {
    this.actions.push('play');
    return Promise.resolve({});
  }

  collectDigits(): Promise<Awaited<ReturnType<CallControl['collectDigits']>>> {
    this.actions.push('collect');
    return Promise.resolve({ digits: '', ended: 'timeout' });
  }

  record(): Promise<Awaited<ReturnType<CallControl['record']>>> {
    this.actions.push('record');
    return Promise.resolve({
      outcome: 'recorded',
      recordingId: 'rec-1',
      durationMs: 4000,
      ended: 'hang-up',
    });
  }

  notifyDesktop(): Promise<Awaited<ReturnType<CallControl['notifyDesktop']>>> {
    this.actions.push('notify');
    return Promise.resolve({ outcome: 'timeout' });
  }

  startChat(): Promise<Awaited<ReturnType<CallControl['startChat']>>> {
    this.actions.push('chat');
    return Promise.resolve({ chatId: 'chat-1' });
  }

  reject(code: number): Promise<void> {
    this.actions.push(`reject ${String(code)}`);
    return Promise.resolve();
  }

  hangUp(): Promise<void> {
    this.actions.push('hang-up');
    return Promise.resolve();
  }
}

/** Runtime services for tests: real timers, the given clock, no webhooks. */
export function testFlowServices(now: () => number): FlowRunOptions['services'] {
  return {
    clock: { now },
    timers: {
      sleep: (ms, signal) =>
        new Promise((resolve, reject) => {
          const timer = setTimeout(resolve, ms);
          signal.addEventListener(
            'abort',
            () => {
              clearTimeout(timer);
              reject(signal.reason as Error);
            },
            { once: true },
          );
        }),
    },
    http: { send: () => Promise.reject(new Error('no webhooks in tests')) },
  };
}
