import PgBoss from 'pg-boss';
import type { Logger } from './logger.js';
import type { Metrics } from './metrics.js';

export interface QueueDefinition<T extends object> {
  name: string;
  /** Attempts after the first; pg-boss keeps the job across restarts until it completes or runs out. */
  retryLimit: number;
  retryDelaySeconds: number;
  expireInSeconds?: number;
  /** Handlers of this queue running at once in one worker process (default 1). */
  concurrency?: number;
  handler?: (data: T, job: { id: string; retryCount: number }) => Promise<void>;
}

/**
 * Durable background work on pg-boss (same PostgreSQL). Every process can enqueue; only processes
 * with a worker role run handlers. Sending wakes the local worker at once instead of waiting for
 * the next poll.
 *
 * The server's background-work model, in one place:
 * - Work that must survive a crash is a row in PostgreSQL before anyone is told about it: a pg-boss
 *   job here (WhatsApp processing and sends, reconciliation, sweeps), or, where the work item
 *   already is a row, that row (`inbound_messages`, `webhook_deliveries`). Each queue's retry policy
 *   is defined once, next to its handler (whatsapp.jobs.ts; the send policy in whatsapp/outbox.ts;
 *   the webhook applier's in calcom/webhook-policy.ts with attempts and `retry_at` in its rows).
 * - `Drain` (drain.ts) is the one in-process wake-up loop, used where a poll would cost latency:
 *   the WhatsApp dispatcher (rows → jobs) and the webhook applier (rows → calendar). A lost wake-up
 *   only delays: each also polls, and a start-up pass picks up what a stopped process left.
 * - `ApiFirst` (api-first.ts) runs nothing: it holds background steps back during a request burst.
 * Webhook deliveries are not pg-boss jobs on purpose: applying them in the process that stored
 * them, batched per company, is what keeps the acknowledgement figure of bench/results.md; a
 * pg-boss job per delivery adds a job row, a fetch and a completion per delivery.
 */
export class Jobs {
  private readonly boss: PgBoss;
  private readonly workers = new Map<string, string[]>();
  private readonly queues = new Map<string, QueueDefinition<object>>();
  private started = false;

  constructor(
    url: string,
    private readonly log: Logger,
    private readonly metrics: Metrics,
  ) {
    this.boss = new PgBoss({ connectionString: url, max: 4, application_name: 'secretaria-jobs', monitorStateIntervalSeconds: 15 });
    this.boss.on('error', (error) => this.log.error({ err: error }, 'job queue error'));
  }

  async start(): Promise<void> {
    await this.boss.start();
    this.started = true;
  }

  async define<T extends object>(queue: QueueDefinition<T>): Promise<void> {
    await this.boss.createQueue(queue.name, {
      name: queue.name,
      retryLimit: queue.retryLimit,
      retryDelay: queue.retryDelaySeconds,
      retryBackoff: true,
      expireInSeconds: queue.expireInSeconds ?? 120,
    });
    this.queues.set(queue.name, queue as unknown as QueueDefinition<object>);
  }

  /**
   * Starts handlers for every defined queue that has one (worker roles only). `beforeEach` is
   * awaited before each handler (ROLE=all: `ApiFirst.waitForRoom`).
   */
  async work(beforeEach?: () => Promise<void>): Promise<void> {
    for (const queue of this.queues.values()) {
      const handler = queue.handler;
      if (!handler) continue;
      // `slot()`: the id of the pg-boss worker (one per concurrency slot) that fetched the job.
      const run = async ([job]: PgBoss.JobWithMetadata<object>[], slot: () => string | undefined) => {
        if (!job) return;
        await beforeEach?.();
        try {
          await handler(job.data, { id: job.id, retryCount: job.retryCount });
          this.metrics.jobsCompleted.inc({ queue: queue.name });
          // A queue that just gave a job likely has more: this slot fetches again at once instead of
          // after the poll interval (pg-boss waits it after every fetch unless notified), so a burst
          // drains at handler speed, not at `concurrency` jobs per interval (8/s for 4 handlers).
          // Only this slot: each busy slot wakes itself when it finishes, and waking the idle ones
          // made N fetches per finished job, N-1 of them empty.
          const self = slot();
          if (self) this.boss.notifyWorker(self);
        } catch (error) {
          this.metrics.jobsFailed.inc({ queue: queue.name });
          this.log.warn({ err: error, queue: queue.name, jobId: job.id, retryCount: job.retryCount }, 'job failed');
          throw error;
        }
      };
      const ids: string[] = [];
      for (let slot = 0; slot < (queue.concurrency ?? 1); slot++) {
        let id: string | undefined;
        id = await this.boss.work<object>(queue.name, { batchSize: 1, pollingIntervalSeconds: 0.5, includeMetadata: true }, (jobs) => run(jobs, () => id));
        ids.push(id);
      }
      this.workers.set(queue.name, ids);
    }
  }

  /** Many jobs of one queue in one statement (the queue's retry policy applies to each). */
  async sendMany<T extends object>(name: string, data: T[]): Promise<void> {
    if (data.length === 0) return;
    await this.boss.insert(data.map((d) => ({ name, data: d })));
    for (const worker of this.workers.get(name) ?? []) this.boss.notifyWorker(worker);
  }

  async schedule(name: string, cron: string): Promise<void> {
    await this.boss.schedule(name, cron, {}, { singletonKey: name });
  }

  async sampleDepth(): Promise<void> {
    for (const name of this.queues.keys()) {
      this.metrics.jobQueueDepth.set({ queue: name }, await this.boss.getQueueSize(name));
    }
  }

  /** Stops fetching, waits for running handlers (bounded), then closes the pool. */
  async stop(timeoutMs = 15_000): Promise<void> {
    if (!this.started) return;
    this.started = false;
    await this.boss.stop({ graceful: true, wait: true, timeout: timeoutMs });
  }
}
