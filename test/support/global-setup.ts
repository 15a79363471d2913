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
 * may CREATE DATABASE), otherwise an embedded cluster under .data-test/.
 */
export default async function setup(project: TestProject) {
  const external = process.env.TEST_DATABASE_URL?.trim();
  if (external) {
    project.provide('pgAdminUrl', external);
    return;
  }
  const db = await startEmbeddedPostgres('.data-test', 'postgres');
  project.provide('pgAdminUrl', db.adminUrl);
  return async () => {
    await db.stop();
  };
}
