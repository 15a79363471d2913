import { LockMode } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import { randomUUID } from 'node:crypto';
import type { AppointmentService } from '../appointments/appointment.service.js';
import { audit, type Actor } from '../audit/audit.service.js';
import { requireAdmin, type Tenant } from '../auth/tenant.js';
import type { CompanyService } from '../companies/company.service.js';
import { badInput } from '../platform/errors.js';
import type { Logger } from '../platform/logger.js';
import type { OutboundGuard } from '../platform/outbound-guard.js';
import type { Metrics } from '../platform/metrics.js';
import { Contact } from './contact.entity.js';
import { ConversationEngine, DEFAULT_WHATSAPP_SETTINGS, type Turn, type WhatsappSettings } from './conversation.engine.js';
import { Conversation } from './conversation.entity.js';
import { InboundMessage } from './inbound-message.entity.js';
import { MAX_TEXT_LENGTH, type InboundText } from './inbound-payload.js';
import { OutboundMessage } from './outbound-message.entity.js';
import { brazilianVariants, canonicalPhone, normalizePhone } from '../shared/phone.js';
import { WhaticketClient, WhaticketError } from './whaticket.client.js';

/** Where the service hands work to the durable queues (pg-boss, see whatsapp.jobs.ts). */
export interface WhatsappQueue {
  processInbound(inboundIds: string[]): Promise<unknown>;
  sendOutbound(outboundIds: string[]): Promise<unknown>;
}

export interface ChatMessage {
  id: string;
  direction: 'IN' | 'OUT';
  body: string;
  at: Date;
  status: string;
}

export interface Received {
  /** True when this (company, message id) was stored before: nothing new is processed. */
  duplicate: boolean;
  value: ChatMessage | null;
}

/** A reply attempt that failed in a way worth retrying later. */
export class SendRetry extends Error {
  override name = 'SendRetry';
}

/** Attempts per outbound row across all jobs (each attempt that reached Whaticket or failed to). */
export const MAX_SEND_ATTEMPTS = 12;
/** Messages older than this are not answered any more: a reply a day late confuses more than it helps. */
const STALE_AFTER = '1 day';
/** Stored but not picked up after this: the enqueue was lost (crash between commit and send). */
const LOST_AFTER = '1 minute';
/** Messages re-enqueued at a worker's start (`requeueInFlight`); the sweep covers any beyond. */
const IN_FLIGHT_LIMIT = 500;
const TRANSCRIPT_LIMIT = 100;
/** Stored messages turned into jobs per dispatcher step. */
const DISPATCH_BATCH = 200;
/** `pg_notify` channel of messages stored by API-only processes (payload-free: the dispatcher reads the table). */
export const INBOUND_CHANNEL = 'secretaria_inbound';

const WHATSAPP_ACTOR = (contact: { id: string; phone: string; name: string }): Actor => ({
  type: 'WHATSAPP',
  id: contact.id,
  label: contact.name || contact.phone,
});

/**
 * WhatsApp conversations of every company: store inbound messages (deduplicated), process them one
 * contact at a time, and deliver replies through the durable outbox.
 *
 * Exactly once: `(company_id, message_id)` makes a redelivery a no-op; a job locks the contact's
 * conversation row (FOR UPDATE) and re-checks the message is still RECEIVED before deciding, and
 * marks it PROCESSED in the same transaction as the new state and the replies
 * (`(company_id, dedupe_key)` = `reply:<inbound id>:<n>`). Booking itself goes through
 * AppointmentService, whose slot claim is a unique index.
 */
export class WhatsappService {
  readonly engine: ConversationEngine;
  /** Clock of the bot (tests may pin it). */
  now: () => Date = () => new Date();
  private queue: WhatsappQueue | undefined;
  private log: Logger | undefined;
  /** This process's dispatcher (worker roles only; see `receive`). */
  private dispatcher: { wake(): void } | undefined;

  constructor(
    private readonly deps: {
      companies: CompanyService;
      appointments: AppointmentService;
      metrics: Metrics;
      /** The tenant-URL guard; without it the client's strict default applies. */
      outbound?: OutboundGuard;
      settings?: Partial<WhatsappSettings>;
    },
  ) {
    this.engine = new ConversationEngine(deps.appointments, { ...DEFAULT_WHATSAPP_SETTINGS, ...deps.settings }, deps.metrics);
  }

  get settings(): WhatsappSettings {
    return this.engine.settings;
  }

