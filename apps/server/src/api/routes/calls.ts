import {
  CallDetailDto,
  CallerCallsDto,
  CallerCallsQuery,
  CallList,
  CallListQuery,
  LiveCallList,
  OverrideRequest,
  OverrideResultDto,
  UserIdParam,
  type CallOutcome,
} from '@switchboard/contracts';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { User } from '../../domain/model/index.js';
import type { CallListOptions } from '../../domain/ports/store.js';
import type { LiveCalls } from '../../domain/ports/live-calls.js';
import { CallOverrideError, overrideCall } from '../../domain/services/call-override.js';
import { identifyCaller } from '../../domain/services/caller-identification.js';
import { tryE164 } from '../../domain/services/phone-numbers.js';
import { principalOf, resolveOwner } from '../authentication.js';
import type { RouteContext } from '../context.js';
import { toCallDto, toCallStepDto, toLiveCallDto } from '../dto.js';
import { ApiError, conflict, invalidField, notFound } from '../errors.js';
import { TAGS, errorResponses, signedInErrors, routes } from '../schemas.js';

const CallParams = UserIdParam.extend({ callId: z.string().min(1).max(64) });
const CallerParams = UserIdParam.extend({
  number: z.string().min(1).max(40).describe('The caller’s number (E.164; `+` written %2B)'),
});

const FINISHED_OUTCOMES: readonly CallOutcome[] = [
  'answered',
  'voicemail',
  'forwarded',
  'rejected',
  'missed',
  'abandoned',
  'failed',
];

/**
 * A number as the call history holds it: E.164 when it can be read in the owner's country, else
 * the digits a call brought (short codes, extensions). Undefined when it is neither.
 */
