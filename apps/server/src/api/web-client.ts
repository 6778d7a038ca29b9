import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { sendNotFound } from './error-handler.js';
import { TAGS } from './schemas.js';

const NOT_BUILT_PAGE = `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>Switchboard</title></head>
<body>
<h1>Switchboard is running</h1>
<p>The web client is not built. Run <code>npm run build</code> and restart the server.</p>
<p>The API is here: <a href="/api/docs">/api/docs</a>.</p>
</body>
</html>
`;

function isApiPath(url: string): boolean {
  return url === '/api' || url.startsWith('/api/') || url.startsWith('/api?');
}

/** `/assets/app.js` names a file; `/calls/123` is a client-side route. */
function looksLikeFile(url: string): boolean {
  const path = url.split('?')[0] ?? url;
  const last = path.slice(path.lastIndexOf('/') + 1);
  return last.includes('.');
}

/**
 * Serves the built web client at `/` with single-page-app fallback: any GET outside /api that
 * is not a file gets index.html, so client routes survive a reload. Without a build, `/` says
 * how to make one. Unknown /api routes always get the JSON 404.
 */
export async function installWebClient(
  app: FastifyInstance,
  webRoot: string | undefined,
): Promise<void> {
  const built = webRoot !== undefined && existsSync(join(webRoot, 'index.html'));

  if (built) {
    await app.register(fastifyStatic, { root: webRoot, prefix: '/', wildcard: true, index: false });
    app.get(
      '/',
      { schema: { tags: [TAGS.ops], summary: 'The web client', hide: true } },
      (_request, reply) => reply.header('cache-control', 'no-cache').sendFile('index.html'),
    );
  } else {
    app.get(
      '/',
      { schema: { tags: [TAGS.ops], summary: 'Placeholder page: the web client is not built' } },
      (_request, reply) => reply.type('text/html; charset=utf-8').send(NOT_BUILT_PAGE),
    );
  }

  app.setNotFoundHandler((request: FastifyRequest, reply: FastifyReply) => {
    if (
      built &&
      (request.method === 'GET' || request.method === 'HEAD') &&
      !isApiPath(request.url) &&
      !looksLikeFile(request.url)
    ) {
      return reply.header('cache-control', 'no-cache').sendFile('index.html');
    }
    return sendNotFound(request, reply);
  });
}