  /** Called once by the composition root when the queues exist (with the dispatcher in worker roles). */
  attach(queue: WhatsappQueue, log: Logger, dispatcher?: { wake(): void }): void {
    this.queue = queue;
    this.log = log;
    this.dispatcher = dispatcher;
  }

  // ---- inbound ----------------------------------------------------------------------------------

  /**
   * Stores one message in one statement; the contact is resolved by the job. A message id seen
   * before is a duplicate and changes nothing. Then the dispatcher is woken: this process's own when
   * it runs one (worker roles), otherwise every worker's through a NOTIFY sent at commit. Only then:
   * notifying transactions commit one at a time (PostgreSQL's global notify lock), which would halve
   * the messages a worker role can store per second.
   */
  async receive(em: EntityManager, companyId: string, message: InboundText, options: { simulated?: boolean } = {}): Promise<Received> {
    const dispatcher = this.dispatcher;
    const store = `insert into inbound_messages (id, company_id, message_id, phone, sender_name, body, media, status, simulated, received_at)
       values (?, ?, ?, ?, ?, ?, ?, 'RECEIVED', ?, clock_timestamp())
       on conflict (company_id, message_id) do nothing
       returning id, received_at`;
    const rows = await em.execute<Array<{ id: string; received_at: Date }>>(
      dispatcher ? store : `with stored as (${store}) select id, received_at, pg_notify('${INBOUND_CHANNEL}', '') from stored`,
      [randomUUID(), companyId, message.messageId, message.phone, message.name, message.text, message.media ?? null, options.simulated === true],
    );
    const stored = rows[0];
    if (!stored) {
      this.deps.metrics.whatsappInbound.inc({ company: companyId, intent: 'duplicate' });
      return { duplicate: true, value: null };
    }
    dispatcher?.wake();
    return {
      duplicate: false,
      value: { id: stored.id, direction: 'IN', body: message.text, at: new Date(stored.received_at), status: 'RECEIVED' },
    };
  }

  /**
   * Dispatcher step (worker roles, woken by INBOUND_CHANNEL): turns up to DISPATCH_BATCH stored
   * messages into processing jobs. Claimed with SKIP LOCKED, so several workers never dispatch one
   * message twice; a crash between the claim and the enqueue is covered by the sweep. Resolves true
   * when there may be more.
   */
  async dispatch(em: EntityManager): Promise<boolean> {
    const rows = await em.execute<Array<{ id: string }>>(
      `with picked as (
         select id from inbound_messages where dispatched_at is null
          order by received_at, id limit ${DISPATCH_BATCH} for update skip locked)
       update inbound_messages m set dispatched_at = now() from picked where m.id = picked.id
       returning m.id`,
    );
    await this.enqueue('inbound', rows.map((r) => r.id));
    return rows.length === DISPATCH_BATCH;
  }

  private async upsertContact(tx: EntityManager, companyId: string, phone: string, name: string): Promise<string> {
    // Only a non-empty, changed name touches an existing row (WhatsApp sends pushName on every message).
    const upserted = await tx.execute<Array<{ id: string }>>(
      `insert into contacts (id, company_id, phone, name, created_at, updated_at) values (?, ?, ?, ?, now(), now())
       on conflict (company_id, phone) do update set name = excluded.name, updated_at = now()
         where excluded.name <> '' and excluded.name <> contacts.name
       returning id`,
      [randomUUID(), companyId, phone, name],
    );
    if (upserted[0]) return upserted[0].id;
    const existing = await tx.execute<Array<{ id: string }>>('select id from contacts where company_id = ? and phone = ?', [companyId, phone]);
    return existing[0]!.id;
  }

  /**
   * Job handler for one stored message. Earlier unprocessed messages of the same contact are handled
   * first, each in its own transaction, so replies follow the order the person wrote in even when
   * several workers pick up a burst of messages.
   */
  async processInbound(em: EntityManager, inboundId: string, options: { final?: boolean } = {}): Promise<void> {
    const heads = await em.execute<Array<{ phone: string }>>('select phone from inbound_messages where id = ?', [inboundId]);
    if (!heads[0]) return;
    // One person may write from both spellings of a Brazilian mobile (with and without the 9).
    const phones = brazilianVariants(heads[0].phone);
    const ids = await em.execute<Array<{ id: string }>>(
      `select m.id from inbound_messages m
         join inbound_messages head on head.id = ?
        where m.company_id = head.company_id and m.phone in (${placeholders(phones)}) and m.status = 'RECEIVED'
          and (m.received_at, m.id) <= (head.received_at, head.id)
        order by m.received_at, m.id`,
      [inboundId, ...phones],
    );
    for (const { id } of ids) {
      try {
        await this.processOne(em.fork(), id);
      } catch (error) {
        if (options.final && id === inboundId) await this.markFailed(em.fork(), id, error);
        throw error;
      }
    }
  }

