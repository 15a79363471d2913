import type { MikroORM } from '@mikro-orm/postgresql';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { bearerToken } from '../auth/tokens.js';
import { sendError } from '../platform/http/send-error.js';
import { rateLimitHook } from '../platform/rate-limit.js';
import type { Services } from '../wiring/services.js';
import { parseInbound } from './inbound-payload.js';

interface InboundRoute {
  Params: { companyId: string };
  Querystring: { token?: unknown };
}

/**
 * `POST /api/whaticket/inbound/:companyId` (ARCHITECTURE §4). Thin: authenticate (cached), parse,
 * store in one statement (WhatsappService.receive), answer at once; a worker dispatches the stored
 * message to a job, which produces the reply. Both steps run raw statements only: no EntityManager fork.
 */
export async function registerWhatsappInbound(app: FastifyInstance, orm: MikroORM, services: Services): Promise<void> {
  const knownCompany = async (req: FastifyRequest) => {
    const { companyId } = req.params as InboundRoute['Params'];
    return (await services.companies.exists(orm.em, companyId)) ? companyId : undefined;
  };
  app.post<InboundRoute>(
    '/api/whaticket/inbound/:companyId',
    {
      // Whaticket's server reads the answer, no browser: no page security headers (see FastifyContextConfig).
      config: { browserHeaders: false },
      // Before the body is read: a caller without the token learns nothing, not even "bad JSON".
      onRequest: [rateLimitHook(services.config.publicRateLimit, Date.now, knownCompany), async (req, reply) => {
        const token = bearerToken(req.headers.authorization) ?? (typeof req.query.token === 'string' ? req.query.token.trim() : '');
        const valid = token ? await services.companies.inboundTokenMatches(orm.em, req.params.companyId, token) : false;
        // One answer for a bad token and an unknown company: ids cannot be probed.
        if (!valid) return sendError(reply, 401, 'Token de entrada do Whaticket inválido para esta empresa.', 'UNAUTHENTICATED');
      }],
    },
    async (req, reply) => {
      const { companyId } = req.params;
      const parsed = parseInbound(req.body);
      if (parsed.kind === 'invalid') return sendError(reply, 400, `Mensagem inválida: ${parsed.reason}.`, 'BAD_REQUEST');
      if (parsed.kind === 'ignored') {
        services.metrics.whatsappInbound.inc({ company: companyId, intent: 'ignored', provider: 'whaticket' });
        return { ok: true, ignored: parsed.reason };
      }
      const { duplicate } = await services.whatsapp.receive(orm.em, companyId, parsed, { provider: 'whaticket' });
      return duplicate ? { ok: true, duplicate: true } : { ok: true };
    },
  );
}

