import { searchKey } from '../../shared/format/text';
import type { Appointment, AppointmentConnection, ListFilter } from './appointment';

/** The server's search rule, mirrored so a live change can be placed without asking the server. */
function searchTerms(search: string | null): string[] {
  if (!search?.trim()) return [];
  const terms = searchKey(search).split(/\s+/).filter(Boolean);
  const digits = search.replace(/\D/g, '');
  if (digits.length >= 4 && terms.length > 1 && terms.every((t) => /^\d+$/.test(t))) return [digits.replace(/^0+/, '')];
  return terms;
}

export function matchesFilter(appointment: Appointment, filter: ListFilter): boolean {
  const start = Date.parse(appointment.startAt);
  if (start < Date.parse(filter.from) || start >= Date.parse(filter.to)) return false;
  if (filter.status?.length && !filter.status.includes(appointment.status)) return false;
  if (filter.serviceIds?.length && !(appointment.serviceId && filter.serviceIds.includes(appointment.serviceId))) return false;
  if (filter.hostKeys?.length && !(appointment.hostKey && filter.hostKeys.includes(appointment.hostKey))) return false;
  const terms = searchTerms(filter.search);
  if (terms.length === 0) return true;
  const haystack = [searchKey(appointment.clientName), appointment.clientPhone ?? '', appointment.clientEmail ?? ''].join(' ');
  return terms.every((term) => haystack.includes(term));
}

function compare(a: Appointment, b: Appointment): number {
  const byStart = Date.parse(a.startAt) - Date.parse(b.startAt);
  if (byStart !== 0) return byStart;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

/**
 * Places a created/changed appointment in the loaded list: inserted in order when it matches the
 * filter, removed when it no longer does (moved to another day, status filtered out). A row that sorts
 * after the last loaded one while more pages exist is left for "Carregar mais" (only the total changes).
 */
export function applyChange(connection: AppointmentConnection, appointment: Appointment, filter: ListFilter): AppointmentConnection {
  const index = connection.edges.findIndex((edge) => edge.node.id === appointment.id);
  const present = index >= 0;
  const matches = matchesFilter(appointment, filter);

  if (!matches) {
    if (!present) return connection;
    return {
      ...connection,
      edges: connection.edges.filter((_, i) => i !== index),
      totalCount: Math.max(0, connection.totalCount - 1),
    };
  }

  const edges = present
    ? connection.edges.map((edge, i) => (i === index ? { ...edge, node: appointment } : edge))
    : [...connection.edges];
  let totalCount = connection.totalCount;
  if (!present) {
    totalCount += 1;
    const last = connection.edges.at(-1)?.node;
    const beyondLoaded = connection.pageInfo.hasNextPage && last !== undefined && compare(appointment, last) > 0;
    if (beyondLoaded) return { ...connection, totalCount };
    edges.push({ __typename: 'AppointmentEdge', cursor: `live:${appointment.id}`, node: appointment });
  }
  edges.sort((a, b) => compare(a.node, b.node));
  return { ...connection, edges, totalCount };
}
