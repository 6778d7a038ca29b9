import { z } from 'zod';
import { USER_STATUSES, type UserStatus } from '../../runtime/call-facts.js';
import { defineElement, type PinSpec } from '../element.js';

export const STATUS_LABELS: Readonly<Record<UserStatus, string>> = {
  available: 'Available',
  busy: 'Busy',
  'in-a-meeting': 'In a meeting',
  'out-of-office': 'Out of office',
  'do-not-disturb': 'Do not disturb',
  away: 'Away',
};

/** Pin of the statuses left out of a restricted list. */
export const OTHER_STATUS_PIN = 'other';

/**
 * Branches on the user's status when the call arrived (set by the user or derived from the
 * calendar). By default every status has its own pin; `statuses` keeps pins for the listed ones
 * only and sends every other status out by `other`, so "available or not" is two wires, not six.
 */
export const checkStatusElement = defineElement({
  type: 'check-status',
  label: 'Check status',
  category: 'decision',
  description: 'Goes one way per status of the user: available, busy, in a meeting, away...',
  config: z.strictObject({
    statuses: z
      .array(z.enum(USER_STATUSES as [UserStatus, ...UserStatus[]]))
      .min(1, 'list at least one status, or leave the list out for one pin per status')
      .optional()
      .describe(
        'Statuses that get their own pin; every other status leaves by "Any other status". ' +
          'Leave it out for one pin per status.',
      )
      .meta({ title: 'Statuses with their own pin' }),
  }),
  pins: (config) => {
    const listed = new Set(config.statuses ?? USER_STATUSES);
    const pins: PinSpec[] = USER_STATUSES.filter((s) => listed.has(s)).map((status) => ({
      id: status,
      label: STATUS_LABELS[status],
      required: true,
    }));
    if (config.statuses !== undefined && listed.size < USER_STATUSES.length) {
      pins.push({ id: OTHER_STATUS_PIN, label: 'Any other status', required: true });
    }
    return pins;
  },
  preconditions: [],
  waits: false,
  maxDurationMs: () => 1000,
  run: ({ config, facts }) => {
    const own = config.statuses === undefined || config.statuses.includes(facts.status);
    return Promise.resolve({
      pin: own ? facts.status : OTHER_STATUS_PIN,
      detail: { status: facts.status },
    });
  },
});
