import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Appointment } from '../../server/appointments/appointment.entity.js';
import { AppointmentService, type Scope } from '../../server/appointments/appointment.service.js';
import { SYSTEM_ACTOR, type Actor } from '../../server/audit/audit.service.js';
import { CalendarError, type BookingRequest, type CalendarBooking, type CalendarEvent, type CalendarGateway, type CalendarSlot } from '../../server/calcom/calendar.gateway.js';
import { CompanyService, type CompanyIntegrations } from '../../server/companies/company.service.js';
import { SecretBox } from '../../server/companies/secret-box.js';
import { migrate, type EntityManager, type MikroORM } from '../../server/platform/database.js';
import { openOrm } from '../../server/wiring/database.js';
import { DomainError } from '../../server/platform/errors.js';
import { createMetrics } from '../../server/platform/metrics.js';
import { OutboundGuard } from '../../server/platform/outbound-guard.js';
import { PgEventBus } from '../../server/platform/pubsub.js';
import { lockHostSlot } from '../../server/appointments/calendar-sync.js';
import { hostKeyOf } from '../../server/appointments/host-key.js';
import { ServiceCatalog } from '../../server/catalog/service-catalog.service.js';
import { Service } from '../../server/catalog/service.entity.js';
import { freeStarts } from '../../server/whatsapp/booking-offer.js';
import type { Working } from '../../server/whatsapp/conversation-turn.js';
import { createTestDatabase } from '../support/database.js';
import { until } from '../support/wait.js';

/**
 * AppointmentService without HTTP: a real database (never mocked) and an in-memory calendar port
 * standing in for Cal.com, so each rule of the appointments' owner is checked on its own.
 */
class MemoryCalendar implements CalendarGateway {
  readonly calls: string[] = [];
  readonly bookings = new Map<string, CalendarBooking & { appointmentId: string }>();
  /** The next booking call fails with this. */
  failNext: CalendarError | null = null;

  async slots(_company: CompanyIntegrations, from: Date, to: Date): Promise<CalendarSlot[]> {
    this.calls.push('slots');
    const slots: CalendarSlot[] = [];
    for (let t = from.getTime(); t < to.getTime(); t += 3_600_000) slots.push({ start: new Date(t), end: new Date(t + 1_800_000) });
    return slots;
  }

  async book(_company: CompanyIntegrations, request: BookingRequest): Promise<CalendarBooking> {
    this.calls.push('book');
    this.throwIfFailing();
    const booking = { uid: `mem-${randomUUID()}`, id: this.bookings.size + 1, status: 'accepted' as const, start: request.start, end: new Date(request.start.getTime() + 1_800_000), meetingUrl: 'https://meet.example/x', title: `Reunião com ${request.name}` };
    this.bookings.set(booking.uid, { ...booking, appointmentId: request.appointmentId });
    return booking;
  }

  async cancel(_company: CompanyIntegrations, uid: string): Promise<void> {
    this.calls.push('cancel');
    this.throwIfFailing();
    const booking = this.bookings.get(uid);
    if (booking) booking.status = 'cancelled';
  }

  async reschedule(_company: CompanyIntegrations, uid: string, start: Date): Promise<CalendarBooking> {
    this.calls.push('reschedule');
    this.throwIfFailing();
    const old = this.bookings.get(uid)!;
    const moved = { ...old, uid: `mem-${randomUUID()}`, start, end: new Date(start.getTime() + 1_800_000) };
    this.bookings.set(moved.uid, moved);
    return moved;
  }

  async recentEvents(): Promise<CalendarEvent[]> {
    this.calls.push('recentEvents');
    return [];
  }

  async findEvent(): Promise<CalendarEvent | null> {
    this.calls.push('findEvent');
    return null;
  }

  private throwIfFailing(): void {
    const failure = this.failNext;
    this.failNext = null;
    if (failure) throw failure;
  }
}

const HOUR = 3_600_000;
let orm: MikroORM;
let drop: () => Promise<void>;
let events: PgEventBus;
let calendar: MemoryCalendar;
let service: AppointmentService;
let companies: CompanyService;
let catalog: ServiceCatalog;
let companyId: string;
let slot = 0;

