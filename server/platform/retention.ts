import type { MikroORM } from '@mikro-orm/postgresql';
import type { Jobs } from './jobs.js';
import type { Logger } from './logger.js';

export const RETENTION_QUEUE = 'retention';
/** Raw Cal.com webhook bodies are kept this long, then dropped (the row and its body hash stay). */
export const WEBHOOK_BODY_RETENTION_DAYS = 30;
/** Daily, at a quiet hour (UTC). */
const RETENTION_CRON = '17 4 * * *';

export interface RetentionReport {
  sessionsDeleted: number;
  webhookBodiesDropped: number;
}

/**
 * Deletes expired sessions and drops the raw bodies of webhook deliveries older than 30 days. The
 * delivery row keeps `(company_id, body_hash)`, so a replay of an old body is still recognised as a
 * duplicate; a delivery still `pending` keeps its body (it has not been applied yet).
 */
export async function purgeExpired(orm: MikroORM, now: Date): Promise<RetentionReport> {
  const connection = orm.em.getConnection();
  const sessions = await connection.execute<Array<{ id: string }>>('delete from sessions where expires_at <= ? returning id', [now]);
  const cutoff = new Date(now.getTime() - WEBHOOK_BODY_RETENTION_DAYS * 86_400_000);
  const bodies = await connection.execute<Array<{ id: string }>>(
    `update webhook_deliveries set body = null where body is not null and received_at < ? and outcome <> 'pending' returning id`,
    [cutoff],
  );
  return { sessionsDeleted: sessions.length, webhookBodiesDropped: bodies.length };
}

/** The scheduled retention job (pg-boss cron: one run per day across every instance). */
export async function defineRetentionJobs(jobs: Jobs, orm: MikroORM, log: Logger, now: () => Date = () => new Date()): Promise<void> {
  await jobs.define({
    name: RETENTION_QUEUE,
    retryLimit: 2,
    retryDelaySeconds: 300,
    expireInSeconds: 15 * 60,
    handler: async () => {
      const report = await purgeExpired(orm, now());
      log.info(report, 'retention: expired data purged');
    },
  });
  await jobs.schedule(RETENTION_QUEUE, RETENTION_CRON);
}
