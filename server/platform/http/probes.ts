import type { MikroORM } from '@mikro-orm/postgresql';
import Fastify, { type FastifyInstance } from 'fastify';
import { createHash, timingSafeEqual } from 'node:crypto';
import type { Logger } from '../logger.js';
import type { Metrics } from '../metrics.js';

export interface MetricsRouteOptions {
  /** Refreshes sampled gauges (job queue depth) before each scrape. */
  beforeScrape?: () => Promise<void>;
  /** When set, /metrics answers only `Authorization: Bearer <token>`. */
  token?: string;
  /** False: no /metrics on this listener (production public port without a token). */
  serveMetrics?: boolean;
}

/** /healthz (process alive), /readyz (database reachable) and /metrics. */
export function registerProbes(app: FastifyInstance, orm: MikroORM, metrics: Metrics, options: MetricsRouteOptions = {}): void {
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
export async function startProbeServer(log: Logger, orm: MikroORM, metrics: Metrics, host: string, port: number, options: Omit<MetricsRouteOptions, 'serveMetrics'> = {}): Promise<FastifyInstance> {
  const app = Fastify({ loggerInstance: log });
  registerProbes(app, orm, metrics, options);
  await app.listen({ host, port });
  return app;
}
