import type { CompanyIntegrations } from '../companies/company.service.js';

export interface CalendarSlot {
  start: Date;
  end: Date;
}

/** Who hosts a booking in the calendar (Cal.com's `organizer`, or a booking's first `hosts` entry). */
export interface CalendarHost {
  userId: number | null;
  name: string | null;
}

export interface CalendarBooking {
  uid: string;
  id: number | null;
  status: 'accepted' | 'pending' | 'cancelled' | 'rejected';
  start: Date;
  end: Date;
  meetingUrl: string | null;
  title: string;
  host?: CalendarHost | null;
}

export interface BookingRequest {
  appointmentId: string;
  start: Date;
  name: string;
  email: string | null;
  /** E.164 with `+`. */
  phone: string | null;
  notes: string | null;
  /** A retry of a booking that may already exist in Cal.com: look for it (by our id) before creating. */
  reconcileFirst?: boolean;
}

export const CALENDAR_TRIGGERS = ['BOOKING_CREATED', 'BOOKING_REQUESTED', 'BOOKING_RESCHEDULED', 'BOOKING_CANCELLED', 'BOOKING_REJECTED'] as const;
export type CalendarTrigger = (typeof CALENDAR_TRIGGERS)[number];

/**
 * A booking change seen in the calendar (a Cal.com webhook or reconciliation), in our terms: what
 * `AppointmentService.applyCalendarEvent` applies. Cal.com code only translates payloads into these.
 */
export interface CalendarEvent {
  trigger: CalendarTrigger;
  /** When the calendar produced it; older than the last applied event means stale. */
  at: Date;
  uid: string;
  bookingId: number | null;
  /** On BOOKING_RESCHEDULED: the uid of the booking it replaces. */
  rescheduleUid: string | null;
  title: string;
  start: Date;
  end: Date;
  clientName: string;
  clientEmail: string | null;
  clientPhone: string | null;
  meetingUrl: string | null;
  reason: string | null;
  /** Our appointment id, when the booking was made by us (metadata round trip). */
  appointmentId: string | null;
  /** The booking's event type: which service it is (a booking made in Cal.com gets its service from it). */
  eventTypeId: number | null;
  host: CalendarHost | null;
}

export const ATTENDANCE_TRIGGERS = ['BOOKING_NO_SHOW_UPDATED', 'AFTER_GUESTS_CAL_VIDEO_NO_SHOW'] as const;
export type AttendanceTrigger = (typeof ATTENDANCE_TRIGGERS)[number];

/**
 * Whether the attendees of a booking came, as the calendar reports it (Cal.com's no-show events),
 * in our terms: what `AppointmentService.applyAttendanceEvent` applies.
 */
export interface CalendarAttendanceEvent {
  trigger: AttendanceTrigger;
  at: Date;
  uid: string;
  bookingId: number | null;
  /** Per attendee (booker first): true = did not come. The client's e-mail picks theirs; the first only when it is unknown. */
  attendees: Array<{ email: string | null; noShow: boolean }>;
}

export type CalendarFailure = 'not_configured' | 'slot_taken' | 'rejected' | 'unavailable' | 'not_found';

/** A Cal.com outcome the domain cares about, already classified (see calcom.gateway.ts). */
export class CalendarError extends Error {
  override name = 'CalendarError';
  constructor(
    readonly kind: CalendarFailure,
    /** For logs only: may hold Cal.com's own text, which never reaches a client. */
    message: string,
    /** Cal.com's HTTP status, when it answered. */
    readonly status?: number,
    /** The configured URL points where the outbound guard refuses to go. */
    readonly blocked = false,
  ) {
    super(message);
  }
}

/** What the appointment service needs from the calendar; Cal.com implements it. */
export interface CalendarGateway {
  slots(company: CompanyIntegrations, from: Date, to: Date): Promise<CalendarSlot[]>;
  book(company: CompanyIntegrations, request: BookingRequest): Promise<CalendarBooking>;
  cancel(company: CompanyIntegrations, uid: string, reason: string | null): Promise<void>;
  reschedule(company: CompanyIntegrations, uid: string, start: Date, reason: string | null): Promise<CalendarBooking>;
  /** The calendar's current view of bookings starting after `since`, as events stamped `now` (reconciliation). */
  recentEvents(company: CompanyIntegrations, since: Date, now: Date): Promise<CalendarEvent[]>;
  /** The booking that carries our appointment id in its metadata, if the calendar has one. */
  findEvent(company: CompanyIntegrations, appointmentId: string, around: Date, now: Date): Promise<CalendarEvent | null>;
}
