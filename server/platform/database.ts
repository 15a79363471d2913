import { MikroORM, type Options } from '@mikro-orm/postgresql';
import { Migrator } from '@mikro-orm/migrations';
import { migrationsList } from '../../migrations/index.js';
import { Appointment } from '../appointments/appointment.entity.js';
import { AuditLog } from '../audit/audit-log.entity.js';
import { ApiKey } from '../auth/api-key.entity.js';
import { Session } from '../auth/session.entity.js';
import { User } from '../auth/user.entity.js';
import { WebhookDelivery } from '../calcom/webhook-delivery.entity.js';
import { Company } from '../companies/company.entity.js';
import { Contact } from '../whatsapp/contact.entity.js';
import { Conversation } from '../whatsapp/conversation.entity.js';
import { InboundMessage } from '../whatsapp/inbound-message.entity.js';
import { OutboundMessage } from '../whatsapp/outbound-message.entity.js';
import type { Config } from '../config.js';
import { startEmbeddedPostgres } from './embedded-postgres.js';

export { MikroORM };
export type { EntityManager } from '@mikro-orm/postgresql';

export const entities = [
  Company, User, Session, ApiKey, Contact, Conversation, InboundMessage, OutboundMessage,
  Appointment, AuditLog, WebhookDelivery,
];

/**
 * ORM connections per process. Budget against PostgreSQL's default `max_connections = 100` (the
 * embedded cluster keeps initdb's default; 3 of them reserved for superusers): per process 16 (ORM)
 * + 4 (pg-boss, see jobs.ts) + 1 (LISTEN, pubsub.ts) = 21, so an API and a worker process take 42,
 * with the CLI (2) and short-lived probes well under the limit.
 */
export const ORM_POOL_MAX = 16;

export function ormOptions(url: string, poolMax = ORM_POOL_MAX): Options {
  return {
    clientUrl: url,
    entities,
    discovery: { disableDynamicFileAccess: true },
    extensions: [Migrator],
    migrations: { migrationsList, transactional: true, allOrNothing: true, snapshot: false, silent: true },
    pool: { min: 0, max: poolMax },
    // Entities are plain data; no global identity map: every request and job forks its own.
    allowGlobalContext: false,
    forceUtcTimezone: true,
    debug: false,
  };
}

export async function openOrm(url: string, poolMax?: number): Promise<MikroORM> {
  return MikroORM.init(ormOptions(url, poolMax));
}

export async function migrate(orm: MikroORM): Promise<string[]> {
  const applied = await orm.getMigrator().up();
  return applied.map((m) => m.name);
}

export interface Database {
  url: string;
  embedded: boolean;
  stop(): Promise<void>;
}

/** DATABASE_URL when set, otherwise the embedded cluster under DATA_DIR. */
export async function resolveDatabase(config: Config, log: (msg: string) => void): Promise<Database> {
  if (config.databaseUrl) return { url: config.databaseUrl, embedded: false, stop: async () => {} };
  const embedded = await startEmbeddedPostgres(config.dataDir, 'secretaria', log);
  return { url: embedded.url, embedded: true, stop: () => embedded.stop() };
}
