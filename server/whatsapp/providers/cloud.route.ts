import type { EntityManager } from '@mikro-orm/postgresql';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { createHash, timingSafeEqual } from 'node:crypto';
import { CLOUD_API_TEXTS as C } from '../../platform/messages.js';
import { BODY_LIMIT } from '../../platform/http/json-body.js';
import { sendError } from '../../platform/http/send-error.js';
import { rateLimitHook } from '../../platform/rate-limit.js';
import { InvalidBody, parseJsonBody } from '../../shared/json-body.js';
import { placeholders } from '../handoff.js';
import { acceptInbound } from './inbound-accept.js';
import { parseCloudWebhook } from './cloud-payload.js';
import { verifyMetaSignature } from './cloud-signature.js';
import type { ProviderRouteDeps, WhatsappProviderAdapter } from './provider.js';

export const CLOUD_PATH = '/api/whatsapp/cloud/:companyId';

/** Meta sends an integer; anything we echo stays short and plain (it goes back as the response body). */
const CHALLENGE = /^[A-Za-z0-9_-]{1,200}$/;
/** Meta's failed-status code for a free-form message outside the 24-hour window. */
const WINDOW_CLOSED = '131047';

interface CloudRoute {
  Params: { companyId: string };
  Querystring: Record<string, unknown>;
}

/**
 * `GET|POST /api/whatsapp/cloud/:companyId` (ARCHITECTURE §10, ref whatsapp-cloud-api.md §1–§2, §6).
 * GET answers Meta's verify handshake with the company's verify token (403 otherwise). POST checks
 * `X-Hub-Signature-256` with the company's app secret over the raw bytes before anything else (401,
 * nothing written), keeps only items for the company's phone number id, stores messages (deduped on
 * the wamid) and statuses through `acceptInbound`, and answers 200 once they are stored: Meta
 * retries anything else for days. A reminder Meta failed with 131047 is put back to go as template.
 */
export async function registerCloudRoutes(app: FastifyInstance, { orm, services }: ProviderRouteDeps, adapter: WhatsappProviderAdapter): Promise<void> {
  const knownCompany = async (req: FastifyRequest) => {
    const { companyId } = req.params as CloudRoute['Params'];
    return (await services.companies.exists(orm.em, companyId)) ? companyId : undefined;
  };
  await app.register(async (scope) => {
    // The signature covers the exact bytes Meta sent: keep them, parse only once they are verified.
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: BODY_LIMIT }, (_req, body, done) => done(null, body));
    scope.addHook('onRequest', async (req) => {
      const type = req.headers['content-type'];
      if (type !== undefined && !type.trim()) req.headers['content-type'] = 'application/octet-stream';
    });
    scope.addHook('onRequest', rateLimitHook(services.config.publicRateLimit, Date.now, knownCompany));

    // Meta's servers read the answers, no browser: no page security headers (see FastifyContextConfig).
    const machineOnly = { config: { browserHeaders: false as const } };
    scope.get<CloudRoute>(CLOUD_PATH, machineOnly, async (req, reply) => {
      const { companyId } = req.params;
      const query = req.query;
      const keys = await services.companies.cloudWebhookKeys(orm.em, companyId);
      const given = typeof query['hub.verify_token'] === 'string' ? query['hub.verify_token'] : '';
      if (query['hub.mode'] !== 'subscribe' || !keys?.verifyToken || !given || !sameSecret(given, keys.verifyToken)) {
        req.log.warn({ companyId }, 'Cloud API verify handshake refused');
        return sendError(reply, 403, C.verifyRefused, 'FORBIDDEN');
      }
      const challenge = query['hub.challenge'];
      if (typeof challenge !== 'string' || !CHALLENGE.test(challenge)) return sendError(reply, 400, C.challengeInvalid, 'BAD_REQUEST');
      return reply.type('text/plain; charset=utf-8').send(challenge);
    });

    scope.post<CloudRoute>(CLOUD_PATH, machineOnly, async (req, reply) => {
      const { companyId } = req.params;
      const raw = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
      const keys = await services.companies.cloudWebhookKeys(orm.em, companyId);
      const header = req.headers['x-hub-signature-256'];
      const verdict = keys?.appSecret ? verifyMetaSignature(raw, Array.isArray(header) ? header[0] : header, keys.appSecret) : 'invalid';
      // One answer for an unknown company, a missing secret and a bad signature: ids cannot be probed.
      if (verdict !== 'valid' || !keys) {
        if (keys) services.metrics.diagnostics.inc({ company: companyId, symptom: 'cloud_webhook_unauthorized' });
        req.log.warn({ companyId, verdict }, 'Cloud API delivery refused: signature');
        return sendError(reply, 401, C.signatureInvalid, 'UNAUTHENTICATED');
      }
      return accept(req, reply, raw, keys.phoneNumberId);
    });
  });

  async function accept(req: FastifyRequest<CloudRoute>, reply: FastifyReply, raw: Buffer, phoneNumberId: string | null) {
    const { companyId } = req.params;
    let body: unknown;
    try {
      body = parseJsonBody(raw);
    } catch (error) {
      return sendError(reply, 400, error instanceof InvalidBody ? error.message : 'Corpo inválido.', 'BAD_REQUEST');
    }
    // Without a phone number id nothing can be attributed to this company: all ignored (and said so).
    const parsed = parseCloudWebhook(body, phoneNumberId ?? '');
    if (parsed.kind === 'invalid') return sendError(reply, 400, `Notificação inválida: ${parsed.reason}.`, 'BAD_REQUEST');
    const em = orm.em.fork();
    if (parsed.statuses.length) await awaitUnknownSends(em, companyId, parsed.statuses.map((s) => s.providerMessageId));
    const accepted = await acceptInbound(em, services, companyId, adapter, parsed);
    const closed = parsed.statuses.filter((s) => s.status === 'FAILED' && s.error?.code === WINDOW_CLOSED).map((s) => s.providerMessageId);
    const resent = closed.length ? await services.whatsapp.resendAsTemplate(em, companyId, closed) : 0;
    req.logFields = { companyId, stored: accepted.stored, duplicates: accepted.duplicates, statuses: accepted.statuses, ignored: accepted.ignored.length, resent };
    return reply.send({ ...accepted, ...(resent ? { resentAsTemplate: resent } : {}) });
  }
}