  private async processOne(em: EntityManager, inboundId: string): Promise<void> {
    const done = await em.transactional(async (tx) => {
      const refs = await tx.execute<Array<{ company_id: string; contact_id: string | null; phone: string; sender_name: string; status: string }>>(
        'select company_id, contact_id, phone, sender_name, status from inbound_messages where id = ?',
        [inboundId],
      );
      const ref = refs[0];
      if (!ref || ref.status !== 'RECEIVED') return null;
      const companyId = ref.company_id;
      const contactId = ref.contact_id ?? (await this.upsertContact(tx, companyId, canonicalPhone(ref.phone), ref.sender_name));

      // The conversation row is the per-contact lock: two messages of one person (or two deliveries
      // of one "1") are decided one after the other, on any number of workers.
      await tx.execute(
        `insert into conversations (id, company_id, contact_id, state, data, version, created_at, updated_at)
         values (?, ?, ?, 'IDLE', '{}', 1, now(), now()) on conflict (company_id, contact_id) do nothing`,
        [randomUUID(), companyId, contactId],
      );
      const conversation = await tx.findOneOrFail(Conversation, { companyId, contactId }, { lockMode: LockMode.PESSIMISTIC_WRITE });
      const message = await tx.findOneOrFail(InboundMessage, { id: inboundId }, { lockMode: LockMode.PESSIMISTIC_WRITE });
      if (message.status !== 'RECEIVED') return null;
      message.contactId = contactId;

      const contact = await tx.findOneOrFail(Contact, { id: contactId, companyId });
      const company = await this.deps.companies.integrations(tx, companyId);
      if (!company) return null;
      const person = { id: contact.id, phone: contact.phone, name: message.senderName || contact.name };
      const turn: Turn = {
        tx,
        side: em.fork(),
        scope: { companyId, actor: WHATSAPP_ACTOR(person) },
        companyId,
        timeZone: company.timezone,
        now: this.now(),
        inboundId,
        contact: person,
        conversation,
      };
      const result = await this.engine.handle(turn, message.body, message.media ?? undefined);

      const outboundIds = await this.insertReplies(tx, message, result.replies);
      if (outboundIds.length > 0) {
        audit(tx, companyId, turn.scope.actor, 'bot.reply', `conversation:${conversation.id}`, {
          inboundId,
          outboundIds,
          captured: message.simulated,
        });
      }
      message.status = result.handled ? 'PROCESSED' : 'IGNORED';
      message.outcome = `${result.intent.toLowerCase()}:${result.outcome}`;
      message.processedAt = new Date();
      return { companyId, intent: result.intent, outboundIds, simulated: message.simulated };
    });
    if (!done) return;

    const { metrics } = this.deps;
    metrics.whatsappInbound.inc({ company: done.companyId, intent: done.intent.toLowerCase() });
    if (done.simulated) {
      if (done.outboundIds.length) metrics.whatsappOutbound.inc({ company: done.companyId, outcome: 'captured' }, done.outboundIds.length);
      return;
    }
    await this.enqueue('outbound', done.outboundIds);
  }

  /** The outbox rows, in the decision's transaction. Simulator replies are captured, never sent. */
  private async insertReplies(tx: EntityManager, message: InboundMessage, replies: string[]): Promise<string[]> {
    const ids: string[] = [];
    for (const [index, body] of replies.entries()) {
      // clock_timestamp(): distinct, increasing times inside one transaction keep the replies in order.
      const rows = await tx.execute<Array<{ id: string }>>(
        `insert into outbound_messages (id, company_id, contact_id, phone, body, dedupe_key, status, attempts, created_at)
         values (?, ?, ?, ?, ?, ?, ?, 0, clock_timestamp())
         on conflict (company_id, dedupe_key) do nothing
         returning id`,
        [randomUUID(), message.companyId, message.contactId, message.phone, body, `reply:${message.id}:${index + 1}`, message.simulated ? 'CAPTURED' : 'PENDING'],
      );
      if (rows[0]) ids.push(rows[0].id);
    }
    return ids;
  }

