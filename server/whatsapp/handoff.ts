import type { Logger } from '../platform/logger.js';

/** Where the WhatsApp pipeline hands work to the durable queues (pg-boss, see whatsapp.jobs.ts). */
export interface WhatsappQueue {
  processInbound(inboundIds: string[]): Promise<unknown>;
  sendOutbound(outboundIds: string[]): Promise<unknown>;
}

/**
 * The pipeline's one way into the queues. A failed enqueue is logged, not thrown: the row is already
 * committed and the sweep (inbound-store.ts) re-enqueues it.
 */
export class Handoff {
  private queue: WhatsappQueue | undefined;
  private log: Logger | undefined;

  attach(queue: WhatsappQueue, log: Logger): void {
    this.queue = queue;
    this.log = log;
  }

  async enqueue(kind: 'inbound' | 'outbound', ids: string[]): Promise<void> {
    if (ids.length === 0) return;
    if (!this.queue) throw new Error('WhatsappService used before its queues were attached');
    try {
      if (kind === 'inbound') await this.queue.processInbound(ids);
      else await this.queue.sendOutbound(ids);
    } catch (error) {
      this.log?.error({ err: error, kind, ids }, 'could not enqueue WhatsApp job; the sweep will retry');
    }
  }
}

/** `?, ?` for a list bound element by element (knex expands arrays in raw SQL). */
export function placeholders(values: unknown[]): string {
  return values.map(() => '?').join(', ');
}
