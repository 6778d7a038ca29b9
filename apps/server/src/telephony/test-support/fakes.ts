/** Stand-ins for the telephony tests: a voicemail box that keeps what it is given, quiet speech. */
import type { Speech } from '@switchboard/media';
import type { RingTarget } from '@switchboard/flow';
import type { Voicemail } from '../../domain/model/index.js';
import type {
  DepositInput,
  GreetingPrompt,
  GreetingQuery,
  ReservedRecording,
} from '../../domain/ports/voicemail-box.js';
import type { CallReporter, VoicemailService } from '../sip-call-control.js';

/** A VoicemailBox writing nothing but what it was asked. */
export class FakeVoicemailBox implements VoicemailService {
  readonly minDurationMs = 1000;
  readonly queries: GreetingQuery[] = [];
  readonly deposits: DepositInput[] = [];
  readonly discarded: ReservedRecording[] = [];
  private next = 0;

  constructor(
    private readonly greeting: readonly GreetingPrompt[] = [{ kind: 'silence', ms: 200 }],
  ) {}

  greetingFor(query: GreetingQuery): Promise<readonly GreetingPrompt[]> {
    this.queries.push(query);
    return Promise.resolve(this.greeting);
  }

  reserve(userId: string): Promise<ReservedRecording> {
    this.next += 1;
    const voicemailId = `vm-${String(this.next)}`;
    return Promise.resolve({ voicemailId, relativePath: `voicemail/${userId}/${voicemailId}.wav` });
  }

  deposit(input: DepositInput): Promise<Voicemail> {
    this.deposits.push(input);
    return Promise.resolve({
      id: input.voicemailId,
      userId: input.userId,
      callId: input.callId,
      callerNumber: input.callerNumber,
      contactId: input.contactId,
      path: `voicemail/${input.userId}/${input.voicemailId}.wav`,
      durationMs: input.durationMs,
      heard: false,
      mailStatus: 'disabled',
      createdAt: 0,
    });
  }

  discard(reserved: ReservedRecording): Promise<void> {
    this.discarded.push(reserved);
    return Promise.resolve();
  }
}

/** Text to speech that says nothing for 100 ms per call, at once (no espeak-ng needed). */
export class QuietSpeech implements Speech {
  readonly texts: string[] = [];

  synthesize(text: string): Promise<Int16Array> {
    this.texts.push(text);
    return Promise.resolve(new Int16Array(800));
  }

  isAvailable(): Promise<boolean> {
    return Promise.resolve(true);
  }
}

/** A CallReporter writing down what it is told. */
export class RecordingReporter implements CallReporter {
  readonly events: string[] = [];

  ringing(targets: readonly RingTarget[], mode: 'simultaneous' | 'sequential'): void {
    this.events.push(`ringing ${targets.map(name).join(',')} ${mode}`);
  }

  answered(by: RingTarget | null): void {
    this.events.push(`answered ${by === null ? 'system' : name(by)}`);
  }

  forwarded(to: RingTarget, reason: string | null): void {
    this.events.push(`forwarded ${name(to)} ${reason ?? '-'}`);
  }

  voicemail(phase: 'started' | 'recorded', voicemailId?: string): void {
    this.events.push(`voicemail ${phase} ${voicemailId ?? '-'}`);
  }
}

function name(target: RingTarget): string {
  switch (target.kind) {
    case 'device':
      return `device:${target.deviceId}`;
    case 'number':
      return `number:${target.number}`;
    case 'user':
      return `user:${target.userId}`;
  }
}
