// Over ~300 lines on purpose: one class whose dispatcher, per-company loops, batch claim and failure
// recording share its state; its pure decisions live in webhook-policy.ts.
import type { EntityManager, MikroORM } from '@mikro-orm/postgresql';
import { isUuid } from '../shared/ids.js';
import { Drain } from '../platform/drain.js';
import type { Logger } from '../platform/logger.js';
import type { Services } from '../wiring/services.js';
import { databaseTrouble } from '../platform/database-errors.js';
import type { WebhookOutcome } from './webhook-delivery.entity.js';
import { afterFailure, failureReason, metricTrigger, readStoredDelivery } from './webhook-policy.js';

export { failureReason, MAX_REASON_LENGTH, metricTrigger } from './webhook-policy.js';

/**
 * `pg_notify(WEBHOOK_CHANNEL[, companyId])` wakes every instance's applier (the routes wake their own
 * in-process, so only operators send it, e.g. after re-queuing failed deliveries).
 */
export const WEBHOOK_CHANNEL = 'secretaria_webhook';

export interface ApplierOptions {
  /** Companies whose deliveries this process applies at once (one transaction and connection each). */
  concurrency: number;
  /** Failed attempts (counted in the database, across restarts) before a delivery is marked `failed`. */
  maxAttempts: number;
  /** Wait before retrying a failed delivery: retryBaseMs, then doubling. Others go on meanwhile. */
  retryBaseMs: number;
  /** Safety-net poll for lost wake-ups. */
  pollMs: number;
  /**
   * Awaited before each batch: resolves once a burst of requests leaves this process room for
   * background work (`ApiFirst.waitForRoom`, bounded), so acknowledging the burst comes first.
   */
  waitForRoom?: () => Promise<void>;
}

const DEFAULTS: ApplierOptions = { concurrency: 4, maxAttempts: 5, retryBaseMs: 1000, pollMs: 5000 };
/** Deliveries a company's loop applies in a row before yielding to a company waiting for a loop. */
const FAIR_TURN = 20;
/** Most deliveries applied in one transaction (a backlog's; the first of them is announced at its commit). */
const BATCH = 20;
/** How long the dispatcher leaves alone a company it found nothing to take from. */
const QUIET_MS = 1000;

interface PendingRow {
  id: string;
  company_id: string;
  trigger: string;
  event_created_at: Date | string | null;
  received_at: Date | string;
  attempts: number;
  body: string | null;
}

interface Applied {
  outcome: Exclude<WebhookOutcome, 'pending'>;
  reason: string | null;
  uid: string | null;
}

/**
 * Applies stored webhook deliveries (`outcome = 'pending'`), in every role: the instance whose route
 * stored a delivery applies it right after answering, so the work stays where the request went (as
 * when it was applied before the answer), and any instance picks up what another left pending. One
 * loop per company (up to `concurrency` companies at once) takes that company's deliveries oldest
 * first, a batch of them per transaction (one when they come one at a time): claim them with
 * `FOR UPDATE SKIP LOCKED` (safe across processes), and for each re-parse its body, apply it with
 * `CalcomSyncService.apply` (which serialises per company and accepts any order), record the
 * outcome and clear the body. One loop per company keeps a burst from one company from holding
 * several connections that would only wait for each other on the company lock.
 *
 * Woken with the company by the route of this process, and, to find every company with pending
 * deliveries, at start, after a reconnect of the LISTEN connection, by `pg_notify(WEBHOOK_CHANNEL)`
 * and by a poll (`Drain`): rows left pending by a stopped or killed instance.
 *
 * A delivery whose application throws is rolled back (with its batch) and isolated: its attempts
 * and the time of its next one (`retry_at`, growing delay) are written to the database, the other
 * deliveries of its company go on meanwhile, except later ones of the same booking uid, which wait
 * for it so that one booking's events keep their order. After `maxAttempts` it is marked `failed`
 * with a reason safe to store (no SQL, no input text, bounded), keeping its body: an admin retries
 * or discards it from Diagnóstico (`retryWebhookDelivery` / `discardWebhookDelivery`). A database
 * outage is not the delivery's fault and counts no attempt.
 */
