import type { FastifyReply, FastifyRequest, onRequestAsyncHookHandler } from 'fastify';
import type { User } from '../domain/model/index.js';
import type { Store } from '../domain/ports/store.js';
import type { AuthService, Identity } from '../domain/services/auth-service.js';
import { adminOnly, forbidden, notFound, unauthenticated } from './errors.js';

export const SESSION_COOKIE = 'sb_session';

/** Who is making the request, set by the authentication hook on protected routes. */
export type Principal = Identity;

declare module 'fastify' {
  interface FastifyRequest {
    principal: Principal | null;
  }
}

export interface AuthenticateOptions {
  /** Also read `?token=` (WebSocket clients cannot set headers). */
  readonly allowQueryToken?: boolean;
}

function bearerToken(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  if (header === undefined) return undefined;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  // A malformed header is a mistake the caller should hear about, not silently ignore.
  if (!match?.[1]) throw unauthenticated('The Authorization header must be "Bearer <token>"');
  return match[1];
}

function queryToken(request: FastifyRequest): string | undefined {
  const query = request.query as Record<string, unknown> | undefined;
  const token = query?.token;
  return typeof token === 'string' && token !== '' ? token : undefined;
}

/**
 * Finds the caller from `Authorization: Bearer <api token>`, the session cookie or (when
 * allowed) `?token=`. A bearer token that does not work is refused even if a cookie is present,
 * so a script never runs silently as someone else.
 */
export async function identify(
  auth: AuthService,
  request: FastifyRequest,
  options: AuthenticateOptions = {},
): Promise<Principal | undefined> {
  const bearer = bearerToken(request);
  if (bearer !== undefined) {
    const identity = await auth.authenticateApiToken(bearer);
    if (!identity) throw unauthenticated('The bearer token is not valid (revoked or mistyped)');
    return identity;
  }
  const cookie = request.cookies[SESSION_COOKIE];
  if (cookie !== undefined && cookie !== '') {
    const identity = await auth.authenticateSession(cookie);
    if (identity) return identity;
  }
  if (options.allowQueryToken) {
    const token = queryToken(request);
    if (token !== undefined) {
      const identity = await auth.authenticateApiToken(token);
      if (!identity) throw unauthenticated('The token is not valid (revoked or mistyped)');
      return identity;
    }
  }
  return undefined;
}

/** onRequest hook refusing callers who are not signed in (401). */
export function requireSignIn(
  auth: AuthService,
  options: AuthenticateOptions = {},
): onRequestAsyncHookHandler {
  return async (request: FastifyRequest, _reply: FastifyReply) => {
    const principal = await identify(auth, request, options);
    if (!principal) throw unauthenticated();
    request.principal = principal;
  };
}

/** The caller of a route behind requireSignIn. */
export function principalOf(request: FastifyRequest): Principal {
  if (!request.principal) throw unauthenticated();
  return request.principal;
}

export function isAdmin(request: FastifyRequest): boolean {
  return request.principal?.user.role === 'admin';
}

export function requireAdmin(request: FastifyRequest): Principal {
  const principal = principalOf(request);
  if (principal.user.role !== 'admin') throw adminOnly();
  return principal;
}

/**
 * Resolves the `:userId` of a route (`me` or an id) to the user whose things are addressed.
 * Users reach only their own (403 otherwise); admins reach everyone's.
 */
export async function resolveOwner(
  store: Store,
  request: FastifyRequest,
  userId: string,
): Promise<User> {
  const principal = principalOf(request);
  if (userId === 'me' || userId === principal.user.id) {
    // Re-read so a change made earlier in this request sequence (timezone, country) is seen.
    const fresh = await store.users.get(principal.user.id);
    if (!fresh) throw unauthenticated('Your account no longer exists');
    return fresh;
  }
  if (principal.user.role !== 'admin') throw forbidden();
  const user = await store.users.get(userId);
  if (!user) throw notFound(`User ${userId}`);
  return user;
}
