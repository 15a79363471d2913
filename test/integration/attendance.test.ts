import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Appointment } from '../../server/appointments/appointment.entity.js';
import { AuditLog } from '../../server/audit/audit-log.entity.js';
import { CalcomSandbox } from '../fakes/calcom-sandbox.js';
import { gql, login, seedCompany, startTestServer, type TestServer } from '../support/app.js';
import { insertAppointment, insertReminder } from '../support/factories.js';
import { webhooksApplied } from '../support/webhooks.js';
import { subscribe } from '../support/ws.js';

const SECRET = 'segredo-webhook-presenca';
const MINUTE = 60_000;
const DAY = 86_400_000;

/** The app's clock (AppointmentService's time rules); each test sets it. */
let clock = new Date();

const MARK = `mutation($id: ID!, $a: Attendance!) { markAttendance(id: $id, attendance: $a) { id attendance clientConfirmation } }`;

describe('attendance, client confirmation and reminders (issue 18)', () => {
  let server: TestServer;
  let a: Awaited<ReturnType<typeof seedCompany>>;
  let b: Awaited<ReturnType<typeof seedCompany>>;
  let adminA: string;
  let adminB: string;
  const cal = new CalcomSandbox();

  const row = (id: string) => server.app.orm.em.fork().findOneOrFail(Appointment, { id });
  const audits = (id: string) => server.app.orm.em.fork().find(AuditLog, { subject: `appointment:${id}` }, { orderBy: { at: 'asc', id: 'asc' } });
  const sql = (text: string, params: unknown[] = []) => server.app.orm.em.getConnection().execute(text, params);
  const metric = async (company: string, attendance: string) => {
    const text = await (await fetch(`${server.url}/metrics`)).text();
    const line = text.split('\n').find((l) => l.startsWith(`secretaria_attendance_total{company="${company}",attendance="${attendance}"}`));
    return line ? Number(line.split(' ').at(-1)) : 0;
  };
  const seedReminder = (companyId: string, appointmentId: string, offsetMinutes: number, dueAt: Date, status: 'SCHEDULED' | 'SENT' | 'FAILED', sentAt: Date | null = null) =>
    insertReminder(server.app, { companyId, appointmentId, offsetMinutes, dueAt, status, sentAt });

  beforeAll(async () => {
    const { url: calUrl } = await cal.start();
    server = await startTestServer('attendance', {}, { now: () => clock });
    a = await seedCompany(server.app, 'Alfa', { calApiUrl: calUrl, calApiKey: 'cal_test_sandbox_key', calEventTypeId: 1001, calWebhookSecret: SECRET });
    b = await seedCompany(server.app, 'Beta', { calWebhookSecret: 'segredo-beta' });
    cal.tenant().webhook = { url: `${server.url}/api/agenda/webhook/cal`, secret: SECRET, companyId: a.company.id };
    adminA = await login(server.url, a.email, a.password);
    adminB = await login(server.url, b.email, b.password);
  });
  afterAll(async () => {
    await server?.close();
    await cal.stop();
  });

  describe('markAttendance', () => {
    it('is refused before the start with a clear pt-BR error, changing nothing', async () => {
      const start = new Date(Date.now() + 2 * DAY);
      const appt = await insertAppointment(server.app, a.company.id, { start });
      clock = new Date(start.getTime() - MINUTE);
      const auditsBefore = (await audits(appt.id)).length;
      const result = await gql(server.url, MARK, { id: appt.id, a: 'ATTENDED' }, adminA);
      expect(result.errors?.[0]?.message).toBe('O comparecimento só pode ser marcado depois do horário de início do agendamento.');
      expect(result.errors?.[0]?.extensions?.code).toBe('CONFLICT');
      expect((await row(appt.id)).attendance).toBe('UNKNOWN');
      expect((await audits(appt.id)).length).toBe(auditsBefore);
    });

    it('is accepted after the start: stored, audited, counted and published live', async () => {
      const start = new Date(Date.now() + 3 * DAY);
      const appt = await insertAppointment(server.app, a.company.id, { start });
      const sub = subscribe(server.url, adminA, `subscription { appointmentChanged { kind appointment { id attendance clientConfirmation } } }`);
      await sub.ready;
      clock = new Date(start.getTime() + 10 * MINUTE);
      const before = await metric(a.company.id, 'no_show');

      const result = await gql(server.url, MARK, { id: appt.id, a: 'NO_SHOW' }, adminA);
      expect(result.errors).toBeUndefined();
      expect(result.data!.markAttendance).toEqual({ id: appt.id, attendance: 'NO_SHOW', clientConfirmation: 'NONE' });
      expect((await row(appt.id)).attendance).toBe('NO_SHOW');
      const entry = (await audits(appt.id)).at(-1)!;
      expect(entry.action).toBe('appointment.attendance_marked');
      expect(entry.data).toMatchObject({ from: 'UNKNOWN', to: 'NO_SHOW', via: 'admin' });
      expect(await metric(a.company.id, 'no_show')).toBe(before + 1);

      const events = await sub.waitFor(1);
      expect(events[0]).toEqual({ kind: 'UPDATED', appointment: { id: appt.id, attendance: 'NO_SHOW', clientConfirmation: 'NONE' } });

      // The same mark again changes nothing (no audit, no event, no count).
      const auditCount = (await audits(appt.id)).length;
      expect((await gql(server.url, MARK, { id: appt.id, a: 'NO_SHOW' }, adminA)).errors).toBeUndefined();
      expect((await audits(appt.id)).length).toBe(auditCount);
      expect(await metric(a.company.id, 'no_show')).toBe(before + 1);

      // A write API key may correct it; a read-only key may not.
      expect((await gql(server.url, MARK, { id: appt.id, a: 'ATTENDED' }, a.writeKey)).data?.markAttendance.attendance).toBe('ATTENDED');
      const readOnly = await gql(server.url, MARK, { id: appt.id, a: 'NO_SHOW' }, a.readKey);
      expect(readOnly.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
      expect((await row(appt.id)).attendance).toBe('ATTENDED');
      await sub.close();
    });

    it("cannot touch another company's appointment (not found, nothing changed)", async () => {
      const start = new Date(Date.now() - DAY);
      const appt = await insertAppointment(server.app, a.company.id, { start });
      clock = new Date();
      for (const token of [adminB, b.writeKey]) {
        const result = await gql(server.url, MARK, { id: appt.id, a: 'NO_SHOW' }, token);
        expect(result.errors?.[0]?.message).toBe('Agendamento não encontrado.');
      }
      expect((await row(appt.id)).attendance).toBe('UNKNOWN');
      const own = await gql(server.url, MARK, { id: appt.id, a: 'ATTENDED' }, adminA);
      expect(own.data?.markAttendance.attendance).toBe('ATTENDED');
    });

    it('refuses a cancelled appointment', async () => {
      const appt = await insertAppointment(server.app, a.company.id, { start: new Date(Date.now() - 2 * DAY), status: 'CANCELLED' });
      clock = new Date();
      const result = await gql(server.url, MARK, { id: appt.id, a: 'ATTENDED' }, adminA);
      expect(result.errors?.[0]?.message).toMatch(/cancelado/);
      expect((await row(appt.id)).attendance).toBe('UNKNOWN');
    });
  });

  describe('Appointment.reminders', () => {
    it('lists the reminder rows of a page, loaded in one statement and only when selected', async () => {
      clock = new Date();
      const base = Date.UTC(2032, 3, 5, 13);
      const first = await insertAppointment(server.app, b.company.id, { start: new Date(base) });
      const second = await insertAppointment(server.app, b.company.id, { start: new Date(base + 3_600_000) });
      const third = await insertAppointment(server.app, b.company.id, { start: new Date(base + 7_200_000) });
      // The reminder engine planned its own rows on insert; this test sets the states it reads.
      await sql('delete from appointment_reminders where appointment_id in (?, ?, ?)', [first.id, second.id, third.id]);
      await seedReminder(b.company.id, first.id, 1440, new Date(base - DAY), 'SENT', new Date(base - DAY + 2000));
      await seedReminder(b.company.id, first.id, 120, new Date(base - 120 * MINUTE), 'FAILED');
      await seedReminder(b.company.id, second.id, 120, new Date(base + 3_600_000 - 120 * MINUTE), 'SCHEDULED');

      const service = server.app.services.appointments;
      const original = service.reminders.bind(service);
      let calls = 0;
      service.reminders = async (...args) => {
        calls += 1;
        return original(...args);
      };
      try {
        const range = { from: new Date(base - DAY).toISOString(), to: new Date(base + DAY).toISOString() };
        const list = () =>
          gql(server.url, `query($f: AppointmentFilter) { appointments(filter: $f) { edges { node { id reminders { offsetMinutes dueAt status sentAt } } } } }`, { f: range }, b.readKey);
        // Also once the repeated document runs compiled (graphql-jit, from its 2nd execution): one read per page.
        for (let run = 1; run <= 3; run++) {
          expect((await list()).errors).toBeUndefined();
          expect(calls).toBe(run);
        }
        const listed = await list();
        expect(calls).toBe(4);
        const nodes = listed.data!.appointments.edges.map((e: any) => e.node);
        expect(nodes).toHaveLength(3);
        expect(nodes[0].reminders).toEqual([
          { offsetMinutes: 1440, dueAt: new Date(base - DAY).toISOString(), status: 'SENT', sentAt: new Date(base - DAY + 2000).toISOString() },
          { offsetMinutes: 120, dueAt: new Date(base - 120 * MINUTE).toISOString(), status: 'FAILED', sentAt: null },
        ]);
        expect(nodes[1].reminders).toEqual([{ offsetMinutes: 120, dueAt: new Date(base + 3_600_000 - 120 * MINUTE).toISOString(), status: 'SCHEDULED', sentAt: null }]);
        expect(nodes[2].reminders).toEqual([]);

        calls = 0;
        const plain = await gql(server.url, `query($f: AppointmentFilter) { appointments(filter: $f) { edges { node { id clientConfirmation attendance } } } }`, { f: range }, b.readKey);
        expect(plain.errors).toBeUndefined();
        expect(calls).toBe(0);

        // One appointment on its own reads its own rows; another company sees nothing of them.
        const single = await gql(server.url, `query($id: ID!) { appointment(id: $id) { reminders { offsetMinutes status } } }`, { id: first.id }, b.readKey);
        expect(single.data!.appointment.reminders).toEqual([{ offsetMinutes: 1440, status: 'SENT' }, { offsetMinutes: 120, status: 'FAILED' }]);
        const other = await gql(server.url, `query($id: ID!) { appointment(id: $id) { id } }`, { id: first.id }, a.readKey);
        expect(other.data!.appointment).toBeNull();
      } finally {
        service.reminders = original;
      }
    });
  });

  describe('Cal.com no-show events', () => {
    const bookInCal = async (daysAgo: number, email = 'carla@example.com') => {
      const booking = cal.createBookingDirectly({
        start: new Date(Date.now() - daysAgo * DAY),
        attendee: { name: 'Carla Dias', email, phoneNumber: '+5511912345678' },
        force: true,
      });
      await cal.flushWebhooks();
      await webhooksApplied(server.app);
      const found = await server.app.orm.em.fork().findOneOrFail(Appointment, { companyId: a.company.id, calBookingUid: booking.uid });
      return { booking, appointment: found };
    };

    it('BOOKING_NO_SHOW_UPDATED marks and unmarks the client as a no-show, audited and live', async () => {
      clock = new Date();
      const { booking, appointment } = await bookInCal(1);
      const sub = subscribe(server.url, a.readKey, `subscription { appointmentChanged { kind appointment { id attendance } } }`);
      await sub.ready;

      cal.markAbsentDirectly(booking.uid, true);
      await cal.flushWebhooks();
      await webhooksApplied(server.app);
      expect((await row(appointment.id)).attendance).toBe('NO_SHOW');
      await sub.waitFor(1);
      expect(sub.received[0]).toEqual({ kind: 'UPDATED', appointment: { id: appointment.id, attendance: 'NO_SHOW' } });
      const entry = (await audits(appointment.id)).at(-1)!;
      expect(entry.action).toBe('appointment.calcom.booking_no_show_updated');
      expect(entry.actorType).toBe('CALCOM');

      // Un-marked in Cal.com: the no-show is undone (Cal.com's noShow: false never says the client came).
      cal.markAbsentDirectly(booking.uid, false);
      await cal.flushWebhooks();
      await webhooksApplied(server.app);
      expect((await row(appointment.id)).attendance).toBe('UNKNOWN');
      await sub.waitFor(2);
      expect(sub.received[1]).toEqual({ kind: 'UPDATED', appointment: { id: appointment.id, attendance: 'UNKNOWN' } });
      await sub.close();
    });

    it("BOOKING_NO_SHOW_UPDATED with the client's noShow: false only undoes a no-show: never marks them as attended", async () => {
      clock = new Date();
      const noShowUpdated = (uid: string, bookingId: number) => ({
        triggerEvent: 'BOOKING_NO_SHOW_UPDATED',
        createdAt: new Date().toISOString(),
        // A host marking a guest lists the client too, with Cal.com's default noShow: false.
        payload: { message: 'No-show updated', bookingUid: uid, bookingId, attendees: [{ email: 'carla@example.com', noShow: false }, { email: 'guest@example.com', noShow: true }] },
      });
      const unmarked = await bookInCal(6);
      expect((await cal.deliverWebhook(noShowUpdated(unmarked.booking.uid, unmarked.booking.id))).status).toBe(200);
      await webhooksApplied(server.app);
      expect((await row(unmarked.appointment.id)).attendance).toBe('UNKNOWN');

      const attended = await bookInCal(7);
      expect((await gql(server.url, MARK, { id: attended.appointment.id, a: 'ATTENDED' }, adminA)).errors).toBeUndefined();
      const before = (await audits(attended.appointment.id)).length;
      expect((await cal.deliverWebhook(noShowUpdated(attended.booking.uid, attended.booking.id))).status).toBe(200);
      await webhooksApplied(server.app);
      expect((await row(attended.appointment.id)).attendance).toBe('ATTENDED');
      expect((await audits(attended.appointment.id)).length).toBe(before);
    });

    it('AFTER_GUESTS_CAL_VIDEO_NO_SHOW marks a no-show; a redelivery is a duplicate', async () => {
      clock = new Date();
      const { booking, appointment } = await bookInCal(2);
      cal.guestsDidNotJoin(booking.uid);
      await cal.flushWebhooks();
      await webhooksApplied(server.app);
      expect((await row(appointment.id)).attendance).toBe('NO_SHOW');
      const delivery = cal.webhookDeliveries.at(-1)!;
      expect(delivery.trigger).toBe('AFTER_GUESTS_CAL_VIDEO_NO_SHOW');
      expect(delivery.status).toBe(200);
      const auditCount = (await audits(appointment.id)).length;
      // The same bytes again: acknowledged as a duplicate, nothing applied twice.
      expect((await cal.deliverWebhook(delivery.body)).status).toBe(200);
      await webhooksApplied(server.app);
      expect((await audits(appointment.id)).length).toBe(auditCount);
    });

    it('an event older than a mark from the Agenda does not overwrite it', async () => {
      const { booking, appointment } = await bookInCal(3);
      clock = new Date();
      expect((await gql(server.url, MARK, { id: appointment.id, a: 'ATTENDED' }, adminA)).errors).toBeUndefined();
      const late = {
        triggerEvent: 'BOOKING_NO_SHOW_UPDATED',
        createdAt: new Date(clock.getTime() - 5 * MINUTE).toISOString(),
        payload: { message: 'x', bookingUid: booking.uid, bookingId: booking.id, attendees: [{ email: 'carla@example.com', noShow: true }] },
      };
      expect((await cal.deliverWebhook(late)).status).toBe(200);
      await webhooksApplied(server.app);
      expect((await row(appointment.id)).attendance).toBe('ATTENDED');
      const outcome = await sql(`select outcome from webhook_deliveries where company_id = ? order by received_at desc limit 1`, [a.company.id]);
      expect(outcome[0]!.outcome).toBe('stale');
    });

    it("a no-show of another guest does not mark the client (the client's e-mail is known and absent)", async () => {
      clock = new Date();
      const { booking, appointment } = await bookInCal(5);
      const guestOnly = {
        triggerEvent: 'BOOKING_NO_SHOW_UPDATED',
        createdAt: new Date().toISOString(),
        payload: { message: 'x', bookingUid: booking.uid, bookingId: booking.id, attendees: [{ email: 'convidado@example.com', noShow: true }] },
      };
      expect((await cal.deliverWebhook(guestOnly)).status).toBe(200);
      await webhooksApplied(server.app);
      expect((await row(appointment.id)).attendance).toBe('UNKNOWN');
      const outcome = await sql(`select outcome, reason from webhook_deliveries where company_id = ? order by received_at desc limit 1`, [a.company.id]);
      expect(outcome[0]).toMatchObject({ outcome: 'ignored', reason: 'cliente não está entre os participantes' });
    });

    it("another company's no-show event about our booking changes nothing", async () => {
      const { booking, appointment } = await bookInCal(4);
      const envelope = {
        triggerEvent: 'BOOKING_NO_SHOW_UPDATED',
        createdAt: new Date().toISOString(),
        payload: { message: 'x', bookingUid: booking.uid, bookingId: booking.id, attendees: [{ email: 'carla@example.com', noShow: true }] },
      };
      expect((await cal.deliverWebhook(envelope, { companyId: b.company.id, secret: 'segredo-beta' })).status).toBe(200);
      await webhooksApplied(server.app);
      expect((await row(appointment.id)).attendance).toBe('UNKNOWN');
      const outcome = await sql(`select outcome, reason from webhook_deliveries where company_id = ? order by received_at desc limit 1`, [b.company.id]);
      expect(outcome[0]).toMatchObject({ outcome: 'ignored', reason: 'reserva desconhecida' });
    });

    it('refuses a no-show event without a booking uid with a 400 and stores nothing', async () => {
      const before = await sql(`select count(*)::int as n from webhook_deliveries`);
      const response = await cal.deliverWebhook({ triggerEvent: 'BOOKING_NO_SHOW_UPDATED', createdAt: new Date().toISOString(), payload: { message: 'x', attendees: [] } });
      expect(response.status).toBe(400);
      expect(response.body).toMatch(/bookingUid/);
      expect(await sql(`select count(*)::int as n from webhook_deliveries`)).toEqual(before);
    });
  });

  describe('attendanceSummary', () => {
    it('counts appointments, answers and no-shows per week of the company zone, last 8 weeks', async () => {
      const c = await seedCompany(server.app, 'Gama', { timezone: 'America/Sao_Paulo' });
      // Wednesday 2031-03-12 15:00 in São Paulo (UTC-3): the current week is Monday 10 to Sunday 16.
      clock = new Date('2031-03-12T18:00:00Z');
      const monday = Date.parse('2031-03-10T03:00:00Z'); // 00:00 in São Paulo
      const at = (weeksAgo: number, hours: number) => new Date(monday - weeksAgo * 7 * DAY + hours * 3_600_000);
      const put = async (start: Date, set: { confirmation?: string; attendance?: string; status?: 'CANCELLED' } = {}, company = c.company.id) => {
        const appt = await insertAppointment(server.app, company, { start, status: set.status });
        await sql(`update appointments set client_confirmation = ?, attendance = ? where id = ?`, [set.confirmation ?? 'NONE', set.attendance ?? 'UNKNOWN', appt.id]);
      };
      // Three weeks ago: 4 appointments (one cancelled, not counted), 2 confirmed, 1 no-show, 2 attended.
      await put(at(3, 10), { confirmation: 'CONFIRMED', attendance: 'ATTENDED' });
      await put(at(3, 34), { confirmation: 'CONFIRMED', attendance: 'NO_SHOW' });
      await put(at(3, 58), { attendance: 'ATTENDED' });
      await put(at(3, 59), { status: 'CANCELLED', attendance: 'NO_SHOW' });
      // Last week, Sunday 23:30 in São Paulo (Monday 02:30 UTC): still last week there.
      await put(at(0, -0.5), { confirmation: 'DECLINED', attendance: 'NO_SHOW' });
      // This week: one past (Monday), one still ahead (Friday): the rate counts only the past one.
      await put(at(0, 12), { attendance: 'NO_SHOW' });
      await put(at(0, 4 * 24 + 12), { confirmation: 'CONFIRMED' });
      // Nine weeks ago: outside the 8 weeks. Another company: never counted.
      await put(at(9, 12), { attendance: 'NO_SHOW' });
      await put(at(1, 12), { attendance: 'NO_SHOW' }, a.company.id);

      const query = `query($w: Int) { attendanceSummary(weeks: $w) { weekStart from to appointments confirmations declines started attended noShows noShowRate } }`;
      const result = await gql(server.url, query, {}, c.readKey);
      expect(result.errors).toBeUndefined();
      const weeks = result.data!.attendanceSummary as any[];
      expect(weeks.map((w) => w.weekStart)).toEqual(['2031-01-20', '2031-01-27', '2031-02-03', '2031-02-10', '2031-02-17', '2031-02-24', '2031-03-03', '2031-03-10']);
      expect(weeks[7]).toMatchObject({ from: '2031-03-10T03:00:00.000Z', to: '2031-03-17T03:00:00.000Z' });
      expect(weeks[4]).toEqual({ weekStart: '2031-02-17', from: '2031-02-17T03:00:00.000Z', to: '2031-02-24T03:00:00.000Z', appointments: 3, confirmations: 2, declines: 0, started: 3, attended: 2, noShows: 1, noShowRate: 1 / 3 });
      expect(weeks[6]).toMatchObject({ weekStart: '2031-03-03', appointments: 1, declines: 1, noShows: 1, noShowRate: 1 });
      expect(weeks[7]).toMatchObject({ appointments: 2, started: 1, confirmations: 1, noShows: 1, noShowRate: 1 });
      for (const i of [0, 1, 2, 3, 5]) expect(weeks[i]).toMatchObject({ appointments: 0, noShows: 0, noShowRate: 0 });

      expect((await gql(server.url, query, { w: 2 }, c.readKey)).data!.attendanceSummary).toHaveLength(2);
      const invalid = await gql(server.url, query, { w: 0 }, c.readKey);
      expect(invalid.errors?.[0]?.message).toBe('`weeks` deve ser um inteiro entre 1 e 26.');
      expect((await gql(server.url, query, {})).errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    });
  });
});