  private async markFailed(em: EntityManager, inboundId: string, error: unknown): Promise<void> {
    const reason = error instanceof Error ? error.message : String(error);
    await em.execute(
      `update inbound_messages set status = 'FAILED', outcome = ?, processed_at = now() where id = ? and status = 'RECEIVED'`,
      [`error:${reason}`.slice(0, 500), inboundId],
    );
  }

  // ---- outbound ---------------------------------------------------------------------------------

  /**
   * Job handler for one reply. It drains the contact's whole outbox in order, stopping at the first
   * failure, so the person reads the replies in the order they were decided, and the first job to
   * get through after an outage delivers the held-back ones at once. A retryable failure throws
   * `SendRetry` for pg-boss to retry with backoff; `final` marks the job's reply FAILED instead.
   */
  async sendOutbound(em: EntityManager, outboundId: string, options: { final?: boolean } = {}): Promise<void> {
    const ids = await em.execute<Array<{ id: string }>>(
      `select m.id from outbound_messages m
         join outbound_messages head on head.id = ?
        where m.company_id = head.company_id and m.status = 'PENDING'
          and (m.id = head.id or m.contact_id = head.contact_id)
        order by m.created_at, m.dedupe_key`,
      [outboundId],
    );
    for (const { id } of ids) {
      const retry = await this.sendOne(em.fork(), id);
      if (!retry) continue;
      if (options.final) {
        await this.giveUp(em.fork(), outboundId, retry.message);
        return;
      }
      throw retry;
    }
  }

  /** Sends one PENDING row under its row lock, so concurrent jobs never send it twice. */
  private async sendOne(em: EntityManager, id: string): Promise<SendRetry | null> {
    const outcome = await em.transactional(async (tx) => {
      const row = await tx.findOne(OutboundMessage, { id }, { lockMode: LockMode.PESSIMISTIC_WRITE });
      if (!row || row.status !== 'PENDING') return { companyId: '', result: 'skipped' as const };
      const company = await this.deps.companies.integrations(tx, row.companyId);
      const url = company?.whaticket.url;
      const token = company?.whaticket.token;
      if (!url || !token) {
        row.status = 'FAILED';
        row.lastError = 'Whaticket não configurado: preencha a URL e o token em Configurações.';
        return { companyId: row.companyId, result: 'failed' as const };
      }
      row.attempts += 1;
      try {
        await new WhaticketClient({ url, token, fetch: this.deps.outbound?.fetch }).send(row.phone, row.body);
      } catch (error) {
        if (!(error instanceof WhaticketError)) throw error;
        row.lastError = error.message.slice(0, 500);
        if (!error.retryable || row.attempts >= MAX_SEND_ATTEMPTS) {
          row.status = 'FAILED';
          return { companyId: row.companyId, result: 'failed' as const };
        }
        return { companyId: row.companyId, result: 'retry' as const, error: new SendRetry(`${row.id}: ${error.message}`) };
      }
      row.status = 'SENT';
      row.sentAt = new Date();
      row.lastError = null;
      return { companyId: row.companyId, result: 'sent' as const };
    });
    const { metrics } = this.deps;
    if (outcome.result === 'sent') metrics.whatsappOutbound.inc({ company: outcome.companyId, outcome: 'sent' });
    if (outcome.result === 'failed') metrics.whatsappOutbound.inc({ company: outcome.companyId, outcome: 'failed' });
    return outcome.result === 'retry' ? outcome.error : null;
  }

  private async giveUp(em: EntityManager, id: string, reason: string): Promise<void> {
    const rows = await em.execute<Array<{ company_id: string }>>(
      `update outbound_messages set status = 'FAILED', last_error = ? where id = ? and status = 'PENDING' returning company_id`,
      [`desistiu após as novas tentativas: ${reason}`.slice(0, 500), id],
    );
    if (rows[0]) this.deps.metrics.whatsappOutbound.inc({ company: rows[0].company_id, outcome: 'failed' });
  }

  // ---- recovery ---------------------------------------------------------------------------------

