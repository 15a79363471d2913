import type { EntityManager } from '@mikro-orm/postgresql';
import type pg from 'pg';

/** Distinct statement texts prepared per connection; beyond this, statements run unprepared. */
export const MAX_PREPARED = 64;
const names = new Map<string, string>();
/** Pooled connections already told to plan prepared statements generically. */
const generic = new WeakSet<pg.Client>();

/**
 * One statement on a connection of the ORM's own pool (same pool, same connection budget),
 * sent by `pg` directly: MikroORM's `execute` inlines every parameter into the SQL text (quoting
 * each value, then knex's raw query and the query logger), so PostgreSQL parses and plans each
 * request anew. Here the values travel as parameters of a named prepared statement, parsed once per
 * connection and planned once (`plan_cache_mode = force_generic_plan` on the connection: left to
 * itself, PostgreSQL kept re-planning the unfiltered list for every execution, a third of its CPU
 * for that statement at 1 M rows; only prepared statements are affected, and the ORM prepares none).
 * `prepared: false` for statements whose best plan depends on the values (text search): those run
 * unnamed, planned with their values. Inside a transaction of `em`, the ORM runs it on the
 * transaction's connection instead (`em.execute`, with `?` placeholders). Reads, and single
 * autocommit writes on hot paths (the WhatsApp inbound insert, `rawStatement`).
 */
export async function rawRead<R>(em: EntityManager, text: string, values: unknown[], options: { prepared?: boolean } = {}): Promise<R[]> {
  if (em.getTransactionContext()) return em.execute<R[]>(text.replace(/\$\d+/g, '?'), values);
  const knex = em.getConnection().getKnex();
  const client = (await knex.client.acquireConnection()) as pg.Client;
  try {
    const name = options.prepared === false ? undefined : statementName(text);
    if (name && !generic.has(client)) {
      await client.query('set plan_cache_mode = force_generic_plan');
      generic.add(client);
    }
    const result = await client.query<R & pg.QueryResultRow>({ name, text, values });
    return result.rows;
  } finally {
    await knex.client.releaseConnection(client);
  }
}

/** The same for a write that is one statement on its own (autocommit), e.g. `insert … returning`. */
export const rawStatement = rawRead;

function statementName(text: string): string | undefined {
  let name = names.get(text);
  if (name === undefined && names.size < MAX_PREPARED) names.set(text, (name = `sv_read_${names.size}`));
  return name;
}
