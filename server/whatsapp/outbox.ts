import { LockMode } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import { randomUUID } from 'node:crypto';
import type { CompanyService } from '../companies/company.service.js';
import type { Metrics } from '../platform/metrics.js';
import type { OutboundGuard } from '../platform/outbound-guard.js';
import { WHATSAPP_DELIVERY_TEXTS } from '../platform/messages.js';
import type { InboundMessage } from './inbound-message.entity.js';
import { OutboundMessage } from './outbound-message.entity.js';
import { DELIVERY_STATUSES, ProviderError, type DeliveryStatusUpdate } from './providers/provider.js';
import { deliverOutbound } from './providers/customer-window.js';
import type { ProviderRegistry } from './providers/registry.js';

/** A reply attempt that failed in a way worth retrying later. */
export class SendRetry extends Error {
  override name = 'SendRetry';
}

/**
 * The send queue's retry policy, defined once (whatsapp.jobs.ts applies it to the queue). pg-boss
 * exponential backoff: the n-th retry waits between delay·2^(n-1) and delay·2^n seconds, so sends
 * retry for about half an hour in total.
 */
export const SEND_RETRY = { retryLimit: 10, retryDelaySeconds: 1, expireInSeconds: 60 } as const;
/**
 * Attempts per outbound row across all jobs, a backstop derived from the same policy: a row is tried
 * once per run of its own job (retryLimit + 1) and may also be tried by a job of an earlier reply of
 * the same contact draining the outbox; one spare attempt covers that before the row is FAILED.
 */
export const MAX_SEND_ATTEMPTS = SEND_RETRY.retryLimit + 2;

/**
 * The durable outbox: reply rows written in the decision's transaction, then delivered through the
 * company's WhatsApp provider (the port, providers/provider.ts) in order, one contact at a time, each
 * row at most once. It never knows which provider it is: the registry picks the adapter from the
 * company's settings at each send, so a provider change applies to the next reply.
 */
export class Outbox {
  constructor(
    private readonly deps: {
      companies: CompanyService;
      metrics: Metrics;
      providers: ProviderRegistry;
      /** The tenant-URL guard; without it the client's strict default applies. */
      outbound?: OutboundGuard;
      /** The clock the 24-hour window is judged by (providers/customer-window.ts). */
      now?: () => Date;
    },
  ) {}

