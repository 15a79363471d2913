/**
 * Cal.com API v2 client, one instance per company (tenant). Follows Cal.com's public API v2 reference (slots, bookings).
 *
 * The HTTP transport (timeouts, retries, body cap) is `calcom-http.ts`, answer parsing `calcom-parse.ts`,
 * the booking body `calcom-booking-body.ts`, shared types `calcom-client.types.ts`; this file keeps the
 * slot and booking operations and re-exports the rest so importers have one place to import from.
 *
 * Booking creation is NOT idempotent on Cal.com's side, so a failure that may have happened after
 * Cal.com accepted the POST (timeout, dropped connection, 5xx) is never answered with a blind re-POST:
 * the client first lists the bookings around the requested start and looks for our
 * `metadata.appointmentId`; it re-POSTs only when none is found. A 429 is answered by the throttler
 * before the handler runs, so it is re-POSTed directly.
 */

import { buildBookingBody, isAmbiguous, isPhoneRejection, toUtcIso, withoutPhone, type BookingBody } from './calcom-booking-body.js';
import { CalcomHttp } from './calcom-http.js';
import { dataOf, DEFAULT_SLOT_MINUTES, firstBooking, invalidResponse, isRecord, normalizeBooking, parseSlots } from './calcom-parse.js';
import {
  CalcomError,
  type CalcomBooking,
  type CalcomClientOptions,
  type CalcomSlot,
  type CreateBookingInput,
  type ListBookingsFilter,
} from './calcom-client.types.js';

export * from './calcom-client.types.js';
export { normalizeBooking, parseSlots } from './calcom-parse.js';

const SLOTS_API_VERSION = '2024-09-04';
const FIND_WINDOW_BEFORE_MS = 60_000;
const FIND_WINDOW_AFTER_MS = 24 * 3_600_000;
const FIND_PAGE_SIZE = 100;
const FIND_MAX_PAGES = 5;

export class CalcomClient {
  readonly eventTypeId: number | undefined;
  private readonly http: CalcomHttp;
  private readonly bookingsVersion: string;
  private readonly eventLengthMinutes: number | undefined;

  constructor(options: CalcomClientOptions) {
    this.http = new CalcomHttp(options);
    this.eventTypeId = options.eventTypeId;
    this.bookingsVersion = options.bookingsApiVersion ?? '2026-02-25';
    this.eventLengthMinutes = options.eventLengthMinutes;
  }

  async getSlots(range: { start: Date; end: Date; timeZone: string }): Promise<CalcomSlot[]> {
    return this.http.observed('slots', async () => {
      const { json } = await this.http.retrying(() =>
        this.http.call({
          method: 'GET',
          path: '/v2/slots',
          version: SLOTS_API_VERSION,
          query: {
            eventTypeId: String(this.requireEventType()),
            start: range.start.toISOString(),
            end: range.end.toISOString(),
            timeZone: range.timeZone,
            format: 'range',
          },
        }),
      );
      return parseSlots(dataOf(json), this.eventLengthMinutes ?? DEFAULT_SLOT_MINUTES);
    });
  }

  /**
   * Sends `{start (UTC), eventTypeId, attendee {name, email?, phoneNumber?, timeZone, language},
   * metadata, bookingFieldsResponses {notes}?}`. Cal.com needs an email or a phone number; we send
   * whichever we have and never invent an email.
   */
  async createBooking(input: CreateBookingInput): Promise<CalcomBooking> {
    const body = buildBookingBody(input, this.requireEventType());
    const appointmentId = input.metadata.appointmentId;
    return this.http.observed('book', async () => {
      const find = () => this.findRaw(appointmentId, input.start);
      if (input.reconcileFirst) {
        const existing = await find();
        if (existing) return existing;
      }
      return this.postBookingSafely(body, find);
    });
  }

  async cancelBooking(uid: string, reason?: string): Promise<CalcomBooking> {
    return this.http.observed('cancel', async () => {
      const path = `/v2/bookings/${encodeURIComponent(uid)}/cancel`;
      const body = reason === undefined ? {} : { cancellationReason: reason };
      try {
        const { json } = await this.http.retrying(() => this.http.call({ method: 'POST', path, version: this.bookingsVersion, body }));
        return this.toBooking(json);
      } catch (error) {
        // A retried cancel whose first attempt went through gets a 400; the booking state is the truth.
        if (!(error instanceof CalcomError) || error.status !== 400) throw error;
        const current = await this.getRaw(uid).catch(() => null);
        if (current?.status === 'cancelled') return current;
        throw error;
      }
    });
  }

  async rescheduleBooking(uid: string, start: Date, reason?: string): Promise<CalcomBooking> {
    return this.http.observed('book', async () => {
      const path = `/v2/bookings/${encodeURIComponent(uid)}/reschedule`;
      const body = reason === undefined ? { start: toUtcIso(start) } : { start: toUtcIso(start), reschedulingReason: reason };
      const find = () => this.findReschedule(uid, start);
      let uncertain = false;
      try {
        return await this.http.retrying(
          async () => this.toBooking((await this.http.call({ method: 'POST', path, version: this.bookingsVersion, body })).json),
          async (error) => {
            if (!isAmbiguous(error)) return null;
            uncertain = true;
            return find().catch(() => {
              throw error;
            });
          },
        );
      } catch (error) {
        // After an uncertain attempt, a 400 is usually "already rescheduled" by that very attempt.
        const recheck = error instanceof CalcomError && (isAmbiguous(error) || (uncertain && error.status === 400));
        const found = recheck ? await find().catch(() => null) : null;
        if (found) return found;
        throw error;
      }
    });
  }

