import {
  UpdateVoicemailRequest,
  UserIdParam,
  VoicemailAudioQuery,
  VoicemailDto,
  VoicemailList,
  VoicemailListQuery,
} from '@switchboard/contracts';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { User, Voicemail } from '../../domain/model/index.js';
import type { VoicemailListOptions } from '../../domain/ports/store.js';
import { tryE164 } from '../../domain/services/phone-numbers.js';
import type { VoicemailService } from '../../domain/services/voicemail/index.js';
import { countsDto } from '../../domain/services/voicemail/index.js';
import { sendAudio } from '../audio-reply.js';
import { resolveOwner } from '../authentication.js';
import type { RouteContext } from '../context.js';
import { toVoicemailDto } from '../dto.js';
import { invalidField, notFound } from '../errors.js';
import { NoContent, TAGS, errorResponses, signedInErrors, routes } from '../schemas.js';
import { voicemailServiceMissing, voicemailWork } from '../voicemail-errors.js';

const VoicemailParams = UserIdParam.extend({ voicemailId: z.string().min(1).max(64) });

/** A caller filter: E.164 read in the user's country, digits as recorded, or withheld (null). */
function callerFilter(text: string, owner: User): string | null {
  if (text.toLowerCase() === 'anonymous') return null;
  const e164 = tryE164(text, owner.country);
  if (e164 !== undefined) return e164;
  const trimmed = text.trim();
  if (/^[\d*#+]{1,32}$/.test(trimmed)) return trimmed;
  throw invalidField('query.caller', `"${text}" is not a phone number`);
}

/**
 * The mailbox as the routes use it: the voicemail service, or (a server without one, such as
 * API tests) the store alone, which lists and marks messages but has no recordings to serve.
 */
interface Inbox {
  list(owner: User, options: VoicemailListOptions): Promise<Voicemail[]>;
  counts(owner: User): Promise<{ newMessages: number; oldMessages: number }>;
  get(owner: User, id: string): Promise<Voicemail>;
  setHeard(owner: User, id: string, heard: boolean): Promise<Voicemail>;
  delete(owner: User, id: string): Promise<void>;
}

function serviceInbox(service: VoicemailService): Inbox {
  return {
    list: (owner, options) => service.list(owner.id, options),
    counts: (owner) => service.counts(owner.id),
    get: (owner, id) => voicemailWork(() => service.get(owner.id, id)),
    setHeard: (owner, id, heard) => voicemailWork(() => service.setHeard(owner.id, id, heard)),
    delete: (owner, id) => voicemailWork(() => service.delete(owner.id, id)),
  };
}

function storeInbox(ctx: RouteContext): Inbox {
  const { store } = ctx;
  const own = async (owner: User, id: string): Promise<Voicemail> => {
    const voicemail = await store.voicemails.get(id);
    if (voicemail?.userId !== owner.id) throw notFound(`Voicemail ${id}`);
    return voicemail;
  };
  return {
    list: (owner, options) => store.voicemails.listByUser(owner.id, options),
    counts: async (owner) => {
      const counts = await store.voicemails.countByUser(owner.id);
      return { newMessages: counts.unheard, oldMessages: counts.heard };
    },
    get: own,
    async setHeard(owner, id, heard) {
      const current = await own(owner, id);
      const updated = await store.voicemails.update(current.id, {
        heard,
        heardAt: heard ? ctx.clock.now() : null,
      });
      if (!updated) throw notFound(`Voicemail ${current.id}`);
      ctx.announce('voicemail', updated.id, 'updated', owner.id);
      return updated;
    },
    async delete(owner, id) {
      const current = await own(owner, id);
      if (!(await store.voicemails.delete(current.id))) throw notFound(`Voicemail ${current.id}`);
      ctx.announce('voicemail', current.id, 'deleted', owner.id);
    },
  };
}

/**
 * A user's voicemail: the list (new/heard, by caller) with the counts, one message, its
 * recording (audio/wav with range requests), mark heard, delete (with the recording), and mail
 * it again. Changes reach live clients as `voicemail.*` events (from the service).
 */
export function voicemailRoutes(
  ctx: RouteContext,
  service?: VoicemailService,
): FastifyPluginAsyncZod {
  const { store } = ctx;
  const inbox = service === undefined ? storeInbox(ctx) : serviceInbox(service);
  const needService = (): VoicemailService => {
    if (service === undefined) throw voicemailServiceMissing();
    return service;
  };

  return routes((app) => {
    app.get(
      '/api/users/:userId/voicemails',
      {
        schema: {
          tags: [TAGS.voicemail],
          summary: 'List a user’s voicemail messages, newest first, with the counts',
          params: UserIdParam,
          querystring: VoicemailListQuery,
          response: { 200: VoicemailList, ...signedInErrors, ...errorResponses(404) },
        },
      },
      async (request) => {
        const owner = await resolveOwner(store, request, request.params.userId);
        const { status, caller, limit, before } = request.query;
        const options: VoicemailListOptions = { limit };
        if (status !== undefined) options.heard = status === 'heard';
        if (caller !== undefined) options.callerNumber = callerFilter(caller, owner);
        if (before !== undefined) options.before = Date.parse(before);
        const [voicemails, counts] = await Promise.all([
          inbox.list(owner, options),
          inbox.counts(owner),
        ]);
        return { items: voicemails.map(toVoicemailDto), counts: countsDto(counts) };
      },
    );

    app.get(
      '/api/users/:userId/voicemails/:voicemailId',
      {
        schema: {
          tags: [TAGS.voicemail],
          summary: 'One voicemail message (with its mail status)',
          params: VoicemailParams,
          response: { 200: VoicemailDto, ...signedInErrors, ...errorResponses(404) },
        },
      },
      async (request) => {
        const owner = await resolveOwner(store, request, request.params.userId);
        return toVoicemailDto(await inbox.get(owner, request.params.voicemailId));
      },
    );

    app.get(
      '/api/users/:userId/voicemails/:voicemailId/audio',
      {
        schema: {
          tags: [TAGS.voicemail],
          summary: 'The recording (audio/wav, 8 kHz 16-bit mono); HTTP range requests supported',
          description:
            'Send `Range: bytes=START-END` for part of the file (206 with Content-Range); a ' +
            'range past the end is answered 416. `?download=1` asks the browser to save it.',
          params: VoicemailParams,
          querystring: VoicemailAudioQuery,
          response: { ...signedInErrors, ...errorResponses(404, 416, 503) },
        },
      },
      async (request, reply) => {
        const owner = await resolveOwner(store, request, request.params.userId);
        const file = await voicemailWork(() =>
          needService().recording(owner.id, request.params.voicemailId),
        );
        const download = request.query.download === '1' || request.query.download === 'true';
        return sendAudio(request, reply, file, {
          filename: `voicemail-${file.voicemail.id}.wav`,
          download,
          etag: `"${file.voicemail.id}-${String(file.size)}"`,
        });
      },
    );

    app.patch(
      '/api/users/:userId/voicemails/:voicemailId',
      {
        schema: {
          tags: [TAGS.voicemail],
          summary: 'Mark a voicemail message heard or unheard',
          params: VoicemailParams,
          body: UpdateVoicemailRequest,
          response: { 200: VoicemailDto, ...signedInErrors, ...errorResponses(404) },
        },
      },
      async (request) => {
        const owner = await resolveOwner(store, request, request.params.userId);
        const updated = await inbox.setHeard(owner, request.params.voicemailId, request.body.heard);
        return toVoicemailDto(updated);
      },
    );

    app.delete(
      '/api/users/:userId/voicemails/:voicemailId',
      {
        schema: {
          tags: [TAGS.voicemail],
          summary: 'Delete a voicemail message and its recording',
          params: VoicemailParams,
          response: { 204: NoContent, ...signedInErrors, ...errorResponses(404) },
        },
      },
      async (request, reply) => {
        const owner = await resolveOwner(store, request, request.params.userId);
        await inbox.delete(owner, request.params.voicemailId);
        return reply.code(204).send(null);
      },
    );

    app.post(
      '/api/users/:userId/voicemails/:voicemailId/mail',
      {
        schema: {
          tags: [TAGS.voicemail],
          summary: 'E-mail a voicemail message again (after a failure, or for another copy)',
          params: VoicemailParams,
          response: { 202: VoicemailDto, ...signedInErrors, ...errorResponses(404, 503) },
        },
      },
      async (request, reply) => {
        const owner = await resolveOwner(store, request, request.params.userId);
        const updated = await voicemailWork(() =>
          needService().resendMail(owner.id, request.params.voicemailId),
        );
        return reply.code(202).send(toVoicemailDto(updated));
      },
    );
  });
}
