import {
  CreateUserRequest,
  UpdateUserRequest,
  UserDto,
  UserIdParam,
  UserList,
} from '@switchboard/contracts';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { randomUUID } from 'node:crypto';
import { toUserInput } from '../../domain/model/index.js';
import { hashPassword, verifyPassword } from '../../domain/services/passwords.js';
import { addUser } from '../../domain/services/users.js';
import { principalOf, requireAdmin, resolveOwner } from '../authentication.js';
import type { RouteContext } from '../context.js';
import { toUserDto } from '../dto.js';
import { conflict, forbidden, invalidField, notFound } from '../errors.js';
import { checkHandlingMethod } from '../handling.js';
import { CLOSE_ROLE_CHANGED } from '../live-sockets.js';
import { NoContent, TAGS, errorResponses, signedInErrors, routes } from '../schemas.js';

/** Users: admins manage everyone; a user reads and edits their own profile. */
export function userRoutes(ctx: RouteContext): FastifyPluginAsyncZod {
  const { store } = ctx;

  async function checkEmailFree(email: string, exceptId?: string): Promise<void> {
    const holder = await store.users.findByEmail(email);
    if (holder && holder.id !== exceptId) throw conflict(`The email ${email} is already in use`);
  }

  async function checkAttendant(attendantId: string | null, userId: string): Promise<void> {
    if (attendantId === null) return;
    if (attendantId === userId)
      throw invalidField('attendantId', 'a user cannot attend themselves');
    if (!(await store.users.get(attendantId))) {
      throw invalidField('attendantId', `there is no user ${attendantId}`);
    }
  }

  return routes((app) => {
    app.get(
      '/api/users',
      {
        schema: {
          tags: [TAGS.users],
          summary: 'List all users (admin)',
          response: { 200: UserList, ...signedInErrors },
        },
      },
      async (request) => {
        requireAdmin(request);
        const users = await store.users.list();
        return { items: users.map(toUserDto) };
      },
    );

    app.post(
      '/api/users',
      {
        schema: {
          tags: [TAGS.users],
          summary: 'Create a user (admin)',
          body: CreateUserRequest,
          response: { 201: UserDto, ...signedInErrors, ...errorResponses(409) },
        },
      },
      async (request, reply) => {
        const admin = requireAdmin(request).user;
        const body = request.body;
        const id = body.id ?? randomUUID();
        // Taken ids and emails are conflicts (409) here; addUser checks them too, as a 400.
        if (await store.users.get(id)) throw conflict(`There is already a user ${id}`);
        await checkEmailFree(body.email);
        // The one way to create a user (the CLI uses it too); its UserInputError becomes a 400
        // naming the field. Without a time zone or country the admin's own are used.
        const user = await addUser(store, {
          id,
          name: body.name,
          email: body.email,
          password: body.password,
          role: body.role,
          timezone: body.timezone ?? admin.timezone,
          country: body.country ?? admin.country,
          attendantId: body.attendantId,
          defaultHandling: body.defaultHandling,
          unknownHandling: body.unknownHandling,
          anonymousHandling: body.anonymousHandling,
        });
        ctx.announce('user', user.id, 'created', user.id);
        return reply.code(201).send(toUserDto(user));
      },
    );

    app.get(
      '/api/users/:userId',
      {
        schema: {
          tags: [TAGS.users],
          summary: 'Get a user (yourself as `me`)',
          params: UserIdParam,
          response: { 200: UserDto, ...signedInErrors, ...errorResponses(404) },
        },
      },
      async (request) => toUserDto(await resolveOwner(store, request, request.params.userId)),
    );

    app.patch(
      '/api/users/:userId',
      {
        schema: {
          tags: [TAGS.users],
          summary: 'Change a user (users: own name, password, time zone, country, handling)',
          params: UserIdParam,
          body: UpdateUserRequest,
          response: { 200: UserDto, ...signedInErrors, ...errorResponses(404, 409) },
        },
      },
      async (request) => {
        const principal = principalOf(request);
        const actor = principal.user;
        const target = await resolveOwner(store, request, request.params.userId);
        const body = request.body;
        const self = target.id === actor.id;

        if (actor.role !== 'admin') {
          const adminFields = (['email', 'role', 'attendantId'] as const).filter(
            (field) => body[field] !== undefined,
          );
          if (adminFields.length > 0) {
            throw forbidden(`Only an admin may change ${adminFields.join(', ')}`);
          }
        }
        if (self && body.role !== undefined && body.role !== target.role) {
          throw forbidden('You cannot change your own role; ask another admin');
        }
        let passwordHash = target.passwordHash;
        if (body.password !== undefined) {
          if (self) {
            if (body.currentPassword === undefined) {
              throw invalidField('currentPassword', 'required to change your own password');
            }
            if (!(await verifyPassword(body.currentPassword, target.passwordHash))) {
              throw invalidField('currentPassword', 'does not match your current password');
            }
          }
          passwordHash = await hashPassword(body.password);
        }
        if (body.email !== undefined) await checkEmailFree(body.email, target.id);
        if (body.attendantId !== undefined) await checkAttendant(body.attendantId, target.id);
        if (body.defaultHandling !== undefined) {
          await checkHandlingMethod(store, target.id, body.defaultHandling, 'defaultHandling');
        }
        if (body.unknownHandling !== undefined) {
          await checkHandlingMethod(store, target.id, body.unknownHandling, 'unknownHandling');
        }
        if (body.anonymousHandling !== undefined && body.anonymousHandling !== null) {
          await checkHandlingMethod(store, target.id, body.anonymousHandling, 'anonymousHandling');
        }
        // null clears it (anonymous callers get unknownHandling again); absent keeps it.
        const anonymousHandling =
          body.anonymousHandling === undefined
            ? target.anonymousHandling
            : (body.anonymousHandling ?? undefined);
        const user = await store.users.put({
          ...toUserInput(target),
          name: body.name ?? target.name,
          email: body.email ?? target.email,
          passwordHash,
          role: body.role ?? target.role,
          timezone: body.timezone ?? target.timezone,
          country: body.country ?? target.country,
          attendantId: body.attendantId === undefined ? target.attendantId : body.attendantId,
          defaultHandling: body.defaultHandling ?? target.defaultHandling,
          unknownHandling: body.unknownHandling ?? target.unknownHandling,
          // Undefined replaces the one toUserInput copied: the user has none any more.
          anonymousHandling,
        });
        if (body.password !== undefined) {
          // Sessions opened with the old password end: whoever changed it may be shutting out
          // someone who learnt it. Changing one's own keeps the session it was done from.
          const keep = self && principal.via === 'session' ? principal.tokenHash : undefined;
          await ctx.auth.endSessionsOfUser(target.id, keep);
          ctx.sockets.closeSessionsOfUser(target.id, 'Password changed; sign in again', keep);
        }
        if (user.role !== target.role) {
          // Their live events were chosen by the old role (admins see everyone's).
          ctx.sockets.closeUser(user.id, 'Your role changed; reconnect', CLOSE_ROLE_CHANGED);
        }
        ctx.announce('user', user.id, 'updated', user.id);
        return toUserDto(user);
      },
    );

    app.delete(
      '/api/users/:userId',
      {
        schema: {
          tags: [TAGS.users],
          summary: 'Delete a user and everything they own (admin)',
          params: UserIdParam,
          response: { 204: NoContent, ...signedInErrors, ...errorResponses(404, 409) },
        },
      },
      async (request, reply) => {
        const admin = requireAdmin(request).user;
        const target = await resolveOwner(store, request, request.params.userId);
        if (target.id === admin.id) {
          throw conflict('You cannot delete your own account; ask another admin');
        }
        if (!(await store.users.delete(target.id))) throw notFound(`User ${target.id}`);
        ctx.sockets.closeUser(target.id, 'Account deleted');
        ctx.announce('user', target.id, 'deleted', target.id);
        return reply.code(204).send(null);
      },
    );
  });
}