  /** The outbox rows, in the decision's transaction. Simulator replies are captured, never sent. */
  async insertReplies(tx: EntityManager, message: InboundMessage, replies: string[]): Promise<string[]> {
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
      if (!row || row.status !== 'PENDING') return { companyId: '', provider: '', result: 'skipped' as const };
      const company = await this.deps.companies.integrations(tx, row.companyId);
      const adapter = company ? this.deps.providers.get(company.whatsapp.provider) : undefined;
      const link = company && adapter ? adapter.connect(company.whatsapp, { fetch: this.deps.outbound?.fetch }) : undefined;
      const provider = adapter?.metricLabel ?? 'unknown';
      if (!link || 'notConfigured' in link) {
        const reason = link?.notConfigured ?? WHATSAPP_DELIVERY_TEXTS.providerUnavailable;
        fail(row, reason, reason);
        return { companyId: row.companyId, provider, result: 'failed' as const };
      }
      row.attempts += 1;
      row.provider = adapter!.id;
      try {
        const sent = await deliverOutbound(tx, link.connection, row, this.deps.now?.() ?? new Date());
        row.providerMessageId = sent.providerMessageId;
      } catch (error) {
        if (!(error instanceof ProviderError)) throw error;
        row.lastError = error.message.slice(0, 500);
        row.deliveryError = error.userMessage;
        if (error.kind === 'broken') await this.deps.companies.markWhatsappBroken(tx, row.companyId, error.userMessage);
        if (!error.retryable || row.attempts >= MAX_SEND_ATTEMPTS) {
          fail(row, error.message, error.userMessage);
          return { companyId: row.companyId, provider, result: 'failed' as const };
        }
        return { companyId: row.companyId, provider, result: 'retry' as const, error: new SendRetry(`${row.id}: ${error.message}`) };
      }
      row.status = 'SENT';
      row.sentAt = new Date();
      row.lastError = null;
      row.deliveryStatus = 'SENT';
      row.deliveryError = null;
      row.deliveryUpdatedAt = row.sentAt;
      // The credentials work again: clear the panel's warning (only when there is one: no UPDATE per send).
      if (company?.whatsapp.connectionBroken) await this.deps.companies.markWhatsappBroken(tx, row.companyId, null);
      return { companyId: row.companyId, provider, result: 'sent' as const };
    });
    const { metrics } = this.deps;
    if (outcome.result === 'sent') metrics.whatsappOutbound.inc({ company: outcome.companyId, outcome: 'sent', provider: outcome.provider });
    if (outcome.result === 'failed') metrics.whatsappOutbound.inc({ company: outcome.companyId, outcome: 'failed', provider: outcome.provider });
    return outcome.result === 'retry' ? outcome.error : null;
  }

  /**
   * Keeps what the provider reports about our messages (matched by its message id within the
   * company). Reports may arrive out of order: a status only replaces a lower-ranked one (SENT <
   * DELIVERED < READ < FAILED), so a late "delivered" never undoes "read". Returns how many matched.
   */
  async applyDeliveryStatuses(em: EntityManager, companyId: string, provider: string, updates: DeliveryStatusUpdate[]): Promise<number> {
    let matched = 0;
    for (const update of updates) {
      const rows = await em.execute<Array<{ id: string }>>(
        `update outbound_messages
            set delivery_status = ?, delivery_error = coalesce(?, delivery_error), delivery_updated_at = ?
          where company_id = ? and provider_message_id = ?
            and coalesce(array_position(array[${DELIVERY_STATUSES.map(() => '?').join(', ')}]::text[], delivery_status), 0)
              < array_position(array[${DELIVERY_STATUSES.map(() => '?').join(', ')}]::text[], ?::text)
          returning id`,
        [update.status, update.error?.message ?? null, update.at, companyId, update.providerMessageId, ...DELIVERY_STATUSES, ...DELIVERY_STATUSES, update.status],
      );
      if (rows.length) matched += 1;
      this.deps.metrics.whatsappDeliveryStatus.inc({ company: companyId, provider, status: update.status.toLowerCase() });
    }
    return matched;
  }

  private async giveUp(em: EntityManager, id: string, reason: string): Promise<void> {
    const rows = await em.execute<Array<{ company_id: string; provider: string | null }>>(
      `update outbound_messages set status = 'FAILED', last_error = ?, delivery_status = 'FAILED',
              delivery_error = coalesce(delivery_error, ?), delivery_updated_at = now()
        where id = ? and status = 'PENDING' returning company_id, provider`,
      [`desistiu após as novas tentativas: ${reason}`.slice(0, 500), WHATSAPP_DELIVERY_TEXTS.gaveUp, id],
    );
    const row = rows[0];
    if (row) this.deps.metrics.whatsappOutbound.inc({ company: row.company_id, outcome: 'failed', provider: metricLabelOf(this.deps.providers, row.provider) });
  }
}

/** A row that will not be sent: our state FAILED, the reason kept for logs and for the panel. */
function fail(row: OutboundMessage, internal: string, shown: string): void {
  row.status = 'FAILED';
  row.lastError = internal.slice(0, 500);
  row.deliveryStatus = 'FAILED';
  row.deliveryError = shown;
  row.deliveryUpdatedAt = new Date();
}

function metricLabelOf(providers: ProviderRegistry, id: string | null): string {
  return (id ? providers.get(id)?.metricLabel : undefined) ?? 'unknown';
}
