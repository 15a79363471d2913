import { LockMode } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import { randomUUID } from 'node:crypto';
import type { CompanyService } from '../companies/company.service.js';
import type { Metrics } from '../platform/metrics.js';
import type { OutboundGuard } from '../platform/outbound-guard.js';
import type { InboundMessage } from './inbound-message.entity.js';
import { OutboundMessage } from './outbound-message.entity.js';
import { WhaticketClient, WhaticketError } from './whaticket.client.js';

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
 * The durable outbox: reply rows written in the decision's transaction, then delivered to Whaticket
 * in order, one contact at a time, each row at most once.
 */
export class Outbox {
  constructor(
    private readonly deps: {
      companies: CompanyService;
      metrics: Metrics;
      /** The tenant-URL guard; without it the client's strict default applies. */
      outbound?: OutboundGuard;
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
}
