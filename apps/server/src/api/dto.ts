import type {
  ApiTokenDto,
  LiveCallDto,
  UserStatusDto,
  CalendarEventDto,
  CallDto,
  CallStepDto,
  ContactDto,
  DeviceDto,
  FlowSummaryDto,
  HandlingCodeDto,
  PhoneNumberDto,
  TrunkDto,
  UserDto,
  VoicemailDto,
} from '@switchboard/contracts';
import type {
  ApiToken,
  CalendarEvent,
  CallRecord,
  CallStep,
  Contact,
  Device,
  Flow,
  HandlingCode,
  PhoneNumber,
  Trunk,
  User,
  Voicemail,
} from '../domain/model/index.js';
import type { LiveCall } from '../domain/ports/live-calls.js';
import { callTargetDto } from '../domain/services/call-events.js';
import { voicemailDto } from '../domain/services/voicemail/voicemail-events.js';
import type { EffectiveStatus } from '../domain/services/user-status.js';

// Domain entities -> API shapes. Times become ISO strings; secrets that are not the caller's
// business (password hashes, token hashes, file paths) are left out here, not filtered later.

export function iso(ms: number): string {
  return new Date(ms).toISOString();
}

function isoOrNull(ms: number | null): string | null {
  return ms === null ? null : iso(ms);
}

export function toUserDto(user: User): UserDto {
  return {
    id: user.id,
    name: user.name,
    email: user.email,
    timezone: user.timezone,
    country: user.country,
    role: user.role,
    attendantId: user.attendantId,
    defaultHandling: user.defaultHandling,
    unknownHandling: user.unknownHandling,
    anonymousHandling: user.anonymousHandling ?? null,
    createdAt: iso(user.createdAt),
    updatedAt: iso(user.updatedAt),
  };
}

export function toApiTokenDto(token: ApiToken): ApiTokenDto {
  return {
    id: token.id,
    name: token.name,
    createdAt: iso(token.createdAt),
    lastUsedAt: isoOrNull(token.lastUsedAt),
  };
}

export function toPhoneNumberDto(number: PhoneNumber): PhoneNumberDto {
  return { number: number.e164, userId: number.userId, createdAt: iso(number.createdAt) };
}

export function toDeviceDto(device: Device): DeviceDto {
  const base = {
    id: device.id,
    userId: device.userId,
    name: device.name,
    createdAt: iso(device.createdAt),
    updatedAt: iso(device.updatedAt),
  };
  return device.kind === 'sip'
    ? {
        ...base,
        kind: 'sip',
        sipUsername: device.sipUsername,
        sipPassword: device.sipPassword,
      }
    : { ...base, kind: 'external', number: device.number };
}

export function toTrunkDto(trunk: Trunk): TrunkDto {
  return {
    id: trunk.id,
    host: trunk.host,
    port: trunk.port,
    inbound: [...trunk.inbound],
    username: trunk.username,
    password: trunk.password,
    calledNumberFrom: trunk.calledNumberFrom,
    createdAt: iso(trunk.createdAt),
    updatedAt: iso(trunk.updatedAt),
  };
}

export function toHandlingCodeDto(code: HandlingCode): HandlingCodeDto {
  return {
    code: code.code,
    method: code.method,
    description: code.description,
    createdAt: iso(code.createdAt),
    updatedAt: iso(code.updatedAt),
  };
}

export function toFlowSummaryDto(flow: Flow): FlowSummaryDto {
  return {
    id: flow.id,
    name: flow.name,
    currentVersion: flow.currentVersion,
    publishedVersion: flow.publishedVersion,
    createdAt: iso(flow.createdAt),
    updatedAt: iso(flow.updatedAt),
  };
}

export function toContactDto(contact: Contact): ContactDto {
  return {
    id: contact.id,
    source: contact.source,
    externalId: contact.externalId,
    name: contact.name,
    organization: contact.organization,
    emails: [...contact.emails],
    phones: contact.phones.map((p) => ({ e164: p.e164, raw: p.raw, type: p.type })),
    handlingCode: contact.handlingCode,
    createdAt: iso(contact.createdAt),
    updatedAt: iso(contact.updatedAt),
  };
}

export function toCalendarEventDto(event: CalendarEvent): CalendarEventDto {
  return {
    id: event.id,
    uid: event.uid,
    summary: event.summary,
    startsAt: iso(event.startsAt),
    endsAt: iso(event.endsAt),
    allDay: event.allDay,
    busy: event.busy,
    outOfOffice: event.outOfOffice,
    attendees: [...event.attendees],
    updatedAt: iso(event.updatedAt),
  };
}

export function toCallDto(call: CallRecord): CallDto {
  return {
    id: call.id,
    direction: call.direction,
    callerNumber: call.callerNumber,
    callerName: call.callerName,
    calledNumber: call.calledNumber,
    contactId: call.contactId,
    handlingCode: call.handlingCode,
    flowId: call.flowId,
    flowVersion: call.flowVersion,
    outcome: call.outcome,
    startedAt: iso(call.startedAt),
    answeredAt: isoOrNull(call.answeredAt),
    endedAt: isoOrNull(call.endedAt),
    answeredBy: call.answeredBy ?? null,
  };
}

export function toCallStepDto(step: CallStep): CallStepDto {
  return { seq: step.seq, at: iso(step.at), kind: step.kind, detail: { ...step.detail } };
}

/** The voicemail service's own mapping (its live events carry the same shape). */
export function toVoicemailDto(voicemail: Voicemail): VoicemailDto {
  return voicemailDto(voicemail);
}

export function toUserStatusDto(
  userId: string,
  status: EffectiveStatus,
  now: number,
): UserStatusDto {
  const { setting, event } = status;
  return {
    userId,
    status: status.status,
    source: status.source,
    setting:
      setting === null
        ? null
        : {
            status: setting.status,
            until: isoOrNull(setting.until),
            note: setting.note,
            live: setting.until === null || setting.until > now,
            updatedAt: iso(setting.updatedAt),
          },
    event:
      event === null
        ? null
        : {
            id: event.id,
            summary: event.summary,
            startsAt: iso(event.startsAt),
            endsAt: iso(event.endsAt),
            outOfOffice: event.outOfOffice,
          },
    changesAt: isoOrNull(status.changesAt),
  };
}

export function toLiveCallDto(call: LiveCall): LiveCallDto {
  return {
    callId: call.callId,
    userId: call.userId,
    caller: {
      kind: call.callerKind,
      number: call.callerNumber,
      name: call.callerName,
      networkName: call.networkName,
      contactId: call.contactId,
      handlingCode: call.handlingCode,
    },
    calledNumber: call.calledNumber,
    startedAt: iso(call.startedAt),
    answered: call.answered,
    flowId: call.flowId,
    node: call.node,
    ringing: call.ringing.map(callTargetDto),
  };
}
