/**
 * Cal.com API v2 client, one instance per company (tenant). Follows Cal.com's public API v2 reference (slots, bookings).
 *
 * Retry policy: 429, 5xx, network errors and timeouts are retried (bounded, exponential backoff with
 * jitter, `Retry-After` / `X-RateLimit-Reset-Default` honoured); other 4xx never are.
 *
 * Booking creation is NOT idempotent on Cal.com's side, so a failure that may have happened after
 * Cal.com accepted the POST (timeout, dropped connection, 5xx) is never answered with a blind re-POST:
 * the client first lists the bookings around the requested start and looks for our
 * `metadata.appointmentId`; it re-POSTs only when none is found. A 429 is answered by the throttler
 * before the handler runs, so it is re-POSTed directly.
 */

import { blockedCause, defaultOutboundFetch, RemoteBodyTooLarge, type OutboundFetch } from '../platform/outbound-guard.js';
import { cleanJson } from '../shared/input-text.js';

export type CalcomOperation = 'slots' | 'book' | 'cancel' | 'list' | 'get';
export type CalcomOutcome = 'ok' | 'client_error' | 'rate_limited' | 'server_error' | 'network_error' | 'timeout';
export type CalcomErrorKind = 'client' | 'rate_limited' | 'server' | 'network' | 'timeout';
export type CalcomBookingStatus = 'accepted' | 'pending' | 'cancelled' | 'rejected';
/** Filter values accepted by `GET /v2/bookings?status=` (not the same vocabulary as a booking's status). */
export type CalcomListStatus = 'upcoming' | 'recurring' | 'past' | 'cancelled' | 'unconfirmed';
/** A subset of Cal.com's `BookingLanguage` enum; `pt-BR` is a member (types/bookings/2024-08-13/inputs/language.ts). */
export type CalcomLanguage = 'pt-BR' | 'pt' | 'en' | 'es';

export interface CalcomClientOptions {
  apiUrl: string;
  apiKey: string;
  eventTypeId: number;
  bookingsApiVersion?: string;
  timeoutMs?: number;
  maxRetries?: number;
  /** Length used for slots that come back with a start only; else 30. */
  eventLengthMinutes?: number;
  /** Longest server-requested wait we sleep through; a longer `Retry-After` fails fast instead. */
  maxRetryWaitMs?: number;
  baseBackoffMs?: number;
  observe?: (op: CalcomOperation, outcome: CalcomOutcome, seconds: number) => void;
  /** The tenant-URL guard's fetch (ARCHITECTURE §11); the default allows no private host. */
  fetch?: OutboundFetch;
  sleep?: (ms: number) => Promise<void>;
}

export interface CalcomSlot {
  start: Date;
  end: Date;
}

export interface CalcomAttendee {
  name: string;
  email: string | null;
  phoneNumber: string | null;
  timeZone: string | null;
}

export interface CalcomBooking {
  id: number;
  uid: string;
  status: CalcomBookingStatus;
  start: Date;
  end: Date;
  meetingUrl: string | null;
  title: string;
  metadata: Record<string, unknown>;
  eventTypeId: number | null;
  rescheduledFromUid: string | null;
  rescheduledToUid: string | null;
  cancellationReason: string | null;
  attendees: CalcomAttendee[];
}

export interface CreateBookingInput {
  start: Date;
  attendee: {
    name: string;
    email?: string | null;
    /** E.164; digits without `+` are accepted and prefixed. */
    phoneNumber?: string | null;
    timeZone: string;
    language?: CalcomLanguage;
  };
  metadata: { appointmentId: string } & Record<string, string>;
  notes?: string;
  /** Look for an existing booking with this appointmentId before POSTing (use when retrying a failed call). */
  reconcileFirst?: boolean;
}

export interface ListBookingsFilter {
  afterStart?: Date;
  beforeEnd?: Date;
  status?: CalcomListStatus | CalcomListStatus[];
  take?: number;
  skip?: number;
}

