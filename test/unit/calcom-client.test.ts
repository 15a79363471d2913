import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { OutboundGuard } from '../../server/platform/outbound-guard.js';
import {
  CalcomClient,
  CalcomError,
  normalizeBooking,
  parseSlots,
  type CalcomClientOptions,
  type CalcomOperation,
  type CalcomOutcome,
  type CreateBookingInput,
} from '../../server/calcom/calcom.client.js';
import { CalcomSandbox, DEFAULT_API_KEY, DEFAULT_EVENT_TYPE_ID, signBody, type LinkMode } from '../fakes/calcom-sandbox.js';

/** Friday 2026-01-02 12:10 in São Paulo; Monday 2026-01-05 09:00 BRT is 12:00Z. */
const NOW = new Date('2026-01-02T15:10:00Z');
const MONDAY_0900_BRT = new Date('2026-01-05T12:00:00Z');
const MONDAY_0930_BRT = new Date('2026-01-05T12:30:00Z');
const MONDAY_1400_BRT = new Date('2026-01-05T17:00:00Z');
const MONDAY_RANGE = { start: new Date('2026-01-05T03:00:00Z'), end: new Date('2026-01-06T02:59:59Z') };
const OTHER_API_KEY = 'cal_live_other_tenant';
const OTHER_EVENT_TYPE_ID = 2002;

const attendee = { name: 'Maria Silva', email: 'maria@example.com', phoneNumber: '5511999999999', timeZone: 'America/Sao_Paulo' };

let sandbox: CalcomSandbox;

beforeAll(async () => {
  sandbox = new CalcomSandbox({
    now: () => NOW,
    tenants: [
      {},
      {
        apiKeys: [OTHER_API_KEY],
        host: { name: 'Dr. Bruno Costa' },
        timeZone: 'Europe/Lisbon',
        eventTypes: [{ id: OTHER_EVENT_TYPE_ID, slug: 'avaliacao', title: 'Avaliação', lengthInMinutes: 60 }],
      },
    ],
  });
  await sandbox.start();
});

afterAll(async () => {
  await sandbox.stop();
});

beforeEach(() => {
  sandbox.reset();
  sandbox.tenant(DEFAULT_EVENT_TYPE_ID).linkMode = 'meetingUrl';
  sandbox.tenant(DEFAULT_EVENT_TYPE_ID).webhook = null;
});

interface Observation {
  op: CalcomOperation;
  outcome: CalcomOutcome;
  seconds: number;
}

/** The sandbox listens on loopback: allowed, as OUTBOUND_ALLOWED_HOSTS=127.0.0.1 would. */
const SANDBOX_GUARD = new OutboundGuard([{ host: '127.0.0.1', port: undefined }]);

function makeClient(overrides: Partial<CalcomClientOptions> = {}) {
  const sleeps: number[] = [];
  const observations: Observation[] = [];
  const sut = new CalcomClient({
    apiUrl: sandbox.url,
    apiKey: DEFAULT_API_KEY,
    eventTypeId: DEFAULT_EVENT_TYPE_ID,
    sleep: async (ms) => {
      sleeps.push(ms);
    },
    observe: (op, outcome, seconds) => observations.push({ op, outcome, seconds }),
    fetch: SANDBOX_GUARD.fetch,
    ...overrides,
  });
  return { sut, sleeps, observations };
}

function booking(overrides: Partial<CreateBookingInput> = {}): CreateBookingInput {
  return { start: MONDAY_0900_BRT, attendee, metadata: { appointmentId: 'apt-1' }, ...overrides };
}

const requestsTo = (method: string, path: string) => sandbox.requests.filter((r) => r.method === method && r.path === path);