export class WebhookApplier {
  readonly options: ApplierOptions;
  /** Finds companies with pending deliveries and starts their loops. */
  private readonly dispatcher: Drain;
  /**
   * One loop per company: `owed`, deliveries the route stored and woke it for; `drains`, requests
   * to apply until the company has nothing pending (any other wake-up), counted so that one arriving
   * while the loop finds nothing is not lost.
   */
  private readonly loops = new Map<string, { owed: Set<string>; drains: number; done: Promise<void> }>();
  /**
   * Some company may be waiting for a loop: when one ends, the dispatcher (not whoever wakes first)
   * gives it to the company with the oldest pending delivery.
   */
  private contended = false;
  /**
   * Companies the dispatcher found pending work for but whose loop found none it could take (locked
   * by another process, or waiting for a retry): not dispatched again until the time given.
   */
  private readonly quiet = new Map<string, number>();
  private stopped = false;
  private readonly timers = new Set<NodeJS.Timeout>();

  constructor(
    private readonly orm: MikroORM,
    private readonly services: Services,
    private readonly log: Logger,
    options: Partial<ApplierOptions> = {},
  ) {
    this.options = { ...DEFAULTS, ...options };
    this.dispatcher = new Drain('calcom-webhooks', () => this.dispatch(), log, this.options.pollMs);
  }

  /**
   * There may be pending deliveries (of `companyId`, or of anyone): apply them. Cheap; wake-ups
   * coalesce. `deliveryId`: the route of this process has just stored that delivery, so the loop
   * knows what it is owed and stops once it has applied it, without a last look for more (an
   * empty claim: three round trips per delivery when they come one at a time).
   */
  wake(companyId?: string, deliveryId?: string): void {
    if (this.stopped) return;
    if (!companyId) return this.dispatcher.wake();
    const running = this.loops.get(companyId);
    if (running) {
      if (deliveryId) running.owed.add(deliveryId);
      else running.drains += 1;
    } else if (this.contended) this.dispatcher.wake();
    else if (this.loops.size < this.options.concurrency) this.startLoop(companyId, deliveryId);
    else this.contended = true;
  }

  /** Handler for `events.wake(WEBHOOK_CHANNEL, …)`: the payload is the company, if any. */
  readonly onNotify = (payload?: string): void => {
    this.wake(payload && isUuid(payload) ? payload.toLowerCase() : undefined);
  };

  /** Finishes the deliveries being applied and stops; the rest stay pending for the next start. */
  async stop(): Promise<void> {
    this.stopped = true;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    await this.dispatcher.stop();
    await Promise.all([...this.loops.values()].map((loop) => loop.done));
  }

  /** Starts loops for the companies with the oldest pending deliveries, as many as are free. */
  private async dispatch(): Promise<boolean> {
    const free = this.options.concurrency - this.loops.size;
    if (free <= 0) return false;
    const now = Date.now();
    for (const [companyId, until] of this.quiet) if (until <= now) this.quiet.delete(companyId);
    const exclude = [...this.loops.keys(), ...this.quiet.keys()];
    const rows = await this.orm.em.getConnection().execute<Array<{ company_id: string }>>(
      `select company_id from webhook_deliveries
       where outcome = 'pending' and (retry_at is null or retry_at <= clock_timestamp())${exclude.length ? ' and company_id <> all(?::uuid[])' : ''}
       group by company_id order by min(received_at) limit ?`,
      [...(exclude.length ? [pgArray(exclude)] : []), free + 1],
    );
    // Loops may have started while the query ran.
    let room = this.options.concurrency - this.loops.size;
    this.contended = false;
    for (const row of rows) {
      const running = this.loops.get(row.company_id);
      if (running) running.drains += 1;
      else if (room-- > 0) this.startLoop(row.company_id);
      else this.contended = true;
    }
    return false;
  }