const actor: Actor = { type: 'ADMIN', id: null, label: 'teste' };
const scope = (): Scope => ({ companyId, actor });
const readOnly = (): Scope => ({ companyId, actor, canWrite: false });
const em = (): EntityManager => orm.em.fork();
/** A distinct future start per call (the claim index forbids two own live attempts of one host at one start). */
const nextStart = () => new Date(Date.UTC(2031, 0, 1, 12) + ++slot * HOUR);

async function rejected(promise: Promise<unknown>): Promise<DomainError> {
  const error = await promise.then(() => null, (e: unknown) => e);
  expect(error).toBeInstanceOf(DomainError);
  return error as DomainError;
}

function calendarEvent(overrides: Partial<CalendarEvent> = {}): CalendarEvent {
  const start = overrides.start ?? nextStart();
  return {
    trigger: 'BOOKING_CREATED', at: new Date(), uid: `cal-${randomUUID()}`, bookingId: null, rescheduleUid: null, title: 'Reunião', start,
    end: new Date(start.getTime() + 1_800_000), clientName: 'Ana', clientEmail: 'ana@example.com', clientPhone: null, meetingUrl: null, reason: null, appointmentId: null,
    eventTypeId: null, host: null,
    ...overrides,
  };
}

/** A service of the company, as `syncServices` would have imported it. */
async function seedService(fields: { calEventTypeId: number; name: string; hosts: Array<{ calUserId: number; name: string }> }): Promise<Service> {
  const fork = em();
  const row = fork.create(Service, { companyId, calTitle: fields.name, durationMinutes: 30, ...fields });
  await fork.flush();
  return row;
}

async function bookOne(): Promise<Appointment> {
  return service.book(em(), scope(), { start: nextStart(), clientName: 'Bia', clientPhone: '+55 11 98888-7777' }, 'ADMIN');
}

beforeAll(async () => {
  const db = await createTestDatabase('appointment_service');
  drop = db.drop;
  orm = await openOrm(db.url, 4);
  await migrate(orm);
  const log = { info() {}, warn() {}, error() {}, debug() {}, child() { return log; } } as never;
  events = new PgEventBus(db.url, log);
  const outbound = new OutboundGuard();
  companies = new CompanyService(new SecretBox('unit-secret-unit-secret-unit-secret-0123456789'), outbound);
  calendar = new MemoryCalendar();
  const metrics = createMetrics();
  // The real catalogue over the database; its Cal.com import is never asked for here.
  catalog = new ServiceCatalog(companies, { eventTypes: async () => [] }, metrics);
  service = new AppointmentService(companies, calendar, events, metrics, catalog);
  const { company } = await companies.create(em(), { name: 'Clínica Unit', calApiKey: 'cal_test_key', calEventTypeId: 7 });
  companyId = company.id;
});

afterAll(async () => {
  await orm?.close(true);
  await drop?.();
});

beforeEach(() => {
  calendar.calls.length = 0;
  calendar.failNext = null;
});

