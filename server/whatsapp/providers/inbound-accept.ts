import type { EntityManager } from '@mikro-orm/postgresql';
import type { Services } from '../../wiring/services.js';
import type { InboundBatch, WhatsappProviderAdapter } from './provider.js';

export interface Accepted {
  ok: true;
  /** Messages stored now (each then goes through the conversation engine once). */
  stored: number;
  /** Messages seen before (same provider message id): nothing new happens. */
  duplicates: number;
  ignored: string[];
  /** Status reports that matched one of our messages. */
  statuses: number;
}

/**
 * The one way an authenticated delivery of any provider enters the pipeline (ARCHITECTURE §10):
 * each message stored once per `(company, message id)` (then the same engine), statuses kept on the
 * outbound messages, ignored items counted. The route answers 200 with the returned summary.
 */
export async function acceptInbound(
  em: EntityManager,
  services: Services,
  companyId: string,
  adapter: WhatsappProviderAdapter,
  batch: InboundBatch,
): Promise<Accepted> {
  const provider = adapter.metricLabel;
  let stored = 0;
  let duplicates = 0;
  for (const message of batch.messages) {
    const { duplicate } = await services.whatsapp.receive(em, companyId, message, { provider });
    if (duplicate) duplicates += 1;
    else stored += 1;
  }
  for (const _ of batch.ignored) services.metrics.whatsappInbound.inc({ company: companyId, intent: 'ignored', provider });
  const statuses = batch.statuses.length ? await services.whatsapp.applyDeliveryStatuses(em, companyId, provider, batch.statuses) : 0;
  return { ok: true, stored, duplicates, ignored: batch.ignored, statuses };
}