  /** Without `deliveryId` (dispatched, retried, notified) the loop applies until nothing is pending. */
  private startLoop(companyId: string, deliveryId?: string): void {
    const loop = { owed: new Set(deliveryId ? [deliveryId] : []), drains: deliveryId ? 0 : 1, done: Promise.resolve() };
    this.loops.set(companyId, loop);
    this.quiet.delete(companyId);
    loop.done = (async () => {
      let turn = 0;
      try {
        while (!this.stopped && (loop.owed.size > 0 || loop.drains > 0)) {
          await this.options.waitForRoom?.();
          const drains = loop.drains;
          const owed = [...loop.owed];
          const taken = await this.applyBatch(companyId);
          if (taken.length === 0) {
            // Nothing to take: what it was owed went to another instance (or waits for a retry);
            // a delivery stored while it looked is still owed.
            for (const id of owed) loop.owed.delete(id);
            // A drain asked for while looking may concern a delivery committed after the look.
            loop.drains = loop.drains > drains ? 1 : 0;
            continue;
          }
          for (const id of taken) loop.owed.delete(id);
          // Other companies are waiting for a loop: give this one up now and then (the dispatcher
          // takes companies oldest pending delivery first, so this one comes back in its turn).
          turn += taken.length;
          if (turn >= FAIR_TURN && this.contended) return;
        }
        if (!deliveryId && turn === 0) this.quiet.set(companyId, Date.now() + QUIET_MS);
      } catch (error) {
        this.log.error({ err: error, companyId }, 'applying Cal.com webhooks failed; retrying at the next wake-up');
      } finally {
        this.loops.delete(companyId);
        if (this.contended && !this.stopped) this.dispatcher.wake();
      }
    })();
  }

  /**
   * Applies, in one transaction, the company's oldest pending deliveries not waiting for a retry, up
   * to `BATCH` (one at a time when they arrive one at a time): one claim, one company lock and one
   * commit for a backlog instead of one per delivery. Returns the ids it took, none when there was
   * nothing to take. A delivery whose application throws rolls the whole batch back and records a
   * failed attempt for it; the ones before it stay pending and are taken again at once (it waits
   * for its retry meanwhile).
   */
  private async applyBatch(companyId: string): Promise<string[]> {
    const at: { row?: PendingRow } = {};
    const done: Array<[PendingRow, Applied]> = [];
    try {
      await this.orm.em.fork().transactional(async (tx) => {
        // Not waiting for a retry, nor behind an older delivery of the same booking that is.
        const rows = await tx.execute<PendingRow[]>(
          `select id, company_id, trigger, event_created_at, received_at, attempts, body from webhook_deliveries d
           where outcome = 'pending' and company_id = ? and (retry_at is null or retry_at <= clock_timestamp())
             and (d.booking_uid is null or not exists (
               select 1 from webhook_deliveries o
               where o.company_id = d.company_id and o.booking_uid = d.booking_uid and o.outcome = 'pending'
                 and o.retry_at > clock_timestamp() and (o.received_at, o.id) < (d.received_at, d.id)))
           order by received_at, id limit ? for update skip locked`,
          [companyId, BATCH],
        );
        for (const row of rows) {
          at.row = row;
          done.push([row, await this.apply(tx, row)]);
          // Each delivery starts from the database, not from entities an earlier one left managed.
          await tx.flush();
          tx.clear();
        }
        at.row = undefined;
        if (done.length === 0) return;
        // The outcomes, in one statement; an unreadable body is kept for the operator.
        await tx.execute(
          `update webhook_deliveries d set outcome = v.outcome, reason = v.reason,
             applied_at = case when v.outcome = 'failed' then d.applied_at else clock_timestamp() end,
             body = case when v.outcome = 'failed' then d.body end
           from json_to_recordset(?::json) as v(id uuid, outcome text, reason text) where d.id = v.id`,
          [JSON.stringify(done.map(([row, applied]) => ({ id: row.id, outcome: applied.outcome, reason: applied.reason })))],
        );
      });
    } catch (error) {
      // Not while applying a delivery (the claim, the outcomes, the commit), or the database is
      // away: not the delivery's fault; the loop ends and a later wake-up retries.
      if (!at.row || databaseTrouble(error) === 'unavailable') throw error;
      await this.attemptFailed(at.row, error);
      return [at.row.id];
    }
    for (const [row, applied] of done) this.record(row, applied);
    return done.map(([row]) => row.id);
  }

