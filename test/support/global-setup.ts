import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { startEmbeddedPostgres } from '../../server/platform/embedded-postgres.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** URL of a maintenance database on the test cluster; each test file creates its own database. */
    pgAdminUrl: string;
  }
}

/**
 * One PostgreSQL for the whole run: TEST_DATABASE_URL when set (any database on a server where we
 * may CREATE DATABASE), otherwise a throw-away embedded cluster of this run only (parallel runs
 * must not share one: the first to finish would stop it under the others).
 */
export default async function setup(project: TestProject) {
  const external = process.env.TEST_DATABASE_URL?.trim();
  if (external) {
    project.provide('pgAdminUrl', external);
    return;
  }
  const dir = mkdtempSync(join(tmpdir(), 'sv-test-pg-'));
  chmodSync(dir, 0o755); // as root, embedded-postgres runs the server as the `postgres` user
  const db = await startEmbeddedPostgres(dir, 'postgres');
  project.provide('pgAdminUrl', db.adminUrl);
  return async () => {
    await db.stop();
    rmSync(dir, { recursive: true, force: true });
  };
}
