import pg from 'pg';
import type { App } from '../../server/app.js';
import { companySyncLockName } from '../../server/calcom/calcom-sync.service.js';

/**
 * The Cal.com webhook answers 200 once a delivery is stored (`pending`); it is applied a few
 * milliseconds later. Tests that post webhooks and then look at appointments, the audit log,
 * subscriptions or diagnostics wait for that with this: it polls until no delivery (of `companyId`,
 * or of any company) is pending, and fails after `timeoutMs`.
 *
 * `target` is an in-process app, or the database URL of a server running in another process.
 */
export async function webhooksApplied(target: App | string, companyId?: string, timeoutMs = 10_000): Promise<void> {
  const where = companyId ? `outcome = 'pending' and company_id = $1` : `outcome = 'pending'`;
  const sql = `select count(*)::int as n from webhook_deliveries where ${where}`;
  const params = companyId ? [companyId] : [];
  let client: pg.Client | undefined;
  const pending = async (): Promise<number> => {
    if (typeof target !== 'string') {
      const rows = await target.orm.em.getConnection().execute<Array<{ n: number }>>(sql.replace('$1', '?'), params);
      return Number(rows[0]!.n);
    }
    if (!client) {
      client = new pg.Client({ connectionString: target });
      await client.connect();
    }
    return Number((await client.query<{ n: number }>(sql, params)).rows[0]!.n);
  };
  const deadline = Date.now() + timeoutMs;
  try {
    for (;;) {
      const n = await pending();
      if (n === 0) return;
      if (Date.now() > deadline) throw new Error(`${n} Cal.com webhook deliveries still pending after ${timeoutMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  } finally {
    await client?.end().catch(() => {});
  }
}

/**
 * Holds the company's Cal.com sync lock from a connection of its own, so the applier claims the
 * company's next delivery and then waits: it stays `pending` (being applied) until the returned
 * function releases the lock.
 */
export async function holdWebhookApplication(databaseUrl: string, companyId: string): Promise<() => Promise<void>> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  await client.query('select pg_advisory_lock(hashtextextended($1, 0))', [companySyncLockName(companyId)]);
  return async () => {
    await client.end();
  };
}

/**
 * A delivery that cannot be applied for a reason nobody foresaw: a trigger makes PostgreSQL refuse
 * any appointment whose title contains VENENO. Run each statement once on the test database.
 */
export const REFUSE_POISON_SQL = [
  `create function refuse_poison() returns trigger language plpgsql as $$
    begin
      if new.title like '%VENENO%' then raise exception 'recusado: %', new.title; end if;
      return new;
    end $$`,
  `create trigger refuse_poison before insert or update on appointments for each row execute function refuse_poison()`,
];
