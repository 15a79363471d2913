import { UniqueConstraintViolationException } from '@mikro-orm/core';
import type { MikroORM } from '@mikro-orm/postgresql';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { Company } from '../companies/company.entity.js';
import { isUuid } from '../companies/company.service.js';
import { BODY_LIMIT, parseJsonBody } from '../platform/http.js';
import { rateLimitHook } from '../platform/rate-limit.js';
import type { Services } from '../platform/services.js';
import { InvalidEvent, parseWebhook } from './calcom-event.js';
import { WebhookDelivery } from './webhook-delivery.entity.js';

export const WEBHOOK_PATH = '/api/agenda/webhook/cal';

type Rejection = { status: 400 | 401; reason: string; message: string };

/**
 * `POST /api/agenda/webhook/cal` (ARCHITECTURE §4): verify the HMAC over the raw bytes, then apply
 * the booking event idempotently. Every 4xx happens before anything is written.
 */
export async function registerCalcomWebhook(app: FastifyInstance, orm: MikroORM, services: Services): Promise<void> {
  await app.register(async (scope) => {
    // The signature covers the exact bytes Cal.com sent: keep them instead of a re-serialised JSON.
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: BODY_LIMIT }, (_req, body, done) => done(null, body));

    scope.addHook('onRequest', rateLimitHook(services.config.publicRateLimit));
    scope.post<{ Querystring: { company?: string } }>(WEBHOOK_PATH, async (req, reply) => {
      const raw = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
      // Cal.com cannot add custom headers to a webhook, so the company may also come in the URL.
      const companyId = header(req, 'x-cal-company') ?? (typeof req.query.company === 'string' ? req.query.company : undefined);
      const em = orm.em.fork();

      const reject = (companyKey: string, r: Rejection, trigger: string | null = null) => {
        services.metrics.webhookDeliveries.inc({ company: companyKey, trigger: trigger ?? 'unknown', outcome: 'rejected', reason: r.reason });
        if (r.status === 401) services.metrics.diagnostics.inc({ company: companyKey, symptom: 'webhook_unauthorized' });
        if (companyKey !== 'unknown') services.webhookRejections.add(companyKey, { at: new Date(), trigger, outcome: 'rejected', reason: r.message, bookingUid: null });
        req.log.warn({ companyId: companyKey, reason: r.reason, trigger }, `Cal.com webhook rejected: ${r.message}`);
        return reply.code(r.status).send({ error: r.message });
      };

      if (!companyId) return reject('unknown', { status: 401, reason: 'missing_company', message: 'Cabeçalho X-Cal-Company ausente (ou ?company= na URL).' });
      const company = isUuid(companyId) ? await em.findOne(Company, { id: companyId }) : null;
      if (!company) return reject('unknown', { status: 401, reason: 'unknown_company', message: 'Empresa desconhecida em X-Cal-Company.' });

      const verdict = verifySignature(req, raw, services.companies.integrationsOf(company).cal.webhookSecret);
      if (verdict) return reject(company.id, verdict, claimedTrigger(raw));

      let parsed: ReturnType<typeof parseWebhook>;
      try {
        parsed = parseWebhook(parseJsonBody(raw));
      } catch (error) {
        const message = error instanceof InvalidEvent ? `Evento inválido: ${error.message}.` : error instanceof Error ? error.message : 'Corpo inválido.';
        return reject(company.id, { status: 400, reason: error instanceof InvalidEvent ? 'invalid_event' : 'invalid_json', message });
      }

      const bodyHash = createHash('sha256').update(raw).digest('hex');
      const result = await record(orm, services, company.id, parsed, bodyHash);
      services.metrics.webhookDeliveries.inc({ company: company.id, trigger: metricTrigger(parsed.trigger), outcome: result.outcome, reason: '' });
      req.log.info({ companyId: company.id, trigger: parsed.trigger, uid: parsed.event?.uid, outcome: result.outcome, reason: result.reason }, 'Cal.com webhook');
      return reply.send({ ok: true });
    });
  });
}

async function record(orm: MikroORM, services: Services, companyId: string, parsed: ReturnType<typeof parseWebhook>, bodyHash: string) {
  try {
    return await orm.em.fork().transactional(async (tx) => {
      // The delivery row goes first: a concurrent copy of the same body waits on its unique key
      // and then fails, instead of applying the event a second time.
      const delivery = tx.create(WebhookDelivery, {
        companyId,
        trigger: parsed.trigger.slice(0, 100),
        bookingUid: parsed.event?.uid ?? null,
        bodyHash,
        outcome: 'ignored',
        eventCreatedAt: parsed.event?.at ?? null,
        receivedAt: new Date(),
      });
      await tx.flush();
      const result = parsed.event
        ? await services.calcomSync.apply(tx, companyId, parsed.event, 'webhook')
        : { outcome: 'ignored' as const, reason: parsed.trigger === 'PING' ? 'ping' : 'gatilho não tratado' };
      delivery.outcome = result.outcome;
      delivery.reason = result.reason ?? null;
      await tx.flush();
      return result;
    });
  } catch (error) {
    if (error instanceof UniqueConstraintViolationException) return { outcome: 'duplicate' as const, reason: 'entrega repetida' };
    throw error;
  }
}

function verifySignature(req: FastifyRequest, raw: Buffer, secret: string | null): Rejection | undefined {
  // Cal.com sends X-Cal-Signature-256; our release notes said X-Cal-Signature: accept both.
  const signature = header(req, 'x-cal-signature-256') ?? header(req, 'x-cal-signature');
  if (!signature) return { status: 401, reason: 'missing_signature', message: 'Assinatura ausente (X-Cal-Signature-256).' };
  if (signature === 'no-secret-provided') {
    return { status: 401, reason: 'no_secret_provided', message: 'O webhook no Cal.com está sem segredo ("no-secret-provided"); configure o mesmo segredo nos dois lados.' };
  }
  if (!secret) return { status: 401, reason: 'secret_not_configured', message: 'Esta empresa não tem segredo de webhook configurado.' };
  const expected = Buffer.from(createHmac('sha256', secret).update(raw).digest('hex'), 'utf8');
  const given = Buffer.from(signature.trim().toLowerCase(), 'utf8');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    return { status: 401, reason: 'invalid_signature', message: 'Assinatura inválida: confira o segredo do webhook.' };
  }
  return undefined;
}

function header(req: FastifyRequest, name: string): string | undefined {
  const value = req.headers[name];
  const first = Array.isArray(value) ? value[0] : value;
  return first?.trim() ? first.trim() : undefined;
}

/** For the diagnostics panel only: what an unverified delivery says it is (never acted upon). */
function claimedTrigger(raw: Buffer): string | null {
  try {
    const trigger = (JSON.parse(raw.toString('utf8')) as { triggerEvent?: unknown }).triggerEvent;
    return typeof trigger === 'string' ? metricTrigger(trigger) : null;
  } catch {
    return null;
  }
}

/** Keeps the metric's label set bounded: anything unexpected is "other". */
function metricTrigger(trigger: string): string {
  return /^[A-Z_]{3,40}$/.test(trigger) ? trigger : 'other';
}

