import type { MikroORM } from '@mikro-orm/postgresql';
import type { FastifyInstance } from 'fastify';
import { sendError } from '../platform/http/send-error.js';
import type { Services } from '../wiring/services.js';
import { inboundTokenHooks } from './inbound-auth.js';
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
  app.post<InboundRoute>(
    '/api/whaticket/inbound/:companyId',
    {
      // Whaticket's server reads the answer, no browser: no page security headers (see FastifyContextConfig).
      config: { browserHeaders: false },
      onRequest: inboundTokenHooks({ orm, services }, 'Token de entrada do Whaticket inválido para esta empresa.'),
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

