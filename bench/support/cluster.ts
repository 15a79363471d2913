import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { startEmbeddedPostgres } from '../../server/platform/embedded-postgres.js';

/** One PostgreSQL for the whole bench run; each benchmark gets its own database on it. */
export interface BenchCluster {
  adminUrl: string;
  /** Creates (or recreates) a database and returns its URL. */
  createDatabase(name: string): Promise<string>;
  stop(): Promise<void>;
}

/**
 * BENCH_DATABASE_URL (a server where we may CREATE DATABASE) or a throw-away embedded cluster,
 * the product's default database.
 */
export async function startCluster(): Promise<BenchCluster> {
  const external = process.env.BENCH_DATABASE_URL?.trim();
  let adminUrl: string;
  let stop: () => Promise<void>;
  if (external) {
    adminUrl = external;
    stop = async () => {};
  } else {
    const dir = mkdtempSync(join(tmpdir(), 'sv-bench-pg-'));
    chmodSync(dir, 0o755); // as root, embedded-postgres runs the server as the `postgres` user
    const db = await startEmbeddedPostgres(dir, 'postgres');
    adminUrl = db.adminUrl;
    stop = async () => {
      await db.stop();
      rmSync(dir, { recursive: true, force: true });
    };
  }
  return {
    adminUrl,
    stop,
    createDatabase: async (name) => {
      const admin = new pg.Client({ connectionString: adminUrl });
      await admin.connect();
      try {
        await admin.query(`drop database if exists ${pg.escapeIdentifier(name)} with (force)`);
        await admin.query(`create database ${pg.escapeIdentifier(name)}`);
      } finally {
        await admin.end();
      }
      const url = new URL(adminUrl);
      url.pathname = `/${name}`;
      return url.toString();
    },
  };
}

/** Runs `fn` with a plain pg client on `url`. */
export async function withClient<T>(url: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}
