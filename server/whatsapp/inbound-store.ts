import type { EntityManager } from '@mikro-orm/postgresql';
import { randomUUID } from 'node:crypto';
import type { Metrics } from '../platform/metrics.js';
import { Batcher } from '../platform/batcher.js';
import { databaseTrouble } from '../platform/database-errors.js';
import { rawStatement } from '../platform/raw-query.js';
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

/** A message to store, with the id it gets (so a batch's rows are matched to their callers). */
interface InboundRow {
  id: string;
  companyId: string;
  message: InboundText;
  simulated: boolean;
}

/** A stored row's commit-time `received_at`; null: a duplicate; an Error: that message alone failed. */
type Stored = { received_at: Date } | null | Error;

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
 * Insert statements of `receive` running at once (each takes a pooled connection); messages that
 * arrive meanwhile wait and go together in the next one.
 */
const STORE_IN_FLIGHT = 4;
/** At most one NOTIFY per this interval from a process without a dispatcher (see `notifyWorkers`). */
const NOTIFY_COALESCE_MS = 20;

/**
 * The durable front of the pipeline: stores inbound messages (deduplicated), turns stored ones into
 * processing jobs (the dispatcher step), and recovers what a crash left between the table and the
 * queues (the sweep and the start-up requeue).
 */
export class InboundStore {
  /** This process's dispatcher (worker roles only; see `receive`). */
  dispatcher: { wake(): void } | undefined;
  /** Groups concurrent `receive` calls into multi-row inserts (created on first use). */
  private batcher: Batcher<InboundRow, Stored> | undefined;
  /** The NOTIFY in flight (or waiting for its turn), and whether messages were stored since it was sent. */
  private notifying: Promise<void> | null = null;
  private notifyAgain = false;

  constructor(
    private readonly handoff: Handoff,
    private readonly metrics: Metrics,
  ) {}

  /**
   * Stores one message; the contact is resolved by the job. A message id seen before is a duplicate
   * and changes nothing. Concurrent messages are stored together (`storeMany`, at most
   * STORE_IN_FLIGHT statements at a time): one prepared multi-row insert and one commit for a
   * burst's messages instead of one each; a lone message goes at once. Resolves once its row is
   * committed. Then the dispatcher is woken: this process's own when it runs one (worker roles),
   * otherwise every worker's through a NOTIFY (`notifyWorkers`).
   */
  async receive(em: EntityManager, companyId: string, message: InboundText, options: ReceiveOptions): Promise<Received> {
    const row: InboundRow = { id: randomUUID(), companyId, message, simulated: options.simulated === true };
    // Always on its own commit, outside any transaction of `em` (the batch's statement binds arrays,
    // which the ORM's in-transaction path would inline as a list and PostgreSQL refuse).
    const outcome = await this.storing(em).submit(row);
    if (outcome instanceof Error) throw outcome;
    if (!outcome) {
      this.metrics.whatsappInbound.inc({ company: companyId, intent: 'duplicate', provider: options.provider });
      return { duplicate: true, value: null };
    }
    if (this.dispatcher) this.dispatcher.wake();
    else this.notifyWorkers(em);
    const value: ChatMessage = { id: row.id, direction: 'IN', body: message.text, at: new Date(outcome.received_at), status: 'RECEIVED' };
    return { duplicate: false, value };
  }

  private storing(em: EntityManager): Batcher<InboundRow, Stored> {
    // The first caller's EntityManager gives the pool (the ORM's): every later batch runs outside any transaction.
    return (this.batcher ??= new Batcher((rows) => this.storeBatch(em.fork(), rows), STORE_IN_FLIGHT));
  }

  /**
   * One batch; when its statement fails, each message is tried on its own, so that one bad row
   * (or one company deleted meanwhile) fails only its own request. One at a time: up to a hundred
   * rows in parallel would each take a pooled connection. A database that is away fails every row
   * alike: then (at first or midway) the rest are not tried and get that same error.
   */
  private async storeBatch(em: EntityManager, rows: InboundRow[]): Promise<Stored[]> {
    try {
      return await this.storeMany(em, rows);
    } catch (error) {
      if (rows.length === 1 || databaseTrouble(error) === 'unavailable') throw error;
      const stored: Stored[] = [];
      let away: Error | null = null;
      for (const row of rows) {
        const outcome: Stored = away ?? (await this.storeMany(em, [row]).then((r) => r[0]!, (e: unknown) => (e instanceof Error ? e : new Error(String(e)))));
        if (outcome instanceof Error && databaseTrouble(outcome) === 'unavailable') away = outcome;
        stored.push(outcome);
      }
      return stored;
    }
  }

  /** Inserts the rows in one prepared statement; per row, its committed `received_at`, or null for a duplicate. */
  private async storeMany(em: EntityManager, rows: InboundRow[]): Promise<Stored[]> {
    const column = <T>(pick: (row: InboundRow) => T) => rows.map(pick);
    const stored = await rawStatement<{ id: string; received_at: Date }>(
      em,
      `insert into inbound_messages (id, company_id, message_id, phone, sender_name, body, media, status, simulated, received_at)
       select id, company_id, message_id, phone, sender_name, body, media, 'RECEIVED', simulated, clock_timestamp()
         from unnest($1::uuid[], $2::uuid[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::boolean[])
              as m (id, company_id, message_id, phone, sender_name, body, media, simulated)
       on conflict (company_id, message_id) do nothing
       returning id, received_at`,
      [
        column((r) => r.id),
        column((r) => r.companyId),
        column((r) => r.message.messageId),
        column((r) => r.message.phone),
        column((r) => r.message.name),
        column((r) => r.message.text),
        column((r) => r.message.media ?? null),
        column((r) => r.simulated),
      ],
    );
    const byId = new Map(stored.map((r) => [r.id, r]));
    return rows.map((r) => byId.get(r.id) ?? null);
  }

  /**
   * Wakes the workers' dispatchers from a process without one (ROLE=api), after the insert has
   * committed. Coalesced: one NOTIFY in flight at a time, and during a burst one every
   * NOTIFY_COALESCE_MS, each covering every message stored before it was sent. A NOTIFY per message
   * (in the insert's statement) cost PostgreSQL 0.2 ms more per message and serialised the commits
   * (notifying transactions commit one at a time). A lost NOTIFY (database away, process stopped) is
   * covered by the dispatchers' 5-s poll.
   */
  private notifyWorkers(em: EntityManager): void {
    if (this.notifying) {
      this.notifyAgain = true;
      return;
    }
    this.notifyAgain = false;
    // A fork: outside any transaction of the caller's (the NOTIFY may be sent after it ended).
    this.notifying = rawStatement(em.fork(), `select pg_notify('${INBOUND_CHANNEL}', '')`, [])
      .catch(() => undefined)
      .then(() => {
        if (!this.notifyAgain) {
          this.notifying = null;
          return;
        }
        setTimeout(() => {
          this.notifying = null;
          this.notifyWorkers(em);
        }, NOTIFY_COALESCE_MS).unref();
      });
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
