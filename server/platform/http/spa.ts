import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { sendError } from './send-error.js';

// Compiled (dist/server/platform/http/) and from source (server/platform/http/).
const WEB_DIST = fileURLToPath(new URL('../../../../web/dist/', import.meta.url));
const WEB_DIST_SRC = fileURLToPath(new URL('../../../web/dist/', import.meta.url));

/** The admin panel (Vite build) with history-API fallback; a JSON 404 for everything else. */
export async function registerSpa(app: FastifyInstance): Promise<void> {
  const root = [WEB_DIST, WEB_DIST_SRC].find((dir) => existsSync(`${dir}index.html`));
  if (!root) {
    app.get('/', async (_req, reply) =>
      reply.type('text/html; charset=utf-8').send('<!doctype html><meta charset="utf-8"><p>Painel não compilado: rode <code>npm run build</code>.</p>'),
    );
    return;
  }
  await app.register(fastifyStatic, {
    root,
    wildcard: false,
    index: false,
    setHeaders: (res, path) => {
      // Vite fingerprints assets: cache them for a year; index.html must always be revalidated.
      res.setHeader('cache-control', path.includes('/assets/') ? 'public, max-age=31536000, immutable' : 'no-cache');
    },
  });
  const sendIndex = (reply: FastifyReply) => reply.header('cache-control', 'no-cache').sendFile('index.html', { cacheControl: false });
  app.get('/', async (_req, reply) => sendIndex(reply));
  app.setNotFoundHandler(async (req, reply) => {
    const path = req.url.split('?')[0]!;
    if (req.method === 'GET' && !path.startsWith('/api/') && !path.startsWith('/graphql') && !/\.\w+$/.test(path) && req.headers.accept?.includes('text/html')) {
      return sendIndex(reply);
    }
    return sendError(reply, 404, `Rota não encontrada: ${req.method} ${path}`, 'NOT_FOUND');
  });
}
