import type { Config } from '../config.js';
import type { CompanyIntegrations } from '../companies/company.service.js';
import type { Logger } from '../platform/logger.js';
import type { Metrics } from '../platform/metrics.js';
import type { OutboundGuard } from '../platform/outbound-guard.js';
import { normalizePhone } from '../shared/phone.js';
import { CalendarError, type BookingRequest, type CalendarBooking, type CalendarEvent, type CalendarGateway, type CalendarSlot } from './calendar.gateway.js';
import { CalcomClient, CalcomError, type CalcomBooking, type CalcomClientOptions } from './calcom.client.js';
import { listEventTypes, type CalendarEventType, type EventTypeSource } from './calcom-event-types.js';

/**
 * Cal.com implementation of the calendar seam. A client is built per call from the company's
 * current settings, so a changed key or event type applies to the very next request.
 */
export class CalcomGateway implements CalendarGateway, EventTypeSource {
  /** Overrides for every client (timeouts, backoff); tests shorten them. */
  clientOptions: Partial<CalcomClientOptions>;

  constructor(
    private readonly deps: {
      metrics: Metrics;
      config: Config;
      outbound: OutboundGuard;
      /** Cal.com's own error text goes here (for the operator), never to the client. */
      log?: Pick<Logger, 'warn'>;
      clientOptions?: Partial<CalcomClientOptions>;
    },
  ) {
    this.clientOptions = deps.clientOptions ?? {};
  }

  /**
   * A client on the company's account. Only slots and new bookings name an event type
   * (`withEventType`): cancel, reschedule, get and list act on a booking or the account, so a company
   * that books only through its services (no default `calEventTypeId`) can still change its bookings.
   */
  client(company: CompanyIntegrations, options: { withEventType?: boolean } = {}): CalcomClient {
    const { apiKey, eventTypeId, apiUrl } = company.cal;
    if (!apiKey) throw new CalendarError('not_configured', 'Cal.com API key missing');
    if (options.withEventType && !eventTypeId) throw new CalendarError('not_configured', 'Cal.com event type id missing');
    const { metrics } = this.deps;
    return new CalcomClient({
      apiUrl,
      apiKey,
      ...(eventTypeId ? { eventTypeId } : {}),
      eventLengthMinutes: company.cal.lengthMinutes,
      bookingsApiVersion: this.deps.config.calBookingsApiVersion,
      fetch: this.deps.outbound.fetch,
      observe: (operation, outcome, seconds) => {
        metrics.calcomRequests.inc({ company: company.companyId, operation, outcome });
        if (operation === 'book') metrics.appointmentsLatency.observe({ company: company.companyId, outcome }, seconds);
      },
      ...this.clientOptions,
    });
  }

  async slots(company: CompanyIntegrations, from: Date, to: Date): Promise<CalendarSlot[]> {
    const slots = await this.call(company, () => this.client(company, { withEventType: true }).getSlots({ start: from, end: to, timeZone: company.timezone }));
    if (slots.length === 0) this.deps.metrics.diagnostics.inc({ company: company.companyId, symptom: 'slots_empty' });
    return slots;
  }

  async book(company: CompanyIntegrations, request: BookingRequest): Promise<CalendarBooking> {
    const booking = await this.call(company, () =>
      this.client(company, { withEventType: true }).createBooking({
        start: request.start,
        attendee: {
          name: request.name,
          email: request.email,
          phoneNumber: request.phone,
          timeZone: company.timezone,
          language: 'pt-BR',
        },
        metadata: { appointmentId: request.appointmentId },
        notes: request.notes ?? undefined,
        reconcileFirst: request.reconcileFirst,
      }),
    );
    return toCalendarBooking(booking);
  }

  async cancel(company: CompanyIntegrations, uid: string, reason: string | null): Promise<void> {
    await this.call(company, () => this.client(company).cancelBooking(uid, reason ?? undefined));
  }

