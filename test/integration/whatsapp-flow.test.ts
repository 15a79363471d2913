import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Appointment } from '../../server/appointments/appointment.entity.js';
import { parseDatePreference } from '../../server/whatsapp/date/index.js';
import {
  alternativesMessage,
  calendarRejectedMessage,
  calendarUnavailableMessage,
  cancelConfirmedMessage,
  cancelKeptMessage,
  cancelQuestionMessage,
  chooseAppointmentMessage,
  confirmationMessage,
  declineMessage,
  helpMessage,
  invalidChoiceMessage,
  listMessage,
  noAppointmentsMessage,
  notConfiguredMessage,
  offerRefreshedMessage,
  optionsMessage,
  rescheduleConfirmedMessage,
  slotTakenMessage,
} from '../../server/whatsapp/replies.js';
import { DEFAULT_EVENT_TYPE_ID } from '../fakes/calcom-sandbox.js';
import { login, seedCompany } from '../support/app.js';
import { subscribe } from '../support/ws.js';
import { eventually, localSlot, newPhone, offeredSlots, Person, sql, startHarness, TZ, WHATICKET_TOKEN, type Harness } from './whatsapp-harness.js';

/** Whole conversations over HTTP: Whaticket sandbox in, Cal.com sandbox behind, Whaticket sandbox out. */
describe('WhatsApp conversations', () => {
  let h: Harness;

  beforeAll(async () => {
    h = await startHarness('whatsapp_flow');
  });
  afterAll(async () => h?.close());

  const appointmentsOf = (phone: string) =>
    h.app.orm.em.fork().find(Appointment, { companyId: h.company.company.id, clientPhone: phone }, { orderBy: { startAt: 'asc' } });
  const optionsFor = async (phone: string, label?: string) => optionsMessage(await offeredSlots(h, phone), new Date(), TZ, label);
  const labelOf = (text: string) => parseDatePreference(text, new Date(), TZ)!.label;

  describe('book, list, reschedule and cancel', () => {
    const maria = () => new Person(h, mariaPhone, 'Maria Souza');
    const mariaPhone = newPhone();
    let bookedId: string;

    it('offers the next three slots and books the chosen one, live for the admin', async () => {
      const admin = await login(h.url, h.company.email, h.company.password);
      const live = subscribe(h.url, admin);
      await live.ready;

      const [options] = await maria().ask('quero marcar reunião amanhã à tarde');
      const slots = [localSlot(1, 12), localSlot(1, 12, 30), localSlot(1, 13)];
      expect(options).toBe(optionsMessage(slots, new Date(), TZ, 'amanhã à tarde'));
      expect(options).toMatch(/^Tenho estes horários disponíveis amanhã à tarde:\n1\) amanhã \([a-zçá]+, \d{1,2}\/\d{1,2}\) ao meio-dia\n2\) amanhã/);

      const [confirmation] = await maria().ask('1');
      const [row] = await appointmentsOf(mariaPhone);
      expect(row).toMatchObject({ status: 'CONFIRMED', source: 'WHATSAPP', clientName: 'Maria Souza', clientPhone: mariaPhone, clientEmail: null });
      expect(row!.startAt).toEqual(slots[0]);
      expect(row!.meetingUrl).toMatch(/^https:\/\/app\.cal\.com\/video\/\w+$/);
      expect(confirmation).toBe(`Reunião confirmada para amanhã ao meio-dia! Aqui está o link: ${row!.meetingUrl}`);
      expect(confirmation).toBe(confirmationMessage(slots[0]!, row!.meetingUrl, new Date(), TZ));
      bookedId = row!.id;

      const inCalcom = h.calcom.bookings().filter((b) => b.metadata.appointmentId === row!.id);
      expect(inCalcom).toHaveLength(1);
      expect(inCalcom[0]).toMatchObject({ status: 'accepted', uid: row!.calBookingUid, start: slots[0]!.toISOString() });
      expect(inCalcom[0]!.attendees[0]).toMatchObject({ name: 'Maria Souza', phoneNumber: `+${mariaPhone}` });

      const [event] = await live.waitFor(1);
      expect(event).toMatchObject({ kind: 'CREATED', appointment: { id: row!.id, status: 'CONFIRMED', clientName: 'Maria Souza' } });
      await live.close();

      // Transcript and audit trail of the decisions.
      const inbound = await sql(h, `select status, outcome from inbound_messages where phone = ? order by received_at`, [mariaPhone]);
      expect(inbound).toEqual([
        { status: 'PROCESSED', outcome: 'schedule:offered' },
        { status: 'PROCESSED', outcome: 'choose:booked' },
      ]);
      // Whaticket has the reply before our answer from it is recorded: wait for the record.
      const outbound = await eventually(async () => {
        const rows = await sql(h, `select status, body from outbound_messages where phone = ? order by created_at`, [mariaPhone]);
        return rows.length === 2 && rows.every((r) => r.status !== 'PENDING') ? rows : null;
      });
      expect(outbound).toEqual([
        { status: 'SENT', body: options },
        { status: 'SENT', body: confirmation },
      ]);
      const actions = await sql<{ action: string; data: any }>(
        h,
        `select a.action, a.data from audit_log a join conversations c on a.subject = 'conversation:' || c.id
           join contacts p on p.id = c.contact_id where p.phone = ? order by a.at, a.action`,
        [mariaPhone],
      );
      expect(actions.map((a) => a.action).sort()).toEqual(['bot.booking', 'bot.intent', 'bot.intent', 'bot.offer', 'bot.reply', 'bot.reply']);
      const offer = actions.find((a) => a.action === 'bot.offer')!.data;
      expect(offer.slots).toEqual(slots.map((s) => s.toISOString()));
      expect(offer.preference).toMatchObject({ label: 'amanhã à tarde', afterMinutes: 720, beforeMinutes: 1080 });
      expect(actions.find((a) => a.action === 'bot.booking')!.data).toMatchObject({ result: 'booked', appointmentId: row!.id });

      // /metrics tells an operator the whole story of that conversation.
      const metrics = await (await fetch(`${h.url}/metrics`)).text();
      const company = h.company.company.id;
      for (const series of [
        `secretaria_whatsapp_inbound_total{company="${company}",intent="schedule",provider="whaticket"}`,
        `secretaria_whatsapp_inbound_total{company="${company}",intent="choose",provider="whaticket"}`,
        `secretaria_whatsapp_outbound_total{company="${company}",outcome="sent",provider="whaticket"}`,
        `secretaria_appointments_total{company="${company}",source="whatsapp"}`,
        `secretaria_appointments_confirmed_total{company="${company}",source="whatsapp"}`,
        `secretaria_appointments_latency_seconds_count{company="${company}",outcome="ok"}`,
        `secretaria_calcom_requests_total{company="${company}",operation="slots",outcome="ok"}`,
        `secretaria_jobs_completed_total{queue="whatsapp.inbound"}`,
        `secretaria_jobs_completed_total{queue="whatsapp.send"}`,
        'secretaria_http_request_duration_seconds_count{route="/api/whaticket/inbound/:companyId",method="POST",status="2xx"}',
        'secretaria_graphql_active_subscriptions',
        'process_resident_memory_bytes',
      ]) {
        expect(metrics, series).toMatch(new RegExp(`^${series.replace(/[{}.*+?^$()|[\]\\]/g, '\\$&')} \\d`, 'm'));
      }
      expect(metrics).not.toContain(mariaPhone);
    });

    it('lists the upcoming meetings', async () => {
      const [row] = await appointmentsOf(mariaPhone);
      const [reply] = await maria().ask('quais são minhas reuniões?');
      expect(reply).toBe(listMessage([row!], new Date(), TZ));
      expect(reply).toMatch(/^Sua próxima reunião: amanhã \(.+\) ao meio-dia\.\nSe precisar remarcar ou cancelar, é só me dizer\.$/);
    });

    it('reschedules through Cal.com, keeping our appointment id', async () => {
      const admin = await login(h.url, h.company.email, h.company.password);
      const live = subscribe(h.url, admin);
      await live.ready;
      const [before] = await appointmentsOf(mariaPhone);

      const text = 'quero remarcar minha reunião para depois de amanhã de manhã';
      const [options] = await maria().ask(text);
      const slots = await offeredSlots(h, mariaPhone);
      expect(slots).toEqual([localSlot(2, 9), localSlot(2, 9, 30), localSlot(2, 10)]);
      expect(options).toBe(optionsMessage(slots, new Date(), TZ, labelOf(text)));

      const [done] = await maria().ask('a segunda');
      const [after] = await appointmentsOf(mariaPhone);
      expect(after).toMatchObject({ id: bookedId, status: 'RESCHEDULED' });
      expect(after!.startAt).toEqual(slots[1]);
      expect(after!.calBookingUid).not.toBe(before!.calBookingUid);
      expect(done).toBe(rescheduleConfirmedMessage(slots[1]!, after!.meetingUrl, new Date(), TZ));
      expect(done).toMatch(/^Pronto! Sua reunião foi remarcada para .+, às 9h30\. Aqui está o link: https:\/\/app\.cal\.com\/video\/\w+$/);
      expect(h.calcom.booking(before!.calBookingUid!)).toMatchObject({ status: 'cancelled', rescheduledToUid: after!.calBookingUid });
      expect(h.calcom.booking(after!.calBookingUid!)).toMatchObject({ status: 'accepted', start: slots[1]!.toISOString() });

      const [event] = await live.waitFor(1);
      expect(event).toMatchObject({ kind: 'RESCHEDULED', appointment: { id: bookedId } });
      await live.close();
    });

    it('cancels the only upcoming meeting after a one-word confirmation', async () => {
      const admin = await login(h.url, h.company.email, h.company.password);
      const live = subscribe(h.url, admin);
      await live.ready;
      const [current] = await appointmentsOf(mariaPhone);
      const question = cancelQuestionMessage(current!.startAt, new Date(), TZ);
      expect(question).toMatch(/^Confirma o cancelamento de .+\? Responda sim ou não\.$/);
      expect(await maria().ask('preciso cancelar minha reunião')).toEqual([question]);
      expect(await maria().ask('não')).toEqual([cancelKeptMessage(current!.startAt, new Date(), TZ)]);
      expect((await appointmentsOf(mariaPhone))[0]!.status).not.toBe('CANCELLED');
      expect(await maria().ask('quero cancelar')).toEqual([question]);
      const [reply] = await maria().ask('sim');
      const [event] = await live.waitFor(1);
      expect(event).toMatchObject({ kind: 'CANCELLED', appointment: { id: bookedId, status: 'CANCELLED' } });
      await live.close();
      expect(reply).toBe(cancelConfirmedMessage(current!.startAt, new Date(), TZ));
      const [after] = await appointmentsOf(mariaPhone);
      expect(after).toMatchObject({ id: bookedId, status: 'CANCELLED', cancellationReason: 'Cancelado pelo cliente via WhatsApp' });
      expect(h.calcom.booking(after!.calBookingUid!)?.status).toBe('cancelled');

      expect(await maria().ask('cancelar')).toEqual([noAppointmentsMessage()]);
    });
  });

  it('cancels at once a meeting named by its day and time; a vague one among several gets the numbered list', async () => {
    const phone = newPhone('41');
    const scope = { companyId: h.company.company.id, actor: { type: 'SYSTEM' as const, id: null, label: 'teste' } };
    for (const start of [localSlot(9, 10), localSlot(10, 11)]) {
      await h.app.services.appointments.book(h.app.orm.em.fork(), scope, { start, clientName: 'Lia Prado', clientPhone: `+${phone}` }, 'ADMIN');
    }
    const lia = new Person(h, phone, 'Lia');
    const rows = await appointmentsOf(phone);
    expect(await lia.ask('quero cancelar')).toEqual([chooseAppointmentMessage(rows, new Date(), TZ, 'cancel')]);
    expect(await lia.ask('deixa pra lá')).toEqual([declineMessage()]);
    expect(await lia.ask('preciso cancelar a reunião de daqui a dez dias às 11h')).toEqual([cancelConfirmedMessage(rows[1]!.startAt, new Date(), TZ)]);
    expect((await appointmentsOf(phone)).map((a) => a.status)).toEqual([rows[0]!.status, 'CANCELLED']);
  });

  it('answers a late "sim" when the meeting to cancel was cancelled meanwhile', async () => {
    const phone = newPhone('51');
    const scope = { companyId: h.company.company.id, actor: { type: 'SYSTEM' as const, id: null, label: 'teste' } };
    const booked = await h.app.services.appointments.book(h.app.orm.em.fork(), scope, { start: localSlot(11, 14), clientName: 'Rui Dias', clientPhone: `+${phone}` }, 'ADMIN');
    const rui = new Person(h, phone, 'Rui');
    expect(await rui.ask('cancelar')).toEqual([cancelQuestionMessage(booked.startAt, new Date(), TZ)]);
    await h.app.services.appointments.cancel(h.app.orm.em.fork(), scope, booked.id, 'pelo painel', 'admin');
    expect(await rui.ask('sim')).toEqual([noAppointmentsMessage()]);
  });

  it('asks which meeting when there are several, matching the old 8-digit number to the admin-typed one', async () => {
    // Booked by an admin with the 9th digit; WhatsApp delivers the old form without it.
    const full = newPhone('21');
    const old = full.slice(0, 4) + full.slice(5);
    const scope = { companyId: h.company.company.id, actor: { type: 'SYSTEM' as const, id: null, label: 'teste' } };
    for (const start of [localSlot(3, 15), localSlot(4, 16)]) {
      await h.app.services.appointments.book(h.app.orm.em.fork(), scope, { start, clientName: 'João Pereira', clientPhone: `+${full}` }, 'ADMIN');
    }
    const joao = new Person(h, old, 'João');
    let rows = await appointmentsOf(full);

    expect(await joao.ask('quais são minhas reuniões?')).toEqual([listMessage(rows, new Date(), TZ)]);
    expect(await joao.ask('quero remarcar')).toEqual([chooseAppointmentMessage(rows, new Date(), TZ, 'reschedule')]);
    const [options] = await joao.ask('1');
    const slots = await offeredSlots(h, full);
    expect(slots).toHaveLength(3);
    expect(options).toBe(optionsMessage(slots, new Date(), TZ));
    const [moved] = await joao.ask('3');
    const first = (await h.app.orm.em.fork().findOneOrFail(Appointment, { id: rows[0]!.id }));
    expect(first.startAt).toEqual(slots[2]);
    expect(moved).toBe(rescheduleConfirmedMessage(slots[2]!, first.meetingUrl, new Date(), TZ));

    rows = await appointmentsOf(full);
    expect(await joao.ask('quero cancelar')).toEqual([chooseAppointmentMessage(rows, new Date(), TZ, 'cancel')]);
    expect(await joao.ask('a 2')).toEqual([cancelConfirmedMessage(rows[1]!.startAt, new Date(), TZ)]);
    const after = await appointmentsOf(full);
    expect(after.map((a) => a.status)).toEqual([rows[0]!.status, 'CANCELLED']);
    // Replies go to the number WhatsApp registered.
    expect(h.whaticket.sent().filter((m) => m.number === full)).toEqual([]);
  });

  it('keeps moving the same meeting after "no free slots" for the first period asked', async () => {
    const phone = newPhone();
    const scope = { companyId: h.company.company.id, actor: { type: 'SYSTEM' as const, id: null, label: 'teste' } };
    const original = await h.app.services.appointments.book(
      h.app.orm.em.fork(),
      scope,
      { start: localSlot(5, 17), clientName: 'Bruno', clientPhone: `+${phone}` },
      'ADMIN',
    );
    const bruno = new Person(h, phone, 'Bruno');
    // Nothing at 23h: the nearest slots at once, still moving the same meeting.
    expect(await bruno.ask('quero remarcar para amanhã às 23h')).toEqual([alternativesMessage(await offeredSlots(h, phone), new Date(), TZ, 'amanhã às 23h')]);
    const text = 'e depois de amanhã às 17h?';
    const [options] = await bruno.ask(text);
    const slots = await offeredSlots(h, phone);
    expect(options).toBe(optionsMessage(slots, new Date(), TZ, labelOf(text)));
    expect(slots[0]).toEqual(localSlot(2, 17));
    const [done] = await bruno.ask('1');
    const moved = await h.app.orm.em.fork().findOneOrFail(Appointment, { id: original.id });
    expect(moved).toMatchObject({ status: 'RESCHEDULED' });
    expect(moved.startAt).toEqual(slots[0]);
    expect(done).toBe(rescheduleConfirmedMessage(slots[0]!, moved.meetingUrl, new Date(), TZ));
    expect(await appointmentsOf(phone)).toHaveLength(1);
  });

  it('uses the fallback sentence when Cal.com returns no meeting link', async () => {
    const tenant = h.calcom.tenant();
    tenant.linkMode = 'none';
    try {
      const ana = new Person(h, newPhone(), 'Ana');
      await ana.ask('oi, posso agendar um horário daqui a 3 dias de manhã?', 1, { form: 'simple' });
      const [slot] = await offeredSlots(h, ana.phone);
      const [reply] = await ana.ask('1', 1, { form: 'simple' });
      expect(reply).toBe(confirmationMessage(slot!, null, new Date(), TZ));
      expect(reply).toMatch(/^Reunião confirmada para .+, às 9h! O link da reunião ainda não está disponível; nossa equipe vai enviá-lo por aqui\.$/);
      expect((await appointmentsOf(ana.phone))[0]).toMatchObject({ status: 'CONFIRMED', meetingUrl: null });
    } finally {
      tenant.linkMode = 'meetingUrl';
    }
  });

  describe('failures a person can meet', () => {
    it('says the calendar is not configured (and counts the symptom)', async () => {
      const other = await seedCompany(h.app, 'Sem Agenda', { whaticketUrl: h.whaticket.url, whaticketToken: WHATICKET_TOKEN, timezone: TZ });
      const person = new Person(h, newPhone(), 'Pedro', { id: other.company.id, token: other.inboundToken });
      expect(await person.ask('quero marcar uma reunião')).toEqual([notConfiguredMessage()]);
      expect(notConfiguredMessage()).toContain('A agenda não está configurada');
      const metrics = await (await fetch(`${h.url}/metrics`)).text();
      expect(metrics).toContain(`secretaria_diagnostics_total{company="${other.company.id}",symptom="calendar_not_configured"} 1`);
    });

    it('says the asked period has no free slots and offers the nearest ones at once', async () => {
      const person = new Person(h, newPhone());
      const [reply] = await person.ask('quero marcar reunião amanhã às 23h');
      const slots = await offeredSlots(h, person.phone);
      expect(slots).toHaveLength(3);
      expect(slots.every((s) => s.getTime() > Date.now())).toBe(true);
      expect(reply).toBe(alternativesMessage(slots, new Date(), TZ, 'amanhã às 23h'));
      expect(reply).toMatch(/^Não tenho horários livres amanhã às 23h\. Os mais próximos que tenho:\n1\) /);
      const [confirmation] = await person.ask('1');
      expect(confirmation).toMatch(/^Reunião confirmada para /);
    });

    it('says Cal.com is unavailable when the slots cannot be read', async () => {
      const person = new Person(h, newPhone());
      const before = h.calcom.requests.filter((r) => r.path === '/v2/slots').length;
      h.calcom.failNext(4, 500, { path: '/v2/slots' });
      expect(await person.ask('quero marcar reunião amanhã de manhã')).toEqual([calendarUnavailableMessage()]);
      expect(h.calcom.requests.filter((r) => r.path === '/v2/slots').length - before).toBe(4);
      // Recovered: the same request now gets options.
      const [options] = await person.ask('quero marcar reunião amanhã de manhã');
      expect(options).toBe(await optionsFor(person.phone, 'amanhã de manhã'));
    });

    it('keeps the offer when Cal.com fails at booking time, so the same answer works later', async () => {
      const person = new Person(h, newPhone());
      await person.ask('quero marcar reunião daqui a 4 dias de manhã');
      const [slot] = await offeredSlots(h, person.phone);
      h.calcom.failNext(4, 503, { method: 'POST', path: '/v2/bookings' });
      expect(await person.ask('1')).toEqual([calendarUnavailableMessage()]);
      expect((await appointmentsOf(person.phone)).filter((a) => a.status !== 'CANCELLED')).toEqual([]);

      const [confirmation] = await person.ask('1');
      const [row] = await appointmentsOf(person.phone);
      expect(row).toMatchObject({ status: 'CONFIRMED' });
      expect(row!.startAt).toEqual(slot);
      expect(confirmation).toBe(confirmationMessage(slot!, row!.meetingUrl, new Date(), TZ));
    });

    it('explains a configuration problem when Cal.com refuses the booking, counts it and audits why', async () => {
      // An event type whose booking form still requires an e-mail refuses phone-only attendees.
      const eventType = h.calcom.tenant().eventTypes.get(DEFAULT_EVENT_TYPE_ID)!;
      const person = new Person(h, newPhone());
      await person.ask('quero marcar reunião daqui a 4 dias à tarde');
      eventType.emailRequired = true;
      try {
        expect(await person.ask('1')).toEqual([calendarRejectedMessage()]);
      } finally {
        eventType.emailRequired = false;
      }
      expect((await appointmentsOf(person.phone)).filter((a) => a.status !== 'CANCELLED')).toEqual([]);
      const [audit] = await sql(h, `select data from audit_log where action = 'bot.booking' and data->>'result' = 'CALCOM_REJECTED' and company_id = ?`, [h.company.company.id]);
      // Our own words and Cal.com's status: its text never reaches the tenant (the audit log is readable in the panel).
      expect(audit!.data.error).toMatch(/O Cal.com recusou a operação \(HTTP 400\)/);
      const metrics = await (await fetch(`${h.url}/metrics`)).text();
      expect(metrics).toContain(`secretaria_diagnostics_total{company="${h.company.company.id}",symptom="calendar_rejected"} 1`);
    });

    it('apologises and offers new options when the slot was taken meanwhile', async () => {
      const person = new Person(h, newPhone());
      await person.ask('quero marcar reunião daqui a 5 dias à tarde');
      const [taken] = await offeredSlots(h, person.phone);
      h.calcom.createBookingDirectly({ start: taken!, attendee: { name: 'Outra Pessoa', email: 'outra@example.com' } });

      const [apology, options] = await person.ask('1', 2);
      const fresh = await offeredSlots(h, person.phone);
      expect(apology).toBe(slotTakenMessage());
      expect(options).toBe(optionsMessage(fresh, new Date(), TZ, labelOf('daqui a 5 dias à tarde')));
      expect(fresh.map(Number)).not.toContain(taken!.getTime());
      expect((await appointmentsOf(person.phone)).filter((a) => a.status !== 'CANCELLED')).toEqual([]);

      const [confirmation] = await person.ask('1');
      const [row] = await appointmentsOf(person.phone);
      expect(row!.startAt).toEqual(fresh[0]);
      expect(confirmation).toBe(confirmationMessage(fresh[0]!, row!.meetingUrl, new Date(), TZ));
    });

    it('helps when an answer is not understood inside a conversation; a refusal ends it', async () => {
      const person = new Person(h, newPhone());
      await person.ask('quero marcar reunião daqui a 6 dias à tarde');
      expect(await person.ask('qual é o endereço?')).toEqual([helpMessage(3)]);
      expect(await person.ask('5')).toEqual([invalidChoiceMessage(3)]);
      expect(await person.ask('não')).toEqual([declineMessage()]);
      // The conversation is over: a bare "1" is for the human agents now.
      const { id } = await person.say('1');
      await eventually(async () => (await sql(h, `select status from inbound_messages where message_id = ?`, [id]))[0]?.status === 'IGNORED');
      expect((await appointmentsOf(person.phone)).length).toBe(0);
      expect(person.received()).toHaveLength(4);
    });

    it('ignores messages without an intent outside a conversation (human agents keep them)', async () => {
      const person = new Person(h, newPhone());
      const { id } = await person.say('bom dia, tudo bem? queria saber o endereço');
      const [row] = await eventually(async () => {
        const rows = await sql(h, `select id, status, outcome from inbound_messages where message_id = ?`, [id]);
        return rows[0]?.status === 'IGNORED' ? rows : null;
      });
      expect(row!.outcome).toBe('none:no_intent');
      expect(await sql(h, `select 1 from outbound_messages where dedupe_key like ?`, [`reply:${row!.id}:%`])).toEqual([]);
      expect(person.received()).toEqual([]);
    });
  });

  it('answers a late "1" with fresh options instead of booking a stale offer', async () => {
    const person = new Person(h, newPhone());
    const ttl = h.app.services.whatsapp.settings.offerTtlMs;
    h.app.services.whatsapp.settings.offerTtlMs = 0;
    try {
      await person.ask('quero marcar reunião daqui a 7 dias de manhã');
    } finally {
      h.app.services.whatsapp.settings.offerTtlMs = ttl;
    }
    const [refreshed, options] = await person.ask('1', 2);
    expect(refreshed).toBe(offerRefreshedMessage());
    expect(options).toBe(await optionsFor(person.phone, labelOf('daqui a 7 dias de manhã')));
    expect(await appointmentsOf(person.phone)).toEqual([]);
    const audit = await sql(h, `select count(*)::int as n from audit_log where action = 'bot.offer_expired' and company_id = ?`, [h.company.company.id]);
    expect(audit[0]!.n).toBe(1);

    const [confirmation] = await person.ask('1');
    expect(confirmation).toMatch(/^Reunião confirmada para /);
  });

  it('remembers the offer across a restart between offer and choice', async () => {
    const person = new Person(h, newPhone(), 'Carla');
    await person.ask('quero marcar reunião daqui a 8 dias à tarde');
    const [slot] = await offeredSlots(h, person.phone);

    await h.restart();

    const [confirmation] = await person.ask('1');
    const [row] = await appointmentsOf(person.phone);
    expect(row).toMatchObject({ status: 'CONFIRMED', source: 'WHATSAPP' });
    expect(row!.startAt).toEqual(slot);
    expect(confirmation).toBe(confirmationMessage(slot!, row!.meetingUrl, new Date(), TZ));
  });
});