  /**
   * Periodic safety net (cron job): re-enqueues messages stored but never picked up (the process
   * died between commit and enqueue). Handlers are idempotent, so an extra job is harmless.
   */
  async sweep(em: EntityManager): Promise<{ inbound: number; outbound: number }> {
    await em.execute(
      `update inbound_messages set status = 'FAILED', outcome = 'stale:not processed in time', processed_at = now()
        where status = 'RECEIVED' and received_at < now() - interval '${STALE_AFTER}'`,
    );
    const inbound = await em.execute<Array<{ id: string }>>(
      `select id from inbound_messages where status = 'RECEIVED' and received_at < now() - interval '${LOST_AFTER}'
        order by received_at limit 500`,
    );
    const outbound = await em.execute<Array<{ id: string }>>(
      `select id from outbound_messages where status = 'PENDING' and attempts = 0 and created_at < now() - interval '${LOST_AFTER}'
        order by created_at limit 500`,
    );
    await this.enqueue('inbound', inbound.map((r) => r.id));
    await this.enqueue('outbound', outbound.map((r) => r.id));
    return { inbound: inbound.length, outbound: outbound.length };
  }

  /**
   * At a worker's start. The jobs a killed worker had taken stay active in pg-boss until they expire
   * (minutes), and the sweep waits for messages a minute old: so re-enqueue at once the stored
   * messages already handed to a job but not processed (oldest first), and a restarted worker
   * answers what its predecessor left. Where another worker is still on one, the copy finds it
   * processed and does nothing.
   */
  async requeueInFlight(em: EntityManager): Promise<number> {
    const rows = await em.execute<Array<{ id: string }>>(
      `select id from inbound_messages where status = 'RECEIVED' and dispatched_at is not null order by received_at, id limit ${IN_FLIGHT_LIMIT}`,
    );
    await this.enqueue('inbound', rows.map((r) => r.id));
    return rows.length;
  }

  private async enqueue(kind: 'inbound' | 'outbound', ids: string[]): Promise<void> {
    if (ids.length === 0) return;
    if (!this.queue) throw new Error('WhatsappService used before its queues were attached');
    try {
      if (kind === 'inbound') await this.queue.processInbound(ids);
      else await this.queue.sendOutbound(ids);
    } catch (error) {
      // The row is committed: the sweep picks it up.
      this.log?.error({ err: error, kind, ids }, 'could not enqueue WhatsApp job; the sweep will retry');
    }
  }

  // ---- admin simulator --------------------------------------------------------------------------

  /** Same pipeline as a real message; replies are CAPTURED instead of sent to Whaticket. */
  async simulate(em: EntityManager, tenant: Tenant, input: { phone: string; body: string; name?: string | null }): Promise<ChatMessage> {
    requireAdmin(tenant);
    const phone = simulatorPhone(input.phone);
    const text = input.body.trim();
    if (!text) throw badInput('Digite a mensagem.');
    if (text.length > MAX_TEXT_LENGTH) throw badInput(`A mensagem pode ter no máximo ${MAX_TEXT_LENGTH} caracteres.`);
    const name = (input.name ?? '').trim().slice(0, 200);
    const message: InboundText = { kind: 'message', messageId: `sim:${randomUUID()}`, phone, contactPhone: phone, name, text };
    const { value } = await this.receive(em, tenant.companyId, message, { simulated: true });
    return value!;
  }

  /** The contact's last messages both ways (real and simulated), oldest first. */
  async transcript(em: EntityManager, tenant: Tenant, rawPhone: string): Promise<ChatMessage[]> {
    requireAdmin(tenant);
    const phone = simulatorPhone(rawPhone);
    const phones = brazilianVariants(phone);
    const rows = await em.execute<Array<{ id: string; direction: 'IN' | 'OUT'; body: string; at: Date; status: string }>>(
      `select * from (
         select m.id, 'IN' as direction, m.body, m.received_at as at, m.status
           from inbound_messages m
          where m.company_id = ? and m.phone in (${placeholders(phones)})
         union all
         select m.id, 'OUT' as direction, m.body, m.created_at as at, m.status
           from outbound_messages m join contacts c on c.id = m.contact_id
          where m.company_id = ? and c.company_id = ? and c.phone = ?
       ) t order by at desc, direction desc limit ${TRANSCRIPT_LIMIT}`,
      [tenant.companyId, ...phones, tenant.companyId, tenant.companyId, phone],
    );
    return rows.reverse().map((r) => ({ id: r.id, direction: r.direction, body: r.body, at: new Date(r.at), status: r.status }));
  }
}

/** `?, ?` for a list bound element by element (knex expands arrays in raw SQL). */
function placeholders(values: unknown[]): string {
  return values.map(() => '?').join(', ');
}

function simulatorPhone(raw: string): string {
  const digits = normalizePhone(raw);
  if (!digits) throw badInput('Telefone inválido: use DDD e número, ex.: +55 11 99999-9999.');
  return canonicalPhone(digits);
}
