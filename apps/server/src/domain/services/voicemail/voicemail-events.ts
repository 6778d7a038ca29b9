import type { VoicemailCountsDto, VoicemailDto } from '@switchboard/contracts';
import type { Voicemail } from '../../model/index.js';
import type { Clock } from '../../ports/clock.js';
import type { MessageCounts } from '../../ports/message-waiting.js';
import type { EventBus } from '../event-bus.js';

/** Where the API serves a message's recording. */
export function voicemailAudioUrl(userId: string, voicemailId: string): string {
  return `/api/users/${encodeURIComponent(userId)}/voicemails/${encodeURIComponent(voicemailId)}/audio`;
}

/** A message as the API and live events show it (no file path: that is the server's business). */
export function voicemailDto(voicemail: Voicemail): VoicemailDto {
  return {
    id: voicemail.id,
    callId: voicemail.callId,
    callerNumber: voicemail.callerNumber,
    callerName: voicemail.callerName ?? null,
    contactId: voicemail.contactId,
    handlingCode: voicemail.handlingCode ?? null,
    durationMs: voicemail.durationMs,
    heard: voicemail.heard,
    heardAt: voicemail.heardAt == null ? null : iso(voicemail.heardAt),
    mailStatus: voicemail.mailStatus,
    mailError: voicemail.mailError ?? null,
    createdAt: iso(voicemail.createdAt),
    audioUrl: voicemailAudioUrl(voicemail.userId, voicemail.id),
  };
}

export function countsDto(counts: MessageCounts): VoicemailCountsDto {
  return { new: counts.newMessages, heard: counts.oldMessages };
}

/**
 * Live events of a user's mailbox: the typed `voicemail.*` events, and the generic
 * `entity.changed` clients that only refetch already understand.
 */
export class VoicemailEventPublisher {
  constructor(
    private readonly bus: EventBus,
    private readonly clock: Clock,
  ) {}

  created(voicemail: Voicemail, counts: MessageCounts): void {
    const at = iso(this.clock.now());
    this.bus.publish(voicemail.userId, {
      type: 'voicemail.new',
      userId: voicemail.userId,
      voicemail: voicemailDto(voicemail),
      counts: countsDto(counts),
      at,
    });
    this.changed(voicemail.userId, voicemail.id, 'created', at);
  }

  updated(voicemail: Voicemail, counts: MessageCounts): void {
    const at = iso(this.clock.now());
    this.bus.publish(voicemail.userId, {
      type: 'voicemail.updated',
      userId: voicemail.userId,
      voicemail: voicemailDto(voicemail),
      counts: countsDto(counts),
      at,
    });
    this.changed(voicemail.userId, voicemail.id, 'updated', at);
  }

  deleted(userId: string, voicemailId: string, counts: MessageCounts): void {
    const at = iso(this.clock.now());
    this.bus.publish(userId, {
      type: 'voicemail.deleted',
      userId,
      voicemailId,
      counts: countsDto(counts),
      at,
    });
    this.changed(userId, voicemailId, 'deleted', at);
  }

  private changed(
    userId: string,
    id: string,
    action: 'created' | 'updated' | 'deleted',
    at: string,
  ): void {
    this.bus.publish(userId, {
      type: 'entity.changed',
      entity: 'voicemail',
      id,
      action,
      userId,
      at,
    });
  }
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}
