import fastifySwagger from '@fastify/swagger';
import fastifySwaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';
import { jsonSchemaTransform } from 'fastify-type-provider-zod';
import { SESSION_COOKIE } from './authentication.js';
import { TAGS } from './schemas.js';

/**
 * OpenAPI 3 generated from the zod route schemas: the document at GET /api/openapi.json and a
 * browsable page at /api/docs. Register before any route so every route is seen.
 */
export async function installOpenApi(app: FastifyInstance, version: string): Promise<void> {
  await app.register(fastifySwagger, {
    openapi: {
      openapi: '3.0.3',
      info: {
        title: 'Switchboard API',
        description:
          'Call handling: users, numbers, devices, contacts, handling codes, flows, calls and ' +
          'voicemail. Errors always have the shape `{ "error": { "code", "message", "issues"? } }`. ' +
          '`:userId` accepts `me`.',
        version,
      },
      components: {
        securitySchemes: {
          session: { type: 'apiKey', in: 'cookie', name: SESSION_COOKIE },
          bearer: { type: 'http', scheme: 'bearer', description: 'An API token (`sbt_...`)' },
        },
      },
      security: [{ session: [] }, { bearer: [] }],
      tags: Object.values(TAGS).map((name) => ({ name })),
    },
    transform: jsonSchemaTransform,
  });
  await app.register(fastifySwaggerUi, { routePrefix: '/api/docs' });

  app.get(
    '/api/openapi.json',
    { schema: { tags: [TAGS.ops], summary: 'This API described as OpenAPI 3' } },
    () => app.swagger(),
  );
}
