import type { EntityManager } from '@mikro-orm/postgresql';
import { domainError } from '../platform/errors.js';
import type { AppointmentStatus } from './appointment.entity.js';
import { decodeCursor, encodeCursor, searchTerms } from './appointment-input.js';
import { APPOINTMENT_VIEW_COLUMNS, appointmentFromTuple, appointmentTupleSql, type AppointmentView } from './appointment.types.js';

export const MAX_PAGE = 200;
/** The raw columns a page reads, and the tuple built from them (see APPOINTMENT_VIEW_COLUMNS). */
const PAGE_COLUMNS = APPOINTMENT_VIEW_COLUMNS.join(', ');
const PAGE_TUPLE = appointmentTupleSql('p');

export interface ListFilter {
  from?: Date | null;
  to?: Date | null;
  search?: string | null;
  status?: AppointmentStatus[] | null;
}

export interface Page {
  edges: { cursor: string; node: AppointmentView }[];
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
  /** Counting a long range costs more than the page itself: only done when asked for. */
  count: () => Promise<number>;
}

/**
 * One page ordered by (start_at, id) after the keyset cursor `after`. With `options.count` the
 * total of the filter comes in the same statement; otherwise `count()` runs it on demand.
 */
export async function listPage(em: EntityManager, companyId: string, filter: ListFilter, first: number, after: string | null | undefined, options: { count?: boolean }): Promise<Page> {
  if (!Number.isInteger(first) || first < 0) throw domainError('PAGE_SIZE_INVALID');
  const limit = Math.min(first, MAX_PAGE);
  const where: string[] = ['company_id = ?'];
  const params: unknown[] = [companyId];
  if (filter.from) {
    where.push('start_at >= ?');
    params.push(filter.from);
  }
  if (filter.to) {
    where.push('start_at < ?');
    params.push(filter.to);
  }
  if (filter.from && filter.to && filter.from > filter.to) throw domainError('RANGE_ORDER');
  if (filter.status?.length) {
    where.push(`status in (${filter.status.map(() => '?').join(', ')})`);
    params.push(...filter.status);
  }
  for (const term of searchTerms(filter.search)) {
    where.push(`search_text like ? escape '\\'`);
    params.push(`%${term.replace(/[\\%_]/g, (c) => `\\${c}`)}%`);
  }
  const pageWhere = [...where];
  const pageParams = [...params];
  if (after) {
    const cursor = decodeCursor(after);
    pageWhere.push('(start_at, id) > (?, ?)');
    pageParams.push(cursor.startAt, cursor.id);
  }
  // One statement and one row: the page as a JSON array of tuples (one parse instead of per-column
  // parsing of many rows), plus the count of the whole filter (ignoring `after`) only when asked.
  // The aggregate's own ORDER BY keeps the page order whatever the plan.
  const page = `coalesce((select json_agg(json_build_array(${PAGE_TUPLE}) order by p.start_at, p.id)
    from (select ${PAGE_COLUMNS} from appointments where ${pageWhere.join(' and ')} order by start_at, id limit ?) p), '[]') as rows`;
  const countSql = `select count(*) as n from appointments where ${where.join(' and ')}`;
  const conn = em.getConnection();
  const [result] = await conn.execute<{ n?: string; rows: unknown[][] }[]>(
    options.count ? `select (${countSql}) as n, ${page}` : `select ${page}`,
    options.count ? [...params, ...pageParams, limit + 1] : [...pageParams, limit + 1],
  );
  const rows = result?.rows ?? [];
  let counted = options.count ? Promise.resolve(Number(result?.n ?? 0)) : undefined;
  const count = () => (counted ??= conn.execute<{ n: string }[]>(countSql, [...params]).then((r) => Number(r[0]?.n ?? 0)));

  const nodes = rows.slice(0, limit).map(appointmentFromTuple);
  const edges = nodes.map((node) => ({ cursor: encodeCursor(node.startAt, node.id), node }));
  return {
    edges,
    pageInfo: { hasNextPage: rows.length > limit, endCursor: edges.at(-1)?.cursor ?? null },
    count,
  };
}