  async reschedule(company: CompanyIntegrations, uid: string, start: Date, reason: string | null): Promise<CalendarBooking> {
    return toCalendarBooking(await this.call(company, () => this.client(company).rescheduleBooking(uid, start, reason ?? undefined)));
  }

  // Reconciliation reads Cal.com as-is: its failures reach the reconcile loop unclassified, as before.
  async recentEvents(company: CompanyIntegrations, since: Date, now: Date): Promise<CalendarEvent[]> {
    const bookings = await this.client(company).listBookings({ afterStart: since, take: 100 });
    return bookings.map((b) => toCalendarEvent(b, now));
  }

  async findEvent(company: CompanyIntegrations, appointmentId: string, around: Date, now: Date): Promise<CalendarEvent | null> {
    const found = await this.client(company).findBookingByAppointmentId(appointmentId, around);
    return found ? toCalendarEvent(found, now) : null;
  }

  /** The account's event types (services); needs only the API key, not an event type. */
  async eventTypes(company: CompanyIntegrations): Promise<CalendarEventType[]> {
    const { apiKey, apiUrl } = company.cal;
    if (!apiKey) throw new CalendarError('not_configured', 'Cal.com API key missing');
    const { metrics } = this.deps;
    return this.call(company, () =>
      listEventTypes({
        apiUrl,
        apiKey,
        fetch: this.deps.outbound.fetch,
        observe: (operation, outcome) => metrics.calcomRequests.inc({ company: company.companyId, operation, outcome }),
        ...this.clientOptions,
      }),
    );
  }

  private async call<T>(company: CompanyIntegrations, operation: () => Promise<T>): Promise<T> {
    try {
      return await operation();
    } catch (error) {
      if (error instanceof CalcomError) {
        this.deps.log?.warn({ companyId: company.companyId, kind: error.kind, status: error.status, code: error.code, requestId: error.requestId, calcom: error.message }, 'Cal.com call failed');
      }
      throw classify(error);
    }
  }
}

export function toCalendarBooking(b: CalcomBooking): CalendarBooking {
  return { uid: b.uid, id: b.id, status: b.status, start: b.start, end: b.end, meetingUrl: b.meetingUrl, title: b.title, host: b.host };
}

/** Cal.com's current view of a booking as the newest event about it (stamped `now`). */
export function toCalendarEvent(b: CalcomBooking, now: Date): CalendarEvent {
  const trigger: CalendarEvent['trigger'] =
    b.status === 'cancelled' || b.status === 'rejected' ? 'BOOKING_CANCELLED'
    : b.status === 'pending' ? 'BOOKING_REQUESTED'
    : b.rescheduledFromUid ? 'BOOKING_RESCHEDULED'
    : 'BOOKING_CREATED';
  const attendee = b.attendees[0];
  const appointmentId = typeof b.metadata.appointmentId === 'string' ? b.metadata.appointmentId : null;
  return {
    trigger,
    at: now,
    uid: b.uid,
    bookingId: b.id,
    rescheduleUid: b.rescheduledFromUid,
    title: b.title,
    start: b.start,
    end: b.end,
    clientName: attendee?.name ?? '',
    clientEmail: attendee?.email ?? null,
    clientPhone: attendee?.phoneNumber ? normalizePhone(attendee.phoneNumber) : null,
    meetingUrl: b.meetingUrl,
    reason: b.cancellationReason,
    appointmentId,
    eventTypeId: b.eventTypeId,
    host: b.host,
  };
}

function classify(error: unknown): unknown {
  if (!(error instanceof CalcomError)) return error;
  const { status } = error;
  if (error.kind !== 'client') return new CalendarError('unavailable', error.message, status);
  if (error.code === 'OutboundBlocked') return new CalendarError('rejected', error.message, undefined, true);
  if (error.slotUnavailable) return new CalendarError('slot_taken', error.message, status);
  if (status === 401 || status === 403) {
    return new CalendarError('rejected', `chave de API do Cal.com recusada (${status}); confira-a em Configurações`, status);
  }
  if (status === 404) return new CalendarError('not_found', error.message, status);
  return new CalendarError('rejected', error.message, status);
}
