import { z } from 'zod';
import { defineElement } from '../element.js';
import { RING_MARGIN_MS, ringTimeoutSchema } from './telephony-config.js';

const configSchema = z.strictObject({
  timeoutSeconds: ringTimeoutSchema(20, "How long to ring the attendant's devices."),
});

/**
 * Hands the call to the user's attendant (another user who answers for them). Without an
 * attendant, or when the attendant is busy or unreachable, the call leaves by `no-answer`
 * with the reason in the step log.
 */
export const attendantElement = defineElement({
  type: 'attendant',
  label: 'Attendant',
  category: 'telephony',
  description: "Transfers the call to the user's attendant.",
  config: configSchema,
  pins: () => [
    { id: 'answered', label: 'Answered', required: true },
    { id: 'no-answer', label: 'No answer', required: true },
  ],
  preconditions: [],
  waits: true,
  maxDurationMs: (config) => config.timeoutSeconds * 1000 + RING_MARGIN_MS,
  run: async ({ config, call, facts, signal }) => {
    const attendantId = facts.user.attendantId;
    if (attendantId === null) {
      return { pin: 'no-answer', detail: { reason: `${facts.user.id} has no attendant` } };
    }
    if (!call.answered) await call.progress(signal);
    const result = await call.ring(
      {
        targets: [{ kind: 'user', userId: attendantId }],
        mode: 'simultaneous',
        timeoutSeconds: config.timeoutSeconds,
        reason: 'attendant',
      },
      signal,
    );
    switch (result.outcome) {
      case 'answered':
        return { pin: 'answered', detail: { attendant: attendantId } };
      case 'no-answer':
        return { pin: 'no-answer', detail: { attendant: attendantId } };
      case 'busy':
        return { pin: 'no-answer', detail: { attendant: attendantId, reason: 'busy' } };
      case 'failed':
        return {
          pin: 'no-answer',
          detail: { attendant: attendantId, reason: 'failed', error: result.detail },
        };
    }
  },
});
