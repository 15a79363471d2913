import { HeaderMap } from '@apollo/server';
import { fastifyApolloDrainPlugin, fastifyApolloHandler } from '@as-integrations/fastify';
import cors from '@fastify/cors';
import helmet, { type HelmetOptions } from 'helmet';
import type { MikroORM } from '@mikro-orm/postgresql';
import Fastify, { LogController, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { GraphQLError, type GraphQLSchema } from 'graphql';
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ApiFirst } from '../api-first.js';
import { resolveCaller, type PlatformServices, type RequestContext } from '../context.js';
import { databaseTrouble, RETRY_AFTER_SECONDS } from '../database-errors.js';
import { DomainError, HTTP_STATUS } from '../errors.js';
import { createApollo } from '../graphql.js';
import { registerGraphqlWs } from './graphql-ws.js';
import { graphqlBoundaryPlugin } from '../graphql-boundary.js';
import { cleanJson } from '../../shared/input-text.js';
import { BODY_LIMIT, registerJsonBody } from './json-body.js';
import { registerProbes } from './probes.js';
import { sendError } from './send-error.js';
import { registerSpa } from './spa.js';
import type { Logger } from '../logger.js';

export interface HttpDeps {
  log: Logger;
  orm: MikroORM;
  schema: GraphQLSchema;
  /** The service graph: what this layer reads of it is `PlatformServices`; resolvers get all of it. */
  services: PlatformServices;
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
  interface FastifyContextConfig {
    /**
     * `false` on machine-to-machine routes whose JSON answers no browser renders (the WhatsApp
     * provider's inbound POST): helmet's page headers (CSP, frame, HSTS…) protect nothing there and
     * were a sixth of that route's server CPU with the client's parsing of them; `nosniff` stays.
     */
    browserHeaders?: false;
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
  // One hook for what every request gets first (each async hook costs a promise per request).
  app.addHook('onRequest', async (req, reply) => {
    reply.header('x-request-id', req.id);
    if (req.routeOptions.config.browserHeaders === false) reply.header('x-content-type-options', 'nosniff');
    else reply.headers(securityHeaders);
    // The input-text rule on the query string and path parameters (a NUL can only come percent-encoded).
    if (req.url.includes('%')) {
      cleanJson(req.query);
      cleanJson(req.params);
    }
  });

  registerJsonBody(app);
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
        const caller = await resolveCaller(services.auth, em, req.headers.authorization).catch((error: unknown) => {
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