  private async apply(tx: EntityManager, row: PendingRow): Promise<Applied> {
    const reading = readStoredDelivery(row);
    if (reading.kind === 'attendance') {
      const result = await this.services.calcomSync.applyAttendance(tx, row.company_id, reading.event);
      return { outcome: result.outcome, reason: result.reason ?? null, uid: reading.event.uid };
    }
    if (reading.kind !== 'event') return { outcome: reading.kind, reason: reading.reason, uid: null };
    const { event } = reading;
    const result = await this.services.calcomSync.apply(tx, row.company_id, event, 'webhook');
    return { outcome: result.outcome, reason: result.reason ?? null, uid: event.uid };
  }

  private record(row: PendingRow, applied: Applied): void {
    this.services.metrics.webhookDeliveries.inc({
      company: row.company_id,
      trigger: metricTrigger(row.trigger),
      outcome: applied.outcome,
      reason: applied.outcome === 'failed' ? 'unreadable_body' : '',
    });
    const lagMs = Date.now() - new Date(row.received_at).getTime();
    const fields = { companyId: row.company_id, deliveryId: row.id, trigger: row.trigger, uid: applied.uid, outcome: applied.outcome, reason: applied.reason, lagMs };
    if (applied.outcome === 'failed') this.log.error(fields, 'Cal.com webhook could not be applied');
    else this.log.info(fields, 'Cal.com webhook applied');
  }

  /** Counts the failed attempt in the database; schedules the retry, or marks the delivery `failed`. */
  private async attemptFailed(row: PendingRow, error: unknown): Promise<void> {
    const { attempts, gaveUp, delayMs: delay } = afterFailure(Number(row.attempts), this.options);
    const reason = failureReason(error, attempts, this.options.maxAttempts);
    // Keeps the body: an admin can retry it from Diagnóstico once the cause is fixed.
    await this.orm.em.getConnection().execute(
      `update webhook_deliveries set attempts = ?, reason = ?,
         outcome = case when ?::boolean then 'failed' else outcome end,
         retry_at = case when ?::boolean then null else clock_timestamp() + ?::float8 * interval '1 millisecond' end
       where id = ? and outcome = 'pending'`,
      [attempts, reason, gaveUp, gaveUp, delay, row.id],
    );
    const fields = { err: error, companyId: row.company_id, deliveryId: row.id, trigger: row.trigger, attempts, reason };
    if (gaveUp) {
      this.services.metrics.webhookDeliveries.inc({ company: row.company_id, trigger: metricTrigger(row.trigger), outcome: 'failed', reason: 'apply_error' });
      this.log.error(fields, 'Cal.com webhook failed to apply; gave up');
      return;
    }
    this.log.warn({ ...fields, retryInMs: delay }, 'Cal.com webhook failed to apply; retrying later');
    if (this.stopped) return;
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      this.wake(row.company_id);
    }, delay);
    timer.unref();
    this.timers.add(timer);
  }
}

/** Starts applying stored deliveries in this process (the route wakes it; `stop()` at shutdown). */
export async function startWebhookApplier(orm: MikroORM, services: Services, log: Logger, options: Partial<ApplierOptions> = {}): Promise<WebhookApplier> {
  const applier = new WebhookApplier(orm, services, log, options);
  // Also runs the handler once now: deliveries left pending by a previous process are applied.
  await services.events.wake(WEBHOOK_CHANNEL, applier.onNotify);
  return applier;
}

/** A PostgreSQL array literal of uuids (ours, from the database: no quoting needed). */
function pgArray(ids: string[]): string {
  return `{${ids.join(',')}}`;
}
