import { z } from 'zod';
import type { DesktopChoice } from '../../runtime/call-control.js';
import { renderTemplate } from '../../runtime/template.js';
import { defineElement, type PinSpec } from '../element.js';
import {
  RING_MARGIN_MS,
  deviceIdSchema,
  toRingTarget,
  transferTargetSchema,
} from './telephony-config.js';

/** The pin taken when the user makes no choice in time. */
export const TIMEOUT_PIN = 'timeout';

const CHOICE_ID_PATTERN = /^[a-z0-9][a-z0-9_-]{0,31}$/;

const choiceId = z
  .string()
  .regex(CHOICE_ID_PATTERN, 'a choice id is 1-32 lower-case letters, digits, dash or underscore')
  .refine((id) => id !== TIMEOUT_PIN, `"${TIMEOUT_PIN}" is the pin for no choice`)
  .describe('Names the pin the call leaves by when the user picks this choice.')
  .meta({ title: 'Id' });

const choiceLabel = z
  .string()
  .min(1, 'must not be empty')
  .max(60, 'must be at most 60 characters')
  .describe('Text of the button in the notification window.')
  .meta({ title: 'Button text' });

/**
 * One button. The flow carries the choice out from its pin (accept to Ring devices, voicemail
 * to Voicemail...); the kind and its settings tell the notification window what to show.
 */
const choiceSchema = z
  .discriminatedUnion('kind', [
    z
      .strictObject({
        id: choiceId,
        kind: z.literal('accept'),
        label: choiceLabel,
        deviceId: deviceIdSchema
          .optional()
          .describe('The device the user takes the call on, e.g. "desk".')
          .meta({ title: 'Answer on device' }),
      })
      .meta({ title: 'Take the call' }),
    z
      .strictObject({
        id: choiceId,
        kind: z.literal('forward'),
        label: choiceLabel,
        target: transferTargetSchema
          .describe('The number or user the call goes to.')
          .meta({ title: 'Forward to' }),
      })
      .meta({ title: 'Forward' }),
    z
      .strictObject({ id: choiceId, kind: z.literal('voicemail'), label: choiceLabel })
      .meta({ title: 'Voicemail' }),
    z
      .strictObject({ id: choiceId, kind: z.literal('attendant'), label: choiceLabel })
      .meta({ title: 'Attendant' }),
  ])
  .describe('What the button offers: accept, forward, voicemail or attendant.');
export type NotifyChoiceConfig = z.output<typeof choiceSchema>;

const DEFAULT_CHOICES: NotifyChoiceConfig[] = [
  { id: 'accept', kind: 'accept', label: 'Answer' },
  { id: 'voicemail', kind: 'voicemail', label: 'Send to voicemail' },
];

const configSchema = z.strictObject({
  timeoutSeconds: z
    .number()
    .int('must be a whole number of seconds')
    .min(1, 'must be at least 1 second')
    .max(300, 'must be at most 300 seconds')
    .default(15)
    .describe('How long the notification waits for the user before the call moves on.')
    .meta({ title: 'Wait for (seconds)' }),
  headline: z
    .string()
    .min(1, 'must not be empty')
    .max(200, 'must be at most 200 characters')
    .optional()
    .describe('Shown above the caller, e.g. "VIP calling: {{contact.name}}". Templates allowed.')
    .meta({ title: 'Headline' }),
  choices: z
    .array(choiceSchema)
    .min(1, 'offer at least one choice')
    .max(6, 'at most 6 choices')
    .superRefine((choices, ctx) => {
      const seen = new Set<string>();
      choices.forEach((choice, i) => {
        if (seen.has(choice.id)) {
          ctx.addIssue({
            code: 'custom',
            path: [i, 'id'],
            message: `duplicate choice id "${choice.id}"`,
          });
        }
        seen.add(choice.id);
      });
    })
    .default(DEFAULT_CHOICES)
    .describe('Buttons in the notification window; each choice gets its own pin.')
    .meta({ title: 'Choices' }),
});

function toDesktopChoice(choice: NotifyChoiceConfig): DesktopChoice {
  return choice.kind === 'forward' ? { ...choice, target: toRingTarget(choice.target) } : choice;
}

/**
 * Shows the call in the user's notification window with buttons, and waits up to the timeout
 * for a click; the caller hears ringing meanwhile. The element only reports the choice: the
 * flow carries it out from the choice's pin (accept to Ring devices, voicemail to Voicemail...).
 */
export const notifyDesktopElement = defineElement({
  type: 'notify-desktop',
  label: 'Notify desktop',
  category: 'telephony',
  description: "Shows the call in the user's notification window and waits for a choice.",
  config: configSchema,
  pins: (config): PinSpec[] => [
    ...config.choices.map((choice) => ({ id: choice.id, label: choice.label, required: true })),
    { id: TIMEOUT_PIN, label: 'No choice', required: true },
  ],
  preconditions: [],
  waits: true,
  maxDurationMs: (config) => config.timeoutSeconds * 1000 + RING_MARGIN_MS,
  run: async ({ config, call, facts, variables, signal }) => {
    const headline =
      config.headline !== undefined ? renderTemplate(config.headline, facts, variables) : undefined;
    if (!call.answered) await call.progress(signal);
    const result = await call.notifyDesktop(
      {
        choices: config.choices.map(toDesktopChoice),
        timeoutSeconds: config.timeoutSeconds,
        ...(headline !== undefined ? { headline } : {}),
      },
      signal,
    );
    const shown = headline !== undefined ? { headline } : {};
    if (result.outcome === 'timeout') return { pin: TIMEOUT_PIN, detail: shown };
    const choice = config.choices.find((c) => c.id === result.choiceId);
    if (choice === undefined) {
      // A window answering with a choice it was not offered: treat it as no choice, visibly.
      return { pin: TIMEOUT_PIN, detail: { ...shown, unknownChoice: result.choiceId } };
    }
    return { pin: choice.id, detail: { ...shown, choice: choice.id, kind: choice.kind } };
  },
});
