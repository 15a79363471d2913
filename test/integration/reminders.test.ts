import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../server/app.js';
import type { Scope } from '../../server/appointments/appointment.service.js';
import { SYSTEM_ACTOR } from '../../server/audit/audit.service.js';
import { cancelConfirmedMessage, reminderConfirmedMessage, reminderMessage } from '../../server/whatsapp/replies.js';
import { CalcomSandbox, DEFAULT_API_KEY, DEFAULT_EVENT_TYPE_ID } from '../fakes/calcom-sandbox.js';
import { sendInbound, WhaticketSandbox } from '../fakes/whaticket-sandbox.js';
import { gql, login, seedCompany, startTestServer, type TestServer } from '../support/app.js';
import { insertAppointment } from '../support/factories.js';
import { until } from '../support/wait.js';
import { subscribe } from '../support/ws.js';
import { conversationOf, localSlot, TZ } from './whatsapp-harness.js';

const TOKEN = 'whaticket-reminders-token';
const SECRET = 'segredo-lembretes';
const MINUTE = 60_000;

interface ReminderRow {
  offset_minutes: number;
  status: string;
  due_at: Date;
  error: string | null;
  round: number;
  outbound_message_id: string | null;
}

/**
 * The reminders end to end on a real server: Cal.com and Whaticket sandboxes over HTTP, the
 * reminders' clock moved by the test (never slept), messages checked as Whaticket received them.
 */