/** How long a status delivery may wait for a send in flight (it is acknowledged after that anyway). */
const IN_FLIGHT_WAIT = '2s';

/**
 * Meta may report a status ("sent", or "failed" 131047) before our send's transaction has committed
 * the wamid it answered: the status would match nothing and be lost (and a reminder refused for
 * the closed window never resent). When a reported wamid is unknown, wait for the company's sends in
 * flight (their rows are locked until commit), briefly; then the statuses apply as usual.
 *
 * Cost when a wamid is unknown for good (a message sent by another tool on the same number, which
 * Meta reports on every status): besides the indexed probe, a transaction that share-locks every
 * PENDING row of the company, found through the (company_id, …) index, so over all its outbound
 * history; it waits up to IN_FLIGHT_WAIT for each send in flight (the webhook's answer waits too),
 * and meanwhile an outbox worker updating one of those rows waits for it.
 */
async function awaitUnknownSends(em: EntityManager, companyId: string, wamids: string[]): Promise<void> {
  const unique = [...new Set(wamids)];
  const known = await em.execute<Array<{ n: number }>>(
    `select count(distinct provider_message_id)::int as n from outbound_messages where company_id = ? and provider_message_id in (${placeholders(unique)})`,
    [companyId, ...unique],
  );
  if ((known[0]?.n ?? 0) === unique.length) return;
  try {
    await em.transactional(async (tx) => {
      await tx.execute(`set local lock_timeout = '${IN_FLIGHT_WAIT}'`);
      await tx.execute(`select id from outbound_messages where company_id = ? and status = 'PENDING' for share`, [companyId]);
    });
  } catch (error) {
    // A send still in flight after the wait: the statuses apply to what is committed.
    if (!(error instanceof Error) || !/lock timeout/i.test(error.message)) throw error;
  }
}

/** Constant-time equality of two secrets of any length (compared as digests). */
function sameSecret(given: string, expected: string): boolean {
  const digest = (value: string) => createHash('sha256').update(value, 'utf8').digest();
  return timingSafeEqual(digest(given), digest(expected));
}
