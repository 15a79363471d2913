import { fastifyApolloDrainPlugin, fastifyApolloHandler } from '@as-integrations/fastify';
import cors from '@fastify/cors';
import helmet from '@fastify/helmet';
import fastifyStatic from '@fastify/static';
import type { MikroORM } from '@mikro-orm/postgresql';
import Fastify, { type FastifyInstance, type FastifyReply } from 'fastify';
import { specifiedRules, validate, type GraphQLSchema } from 'graphql';
import { useServer } from 'graphql-ws/use/ws';
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { WebSocketServer } from 'ws';
import { resolveCaller, type RequestContext } from './context.js';
import { DomainError, HTTP_STATUS } from './errors.js';
import { createApollo, depthLimit, MAX_DEPTH } from './graphql.js';
import type { Logger } from './logger.js';
import type { Services } from './services.js';

export const BODY_LIMIT = 1024 * 1024;
const WEB_DIST = fileURLToPath(new URL('../../../web/dist/', import.meta.url));
const WEB_DIST_SRC = fileURLToPath(new URL('../../web/dist/', import.meta.url));

export interface HttpDeps {
  log: Logger;
  orm: MikroORM;
  schema: GraphQLSchema;
  services: Services;
  /** Extra REST routes from the domains (webhook, inbound, agenda shims). */
  routes: Array<(app: FastifyInstance) => Promise<void> | void>;
  /** Refreshes sampled gauges (job queue depth) before each scrape. */
  beforeScrape?: () => Promise<void>;
}

/** Fastify with GraphQL over HTTP and WebSocket on one port, health, metrics and the admin SPA. */
export async function createHttpServer({ log, orm, schema, services, routes, beforeScrape }: HttpDeps): Promise<FastifyInstance> {
  const { metrics, config } = services;
  const app = Fastify({
    loggerInstance: log,
    genReqId: (req) => {
      const given = req.headers['x-request-id'];
      return typeof given === 'string' && /^[\w.-]{1,100}$/.test(given) ? given : randomUUID();
    },
    bodyLimit: BODY_LIMIT,
    trustProxy: config.production,
    return503OnClosing: true,
    forceCloseConnections: 'idle',
  });

  // During shutdown, answer in-flight requests with `connection: close` so their keep-alive sockets
  // do not hold server.close() open until the keep-alive timeout.
  let closing = false;
  app.addHook('preClose', async () => {
    closing = true;
  });
  app.addHook('onRequest', async (req, reply) => {
    reply.header('x-request-id', req.id);
  });

  // Strict JSON: invalid UTF-8 is refused (400) instead of being decoded into replacement characters.
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (_req, body, done) => {
    try {
      done(null, parseJsonBody(body as Buffer));
    } catch (error) {
      done(Object.assign(error as Error, { statusCode: 400 }), undefined);
    }
  });
  app.addHook('onSend', async (_req, reply) => {
    if (closing) reply.header('connection', 'close');
  });
  app.addHook('onResponse', async (req, reply) => {
    const route = req.routeOptions.url ?? 'unmatched';
    metrics.httpDuration.observe(
      { route, method: req.method, status: `${Math.floor(reply.statusCode / 100)}xx` },
      reply.elapsedTime / 1000,
    );
  });

  await app.register(helmet, {
    contentSecurityPolicy: {
      directives: {
        defaultSrc: ["'self'"],
        connectSrc: ["'self'", 'ws:', 'wss:'],
        styleSrc: ["'self'", "'unsafe-inline'"],
        imgSrc: ["'self'", 'data:'],
      },
    },
  });
  if (config.corsOrigins.length > 0) await app.register(cors, { origin: config.corsOrigins, credentials: false });

  app.setErrorHandler((error: Error & { statusCode?: number; code?: string }, req, reply) => {
    if (error instanceof DomainError) return sendError(reply, HTTP_STATUS[error.code], error.message, error.code);
    const status = error.statusCode ?? 500;
    if (status >= 500) {
      req.log.error({ err: error }, 'request failed');
      return sendError(reply, 500, 'Erro interno.', 'INTERNAL');
    }
    const message =
      error.code === 'FST_ERR_CTP_BODY_TOO_LARGE' ? `Corpo maior que o limite de ${BODY_LIMIT} bytes.`
      : error.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE' ? 'Content-Type não suportado; use application/json.'
      : error.code === 'FST_ERR_CTP_EMPTY_JSON_BODY' ? 'Corpo JSON vazio.'
      : error.message;
    return sendError(reply, status, message, error.code ?? 'BAD_REQUEST');
  });

  registerProbes(app, orm, metrics, beforeScrape);

  // GraphQL over HTTP.
  const apollo = createApollo(schema, log, [fastifyApolloDrainPlugin(app)]);
  await apollo.start();
  app.route({
    url: '/graphql',
    method: ['GET', 'POST', 'OPTIONS'],
    handler: fastifyApolloHandler<RequestContext>(apollo, {
      context: async (req) => {
        const em = orm.em.fork();
        const caller = await resolveCaller(services, em, req.headers.authorization);
        return { em, ip: req.ip, services, ...caller };
      },
    }),
  });

  for (const register of routes) await register(app);

  await registerSpa(app);

  // GraphQL subscriptions (graphql-transport-ws) on the same port and path.
  const wsServer = new WebSocketServer({ noServer: true, maxPayload: 64 * 1024 });
  app.server.on('upgrade', (req, socket, head) => {
    if (new URL(req.url ?? '/', 'http://x').pathname !== '/graphql') return socket.destroy();
    wsServer.handleUpgrade(req, socket, head, (ws) => wsServer.emit('connection', ws, req));
  });
  const wsCleanup = useServer<Record<string, unknown>, { ctx?: RequestContext }>(
    {
      schema,
      validate: (schema, document) => validate(schema, document, [...specifiedRules, depthLimit(MAX_DEPTH)]),
      onConnect: async (ctx) => {
        const authorization = ctx.connectionParams?.authorization;
        const em = orm.em.fork();
        const caller = await resolveCaller(services, em, typeof authorization === 'string' ? authorization : undefined);
        // Subscriptions require credentials: refuse the connection (4403) instead of failing later.
        if (!caller.tenant) return false;
        ctx.extra.ctx = { em, ip: ctx.extra.request.socket.remoteAddress ?? '', services, ...caller };
        return true;
      },
      context: (ctx) => ({ ...ctx.extra.ctx!, em: orm.em.fork() }),
    },
    wsServer,
  );
  app.addHook('preClose', async () => {
    for (const client of wsServer.clients) client.close(1001, 'Servidor reiniciando');
    await wsCleanup.dispose();
    await new Promise<void>((resolve) => wsServer.close(() => resolve()));
  });

  return app;
}