  async getBooking(uid: string): Promise<CalcomBooking | null> {
    return this.http.observed('get', () => this.getRaw(uid));
  }

  async listBookings(filter: ListBookingsFilter = {}): Promise<CalcomBooking[]> {
    return this.http.observed('list', () => this.listRaw(filter));
  }

  /** The booking Cal.com holds for our appointment near `around`, preferring a live one; null if none. */
  async findBookingByAppointmentId(appointmentId: string, around: Date): Promise<CalcomBooking | null> {
    return this.http.observed('list', () => this.findRaw(appointmentId, around));
  }

  private async postBookingSafely(body: BookingBody, find: () => Promise<CalcomBooking | null>): Promise<CalcomBooking> {
    try {
      return await this.postBooking(body, find);
    } catch (error) {
      // libphonenumber on Cal.com's side may reject a WhatsApp number (e.g. an old BR mobile without
      // the 9th digit). A 400 created nothing, so booking by email alone is safe.
      if (error instanceof CalcomError && isPhoneRejection(error) && body.attendee.email && body.attendee.phoneNumber) {
        return this.postBooking(withoutPhone(body), find);
      }
      throw error;
    }
  }

  private async postBooking(body: BookingBody, find: () => Promise<CalcomBooking | null>): Promise<CalcomBooking> {
    let uncertain = false;
    const post = async () =>
      this.toBooking((await this.http.call({ method: 'POST', path: '/v2/bookings', version: this.bookingsVersion, body })).json);
    try {
      return await this.http.retrying(post, async (error) => {
        if (!isAmbiguous(error)) return null;
        uncertain = true;
        // Unable to check means unable to rule out a duplicate: stop and let the caller retry later.
        return find().catch(() => {
          throw error;
        });
      });
    } catch (error) {
      // Last attempt failed after Cal.com may have accepted it, or our own earlier attempt holds the
      // slot while the listing lagged: look once more before reporting a failure.
      const recheck = error instanceof CalcomError && (isAmbiguous(error) || (uncertain && error.slotUnavailable));
      const found = recheck ? await find().catch(() => null) : null;
      if (found) return found;
      throw error;
    }
  }

  /** A reschedule that went through left the old booking pointing at the new one (at our start). */
  private async findReschedule(oldUid: string, start: Date): Promise<CalcomBooking | null> {
    const old = await this.getRaw(oldUid);
    const next = old?.rescheduledToUid ? await this.getRaw(old.rescheduledToUid) : null;
    return next && next.start.getTime() === start.getTime() ? next : null;
  }

  private async findRaw(appointmentId: string, around: Date): Promise<CalcomBooking | null> {
    const matches: CalcomBooking[] = [];
    const filter = {
      afterStart: new Date(around.getTime() - FIND_WINDOW_BEFORE_MS),
      beforeEnd: new Date(around.getTime() + FIND_WINDOW_AFTER_MS),
      take: FIND_PAGE_SIZE,
    };
    for (let page = 0; page < FIND_MAX_PAGES; page++) {
      const bookings = await this.listRaw({ ...filter, skip: page * FIND_PAGE_SIZE });
      matches.push(...bookings.filter((b) => b.metadata.appointmentId === appointmentId));
      if (bookings.length < FIND_PAGE_SIZE) break;
    }
    const live = matches.filter((b) => b.status === 'accepted' || b.status === 'pending');
    return live.find((b) => b.start.getTime() === around.getTime()) ?? live[0] ?? matches[0] ?? null;
  }

  private async listRaw(filter: ListBookingsFilter): Promise<CalcomBooking[]> {
    const status = Array.isArray(filter.status) ? filter.status.join(',') : filter.status;
    const { json } = await this.http.retrying(() =>
      this.http.call({
        method: 'GET',
        path: '/v2/bookings',
        version: this.bookingsVersion,
        query: {
          afterStart: filter.afterStart?.toISOString(),
          beforeEnd: filter.beforeEnd?.toISOString(),
          status,
          take: filter.take === undefined ? undefined : String(filter.take),
          skip: filter.skip === undefined ? undefined : String(filter.skip),
          sortStart: 'asc',
        },
      }),
    );
    const data = dataOf(json);
    if (!Array.isArray(data)) throw invalidResponse('GET /v2/bookings: data is not an array');
    return data.map((item) => normalizeBooking(item));
  }

  private async getRaw(uid: string): Promise<CalcomBooking | null> {
    const raw = await this.getRawJson(uid);
    return raw ? normalizeBooking(raw) : null;
  }

  private async getRawJson(uid: string): Promise<Record<string, unknown> | null> {
    try {
      const { json } = await this.http.retrying(() =>
        this.http.call({ method: 'GET', path: `/v2/bookings/${encodeURIComponent(uid)}`, version: this.bookingsVersion }),
      );
      const data = firstBooking(dataOf(json));
      return isRecord(data) ? data : null;
    } catch (error) {
      if (error instanceof CalcomError && error.status === 404) return null;
      throw error;
    }
  }

  private toBooking(json: unknown): CalcomBooking {
    return normalizeBooking(firstBooking(dataOf(json)));
  }

  private requireEventType(): number {
    // The gateway checks the company's settings first (not_configured); reaching this is a wiring bug.
    if (!this.eventTypeId) throw new Error('CalcomClient: this operation needs an eventTypeId');
    return this.eventTypeId;
  }
}
