import { z } from 'zod';
import { defineElement } from '../element.js';
import { END_PIN } from './hang-up.js';

/** SIP final responses for the named reasons (RFC 3261 §21.4.24, §21.6.2, §21.4.18). */
export const REJECT_CODES = { busy: 486, decline: 603, unavailable: 480 } as const;

/**
 * Codes a bare rejection cannot send: RFC 3261 requires a header with each that this element has
 * nothing to put in (401/407 a challenge §21.4.2/§21.4.8, 405 Allow §21.4.6, 420 Unsupported
 * §21.4.15, 421 Require §21.4.16, 423 Min-Expires RFC 3261 §21.4.17; 494 Security-Server,
 * RFC 3329 §2.3.1).
 */
const CODES_NEEDING_HEADERS = new Set([401, 405, 407, 420, 421, 423, 494]);

/** A SIP reason phrase: printable text on one line (RFC 3261 §25.1 reason-phrase). */
const REASON_PHRASE = /^[^\p{Cc}]*$/u;

/**
 * Refuses the call before it is answered: busy (486), decline (603), unavailable (480), or any
 * 4xx-6xx code. The caller's carrier plays its own tone or announcement for the code.
 */
export const rejectElement = defineElement({
  type: 'reject',
  label: 'Reject',
  category: 'end',
  description:
    'Refuses the call without answering: busy, declined, unavailable, or a code you pick.',
  config: z
    .strictObject({
      reason: z
        .enum(['busy', 'decline', 'unavailable', 'custom'])
        .default('busy')
        .describe(
          'busy: 486 Busy Here; decline: 603 Decline; unavailable: 480 Temporarily ' +
            'Unavailable; custom: the SIP code below.',
        )
        .meta({ title: 'Reason' }),
      code: z
        .number()
        .int('must be a whole number')
        .min(400, 'a rejection code is 400 to 699')
        .max(699, 'a rejection code is 400 to 699')
        .refine(
          (code) => !CODES_NEEDING_HEADERS.has(code),
          'this code needs SIP headers a rejection cannot give (401, 405, 407, 420, 421, 423, 494)',
        )
        .optional()
        .describe('SIP response code (400-699) for reason custom, e.g. 404 or 600.')
        .meta({ title: 'SIP code' }),
      text: z
        .string()
        .trim()
        .min(1, 'must not be empty')
        .max(100, 'must be at most 100 characters')
        .regex(REASON_PHRASE, 'must be one line of text')
        .optional()
        .describe("SIP reason phrase sent with the code; the code's usual phrase when left out.")
        .meta({ title: 'Reason text' }),
    })
    .superRefine((config, ctx) => {
      if (config.reason === 'custom' && config.code === undefined) {
        ctx.addIssue({ code: 'custom', path: ['code'], message: 'required when reason is custom' });
      }
      if (config.reason !== 'custom' && config.code !== undefined) {
        ctx.addIssue({
          code: 'custom',
          path: ['code'],
          message: `reason ${config.reason} always sends ${String(REJECT_CODES[config.reason])}; choose reason custom to pick a code`,
        });
      }
    }),
  pins: () => [],
  // No `unanswered` precondition: a Reject reached after a Play has answered the call still
  // ends it (with BYE, below) instead of being skipped.
  preconditions: [],
  waits: false,
  maxDurationMs: () => 5000,
  run: async ({ config, call }) => {
    const code = config.reason === 'custom' ? (config.code ?? 603) : REJECT_CODES[config.reason];
    // The runtime refuses Reject after an answer; should one slip through, a final response is
    // no longer possible (RFC 3261 §13.3.1.4), and ending the call is the nearest thing.
    if (call.answered) {
      await call.hangUp();
      return { pin: END_PIN, ends: true, detail: { code, hungUp: 'already answered' } };
    }
    await call.reject(code, config.text);
    return {
      pin: END_PIN,
      ends: true,
      detail: config.text === undefined ? { code } : { code, text: config.text },
    };
  },
});
