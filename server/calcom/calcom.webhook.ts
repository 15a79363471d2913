import type { MikroORM } from '@mikro-orm/postgresql';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { createHash, createHmac, randomUUID, timingSafeEqual } from 'node:crypto';
import { BODY_LIMIT } from '../platform/http/json-body.js';
import { parseJsonBody } from '../shared/json-body.js';
import { rateLimitHook } from '../platform/rate-limit.js';
import { rawStatement } from '../platform/raw-query.js';
import type { Services } from '../wiring/services.js';
import { InvalidEvent, parseWebhook } from './calcom-event.js';
import { metricTrigger, type WebhookApplier } from './webhook-applier.js';

export const WEBHOOK_PATH = '/api/agenda/webhook/cal';

type Rejection = { status: 400 | 401; reason: string; message: string };

/**
 * Stores a verified delivery `pending` with its raw body, in one prepared statement (rawStatement);
 * a replayed body (same company and body hash) stores nothing. This process's applier then applies
 * it, woken in-process.
 */
const STORE = `insert into webhook_deliveries (id, company_id, trigger, booking_uid, body_hash, outcome, event_created_at, received_at, body)
  values ($1, $2, $3, $4, $5, 'pending', $6, clock_timestamp(), $7)
  on conflict (company_id, body_hash) do nothing
  returning id`;

/**
 * `POST /api/agenda/webhook/cal` (ARCHITECTURE §4): acknowledge, then apply. The route verifies the
 * HMAC over the raw bytes and validates the event, stores the delivery and answers 200 once it is
 * durably stored (also for a replay); this instance's `applier` applies it right after.
 * Every 4xx happens before anything is written.
 */
export async function registerCalcomWebhook(app: FastifyInstance, orm: MikroORM, services: Services, applier: Pick<WebhookApplier, 'wake'>): Promise<void> {
  await app.register(async (scope) => {
    // The signature covers the exact bytes Cal.com sent: keep them instead of a re-serialised JSON.
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: BODY_LIMIT }, (_req, body, done) => done(null, body));
    // The signature vouches for the body whatever its label: a blank Content-Type (which Fastify
    // refuses with 415 before any parser runs) is read like any other.
    scope.addHook('onRequest', async (req) => {
      const type = req.headers['content-type'];
      if (type !== undefined && !type.trim()) req.headers['content-type'] = 'application/octet-stream';
    });

    // Per IP, and per company once it is known to exist (Cal.com's cloud posts every tenant's webhooks from few IPs).
    scope.addHook('onRequest', rateLimitHook(services.config.publicRateLimit, Date.now, async (req) => {
      const given = companyOf(req as FastifyRequest<{ Querystring: { company?: string } }>)?.toLowerCase();
      return given && (await services.companies.exists(orm.em, given)) ? given : undefined;
    }));
    scope.post<{ Querystring: { company?: string } }>(WEBHOOK_PATH, async (req, reply) => {
      const raw = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
      // Cal.com cannot add custom headers to a webhook, so the company may also come in the URL.
      const given = companyOf(req);

      // Nothing of a rejected body is trusted: labels and the panel get the company (only once it is
      // known to exist) and a fixed reason, never what the body claims (a label per claimed trigger
      // would let anyone create series).
      const reject = (companyKey: string, r: Rejection) => {
        services.metrics.webhookDeliveries.inc({ company: companyKey, trigger: 'unknown', outcome: 'rejected', reason: r.reason });
        if (r.status === 401) services.metrics.diagnostics.inc({ company: companyKey, symptom: 'webhook_unauthorized' });
        if (companyKey !== 'unknown') services.webhookRejections.add(companyKey, { id: null, at: new Date(), trigger: null, outcome: 'rejected', reason: r.message, bookingUid: null, attempts: 0 });
        req.log.warn({ companyId: companyKey, reason: r.reason }, `Cal.com webhook rejected: ${r.message}`);
        return reply.code(r.status).send({ error: r.message });
      };

      if (!given) return reject('unknown', { status: 401, reason: 'missing_company', message: 'Cabeçalho X-Cal-Company ausente (ou ?company= na URL).' });
      const companyId = given.toLowerCase();
      // Cached (and dropped on every settings change): undefined = no such company, null = no secret.
      const secret = await services.companies.webhookSecret(orm.em, companyId);
      if (secret === undefined) return reject('unknown', { status: 401, reason: 'unknown_company', message: 'Empresa desconhecida em X-Cal-Company.' });

      const verdict = verifySignature(req, raw, secret);
      if (verdict) return reject(companyId, verdict);

      let parsed: ReturnType<typeof parseWebhook>;
      try {
        parsed = parseWebhook(parseJsonBody(raw));
      } catch (error) {
        const message = error instanceof InvalidEvent ? `Evento inválido: ${error.message}.` : error instanceof Error ? error.message : 'Corpo inválido.';
        return reject(companyId, { status: 400, reason: error instanceof InvalidEvent ? 'invalid_event' : 'invalid_json', message });
      }

      const id = randomUUID();
      const rows = await rawStatement<{ id: string }>(orm.em, STORE, [
        id,
        companyId,
        parsed.trigger.slice(0, 100),
        // A no-show event waits behind its booking's earlier events like any other.
        parsed.event?.uid ?? parsed.attendance?.uid ?? null,
        createHash('sha256').update(raw).digest('hex'),
        parsed.event?.at ?? parsed.attendance?.at ?? null,
        // Valid UTF-8 (parseJsonBody checked it) and JSON text, so no raw NUL (a `\u0000` escape is
        // plain text here): stored as sent, so the stored bytes still match the signature. The applier
        // parses it with the same cleaning rule.
        raw.toString('utf8'),
      ]);
      const stored = rows.length > 0;
      if (stored) applier.wake(companyId, id);
      else services.metrics.webhookDeliveries.inc({ company: companyId, trigger: metricTrigger(parsed.trigger), outcome: 'duplicate', reason: '' });
      // On the request's one log line (a burst writes one line per delivery, not two).
      req.logFields = { companyId, trigger: parsed.trigger, uid: parsed.event?.uid ?? parsed.attendance?.uid, deliveryId: stored ? id : undefined, outcome: stored ? 'pending' : 'duplicate' };
      return reply.send({ ok: true });
    });
  });
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

function companyOf(req: FastifyRequest<{ Querystring: { company?: string } }>): string | undefined {
  return header(req, 'x-cal-company') ?? (typeof req.query.company === 'string' ? req.query.company : undefined);
}

function header(req: FastifyRequest, name: string): string | undefined {
  const value = req.headers[name];
  const first = Array.isArray(value) ? value[0] : value;
  return first?.trim() ? first.trim() : undefined;
}