async function rejectionOf(promise: Promise<unknown>): Promise<CalcomError> {
  const error = await promise.then(
    () => {
      throw new Error('expected a rejection');
    },
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(CalcomError);
  return error as CalcomError;
}

async function rawSlots(query: string): Promise<Record<string, Array<{ start: string; end?: string }>>> {
  const response = await fetch(`${sandbox.url}/v2/slots?${query}`, { headers: { 'cal-api-version': '2024-09-04' } });
  const json = (await response.json()) as { data: Record<string, Array<{ start: string; end?: string }>> };
  return json.data;
}

describe(CalcomClient.name, () => {
  describe('getSlots', () => {
    it('asks /v2/slots with the slots version, UTC bounds, time zone and range format', async () => {
      const { sut } = makeClient();

      await sut.getSlots({ ...MONDAY_RANGE, timeZone: 'America/Sao_Paulo' });

      const [request] = requestsTo('GET', '/v2/slots');
      expect(request?.headers['cal-api-version']).toBe('2024-09-04');
      expect(request?.headers.authorization).toBe(`Bearer ${DEFAULT_API_KEY}`);
      expect(request?.query).toEqual({
        eventTypeId: String(DEFAULT_EVENT_TYPE_ID),
        start: '2026-01-05T03:00:00.000Z',
        end: '2026-01-06T02:59:59.000Z',
        timeZone: 'America/Sao_Paulo',
        format: 'range',
      });
    });

    it('returns the working day as 30-minute UTC slots', async () => {
      const { sut } = makeClient();

      const slots = await sut.getSlots({ ...MONDAY_RANGE, timeZone: 'America/Sao_Paulo' });

      expect(slots).toHaveLength(18);
      expect(slots[0]).toEqual({ start: MONDAY_0900_BRT, end: MONDAY_0930_BRT });
      expect(slots.at(-1)?.start).toEqual(new Date('2026-01-05T20:30:00Z'));
    });

    it('gets the same instants whatever zone the slots are rendered in', async () => {
      const { sut } = makeClient();

      const saoPaulo = await sut.getSlots({ ...MONDAY_RANGE, timeZone: 'America/Sao_Paulo' });
      const tokyo = await sut.getSlots({ ...MONDAY_RANGE, timeZone: 'Asia/Tokyo' });

      expect(tokyo).toEqual(saoPaulo);
    });

    it('is served keyed by local date with offsets, as Cal.com renders them (sandbox fidelity)', async () => {
      const range = 'eventTypeId=1001&start=2026-01-05T03:00:00Z&end=2026-01-06T02:59:59Z&format=range';

      const saoPaulo = await rawSlots(`${range}&timeZone=America/Sao_Paulo`);
      const tokyo = await rawSlots(`${range}&timeZone=Asia/Tokyo`);
      const utc = await rawSlots(`${range}&timeZone=UTC`);

      expect(Object.keys(saoPaulo)).toEqual(['2026-01-05']);
      expect(saoPaulo['2026-01-05']?.[0]).toEqual({ start: '2026-01-05T09:00:00.000-03:00', end: '2026-01-05T09:30:00.000-03:00' });
      expect(Object.keys(tokyo)).toEqual(['2026-01-05', '2026-01-06']);
      expect(tokyo['2026-01-05']?.[0]?.start).toBe('2026-01-05T21:00:00.000+09:00');
      expect(utc['2026-01-05']?.[0]?.start).toBe('2026-01-05T12:00:00.000Z');
    });

    it('leaves out booked and past times', async () => {
      sandbox.createBookingDirectly({ start: MONDAY_0930_BRT, attendee: { name: 'Outro', email: 'x@example.com' } });
      const { sut } = makeClient();

      const monday = await sut.getSlots({ ...MONDAY_RANGE, timeZone: 'America/Sao_Paulo' });
      const today = await sut.getSlots({ start: new Date('2026-01-02T03:00:00Z'), end: new Date('2026-01-03T02:59:59Z'), timeZone: 'America/Sao_Paulo' });

      expect(monday.map((s) => s.start.toISOString())).not.toContain(MONDAY_0930_BRT.toISOString());
      expect(monday).toHaveLength(17);
      expect(today[0]?.start).toEqual(new Date('2026-01-02T15:30:00Z'));
    });

    it('uses each tenant its own event type, length and host zone', async () => {
      const { sut } = makeClient({ apiKey: OTHER_API_KEY, eventTypeId: OTHER_EVENT_TYPE_ID });

      const slots = await sut.getSlots({ start: new Date('2026-01-05T00:00:00Z'), end: new Date('2026-01-05T23:59:59Z'), timeZone: 'Europe/Lisbon' });

      expect(slots).toHaveLength(9);
      expect(slots[0]).toEqual({ start: new Date('2026-01-05T09:00:00Z'), end: new Date('2026-01-05T10:00:00Z') });
    });

    it('gives start-only slots the configured length, else 30 minutes', async () => {
      sandbox.slotsShape = 'start-only';

      const [defaulted] = await makeClient().sut.getSlots({ ...MONDAY_RANGE, timeZone: 'America/Sao_Paulo' });
      const [configured] = await makeClient({ eventLengthMinutes: 45 }).sut.getSlots({ ...MONDAY_RANGE, timeZone: 'America/Sao_Paulo' });

      expect(defaulted).toEqual({ start: MONDAY_0900_BRT, end: MONDAY_0930_BRT });
      expect(configured?.end).toEqual(new Date('2026-01-05T12:45:00Z'));
    });

    it('tolerates the older {slots: {date: [{time}]}} shape', async () => {
      sandbox.slotsShape = 'legacy';

      const slots = await makeClient().sut.getSlots({ ...MONDAY_RANGE, timeZone: 'America/Sao_Paulo' });

      expect(slots).toHaveLength(18);
      expect(slots[0]).toEqual({ start: MONDAY_0900_BRT, end: MONDAY_0930_BRT });
    });
  });

  describe('parseSlots', () => {
    it('sorts, de-duplicates and skips unreadable entries', () => {
      const slots = parseSlots({
        '2026-01-06': [{ start: '2026-01-06T09:00:00.000-03:00' }],
        '2026-01-05': [{ start: '2026-01-05T10:00:00.000-03:00', end: '2026-01-05T11:00:00.000-03:00' }, { start: 'garbage' }, 42],
        '2026-01-05b': [{ start: '2026-01-05T13:00:00.000Z' }],
      });

      expect(slots).toEqual([
        { start: new Date('2026-01-05T13:00:00Z'), end: new Date('2026-01-05T14:00:00Z') },
        { start: new Date('2026-01-06T12:00:00Z'), end: new Date('2026-01-06T12:30:00Z') },
      ]);
    });

    it('rejects a response without a data object', () => {
      expect(() => parseSlots(null)).toThrow(CalcomError);
    });
  });

  describe('createBooking', () => {
    it('sends the booking in UTC with the configured bookings version and our appointment id', async () => {
      const { sut } = makeClient();

      await sut.createBooking(booking({ notes: 'Primeira consulta' }));

      const [request] = requestsTo('POST', '/v2/bookings');
      expect(request?.headers['cal-api-version']).toBe('2026-02-25');
      expect(request?.headers.authorization).toBe(`Bearer ${DEFAULT_API_KEY}`);
      expect(request?.headers['content-type']).toBe('application/json');
      expect(request?.body).toEqual({
        start: '2026-01-05T12:00:00Z',
        eventTypeId: DEFAULT_EVENT_TYPE_ID,
        attendee: { name: 'Maria Silva', email: 'maria@example.com', phoneNumber: '+5511999999999', timeZone: 'America/Sao_Paulo', language: 'pt-BR' },
        metadata: { appointmentId: 'apt-1' },
        bookingFieldsResponses: { notes: 'Primeira consulta' },
      });
    });

    it('returns the normalized booking, metadata included', async () => {
      const { sut, observations } = makeClient();

      const result = await sut.createBooking(booking());

      const [stored] = sandbox.bookings();
      expect(result).toMatchObject({
        id: stored?.id,
        uid: stored?.uid,
        status: 'accepted',
        start: MONDAY_0900_BRT,
        end: MONDAY_0930_BRT,
        meetingUrl: `https://app.cal.com/video/${stored?.uid}`,
        eventTypeId: DEFAULT_EVENT_TYPE_ID,
        rescheduledFromUid: null,
      });
      expect(result.title).toContain('Maria Silva');
      expect(result.metadata.appointmentId).toBe('apt-1');
      expect(observations.map((o) => [o.op, o.outcome])).toEqual([['book', 'ok']]);
    });

    it('keeps the metadata when reading the booking back', async () => {
      const { sut } = makeClient();
      const created = await sut.createBooking(booking({ metadata: { appointmentId: 'apt-42', source: 'whatsapp' } }));

      const fetched = await sut.getBooking(created.uid);
      const listed = await sut.listBookings({ afterStart: MONDAY_RANGE.start, beforeEnd: MONDAY_RANGE.end });
      const found = await sut.findBookingByAppointmentId('apt-42', MONDAY_0900_BRT);

      expect(fetched?.metadata).toMatchObject({ appointmentId: 'apt-42', source: 'whatsapp' });
      expect(listed.map((b) => b.metadata.appointmentId)).toEqual(['apt-42']);
      expect(found?.uid).toBe(created.uid);
      expect(await sut.findBookingByAppointmentId('apt-unknown', MONDAY_0900_BRT)).toBeNull();
    });

    it('books by phone alone, without inventing an email', async () => {
      const { sut } = makeClient();

      const result = await sut.createBooking(booking({ attendee: { name: 'João', phoneNumber: '5511988887777', timeZone: 'America/Sao_Paulo' } }));

      const body = requestsTo('POST', '/v2/bookings')[0]?.body as { attendee: Record<string, unknown> };
      expect(body.attendee).not.toHaveProperty('email');
      expect(body.attendee.phoneNumber).toBe('+5511988887777');
      expect(result.attendees[0]).toEqual({ name: 'João', email: null, phoneNumber: '+5511988887777', timeZone: 'America/Sao_Paulo' });
    });

    it('refuses an attendee without email or phone before calling Cal.com', async () => {
      const { sut, observations } = makeClient();

      const error = await rejectionOf(sut.createBooking(booking({ attendee: { name: 'Sem contato', timeZone: 'America/Sao_Paulo' } })));

      expect(error.kind).toBe('client');
      expect(sandbox.requests).toHaveLength(0);
      expect(observations).toHaveLength(0);
    });

    it('books by email when Cal.com rejects the phone number', async () => {
      const { sut } = makeClient();

      const result = await sut.createBooking(booking({ attendee: { ...attendee, phoneNumber: '123' } }));

      const posts = requestsTo('POST', '/v2/bookings').map((r) => r.body as { attendee: Record<string, unknown> });
      expect(posts).toHaveLength(2);
      expect(posts[0]?.attendee.phoneNumber).toBe('+123');
      expect(posts[1]?.attendee).not.toHaveProperty('phoneNumber');
      expect(result.status).toBe('accepted');
    });

    it('does not retry a taken slot and says so', async () => {
      sandbox.createBookingDirectly({ start: MONDAY_0900_BRT, attendee: { name: 'Outro', email: 'x@example.com' } });
      const { sut, sleeps, observations } = makeClient();

      const error = await rejectionOf(sut.createBooking(booking()));

      expect(error).toMatchObject({ kind: 'client', status: 400, code: 'BadRequestException', retryable: false });
      expect(error.message).toBe('User either already has booking at this time or is not available');
      expect(error.slotUnavailable).toBe(true);
      expect(requestsTo('POST', '/v2/bookings')).toHaveLength(1);
      expect(sleeps).toEqual([]);
      expect(observations.map((o) => o.outcome)).toEqual(['client_error']);
    });

    it('joins class-validator message arrays and keeps the details', async () => {
      const { sut } = makeClient();

      const error = await rejectionOf(sut.createBooking(booking({ attendee: { ...attendee, timeZone: 'Mars/Olympus_Mons' } })));

      expect(error.status).toBe(400);
      expect(error.message).toContain('attendee.timeZone must be a valid IANA time-zone');
      expect(error.details).toMatchObject({ statusCode: 400, error: 'Bad Request' });
      expect(error.slotUnavailable).toBe(false);
      expect(requestsTo('POST', '/v2/bookings')).toHaveLength(1);
    });

    it('sends the configured bookings version; an unsupported one is a client error', async () => {
      await makeClient({ bookingsApiVersion: '2024-08-13' }).sut.createBooking(booking());
      const error = await rejectionOf(makeClient({ bookingsApiVersion: '2024-04-15' }).sut.createBooking(booking({ start: MONDAY_0930_BRT })));

      expect(requestsTo('POST', '/v2/bookings').map((r) => r.headers['cal-api-version'])).toEqual(['2024-08-13', '2024-04-15']);
      expect(error).toMatchObject({ kind: 'client', status: 400 });
      expect(sandbox.bookings()).toHaveLength(1);
    });

    it('re-POSTs after a 500 only once the listing shows nothing was booked', async () => {
      sandbox.failNext(1, 500, { method: 'POST', path: '/v2/bookings' });
      const { sut, sleeps, observations } = makeClient();

      const result = await sut.createBooking(booking());

      expect(sandbox.bookings().map((b) => b.uid)).toEqual([result.uid]);
      expect(sandbox.requests.map((r) => `${r.method} ${r.path}`)).toEqual(['POST /v2/bookings', 'GET /v2/bookings', 'POST /v2/bookings']);
      expect(sleeps).toHaveLength(1);
      expect(observations.map((o) => [o.op, o.outcome])).toEqual([['book', 'ok']]);
    });

    it('returns the booking Cal.com accepted when the connection dropped before the answer', async () => {
      sandbox.acceptThenDropNext();
      const { sut, observations } = makeClient();

      const result = await sut.createBooking(booking());

      expect(sandbox.bookings()).toHaveLength(1);
      expect(result.uid).toBe(sandbox.bookings()[0]?.uid);
      expect(result.metadata.appointmentId).toBe('apt-1');
      expect(requestsTo('POST', '/v2/bookings')).toHaveLength(1);
      expect(requestsTo('GET', '/v2/bookings').length).toBeGreaterThan(0);
      expect(observations.map((o) => o.outcome)).toEqual(['ok']);
    });

    it('checks once more even when no retries are left', async () => {
      sandbox.acceptThenDropNext();
      const { sut } = makeClient({ maxRetries: 0 });

      const result = await sut.createBooking(booking());

      expect(result.uid).toBe(sandbox.bookings()[0]?.uid);
      expect(requestsTo('POST', '/v2/bookings')).toHaveLength(1);
    });

    it('does not duplicate when Cal.com booked but answered after our timeout', async () => {
      sandbox.stallNext(1, 2_000, { when: 'after', match: { method: 'POST', path: '/v2/bookings' } });
      const { sut } = makeClient({ timeoutMs: 400 });

      const result = await sut.createBooking(booking());

      expect(sandbox.bookings()).toHaveLength(1);
      expect(result.uid).toBe(sandbox.bookings()[0]?.uid);
      expect(requestsTo('POST', '/v2/bookings')).toHaveLength(1);
    });

    it('re-POSTs when the timed-out request never reached the booking step', async () => {
      sandbox.stallNext(1, 2_000, { when: 'before', match: { method: 'POST', path: '/v2/bookings' } });
      const { sut } = makeClient({ timeoutMs: 400 });

      const result = await sut.createBooking(booking());

      expect(requestsTo('POST', '/v2/bookings')).toHaveLength(2);
      expect(sandbox.bookings().map((b) => b.uid)).toEqual([result.uid]);
    });

    it('stops instead of re-POSTing when it cannot check, and reconciles on the next call', async () => {
      sandbox.acceptThenDropNext();
      sandbox.failNext(20, 503, { method: 'GET', path: '/v2/bookings' });
      const { sut } = makeClient({ maxRetries: 1 });

      const error = await rejectionOf(sut.createBooking(booking()));
      sandbox.reset();
      sandbox.createBookingDirectly({ start: MONDAY_0900_BRT, attendee, metadata: { appointmentId: 'apt-1' } });
      const retried = await sut.createBooking(booking({ reconcileFirst: true }));

      expect(error).toMatchObject({ kind: 'network', retryable: true });
      expect(retried.uid).toBe(sandbox.bookings()[0]?.uid);
      expect(requestsTo('POST', '/v2/bookings')).toHaveLength(0);
    });

    it('gives up with a retryable error after maxRetries server errors', async () => {
      sandbox.failNext(10, 502, { method: 'POST', path: '/v2/bookings' });
      const { sut, sleeps, observations } = makeClient({ maxRetries: 2 });

      const error = await rejectionOf(sut.createBooking(booking()));

      expect(error).toMatchObject({ kind: 'server', status: 502, code: 'BadGatewayException', retryable: true });
      expect(requestsTo('POST', '/v2/bookings')).toHaveLength(3);
      expect(sleeps).toHaveLength(2);
      expect(sandbox.bookings()).toHaveLength(0);
      expect(observations.map((o) => [o.op, o.outcome])).toEqual([['book', 'server_error']]);
    });
  });

  describe('retries', () => {
    it('retries 5xx with growing, jittered backoff, ignoring the rate-limit headers sent on every answer', async () => {
      sandbox.failNext(2, 500);
      const { sut, sleeps, observations } = makeClient({ baseBackoffMs: 200 });

      const slots = await sut.getSlots({ ...MONDAY_RANGE, timeZone: 'America/Sao_Paulo' });

      expect(slots).toHaveLength(18);
      expect(requestsTo('GET', '/v2/slots')).toHaveLength(3);
      expect(sleeps).toHaveLength(2);
      expect(sleeps[0]).toBeGreaterThanOrEqual(100);
      expect(sleeps[0]).toBeLessThanOrEqual(200);
      expect(sleeps[1]).toBeGreaterThanOrEqual(200);
      expect(sleeps[1]).toBeLessThanOrEqual(400);
      expect(observations).toHaveLength(1);
      expect(observations[0]).toMatchObject({ op: 'slots', outcome: 'ok' });
    });

    it('waits as long as Retry-After says on a 429', async () => {
      sandbox.rateLimitNext(1, { retryAfterSeconds: 2 });
      const { sut, sleeps } = makeClient();

      await sut.getSlots({ ...MONDAY_RANGE, timeZone: 'America/Sao_Paulo' });

      expect(sleeps).toEqual([2000]);
      expect(requestsTo('GET', '/v2/slots')).toHaveLength(2);
    });

    it('falls back to X-RateLimit-Reset-Default without Retry-After', async () => {
      sandbox.rateLimitNext(1, { retryAfterSeconds: 3, sendRetryAfter: false });
      const { sut, sleeps } = makeClient();

      await sut.createBooking(booking());

      expect(sleeps).toEqual([3000]);
      // A 429 is answered before the handler: re-POST without looking for a booking.
      expect(sandbox.requests.map((r) => `${r.method} ${r.path}`)).toEqual(['POST /v2/bookings', 'POST /v2/bookings']);
    });

    it('fails fast when Cal.com asks for a longer wait than the cap', async () => {
      sandbox.rateLimitNext(1, { retryAfterSeconds: 60 });
      const { sut, sleeps, observations } = makeClient({ maxRetryWaitMs: 10_000 });

      const error = await rejectionOf(sut.getSlots({ ...MONDAY_RANGE, timeZone: 'America/Sao_Paulo' }));

      expect(error).toMatchObject({ kind: 'rate_limited', status: 429, code: 'ThrottlerException', retryable: true, retryAfterMs: 60_000 });
      expect(sleeps).toEqual([]);
      expect(observations.map((o) => o.outcome)).toEqual(['rate_limited']);
    });

    it('retries a timeout and then succeeds', async () => {
      sandbox.stallNext(1, 2_000);
      const { sut, observations } = makeClient({ timeoutMs: 400 });

      const slots = await sut.getSlots({ ...MONDAY_RANGE, timeZone: 'America/Sao_Paulo' });

      expect(slots).toHaveLength(18);
      expect(requestsTo('GET', '/v2/slots')).toHaveLength(2);
      expect(observations.map((o) => o.outcome)).toEqual(['ok']);
      expect(observations[0]?.seconds).toBeGreaterThanOrEqual(0.4);
    });

    it('reports a timeout when every attempt times out', async () => {
      sandbox.stallNext(5, 1_000);
      const { sut, observations } = makeClient({ timeoutMs: 80, maxRetries: 1 });

      const error = await rejectionOf(sut.getSlots({ ...MONDAY_RANGE, timeZone: 'America/Sao_Paulo' }));

      expect(error).toMatchObject({ kind: 'timeout', retryable: true });
      expect(requestsTo('GET', '/v2/slots')).toHaveLength(2);
      expect(observations.map((o) => o.outcome)).toEqual(['timeout']);
    });

    it('reports a network error when nothing listens', async () => {
      const closed = await closedPort();
      const { sut, sleeps, observations } = makeClient({ apiUrl: `http://127.0.0.1:${closed}/v2/`, maxRetries: 2 });

      const error = await rejectionOf(sut.getSlots({ ...MONDAY_RANGE, timeZone: 'UTC' }));

      expect(error).toMatchObject({ kind: 'network', retryable: true, status: undefined });
      expect(sleeps).toHaveLength(2);
      expect(observations.map((o) => o.outcome)).toEqual(['network_error']);
    });

    it('never retries an authentication failure', async () => {
      const { sut, sleeps } = makeClient({ apiKey: 'cal_live_revoked' });

      const error = await rejectionOf(sut.listBookings());

      expect(error).toMatchObject({ kind: 'client', status: 401, code: 'UnauthorizedException', retryable: false });
      expect(requestsTo('GET', '/v2/bookings')).toHaveLength(1);
      expect(sleeps).toEqual([]);
    });
  });

  describe('meeting link', () => {
    const cases: Array<[LinkMode, (uid: string) => string | null]> = [
      ['meetingUrl', (uid) => `https://app.cal.com/video/${uid}`],
      ['location', (uid) => `https://app.cal.com/video/${uid}`],
      ['metadata', (uid) => `https://app.cal.com/video/${uid}`],
      ['none', () => null],
    ];

    it.each(cases)('is found when Cal.com puts it in %s', async (mode, expected) => {
      sandbox.tenant(DEFAULT_EVENT_TYPE_ID).linkMode = mode;

      const result = await makeClient().sut.createBooking(booking());

      expect(result.meetingUrl).toBe(expected(result.uid));
    });

    it('prefers meetingUrl, then a URL location, then metadata.videoCallUrl', () => {
      const base = { id: 1, uid: 'u1', start: '2026-01-05T12:00:00.000Z', end: '2026-01-05T12:30:00.000Z', status: 'ACCEPTED' };
      const metadata = { videoCallUrl: 'https://c.example/3' };

      expect(normalizeBooking({ ...base, meetingUrl: 'https://a.example/1', location: 'https://b.example/2', metadata }).meetingUrl).toBe('https://a.example/1');
      expect(normalizeBooking({ ...base, location: 'https://b.example/2', metadata }).meetingUrl).toBe('https://b.example/2');
      expect(normalizeBooking({ ...base, location: 'integrations:daily', metadata }).meetingUrl).toBe('https://c.example/3');
      expect(normalizeBooking({ ...base, location: 'Rua Augusta, 1500' }).meetingUrl).toBeNull();
      expect(normalizeBooking(base).status).toBe('accepted');
    });
  });

  describe('cancelBooking', () => {
    it('cancels with the reason and is idempotent', async () => {
      const { sut } = makeClient();
      const created = await sut.createBooking(booking());

      const cancelled = await sut.cancelBooking(created.uid, 'Paciente desistiu');
      const again = await sut.cancelBooking(created.uid, 'Paciente desistiu');

      const requests = requestsTo('POST', `/v2/bookings/${created.uid}/cancel`);
      expect(requests[0]?.body).toEqual({ cancellationReason: 'Paciente desistiu' });
      expect(requests[0]?.headers['cal-api-version']).toBe('2026-02-25');
      expect(cancelled).toMatchObject({ uid: created.uid, status: 'cancelled', cancellationReason: 'Paciente desistiu' });
      expect(again.status).toBe('cancelled');
      expect(sandbox.booking(created.uid)?.status).toBe('cancelled');
    });

    it('reports an unknown booking as a client error', async () => {
      const error = await rejectionOf(makeClient().sut.cancelBooking('does-not-exist'));

      expect(error).toMatchObject({ kind: 'client', status: 404, code: 'NotFoundException' });
    });
  });

  describe('rescheduleBooking', () => {
    it('returns the new booking linked to the old one', async () => {
      const { sut } = makeClient();
      const created = await sut.createBooking(booking());

      const moved = await sut.rescheduleBooking(created.uid, MONDAY_1400_BRT, 'Conflito de agenda');

      expect(requestsTo('POST', `/v2/bookings/${created.uid}/reschedule`)[0]?.body).toEqual({
        start: '2026-01-05T17:00:00Z',
        reschedulingReason: 'Conflito de agenda',
      });
      expect(moved).toMatchObject({ status: 'accepted', start: MONDAY_1400_BRT, rescheduledFromUid: created.uid });
      expect(moved.uid).not.toBe(created.uid);
      expect(moved.metadata.appointmentId).toBe('apt-1');
      expect(sandbox.booking(created.uid)).toMatchObject({ status: 'cancelled', rescheduledToUid: moved.uid });
    });

    it('finds the new booking instead of rescheduling twice after a dropped answer', async () => {
      const { sut } = makeClient();
      const created = await sut.createBooking(booking());
      sandbox.acceptThenDropNext();

      const moved = await sut.rescheduleBooking(created.uid, MONDAY_1400_BRT);

      expect(requestsTo('POST', `/v2/bookings/${created.uid}/reschedule`)).toHaveLength(1);
      expect(sandbox.bookings()).toHaveLength(2);
      expect(moved).toMatchObject({ rescheduledFromUid: created.uid, start: MONDAY_1400_BRT });
    });

    it('checks once more when no retries are left, but not a reschedule someone else made', async () => {
      const { sut } = makeClient({ maxRetries: 0 });
      const created = await sut.createBooking(booking());
      sandbox.acceptThenDropNext();
      const moved = await sut.rescheduleBooking(created.uid, MONDAY_1400_BRT);
      sandbox.rescheduleBookingDirectly(moved.uid, '2026-01-05T18:00:00Z');
      sandbox.acceptThenDropNext();

      const error = await rejectionOf(sut.rescheduleBooking(moved.uid, new Date('2026-01-05T19:00:00Z')));

      expect(moved).toMatchObject({ rescheduledFromUid: created.uid, start: MONDAY_1400_BRT });
      expect(error).toMatchObject({ kind: 'network', retryable: true });
    });
  });

  describe('listBookings', () => {
    it('passes the filters and only sees the caller tenant bookings', async () => {
      const { sut, observations } = makeClient();
      await sut.createBooking(booking());
      sandbox.createBookingDirectly({ eventTypeId: OTHER_EVENT_TYPE_ID, start: '2026-01-05T09:00:00Z', attendee: { name: 'Outra clínica', email: 'o@example.com' } });

      const listed = await sut.listBookings({ afterStart: MONDAY_RANGE.start, beforeEnd: MONDAY_RANGE.end, status: ['upcoming', 'cancelled'], take: 10, skip: 0 });

      expect(requestsTo('GET', '/v2/bookings')[0]?.query).toMatchObject({
        afterStart: '2026-01-05T03:00:00.000Z',
        beforeEnd: '2026-01-06T02:59:59.000Z',
        status: 'upcoming,cancelled',
        take: '10',
        skip: '0',
      });
      expect(listed.map((b) => b.metadata.appointmentId)).toEqual(['apt-1']);
      expect(observations.map((o) => o.op)).toEqual(['book', 'list']);
    });

    it('pages with take and skip', async () => {
      const { sut } = makeClient({ apiKey: OTHER_API_KEY, eventTypeId: OTHER_EVENT_TYPE_ID });
      for (let hour = 9; hour < 18; hour++) {
        sandbox.createBookingDirectly({
          eventTypeId: OTHER_EVENT_TYPE_ID,
          start: `2026-01-05T${String(hour).padStart(2, '0')}:00:00Z`,
          attendee: { name: `P${hour}`, email: `p${hour}@example.com` },
          metadata: { appointmentId: `apt-${hour}` },
        });
      }

      const page = await sut.listBookings({ take: 4, skip: 4 });

      expect(page.map((b) => b.metadata.appointmentId)).toEqual(['apt-13', 'apt-14', 'apt-15', 'apt-16']);
    });

    it('looks past the first page when searching for an appointment', async () => {
      const { sut } = makeClient();
      const start = MONDAY_0900_BRT.toISOString();
      for (let i = 0; i < 104; i++) {
        sandbox.createBookingDirectly({ start, force: true, attendee: { name: `P${i}`, email: `p${i}@example.com` }, metadata: { appointmentId: `filler-${i}` } });
      }
      const target = sandbox.createBookingDirectly({ start, force: true, attendee, metadata: { appointmentId: 'apt-target' } });

      const found = await sut.findBookingByAppointmentId('apt-target', MONDAY_0900_BRT);

      expect(found?.uid).toBe(target.uid);
      expect(requestsTo('GET', '/v2/bookings').map((r) => r.query.skip)).toEqual(['0', '100']);
    });
  });
});

describe('CalcomSandbox webhooks', () => {
  let receiver: Receiver;

  beforeAll(async () => {
    receiver = await startReceiver();
  });

  afterAll(async () => {
    await receiver.close();
  });

  beforeEach(() => {
    receiver.received.length = 0;
    sandbox.tenant(DEFAULT_EVENT_TYPE_ID).webhook = { url: receiver.url, secret: 'whsec-company-1', companyId: 'company-1' };
  });

  it('signs BOOKING_CREATED with our metadata and the video link', async () => {
    const created = await makeClient().sut.createBooking(booking());
    await sandbox.flushWebhooks();

    const [delivery] = receiver.received;
    const body = JSON.parse(delivery!.body) as { triggerEvent: string; createdAt: string; payload: Record<string, unknown> };
    expect(delivery?.headers['x-cal-signature-256']).toBe(signBody('whsec-company-1', delivery!.body));
    expect(delivery?.headers['x-cal-company']).toBe('company-1');
    expect(delivery?.headers['content-type']).toBe('application/json');
    expect(body.triggerEvent).toBe('BOOKING_CREATED');
    expect(body.createdAt).toBe(NOW.toISOString());
    expect(body.payload).toMatchObject({
      uid: created.uid,
      bookingId: created.id,
      status: 'ACCEPTED',
      startTime: '2026-01-05T12:00:00Z',
      endTime: '2026-01-05T12:30:00Z',
      location: 'integrations:daily',
      metadata: { appointmentId: 'apt-1', videoCallUrl: `https://app.cal.com/video/${created.uid}` },
    });
  });

  it('sends BOOKING_RESCHEDULED pointing at the old uid, then BOOKING_CANCELLED without metadata', async () => {
    const { sut } = makeClient();
    const created = await sut.createBooking(booking());
    const moved = await sut.rescheduleBooking(created.uid, MONDAY_1400_BRT, 'Conflito');
    await sut.cancelBooking(moved.uid, 'Desistiu');
    await sandbox.flushWebhooks();

    const bodies = receiver.received.map((r) => JSON.parse(r.body) as { triggerEvent: string; payload: Record<string, unknown> });
    expect(bodies.map((b) => b.triggerEvent)).toEqual(['BOOKING_CREATED', 'BOOKING_RESCHEDULED', 'BOOKING_CANCELLED']);
    expect(bodies[1]?.payload).toMatchObject({
      uid: moved.uid,
      rescheduleUid: created.uid,
      rescheduleId: created.id,
      rescheduleStartTime: '2026-01-05T12:00:00Z',
      iCalSequence: 1,
      metadata: { appointmentId: 'apt-1' },
    });
    expect(bodies[2]?.payload).toMatchObject({ uid: moved.uid, status: 'CANCELLED', cancellationReason: 'Desistiu', startTime: '2026-01-05T17:00:00+00:00' });
    expect(bodies[2]?.payload).not.toHaveProperty('metadata');
  });

  it('sends the no-secret-provided literal when the webhook has no secret', async () => {
    sandbox.tenant(DEFAULT_EVENT_TYPE_ID).webhook = { url: receiver.url, secret: null, companyId: 'company-1' };

    sandbox.createBookingDirectly({ start: MONDAY_0900_BRT, attendee: { name: 'Direto', email: 'd@example.com' } });
    await sandbox.flushWebhooks();

    expect(receiver.received[0]?.headers['x-cal-signature-256']).toBe('no-secret-provided');
    expect(JSON.parse(receiver.received[0]!.body).payload.metadata).not.toHaveProperty('appointmentId');
  });

  it('builds and delivers arbitrary webhooks for route tests', async () => {
    const direct = sandbox.createBookingDirectly({ start: MONDAY_0900_BRT, attendee: { name: 'Direto', email: 'd@example.com' } });
    await sandbox.flushWebhooks();
    receiver.received.length = 0;
    const envelope = sandbox.buildWebhook('BOOKING_CANCELLED', direct, { createdAt: '2026-01-03T00:00:00.000Z', cancellationReason: 'teste' });

    const answer = await sandbox.deliverWebhook(envelope, { signature: 'forged' });

    expect(answer.status).toBe(200);
    expect(receiver.received[0]?.headers['x-cal-signature-256']).toBe('forged');
    expect(JSON.parse(receiver.received[0]!.body)).toMatchObject({
      triggerEvent: 'BOOKING_CANCELLED',
      createdAt: '2026-01-03T00:00:00.000Z',
      payload: { uid: direct.uid, status: 'CANCELLED', cancellationReason: 'teste' },
    });
  });
});

interface Receiver {
  url: string;
  received: Array<{ headers: IncomingHttpHeaders; body: string }>;
  close: () => Promise<void>;
}

async function startReceiver(): Promise<Receiver> {
  const received: Receiver['received'] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      received.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"ok":true}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/agenda/webhook/cal`,
    received,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('CalcomClient and the outbound guard', () => {
  it('refuses a loopback API URL that is not allowed, without retrying', async () => {
    const { sut, sleeps } = makeClient({ fetch: undefined }); // the default guard allows no private host
    const error = await sut.getSlots({ start: new Date('2031-01-01T00:00:00Z'), end: new Date('2031-01-02T00:00:00Z'), timeZone: 'America/Sao_Paulo' }).catch((e: unknown) => e);
    expect(error).toMatchObject({ kind: 'client', code: 'OutboundBlocked' });
    expect(sleeps).toEqual([]);
  });
});