interface HttpCall {
  method: 'GET' | 'POST';
  path: string;
  version: string;
  query?: Record<string, string | undefined>;
  body?: unknown;
}

interface HttpResult {
  status: number;
  json: unknown;
}

const SLOTS_API_VERSION = '2024-09-04';
const DEFAULT_SLOT_MINUTES = 30;
const FIND_WINDOW_BEFORE_MS = 60_000;
const FIND_WINDOW_AFTER_MS = 24 * 3_600_000;
const FIND_PAGE_SIZE = 100;
const FIND_MAX_PAGES = 5;
const SLOT_TAKEN = /already has booking|not available|no available users/i;
/** Cal.com's default throttler block duration. */
const THROTTLE_BLOCK_MS = 60_000;

export class CalcomError extends Error {
  override name = 'CalcomError';
  readonly kind: CalcomErrorKind;
  readonly status: number | undefined;
  /** Nest exception class name from the error envelope (`BadRequestException`, `ThrottlerException`, …). */
  readonly code: string | undefined;
  readonly retryable: boolean;
  /** Server-requested wait (429/503) when it was longer than we are willing to sleep. */
  readonly retryAfterMs: number | undefined;
  readonly details: unknown;
  readonly requestId: string | undefined;

  constructor(init: {
    kind: CalcomErrorKind;
    message: string;
    status?: number;
    code?: string;
    retryAfterMs?: number;
    details?: unknown;
    requestId?: string;
    cause?: unknown;
  }) {
    super(init.message, init.cause === undefined ? undefined : { cause: init.cause });
    this.kind = init.kind;
    this.status = init.status;
    this.code = init.code;
    this.retryable = init.kind !== 'client';
    this.retryAfterMs = init.retryAfterMs;
    this.details = init.details;
    this.requestId = init.requestId;
  }

  /** Cal.com answers a taken or unavailable slot with a plain 400; only the message tells it apart. */
  get slotUnavailable(): boolean {
    return this.status === 400 && SLOT_TAKEN.test(this.message);
  }
}

export class CalcomClient {
  readonly eventTypeId: number;
  private readonly baseUrl: string;
  private readonly apiKey: string;
  private readonly bookingsVersion: string;
  private readonly timeoutMs: number;
  private readonly maxRetries: number;
  private readonly maxRetryWaitMs: number;
  private readonly baseBackoffMs: number;
  private readonly observeFn: CalcomClientOptions['observe'];
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly fetch: OutboundFetch;
  private readonly eventLengthMinutes: number | undefined;

  constructor(options: CalcomClientOptions) {
    this.baseUrl = normalizeApiUrl(options.apiUrl);
    this.apiKey = options.apiKey;
    this.eventTypeId = options.eventTypeId;
    this.bookingsVersion = options.bookingsApiVersion ?? '2026-02-25';
    this.timeoutMs = options.timeoutMs ?? 10_000;
    this.maxRetries = Math.max(0, options.maxRetries ?? 3);
    this.maxRetryWaitMs = options.maxRetryWaitMs ?? 10_000;
    this.baseBackoffMs = options.baseBackoffMs ?? 250;
    this.eventLengthMinutes = options.eventLengthMinutes;
    this.observeFn = options.observe;
    this.fetch = options.fetch ?? defaultOutboundFetch;
    this.sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
  }

