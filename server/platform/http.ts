import { HeaderMap } from '@apollo/server';
import { fastifyApolloDrainPlugin, fastifyApolloHandler } from '@as-integrations/fastify';
import cors from '@fastify/cors';
import helmet, { type HelmetOptions } from 'helmet';
import fastifyStatic from '@fastify/static';
import type { MikroORM } from '@mikro-orm/postgresql';
import Fastify, { LogController, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { GraphQLError, type GraphQLSchema } from 'graphql';
import { createHash, randomUUID, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { ApiFirst } from './api-first.js';
import { resolveCaller, type RequestContext } from './context.js';
import { databaseTrouble, RETRY_AFTER_SECONDS } from './database-errors.js';
import { DomainError, HTTP_STATUS } from './errors.js';
import { createApollo } from './graphql.js';
import { registerGraphqlWs } from './graphql-ws.js';
import { graphqlBoundaryPlugin } from './graphql-boundary.js';
import { cleanJson, cleanJsonValue } from './input-text.js';
import type { Logger } from './logger.js';
import type { Services } from './services.js';

export const BODY_LIMIT = 1024 * 1024;
/** Oversized bodies up to this size are read before the 413 (see the hook); larger ones are not. */
const DRAIN_LIMIT = 16 * 1024 * 1024;
const DRAIN_TIMEOUT_MS = 10_000;
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
  /** Told of every completed request (a burst holds this process's background work back). */
  apiFirst?: Pick<ApiFirst, 'requestServed'>;
}

declare module 'fastify' {
  interface FastifyRequest {
    /** What the route learned (ids, outcome), written on the request's one log line. */
    logFields: Record<string, unknown> | null;
  }
}

/**
 * One log line per request: "request completed" carrying the request (redacted by the logger's
 * serializer) and the route's `logFields`, no "incoming request".
 */
class CompletedRequestsOnly extends LogController {
  override incomingRequest(): void {}

  override requestCompleted(error: Error | null | undefined, request: FastifyRequest, reply: FastifyReply): void {
    if (error) reply.log.error({ ...request.logFields, req: request, res: reply, err: error, responseTime: reply.elapsedTime }, 'request errored');
    else reply.log.info({ ...request.logFields, req: request, res: reply, responseTime: reply.elapsedTime }, 'request completed');
  }
}

/** Fastify with GraphQL over HTTP and WebSocket on one port, health, metrics and the admin SPA. */
export async function createHttpServer({ log, orm, schema, services, routes, beforeScrape, apiFirst }: HttpDeps): Promise<FastifyInstance> {
  const { metrics, config } = services;
  const app = Fastify({
    loggerInstance: log,
    genReqId: (req) => {
      const given = req.headers['x-request-id'];
      return typeof given === 'string' && /^[\w.-]{1,100}$/.test(given) ? given : randomUUID();
    },
    bodyLimit: BODY_LIMIT,
    logController: new CompletedRequestsOnly(),
    // The socket's address unless TRUST_PROXY names the proxies (a blanket `true` lets anyone
    // pick their IP through X-Forwarded-For and dodge every per-IP limit).
    trustProxy: typeof config.trustProxy === 'number' ? hopsTrusted(config.trustProxy) : config.trustProxy,
    return503OnClosing: true,
    forceCloseConnections: 'idle',
  });

  // During shutdown, answer in-flight requests with `connection: close` so their keep-alive sockets
  // do not hold server.close() open until the keep-alive timeout.
  let closing = false;
  app.addHook('preClose', async () => {
    closing = true;
  });
  app.decorateRequest('logFields', null);
  app.addHook('onRequest', async (req, reply) => {
    reply.header('x-request-id', req.id);
    // The input-text rule on the query string and path parameters (a NUL can only come percent-encoded).
    if (req.url.includes('%')) {
      cleanJson(req.query);
      cleanJson(req.params);
    }
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
    apiFirst?.requestServed();
    const route = req.routeOptions.url ?? 'unmatched';
    metrics.httpDuration.observe(
      { route, method: METRIC_METHODS.has(req.method) ? req.method : 'OTHER', status: `${Math.floor(reply.statusCode / 100)}xx` },
      reply.elapsedTime / 1000,
    );
  });

  // helmet's headers do not depend on the request: computed once (the Fastify plugin rebuilds its
  // middleware on every request, ~5% of the CPU of a small JSON answer).
  const securityHeaders = helmetHeaders({
    contentSecurityPolicy: {
      directives: {
        defaultSrc: ["'self'"],
        // CSP3 'self' covers ws:/wss: of the page's own host (Chromium, Firefox, Safari 15.4+): the
        // panel talks only to its own origin; other origins only when an operator allows them.
        connectSrc: ["'self'", ...config.corsOrigins],
        styleSrc: ["'self'", "'unsafe-inline'"],
        imgSrc: ["'self'", 'data:'],
      },
    },
  });
  app.addHook('onRequest', async (_req, reply) => {
    reply.headers(securityHeaders);
  });

  // A body announced over the limit is read (and discarded, up to DRAIN_LIMIT) before the 413: an
  // answer sent while the client is still uploading races with its writes, and some clients then
  // report a reset connection instead of the 413 and its reason.
  app.addHook('onRequest', async (req, reply) => {
    const length = Number(req.headers['content-length']);
    if (!(length > BODY_LIMIT)) return;
    if (length <= DRAIN_LIMIT) await drain(req.raw, DRAIN_TIMEOUT_MS);
    reply.header('connection', 'close');
    return sendError(reply, 413, `Corpo maior que o limite de ${BODY_LIMIT} bytes.`, 'FST_ERR_CTP_BODY_TOO_LARGE');
  });
  if (config.corsOrigins.length > 0) await app.register(cors, { origin: config.corsOrigins, credentials: false });

  app.setErrorHandler((error: Error & { statusCode?: number; code?: string }, req, reply) => {
    if (error instanceof DomainError) return sendError(reply, HTTP_STATUS[error.code], error.message, error.code);
    const status = error.statusCode ?? 500;
    const trouble = status >= 500 ? databaseTrouble(error) : undefined;
    if (trouble === 'unavailable') {
      req.log.warn({ err: error }, 'database unavailable');
      metrics.databaseUnavailable.inc({ route: req.routeOptions.url ?? 'unmatched' });
      reply.header('retry-after', String(RETRY_AFTER_SECONDS));
      return sendError(reply, 503, 'Banco de dados indisponível no momento. Tente novamente em alguns segundos.', 'SERVICE_UNAVAILABLE');
    }
    if (trouble === 'bad_data') {
      req.log.warn({ err: error }, 'value refused by the database');
      return sendError(reply, 400, 'Valor inválido em um dos campos.', 'BAD_REQUEST');
    }
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

  registerProbes(app, orm, metrics, { beforeScrape, token: config.metricsToken, serveMetrics: config.publicMetrics });

  // GraphQL over HTTP.
  const apollo = createApollo(schema, log, [graphqlBoundaryPlugin(metrics), fastifyApolloDrainPlugin(app)]);
  await apollo.start();
  app.route({
    url: '/graphql',
    method: ['GET', 'POST', 'OPTIONS'],
    handler: fastifyApolloHandler<RequestContext>(apollo, {
      context: async (req) => {
        const em = orm.em.fork();
        const caller = await resolveCaller(services, em, req.headers.authorization).catch((error: unknown) => {
          // Apollo answers a failed context with a 500 unless the error says otherwise.
          if (databaseTrouble(error) !== 'unavailable') throw error;
          metrics.databaseUnavailable.inc({ route: 'graphql' });
          throw new GraphQLError('Banco de dados indisponível no momento. Tente novamente em alguns segundos.', {
            extensions: { code: 'SERVICE_UNAVAILABLE', http: { status: 503, headers: new HeaderMap([['retry-after', String(RETRY_AFTER_SECONDS)]]) } },
          });
        });
        return { em, ip: req.ip, services, ...caller };
      },
    }),
  });

  for (const register of routes) await register(app);

  await registerSpa(app);

  // GraphQL over WebSocket on the same port and path.
  registerGraphqlWs({ app, orm, schema, services, log, apollo });

  return app;
}

/** A hop count as proxy-addr reads it (what Fastify does with a number, which its types lack). */
function hopsTrusted(hops: number) {
  return (_address: string, hop: number) => hop < hops;
}

/** Label values of `method`: the request line is unauthenticated input. */
const METRIC_METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);

export interface MetricsRouteOptions {
  /** Refreshes sampled gauges (job queue depth) before each scrape. */
  beforeScrape?: () => Promise<void>;
  /** When set, /metrics answers only `Authorization: Bearer <token>`. */
  token?: string;
  /** False: no /metrics on this listener (production public port without a token). */
  serveMetrics?: boolean;
}

/** /healthz (process alive), /readyz (database reachable) and /metrics. */
export function registerProbes(app: FastifyInstance, orm: MikroORM, metrics: Services['metrics'], options: MetricsRouteOptions = {}): void {
  const { beforeScrape, token, serveMetrics = true } = options;
  app.get('/healthz', async () => ({ ok: true }));
  app.get('/readyz', async (_req, reply) => {
    try {
      await orm.em.getConnection().execute('select 1');
      return { ok: true };
    } catch {
      return reply.code(503).send({ ok: false, error: 'banco de dados indisponível' });
    }
  });
  if (!serveMetrics) return;
  const expected = token === undefined ? undefined : digest(token);
  app.get('/metrics', async (req, reply) => {
    if (expected && !bearerMatches(req.headers.authorization, expected)) {
      return reply.code(401).header('www-authenticate', 'Bearer realm="metrics"').send({ error: 'Métricas exigem Authorization: Bearer <METRICS_TOKEN>.', code: 'UNAUTHENTICATED' });
    }
    await beforeScrape?.().catch(() => {});
    reply.header('content-type', metrics.registry.contentType);
    return metrics.registry.metrics();
  });
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}

/** Constant-time: both sides are hashed to the same length before comparing. */
function bearerMatches(header: string | undefined, expected: Buffer): boolean {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
  return match !== null && timingSafeEqual(digest(match[1]!), expected);
}

/**
 * The separate probes-and-metrics listener (METRICS_PORT): ROLE=worker has no API port, and in
 * production without METRICS_TOKEN the API's metrics are served only here, off the public port.
 */
export async function startProbeServer(log: Logger, orm: MikroORM, metrics: Services['metrics'], host: string, port: number, options: Omit<MetricsRouteOptions, 'serveMetrics'> = {}): Promise<FastifyInstance> {
  const app = Fastify({ loggerInstance: log });
  registerProbes(app, orm, metrics, options);
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
    // `__proto__` keys are dropped and the input-text rule applied (the reviver costs a call per
    // value, so only when one may be there: a NUL or a lone surrogate can only come as a \u escape,
    // since raw control characters are invalid JSON and surrogates invalid UTF-8).
    return /proto|\\u/.test(text) ? JSON.parse(text, revive) : JSON.parse(text);
  } catch {
    throw new InvalidBody('O corpo não é um JSON válido.');
  }
}

/** Reads and discards a request body; resolves at its end, on error, or after `timeoutMs`. */
function drain(stream: IncomingMessage, timeoutMs: number): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      stream.off('end', done);
      stream.off('error', done);
      resolve();
    };
    const timer = setTimeout(done, timeoutMs);
    stream.on('end', done);
    stream.on('error', done);
    stream.resume();
  });
}

function revive(key: string, value: unknown): unknown {
  return key === '__proto__' ? undefined : cleanJsonValue(key, value);
}

/** The headers `helmet(options)` sets, read once from a stand-in response. */
function helmetHeaders(options: HelmetOptions): Record<string, string> {
  const headers: Record<string, string> = {};
  const response = {
    setHeader: (name: string, value: unknown) => void (headers[name.toLowerCase()] = String(value)),
    removeHeader: (name: string) => void delete headers[name.toLowerCase()],
  };
  helmet(options)({} as IncomingMessage, response as unknown as ServerResponse, () => {});
  return headers;
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