describe('AppointmentService (in-memory calendar, no HTTP)', () => {
  it('books through the calendar port with our id in the request and confirms the claim', async () => {
    const row = await bookOne();
    expect(row).toMatchObject({ status: 'CONFIRMED', companyId, meetingUrl: 'https://meet.example/x' });
    expect(calendar.bookings.get(row.calBookingUid!)?.appointmentId).toBe(row.id);
    expect(calendar.calls).toEqual(['book']);
  });

  it('a slot the calendar refuses releases the claim and answers with the catalogue text', async () => {
    const start = nextStart();
    calendar.failNext = new CalendarError('slot_taken', 'Cal.com: slot unavailable', 409);
    const error = await rejected(service.book(em(), scope(), { start, clientName: 'Caio', clientEmail: 'caio@example.com' }, 'ADMIN'));
    expect(error).toMatchObject({ code: 'CONFLICT', key: 'CALCOM_SLOT_UNAVAILABLE', message: 'Este horário não está mais disponível no Cal.com. Escolha outro horário.', details: { calcomStatus: 409 } });
    expect(await service.liveStarts(em(), scope(), start, new Date(start.getTime() + 1))).toEqual([]);
  });

  it('every write refuses a read-only scope on its first line, before the calendar is asked', async () => {
    const booked = await bookOne();
    calendar.calls.length = 0;
    const writes: Array<[string, () => Promise<unknown>]> = [
      ['book', () => service.book(em(), readOnly(), { start: nextStart(), clientName: 'X', clientEmail: 'x@example.com' }, 'API')],
      ['cancel', () => service.cancel(em(), readOnly(), booked.id, null, 'api')],
      ['reschedule', () => service.reschedule(em(), readOnly(), booked.id, nextStart(), null)],
      ['resumeClaim', () => service.resumeClaim(em(), readOnly(), booked.id, 'API')],
      ['applyCalendarEvent', () => em().transactional((tx) => service.applyCalendarEvent(tx, readOnly(), calendarEvent(), 'webhook'))],
      ['releaseClaim', () => service.releaseClaim(em(), readOnly(), booked.id, 'teste')],
    ];
    for (const [name, call] of writes) {
      const error = await rejected(call());
      expect({ name, code: error.code }).toEqual({ name, code: 'FORBIDDEN' });
    }
    expect(calendar.calls).toEqual([]);
    expect((await service.get(em(), scope(), booked.id))?.status).toBe('CONFIRMED');
  });

  it('a scope that names no company is refused on reads too', async () => {
    const error = await rejected(service.liveStarts(em(), { companyId: 'not-a-company', actor }, new Date(), new Date(Date.now() + HOUR)));
    expect(error).toMatchObject({ code: 'FORBIDDEN', key: 'SCOPE_INVALID' });
  });

  it('rescheduling onto a taken slot answers SLOT_TAKEN without moving the calendar booking', async () => {
    const first = await bookOne();
    const second = await bookOne();
    calendar.calls.length = 0;
    const error = await rejected(service.reschedule(em(), scope(), second.id, first.startAt, null));
    expect(error).toMatchObject({ code: 'CONFLICT', key: 'SLOT_TAKEN', message: 'Este horário acabou de ser reservado. Escolha outro horário.' });
    expect(calendar.calls).toEqual([]);
  });

  it("a reschedule takes its new slot's host lock before writing the claim (the sync's yieldClaimIfTaken cannot cross it)", async () => {
    const booked = await bookOne();
    const target = nextStart();
    let held!: () => void;
    let release!: () => void;
    const holding = new Promise<void>((resolve) => (held = resolve));
    const released = new Promise<void>((resolve) => (release = resolve));
    // The sync, mid-check for a claim at the target slot of that host.
    const sync = em().transactional(async (tx) => {
      await lockHostSlot(tx, companyId, booked.hostKey!, target);
      held();
      await released;
    });
    await holding;
    let settled = false;
    const moving = service.reschedule(em(), scope(), booked.id, target, null).finally(() => (settled = true));
    const waitingForLock = async () => {
      const rows = await orm.em.fork().getConnection().execute<{ n: number }[]>("select count(*)::int as n from pg_locks where locktype = 'advisory' and not granted and database = (select oid from pg_database where datname = current_database())");
      return rows[0]!.n > 0;
    };
    // Either the reschedule queues behind the lock, or (without it) it finishes first: the latter fails.
    const waited = await until('the reschedule to wait for the lock or to finish', async () => ((await waitingForLock()) ? 'waited' : settled ? 'finished' : false), 15_000);
    release();
    await sync;
    expect(waited).toBe('waited');
    expect(await moving).toMatchObject({ status: 'RESCHEDULED', startAt: target, hostClaim: true });
  });

  it('applies calendar events idempotently: created, the same again, then cancelled', async () => {
    const created = calendarEvent();
    const first = await em().transactional((tx) => service.applyCalendarEvent(tx, scope(), created, 'webhook'));
    expect(first.outcome).toBe('applied');
    const again = await em().transactional((tx) => service.applyCalendarEvent(tx, scope(), created, 'webhook'));
    expect(again).toMatchObject({ outcome: 'duplicate', appointmentId: first.appointmentId });
    const cancelled = calendarEvent({ ...created, trigger: 'BOOKING_CANCELLED', at: new Date(created.at.getTime() + 1000), reason: 'Cliente desistiu' });
    expect((await em().transactional((tx) => service.applyCalendarEvent(tx, scope(), cancelled, 'webhook'))).outcome).toBe('applied');
    expect(await service.get(em(), scope(), first.appointmentId!)).toMatchObject({ status: 'CANCELLED', cancellationReason: 'Cliente desistiu', source: 'CALCOM' });
  });

  it('releases an open claim once (audited), and never a confirmed appointment', async () => {
    const confirmed = await bookOne();
    expect(await service.releaseClaim(em(), { companyId, actor: SYSTEM_ACTOR }, confirmed.id, 'teste')).toBe(false);
    expect((await service.get(em(), scope(), confirmed.id))?.status).toBe('CONFIRMED');

    // A claim whose calendar answer was lost (the worker died between claim and booking).
    const claimId = randomUUID();
    await em().getConnection().execute(
      `insert into appointments (id, company_id, status, title, start_at, end_at, client_name, source, search_text, created_at, updated_at)
       values (?, ?, 'PENDING', 'Reunião', ?, ?, 'Eva', 'ADMIN', 'eva', now() - interval '1 hour', now())`,
      [claimId, companyId, nextStart(), nextStart()],
    );
    const stale = await service.staleClaims(em(), scope(), new Date(Date.now() - 60_000));
    expect(stale.map((c) => c.id)).toContain(claimId);
    expect(await service.releaseClaim(em(), { companyId, actor: SYSTEM_ACTOR }, claimId, 'sem reserva correspondente no Cal.com')).toBe(true);
    expect(await service.releaseClaim(em(), { companyId, actor: SYSTEM_ACTOR }, claimId, 'de novo')).toBe(false);
    const audits = await em().getConnection().execute<{ action: string }[]>(`select action from audit_log where subject = ?`, [`appointment:${claimId}`]);
    expect(audits.map((a) => a.action)).toEqual(['appointment.claim_released']);
  });

  it('reads for other rooms are scoped to the company and skip cancelled or past meetings', async () => {
    const mine = await bookOne();
    const other = await service.liveUpcoming(em(), { companyId: randomUUID(), actor }, [mine.id], new Date());
    expect(other).toEqual([]);
    expect((await service.liveUpcoming(em(), scope(), [mine.id], new Date())).map((a) => a.id)).toEqual([mine.id]);
    expect(await service.liveUpcoming(em(), scope(), [mine.id], new Date(mine.startAt.getTime() + 1))).toEqual([]);
    await service.cancel(em(), scope(), mine.id, 'teste', 'admin');
    expect(await service.liveUpcoming(em(), scope(), [mine.id], new Date())).toEqual([]);
  });
});

