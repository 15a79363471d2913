import { HeaderMap } from '@apollo/server';
import { fastifyApolloDrainPlugin, fastifyApolloHandler } from '@as-integrations/fastify';
import cors from '@fastify/cors';
import helmet, { type HelmetOptions } from 'helmet';
import fastifyStatic from '@fastify/static';
import type { EntityManager, MikroORM } from '@mikro-orm/postgresql';
import Fastify, { LogController, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { createSourceEventStream, execute, GraphQLError, parse, specifiedRules, validate, type DocumentNode, type ExecutionArgs, type ExecutionResult, type GraphQLSchema } from 'graphql';
import { isAsyncIterable } from 'graphql/jsutils/isAsyncIterable.js';
import { isPromise } from 'graphql/jsutils/isPromise.js';
import type { PromiseOrValue } from 'graphql/jsutils/PromiseOrValue.js';
import { useServer } from 'graphql-ws/use/ws';
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { WebSocketServer } from 'ws';
import type { ApiFirst } from './api-first.js';
import { resolveCaller, type RequestContext } from './context.js';
import { databaseTrouble, RETRY_AFTER_SECONDS } from './database-errors.js';
import { DomainError, HTTP_STATUS } from './errors.js';
import { createApollo, depthLimit, MAX_DEPTH } from './graphql.js';
import { graphqlBoundaryPlugin } from './graphql-boundary.js';
import { cleanDocument, cleanJson, cleanJsonValue } from './input-text.js';
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
      { route, method: req.method, status: `${Math.floor(reply.statusCode / 100)}xx` },
      reply.elapsedTime / 1000,
    );
  });

  // helmet's headers do not depend on the request: computed once (the Fastify plugin rebuilds its
  // middleware on every request, ~5% of the CPU of a small JSON answer).
  const securityHeaders = helmetHeaders({
    contentSecurityPolicy: {
      directives: {
        defaultSrc: ["'self'"],
        connectSrc: ["'self'", 'ws:', 'wss:'],
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

  registerProbes(app, orm, metrics, beforeScrape);

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

  // GraphQL subscriptions (graphql-transport-ws) on the same port and path.
  const wsServer = new WebSocketServer({ noServer: true, maxPayload: 64 * 1024 });
  app.server.on('upgrade', (req, socket, head) => {
    if (new URL(req.url ?? '/', 'http://x').pathname !== '/graphql') return socket.destroy();
    wsServer.handleUpgrade(req, socket, head, (ws) => wsServer.emit('connection', ws, req));
  });
  const documentFor = subscriptionDocuments(schema);
  const wsCleanup = useServer<Record<string, unknown>, { ctx?: ConnectionContext }>(
    {
      schema,
      onConnect: async (ctx) => {
        const authorization = ctx.connectionParams?.authorization;
        const caller = await resolveCaller(services, orm.em.fork(), typeof authorization === 'string' ? authorization : undefined);
        // Subscriptions require credentials: refuse the connection (4403) instead of failing later.
        if (!caller.tenant) return false;
        // Only plain values live as long as the connection; the EntityManager used for the
        // authentication above is dropped here.
        ctx.extra.ctx = { ip: ctx.extra.request.socket.remoteAddress ?? '', services, ...caller };
        return true;
      },
      subscribe: sharedSubscribe,
      // One parse and validation per distinct query text, shared by every subscriber that sends it.
      onSubscribe: (_ctx, _id, payload) => {
        let checked: CheckedDocument;
        try {
          checked = documentFor(payload.query);
        } catch (error) {
          // A syntax error is the client's: an error for this operation, not the socket closed with 4500.
          if (error instanceof GraphQLError) return [error];
          throw error;
        }
        const { document, errors } = checked;
        if (errors.length > 0) return errors;
        return { schema, document, variableValues: cleanJson(payload.variables), operationName: payload.operationName };
      },
      context: (ctx): RequestContext => {
        // An EntityManager is forked only if a resolver asks for one: an idle subscription never does.
        let em: EntityManager | undefined;
        return {
          ...ctx.extra.ctx!,
          get em() {
            return (em ??= orm.em.fork());
          },
        };
      },
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

/** What a WebSocket connection keeps between its subscriptions: the caller, never an EntityManager. */
type ConnectionContext = Omit<RequestContext, 'em'>;

/** Distinct subscription query texts kept parsed and validated; the oldest is evicted beyond either bound. */
export const MAX_CACHED_DOCUMENTS = 500;
/** A parsed document takes ~60 bytes of heap per character of query text: this caps the cache near 16 MB. */
export const MAX_CACHED_QUERY_CHARS = 256 * 1024;
/** Longer texts (far beyond any real subscription) are parsed for each subscription instead. */
const MAX_CACHED_QUERY_LENGTH = 16 * 1024;

interface CheckedDocument {
  document: DocumentNode;
  /** Empty when the document is valid. */
  errors: readonly GraphQLError[];
}

/**
 * Parses and validates (`specifiedRules` and the HTTP depth limit) each distinct query text once, so
 * every subscriber sending the same text shares one document. Syntax errors throw, as graphql-ws's
 * own `parse` does (the socket is closed with 4500), and are not cached.
 */
export function subscriptionDocuments(schema: GraphQLSchema): (query: string) => CheckedDocument {
  const rules = [...specifiedRules, depthLimit(MAX_DEPTH)];
  const cache = new Map<string, CheckedDocument>();
  let cachedChars = 0;
  return (query) => {
    const cached = cache.get(query);
    if (cached) return cached;
    const document = cleanDocument(parse(query));
    const checked = { document, errors: validate(schema, document, rules) };
    if (query.length <= MAX_CACHED_QUERY_LENGTH) {
      // Map iteration follows insertion order: the first key is the oldest.
      while (cache.size >= MAX_CACHED_DOCUMENTS || cachedChars + query.length > MAX_CACHED_QUERY_CHARS) {
        const oldest = cache.keys().next().value!;
        cache.delete(oldest);
        cachedChars -= oldest.length;
      }
      cache.set(query, checked);
      cachedChars += query.length;
    }
    return checked;
  };
}

/**
 * graphql's `subscribe`, except that one event is executed once per (document, operation,
 * variables) and the result shared by every subscriber that sent them: an event reaches all local
 * subscribers of its company as the same object, and what a subscription selects depends only on the
 * event (no field of a change reads the caller), so 200 subscribers of one company cost one execution.
 */
async function sharedSubscribe(args: ExecutionArgs): Promise<AsyncIterableIterator<ExecutionResult> | ExecutionResult> {
  const stream = await createSourceEventStream(args);
  if (!isAsyncIterable(stream)) return stream;
  const key = `${args.operationName ?? ''}\u0000${JSON.stringify(args.variableValues ?? {})}`;
  return mapEvents(stream[Symbol.asyncIterator](), (event: unknown) => {
    if (typeof event !== 'object' || event === null) return execute({ ...args, rootValue: event });
    let byDocument = sharedResults.get(event);
    if (!byDocument) sharedResults.set(event, (byDocument = new WeakMap()));
    let byKey = byDocument.get(args.document);
    if (!byKey) byDocument.set(args.document, (byKey = new Map()));
    let result = byKey.get(key);
    if (!result) byKey.set(key, (result = execute({ ...args, rootValue: event })));
    return result;
  });
}
const sharedResults = new WeakMap<object, WeakMap<DocumentNode, Map<string, PromiseOrValue<ExecutionResult>>>>();

/**
 * `source` with each event mapped to its result, with one promise per event (graphql-js's
 * `mapAsyncIterator` takes several): this runs once per event per subscriber. A mapping error ends
 * the source and is thrown to the consumer (graphql-ws sends it as the subscription's error).
 */
function mapEvents(source: AsyncIterator<unknown>, map: (event: unknown) => PromiseOrValue<ExecutionResult>): AsyncIterableIterator<ExecutionResult> {
  const close = async () => {
    await source.return?.().catch(() => {});
  };
  const settle = (step: IteratorResult<unknown>): PromiseOrValue<IteratorResult<ExecutionResult>> => {
    if (step.done) return { value: undefined, done: true };
    let result: PromiseOrValue<ExecutionResult>;
    try {
      result = map(step.value);
    } catch (error) {
      return close().then(() => Promise.reject(error));
    }
    return isPromise(result) ? result.then((value) => ({ value, done: false }), (error) => close().then(() => Promise.reject(error))) : { value: result, done: false };
  };
  const iterator: AsyncIterableIterator<ExecutionResult> = {
    next: () => source.next().then(settle),
    return: async () => {
      await close();
      return { value: undefined, done: true };
    },
    throw: async (error?: unknown) => {
      await close();
      throw error;
    },
    [Symbol.asyncIterator]: () => iterator,
  };
  return iterator;
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
