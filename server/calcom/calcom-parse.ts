/** Reading Cal.com API v2 answers (slots, bookings) into our shapes; anything unexpected is a server-kind CalcomError. */

import { CalcomError, type CalcomAttendee, type CalcomBooking, type CalcomBookingStatus, type CalcomSlot } from './calcom-client.types.js';

export const DEFAULT_SLOT_MINUTES = 30;

/**
 * Slots from `GET /v2/slots` (2024-09-04: `{date: [{start, end?}]}`) or the older
 * `/v2/slots/available` shape (`{slots: {date: [{time}]}}`), sorted and de-duplicated.
 */
export function parseSlots(data: unknown, fallbackMinutes: number = DEFAULT_SLOT_MINUTES): CalcomSlot[] {
  const byDate = isRecord(data) && isRecord(data.slots) ? data.slots : data;
  if (!isRecord(byDate)) throw invalidResponse('GET /v2/slots: data is not an object');
  const seen = new Map<number, CalcomSlot>();
  for (const items of Object.values(byDate)) {
    if (!Array.isArray(items)) continue;
    for (const item of items) {
      const slot = parseSlot(item, fallbackMinutes);
      if (slot && !seen.has(slot.start.getTime())) seen.set(slot.start.getTime(), slot);
    }
  }
  return [...seen.values()].sort((a, b) => a.start.getTime() - b.start.getTime());
}

function parseSlot(item: unknown, fallbackMinutes: number): CalcomSlot | null {
  if (!isRecord(item)) return null;
  const start = toDate(item.start ?? item.time ?? item.startTime);
  if (!start) return null;
  const end = toDate(item.end ?? item.endTime) ?? new Date(start.getTime() + fallbackMinutes * 60_000);
  return end > start ? { start, end } : null;
}

/** Maps an API v2 booking object (status lower-case here; webhooks use upper-case) to our shape. */
export function normalizeBooking(raw: unknown): CalcomBooking {
  if (!isRecord(raw)) throw invalidResponse('booking is not an object');
  const start = toDate(raw.start ?? raw.startTime);
  const uid = typeof raw.uid === 'string' ? raw.uid : '';
  if (!start || !uid) throw invalidResponse('booking without uid or start');
  const duration = typeof raw.duration === 'number' ? raw.duration : DEFAULT_SLOT_MINUTES;
  const metadata = isRecord(raw.metadata) ? { ...raw.metadata } : {};
  return {
    id: Number(raw.id),
    uid,
    status: normalizeStatus(raw.status),
    start,
    end: toDate(raw.end ?? raw.endTime) ?? new Date(start.getTime() + duration * 60_000),
    meetingUrl: meetingUrlOf(raw, metadata),
    title: typeof raw.title === 'string' ? raw.title : '',
    metadata,
    eventTypeId: eventTypeIdOf(raw),
    rescheduledFromUid: stringOrNull(raw.rescheduledFromUid),
    rescheduledToUid: stringOrNull(raw.rescheduledToUid),
    cancellationReason: stringOrNull(raw.cancellationReason),
    attendees: Array.isArray(raw.attendees) ? raw.attendees.filter(isRecord).map(normalizeAttendee) : [],
    host: hostOf(raw),
  };
}

/** `hosts[0]` of a v2 booking (`{id, name, email, …}`): who hosts it, for the agenda and overlaps. */
function hostOf(raw: Record<string, unknown>): CalcomBooking['host'] {
  const first = Array.isArray(raw.hosts) ? raw.hosts.find(isRecord) : undefined;
  if (!first) return null;
  const userId = typeof first.id === 'number' && Number.isInteger(first.id) ? first.id : null;
  const name = typeof first.name === 'string' && first.name.trim() ? first.name.trim().slice(0, 200) : null;
  return userId === null && name === null ? null : { userId, name };
}

/** `meetingUrl` (deprecated but still sent), else `location` when it is a URL, else `metadata.videoCallUrl`. */
function meetingUrlOf(raw: Record<string, unknown>, metadata: Record<string, unknown>): string | null {
  for (const candidate of [raw.meetingUrl, raw.location, metadata.videoCallUrl]) {
    if (typeof candidate === 'string' && /^https?:\/\//i.test(candidate.trim())) return candidate.trim();
  }
  return null;
}

function normalizeAttendee(raw: Record<string, unknown>): CalcomAttendee {
  const email = stringOrNull(raw.email);
  return {
    name: typeof raw.name === 'string' ? raw.name : '',
    // Phone-only bookings get a faux `<digits>@sms.cal.com` address; it reaches nobody.
    email: email && !/@sms\.cal\.com$/i.test(email) ? email : null,
    phoneNumber: stringOrNull(raw.phoneNumber),
    timeZone: stringOrNull(raw.timeZone),
  };
}

function normalizeStatus(value: unknown): CalcomBookingStatus {
  const status = typeof value === 'string' ? value.toLowerCase() : '';
  if (status === 'accepted' || status === 'cancelled' || status === 'rejected') return status;
  return 'pending';
}

function eventTypeIdOf(raw: Record<string, unknown>): number | null {
  const id = isRecord(raw.eventType) ? raw.eventType.id : raw.eventTypeId;
  return typeof id === 'number' ? id : null;
}

export function firstBooking(data: unknown): unknown {
  // Recurring bookings come back as an array; we only create single ones.
  return Array.isArray(data) ? data[0] : data;
}

export function dataOf(json: unknown): unknown {
  return isRecord(json) ? json.data : undefined;
}

export function invalidResponse(message: string, status?: number): CalcomError {
  return new CalcomError({ kind: 'server', status, message: `unexpected Cal.com response: ${message}` });
}

export function toDate(value: unknown): Date | null {
  if (typeof value !== 'string' && !(value instanceof Date)) return null;
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? null : date;
}

function stringOrNull(value: unknown): string | null {
  return typeof value === 'string' && value ? value : null;
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
