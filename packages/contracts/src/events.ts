import { z } from 'zod';
import {
  CallAnsweredEvent,
  CallEndedEvent,
  CallForwardedEvent,
  CallIncomingEvent,
  CallRingingEvent,
  CallStepEvent,
  CallVoicemailEvent,
} from './call-events.js';
import { Timestamp } from './common.js';
import { UserStatusDto } from './status.js';
import { Role } from './users.js';
import { VoicemailDeletedEvent, VoicemailNewEvent, VoicemailUpdatedEvent } from './voicemails.js';

/**
 * Live events pushed over `GET /api/events` (WebSocket, one JSON text frame per event).
 * `ServerEvent` is a discriminated union on `type`: entity changes, status changes, contact
 * imports and the events of each call (call-events.ts). Later features add members here, and
 * clients ignore types they do not know.
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

/** The user's status changed (set by hand; calendar-driven changes are due at `changesAt`). */
export const StatusChangedEvent = z.object({
  type: z.literal('status.changed'),
  userId: z.string(),
  status: UserStatusDto,
  at: Timestamp,
});
export type StatusChangedEvent = z.infer<typeof StatusChangedEvent>;

/** A vCard import changed the user's contacts: refetch the list. */
export const ContactsImportedEvent = z.object({
  type: z.literal('contacts.imported'),
  userId: z.string(),
  created: z.number().int(),
  updated: z.number().int(),
  at: Timestamp,
});
export type ContactsImportedEvent = z.infer<typeof ContactsImportedEvent>;

export const ServerEvent = z.discriminatedUnion('type', [
  HelloEvent,
  EntityChangedEvent,
  StatusChangedEvent,
  ContactsImportedEvent,
  CallIncomingEvent,
  CallRingingEvent,
  CallAnsweredEvent,
  CallStepEvent,
  CallForwardedEvent,
  CallVoicemailEvent,
  CallEndedEvent,
  VoicemailNewEvent,
  VoicemailUpdatedEvent,
  VoicemailDeletedEvent,
]);
export type ServerEvent = z.infer<typeof ServerEvent>;
export type ServerEventType = ServerEvent['type'];
