/** Cal.com client vocabulary: options, the booking and slot shapes we expose, and the one error type. */

import type { OutboundFetch } from '../platform/outbound-guard.js';

export type CalcomOperation = 'slots' | 'book' | 'cancel' | 'list' | 'get' | 'event_types';
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
  /** Needed only to ask for slots and to create a booking; cancel, reschedule, get and list work on the account. */
  eventTypeId?: number;
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
  /** The first of the booking's `hosts` (the organizer); null when Cal.com sent none. */
  host: { userId: number | null; name: string | null } | null;
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

const SLOT_TAKEN = /already has booking|not available|no available users/i;

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
