import { ContactImportQuery, ContactImportResultDto, UserIdParam } from '@switchboard/contracts';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { DEFAULT_CODE_PREFIX, importContacts } from '../../domain/services/contact-import.js';
import { parseVCards } from '../../integrations/vcard/parse-vcards.js';
import { resolveOwner } from '../authentication.js';
import type { RouteContext } from '../context.js';
import { iso } from '../dto.js';
import { invalidField } from '../errors.js';
import { uploadedText } from '../multipart.js';
import { TAGS, errorResponses, signedInErrors, routes } from '../schemas.js';

/** A vCard export of a large address book (thousands of cards) fits well under this. */
export const IMPORT_BODY_LIMIT_BYTES = 10 * 1024 * 1024;

const VCARD_TYPES = ['text/vcard', 'text/x-vcard', 'text/directory'];

export interface ContactImportOptions {
  /** The server's handling-code prefix (config `contacts.codePrefix`); `hc:` by default. */
  readonly codePrefix?: string;
}

/**
 * `POST /api/users/:userId/contacts/import`: a .vcf file as the body (text/vcard) or as the
 * file of a form (multipart/form-data), imported like `switchboard contacts import`: broken
 * cards are listed with the reason and the good ones are still imported.
 */
export function contactImportRoutes(
  ctx: RouteContext,
  options: ContactImportOptions = {},
): FastifyPluginAsyncZod {
  const { store, clock, events } = ctx;
  const serverPrefix = options.codePrefix ?? DEFAULT_CODE_PREFIX;
  return routes((app) => {
    // Both parsers hand the route the file's text; they live in this plugin only.
    app.addContentTypeParser(
      VCARD_TYPES,
      { parseAs: 'string', bodyLimit: IMPORT_BODY_LIMIT_BYTES },
      (_request, body, done) => {
        done(null, body);
      },
    );
    app.addContentTypeParser(
      'multipart/form-data',
      { parseAs: 'buffer', bodyLimit: IMPORT_BODY_LIMIT_BYTES },
      (request, body, done) => {
        try {
          done(null, uploadedText(body as Buffer, request.headers['content-type'] ?? ''));
        } catch (error) {
          done(error as Error, undefined);
        }
      },
    );

    app.post(
      '/api/users/:userId/contacts/import',
      {
        bodyLimit: IMPORT_BODY_LIMIT_BYTES,
        schema: {
          tags: [TAGS.contacts],
          summary: 'Import a vCard file (text/vcard body, or a multipart/form-data file)',
          description:
            'vCard 2.1, 3.0 and 4.0 (Apple, Google, Outlook exports). Phones are read in the ' +
            'user’s country. The handling code comes from X-SWITCHBOARD-CODE, a category with ' +
            'the prefix (`hc:VIP`), a `[hc:VIP]` tag in NOTE, or a category equal to one of the ' +
            'user’s codes. Importing the same file again updates cards instead of duplicating ' +
            'them; broken cards are listed and the others imported. At most 10 MiB.',
          consumes: [...VCARD_TYPES, 'multipart/form-data'],
          params: UserIdParam,
          querystring: ContactImportQuery,
          body: z.string().describe('The .vcf file'),
          response: {
            200: ContactImportResultDto,
            ...signedInErrors,
            ...errorResponses(404, 413, 415),
          },
        },
      },
      async (request) => {
        const owner = await resolveOwner(store, request, request.params.userId);
        const entries = parseVCards(request.body);
        if (entries.length === 0) {
          throw invalidField('body', 'the file holds no vCard (no BEGIN:VCARD line)');
        }
        const result = await importContacts(store, owner.id, entries, {
          clock,
          logger: request.log,
          codePrefix: request.query.codePrefix ?? serverPrefix,
        });
        if (result.created + result.updated > 0) {
          events.publish(owner.id, {
            type: 'contacts.imported',
            userId: owner.id,
            created: result.created,
            updated: result.updated,
            at: iso(clock.now()),
          });
        }
        return {
          cards: entries.length,
          created: result.created,
          updated: result.updated,
          unchanged: result.unchanged,
          skipped: [...result.skipped],
          warnings: [...result.warnings],
        };
      },
    );
  });
}