describe('reminders', () => {
  let server: TestServer;
  let app: App;
  let company: Awaited<ReturnType<typeof seedCompany>>;
  const calcom = new CalcomSandbox({ tenants: [{ workingHours: { days: [0, 1, 2, 3, 4, 5, 6], start: '08:00', end: '20:00' } }] });
  const whaticket = new WhaticketSandbox({ tokens: [TOKEN] });
  let clock = new Date();
  let scope: Scope;
  let phoneSeq = 0;

  beforeAll(async () => {
    await calcom.start();
    await whaticket.start();
    server = await startTestServer('reminders', {}, { reminderPollMs: 250 });
    app = server.app;
    app.services.reminders.now = () => clock;
    company = await seedCompany(app, 'Clínica Lembrete', {
      calApiUrl: calcom.url,
      calApiKey: DEFAULT_API_KEY,
      calEventTypeId: DEFAULT_EVENT_TYPE_ID,
      calWebhookSecret: SECRET,
      whaticketUrl: whaticket.url,
      whaticketToken: TOKEN,
      timezone: TZ,
    });
    calcom.tenant().webhook = { url: `${server.url}/api/agenda/webhook/cal`, secret: SECRET, companyId: company.company.id };
    scope = { companyId: company.company.id, actor: SYSTEM_ACTOR, canWrite: true };
  });
  afterAll(async () => {
    await server?.close();
    await calcom.stop();
    await whaticket.stop();
  });

  const sql = async <T,>(query: string, params: unknown[] = []) => (await app.orm.em.fork().getConnection().execute(query, params)) as T[];
  let token: string | undefined;
  const adminToken = async () => (token ??= await login(server.url, company.email, company.password));
  const newPhone = () => `551197${String(7_000_000 + ++phoneSeq).padStart(7, '0')}`;
  const received = (phone: string) => whaticket.sent().filter((m) => m.number === phone).map((m) => m.body);
  const reminders = (appointmentId: string) =>
    sql<ReminderRow>('select offset_minutes, status, due_at, error, round, outbound_message_id from appointment_reminders where appointment_id = ? order by offset_minutes desc', [appointmentId]);
  const moveClock = (to: Date) => {
    clock = to;
    app.reminderWorker!.wake();
  };
  /** One sweep at the current clock, awaited: whatever is due by then is claimed when it resolves. */
  const sweep = () => app.services.reminders.sweep(app.orm.em.fork());
  const pending = (row: ReminderRow | undefined) => ({ status: row?.status, outbound_message_id: row?.outbound_message_id });
  const book = (start: Date, name: string, phone: string) =>
    app.services.appointments.book(app.orm.em.fork(), scope, { start, clientName: name, clientPhone: phone, clientEmail: null, notes: null }, 'ADMIN');
  const metric = async (outcome: string) => {
    const text = await (await fetch(`${server.url}/metrics`)).text();
    const line = text.split('\n').find((l) => l.startsWith(`secretaria_reminders_total{company="${company.company.id}",outcome="${outcome}"}`));
    return line ? Number(line.split(' ').pop()) : 0;
  };

  it('sends each reminder once as the clock crosses 24 h and 2 h before, with the pt-BR text, and records SENT', async () => {
    clock = new Date();
    const start = localSlot(3, 14);
    const phone = newPhone();
    const appointment = await book(start, 'Ana Souza', phone);
    const rows = await reminders(appointment.id);
    expect(rows.map((r) => [r.offset_minutes, r.status, new Date(r.due_at).toISOString()])).toEqual([
      [1440, 'SCHEDULED', new Date(start.getTime() - 1440 * MINUTE).toISOString()],
      [120, 'SCHEDULED', new Date(start.getTime() - 120 * MINUTE).toISOString()],
    ]);
    const sentBefore = await metric('sent');

    moveClock(new Date(start.getTime() - 1440 * MINUTE - MINUTE));
    await sweep();
    // Not due yet: neither row claimed.
    expect((await reminders(appointment.id)).map(pending)).toEqual([
      { status: 'SCHEDULED', outbound_message_id: null },
      { status: 'SCHEDULED', outbound_message_id: null },
    ]);
    expect(received(phone)).toEqual([]);

    const dayBefore = new Date(start.getTime() - 1439 * MINUTE);
    moveClock(dayBefore);
    await until('the 24 h reminder', () => received(phone).length === 1, 15_000);
    expect(received(phone)[0]).toBe(reminderMessage('Ana Souza', start, appointment.meetingUrl, dayBefore, TZ));
    expect(received(phone)[0]).toMatch(/^Olá, Ana! Lembrete: sua reunião é amanhã \([^,]+, \d+\/\d+\) às 14h\./);

    const twoHours = new Date(start.getTime() - 119 * MINUTE);
    moveClock(twoHours);
    await until('the 2 h reminder', () => received(phone).length === 2, 15_000);
    expect(received(phone)[1]).toBe(reminderMessage('Ana Souza', start, appointment.meetingUrl, twoHours, TZ));
    expect(received(phone)[1]).toContain('sua reunião é hoje às 14h.');

    await until('both rows SENT', async () => (await reminders(appointment.id)).every((r) => r.status === 'SENT'), 15_000);
    const outbound = await sql<{ kind: string; dedupe_key: string; template: { parameters: string[] } }>(
      'select kind, dedupe_key, template from outbound_messages where phone = ? order by created_at', [phone]);
    expect(outbound.map((o) => [o.kind, o.dedupe_key])).toEqual([
      ['REMINDER', `reminder:${appointment.id}:1440`],
      ['REMINDER', `reminder:${appointment.id}:120`],
    ]);
    expect(outbound[1]!.template.parameters).toEqual(['Ana', 'hoje às 14h', appointment.meetingUrl ?? '']);
    expect(await metric('sent')).toBe(sentBefore + 2);

    // Later sweeps (and a clock far ahead) send nothing again.
    moveClock(new Date(start.getTime() - 10 * MINUTE));
    await sweep();
    expect((await reminders(appointment.id)).map((r) => r.status)).toEqual(['SENT', 'SENT']);
    expect(await sql('select id from outbound_messages where phone = ?', [phone])).toHaveLength(2);
    expect(received(phone)).toHaveLength(2);
  });

  it('quiet hours: a 2 h reminder due at 06:30 goes at 20:59 the evening before (São Paulo), and across a DST change (New York)', async () => {
    // São Paulo: 08:30 on day 12 → the 2 h reminder at 20:59 on day 11.
    clock = new Date();
    const start = localSlot(12, 8, 30);
    const phone = newPhone();
    const appointment = await insertAppointment(app, company.company.id, { start, clientName: 'Lia Souza', clientPhone: phone });
    const evening = localSlot(11, 20, 59);
    expect(new Date((await reminders(appointment.id)).find((r) => r.offset_minutes === 120)!.due_at)).toEqual(evening);
    moveClock(new Date(start.getTime() - 1439 * MINUTE));
    await until('the 24 h reminder', () => received(phone).length === 1, 15_000);
    moveClock(new Date(evening.getTime() - MINUTE));
    await sweep();
    // 20:58: not yet.
    expect(pending((await reminders(appointment.id)).find((r) => r.offset_minutes === 120))).toEqual({ status: 'SCHEDULED', outbound_message_id: null });
    expect(received(phone)).toHaveLength(1);
    const at = new Date(evening.getTime() + 30_000);
    moveClock(at);
    await until('the 2 h reminder, sent the evening before', () => received(phone).length === 2, 15_000);
    expect(received(phone)[1]).toBe(reminderMessage('Lia Souza', start, null, at, TZ));
    expect(received(phone)[1]).toMatch(/sua reunião é amanhã \([^,]+, \d+\/\d+\) às 8h30\./);

    // New York, spring forward on Sunday 14/3/2027: Monday 15/3 08:30 EDT (12:30Z); 2 h before is 06:30 →
    // 20:59 EDT on Sunday (00:59Z on 15/3); 24 h before is Sunday 08:30 EDT (12:30Z on 14/3), right after the switch.
    const ny = await seedCompany(app, 'Clínica Nova York', { whaticketUrl: whaticket.url, whaticketToken: TOKEN, timezone: 'America/New_York' });
    const nyPhone = newPhone();
    const nyStart = new Date('2027-03-15T12:30:00Z');
    const nyAppointment = await insertAppointment(app, ny.company.id, { start: nyStart, clientName: 'Mia', clientPhone: nyPhone });
    expect((await reminders(nyAppointment.id)).map((r) => [r.offset_minutes, new Date(r.due_at).toISOString()])).toEqual([
      [1440, '2027-03-14T12:30:00.000Z'],
      [120, '2027-03-15T00:59:00.000Z'],
    ]);
    const nyEvening = new Date('2027-03-15T00:59:30Z');
    moveClock(nyEvening);
    await until('both New York reminders', () => received(nyPhone).length === 2, 15_000);
    expect(received(nyPhone)[1]).toBe(reminderMessage('Mia', nyStart, null, nyEvening, 'America/New_York'));
    expect(received(nyPhone)[1]).toContain('sua reunião é amanhã (segunda, 15/3) às 8h30.');
  });

  it('late appointment: past moments are skipped except the latest one, sent at once when the start is ≥ 30 min ahead', async () => {
    const start = localSlot(4, 15);
    const phone = newPhone();
    clock = new Date(start.getTime() - 90 * MINUTE); // both moments passed
    const appointment = await book(start, 'Bruno', phone);
    const rows = await reminders(appointment.id);
    expect(rows.map((r) => [r.offset_minutes, r.status])).toEqual([[1440, 'SKIPPED'], [120, 'SCHEDULED']]);
    expect(rows[0]!.error).toMatch(/criado depois/);
    app.reminderWorker!.wake();
    await until('the late reminder', () => received(phone).length === 1, 15_000);
    expect(received(phone)[0]).toContain('Olá, Bruno! Lembrete: sua reunião é hoje às 15h.');

    const tooClose = localSlot(4, 17);
    const phone2 = newPhone();
    clock = new Date(tooClose.getTime() - 20 * MINUTE);
    const close = await book(tooClose, 'Carla', phone2);
    expect((await reminders(close.id)).map((r) => r.status)).toEqual(['SKIPPED', 'SKIPPED']);
    await sweep();
    expect((await reminders(close.id)).map(pending)).toEqual([
      { status: 'SKIPPED', outbound_message_id: null },
      { status: 'SKIPPED', outbound_message_id: null },
    ]);
    expect(await sql('select id from outbound_messages where phone = ?', [phone2])).toEqual([]);
    expect(received(phone2)).toEqual([]);
  });

  it('rescheduling moves the reminders (a sent one is sent again for the new time); cancelling skips them', async () => {
    clock = new Date();
    const start = localSlot(5, 10);
    const phone = newPhone();
    const appointment = await book(start, 'Davi', phone);
    moveClock(new Date(start.getTime() - 1439 * MINUTE));
    await until('the first 24 h reminder', () => received(phone).length === 1, 15_000);

    const moved = localSlot(6, 11);
    clock = new Date(start.getTime() - 1430 * MINUTE);
    await app.services.appointments.reschedule(app.orm.em.fork(), scope, appointment.id, moved, null);
    let rows = await reminders(appointment.id);
    expect(rows.map((r) => [r.offset_minutes, r.status, new Date(r.due_at).getTime(), r.round])).toEqual([
      [1440, 'SCHEDULED', moved.getTime() - 1440 * MINUTE, 1],
      [120, 'SCHEDULED', moved.getTime() - 120 * MINUTE, 0],
    ]);
    moveClock(new Date(moved.getTime() - 1439 * MINUTE));
    await until('the 24 h reminder for the new time', () => received(phone).length === 2, 15_000);
    expect(received(phone)[1]).toContain('amanhã');
    expect(received(phone)[1]).toContain('às 11h');

    await app.services.appointments.cancel(app.orm.em.fork(), scope, appointment.id, null, 'admin');
    rows = await reminders(appointment.id);
    expect(rows.find((r) => r.offset_minutes === 120)).toMatchObject({ status: 'SKIPPED', error: 'agendamento cancelado' });
    moveClock(new Date(moved.getTime() - 60 * MINUTE));
    await sweep();
    expect(pending((await reminders(appointment.id)).find((r) => r.offset_minutes === 120))).toEqual({ status: 'SKIPPED', outbound_message_id: null });
    expect(received(phone)).toHaveLength(2);
  });

  it('an appointment that arrives by Cal.com webhook gets its reminders too', async () => {
    clock = new Date();
    const start = localSlot(7, 9);
    const phone = newPhone();
    const booking = calcom.createBookingDirectly({ start, attendee: { name: 'Elisa Prado', email: 'elisa@example.com', phoneNumber: `+${phone}` } });
    const rows = await until('the webhook appointment with its reminders', async () => {
      const found = await sql<{ id: string }>('select id from appointments where cal_booking_uid = ?', [booking.uid]);
      const list = found[0] ? await reminders(found[0].id) : [];
      return list.length === 2 ? list : undefined;
    }, 15_000);
    expect(rows.map((r) => r.status)).toEqual(['SCHEDULED', 'SCHEDULED']);
  });

  it('changing the company offsets re-plans upcoming reminders; bad settings get a pt-BR 400 and change nothing', async () => {
    clock = new Date();
    const start = localSlot(8, 16);
    const appointment = await book(start, 'Fábio', newPhone());
    const bad = await gql(server.url, 'mutation { updateCompanySettings(input: { reminderOffsetsMinutes: [2] }) { id } }', {}, await adminToken());
    expect(bad.errors?.[0]).toMatchObject({ extensions: { code: 'BAD_USER_INPUT' } });
    expect(bad.errors?.[0]?.message).toMatch(/entre 5 e 10080/);
    const badQuiet = await gql(server.url, 'mutation { updateCompanySettings(input: { quietHoursStart: "25:00" }) { id } }', {}, await adminToken());
    expect(badQuiet.errors?.[0]?.message).toMatch(/quietHoursStart deve estar no formato HH:MM/);

    const ok = await gql<{ updateCompanySettings: { reminderOffsetsMinutes: number[]; quietHoursStart: string | null } }>(
      server.url,
      'mutation { updateCompanySettings(input: { reminderOffsetsMinutes: [60, 2880] }) { reminderOffsetsMinutes quietHoursStart quietHoursEnd } }',
      {},
      await adminToken(),
    );
    expect(ok.data?.updateCompanySettings).toEqual({ reminderOffsetsMinutes: [2880, 60], quietHoursStart: '21:00', quietHoursEnd: '08:00' });
    await until('re-planned offsets', async () => (await reminders(appointment.id)).map((r) => r.offset_minutes).join(',') === '2880,60', 15_000);

    const off = await gql(server.url, 'mutation { updateCompanySettings(input: { reminderOffsetsMinutes: [] }) { reminderOffsetsMinutes } }', {}, await adminToken());
    expect(off.data).toEqual({ updateCompanySettings: { reminderOffsetsMinutes: [] } });
    await until('reminders dropped', async () => (await reminders(appointment.id)).length === 0, 15_000);
    const restored = await gql(server.url, 'mutation { updateCompanySettings(input: { reminderOffsetsMinutes: [1440, 120] }) { id } }', {}, await adminToken());
    expect(restored.errors).toBeUndefined();
    await until('reminders back', async () => (await reminders(appointment.id)).length === 2, 15_000);
  });

  it('a rename or a new inbound token re-plans nothing; an offsets change re-plans once', async () => {
    clock = new Date();
    const appointment = await book(localSlot(9, 15), 'Helena', newPhone());
    const sut = app.services.reminders;
    const replanCompany = sut.replanCompany;
    const replans: string[] = [];
    sut.replanCompany = (em, companyId) => {
      replans.push(companyId);
      return replanCompany.call(sut, em, companyId);
    };
    try {
      const renamed = await gql(server.url, 'mutation { updateCompanySettings(input: { name: "Clínica Lembrete Centro" }) { id } }', {}, await adminToken());
      expect(renamed.errors).toBeUndefined();
      const rotated = await gql<{ rotateWhaticketInboundToken: string }>(server.url, 'mutation { rotateWhaticketInboundToken }', {}, await adminToken());
      expect(rotated.errors).toBeUndefined();
      company.inboundToken = rotated.data!.rotateWhaticketInboundToken; // the later tests post with it
      // This worker re-plans in the order it hears the changes: once the offsets change shows, a
      // re-plan caused by the two changes before it would have run (and been counted) already.
      const moved = await gql(server.url, 'mutation { updateCompanySettings(input: { reminderOffsetsMinutes: [1440, 90] }) { id } }', {}, await adminToken());
      expect(moved.errors).toBeUndefined();
      await until('re-planned offsets', async () => (await reminders(appointment.id)).map((r) => r.offset_minutes).join(',') === '1440,90', 15_000);
      expect(replans).toEqual([company.company.id]);
    } finally {
      sut.replanCompany = replanCompany;
      await gql(server.url, 'mutation { updateCompanySettings(input: { name: "Clínica Lembrete", reminderOffsetsMinutes: [1440, 120] }) { id } }', {}, await adminToken());
      await until('offsets restored', async () => (await reminders(appointment.id)).map((r) => r.offset_minutes).join(',') === '1440,120', 15_000);
    }
  });

  it('a reminder whose message finally fails is recorded FAILED with the error', async () => {
    clock = new Date();
    // Day 2: the clock moves to a point where no other test's reminder is due (the failure is the next send).
    const start = localSlot(2, 13);
    const phone = newPhone();
    const appointment = await book(start, 'Gabi', phone);
    whaticket.failNext(1, 403, 'ERR_NO_PERMISSION'); // not retryable: the outbox gives up at once
    moveClock(new Date(start.getTime() - 1439 * MINUTE));
    const row = await until('the FAILED reminder', async () => (await reminders(appointment.id)).find((r) => r.offset_minutes === 1440 && r.status === 'FAILED'), 20_000);
    expect(row.error).toContain('ERR_NO_PERMISSION');
    expect(await metric('failed')).toBeGreaterThanOrEqual(1);
  });

  describe('answers to a reminder, end to end', () => {
    /** Books, sends the 24 h reminder and returns what the answer tests need. */
    async function reminded(days: number, hour: number, name: string) {
      clock = new Date();
      const start = localSlot(days, hour);
      const phone = newPhone();
      const appointment = await book(start, name, phone);
      moveClock(new Date(start.getTime() - 1439 * MINUTE));
      await until('the reminder', () => received(phone).length === 1, 15_000);
      const conversation = await conversationOf(server, company.company.id, phone);
      expect(conversation).toMatchObject({ state: 'AWAITING_REMINDER_ANSWER', data: { reminder: { appointmentId: appointment.id } } });
      const say = async (text: string) => {
        const result = await sendInbound(server.url, company.company.id, company.inboundToken, { from: phone, text, name, form: 'simple' });
        expect(result.status).toBe(200);
      };
      return { start, phone, appointment, say };
    }
    const row = async (id: string) =>
      (await sql<{ status: string; client_confirmation: string; cal_booking_uid: string; start_at: Date }>('select status, client_confirmation, cal_booking_uid, start_at from appointments where id = ?', [id]))[0]!;

    it('"1" confirms: CONFIRMED on the appointment, a short thanks, audited and pushed live', async () => {
      const { start, phone, appointment, say } = await reminded(10, 10, 'Helena');
      const sub = subscribe(server.url, company.readKey);
      await sub.ready;
      await say('1');
      await until('the thanks', () => received(phone).length === 2, 15_000);
      expect(received(phone)[1]).toBe(reminderConfirmedMessage(start, new Date(), TZ));
      expect((await row(appointment.id)).client_confirmation).toBe('CONFIRMED');
      const events = await sub.waitFor(1);
      expect(events[0]).toMatchObject({ kind: 'UPDATED', appointment: { id: appointment.id } });
      const audits = await sql<{ action: string }>('select action from audit_log where subject = ? order by at', [`appointment:${appointment.id}`]);
      expect(audits.map((a) => a.action)).toContain('appointment.client_confirmed');
      await sub.close();
    });

    it('"não vou conseguir" cancels in Cal.com and here as DECLINED, and pushes the cancellation live', async () => {
      const { start, phone, appointment, say } = await reminded(10, 12, 'Igor');
      const sub = subscribe(server.url, company.readKey);
      await sub.ready;
      await say('não vou conseguir');
      await until('the cancellation reply', () => received(phone).length === 2, 15_000);
      expect(received(phone)[1]).toBe(cancelConfirmedMessage(start, new Date(), TZ));
      const after = await row(appointment.id);
      expect(after).toMatchObject({ status: 'CANCELLED', client_confirmation: 'DECLINED' });
      expect(calcom.booking(after.cal_booking_uid)?.status).toBe('cancelled');
      const events = await sub.waitFor(1);
      expect(events.find((e) => e.kind === 'CANCELLED')).toMatchObject({ appointment: { id: appointment.id, status: 'CANCELLED' } });
      await sub.close();
    });

    it('"2" offers new times; choosing one moves the booking in Cal.com and the reminders with it', async () => {
      const { phone, appointment, say } = await reminded(11, 10, 'Júlia');
      await say('2');
      await until('the options', () => received(phone).length === 2, 15_000);
      expect(received(phone)[1]).toMatch(/^Tenho est(e|es) horári(o|os) disponíve(l|is)/);
      const conversation = await conversationOf(server, company.company.id, phone);
      expect(conversation!.data.offer).toMatchObject({ purpose: 'reschedule', appointmentId: appointment.id });
      const chosen = new Date(conversation!.data.offer!.slots[0]!);
      clock = new Date(); // the offered times are the next days (real time): plan the reminders from now
      await say('1');
      await until('the reschedule reply', () => received(phone).length === 3, 15_000);
      expect(received(phone)[2]).toMatch(/^Pronto! Sua reunião foi remarcada/);
      const after = await row(appointment.id);
      expect(new Date(after.start_at)).toEqual(chosen);
      expect(calcom.booking(after.cal_booking_uid)?.start).toBe(chosen.toISOString());
      // The unsent 2 h reminder follows the new time (sent at once, skipped or scheduled, as the plan says).
      const [moved] = await sql<{ planned_start_at: Date }>('select planned_start_at from appointment_reminders where appointment_id = ? and offset_minutes = 120', [appointment.id]);
      expect(new Date(moved!.planned_start_at)).toEqual(chosen);
    });
  });

});
