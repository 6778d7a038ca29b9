import { z } from 'zod';
import { Timestamp } from './common.js';
import { Role } from './users.js';

/**
 * Live events pushed over `GET /api/events` (WebSocket, one JSON text frame per event).
 * `ServerEvent` is a discriminated union on `type`; later features (calls ringing, status
 * changes) add members such as `call.ringing` here, and clients ignore types they do not know.
 */

/** First frame on every connection. */
export const HelloEvent = z.object({
  type: z.literal('hello'),
  serverVersion: z.string(),
  userId: z.string(),
  role: Role,
  at: Timestamp,
});
export type HelloEvent = z.infer<typeof HelloEvent>;

export const EntityName = z.enum([
  'user',
  'number',
  'device',
  'trunk',
  'handling-code',
  'flow',
  'contact',
  'calendar-event',
  'call',
  'voicemail',
  'api-token',
]);
export type EntityName = z.infer<typeof EntityName>;

export const EntityAction = z.enum(['created', 'updated', 'deleted']);
export type EntityAction = z.infer<typeof EntityAction>;

/** Something the client may be showing changed; refetch it (or drop it when deleted). */
export const EntityChangedEvent = z.object({
  type: z.literal('entity.changed'),
  entity: EntityName,
  /** The entity's key: id, E.164 number, or handling code. */
  id: z.string(),
  action: EntityAction,
  /** Owner of the entity; null for server-wide things such as trunks. */
  userId: z.string().nullable(),
  at: Timestamp,
});
export type EntityChangedEvent = z.infer<typeof EntityChangedEvent>;

export const ServerEvent = z.discriminatedUnion('type', [HelloEvent, EntityChangedEvent]);
export type ServerEvent = z.infer<typeof ServerEvent>;
export type ServerEventType = ServerEvent['type'];