  async getSlots(range: { start: Date; end: Date; timeZone: string }): Promise<CalcomSlot[]> {
    return this.observed('slots', async () => {
      const { json } = await this.retrying(() =>
        this.call({
          method: 'GET',
          path: '/v2/slots',
          version: SLOTS_API_VERSION,
          query: {
            eventTypeId: String(this.eventTypeId),
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
    const body = buildBookingBody(input, this.eventTypeId);
    const appointmentId = input.metadata.appointmentId;
    return this.observed('book', async () => {
      const find = () => this.findRaw(appointmentId, input.start);
      if (input.reconcileFirst) {
        const existing = await find();
        if (existing) return existing;
      }
      return this.postBookingSafely(body, find);
    });
  }

  async cancelBooking(uid: string, reason?: string): Promise<CalcomBooking> {
    return this.observed('cancel', async () => {
      const path = `/v2/bookings/${encodeURIComponent(uid)}/cancel`;
      const body = reason === undefined ? {} : { cancellationReason: reason };
      try {
        const { json } = await this.retrying(() => this.call({ method: 'POST', path, version: this.bookingsVersion, body }));
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
    return this.observed('book', async () => {
      const path = `/v2/bookings/${encodeURIComponent(uid)}/reschedule`;
      const body = reason === undefined ? { start: toUtcIso(start) } : { start: toUtcIso(start), reschedulingReason: reason };
      const find = () => this.findReschedule(uid, start);
      let uncertain = false;
      try {
        return await this.retrying(
          async () => this.toBooking((await this.call({ method: 'POST', path, version: this.bookingsVersion, body })).json),
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
    return this.observed('get', () => this.getRaw(uid));
  }

  async listBookings(filter: ListBookingsFilter = {}): Promise<CalcomBooking[]> {
    return this.observed('list', () => this.listRaw(filter));
  }

  /** The booking Cal.com holds for our appointment near `around`, preferring a live one; null if none. */
  async findBookingByAppointmentId(appointmentId: string, around: Date): Promise<CalcomBooking | null> {
    return this.observed('list', () => this.findRaw(appointmentId, around));
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
      this.toBooking((await this.call({ method: 'POST', path: '/v2/bookings', version: this.bookingsVersion, body })).json);
    try {
      return await this.retrying(post, async (error) => {
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
    const { json } = await this.retrying(() =>
      this.call({
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
      const { json } = await this.retrying(() =>
        this.call({ method: 'GET', path: `/v2/bookings/${encodeURIComponent(uid)}`, version: this.bookingsVersion }),
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

  private async observed<T>(op: CalcomOperation, run: () => Promise<T>): Promise<T> {
    const started = performance.now();
    const report = (outcome: CalcomOutcome) => this.observeFn?.(op, outcome, (performance.now() - started) / 1000);
    try {
      const result = await run();
      report('ok');
      return result;
    } catch (error) {
      report(outcomeOf(error));
      throw error;
    }
  }

  /**
   * Runs `attempt` up to 1 + maxRetries times. Before each retry `beforeRetry` may settle the call
   * with a result found some other way (used to detect writes that went through).
   */
  private async retrying<T>(
    attempt: () => Promise<T>,
    beforeRetry?: (error: CalcomError) => Promise<T | null>,
  ): Promise<T> {
    for (let retry = 0; ; retry++) {
      try {
        return await attempt();
      } catch (error) {
        if (!(error instanceof CalcomError) || !error.retryable || retry >= this.maxRetries) throw error;
        const waitMs = this.retryDelay(error, retry);
        if (waitMs === null) throw error;
        await this.sleep(waitMs);
        const settled = beforeRetry ? await beforeRetry(error) : null;
        if (settled) return settled;
      }
    }
  }

  private retryDelay(error: CalcomError, retry: number): number | null {
    if (error.retryAfterMs !== undefined) {
      return error.retryAfterMs > this.maxRetryWaitMs ? null : error.retryAfterMs;
    }
    const exponential = Math.min(this.maxRetryWaitMs, this.baseBackoffMs * 2 ** retry);
    return Math.round(exponential / 2 + Math.random() * (exponential / 2));
  }

  private async call(spec: HttpCall): Promise<HttpResult> {
    const url = new URL(this.baseUrl + spec.path);
    for (const [key, value] of Object.entries(spec.query ?? {})) {
      if (value !== undefined) url.searchParams.set(key, value);
    }
    let response: Response;
    let text: string;
    try {
      response = await this.fetch(url, {
        method: spec.method,
        headers: {
          authorization: `Bearer ${this.apiKey}`,
          'cal-api-version': spec.version,
          'content-type': 'application/json',
          accept: 'application/json',
        },
        body: spec.body === undefined ? undefined : JSON.stringify(spec.body),
        signal: AbortSignal.timeout(this.timeoutMs),
        // A redirect would turn the POST into a GET; a wrong base URL should fail loudly instead.
        redirect: 'manual',
      });
      text = await response.text();
    } catch (error) {
      throw transportError(error, `${spec.method} ${spec.path}`, this.timeoutMs);
    }
    const json = parseJson(text);
    if (response.status >= 200 && response.status < 300) {
      if (json === undefined) throw invalidResponse(`${spec.method} ${spec.path}: response is not JSON`, response.status);
      return { status: response.status, json };
    }
    throw httpError(response, json, text);
  }
}

type BookingBody = ReturnType<typeof buildBookingBody>;

function buildBookingBody(input: CreateBookingInput, eventTypeId: number) {
  const email = input.attendee.email?.trim() || undefined;
  const phoneNumber = toE164(input.attendee.phoneNumber);
  if (!email && !phoneNumber) {
    throw new CalcomError({ kind: 'client', code: 'InvalidInput', message: 'attendee needs an email or a phone number' });
  }
  if (!input.attendee.name.trim()) throw new CalcomError({ kind: 'client', code: 'InvalidInput', message: 'attendee name is empty' });
  if (Number.isNaN(input.start.getTime())) throw new CalcomError({ kind: 'client', code: 'InvalidInput', message: 'start is not a valid date' });
  checkMetadata(input.metadata);
  return {
    start: toUtcIso(input.start),
    eventTypeId,
    attendee: {
      name: input.attendee.name.trim(),
      ...(email ? { email } : {}),
      ...(phoneNumber ? { phoneNumber } : {}),
      timeZone: input.attendee.timeZone,
      language: input.attendee.language ?? 'pt-BR',
    },
    metadata: { ...input.metadata },
    ...(input.notes?.trim() ? { bookingFieldsResponses: { notes: input.notes.trim() } } : {}),
  };
}

/** Cal.com rejects metadata beyond 50 keys, 40-char keys or 500-char string values. */
function checkMetadata(metadata: Record<string, string>): void {
  const entries = Object.entries(metadata);
  const bad = entries.length > 50 || entries.some(([k, v]) => k.length > 40 || typeof v !== 'string' || v.length > 500);
  if (bad || !metadata.appointmentId) {
    throw new CalcomError({ kind: 'client', code: 'InvalidInput', message: 'metadata must hold appointmentId and fit Cal.com limits' });
  }
}

function toE164(phone: string | null | undefined): string | undefined {
  const digits = phone?.replace(/\D/g, '') ?? '';
  return digits ? `+${digits}` : undefined;
}

/** Cal.com wants `start` in UTC (`Z`); milliseconds are dropped as slots never carry them. */
function toUtcIso(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function normalizeApiUrl(apiUrl: string): string {
  // Operators paste either `https://api.cal.com` or `https://api.cal.com/v2`.
  return apiUrl.trim().replace(/\/+$/, '').replace(/\/v2$/, '');
}

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
  };
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

function firstBooking(data: unknown): unknown {
  // Recurring bookings come back as an array; we only create single ones.
  return Array.isArray(data) ? data[0] : data;
}

function dataOf(json: unknown): unknown {
  return isRecord(json) ? json.data : undefined;
}

function isPhoneRejection(error: CalcomError): boolean {
  return error.status === 400 && /phone/i.test(error.message);
}

function withoutPhone(body: BookingBody): BookingBody {
  const { phoneNumber: _dropped, ...attendee } = body.attendee;
  return { ...body, attendee };
}

/** Failures after which the request may have been applied by Cal.com. */
function isAmbiguous(error: CalcomError): boolean {
  return error.kind === 'network' || error.kind === 'timeout' || error.kind === 'server';
}

function transportError(error: unknown, what: string, timeoutMs: number): CalcomError {
  // Neither is worth a retry: the address stays forbidden, the body stays too large.
  const blocked = blockedCause(error);
  if (blocked) return new CalcomError({ kind: 'client', code: 'OutboundBlocked', message: `${what}: ${blocked.message}`, cause: error });
  if (error instanceof RemoteBodyTooLarge) return new CalcomError({ kind: 'client', code: 'RemoteBodyTooLarge', message: `${what}: ${error.message}`, cause: error });
  const name = error instanceof Error ? error.name : '';
  if (name === 'TimeoutError' || name === 'AbortError') {
    return new CalcomError({ kind: 'timeout', message: `${what}: no answer within ${timeoutMs} ms`, cause: error });
  }
  const cause = error instanceof Error && error.cause instanceof Error ? `: ${error.cause.message}` : '';
  const message = error instanceof Error ? error.message : String(error);
  return new CalcomError({ kind: 'network', message: `${what}: ${message}${cause}`, cause: error });
}

function httpError(response: Response, json: unknown, text: string): CalcomError {
  const status = response.status;
  if (status >= 300 && status < 400) {
    const location = response.headers.get('location') ?? 'elsewhere';
    return new CalcomError({ kind: 'client', status, message: `redirected to ${location}: configure the final API URL` });
  }
  const envelope = isRecord(json) && isRecord(json.error) ? json.error : undefined;
  const rawMessage = envelope?.message;
  const message = Array.isArray(rawMessage)
    ? rawMessage.map(String).join('; ')
    : typeof rawMessage === 'string' && rawMessage
      ? rawMessage
      : text.trim().slice(0, 200) || `HTTP ${status}`;
  const kind: CalcomErrorKind = status === 429 ? 'rate_limited' : status >= 500 ? 'server' : 'client';
  return new CalcomError({
    kind,
    status,
    message,
    code: typeof envelope?.code === 'string' ? envelope.code : undefined,
    details: envelope?.details,
    requestId: response.headers.get('x-request-id') ?? undefined,
    retryAfterMs: kind === 'client' ? undefined : retryAfterMs(response.headers, status === 429),
  });
}

/**
 * `Retry-After` (seconds or HTTP date); on a 429 also Cal.com's `X-RateLimit-Reset-Default`, which is
 * sent on every response (so it means nothing on a 5xx): documented as seconds until reset, described
 * elsewhere as a Unix timestamp, so both readings are accepted. A bare 429 means the 60 s block.
 */
function retryAfterMs(headers: Headers, throttled: boolean): number | undefined {
  const retryAfter = headers.get('retry-after')?.trim();
  if (retryAfter) {
    if (/^\d+(\.\d+)?$/.test(retryAfter)) return Math.round(Number(retryAfter) * 1000);
    const at = Date.parse(retryAfter);
    if (!Number.isNaN(at)) return Math.max(0, at - Date.now());
  }
  if (!throttled) return undefined;
  const reset = Number(headers.get('x-ratelimit-reset-default'));
  if (!Number.isFinite(reset) || reset <= 0) return THROTTLE_BLOCK_MS;
  return reset > 1e9 ? Math.max(0, reset * 1000 - Date.now()) : Math.round(reset * 1000);
}

function invalidResponse(message: string, status?: number): CalcomError {
  return new CalcomError({ kind: 'server', status, message: `unexpected Cal.com response: ${message}` });
}

function outcomeOf(error: unknown): CalcomOutcome {
  if (!(error instanceof CalcomError)) return 'client_error';
  const outcomes: Record<CalcomErrorKind, CalcomOutcome> = {
    client: 'client_error',
    rate_limited: 'rate_limited',
    server: 'server_error',
    network: 'network_error',
    timeout: 'timeout',
  };
  return outcomes[error.kind];
}

function parseJson(text: string): unknown {
  if (!text.trim()) return undefined;
  try {
    // Cal.com's answers are outside text too: the input-text rule (titles, names, reasons).
    return cleanJson(JSON.parse(text) as unknown);
  } catch {
    return undefined;
  }
}

function toDate(value: unknown): Date | null {
  if (typeof value !== 'string' && !(value instanceof Date)) return null;
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? null : date;
}

function stringOrNull(value: unknown): string | null {
  return typeof value === 'string' && value ? value : null;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
