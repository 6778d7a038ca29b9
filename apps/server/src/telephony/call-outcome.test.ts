import { InviteError, RingError, type RingLeg } from '@switchboard/sip';
import { describe, expect, it } from 'vitest';
import { callOutcome } from './call-outcome.js';
import { cancelledLegs, unansweredOutcome } from './ring-outcome.js';
import type { CallSummary } from './sip-call-control.js';

const nothing: CallSummary = {
  answeredBy: null,
  connected: false,
  rejectedWith: null,
  voicemailId: null,
  callerGone: undefined,
  cancelledLegs: [],
  overridden: false,
  conversationEndedBy: null,
};
const desk = { kind: 'device', userId: 'alice', deviceId: 'desk' } as const;

describe('the call record’s outcome', () => {
  it('names what happened, in order of what matters most', () => {
    const outcome = (summary: Partial<CallSummary>, flow = 'ended' as const) =>
      callOutcome({ ...nothing, ...summary }, { outcome: flow }, 'alice').outcome;
    expect(outcome({ voicemailId: 'vm-1', answeredBy: 'system', callerGone: 'bye' })).toBe(
      'voicemail',
    );
    expect(outcome({ rejectedWith: 603 })).toBe('rejected');
    expect(outcome({ connected: true, answeredBy: desk, callerGone: 'bye' })).toBe('answered');
    expect(
      outcome({ connected: true, answeredBy: { kind: 'number', number: '+12025550177' } }),
    ).toBe('forwarded');
    expect(outcome({ connected: true, answeredBy: { kind: 'user', userId: 'frank' } })).toBe(
      'forwarded',
    );
    expect(outcome({ callerGone: 'cancel' })).toBe('abandoned');
    expect(outcome({ answeredBy: 'system', callerGone: 'bye' })).toBe('abandoned');
    expect(callOutcome(nothing, { outcome: 'error' }, 'alice').outcome).toBe('failed');
    expect(outcome({})).toBe('missed');
  });

  it('says who ended the call and what was cancelled', () => {
    expect(
      callOutcome(
        { ...nothing, callerGone: 'cancel', cancelledLegs: ['sip:a@1', 'sip:b@2'] },
        { outcome: 'hung-up' },
        'alice',
      ).detail,
    ).toEqual({
      endedBy: 'caller',
      flowOutcome: 'hung-up',
      callerLeft: 'cancel',
      cancelledLegs: ['sip:a@1', 'sip:b@2'],
    });
    expect(
      callOutcome(
        {
          ...nothing,
          connected: true,
          answeredBy: desk,
          conversationEndedBy: 'callee',
          overridden: true,
        },
        { outcome: 'overridden' },
        'alice',
      ).detail,
    ).toEqual({ endedBy: 'callee', flowOutcome: 'overridden', overridden: true });
  });
});

function leg(uri: string, error: InviteError | undefined): RingLeg {
  return {
    index: 0,
    target: { uri },
    outcome: error === undefined ? 'not-tried' : 'failed',
    ...(error === undefined ? {} : { error }),
  };
}

describe('a ring nobody answered', () => {
  it('is busy for 486, 600 and 603, no answer for timeouts and our cancellations', () => {
    const busy = new RingError(486, [leg('sip:a@1', new InviteError('rejected', 486, 'busy'))]);
    expect(unansweredOutcome(busy)).toEqual({ outcome: 'busy', detail: 'sip:a@1 486' });
    expect(unansweredOutcome(new RingError(603, [])).outcome).toBe('busy');
    const timedOut = new RingError(480, [
      leg('sip:a@1', new InviteError('cancelled', 487, 'cancelled')),
    ]);
    expect(unansweredOutcome(timedOut)).toEqual({
      outcome: 'no-answer',
      detail: 'sip:a@1 cancelled',
    });
    expect(cancelledLegs(timedOut.legs)).toEqual(['sip:a@1']);
    expect(unansweredOutcome(new RingError(404, [])).outcome).toBe('failed');
  });

  it('fails, not "no answer", when no leg could be reached at all', () => {
    const down = new RingError(480, [
      leg('sip:+1@trunk', new InviteError('transport', 503, 'ECONNREFUSED')),
    ]);
    expect(unansweredOutcome(down)).toEqual({
      outcome: 'failed',
      detail: 'unreachable: sip:+1@trunk transport',
    });
  });
});
