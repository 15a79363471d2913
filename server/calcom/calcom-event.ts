import { normalizePhone } from '../shared/phone.js';
import {
  ATTENDANCE_TRIGGERS,
  CALENDAR_TRIGGERS as BOOKING_TRIGGERS,
  type AttendanceTrigger,
  type CalendarAttendanceEvent,
  type CalendarEvent,
  type CalendarTrigger as BookingTrigger,
} from './calendar.gateway.js';

// Cal.com's names for the calendar port's vocabulary (the webhook and its tests use them).
export { BOOKING_TRIGGERS, type BookingTrigger };
/** A booking change from Cal.com, from a webhook or from reconciliation, in our terms. */
export type BookingEvent = CalendarEvent;

export class InvalidEvent extends Error {
  override name = 'InvalidEvent';
}

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown): string | null => (typeof v === 'string' && v.trim() ? v.trim() : null);
const httpUrl = (v: unknown): string | null => (typeof v === 'string' && /^https?:\/\/\S+$/i.test(v.trim()) ? v.trim() : null);

function date(v: unknown, field: string): Date {
  const d = typeof v === 'string' ? new Date(v) : null;
  if (!d || Number.isNaN(d.getTime())) throw new InvalidEvent(`campo ${field} ausente ou inválido`);
  return d;
}

/**
 * Parses the standard webhook envelope (`{triggerEvent, createdAt, payload}`, version 2021-10-20).
 * Returns `{trigger}` alone for PING and triggers we do not handle; a no-show event comes as
 * `attendance` (its payload has no booking times).
 */
export function parseWebhook(body: unknown): { trigger: string; event: BookingEvent | null; attendance?: CalendarAttendanceEvent } {
  if (!isObject(body)) throw new InvalidEvent('o corpo deve ser um objeto JSON');
  const trigger = str(body.triggerEvent);
  if (!trigger) throw new InvalidEvent('campo triggerEvent ausente');
  if ((ATTENDANCE_TRIGGERS as readonly string[]).includes(trigger)) return { trigger, event: null, attendance: parseAttendance(trigger as AttendanceTrigger, body) };
  if (!(BOOKING_TRIGGERS as readonly string[]).includes(trigger)) return { trigger, event: null };
  const payload = body.payload;
  if (!isObject(payload)) throw new InvalidEvent('campo payload ausente');
  const uid = str(payload.uid);
  if (!uid || uid.length > 200) throw new InvalidEvent('campo payload.uid ausente ou inválido');
  const at = body.createdAt === undefined ? new Date() : date(body.createdAt, 'createdAt');
  const start = date(payload.startTime, 'payload.startTime');
  const end = date(payload.endTime, 'payload.endTime');
  if (end <= start) throw new InvalidEvent('payload.endTime deve ser posterior a payload.startTime');
  const attendees = Array.isArray(payload.attendees) ? payload.attendees.filter(isObject) : [];
  const booker = attendees[0] ?? {};
  const responses = isObject(payload.responses) ? payload.responses : {};
  const response = (key: string) => (isObject(responses[key]) ? (responses[key] as Json).value : undefined);
  const metadata = isObject(payload.metadata) ? payload.metadata : {};
  const videoCallData = isObject(payload.videoCallData) ? payload.videoCallData : {};
  const phone = str(booker.phoneNumber) ?? str(response('attendeePhoneNumber')) ?? str(payload.smsReminderNumber);
  const bookingId = typeof payload.bookingId === 'number' && Number.isInteger(payload.bookingId) ? payload.bookingId : null;
  const eventTypeId = typeof payload.eventTypeId === 'number' && Number.isInteger(payload.eventTypeId) ? payload.eventTypeId : null;
  return {
    trigger,
    event: {
      trigger: trigger as BookingTrigger,
      at,
      uid,
      bookingId,
      rescheduleUid: str(payload.rescheduleUid),
      title: (str(payload.title) ?? '').slice(0, 300),
      start,
      end,
      clientName: (str(booker.name) ?? str(response('name')) ?? '').slice(0, 200),
      clientEmail: (str(booker.email) ?? str(response('email')))?.toLowerCase().slice(0, 254) ?? null,
      clientPhone: phone ? normalizePhone(phone) : null,
      // Release notes: the link comes from meetingUrl, else a URL location, else metadata.videoCallUrl.
      meetingUrl: httpUrl(payload.meetingUrl) ?? httpUrl(payload.location) ?? httpUrl(metadata.videoCallUrl) ?? httpUrl(videoCallData.url),
      reason: (str(payload.cancellationReason) ?? str(payload.rejectionReason))?.slice(0, 500) ?? null,
      appointmentId: str(metadata.appointmentId),
      eventTypeId,
      host: organizerOf(payload.organizer),
    },
  };
}

/** The payload's `organizer` ({id, name, email, timeZone, …}): the booking's host. */
function organizerOf(organizer: unknown): BookingEvent['host'] {
  if (!isObject(organizer)) return null;
  const userId = typeof organizer.id === 'number' && Number.isInteger(organizer.id) ? organizer.id : null;
  const name = str(organizer.name)?.slice(0, 200) ?? null;
  return userId === null && name === null ? null : { userId, name };
}

/**
 * Cal.com's no-show events, checked against its source (packages/features/webhooks/lib/sendPayload.ts,
 * tasker/tasks/triggerNoShow/common.ts), both in the standard envelope:
 * - BOOKING_NO_SHOW_UPDATED (marked in Cal.com or `POST /v2/bookings/:uid/mark-absent`):
 *   `{message, bookingUid, bookingId?, attendees: [{email, noShow}]}`; `noShow: false` undoes a mark.
 * - AFTER_GUESTS_CAL_VIDEO_NO_SHOW (no guest joined the Cal Video call in time): the booking's
 *   `{title, bookingId, bookingUid, startTime, endTime, attendees, participants, eventType, message}`.
 */
function parseAttendance(trigger: AttendanceTrigger, body: Json): CalendarAttendanceEvent {
  const payload = body.payload;
  if (!isObject(payload)) throw new InvalidEvent('campo payload ausente');
  const uid = str(payload.bookingUid) ?? str(payload.uid);
  if (!uid || uid.length > 200) throw new InvalidEvent('campo payload.bookingUid ausente ou inválido');
  const at = body.createdAt === undefined ? new Date() : date(body.createdAt, 'createdAt');
  const bookingId = typeof payload.bookingId === 'number' && Number.isInteger(payload.bookingId) ? payload.bookingId : null;
  const listed = Array.isArray(payload.attendees) ? payload.attendees.filter(isObject) : [];
  const email = (a: Json) => str(a.email)?.toLowerCase().slice(0, 254) ?? null;
  let attendees: CalendarAttendanceEvent['attendees'];
  if (trigger === 'BOOKING_NO_SHOW_UPDATED') {
    attendees = listed.filter((a) => typeof a.noShow === 'boolean').map((a) => ({ email: email(a), noShow: a.noShow as boolean }));
  } else {
    // No guest joined: every attendee (the client first) missed it.
    attendees = listed.length > 0 ? listed.map((a) => ({ email: email(a), noShow: true })) : [{ email: null, noShow: true }];
  }
  return { trigger, at, uid, bookingId, attendees };
}
