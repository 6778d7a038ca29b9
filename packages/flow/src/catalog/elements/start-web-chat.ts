import { z } from 'zod';
import { renderTemplate } from '../../runtime/template.js';
import { defineElement } from '../element.js';
import { userIdSchema } from './telephony-config.js';

const configSchema = z.strictObject({
  with: z
    .discriminatedUnion('kind', [
      z.strictObject({ kind: z.literal('attendant') }).meta({ title: "The user's attendant" }),
      z
        .strictObject({
          kind: z.literal('user'),
          userId: userIdSchema
            .describe('Id of the other Switchboard user.')
            .meta({ title: 'User' }),
        })
        .meta({ title: 'Another user' }),
    ])
    .default({ kind: 'attendant' })
    .describe('Whom the user chats with about this call: their attendant or another user.')
    .meta({ title: 'Chat with' }),
  topic: z
    .string()
    .min(1, 'must not be empty')
    .max(200, 'must be at most 200 characters')
    .optional()
    .describe(
      'First line of the chat, e.g. "{{contact.name}} is calling about the invoice". Templates allowed.',
    )
    .meta({ title: 'Topic' }),
});

/**
 * Opens a web chat tied to the call between the user and their attendant (or another user), so
 * they can agree what to do while the call goes on. Without an attendant there is nobody to chat
 * with: the call moves on and the step log says why.
 */
export const startWebChatElement = defineElement({
  type: 'start-web-chat',
  label: 'Start web chat',
  category: 'telephony',
  description: 'Opens a chat about the call with the attendant or another user.',
  config: configSchema,
  pins: () => [{ id: 'next', label: 'Next', required: true }],
  preconditions: [],
  waits: false,
  maxDurationMs: () => 10_000,
  run: async ({ config, call, facts, variables, signal }) => {
    if (config.with.kind === 'attendant' && facts.user.attendantId === null) {
      return { pin: 'next', detail: { skipped: `${facts.user.id} has no attendant` } };
    }
    const topic =
      config.topic !== undefined ? renderTemplate(config.topic, facts, variables) : undefined;
    const { chatId } = await call.startChat(
      { with: config.with, ...(topic !== undefined ? { topic } : {}) },
      signal,
    );
    const withWhom = config.with.kind === 'user' ? `user ${config.with.userId}` : 'attendant';
    return {
      pin: 'next',
      detail: { chatId, with: withWhom, ...(topic !== undefined ? { topic } : {}) },
    };
  },
});
