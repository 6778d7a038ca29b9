import {
  GreetingDto,
  GreetingList,
  SetGreetingTextRequest,
  UserIdParam,
  VoicemailAudioQuery,
} from '@switchboard/contracts';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Greeting } from '../../domain/model/index.js';
import type { GreetingTarget, VoicemailService } from '../../domain/services/voicemail/index.js';
import { sendAudio } from '../audio-reply.js';
import { resolveOwner } from '../authentication.js';
import type { RouteContext } from '../context.js';
import { iso } from '../dto.js';
import { ApiError, validationFailed, formatPath } from '../errors.js';
import { uploadedFile, type MultipartError } from '../multipart.js';
import {
  NoContent,
  TAGS,
  errorResponses,
  signedInErrors,
  routes,
  type ZodApp,
} from '../schemas.js';
import { voicemailServiceMissing, voicemailWork } from '../voicemail-errors.js';

/** A WAV of three minutes at 48 kHz stereo fits (it is converted to 8 kHz mono on arrival). */
export const GREETING_BODY_LIMIT_BYTES = 40 * 1024 * 1024;

const WAV_TYPES = ['audio/wav', 'audio/x-wav', 'audio/wave', 'audio/vnd.wave'];

function base(userId: string): string {
  return `/api/users/${encodeURIComponent(userId)}/greetings`;
}

/** The URL path of a greeting (its audio is this plus `/audio`). */
function greetingUrl(greeting: Pick<Greeting, 'userId' | 'slot' | 'ref'>): string {
  switch (greeting.slot) {
    case 'code':
      return `${base(greeting.userId)}/codes/${encodeURIComponent(greeting.ref)}`;
    case 'contact':
      return `${base(greeting.userId)}/contacts/${encodeURIComponent(greeting.ref)}`;
    default:
      return `${base(greeting.userId)}/${greeting.slot}`;
  }
}

export function toGreetingDto(greeting: Greeting): GreetingDto {
  return {
    slot: greeting.slot,
    ref: greeting.ref === '' ? null : greeting.ref,
    kind: greeting.kind,
    text: greeting.text,
    voice: greeting.voice,
    durationMs: greeting.durationMs,
    audioUrl: greeting.kind === 'audio' ? `${greetingUrl(greeting)}/audio` : null,
    updatedAt: iso(greeting.updatedAt),
  };
}

/** A PUT body that was a WAV (or a form's file). */
class UploadedAudio {
  constructor(readonly bytes: Buffer) {}
}

/** A PUT body of a type we do not take (the route says what it accepts). */
class UnacceptedBody {
  constructor(readonly contentType: string) {}
}

/** One way of naming a greeting in the URL, with the target it means. */
interface Scope {
  readonly path: string;
  readonly params: z.ZodObject;
  readonly what: string;
  target(params: Record<string, string>): GreetingTarget;
}

const SCOPES: readonly Scope[] = [
  {
    path: '/api/users/:userId/greetings/:slot',
    params: UserIdParam.extend({
      slot: z
        .enum(['default', 'busy', 'unavailable'])
        .describe('default; busy or unavailable: for callers sent to voicemail for that reason'),
    }),
    what: 'the default, busy or unavailable greeting',
    target: (params) => ({ slot: params.slot as 'default' | 'busy' | 'unavailable' }),
  },
  {
    path: '/api/users/:userId/greetings/codes/:code',
    params: UserIdParam.extend({
      code: z.string().trim().min(1).max(32).describe('A handling code of the user (VIP)'),
    }),
    what: 'the greeting for callers whose contact has a handling code',
    target: (params) => ({ slot: 'code', code: params.code ?? '' }),
  },
  {
    path: '/api/users/:userId/greetings/contacts/:contactId',
    params: UserIdParam.extend({
      contactId: z.string().min(1).max(64).describe('One of the user’s contacts'),
    }),
    what: 'the greeting for one contact',
    target: (params) => ({ slot: 'contact', contactId: params.contactId ?? '' }),
  },
];

/**
 * Greetings: `GET /api/users/:userId/greetings` lists them; each one (default, busy,
 * unavailable; per handling code; per contact) has GET (what it is), PUT (a WAV upload in any
 * common format, converted to 8 kHz mono, as `audio/wav` or a multipart/form-data file; or
 * JSON `{ "text": ... }` for text to speech), DELETE, and GET `/audio` for an uploaded one.
 */
