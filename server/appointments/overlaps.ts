// Overlap reads: which live appointments of one host overlap in time, the diagnostic report, and the re-announce of partners.
import type { EntityManager } from '@mikro-orm/postgresql';
import { domainError } from '../platform/errors.js';
import type { Metrics } from '../platform/metrics.js';
import { Appointment } from './appointment.entity.js';
import { MAX_PAGE } from './appointment-page.js';
import { AppointmentChangeKind, OVERLAP_LOOKBACK_HOURS, mapAppointment, overlapsSql, type AppointmentView } from './appointment.types.js';

/** Widest window the overlap diagnostic reads at once. */
export const MAX_OVERLAP_RANGE_DAYS = 366;
/** The overlap diagnostic's window when none is given. */
export const DEFAULT_OVERLAP_RANGE_DAYS = 90;

/** How a change is announced (AppointmentService.notifyView, passed in to avoid a cycle). */
export interface ViewNotifier {
  notifyView(em: EntityManager, companyId: string, view: AppointmentView, kind: AppointmentChangeKind): Promise<void>;
}

/**
 * Live appointments in [from, to) that overlap another live one of the same host, in start order
 * (at most `limit`), and how many there are: Diagnóstico's "horário sobreposto". The range is
 * bounded so the check reads a window of the agenda, not its whole future.
 */
export async function overlapReport(em: EntityManager, companyId: string, from: Date, to: Date, limit: number): Promise<{ total: number; appointments: AppointmentView[] }> {
  if (!(from < to)) throw domainError('RANGE_ORDER');
  if (to.getTime() - from.getTime() > MAX_OVERLAP_RANGE_DAYS * 86_400_000) throw domainError('RANGE_TOO_LONG', { days: MAX_OVERLAP_RANGE_DAYS });
  const rows = await em.getConnection().execute<Array<Record<string, unknown> & { total: string }>>(
    `select a.*, count(*) over () as total from appointments a
      where a.company_id = ? and a.start_at > ?::timestamptz - interval '${OVERLAP_LOOKBACK_HOURS} hours' and a.start_at < ? and a.end_at > ?
        and a.status <> 'CANCELLED' and a.host_key is not null and ${overlapsSql('a')}
      order by a.start_at, a.id limit ?`,
    [companyId, from, to, from, Math.max(0, Math.min(limit, MAX_PAGE))],
    'all',
    em.getTransactionContext(),
  );
  const total = Number(rows[0]?.total ?? 0);
  return { total, appointments: rows.map(({ total: _total, ...r }) => mapAppointment(em.map(Appointment, r), true)) };
}

/** Which of `ids` overlap another live appointment of their host (one statement). */
export async function overlapping(em: EntityManager, companyId: string, ids: string[]): Promise<Set<string>> {
  if (ids.length === 0) return new Set();
  const rows = await em.getConnection().execute<Array<{ id: string }>>(
    `select a.id from appointments a where a.company_id = ? and a.id in (${ids.map(() => '?').join(', ')}) and ${overlapsSql('a')}`,
    [companyId, ...ids],
    'all',
    em.getTransactionContext(),
  );
  return new Set(rows.map((r) => r.id));
}

/** Live appointments of the same host whose time overlaps `row`'s (whatever `row`'s own status). */
async function overlapPartners(em: EntityManager, row: Appointment): Promise<string[]> {
  if (!row.hostKey) return [];
  const rows = await em.getConnection().execute<Array<{ id: string }>>(
    `select id from appointments
      where company_id = ? and host_key = ? and status <> 'CANCELLED' and id <> ?
        and start_at > ?::timestamptz - interval '${OVERLAP_LOOKBACK_HOURS} hours' and start_at < ? and end_at > ?`,
    [row.companyId, row.hostKey, row.id, row.startAt, row.endAt, row.startAt],
    'all',
    em.getTransactionContext(),
  );
  return rows.map((r) => r.id);
}

/**
 * Announces a change of `appointment` with its `overlaps`, and re-announces the appointments of the
 * same host it overlaps (their `overlaps` changes with it: a booking on top of them, a cancellation).
 */
export async function announceWithOverlaps(em: EntityManager, appointment: Appointment, kind: AppointmentChangeKind, notifier: ViewNotifier, metrics: Metrics): Promise<void> {
  const partners = await overlapPartners(em, appointment);
  await notifier.notifyView(em, appointment.companyId, mapAppointment(appointment, partners.length > 0), kind);
  if (partners.length === 0) return;
  if (appointment.status !== 'CANCELLED' && (kind === AppointmentChangeKind.CREATED || kind === AppointmentChangeKind.RESCHEDULED)) {
    metrics.diagnostics.inc({ company: appointment.companyId, symptom: 'booking_overlap' });
  }
  const rows = await em.find(Appointment, { companyId: appointment.companyId, id: { $in: partners } });
  const overlaps = await overlapping(em, appointment.companyId, partners);
  for (const row of rows) {
    await notifier.notifyView(em, row.companyId, mapAppointment(row, overlaps.has(row.id)), AppointmentChangeKind.UPDATED);
  }
}