describe('AppointmentService: calendar truth (issue 17)', () => {
  const overlaps = async (id: string) => service.view(em(), scope(), (await service.get(em(), scope(), id))!).then((v) => v.overlaps);

  it('records a calendar booking at a start our own booking holds; both overlap, our claim stays', async () => {
    const ours = await bookOne();
    const result = await em().transactional((tx) => service.applyCalendarEvent(tx, scope(), calendarEvent({ start: ours.startAt, end: ours.endAt, clientName: 'Outra' }), 'webhook'));
    expect(result.outcome).toBe('applied');
    const theirs = (await service.get(em(), scope(), result.appointmentId!))!;
    expect(theirs).toMatchObject({ status: 'CONFIRMED', hostKey: ours.hostKey, hostClaim: false });
    expect((await service.get(em(), scope(), ours.id))).toMatchObject({ status: 'CONFIRMED', hostClaim: true });
    expect([await overlaps(ours.id), await overlaps(theirs.id)]).toEqual([true, true]);
  });

  it('a calendar reschedule of our booking onto another of ours (same host) is recorded: the moved one yields its claim', async () => {
    const a = await bookOne();
    const b = await bookOne();
    const moved = calendarEvent({
      trigger: 'BOOKING_RESCHEDULED', uid: `cal-${randomUUID()}`, rescheduleUid: b.calBookingUid, appointmentId: b.id,
      start: a.startAt, end: a.endAt, at: new Date(Date.now() + 1000),
    });
    const result = await em().transactional((tx) => service.applyCalendarEvent(tx, scope(), moved, 'webhook'));
    expect(result).toMatchObject({ outcome: 'applied', appointmentId: b.id });
    expect(await service.get(em(), scope(), b.id)).toMatchObject({ status: 'RESCHEDULED', startAt: a.startAt, hostClaim: false });
    expect(await service.get(em(), scope(), a.id)).toMatchObject({ hostClaim: true });
    expect([await overlaps(a.id), await overlaps(b.id)]).toEqual([true, true]);
    // Our own attempts still respect the claim A holds.
    const error = await rejected(service.book(em(), scope(), { start: a.startAt, clientName: 'Terceira', clientEmail: 't@example.com' }, 'ADMIN'));
    expect(error).toMatchObject({ key: 'SLOT_TAKEN' });
  });

  it('own attempts are unique per host: another host at the same start is booked, the same host is refused before the calendar', async () => {
    const start = nextStart();
    const first = await service.book(em(), scope(), { start, clientName: 'Ana', clientEmail: 'a@example.com' }, 'ADMIN');
    const bruno = await seedService({ calEventTypeId: 99, name: 'Avaliação', hosts: [{ calUserId: 42, name: 'Dr. Bruno' }] });
    const other = await service.book(em(), scope(), { start, clientName: 'Bruno', clientEmail: 'b@example.com', serviceId: bruno.id }, 'ADMIN');
    expect([first.hostKey, other.hostKey, other.hostName]).toEqual(['event-type:7', 'user:42', 'Dr. Bruno']);
    expect([await overlaps(first.id), await overlaps(other.id)]).toEqual([false, false]);
    calendar.calls.length = 0;
    const error = await rejected(service.book(em(), scope(), { start, clientName: 'Bia', clientEmail: 'c@example.com', serviceId: bruno.id }, 'ADMIN'));
    expect(error).toMatchObject({ key: 'SLOT_TAKEN' });
    expect(calendar.calls).toEqual([]);
  });

  it("an offer resolves its service's host once: the free starts and the held ones share one lookup", async () => {
    const carla = await seedService({ calEventTypeId: 98, name: 'Retorno', hosts: [{ calUserId: 43, name: 'Dra. Carla' }] });
    const start = nextStart();
    await service.book(em(), scope(), { start, clientName: 'Dani', clientEmail: 'd@example.com', serviceId: carla.id }, 'ADMIN');
    const otherHost = await bookOne();
    expect(otherHost.startAt.getTime()).toBe(start.getTime() + HOUR);
    const targets = vi.spyOn(catalog, 'target');
    const integrations = vi.spyOn(companies, 'integrations');
    try {
      const w = { turn: { side: em(), scope: scope(), now: new Date() }, deps: { appointments: service } } as unknown as Working;
      const free = await freeStarts(w, start, new Date(start.getTime() + 2 * HOUR), [], { id: carla.id });
      // Carla's own start is held; the default host's booking leaves her next hour free.
      expect(free).toEqual([otherHost.startAt]);
      expect({ targets: targets.mock.calls.length, integrations: integrations.mock.calls.length }).toEqual({ targets: 1, integrations: 1 });
    } finally {
      targets.mockRestore();
      integrations.mockRestore();
    }
  });

  it('a row without a host key learns it from a calendar event without looking up a service it would not store', async () => {
    await seedService({ calEventTypeId: 97, name: 'Clareamento', hosts: [{ calUserId: 44, name: 'Dr. Davi' }] });
    const id = randomUUID();
    const uid = `legacy-${randomUUID()}`;
    const start = nextStart();
    // A row recorded before host keys existed.
    await em().getConnection().execute(
      `insert into appointments (id, company_id, status, title, start_at, end_at, client_name, source, search_text, cal_booking_uid, created_at, updated_at)
       values (?, ?, 'CONFIRMED', 'Reunião', ?, ?, 'Gil', 'CALCOM', 'gil', ?, now(), now())`,
      [id, companyId, start, new Date(start.getTime() + 1_800_000), uid],
    );
    const targets = vi.spyOn(catalog, 'target');
    const byEventType = vi.spyOn(catalog, 'serviceIdForEventType');
    try {
      const event = calendarEvent({ uid, start, clientName: 'Gil', eventTypeId: 97, host: { userId: 44, name: 'Dr. Davi' } });
      const result = await em().transactional((tx) => service.applyCalendarEvent(tx, scope(), event, 'webhook'));
      expect(result).toMatchObject({ outcome: 'applied', appointmentId: id });
      expect({ targets: targets.mock.calls.length, byEventType: byEventType.mock.calls.length }).toEqual({ targets: 0, byEventType: 0 });
    } finally {
      targets.mockRestore();
      byEventType.mockRestore();
    }
    expect(await service.get(em(), scope(), id)).toMatchObject({ hostKey: 'user:44', hostName: 'Dr. Davi', serviceId: null });
  });

  it('the hostKeys filter finds the rows of every key shape hostKeyOf yields (a free-text default user included)', async () => {
    // A Cal.com username as the default user (the setting is free text): `user:ana.lima`.
    const { company } = await companies.create(em(), { name: 'Clínica Chaves', calApiKey: 'cal_test_key', calEventTypeId: 8, calDefaultUserId: 'ana.lima' });
    const other: Scope = { companyId: company.id, actor };
    const fork = em();
    const solo = fork.create(Service, { companyId: company.id, calTitle: 'Solo', name: 'Solo', durationMinutes: 30, calEventTypeId: 81, hosts: [{ calUserId: 51, name: 'Dr. Ivo' }] });
    const team = fork.create(Service, { companyId: company.id, calTitle: 'Equipe', name: 'Equipe', durationMinutes: 30, calEventTypeId: 82, hosts: [{ calUserId: 52, name: 'Dra. Lia' }, { calUserId: 53, name: 'Dr. Rui' }] });
    await fork.flush();
    const book = (serviceId: string | null) => service.book(em(), other, { start: nextStart(), clientName: 'Nina', clientEmail: 'n@example.com', serviceId }, 'ADMIN');
    const rows = [await book(null), await book(solo.id), await book(team.id)];
    expect(rows.map((r) => r.hostKey)).toEqual([
      hostKeyOf({ eventTypeId: 8, hostUserId: 'ana.lima' }),
      hostKeyOf({ eventTypeId: 81, hostUserId: 51 }),
      hostKeyOf({ eventTypeId: 82, hostUserId: null }),
    ]);
    expect(rows.map((r) => r.hostKey)).toEqual(['user:ana.lima', 'user:51', 'event-type:82']);
    for (const row of rows) {
      const page = await service.list(em(), other, { hostKeys: [row.hostKey!] }, 50, null, { count: true });
      expect({ key: row.hostKey, ids: page.edges.map((e) => e.node.id), total: await page.count() }).toEqual({ key: row.hostKey, ids: [row.id], total: 1 });
    }
  });

  it('lists the overlapping live appointments for the diagnostic, and stops when one is cancelled', async () => {
    const ours = await bookOne();
    const result = await em().transactional((tx) => service.applyCalendarEvent(tx, scope(), calendarEvent({ start: new Date(ours.startAt.getTime() + 15 * 60_000), clientName: 'Meio' }), 'reconcile'));
    const report = await service.overlapReport(em(), scope(), ours.startAt, new Date(ours.startAt.getTime() + HOUR), 200);
    expect(report.appointments.map((a) => a.id)).toEqual(expect.arrayContaining([ours.id, result.appointmentId]));
    await service.cancel(em(), scope(), ours.id, 'duplicado', 'admin');
    expect(await overlaps(result.appointmentId!)).toBe(false);
    const after = await service.overlapReport(em(), scope(), ours.startAt, new Date(ours.startAt.getTime() + HOUR), 200);
    expect((await rejected(service.overlapReport(em(), scope(), ours.startAt, new Date(ours.startAt.getTime() + 400 * 24 * HOUR), 20))).key).toBe('RANGE_TOO_LONG');
    expect(after.appointments.map((a) => a.id)).not.toContain(result.appointmentId);
  });
});
