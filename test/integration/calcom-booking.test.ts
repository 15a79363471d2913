import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Appointment } from '../../server/appointments/appointment.entity.js';
import { CalcomGateway } from '../../server/calcom/calcom.gateway.js';
import { reconcileCompany } from '../../server/calcom/calcom.reconcile.js';
import { CalcomSandbox, DEFAULT_API_KEY, DEFAULT_EVENT_TYPE_ID } from '../fakes/calcom-sandbox.js';
import { gql, login, seedCompany, startTestServer, type TestServer } from '../support/app.js';
import { webhooksApplied } from '../support/webhooks.js';
import { settle, subscribe } from '../support/ws.js';

const SECRET = 'segredo-webhook-booking';
const BOOK = `mutation($input: BookAppointmentInput!) { bookAppointment(input: $input) { id status source calBookingUid meetingUrl startAt endAt clientName } }`;

describe('booking through Cal.com', () => {
  let server: TestServer;
  let cal: CalcomSandbox;
  let company: Awaited<ReturnType<typeof seedCompany>>;
  let admin: string;
  let slots: string[];

  const rows = () => server.app.orm.em.fork().find(Appointment, { companyId: company.company.id }, { orderBy: { startAt: 'asc' } });
  const metric = async (name: string, labels: string) => {
    const text = await (await fetch(`${server.url}/metrics`)).text();
    const match = new RegExp(`^${name}\\{${labels}\\} (\\d+(?:\\.\\d+)?)$`, 'm').exec(text);
    return match ? Number(match[1]) : 0;
  };
  const freeSlot = () => {
    const slot = slots.shift();
    if (!slot) throw new Error('out of slots');
    return slot;
  };

  beforeAll(async () => {
    cal = new CalcomSandbox({ minimumNoticeMinutes: 0 });
    const { url: calUrl } = await cal.start();
    server = await startTestServer('booking');
    (server.app.services.calendar as CalcomGateway).clientOptions = { timeoutMs: 800, baseBackoffMs: 5, maxRetryWaitMs: 1500 };
    company = await seedCompany(server.app, 'Clínica Booking', { calApiUrl: calUrl, calApiKey: DEFAULT_API_KEY, calEventTypeId: DEFAULT_EVENT_TYPE_ID, calWebhookSecret: SECRET });
    cal.tenant().webhook = { url: `${server.url}/api/agenda/webhook/cal`, secret: SECRET, companyId: company.company.id };
    admin = await login(server.url, company.email, company.password);
    const from = new Date(Date.now() + 86_400_000);
    const to = new Date(from.getTime() + 14 * 86_400_000);
    const result = await gql(server.url, 'query($f: DateTime!, $t: DateTime!) { availability(from: $f, to: $t) { start end } }', { f: from.toISOString(), t: to.toISOString() }, admin);
    expect(result.errors).toBeUndefined();
    slots = (result.data!.availability as { start: string }[]).map((s) => s.start);
    expect(slots.length).toBeGreaterThan(40);
  });
  afterAll(async () => {
    await server?.close();
    await cal?.stop();
  });

  it('books as an admin: Cal.com gets our id in metadata, the row is confirmed with the link, pushed live once', async () => {
    const sub = subscribe(server.url, company.readKey);
    await sub.ready;
    const before = await metric('secretaria_appointments_confirmed_total', `company="${company.company.id}",source="admin"`);
    const start = freeSlot();
    const result = await gql(server.url, BOOK, { input: { start, clientName: 'Beatriz Gonçalves', clientPhone: '+55 (11) 98888-7777', clientEmail: 'bia@example.com' } }, admin);
    expect(result.errors).toBeUndefined();
    const booked = result.data!.bookAppointment;
    expect(booked).toMatchObject({ status: 'CONFIRMED', source: 'ADMIN', startAt: new Date(start).toISOString(), clientName: 'Beatriz Gonçalves' });
    const inCal = cal.booking(booked.calBookingUid)!;
    expect(inCal.metadata).toMatchObject({ appointmentId: booked.id });
    expect(inCal.attendees[0]).toMatchObject({ name: 'Beatriz Gonçalves', email: 'bia@example.com', phoneNumber: '+5511988887777', timeZone: 'America/Sao_Paulo' });
    expect(booked.meetingUrl).toMatch(/^https:\/\//);
    await cal.flushWebhooks();
    await webhooksApplied(server.app);
    await sub.waitFor(1);
    await settle();
    expect(sub.received.filter((e) => e.appointment.id === booked.id).map((e) => e.kind)).toEqual(['CREATED']);
    expect(await metric('secretaria_appointments_confirmed_total', `company="${company.company.id}",source="admin"`)).toBe(before + 1);
    expect(await metric('secretaria_appointments_latency_seconds_count', `company="${company.company.id}",outcome="ok"`)).toBeGreaterThan(0);
    await sub.close();
  });

  it('books for a third party through the REST shim with a write key, refusing a read key', async () => {
    const start = freeSlot();
    const body = JSON.stringify({ start, clientName: 'Integração ERP', clientEmail: 'erp@example.com' });
    const denied = await fetch(`${server.url}/api/agenda/book`, { method: 'POST', headers: { authorization: `Bearer ${company.readKey}`, 'content-type': 'application/json' }, body });
    expect(denied.status).toBe(403);
    const response = await fetch(`${server.url}/api/agenda/book`, { method: 'POST', headers: { authorization: `Bearer ${company.writeKey}`, 'content-type': 'application/json' }, body });
    expect(response.status).toBe(201);
    expect(await response.json()).toMatchObject({ status: 'CONFIRMED', source: 'API' });
    const invalid = await fetch(`${server.url}/api/agenda/book`, { method: 'POST', headers: { authorization: `Bearer ${company.writeKey}`, 'content-type': 'application/json' }, body: JSON.stringify({ start: 'amanhã', clientName: 'X' }) });
    expect(invalid.status).toBe(400);
  });

  it('records a booking made directly in Cal.com, from its webhook', async () => {
    const start = freeSlot();
    const direct = cal.createBookingDirectly({ start, attendee: { name: 'Direto no Cal', email: 'direto@example.com', phoneNumber: '+5521999990000' } });
    await cal.flushWebhooks();
    await webhooksApplied(server.app);
    const row = (await rows()).find((r) => r.calBookingUid === direct.uid);
    expect(row).toMatchObject({ status: 'CONFIRMED', source: 'CALCOM', clientName: 'Direto no Cal', clientPhone: '5521999990000' });
  });

  it('validates input with field messages', async () => {
    const result = await gql(server.url, BOOK, { input: { start: new Date(Date.now() - 86_400_000).toISOString(), clientName: ' ', clientEmail: 'não-é-email' } }, admin);
    expect(result.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', fields: { start: expect.any(String), clientName: expect.any(String), clientEmail: expect.any(String) } });
  });

  it('refuses a slot Cal.com says is taken, leaving no appointment', async () => {
    const start = freeSlot();
    cal.createBookingDirectly({ start, attendee: { name: 'Outro', email: 'outro@example.com' } });
    const before = (await rows()).length;
    const result = await gql(server.url, BOOK, { input: { start, clientName: 'Atrasado', clientEmail: 'a@example.com' } }, admin);
    expect(result.errors?.[0]?.extensions?.code).toBe('CONFLICT');
    await cal.flushWebhooks();
    await webhooksApplied(server.app);
    const after = await rows();
    expect(after.filter((r) => r.clientName === 'Atrasado')).toEqual([]);
    expect(after.length).toBe(before + 1); // only the direct booking's webhook row
  });

  it('retries Cal.com 500s and 429s, then succeeds', async () => {
    cal.failNext(2, 500, { method: 'POST', path: '/v2/bookings' });
    const first = await gql(server.url, BOOK, { input: { start: freeSlot(), clientName: 'Depois de 500', clientEmail: 'x@example.com' } }, admin);
    expect(first.data?.bookAppointment.status).toBe('CONFIRMED');
    cal.rateLimitNext(1, { retryAfterSeconds: 1, match: { method: 'POST', path: '/v2/bookings' } });
    const second = await gql(server.url, BOOK, { input: { start: freeSlot(), clientName: 'Depois de 429', clientEmail: 'y@example.com' } }, admin);
    expect(second.data?.bookAppointment.status).toBe('CONFIRMED');
    expect(cal.bookings().filter((b) => ['Depois de 500', 'Depois de 429'].includes(b.attendees[0]!.name))).toHaveLength(2);
  });

  it('survives a Cal.com timeout: the stalled request is checked for, not blindly re-posted', async () => {
    cal.stallNext(1, 1500, { match: { method: 'POST', path: '/v2/bookings' } });
    const start = freeSlot();
    const result = await gql(server.url, BOOK, { input: { start, clientName: 'Depois do timeout', clientEmail: 't@example.com' } }, admin);
    expect(result.errors).toBeUndefined();
    expect(result.data!.bookAppointment.status).toBe('CONFIRMED');
    expect(cal.bookings().filter((b) => b.attendees[0]!.name === 'Depois do timeout' && b.status === 'accepted')).toHaveLength(1);
    expect((await rows()).filter((r) => r.clientName === 'Depois do timeout')).toHaveLength(1);
  });

  it('reports Cal.com unavailable after bounded retries, leaving nothing behind', async () => {
    cal.failNext(10, 503, { path: '/v2/bookings' });
    const start = freeSlot();
    const result = await gql(server.url, BOOK, { input: { start, clientName: 'Cal fora do ar', clientEmail: 'z@example.com' } }, admin);
    expect(result.errors?.[0]).toMatchObject({ extensions: { code: 'CALCOM_UNAVAILABLE' } });
    expect(result.errors?.[0]?.message).toMatch(/Tente novamente/);
    cal.reset();
    expect((await rows()).filter((r) => r.clientName === 'Cal fora do ar')).toEqual([]);
    // the slot is free again
    const retry = await gql(server.url, BOOK, { input: { start, clientName: 'Cal voltou', clientEmail: 'z@example.com' } }, admin);
    expect(retry.data?.bookAppointment.status).toBe('CONFIRMED');
  });

  it('does not duplicate when Cal.com accepted but the answer was lost', async () => {
    cal.acceptThenDropNext(1, { method: 'POST', path: '/v2/bookings' });
    const start = freeSlot();
    const result = await gql(server.url, BOOK, { input: { start, clientName: 'Resposta perdida', clientEmail: 'p@example.com' } }, admin);
    expect(result.errors).toBeUndefined();
    await cal.flushWebhooks();
    await webhooksApplied(server.app);
    expect(cal.bookings().filter((b) => b.attendees[0]!.name === 'Resposta perdida' && b.status === 'accepted')).toHaveLength(1);
    const ours = (await rows()).filter((r) => r.clientName === 'Resposta perdida');
    expect(ours).toHaveLength(1);
    expect(ours[0]!.id).toBe(result.data!.bookAppointment.id);
  });

  it('lets exactly one of two concurrent bookings of the same slot succeed', async () => {
    const start = freeSlot();
    cal.latencyMs = 150;
    const [x, y] = await Promise.all([
      gql(server.url, BOOK, { input: { start, clientName: 'Corrida A', clientEmail: 'a@example.com' } }, admin),
      gql(server.url, BOOK, { input: { start, clientName: 'Corrida B', clientEmail: 'b@example.com' } }, company.writeKey),
    ]);
    cal.latencyMs = 0;
    const outcomes = [x, y].map((r) => (r.errors ? r.errors[0]!.extensions!.code : r.data!.bookAppointment.status)).sort();
    expect(outcomes).toEqual(['CONFIRMED', 'CONFLICT']);
    const live = (await rows()).filter((r) => r.startAt.toISOString() === new Date(start).toISOString() && r.status !== 'CANCELLED');
    expect(live).toHaveLength(1);
    expect(cal.bookings().filter((b) => b.start === new Date(start).toISOString() && b.status === 'accepted')).toHaveLength(1);
  });

  it('cancels through Cal.com and counts the cancellation by channel', async () => {
    const booked = (await gql(server.url, BOOK, { input: { start: freeSlot(), clientName: 'Vai cancelar', clientEmail: 'c@example.com' } }, admin)).data!.bookAppointment;
    const before = await metric('secretaria_appointments_cancelled_total', `company="${company.company.id}",via="admin"`);
    const result = await gql(server.url, 'mutation($id: ID!) { cancelAppointment(id: $id, reason: "Cliente pediu") { status cancellationReason } }', { id: booked.id }, admin);
    expect(result.data).toEqual({ cancelAppointment: { status: 'CANCELLED', cancellationReason: 'Cliente pediu' } });
    expect(cal.booking(booked.calBookingUid)!.status).toBe('cancelled');
    await cal.flushWebhooks();
    await webhooksApplied(server.app);
    expect(await metric('secretaria_appointments_cancelled_total', `company="${company.company.id}",via="admin"`)).toBe(before + 1);
    expect((await server.app.orm.em.fork().findOneOrFail(Appointment, { id: booked.id })).status).toBe('CANCELLED');
  });

  it('answers CALCOM_NOT_CONFIGURED for a company without a Cal.com key', async () => {
    const bare = await seedCompany(server.app, 'Sem Cal');
    const token = await login(server.url, bare.email, bare.password);
    const result = await gql(server.url, BOOK, { input: { start: slots[0], clientName: 'X', clientEmail: 'x@example.com' } }, token);
    expect(result.errors?.[0]).toMatchObject({ extensions: { code: 'CALCOM_NOT_CONFIGURED' } });
    expect(result.errors?.[0]?.message).toMatch(/não está configurada/);
  });

  it('reconciles bookings whose webhooks never arrived', async () => {
    const webhook = cal.tenant().webhook;
    cal.tenant().webhook = null;
    const missed = cal.createBookingDirectly({ start: freeSlot(), attendee: { name: 'Webhook perdido', email: 'w@example.com' } });
    cal.tenant().webhook = webhook;
    expect((await rows()).find((r) => r.calBookingUid === missed.uid)).toBeUndefined();
    const report = await reconcileCompany(server.app.orm.em.fork(), server.app.services, company.company.id);
    expect(report.applied).toBeGreaterThanOrEqual(1);
    expect((await rows()).find((r) => r.calBookingUid === missed.uid)).toMatchObject({ status: 'CONFIRMED', clientName: 'Webhook perdido' });
    const again = await reconcileCompany(server.app.orm.em.fork(), server.app.services, company.company.id);
    expect(again.applied).toBe(0);
  });
});
