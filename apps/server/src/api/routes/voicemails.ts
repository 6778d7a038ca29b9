import {
  UpdateVoicemailRequest,
  UserIdParam,
  VoicemailDto,
  VoicemailList,
} from '@switchboard/contracts';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { User, Voicemail } from '../../domain/model/index.js';
import { resolveOwner } from '../authentication.js';
import type { RouteContext } from '../context.js';
import { toVoicemailDto } from '../dto.js';
import { notFound } from '../errors.js';
import { NoContent, TAGS, errorResponses, signedInErrors, routes } from '../schemas.js';

const VoicemailParams = UserIdParam.extend({ voicemailId: z.string().min(1).max(64) });

/** A user's voicemail messages. */
export function voicemailRoutes(ctx: RouteContext): FastifyPluginAsyncZod {
  const { store } = ctx;

  async function ownVoicemail(owner: User, id: string): Promise<Voicemail> {
    const voicemail = await store.voicemails.get(id);
    if (!voicemail || voicemail.userId !== owner.id) throw notFound(`Voicemail ${id}`);
    return voicemail;
  }

  return routes((app) => {
    app.get(
      '/api/users/:userId/voicemails',
      {
        schema: {
          tags: [TAGS.voicemail],
          summary: 'List a user’s voicemail messages',
          params: UserIdParam,
          response: { 200: VoicemailList, ...signedInErrors, ...errorResponses(404) },
        },
      },
      async (request) => {
        const owner = await resolveOwner(store, request, request.params.userId);
        const voicemails = await store.voicemails.listByUser(owner.id);
        return { items: voicemails.map(toVoicemailDto) };
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
        const current = await ownVoicemail(owner, request.params.voicemailId);
        const updated = await store.voicemails.update(current.id, { heard: request.body.heard });
        if (!updated) throw notFound(`Voicemail ${current.id}`);
        ctx.announce('voicemail', updated.id, 'updated', owner.id);
        return toVoicemailDto(updated);
      },
    );

    app.delete(
      '/api/users/:userId/voicemails/:voicemailId',
      {
        schema: {
          tags: [TAGS.voicemail],
          summary: 'Delete a voicemail message record',
          params: VoicemailParams,
          response: { 204: NoContent, ...signedInErrors, ...errorResponses(404) },
        },
      },
      async (request, reply) => {
        const owner = await resolveOwner(store, request, request.params.userId);
        const current = await ownVoicemail(owner, request.params.voicemailId);
        if (!(await store.voicemails.delete(current.id))) throw notFound(`Voicemail ${current.id}`);
        ctx.announce('voicemail', current.id, 'deleted', owner.id);
        return reply.code(204).send(null);
      },
    );
  });
}