/** /healthz (process alive), /readyz (database reachable) and /metrics. */
export function registerProbes(app: FastifyInstance, orm: MikroORM, metrics: Services['metrics'], beforeScrape?: () => Promise<void>): void {
  app.get('/healthz', async () => ({ ok: true }));
  app.get('/readyz', async (_req, reply) => {
    try {
      await orm.em.getConnection().execute('select 1');
      return { ok: true };
    } catch {
      return reply.code(503).send({ ok: false, error: 'banco de dados indisponível' });
    }
  });
  app.get('/metrics', async (_req, reply) => {
    await beforeScrape?.().catch(() => {});
    reply.header('content-type', metrics.registry.contentType);
    return metrics.registry.metrics();
  });
}

/** ROLE=worker has no API port; operators and Prometheus still need its probes and metrics. */
export async function startProbeServer(log: Logger, orm: MikroORM, metrics: Services['metrics'], host: string, port: number, beforeScrape?: () => Promise<void>): Promise<FastifyInstance> {
  const app = Fastify({ loggerInstance: log });
  registerProbes(app, orm, metrics, beforeScrape);
  await app.listen({ host, port });
  return app;
}

const UTF8 = new TextDecoder('utf-8', { fatal: true });

export class InvalidBody extends Error {
  override name = 'InvalidBody';
  readonly statusCode = 400;
  readonly code = 'BAD_REQUEST';
}

/** UTF-8 decoding that refuses malformed bytes, then JSON without prototype keys. */
export function decodeUtf8(body: Buffer): string {
  try {
    return UTF8.decode(body);
  } catch {
    throw new InvalidBody('O corpo não é UTF-8 válido.');
  }
}

export function parseJsonBody(body: Buffer): unknown {
  const text = decodeUtf8(body);
  if (text.trim() === '') throw new InvalidBody('Corpo JSON vazio.');
  try {
    return JSON.parse(text, (key, value: unknown) => (key === '__proto__' ? undefined : value));
  } catch {
    throw new InvalidBody('O corpo não é um JSON válido.');
  }
}

export function sendError(reply: FastifyReply, status: number, message: string, code: string) {
  return reply.code(status).send({ error: message, code });
}

async function registerSpa(app: FastifyInstance): Promise<void> {
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
