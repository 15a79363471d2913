import type { EntityManager } from '@mikro-orm/postgresql';
import { domainError } from '../platform/errors.js';
import { isUuid } from '../shared/ids.js';
import { rawRead } from '../platform/raw-query.js';
import type { AppointmentStatus } from './appointment.entity.js';
import { decodeCursor, encodeCursor, searchTerms } from './appointment-input.js';
import { APPOINTMENT_VIEW_COLUMNS, appointmentFromTuple, appointmentTupleSql, overlapsSql, type AppointmentView } from './appointment.types.js';

export const MAX_PAGE = 200;
/**
 * The raw columns a page reads, and the tuple built from them (see APPOINTMENT_VIEW_COLUMNS), ending
 * with `overlaps`: one index probe per row of the page, inside the same statement (no N+1), only when
 * the caller asks for it (a page read without `overlaps` costs PostgreSQL about twice as much with it).
 */
const PAGE_COLUMNS = [...APPOINTMENT_VIEW_COLUMNS, 'company_id'].join(', ');
const PAGE_TUPLE = { withOverlaps: `${appointmentTupleSql('p')}, (${overlapsSql('p')})::text`, withoutOverlaps: `${appointmentTupleSql('p')}, 'false'` };

export interface ListFilter {
  from?: Date | null;
  to?: Date | null;
  search?: string | null;
  status?: AppointmentStatus[] | null;
  serviceIds?: string[] | null;
  /** Host keys (`user:<id>`, `event-type:<id>`): stable, unlike a host's display name. */
  hostKeys?: string[] | null;
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
 * `options.overlaps: false` leaves `overlaps` false without computing it (the caller does not read it).
 */
export async function listPage(em: EntityManager, companyId: string, filter: ListFilter, first: number, after: string | null | undefined, options: { count?: boolean; overlaps?: boolean }): Promise<Page> {
  if (!Number.isInteger(first) || first < 0) throw domainError('PAGE_SIZE_INVALID');
  const limit = Math.min(first, MAX_PAGE);
  if (filter.from && filter.to && filter.from > filter.to) throw domainError('RANGE_ORDER');
  // Another company's (or a malformed) id simply matches nothing here.
  if (filter.serviceIds && filter.serviceIds.length > 50) throw domainError('SERVICE_FILTER_TOO_LONG');
  if (filter.hostKeys && filter.hostKeys.length > 50) throw domainError('HOST_FILTER_TOO_LONG');
  filter = {
    ...filter,
    serviceIds: filter.serviceIds?.length ? filter.serviceIds.filter(isUuid) : null,
    // Any text (bound, never spliced): an unknown key simply matches nothing, and every key
    // `hostKeyOf` yields (a free-text calDefaultUserId too) finds its rows.
    hostKeys: filter.hostKeys?.length ? filter.hostKeys : null,
  };
  const cursor = after ? decodeCursor(after) : undefined;
  const terms = searchTerms(filter.search);
  // A text search's best plan depends on its pattern: planned with its values, not prepared.
  const prepared = terms.length === 0;
  // Placeholders are numbered in the order they appear in the text, each used once (see rawRead).
  const values: unknown[] = [];
  const param = (value: unknown) => `$${values.push(value)}`;
  const where = (withCursor: boolean) => {
    const clauses: string[] = [`company_id = ${param(companyId)}`];
    if (filter.from) clauses.push(`start_at >= ${param(filter.from)}`);
    if (filter.to) clauses.push(`start_at < ${param(filter.to)}`);
    if (filter.status?.length) clauses.push(`status in (${filter.status.map((s) => param(s)).join(', ')})`);
    if (filter.serviceIds) clauses.push(filter.serviceIds.length ? `service_id in (${filter.serviceIds.map((s) => param(s)).join(', ')})` : 'false');
    // Served by appointments_host_start_idx (company_id, host_key, start_at); the statement stays prepared.
    if (filter.hostKeys) clauses.push(filter.hostKeys.length ? `host_key in (${filter.hostKeys.map((k) => param(k)).join(', ')})` : 'false');
    for (const term of terms) clauses.push(`search_text like ${param(`%${term.replace(/[\\%_]/g, (c) => `\\${c}`)}%`)} escape '\\'`);
    if (withCursor && cursor) clauses.push(`(start_at, id) > (${param(cursor.startAt)}, ${param(cursor.id)})`);
    return clauses.join(' and ');
  };
  // One statement and one row: the page as a JSON array of tuples (one parse instead of per-column
  // parsing of many rows), plus the count of the whole filter (ignoring `after`) only when asked.
  // The aggregate's own ORDER BY keeps the page order whatever the plan.
  const countSql = options.count ? `(select count(*) from appointments where ${where(false)}) as n, ` : '';
  const pageSql = `coalesce((select json_agg(array[${options.overlaps === false ? PAGE_TUPLE.withoutOverlaps : PAGE_TUPLE.withOverlaps}] order by p.start_at, p.id)
    from (select ${PAGE_COLUMNS} from appointments where ${where(true)} order by start_at, id limit ${param(limit + 1)}) p), '[]') as rows`;
  const [result] = await rawRead<{ n?: string; rows: (string | null)[][] }>(em, `select ${countSql}${pageSql}`, values, { prepared });
  const rows = result?.rows ?? [];
  let counted = options.count ? Promise.resolve(Number(result?.n ?? 0)) : undefined;
  const count = () => {
    if (counted) return counted;
    values.length = 0; // a statement of its own: its placeholders start again at $1
    const sql = `select count(*) as n from appointments where ${where(false)}`;
    return (counted = rawRead<{ n: string }>(em, sql, values, { prepared }).then((r) => Number(r[0]?.n ?? 0)));
  };

  const nodes = rows.slice(0, limit).map(appointmentFromTuple);
  const edges = nodes.map((node) => ({ cursor: encodeCursor(node.startAt, node.id), node }));
  return {
    edges,
    pageInfo: { hasNextPage: rows.length > limit, endCursor: edges.at(-1)?.cursor ?? null },
    count,
  };
}
