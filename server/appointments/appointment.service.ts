import { LockMode, UniqueConstraintViolationException } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import { audit, type Actor } from '../audit/audit.service.js';
import { requireWrite } from '../auth/tenant.js';
import { CalendarError, type CalendarBooking, type CalendarEvent, type CalendarGateway, type CalendarSlot } from '../calcom/calendar.gateway.js';
import { isUuid, type CompanyIntegrations, type CompanyService } from '../companies/company.service.js';
import { isoString } from '../platform/date-time.js';
import { domainError } from '../platform/errors.js';
import { BOOKING_FIELD } from '../platform/messages.js';
import type { Metrics } from '../platform/metrics.js';
import type { PgEventBus } from '../platform/pubsub.js';
import { normalizePhone, toE164 } from '../whatsapp/phone.js';
import { searchKey } from '../whatsapp/text.js';
import { Appointment, type AppointmentSource, type AppointmentStatus } from './appointment.entity.js';
import { CalendarSync, type ApplyResult } from './calendar-sync.js';
import { APPOINTMENT_VIEW_COLUMNS, AppointmentChangeKind, appointmentFromTuple, appointmentTupleSql, mapAppointment, type AppointmentView } from './appointment.types.js';

export const APPOINTMENT_TOPIC = 'APPOINTMENT_CHANGED';
export const MAX_PAGE = 200;
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const MAX_RANGE_DAYS = 62;
/** The raw columns a page reads, and the tuple built from them (see APPOINTMENT_VIEW_COLUMNS). */
const PAGE_COLUMNS = APPOINTMENT_VIEW_COLUMNS.join(', ');
const PAGE_TUPLE = appointmentTupleSql('p');

/** Who acts and for which company. A `Tenant` is one; the WhatsApp worker builds one per contact. */
export interface Scope {
  companyId: string;
  actor: Actor;
  /** False for read-only API keys (a Tenant); absent for internal callers. */
  canWrite?: boolean;
}

export interface ListFilter {
  from?: Date | null;
  to?: Date | null;
  search?: string | null;
  status?: AppointmentStatus[] | null;
}

export interface BookInput {
  start: Date;
  clientName: string;
  clientPhone?: string | null;
  clientEmail?: string | null;
  notes?: string | null;
  contactId?: string | null;
}

export type CancelVia = 'api' | 'webhook' | 'whatsapp' | 'admin';

export interface Page {
  edges: { cursor: string; node: AppointmentView }[];
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
  /** Counting a long range costs more than the page itself: only done when asked for. */
  count: () => Promise<number>;
}

/**
 * Checked on the first line of every public method: the scope names a company, and a write needs
 * write permission (read-only API keys are refused before anything is read or sent to Cal.com).
 */
function checkScope(scope: Scope, access: 'read' | 'write'): void {
  if (!scope || !isUuid(scope.companyId)) throw domainError('SCOPE_INVALID');
  if (access === 'write') requireWrite(scope);
}

/**
 * The only owner of `appointments`: every write (book, cancel, reschedule, a calendar event, a
 * released claim) and every read other rooms make go through here.
 */
export class AppointmentService {
  private readonly sync: CalendarSync;

  constructor(
    private readonly companies: CompanyService,
    private readonly calendar: CalendarGateway,
    private readonly events: PgEventBus,
    private readonly metrics: Metrics,
  ) {
    this.sync = new CalendarSync(this, metrics);
  }

