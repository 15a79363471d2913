import type { MikroORM } from '@mikro-orm/postgresql';
import type { Jobs } from '../platform/jobs.js';
import type { Logger } from '../platform/logger.js';
import type { Services } from '../wiring/services.js';
import { reconcileAll } from './calcom.reconcile.js';
import { startWebhookApplier, type ApplierOptions, type WebhookApplier } from './webhook-applier.js';

export const RECONCILE_QUEUE = 'calcom.reconcile';

/**
 * Defines the Cal.com queues and starts applying stored webhook deliveries (in every role: the
 * instance that received a delivery applies it; see webhook-applier.ts); returns the applier, for
 * the webhook route to wake and for shutdown to stop.
 */
export async function defineCalcomJobs(jobs: Jobs, orm: MikroORM, services: Services, log: Logger, applier: Partial<ApplierOptions> = {}): Promise<WebhookApplier> {
  await jobs.define({
    name: RECONCILE_QUEUE,
    retryLimit: 0,
    retryDelaySeconds: 60,
    expireInSeconds: 15 * 60,
    handler: async () => {
      const reports = await reconcileAll(orm.em.fork(), services, log);
      const changed = reports.filter((r) => r.applied || r.claimsConfirmed || r.claimsReleased);
      if (changed.length) log.info({ reports: changed }, 'Cal.com reconciliation repaired state');
    },
  });
  await jobs.schedule(RECONCILE_QUEUE, '*/10 * * * *');
  return startWebhookApplier(orm, services, log, applier);
}
