import type { MikroORM } from '@mikro-orm/postgresql';
import type { Jobs } from '../platform/jobs.js';
import type { Logger } from '../platform/logger.js';
import type { WhatsappService } from './whatsapp.service.js';

/** One stored inbound message → decision, Cal.com call, replies. */
export const INBOUND_QUEUE = 'whatsapp.inbound';
/** One outbox row → `POST {whaticket}/api/messages/send`. */
export const SEND_QUEUE = 'whatsapp.send';
/** Every minute: re-enqueue messages whose enqueue was lost. */
export const SWEEP_QUEUE = 'whatsapp.sweep';

/**
 * Retry policies (pg-boss exponential backoff: the n-th retry waits between delay·2^(n-1) and
 * delay·2^n seconds). Calendar failures are answered in-band ("tente novamente"), so inbound retries
 * only cover crashes and database hiccups. Sends retry for about half an hour in total.
 */
export const INBOUND_RETRY = { retryLimit: 5, retryDelaySeconds: 2, expireInSeconds: 300 } as const;
export const SEND_RETRY = { retryLimit: 10, retryDelaySeconds: 1, expireInSeconds: 60 } as const;
/** Per worker process: one slow Cal.com call must not hold up every other contact (the conversation lock keeps each contact in order). */
const CONCURRENCY = 4;

/**
 * Defines the WhatsApp queues and hands the service its enqueuer. Must run before `jobs.work()`;
 * handlers only run where `work()` is called (roles `all` and `worker`).
 */
export async function registerWhatsappJobs(deps: { jobs: Jobs; orm: MikroORM; whatsapp: WhatsappService; log: Logger }): Promise<void> {
  const { jobs, orm, whatsapp, log } = deps;
  whatsapp.attach(
    {
      processInbound: (inboundId) => jobs.send(INBOUND_QUEUE, { inboundId }),
      sendOutbound: (outboundId) => jobs.send(SEND_QUEUE, { outboundId }),
    },
    log,
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
}