  /**
   * One page ordered by (start_at, id) after the keyset cursor `after`. With `options.count` the
   * total of the filter comes in the same statement; otherwise `count()` runs it on demand.
   */
  async list(em: EntityManager, scope: Scope, filter: ListFilter = {}, first = 50, after?: string | null, options: { count?: boolean } = {}): Promise<Page> {
    checkScope(scope, 'read');
    if (!Number.isInteger(first) || first < 0) throw domainError('PAGE_SIZE_INVALID');
    const limit = Math.min(first, MAX_PAGE);
    const where: string[] = ['company_id = ?'];
    const params: unknown[] = [scope.companyId];
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

  async get(em: EntityManager, scope: Scope, id: string): Promise<Appointment | null> {
    checkScope(scope, 'read');
    if (!isUuid(id)) return null;
    return em.findOne(Appointment, { id, companyId: scope.companyId });
  }

  async availability(em: EntityManager, scope: Scope, from: Date, to: Date): Promise<CalendarSlot[]> {
    checkScope(scope, 'read');
    if (!(from < to)) throw domainError('RANGE_ORDER');
    if (to.getTime() - from.getTime() > MAX_RANGE_DAYS * 86_400_000) throw domainError('RANGE_TOO_LONG', { days: MAX_RANGE_DAYS });
    const company = await this.integrations(em, scope.companyId);
    const slots = await this.calendarCall(scope.companyId, () => this.calendar.slots(company, from, to));
    const now = Date.now();
    return slots.filter((slot) => slot.start.getTime() > now);
  }

  /**
   * Books through Cal.com. The slot is claimed first by inserting a PENDING row (the partial unique
   * index turns a concurrent booking of the same slot into CONFLICT before Cal.com is called), then
   * Cal.com is asked with our id in the metadata, then the row is confirmed. If Cal.com refuses,
   * the claim is released and nothing confirmed remains.
   */
  async book(em: EntityManager, scope: Scope, input: BookInput, source: AppointmentSource): Promise<Appointment> {
    checkScope(scope, 'write');
    const clean = validateBooking(input);
    this.metrics.appointmentsTotal.inc({ company: scope.companyId, source: source.toLowerCase() });
    const company = await this.integrations(em, scope.companyId);
    if (!company.cal.apiKey || !company.cal.eventTypeId) {
      this.metrics.diagnostics.inc({ company: scope.companyId, symptom: 'calendar_not_configured' });
      throw notConfigured();
    }

    const claim = await this.claim(em, scope, clean, source);
    return this.completeClaim(em, scope, company, claim, source, false);
  }

  /**
   * Finishes a claim whose Cal.com call never completed (the worker died in between): asks Cal.com
   * for a booking with our id first, creates it only if there is none, then confirms the claim.
   */
  async resumeClaim(em: EntityManager, scope: Scope, id: string, source: AppointmentSource): Promise<Appointment> {
    checkScope(scope, 'write');
    const claim = await em.findOne(Appointment, { id, companyId: scope.companyId, status: 'PENDING', calBookingUid: null });
    if (!claim) throw domainError('APPOINTMENT_NOT_FOUND');
    return this.completeClaim(em, scope, await this.integrations(em, scope.companyId), claim, source, true);
  }

  /** Books a claimed slot in Cal.com (our id in the metadata) and confirms it, or releases the claim. */
  private async completeClaim(em: EntityManager, scope: Scope, company: CompanyIntegrations, claim: Appointment, source: AppointmentSource, reconcileFirst: boolean): Promise<Appointment> {
    let booking: CalendarBooking;
    try {
      booking = await this.calendar.book(company, {
        appointmentId: claim.id,
        start: claim.startAt,
        name: claim.clientName,
        email: claim.clientEmail,
        phone: claim.clientPhone ? toE164(claim.clientPhone) : null,
        notes: claim.notes,
        reconcileFirst,
      });
    } catch (error) {
      await this.release(em, scope, claim.id, error);
      throw this.toDomainError(error, scope.companyId);
    }
    return this.confirm(em, scope, claim.id, booking, source);
  }

  async cancel(em: EntityManager, scope: Scope, id: string, reason: string | null, via: CancelVia): Promise<Appointment> {
    checkScope(scope, 'write');
    const cleanReason = reason?.trim().slice(0, 500) || null;
    const current = await this.get(em, scope, id);
    if (!current) throw domainError('APPOINTMENT_NOT_FOUND');
    if (current.status === 'CANCELLED') return current;
    if (current.calBookingUid) {
      const company = await this.integrations(em, scope.companyId);
      await this.calendarCall(scope.companyId, () => this.calendar.cancel(company, current.calBookingUid!, cleanReason));
    }
    return em.transactional(async (tx) => {
      const row = await tx.findOneOrFail(Appointment, { id, companyId: scope.companyId }, { lockMode: LockMode.PESSIMISTIC_WRITE });
      if (row.status === 'CANCELLED') return row; // a webhook got here first
      row.status = 'CANCELLED';
      row.cancellationReason = cleanReason;
      audit(tx, scope.companyId, scope.actor, 'appointment.cancelled', `appointment:${row.id}`, { reason: cleanReason, via });
      await tx.flush();
      await this.publish(tx, row, AppointmentChangeKind.CANCELLED);
      this.metrics.appointmentsCancelled.inc({ company: scope.companyId, via });
      return row;
    });
  }

  /** Moves a booking to a new slot in Cal.com, keeping our appointment id. */
  async reschedule(em: EntityManager, scope: Scope, id: string, start: Date, reason: string | null): Promise<Appointment> {
    checkScope(scope, 'write');
    const current = await this.get(em, scope, id);
    if (!current || current.status === 'CANCELLED') throw domainError('APPOINTMENT_NOT_FOUND');
    if (!current.calBookingUid) throw domainError('APPOINTMENT_NOT_CONFIRMED');
    // Check our own agenda before moving the booking in Cal.com: afterwards the slot index could only
    // refuse our row, leaving Cal.com and us disagreeing.
    const clash = await em.findOne(Appointment, { companyId: scope.companyId, startAt: start, status: { $ne: 'CANCELLED' }, id: { $ne: id } });
    if (clash) throw domainError('SLOT_TAKEN');
    const company = await this.integrations(em, scope.companyId);
    const booking = await this.calendarCall(scope.companyId, () => this.calendar.reschedule(company, current.calBookingUid!, start, reason));
    return em.transactional(async (tx) => {
      const row = await tx.findOneOrFail(Appointment, { id, companyId: scope.companyId }, { lockMode: LockMode.PESSIMISTIC_WRITE });
      const previous = { start: row.startAt.toISOString(), uid: row.calBookingUid };
      this.applyBooking(row, booking);
      row.status = 'RESCHEDULED';
      audit(tx, scope.companyId, scope.actor, 'appointment.rescheduled', `appointment:${row.id}`, {
        from: previous,
        to: { start: row.startAt.toISOString(), uid: row.calBookingUid },
        reason,
      });
      await this.flushClaim(tx);
      await this.publish(tx, row, AppointmentChangeKind.RESCHEDULED);
      return row;
    });
  }

  /**
   * Applies a calendar booking event (a Cal.com webhook or reconciliation), idempotently and in
   * any order, inside the caller's transaction (see calendar-sync.ts).
   */
  async applyCalendarEvent(tx: EntityManager, scope: Scope, event: CalendarEvent, via: 'webhook' | 'reconcile'): Promise<ApplyResult> {
    checkScope(scope, 'write');
    return this.sync.apply(tx, scope.companyId, scope.actor, event, via);
  }

  /** Our own claims without a calendar uid created before `before` (their Cal.com answer was lost). */
  async staleClaims(em: EntityManager, scope: Scope, before: Date): Promise<Appointment[]> {
    checkScope(scope, 'read');
    return em.find(Appointment, { companyId: scope.companyId, status: 'PENDING', calBookingUid: null, createdAt: { $lt: before } });
  }

  /** Removes a claim the calendar has no booking for; false when it is no longer an open claim. */
  async releaseClaim(em: EntityManager, scope: Scope, id: string, reason: string): Promise<boolean> {
    checkScope(scope, 'write');
    return em.transactional(async (tx) => {
      const row = await tx.findOne(Appointment, { id, companyId: scope.companyId, status: 'PENDING', calBookingUid: null });
      if (!row) return false;
      tx.remove(row);
      audit(tx, scope.companyId, scope.actor, 'appointment.claim_released', `appointment:${row.id}`, { reason });
      return true;
    });
  }

  /** A contact's live upcoming meetings: booked by that contact, or by anyone with one of `phones`. */
  async upcomingForContact(em: EntityManager, scope: Scope, contact: { id: string; phones: string[] }, now: Date, limit: number): Promise<Appointment[]> {
    checkScope(scope, 'read');
    return em.find(
      Appointment,
      {
        companyId: scope.companyId,
        status: { $ne: 'CANCELLED' },
        startAt: { $gt: now },
        $or: [{ contactId: contact.id }, { clientPhone: { $in: contact.phones } }],
      },
      { orderBy: { startAt: 'asc', id: 'asc' }, limit },
    );
  }

  /** The live, still upcoming appointments among `ids`, in start order. */
  async liveUpcoming(em: EntityManager, scope: Scope, ids: string[], now: Date): Promise<Appointment[]> {
    checkScope(scope, 'read');
    if (ids.length === 0) return [];
    return em.find(
      Appointment,
      { companyId: scope.companyId, id: { $in: ids.filter(isUuid) }, status: { $ne: 'CANCELLED' }, startAt: { $gt: now } },
      { orderBy: { startAt: 'asc', id: 'asc' } },
    );
  }

  /** The contact's own live appointment (claims included) starting exactly at `start`. */
  async contactAppointmentAt(em: EntityManager, scope: Scope, contactId: string, start: Date): Promise<Appointment | null> {
    checkScope(scope, 'read');
    return em.findOne(Appointment, {
      companyId: scope.companyId,
      contactId,
      startAt: start,
      status: { $in: ['PENDING', 'CONFIRMED', 'RESCHEDULED'] },
    });
  }

  /** Start times of the company's live appointments in [from, to). */
  async liveStarts(em: EntityManager, scope: Scope, from: Date, to: Date): Promise<Date[]> {
    checkScope(scope, 'read');
    const rows = await em.find(
      Appointment,
      { companyId: scope.companyId, status: { $ne: 'CANCELLED' }, startAt: { $gte: from, $lt: to } },
      { fields: ['startAt'] },
    );
    return rows.map((r) => r.startAt);
  }

  async publish(em: EntityManager, appointment: Appointment, kind: AppointmentChangeKind): Promise<void> {
    await this.notifyView(em, appointment.companyId, mapAppointment(appointment), kind);
  }

  /** Announces a change (delivered when the caller's transaction commits). */
  async notifyView(em: EntityManager, companyId: string, view: AppointmentView, kind: AppointmentChangeKind): Promise<void> {
    await this.events.notify(em, { topic: APPOINTMENT_TOPIC, companyId, payload: { kind, appointment: view } }, { kind, id: view.id });
  }

  /** Loads a change that was too large for NOTIFY (see PgEventBus.registerReload). */
  async reloadChange(em: EntityManager, companyId: string, ref: { kind: AppointmentChangeKind; id: string }) {
    const row = await em.findOne(Appointment, { id: ref.id, companyId });
    return row ? { kind: ref.kind, appointment: mapAppointment(row) } : null;
  }

  async integrations(em: EntityManager, companyId: string): Promise<CompanyIntegrations> {
    const company = await this.companies.integrations(em, companyId);
    if (!company) throw domainError('COMPANY_NOT_FOUND');
    return company;
  }

  applyBooking(row: Appointment, booking: CalendarBooking): void {
    row.calBookingUid = booking.uid;
    row.calBookingId = booking.id;
    row.startAt = booking.start;
    row.endAt = booking.end;
    if (booking.meetingUrl) row.meetingUrl = booking.meetingUrl;
    if (booking.title) row.title = booking.title;
  }

  private async claim(em: EntityManager, scope: Scope, input: ValidBooking, source: AppointmentSource): Promise<Appointment> {
    try {
      return await em.transactional(async (tx) => {
        const row = tx.create(Appointment, {
          companyId: scope.companyId,
          status: 'PENDING',
          title: `Reunião com ${input.clientName}`,
          startAt: input.start,
          // Cal.com returns the real end; until then assume a 30-minute event.
          endAt: new Date(input.start.getTime() + 30 * 60_000),
          clientName: input.clientName,
          clientPhone: input.clientPhone,
          clientEmail: input.clientEmail,
          notes: input.notes,
          source,
          contactId: input.contactId ?? null,
          searchText: appointmentSearchText(input.clientName, input.clientPhone, input.clientEmail),
          createdAt: new Date(),
          updatedAt: new Date(),
        });
        audit(tx, scope.companyId, scope.actor, 'appointment.requested', `appointment:${row.id}`, {
          start: input.start.toISOString(),
          source,
        });
        await tx.flush();
        return row;
      });
    } catch (error) {
      if (error instanceof UniqueConstraintViolationException) {
        throw domainError('SLOT_TAKEN');
      }
      throw error;
    }
  }

  private async release(em: EntityManager, scope: Scope, id: string, cause: unknown): Promise<void> {
    await em.transactional(async (tx) => {
      const row = await tx.findOne(Appointment, { id, companyId: scope.companyId }, { lockMode: LockMode.PESSIMISTIC_WRITE });
      // A webhook may already have confirmed it (Cal.com accepted after all): keep that.
      if (!row || row.status !== 'PENDING' || row.calBookingUid) return;
      tx.remove(row);
      audit(tx, scope.companyId, scope.actor, 'appointment.booking_failed', `appointment:${id}`, {
        reason: cause instanceof Error ? cause.message : String(cause),
        kind: cause instanceof CalendarError ? cause.kind : 'error',
      });
      await tx.flush();
    });
  }

  private async confirm(em: EntityManager, scope: Scope, id: string, booking: CalendarBooking, source: AppointmentSource): Promise<Appointment> {
    const row = await em.transactional(async (tx) => {
      const current = await tx.findOne(Appointment, { id, companyId: scope.companyId }, { lockMode: LockMode.PESSIMISTIC_WRITE });
      if (!current) return null;
      const firstConfirmation = !current.calBookingUid;
      this.applyBooking(current, booking);
      if (current.status === 'PENDING') current.status = booking.status === 'pending' ? 'PENDING' : 'CONFIRMED';
      audit(tx, scope.companyId, scope.actor, 'appointment.booked', `appointment:${current.id}`, {
        uid: booking.uid,
        start: booking.start.toISOString(),
        meetingUrl: booking.meetingUrl,
        source,
      });
      await this.flushClaim(tx);
      if (firstConfirmation) await this.publish(tx, current, AppointmentChangeKind.CREATED);
      return current;
    });
    if (!row) {
      // A Cal.com booking made elsewhere for this slot superseded our claim meanwhile (see
      // CalendarSync.slotTaken); do not leave our late duplicate behind in Cal.com.
      const company = await this.integrations(em, scope.companyId);
      await this.calendar.cancel(company, booking.uid, 'Horário ocupado por outra reserva').catch(() => {});
      throw domainError('SLOT_TAKEN');
    }
    if (row.status === 'CONFIRMED') this.metrics.appointmentsConfirmed.inc({ company: scope.companyId, source: source.toLowerCase() });
    if (!row.meetingUrl) this.metrics.diagnostics.inc({ company: scope.companyId, symptom: 'meeting_link_missing' });
    return row;
  }

  private async flushClaim(tx: EntityManager): Promise<void> {
    try {
      await tx.flush();
    } catch (error) {
      if (error instanceof UniqueConstraintViolationException) {
        throw domainError('SLOT_OCCUPIED');
      }
      throw error;
    }
  }

  private async calendarCall<T>(companyId: string, call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (error) {
      throw this.toDomainError(error, companyId);
    }
  }

  /** Our own pt-BR text plus Cal.com's HTTP status: Cal.com's text stays in the logs (ARCHITECTURE §11). */
  private toDomainError(error: unknown, companyId: string): unknown {
    if (!(error instanceof CalendarError)) return error;
    const status = error.status === undefined ? {} : { calcomStatus: error.status };
    const http = error.status === undefined ? '' : ` (HTTP ${error.status})`;
    switch (error.kind) {
      case 'not_configured':
        this.metrics.diagnostics.inc({ company: companyId, symptom: 'calendar_not_configured' });
        return notConfigured();
      case 'slot_taken':
        return domainError('CALCOM_SLOT_UNAVAILABLE', status);
      case 'not_found':
        return domainError('CALCOM_BOOKING_GONE', status);
      case 'rejected':
        if (error.blocked) {
          return domainError('CALCOM_URL_BLOCKED');
        }
        if (error.status === 401 || error.status === 403) {
          return domainError('CALCOM_KEY_REFUSED', { http }, status);
        }
        return domainError('CALCOM_OPERATION_REFUSED', { http }, status);
      case 'unavailable':
        this.metrics.diagnostics.inc({ company: companyId, symptom: 'calcom_unreachable' });
        return domainError('CALCOM_NO_ANSWER', { http }, status);
    }
  }
}

function notConfigured() {
  return domainError('CALCOM_NOT_CONFIGURED');
}

interface ValidBooking {
  start: Date;
  clientName: string;
  clientPhone: string | null;
  clientEmail: string | null;
  notes: string | null;
  contactId?: string | null;
}

export function validateBooking(input: BookInput): ValidBooking {
  const problems: Record<string, string> = {};
  if (!(input.start instanceof Date) || Number.isNaN(input.start.getTime())) problems.start = BOOKING_FIELD.startInvalid;
  else if (input.start.getTime() < Date.now() - 60_000) problems.start = BOOKING_FIELD.startPast;
  const clientName = (input.clientName ?? '').trim();
  if (!clientName) problems.clientName = BOOKING_FIELD.nameMissing;
  else if (clientName.length > 200) problems.clientName = BOOKING_FIELD.nameTooLong;
  let clientPhone: string | null = null;
  if (input.clientPhone?.trim()) {
    clientPhone = normalizePhone(input.clientPhone);
    if (!clientPhone) problems.clientPhone = BOOKING_FIELD.phoneInvalid;
  }
  const clientEmail = input.clientEmail?.trim().toLowerCase() || null;
  if (clientEmail && (!EMAIL.test(clientEmail) || clientEmail.length > 254)) problems.clientEmail = BOOKING_FIELD.emailInvalid;
  if (!clientPhone && !clientEmail && !problems.clientPhone && !problems.clientEmail) {
    problems.clientPhone = BOOKING_FIELD.contactMissing;
  }
  const notes = input.notes?.trim() || null;
  if (notes && notes.length > 2000) problems.notes = BOOKING_FIELD.notesTooLong;
  const fields = Object.keys(problems);
  if (fields.length > 0) {
    throw domainError('BOOKING_INVALID', { problems: Object.values(problems).join(' ') }, { fields: problems });
  }
  return { start: input.start, clientName, clientPhone, clientEmail, notes, contactId: input.contactId ?? null };
}

export function appointmentSearchText(name: string, phone: string | null, email: string | null): string {
  return [searchKey(name), phone ?? '', email ?? ''].filter(Boolean).join(' ');
}

function searchTerms(search: string | null | undefined): string[] {
  if (!search?.trim()) return [];
  if (search.length > 200) throw domainError('SEARCH_TOO_LONG');
  const key = searchKey(search);
  const terms = key.split(/\s+/).filter(Boolean);
  // "(11) 99999-8888" → also match the phone's contiguous digits
  const digits = search.replace(/\D/g, '');
  if (digits.length >= 4 && terms.length > 1 && terms.every((t) => /^\d+$/.test(t))) return [digits.replace(/^0+/, '')];
  return terms;
}

export function encodeCursor(startAt: Date, id: string): string {
  return Buffer.from(`${isoString(startAt)}|${id}`).toString('base64url');
}

export function decodeCursor(cursor: string): { startAt: Date; id: string } {
  const [iso, id] = Buffer.from(cursor, 'base64url').toString('utf8').split('|');
  const startAt = new Date(iso ?? '');
  if (!id || !isUuid(id) || Number.isNaN(startAt.getTime())) throw domainError('CURSOR_INVALID');
  return { startAt, id };
}
