import type { MikroORM } from '@mikro-orm/postgresql';
import { Drain } from '../platform/drain.js';
import type { Jobs } from '../platform/jobs.js';
import type { Logger } from '../platform/logger.js';
import type { PgEventBus } from '../platform/pubsub.js';
import { INBOUND_CHANNEL, SEND_RETRY, type WhatsappService } from './whatsapp.service.js';

/** One stored inbound message → decision, Cal.com call, replies. */
export const INBOUND_QUEUE = 'whatsapp.inbound';
/** One outbox row → `POST {whaticket}/api/messages/send`. */
export const SEND_QUEUE = 'whatsapp.send';
/** Every minute: re-enqueue messages whose enqueue was lost. */
export const SWEEP_QUEUE = 'whatsapp.sweep';

/**
 * Retry policies (pg-boss exponential backoff: the n-th retry waits between delay·2^(n-1) and
 * delay·2^n seconds). Calendar failures are answered in-band ("tente novamente"), so inbound retries
 * only cover crashes and database hiccups. The send policy (SEND_RETRY) lives with the outbox
 * (outbox.ts), whose per-row attempt cap is derived from it.
 */
export const INBOUND_RETRY = { retryLimit: 5, retryDelaySeconds: 2, expireInSeconds: 300 } as const;
/** Per worker process: one slow Cal.com call must not hold up every other contact (the conversation lock keeps each contact in order). */
const CONCURRENCY = 4;
/**
 * During a burst the dispatcher runs at most once per this interval, taking every message stored
 * meanwhile: a run per stored message (two statements each) would take the CPU the route needs to
 * acknowledge, in a process that also serves the API. A first message after a quiet spell is
 * dispatched at once.
 */
const DISPATCH_COALESCE_MS = 20;

/**
 * Defines the WhatsApp queues and hands the service its enqueuer. Must run before `jobs.work()`;
 * handlers only run where `work()` is called (roles `all` and `worker`), and so does the dispatcher
 * that turns stored inbound messages into jobs (woken by this process's route, by the NOTIFY of an
 * API-only process's route, and by a poll). Returns what stops the dispatcher.
 */
export async function registerWhatsappJobs(deps: {
  jobs: Jobs;
  orm: MikroORM;
  whatsapp: WhatsappService;
  events: PgEventBus;
  worker: boolean;
  log: Logger;
  /**
   * Awaited before each dispatcher step (ROLE=all: `ApiFirst.waitForRoom`). The jobs a step creates
   * wait for room anyway, so dispatching during a burst of requests only takes CPU from the
   * acknowledgements (an update and a job row per message); the stored messages are dispatched
   * right after the burst, or every `maxWaitMs` while it lasts.
   */
  waitForRoom?: () => Promise<void>;
}): Promise<() => Promise<void>> {
  const { jobs, orm, whatsapp, events, log, waitForRoom } = deps;
  const dispatcher = deps.worker ? new Drain('whatsapp.dispatch', () => whatsapp.dispatch(orm.em.fork()), log, 5_000, DISPATCH_COALESCE_MS, waitForRoom) : undefined;
  whatsapp.attach(
    {
      processInbound: (ids) => jobs.sendMany(INBOUND_QUEUE, ids.map((inboundId) => ({ inboundId }))),
      sendOutbound: (ids) => jobs.sendMany(SEND_QUEUE, ids.map((outboundId) => ({ outboundId }))),
    },
    log,
    dispatcher,
  );
  await jobs.define<{ inboundId: string }>({
    name: INBOUND_QUEUE,
    ...INBOUND_RETRY,
    concurrency: CONCURRENCY,
    handler: (data, job) => whatsapp.processInbound(orm.em.fork(), data.inboundId, { final: job.retryCount >= INBOUND_RETRY.retryLimit }),
  });
  await jobs.define<{ outboundId: string }>({
    name: SEND_QUEUE,
    ...SEND_RETRY,
    concurrency: CONCURRENCY,
    handler: (data, job) => whatsapp.sendOutbound(orm.em.fork(), data.outboundId, { final: job.retryCount >= SEND_RETRY.retryLimit }),
  });
  await jobs.define<object>({
    name: SWEEP_QUEUE,
    retryLimit: 0,
    retryDelaySeconds: 60,
    handler: async () => {
      const swept = await whatsapp.sweep(orm.em.fork());
      if (swept.inbound || swept.outbound) log.warn(swept, 'WhatsApp sweep re-enqueued lost messages');
    },
  });
  await jobs.schedule(SWEEP_QUEUE, '* * * * *');
  if (!dispatcher) return async () => {};
  const requeued = await whatsapp.requeueInFlight(orm.em.fork());
  if (requeued) log.info({ requeued }, 'WhatsApp messages already handed to jobs re-enqueued at start (a stopped worker may have left them)');
  // Also wakes it once now: messages left undispatched by a previous process are picked up.
  await events.wake(INBOUND_CHANNEL, () => dispatcher.wake());
  return () => dispatcher.stop();
}
