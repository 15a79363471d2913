import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { sendError } from '../../platform/http/send-error.js';
import { inboundTokenHooks } from '../inbound-auth.js';
import { parseEvolutionDelivery } from './evolution-payload.js';
import { acceptInbound } from './inbound-accept.js';
import type { ProviderRouteDeps, WhatsappProviderAdapter } from './provider.js';

interface EvolutionRoute {
  Params: { companyId: string; event?: string };
  Querystring: { token?: unknown };
}

/**
 * `POST /api/whatsapp/evolution/:companyId` (ARCHITECTURE §10), also with the per-event suffix
 * Evolution adds when `byEvents` is on (`…/messages-upsert`). Evolution signs nothing: the company's
 * inbound token comes as `Authorization: Bearer` (set in the webhook's `headers`) or `?token=`. It is
 * checked by its SHA-256 against the stored hash, so response time says nothing about the token.
 * 200 once stored (duplicates of one `key.id` change nothing); Evolution retries non-2xx answers.
 */
export function registerEvolutionInbound(app: FastifyInstance, { orm, services }: ProviderRouteDeps, adapter: WhatsappProviderAdapter): void {
  const options = {
    // Evolution's server reads the answer, no browser: no page security headers (see FastifyContextConfig).
    config: { browserHeaders: false as const },
    onRequest: inboundTokenHooks(
      { orm, services },
      'Token de entrada inválido para esta empresa (use o token de entrada no cabeçalho Authorization do webhook da Evolution API).',
    ),
  };
  const handler = async (req: FastifyRequest<EvolutionRoute>, reply: FastifyReply) => {
    const { companyId, event } = req.params;
    if (event !== undefined && !/^[a-z]+(?:-[a-z]+){0,4}$/.test(event)) return sendError(reply, 404, 'Rota desconhecida.', 'NOT_FOUND');
    const parsed = parseEvolutionDelivery(req.body);
    if (parsed.kind === 'invalid') return sendError(reply, 400, `Evento inválido: ${parsed.reason}.`, 'BAD_REQUEST');
    return acceptInbound(orm.em, services, companyId, adapter, parsed);
  };
  app.post<EvolutionRoute>('/api/whatsapp/evolution/:companyId', options, handler);
  app.post<EvolutionRoute>('/api/whatsapp/evolution/:companyId/:event', options, handler);
}
