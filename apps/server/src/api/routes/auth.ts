import {
  ApiTokenList,
  CreateApiTokenRequest,
  CreatedApiToken,
  LoginRequest,
  LoginResponse,
  MeResponse,
} from '@switchboard/contracts';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { hashSecret, type NewSession } from '../../domain/services/auth-service.js';
import { SESSION_COOKIE, principalOf } from '../authentication.js';
import type { RouteContext } from '../context.js';
import { toApiTokenDto, toUserDto, iso } from '../dto.js';
import { ApiError, notFound, unauthenticated } from '../errors.js';
import type { LoginLimiter } from '../login-limiter.js';
import { NoContent, TAGS, errorResponses, signedInErrors, routes } from '../schemas.js';

export interface SessionCookieOptions {
  readonly secure: boolean;
}

/** Sign-in and sign-out: public, since they are how one gets a session. */
export function sessionRoutes(
  ctx: RouteContext,
  limiter: LoginLimiter,
  cookie: SessionCookieOptions,
): FastifyPluginAsyncZod {
  return routes((app) => {
    app.post(
      '/api/auth/login',
      {
        schema: {
          tags: [TAGS.auth],
          summary: 'Sign in with email and password',
          description:
            'Sets an HttpOnly session cookie. Wrong email and wrong password give the same 401; ' +
            'too many failures from one address give 429 for a while.',
          body: LoginRequest,
          response: { 200: LoginResponse, ...errorResponses(400, 401, 429) },
        },
      },
      async (request, reply) => {
        const decision = limiter.begin(request.ip, request.body.email);
        if (!decision.allowed) {
          const seconds = Math.max(1, Math.ceil(decision.retryAfterMs / 1000));
          throw new ApiError(
            429,
            'rate_limited',
            decision.reason === 'busy'
              ? 'Too many sign-ins from this address at once; try again in a moment'
              : `Too many failed sign-ins from this address; try again in ${Math.ceil(seconds / 60)} minute(s)`,
            undefined,
            { 'retry-after': String(seconds) },
          );
        }
        const { attempt } = decision;
        let session: NewSession | undefined;
        try {
          session = await ctx.auth.login(request.body.email, request.body.password);
        } catch (error) {
          attempt.abandoned();
          throw error;
        }
        if (!session) {
          attempt.failed();
          throw unauthenticated('Wrong email or password');
        }
        attempt.succeeded();
        void reply.setCookie(SESSION_COOKIE, session.token, {
          httpOnly: true,
          sameSite: 'lax',
          secure: cookie.secure,
          path: '/',
          expires: new Date(session.expiresAt),
        });
        return { user: toUserDto(session.user), expiresAt: iso(session.expiresAt) };
      },
    );

    app.post(
      '/api/auth/logout',
      {
        schema: {
          tags: [TAGS.auth],
          summary: 'Sign out: end the session of the cookie sent',
          response: { 204: NoContent },
        },
      },
      async (request, reply) => {
        const token = request.cookies[SESSION_COOKIE];
        if (token !== undefined && token !== '') {
          await ctx.auth.logout(token);
          ctx.sockets.closeSession(hashSecret(token), 'Signed out');
        }
        void reply.clearCookie(SESSION_COOKIE, { path: '/' });
        return reply.code(204).send(null);
      },
    );
  });
}

/** The signed-in user and their API tokens. */
export function meRoutes(ctx: RouteContext): FastifyPluginAsyncZod {
  return routes((app) => {
    app.get(
      '/api/me',
      {
        schema: {
          tags: [TAGS.auth],
          summary: 'Who am I: the signed-in user',
          response: { 200: MeResponse, ...errorResponses(401) },
        },
      },
      (request) => {
        const principal = principalOf(request);
        return Promise.resolve({ user: toUserDto(principal.user), via: principal.via });
      },
    );

    app.get(
      '/api/tokens',
      {
        schema: {
          tags: [TAGS.auth],
          summary: 'List my API tokens',
          response: { 200: ApiTokenList, ...errorResponses(401) },
        },
      },
      async (request) => {
        const tokens = await ctx.auth.listApiTokens(principalOf(request).user.id);
        return { items: tokens.map(toApiTokenDto) };
      },
    );

    app.post(
      '/api/tokens',
      {
        schema: {
          tags: [TAGS.auth],
          summary: 'Create an API token (its secret is shown only in this reply)',
          body: CreateApiTokenRequest,
          response: { 201: CreatedApiToken, ...signedInErrors },
        },
      },
      async (request, reply) => {
        const owner = principalOf(request).user;
        const { token, secret } = await ctx.auth.createApiToken(owner.id, request.body.name);
        ctx.announce('api-token', token.id, 'created', owner.id);
        return reply.code(201).send({ ...toApiTokenDto(token), token: secret });
      },
    );

    app.delete(
      '/api/tokens/:id',
      {
        schema: {
          tags: [TAGS.auth],
          summary: 'Revoke one of my API tokens',
          params: z.object({ id: z.string().min(1).max(64) }),
          response: { 204: NoContent, ...errorResponses(401, 404) },
        },
      },
      async (request, reply) => {
        const owner = principalOf(request).user;
        if (!(await ctx.auth.revokeApiToken(owner.id, request.params.id))) {
          throw notFound(`API token ${request.params.id}`);
        }
        ctx.sockets.closeToken(request.params.id, 'API token revoked');
        ctx.announce('api-token', request.params.id, 'deleted', owner.id);
        return reply.code(204).send(null);
      },
    );
  });
}
