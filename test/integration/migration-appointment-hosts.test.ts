import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MikroORM } from '../../server/platform/database.js';
import { openOrm } from '../../server/wiring/database.js';
import { createTestDatabase } from '../support/database.js';

/** Migration 08 on a database holding data from before it: nothing lost, every row gets its host. */
describe('Migration20261203000008_appointment_hosts', () => {
  let orm: MikroORM;
  let drop: () => Promise<void>;
  const withUser = randomUUID();
  const withoutUser = randomUUID();
  const start = new Date('2031-05-05T13:00:00Z');
  const end = new Date('2031-05-05T13:30:00Z');
  const sql = <T = Record<string, unknown>>(text: string, values: unknown[] = []) => orm.em.getConnection().execute<T[]>(text, values);
  const insert = (companyId: string, source: string, status = 'CONFIRMED', at = start) =>
    sql(`insert into appointments (id, company_id, status, title, start_at, end_at, source) values (?, ?, ?, 'Reunião', ?, ?, ?) returning id`, [randomUUID(), companyId, status, at, new Date(at.getTime() + 1_800_000), source]);

  beforeAll(async () => {
    const db = await createTestDatabase('migration_hosts');
    drop = db.drop;
    orm = await openOrm(db.url, 2);
    await orm.getMigrator().up({ to: 'Migration20261203000007_inbound_media' });
    await sql(`insert into companies (id, name, cal_default_user_id, cal_event_type_id) values (?, 'Com usuário', '7', 1001), (?, 'Sem usuário', null, 2002)`, [withUser, withoutUser]);
    await insert(withUser, 'WHATSAPP');
    await insert(withUser, 'CALCOM', 'CONFIRMED', end);
    await insert(withUser, 'ADMIN', 'CANCELLED');
    await insert(withoutUser, 'API');
    await orm.getMigrator().up();
  });
  afterAll(async () => {
    await orm?.close(true);
    await drop?.();
  });

  it('keeps every row and gives it the company default host; only our own rows hold a claim', async () => {
    const rows = await sql<{ company_id: string; source: string; status: string; host_key: string | null; host_claim: boolean }>(
      `select company_id, source, status, host_key, host_claim from appointments order by company_id = ? desc, start_at, source`,
      [withUser],
    );
    expect(rows.map((r) => [r.company_id === withUser ? 'com' : 'sem', r.source, r.status, r.host_key, r.host_claim])).toEqual([
      ['com', 'ADMIN', 'CANCELLED', 'user:7', true],
      ['com', 'WHATSAPP', 'CONFIRMED', 'user:7', true],
      ['com', 'CALCOM', 'CONFIRMED', 'user:7', false],
      ['sem', 'API', 'CONFIRMED', 'event-type:2002', true],
    ]);
  });

  it('accepts a second live booking at a taken start, but not a second own claim of the same host', async () => {
    await insert(withUser, 'CALCOM');
    const claim = sql(
      `insert into appointments (id, company_id, status, title, start_at, end_at, source, host_key, host_claim) values (?, ?, 'PENDING', 'Reunião', ?, ?, 'ADMIN', 'user:7', true)`,
      [randomUUID(), withUser, start, end],
    );
    await expect(claim).rejects.toThrow(/appointments_host_claim_uniq/);
    const otherHost = await sql(
      `insert into appointments (id, company_id, status, title, start_at, end_at, source, host_key, host_claim) values (?, ?, 'PENDING', 'Reunião', ?, ?, 'ADMIN', 'user:8', true) returning id`,
      [randomUUID(), withUser, start, end],
    );
    expect(otherHost).toHaveLength(1);
  });
});