export function greetingRoutes(
  ctx: RouteContext,
  service?: VoicemailService,
): FastifyPluginAsyncZod {
  const { store } = ctx;
  const greetings = (): VoicemailService['greetings'] => {
    if (service === undefined) throw voicemailServiceMissing();
    return service.greetings;
  };

  return routes((app) => {
    // Parsers of this plugin only: WAV bodies and form uploads as bytes; anything else is
    // taken too, so the route can say what it accepts instead of a bare 415.
    app.addContentTypeParser(
      WAV_TYPES,
      { parseAs: 'buffer', bodyLimit: GREETING_BODY_LIMIT_BYTES },
      (_request, body, done) => {
        done(null, new UploadedAudio(body as Buffer));
      },
    );
    app.addContentTypeParser(
      'multipart/form-data',
      { parseAs: 'buffer', bodyLimit: GREETING_BODY_LIMIT_BYTES },
      (request, body, done) => {
        try {
          const bytes = uploadedFile(body as Buffer, request.headers['content-type'] ?? '');
          done(null, new UploadedAudio(bytes));
        } catch (error) {
          done(error as MultipartError, undefined);
        }
      },
    );
    app.addContentTypeParser(
      '*',
      { parseAs: 'buffer', bodyLimit: GREETING_BODY_LIMIT_BYTES },
      (request, _body, done) => {
        done(null, new UnacceptedBody(request.headers['content-type'] ?? '(none)'));
      },
    );

    app.get(
      '/api/users/:userId/greetings',
      {
        schema: {
          tags: [TAGS.voicemail],
          summary: 'List a user’s greetings',
          params: UserIdParam,
          response: { 200: GreetingList, ...signedInErrors, ...errorResponses(404, 503) },
        },
      },
      async (request) => {
        const owner = await resolveOwner(store, request, request.params.userId);
        const list = await greetings().list(owner.id);
        return { items: list.map(toGreetingDto) };
      },
    );

    for (const scope of SCOPES) defineScope(app, scope);
  });

  function defineScope(app: ZodApp, scope: Scope): void {
    const params = scope.params as typeof UserIdParam;
    const targetOf = (raw: unknown): GreetingTarget => scope.target(raw as Record<string, string>);

    app.get(
      scope.path,
      {
        schema: {
          tags: [TAGS.voicemail],
          summary: `Show ${scope.what}`,
          params,
          response: { 200: GreetingDto, ...signedInErrors, ...errorResponses(404, 503) },
        },
      },
      async (request) => {
        const owner = await resolveOwner(store, request, request.params.userId);
        const greeting = await voicemailWork(() =>
          greetings().get(owner.id, targetOf(request.params)),
        );
        return toGreetingDto(greeting);
      },
    );

    app.put(
      scope.path,
      {
        bodyLimit: GREETING_BODY_LIMIT_BYTES,
        schema: {
          tags: [TAGS.voicemail],
          summary: `Set ${scope.what} (a WAV upload or text to speech)`,
          description:
            'Body: a WAV file (`audio/wav`, any rate, width or channel count; converted to ' +
            '8 kHz 16-bit mono; at most 3 minutes), the same as a multipart/form-data file, or ' +
            'JSON `{ "text": "...", "voice": "en-us" }` spoken by the speech engine when played.',
          consumes: [...WAV_TYPES, 'multipart/form-data', 'application/json'],
          params,
          response: {
            200: GreetingDto,
            ...signedInErrors,
            ...errorResponses(404, 413, 415, 503),
          },
        },
      },
      async (request) => {
        const owner = await resolveOwner(store, request, request.params.userId);
        const target = targetOf(request.params);
        const body: unknown = request.body;
        const greeting = await voicemailWork(async () => {
          if (body instanceof UnacceptedBody) {
            throw new ApiError(
              415,
              'unsupported_media_type',
              `Send the greeting as a WAV file (Content-Type audio/wav, or a multipart/form-data file) or as JSON { "text": "..." }; ${body.contentType} is not accepted`,
            );
          }
          if (body instanceof UploadedAudio) {
            return greetings().setAudio(owner.id, target, body.bytes);
          }
          const parsed = SetGreetingTextRequest.safeParse(body);
          if (!parsed.success) {
            throw validationFailed(
              parsed.error.issues.map((issue) => ({
                path: formatPath(issue.path.map((p) => (typeof p === 'symbol' ? String(p) : p))),
                message: issue.message,
              })),
            );
          }
          return greetings().setText(owner.id, target, parsed.data.text, parsed.data.voice);
        });
        return toGreetingDto(greeting);
      },
    );

    app.delete(
      scope.path,
      {
        schema: {
          tags: [TAGS.voicemail],
          summary: `Remove ${scope.what}`,
          params,
          response: { 204: NoContent, ...signedInErrors, ...errorResponses(404, 503) },
        },
      },
      async (request, reply) => {
        const owner = await resolveOwner(store, request, request.params.userId);
        const target = targetOf(request.params);
        const deleted = await voicemailWork(() => greetings().delete(owner.id, target));
        if (!deleted) {
          await voicemailWork(() => greetings().get(owner.id, target)); // 404 naming it
        }
        return reply.code(204).send(null);
      },
    );

    app.get(
      `${scope.path}/audio`,
      {
        schema: {
          tags: [TAGS.voicemail],
          summary: `The recording of ${scope.what} (audio/wav; range requests supported)`,
          params,
          querystring: VoicemailAudioQuery,
          response: { ...signedInErrors, ...errorResponses(404, 416, 503) },
        },
      },
      async (request, reply) => {
        const owner = await resolveOwner(store, request, request.params.userId);
        const target = targetOf(request.params);
        const [greeting, file] = await voicemailWork(async () => {
          const service = greetings();
          return [await service.get(owner.id, target), await service.audio(owner.id, target)];
        });
        const download = request.query.download === '1' || request.query.download === 'true';
        return sendAudio(request, reply, file, {
          filename: `greeting-${greeting.slot}${greeting.ref === '' ? '' : `-${greeting.ref}`}.wav`,
          download,
          etag: `"${String(greeting.updatedAt)}-${String(file.size)}"`,
        });
      },
    );
  }
}
