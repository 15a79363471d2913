import { MikroORM, type Options } from '@mikro-orm/postgresql';
import { Migrator } from '@mikro-orm/migrations';
import { migrationsList } from '../../migrations/index.js';
import { startEmbeddedPostgres } from './embedded-postgres.js';

export { MikroORM };
export type { EntityManager } from '@mikro-orm/postgresql';

/**
 * ORM connections per process. Budget against PostgreSQL's default `max_connections = 100` (the
 * embedded cluster keeps initdb's default; 3 of them reserved for superusers): per process 16 (ORM)
 * + 4 (pg-boss, see jobs.ts) + 1 (LISTEN, pubsub.ts) = 21, so an API and a worker process take 42,
 * with the CLI (2) and short-lived probes well under the limit.
 */
export const ORM_POOL_MAX = 16;

/** `entities` come from the composition root (`wiring/database.ts`): the platform knows no domain. */
export function ormOptions(url: string, entities: NonNullable<Options['entities']>, poolMax = ORM_POOL_MAX): Options {
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

export async function openOrmWith(url: string, entities: NonNullable<Options['entities']>, poolMax?: number): Promise<MikroORM> {
  return MikroORM.init(ormOptions(url, entities, poolMax));
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
export async function resolveDatabase(config: { databaseUrl: string | undefined; dataDir: string }, log: (msg: string) => void): Promise<Database> {
  if (config.databaseUrl) return { url: config.databaseUrl, embedded: false, stop: async () => {} };
  const embedded = await startEmbeddedPostgres(config.dataDir, 'secretaria', log);
  return { url: embedded.url, embedded: true, stop: () => embedded.stop() };
}
