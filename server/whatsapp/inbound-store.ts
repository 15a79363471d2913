import type { EntityManager } from '@mikro-orm/postgresql';
import { randomUUID } from 'node:crypto';
import type { Metrics } from '../platform/metrics.js';
import type { Handoff } from './handoff.js';
import type { InboundText } from './inbound-payload.js';

export interface ChatMessage {
  id: string;
  direction: 'IN' | 'OUT';
  body: string;
  at: Date;
  status: string;
}

export interface ReceiveOptions {
  /** Replies are captured, not sent (the admin simulator). */
  simulated?: boolean;
  /** The provider's metric label (`whaticket`, `evolution`, `cloud`, `simulator`). */
  provider: string;
}

export interface Received {
  /** True when this (company, message id) was stored before: nothing new is processed. */
  duplicate: boolean;
  value: ChatMessage | null;
}

/** Messages older than this are not answered any more: a reply a day late confuses more than it helps. */
const STALE_AFTER = '1 day';
/** Stored but not picked up after this: the enqueue was lost (crash between commit and send). */
const LOST_AFTER = '1 minute';
/** Messages re-enqueued at a worker's start (`requeueInFlight`); the sweep covers any beyond. */
const IN_FLIGHT_LIMIT = 500;
/** Stored messages turned into jobs per dispatcher step. */
const DISPATCH_BATCH = 200;
/** `pg_notify` channel of messages stored by API-only processes (payload-free: the dispatcher reads the table). */
export const INBOUND_CHANNEL = 'secretaria_inbound';

/**
 * The durable front of the pipeline: stores inbound messages (deduplicated), turns stored ones into
 * processing jobs (the dispatcher step), and recovers what a crash left between the table and the
 * queues (the sweep and the start-up requeue).
 */
export class InboundStore {
  /** This process's dispatcher (worker roles only; see `receive`). */
  dispatcher: { wake(): void } | undefined;

  constructor(
    private readonly handoff: Handoff,
    private readonly metrics: Metrics,
  ) {}

  /**
   * Stores one message in one statement; the contact is resolved by the job. A message id seen
   * before is a duplicate and changes nothing. Then the dispatcher is woken: this process's own when
   * it runs one (worker roles), otherwise every worker's through a NOTIFY sent at commit. Only then:
   * notifying transactions commit one at a time (PostgreSQL's global notify lock), which would halve
   * the messages a worker role can store per second.
   */
  async receive(em: EntityManager, companyId: string, message: InboundText, options: ReceiveOptions): Promise<Received> {
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
      this.metrics.whatsappInbound.inc({ company: companyId, intent: 'duplicate', provider: options.provider });
      return { duplicate: true, value: null };
    }
    dispatcher?.wake();
    const value: ChatMessage = { id: stored.id, direction: 'IN', body: message.text, at: new Date(stored.received_at), status: 'RECEIVED' };
    return { duplicate: false, value };
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
    await this.handoff.enqueue('inbound', rows.map((r) => r.id));
    return rows.length === DISPATCH_BATCH;
  }

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
    await this.handoff.enqueue('inbound', inbound.map((r) => r.id));
    await this.handoff.enqueue('outbound', outbound.map((r) => r.id));
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
    await this.handoff.enqueue('inbound', rows.map((r) => r.id));
    return rows.length;
  }
}
