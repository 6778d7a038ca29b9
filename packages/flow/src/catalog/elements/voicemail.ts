import { z } from 'zod';
import type { Prompt, RecordResult } from '../../runtime/call-control.js';
import { isCallerHungUp } from '../../runtime/caller-hung-up.js';
import { defineElement } from '../element.js';
import { digitSchema, promptListSchema, promptsBoundMs, renderPrompts } from './media-config.js';

export const DEFAULT_GREETING_TEXT = 'Please leave a message after the tone.';

const configSchema = z.strictObject({
  greeting: promptListSchema
    .default([{ kind: 'tts', text: DEFAULT_GREETING_TEXT }])
    .describe('Played before the tone. Templates allowed, e.g. "You have reached {{user.name}}."')
    .meta({ title: 'Greeting' }),
  maxSeconds: z
    .number()
    .int('must be a whole number of seconds')
    .min(5, 'must be at least 5 seconds')
    .max(600, 'must be at most 600 seconds')
    .default(120)
    .describe('Longest message kept; recording stops there.')
    .meta({ title: 'Longest message (seconds)' }),
  silenceSeconds: z
    .number()
    .int('must be a whole number of seconds')
    .min(0, 'must be 0 or more')
    .max(60, 'must be at most 60 seconds')
    .default(5)
    .describe('Stop recording after this much silence; 0 keeps recording through silence.')
    .meta({ title: 'Stop after silence (seconds)' }),
  finishKey: digitSchema
    .default('#')
    .describe('The key the caller presses to finish the message.')
    .meta({ title: 'Finish key' }),
  mailToUser: z
    .boolean()
    .default(true)
    .describe('Also e-mail the recording to the user.')
    .meta({ title: 'E-mail it to the user' }),
});

/**
 * Plays the greeting, records the caller after a tone, and keeps the message as the user's
 * voicemail. `hung-up` means nothing was left: the caller hung up during the greeting or said
 * nothing worth keeping. A caller who hangs up after speaking has left a message (`recorded`).
 */
export const voicemailElement = defineElement({
  type: 'voicemail',
  label: 'Voicemail',
  category: 'media',
  description: 'Plays a greeting and records a message for the user.',
  config: configSchema,
  // Both unwired by default: after voicemail the call is usually over.
  pins: () => [
    { id: 'recorded', label: 'Message left', required: false },
    { id: 'hung-up', label: 'Hung up', required: false },
  ],
  preconditions: ['answered'],
  waits: true,
  maxDurationMs: (config) => promptsBoundMs(config.greeting) + config.maxSeconds * 1000 + 5000,
  run: async ({ config, call, facts, variables, signal }) => {
    const greeting: Prompt[] = renderPrompts(config.greeting, facts, variables);
    try {
      await call.play({ prompts: greeting, bargeIn: false }, signal);
    } catch (error) {
      if (isCallerHungUp(error))
        return { pin: 'hung-up', detail: { during: 'greeting', greeting } };
      throw error;
    }
    let result: RecordResult;
    try {
      result = await call.record(
        {
          maxSeconds: config.maxSeconds,
          silenceSeconds: config.silenceSeconds,
          beep: true,
          finishKey: config.finishKey,
          voicemail: { mailToUser: config.mailToUser },
        },
        signal,
      );
    } catch (error) {
      if (isCallerHungUp(error))
        return { pin: 'hung-up', detail: { during: 'recording', greeting } };
      throw error;
    }
    if (result.outcome === 'too-short') {
      return { pin: 'hung-up', detail: { during: 'recording', reason: 'too-short', greeting } };
    }
    return {
      pin: 'recorded',
      detail: {
        recordingId: result.recordingId,
        durationMs: result.durationMs,
        ended: result.ended,
        mailed: config.mailToUser,
        greeting,
      },
    };
  },
});
