import {
  ContactDto,
  ContactInputDto,
  ContactListQuery,
  ContactPage,
  UserIdParam,
  type ErrorIssue,
} from '@switchboard/contracts';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { Contact, ContactPhone, User } from '../../domain/model/index.js';
import { PhoneNumberError, toE164 } from '../../domain/services/phone-numbers.js';
import { resolveOwner } from '../authentication.js';
import type { RouteContext } from '../context.js';
import { toContactDto } from '../dto.js';
import { notFound, validationFailed } from '../errors.js';
import { NoContent, TAGS, errorResponses, signedInErrors, routes } from '../schemas.js';

const ContactParams = UserIdParam.extend({ contactId: z.string().min(1).max(64) });

type ContactBody = z.output<typeof ContactInputDto>;

/**
 * Reads every phone of a contact in the owner's country. All bad numbers are reported at once,
 * each naming its place (`phones[2]`), and nothing is stored unless all are good. The same
 * number written twice is kept once.
 */
function readPhones(phones: ContactBody['phones'], owner: User): ContactPhone[] {
  const issues: ErrorIssue[] = [];
  const read: ContactPhone[] = [];
  const seen = new Set<string>();
  phones.forEach((phone, index) => {
    const raw = typeof phone === 'string' ? phone : phone.number;
    const type = typeof phone === 'string' ? null : (phone.type ?? null);
    try {
      const e164 = toE164(raw, owner.country);
      if (seen.has(e164)) return;
      seen.add(e164);
      read.push({ e164, raw: raw.trim(), type: type === '' ? null : type });
    } catch (error) {
      if (!(error instanceof PhoneNumberError)) throw error;
      issues.push({ path: `phones[${index}]`, message: error.message });
    }
  });
  if (issues.length > 0) throw validationFailed(issues);
  return read;
}

/** A user's contacts: the address book callers are recognised by. */
export function contactRoutes(ctx: RouteContext): FastifyPluginAsyncZod {
  const { store } = ctx;

  async function ownContact(owner: User, id: string): Promise<Contact> {
    const contact = await store.contacts.get(owner.id, id);
    if (!contact) throw notFound(`Contact ${id}`);
    return contact;
  }

  return routes((app) => {
    app.get(
      '/api/users/:userId/contacts',
      {
        schema: {
          tags: [TAGS.contacts],
          summary: 'List a user’s contacts, a page at a time',
          params: UserIdParam,
          querystring: ContactListQuery,
          response: { 200: ContactPage, ...signedInErrors, ...errorResponses(404) },
        },
      },
      async (request) => {
        const owner = await resolveOwner(store, request, request.params.userId);
        const { limit, offset } = request.query;
        const [items, total] = await Promise.all([
          store.contacts.listByUser(owner.id, { limit, offset }),
          store.contacts.countByUser(owner.id),
        ]);
        return { items: items.map(toContactDto), total, limit, offset };
      },
    );

    app.get(
      '/api/users/:userId/contacts/:contactId',
      {
        schema: {
          tags: [TAGS.contacts],
          summary: 'Get one contact',
          params: ContactParams,
          response: { 200: ContactDto, ...signedInErrors, ...errorResponses(404) },
        },
      },
      async (request) => {
        const owner = await resolveOwner(store, request, request.params.userId);
        return toContactDto(await ownContact(owner, request.params.contactId));
      },
    );

    app.post(
      '/api/users/:userId/contacts',
      {
        schema: {
          tags: [TAGS.contacts],
          summary: 'Create a contact (phones in any common format)',
          params: UserIdParam,
          body: ContactInputDto,
          response: { 201: ContactDto, ...signedInErrors, ...errorResponses(404) },
        },
      },
      async (request, reply) => {
        const owner = await resolveOwner(store, request, request.params.userId);
        const body = request.body;
        const contact = await store.contacts.put({
          id: randomUUID(),
          userId: owner.id,
          source: 'api',
          externalId: null,
          name: body.name,
          organization: body.organization === '' ? null : body.organization,
          emails: body.emails,
          phones: readPhones(body.phones, owner),
          handlingCode: body.handlingCode,
        });
        ctx.announce('contact', contact.id, 'created', owner.id);
        return reply.code(201).send(toContactDto(contact));
      },
    );

    app.put(
      '/api/users/:userId/contacts/:contactId',
      {
        schema: {
          tags: [TAGS.contacts],
          summary: 'Replace a contact',
          params: ContactParams,
          body: ContactInputDto,
          response: { 200: ContactDto, ...signedInErrors, ...errorResponses(404) },
        },
      },
      async (request) => {
        const owner = await resolveOwner(store, request, request.params.userId);
        const current = await ownContact(owner, request.params.contactId);
        const body = request.body;
        const contact = await store.contacts.put({
          id: current.id,
          userId: owner.id,
          // Keep where it came from, so a sync still recognises its own contact.
          source: current.source,
          externalId: current.externalId,
          name: body.name,
          organization: body.organization === '' ? null : body.organization,
          emails: body.emails,
          phones: readPhones(body.phones, owner),
          handlingCode: body.handlingCode,
        });
        ctx.announce('contact', contact.id, 'updated', owner.id);
        return toContactDto(contact);
      },
    );

    app.delete(
      '/api/users/:userId/contacts/:contactId',
      {
        schema: {
          tags: [TAGS.contacts],
          summary: 'Delete a contact',
          params: ContactParams,
          response: { 204: NoContent, ...signedInErrors, ...errorResponses(404) },
        },
      },
      async (request, reply) => {
        const owner = await resolveOwner(store, request, request.params.userId);
        if (!(await store.contacts.delete(owner.id, request.params.contactId))) {
          throw notFound(`Contact ${request.params.contactId}`);
        }
        ctx.announce('contact', request.params.contactId, 'deleted', owner.id);
        return reply.code(204).send(null);
      },
    );
  });
}
