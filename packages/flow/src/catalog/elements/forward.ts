import { z } from 'zod';
import { defineElement } from '../element.js';
import {
  RING_MARGIN_MS,
  RING_PINS,
  describeTarget,
  ringOutcome,
  ringTimeoutSchema,
  toRingTarget,
  transferTargetSchema,
} from './telephony-config.js';

const configSchema = z.strictObject({
  to: transferTargetSchema
    .describe(
      'Where to send the call: a phone number in E.164 form (e.g. +12025550123), dialled ' +
        'through the trunk, or another Switchboard user, whose devices all ring.',
    )
    .meta({ title: 'Forward to' }),
  timeoutSeconds: ringTimeoutSchema(30, 'How long to ring before giving up.'),
});

/** Sends the call on to a number outside Switchboard or to another user. */
export const forwardElement = defineElement({
  type: 'forward',
  label: 'Forward',
  category: 'telephony',
  description: 'Forwards the call to a phone number or another user.',
  config: configSchema,
  pins: () => RING_PINS,
  preconditions: [],
  waits: true,
  maxDurationMs: (config) => config.timeoutSeconds * 1000 + RING_MARGIN_MS,
  run: async ({ config, call, signal }) => {
    const target = toRingTarget(config.to);
    // Ringback for a caller still waiting; an answered caller (after a menu) hears the transfer.
    if (!call.answered) await call.progress(signal);
    const result = await call.ring(
      {
        targets: [target],
        mode: 'simultaneous',
        timeoutSeconds: config.timeoutSeconds,
        reason: 'forward',
      },
      signal,
    );
    return ringOutcome(result, { to: describeTarget(target) });
  },
});
