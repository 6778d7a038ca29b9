import { ErrorBody } from '@switchboard/contracts';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';

/** Response entries documenting the error statuses a route can answer with. */
export function errorResponses<const S extends readonly number[]>(
  ...statuses: S
): Record<S[number], typeof ErrorBody> {
  return Object.fromEntries(statuses.map((status) => [status, ErrorBody])) as Record<
    S[number],
    typeof ErrorBody
  >;
}

/** Errors any signed-in route may answer with. */
export const signedInErrors = errorResponses(400, 401, 403);

/** Body of a 204 reply. */
export const NoContent = z.null().describe('No content');

export const TAGS = {
  auth: 'auth',
  users: 'users',
  numbers: 'numbers',
  devices: 'devices',
  trunks: 'trunks',
  handlingCodes: 'handling codes',
  flows: 'flows',
  contacts: 'contacts',
  calendar: 'calendar',
  status: 'status',
  calls: 'calls',
  voicemail: 'voicemail',
  events: 'events',
  ops: 'operations',
} as const;

/** The Fastify instance route modules see: zod schemas typed through the type provider. */
export type ZodApp = Parameters<FastifyPluginAsyncZod>[0];

/** Wraps a synchronous route definition as a Fastify plugin. */
export function routes(define: (app: ZodApp) => void): FastifyPluginAsyncZod {
  return (app) => {
    define(app);
    return Promise.resolve();
  };
}
