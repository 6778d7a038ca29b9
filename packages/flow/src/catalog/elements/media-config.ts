import { z } from 'zod';
import type { Prompt } from '../../runtime/call-control.js';
import type { CallFacts } from '../../runtime/call-facts.js';
import { renderTemplate } from '../../runtime/template.js';

/**
 * Config pieces shared by the media elements (Play, Menu, Collect digits, Voicemail): prompt
 * lists and phone keys.
 */

/** Phone keys in keypad order. */
export const DIGITS = ['1', '2', '3', '4', '5', '6', '7', '8', '9', '*', '0', '#'] as const;
export type Digit = (typeof DIGITS)[number];

export const digitSchema = z.enum(DIGITS, 'must be one phone key: 0-9, * or #');

/** Prompt file names: no slashes or leading dot, so a name can never leave the prompt folder. */
const PROMPT_FILE_PATTERN = /^[A-Za-z0-9_-][A-Za-z0-9._-]*$/;

const ttsPromptSchema = z
  .strictObject({
    kind: z.literal('tts'),
    text: z
      .string()
      .min(1, 'must not be empty')
      .max(1000, 'must be at most 1000 characters')
      .describe(
        'Spoken by text to speech. {{contact.firstName}}, {{caller.number}}, {{user.name}} or ' +
          '{{vars.name}} are filled in from the call; a value that is missing reads as nothing.',
      )
      .meta({ title: 'Text' }),
    voice: z
      .string()
      .min(1, 'must not be empty')
      .max(100, 'must be at most 100 characters')
      .optional()
      .describe('Text-to-speech voice; leave empty for the server default.')
      .meta({ title: 'Voice' }),
  })
  .meta({ title: 'Text to speech' });

const filePromptSchema = z
  .strictObject({
    kind: z.literal('file'),
    file: z
      .string()
      .min(1, 'must not be empty')
      .max(200, 'must be at most 200 characters')
      .regex(PROMPT_FILE_PATTERN, 'a prompt file name has no slashes and does not start with a dot')
      .describe('Name of a recorded prompt uploaded to the server, e.g. "welcome.wav".')
      .meta({ title: 'Recorded prompt' }),
  })
  .meta({ title: 'Recorded prompt' });

const silencePromptSchema = z
  .strictObject({
    kind: z.literal('silence'),
    ms: z
      .number()
      .int('must be a whole number of milliseconds')
      .min(1, 'must be at least 1 ms')
      .max(60_000, 'must be at most 60000 ms (a minute)')
      .describe('A pause, in milliseconds.')
      .meta({ title: 'Pause (ms)' }),
  })
  .meta({ title: 'Pause' });

export const promptSchema = z.discriminatedUnion('kind', [
  ttsPromptSchema,
  filePromptSchema,
  silencePromptSchema,
]);
export type PromptConfig = z.output<typeof promptSchema>;

/** One or more prompts played one after the other. */
export const promptListSchema = z
  .array(promptSchema)
  .min(1, 'add at least one prompt')
  .max(20, 'at most 20 prompts');

/** The prompts as the caller hears them: templates in spoken text filled in from the call. */
export function renderPrompts(
  prompts: readonly PromptConfig[],
  facts: CallFacts,
  variables: Readonly<Record<string, string>>,
): Prompt[] {
  return prompts.map((prompt) =>
    prompt.kind === 'tts'
      ? { ...prompt, text: renderTemplate(prompt.text, facts, variables) }
      : prompt,
  );
}

/** Longest a recorded prompt file is assumed to play, for time limits only. */
const FILE_PROMPT_BOUND_MS = 5 * 60_000;
/** Text to speech is far slower than this per character, even after templates expand. */
const TTS_BOUND_MS_PER_CHAR = 150;
const TTS_PLACEHOLDER_BOUND_CHARS = 200;

/** A generous upper bound on how long prompts play: for maxDurationMs, never for timing. */
export function promptsBoundMs(prompts: readonly PromptConfig[] | undefined): number {
  let ms = 0;
  for (const prompt of prompts ?? []) {
    if (prompt.kind === 'silence') ms += prompt.ms;
    else if (prompt.kind === 'file') ms += FILE_PROMPT_BOUND_MS;
    else {
      const placeholders = prompt.text.split('{{').length - 1;
      const chars = prompt.text.length + placeholders * TTS_PLACEHOLDER_BOUND_CHARS;
      ms += 2000 + chars * TTS_BOUND_MS_PER_CHAR;
    }
  }
  return ms;
}