function historyNumber(text: string, owner: User): string | undefined {
  const e164 = tryE164(text, owner.country);
  if (e164 !== undefined) return e164;
  const trimmed = text.trim();
  return /^[\d*#+]{1,32}$/.test(trimmed) ? trimmed : undefined;
}

/**
 * A user's calls: the history with filters, one call with the step log that explains it, one
 * caller's calls (the notification window), and the calls in progress with the live override.
 */
export function callRoutes(ctx: RouteContext, liveCalls: LiveCalls): FastifyPluginAsyncZod {
  const { store } = ctx;
  return routes((app) => {
    app.get(
      '/api/users/:userId/calls',
      {
        schema: {
          tags: [TAGS.calls],
          summary: 'List a user’s calls, newest first, with filters',
          params: UserIdParam,
          querystring: CallListQuery,
          response: { 200: CallList, ...signedInErrors, ...errorResponses(404) },
        },
      },
      async (request) => {
        const owner = await resolveOwner(store, request, request.params.userId);
        const { limit, before, caller, contactId, from, to, outcome } = request.query;
        const options: CallListOptions = { limit };
        if (before !== undefined) options.before = Date.parse(before);
        if (from !== undefined) options.from = Date.parse(from);
        if (to !== undefined) options.to = Date.parse(to);
        if (options.from !== undefined && options.to !== undefined && options.to <= options.from) {
          throw invalidField('query.to', 'must be after from');
        }
        if (caller !== undefined) {
          if (caller.toLowerCase() === 'anonymous') options.callerNumber = null;
          else {
            const number = historyNumber(caller, owner);
            if (number === undefined) {
              throw invalidField('query.caller', `"${caller}" is not a phone number`);
            }
            options.callerNumber = number;
          }
        }
        if (contactId !== undefined) options.contactId = contactId;
        if (outcome !== undefined) options.outcomes = outcome;
        const calls = await store.calls.listByUser(owner.id, options);
        return { items: calls.map(toCallDto) };
      },
    );

    app.get(
      '/api/users/:userId/calls/live',
      {
        schema: {
          tags: [TAGS.calls],
          summary: 'List a user’s calls in progress (ringing, in a flow, connected)',
          params: UserIdParam,
          response: { 200: LiveCallList, ...signedInErrors, ...errorResponses(404) },
        },
      },
      async (request) => {
        const owner = await resolveOwner(store, request, request.params.userId);
        return { items: (await liveCalls.list(owner.id)).map(toLiveCallDto) };
      },
    );

    app.get(
      '/api/users/:userId/calls/:callId',
      {
        schema: {
          tags: [TAGS.calls],
          summary: 'Get one call with its step log',
          params: CallParams,
          response: { 200: CallDetailDto, ...signedInErrors, ...errorResponses(404) },
        },
      },
      async (request) => {
        const owner = await resolveOwner(store, request, request.params.userId);
        const call = await store.calls.get(request.params.callId);
        // Someone else's call is "not found": its id says nothing to this user.
        if (!call || call.userId !== owner.id) throw notFound(`Call ${request.params.callId}`);
        const steps = await store.calls.listSteps(call.id);
        return { ...toCallDto(call), steps: steps.map(toCallStepDto) };
      },
    );

    app.post(
      '/api/users/:userId/calls/:callId/override',
      {
        schema: {
          tags: [TAGS.calls],
          summary: 'Decide live what happens to a call that is not answered yet',
          description:
            'Interrupts what the call is doing and forwards it (to one of the user’s devices ' +
            'or any number), sends it to voicemail or to the attendant, rejects it, or rings ' +
            'one device only (`answer`). Recorded as an `override` step of the call. With ' +
            '`remember`, the caller’s contact gets `handlingCode` for the calls after this one. ' +
            '409 once the call is answered or ending.',
          params: CallParams,
          body: OverrideRequest,
          response: { 200: OverrideResultDto, ...signedInErrors, ...errorResponses(404, 409) },
        },
      },
      async (request) => {
        const owner = await resolveOwner(store, request, request.params.userId);
        const { decision, remember, handlingCode } = request.body;
        try {
          const result = await overrideCall(
            { repos: store, liveCalls },
            {
              user: owner,
              callId: request.params.callId,
              decision,
              remember,
              handlingCode,
              requestedBy: principalOf(request).user.id,
            },
          );
          const remembered = result.remembered;
          if (
            result.contact !== null &&
            remembered !== null &&
            remembered.previous !== remembered.handlingCode
          ) {
            ctx.announce('contact', result.contact.id, 'updated', owner.id);
          }
          return {
            callId: request.params.callId,
            decision: result.decision,
            remembered: result.remembered,
          };
        } catch (error) {
          throw error instanceof CallOverrideError ? overrideError(error) : error;
        }
      },
    );

    app.get(
      '/api/users/:userId/callers/:number/calls',
      {
        schema: {
          tags: [TAGS.calls],
          summary: 'One caller’s current and previous calls (the notification window)',
          params: CallerParams,
          querystring: CallerCallsQuery,
          response: { 200: CallerCallsDto, ...signedInErrors, ...errorResponses(404) },
        },
      },
      async (request) => {
        const owner = await resolveOwner(store, request, request.params.userId);
        const number = historyNumber(request.params.number, owner);
        if (number === undefined) {
          throw invalidField('params.number', `"${request.params.number}" is not a phone number`);
        }
        // The same contact a call from this number would be recognised as.
        const who = await identifyCaller(store, {
          userId: owner.id,
          country: owner.country,
          callingNumber: number,
        });
        const [current, previous] = await Promise.all([
          store.calls.listByUser(owner.id, { callerNumber: number, outcomes: ['in-progress'] }),
          store.calls.listByUser(owner.id, {
            callerNumber: number,
            outcomes: FINISHED_OUTCOMES,
            limit: request.query.limit,
          }),
        ]);
        const contact = who.contact;
        return {
          number,
          contact:
            contact === null
              ? null
              : { id: contact.id, name: contact.name, handlingCode: contact.handlingCode },
          current: current.map(toCallDto),
          previous: previous.map(toCallDto),
        };
      },
    );
  });
}

function overrideError(error: CallOverrideError): ApiError {
  switch (error.kind) {
    case 'not-found':
      return new ApiError(404, 'not_found', error.message);
    case 'conflict':
      return conflict(error.message);
    case 'invalid':
      return invalidField(error.field ?? 'decision', error.message);
  }
}
