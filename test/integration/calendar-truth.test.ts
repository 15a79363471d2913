import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Appointment } from '../../server/appointments/appointment.entity.js';
import { CALCOM_ACTOR } from '../../server/audit/audit.service.js';
import { Service } from '../../server/catalog/service.entity.js';
import { CalcomGateway } from '../../server/calcom/calcom.gateway.js';
import { reconcileCompany } from '../../server/calcom/calcom.reconcile.js';
import { CalcomSandbox, DEFAULT_API_KEY, DEFAULT_EVENT_TYPE_ID } from '../fakes/calcom-sandbox.js';
import { gql, login, seedCompany, startTestServer, type TestServer } from '../support/app.js';
import { webhooksApplied } from '../support/webhooks.js';

const SECRET = 'segredo-webhook-verdade';
const SECOND_EVENT_TYPE_ID = 2002;
const BOOK = `mutation($input: BookAppointmentInput!) { bookAppointment(input: $input) { id status startAt calBookingUid hostName overlaps } }`;
const LIST = `query($from: DateTime, $to: DateTime) { appointments(filter: { from: $from, to: $to }) { totalCount edges { node { id status startAt calBookingUid hostName overlaps source } } } }`;
const OVERLAPS = `query { appointmentOverlaps { total appointments { id overlaps hostName } } }`;

type Node = { id: string; status: string; startAt: string; calBookingUid: string | null; hostName: string | null; overlaps: boolean; source: string };

/**
 * Issue 17 (calendar truth): Cal.com is the truth for what is booked, so every booking it reports is
 * recorded even at a start another appointment holds; only our own attempts are unique, per host.
 */
describe('calendar truth: every Cal.com booking recorded, own attempts unique per host', () => {
  let server: TestServer;
  let cal: CalcomSandbox;
  let company: Awaited<ReturnType<typeof seedCompany>>;
  let admin: string;
  let slots: string[];

  const freeSlot = () => {
    const slot = slots.shift();
    if (!slot) throw new Error('out of slots');
    return slot;
  };
  const atStart = async (start: string): Promise<Node[]> => {
    const from = new Date(start);
    const result = await gql<{ appointments: { edges: { node: Node }[] } }>(server.url, LIST, { from: from.toISOString(), to: new Date(from.getTime() + 60_000).toISOString() }, admin);
    expect(result.errors).toBeUndefined();
    return result.data!.appointments.edges.map((e) => e.node).filter((n) => n.status !== 'CANCELLED');
  };
  const setDefaultUser = (id: string | null) => server.app.services.companies.update(server.app.orm.em.fork(), company.company.id, { calDefaultUserId: id }, CALCOM_ACTOR);
  const bookingPosts = (start: string) =>
    cal.requests.filter((r) => r.method === 'POST' && r.path === '/v2/bookings' && Date.parse(String((r.body as { start?: string }).start)) === Date.parse(start));

  beforeAll(async () => {
    cal = new CalcomSandbox({ minimumNoticeMinutes: 0 });
    const { url: calUrl } = await cal.start();
    server = await startTestServer('calendar_truth');
    (server.app.services.calendar as CalcomGateway).clientOptions = { timeoutMs: 2_000, baseBackoffMs: 5, maxRetryWaitMs: 1500 };
    company = await seedCompany(server.app, 'Clínica Verdade', { calApiUrl: calUrl, calApiKey: DEFAULT_API_KEY, calEventTypeId: DEFAULT_EVENT_TYPE_ID, calWebhookSecret: SECRET });
    const webhook = { url: `${server.url}/api/agenda/webhook/cal`, secret: SECRET, companyId: company.company.id };
    cal.tenant().webhook = webhook;
    // A second professional with an event type of their own, in the same Cal.com account's reach.
    cal.addTenant({ host: { id: 8, name: 'Dr. Bruno Lima' }, eventTypes: [{ id: SECOND_EVENT_TYPE_ID, slug: 'avaliacao', title: 'Avaliação' }], webhook });
    admin = await login(server.url, company.email, company.password);
    const from = new Date(Date.now() + 86_400_000);
    const to = new Date(from.getTime() + 14 * 86_400_000);
    const result = await gql(server.url, 'query($f: DateTime!, $t: DateTime!) { availability(from: $f, to: $t) { start } }', { f: from.toISOString(), t: to.toISOString() }, admin);
    expect(result.errors).toBeUndefined();
    slots = (result.data!.availability as { start: string }[]).map((s) => s.start);
    expect(slots.length).toBeGreaterThan(20);
  });
  afterAll(async () => {
    await server?.close();
    await cal?.stop();
  });

  it('records a second Cal.com booking of the same host at a taken start (webhook): both live, overlaps on both, diagnostic lists them', async () => {
    const start = freeSlot();
    const ours = await gql(server.url, BOOK, { input: { start, clientName: 'Primeira Cliente', clientEmail: 'p@example.com' } }, admin);
    expect(ours.errors).toBeUndefined();
    expect(ours.data!.bookAppointment).toMatchObject({ status: 'CONFIRMED', hostName: 'Dra. Ana Souza', overlaps: false });
    // Cal.com accepts another booking of Dra. Ana at that very start (a seated event, a race of its own).
    const race = cal.createOverlappingBooking({ start, attendee: { name: 'Segunda Cliente', email: 's@example.com' } });
    await cal.flushWebhooks();
    await webhooksApplied(server.app, company.company.id);

    const live = await atStart(start);
    expect(live.map((n) => n.calBookingUid).sort()).toEqual([ours.data!.bookAppointment.calBookingUid, race.uid].sort());
    expect(live.every((n) => n.overlaps)).toBe(true);
    expect(live.map((n) => n.hostName)).toEqual(['Dra. Ana Souza', 'Dra. Ana Souza']);

    // The list computes `overlaps` only when selected: asked through a fragment, as the panel does, it is there.
    const byFragment = await gql<{ appointments: { edges: { node: { id: string; overlaps: boolean } }[] } }>(
      server.url,
      'query($from: DateTime, $to: DateTime) { appointments(filter: { from: $from, to: $to }) { edges { node { ...F } } } } fragment F on Appointment { id overlaps }',
      { from: start, to: new Date(new Date(start).getTime() + 60_000).toISOString() },
      admin,
    );
    expect(byFragment.data!.appointments.edges.map((e) => e.node.overlaps)).toEqual([true, true]);

    const single = await gql(server.url, 'query($id: ID!) { appointment(id: $id) { overlaps } }', { id: ours.data!.bookAppointment.id }, admin);
    expect(single.data).toEqual({ appointment: { overlaps: true } });
    const report = await gql<{ appointmentOverlaps: { total: number; appointments: { id: string }[] } }>(server.url, OVERLAPS, {}, admin);
    expect(report.errors).toBeUndefined();
    expect(report.data!.appointmentOverlaps.appointments.map((a) => a.id)).toEqual(expect.arrayContaining(live.map((n) => n.id)));

    const metrics = await (await fetch(`${server.url}/metrics`)).text();
    expect(metrics).toMatch(new RegExp(`secretaria_diagnostics_total\\{company="${company.company.id}",symptom="booking_overlap"\\} [1-9]`));

    // Cancelling one in Cal.com ends the overlap for the other.
    cal.cancelBookingDirectly(race.uid, 'Duplicada');
    await cal.flushWebhooks();
    await webhooksApplied(server.app, company.company.id);
    expect((await atStart(start)).map((n) => [n.calBookingUid, n.overlaps])).toEqual([[ours.data!.bookAppointment.calBookingUid, false]]);
  });

  it('records bookings of two professionals at the same start (webhook): both live, each with its host, no overlap', async () => {
    const start = freeSlot();
    const ana = cal.createBookingDirectly({ start, attendee: { name: 'Cliente da Ana', email: 'a@example.com' } });
    const bruno = cal.createBookingDirectly({ start, eventTypeId: SECOND_EVENT_TYPE_ID, attendee: { name: 'Cliente do Bruno', email: 'b@example.com' } });
    await cal.flushWebhooks();
    await webhooksApplied(server.app, company.company.id);
    const live = await atStart(start);
    expect(live.map((n) => [n.calBookingUid, n.hostName, n.overlaps, n.source]).sort()).toEqual(
      [[ana.uid, 'Dra. Ana Souza', false, 'CALCOM'], [bruno.uid, 'Dr. Bruno Lima', false, 'CALCOM']].sort(),
    );
    const rows = await server.app.orm.em.fork().find(Appointment, { calBookingUid: { $in: [ana.uid, bruno.uid] } });
    expect(rows.map((r) => r.hostKey).sort()).toEqual([`event-type:${DEFAULT_EVENT_TYPE_ID}`, 'user:8']);
  });

  it('records an overlapping booking the webhook missed (reconciliation): both live, overlaps on both', async () => {
    // With the Cal.com user known, hosts of the default event type are told apart by the organizer.
    await setDefaultUser('7');
    const start = freeSlot();
    const first = cal.createBookingDirectly({ start, attendee: { name: 'Já registrada', email: 'r1@example.com' } });
    await cal.flushWebhooks();
    await webhooksApplied(server.app, company.company.id);
    const webhook = cal.tenant().webhook;
    cal.tenant().webhook = null;
    const missed = cal.createOverlappingBooking({ start, attendee: { name: 'Webhook perdido', email: 'r2@example.com' } });
    // And a colleague's booking at the same start, also missed: recorded with its own host, no overlap.
    const colleague = cal.createOverlappingBooking({ start, host: { id: 9, name: 'Dra. Carla Mendes' }, attendee: { name: 'Paciente da Carla', email: 'r3@example.com' } });
    cal.tenant().webhook = webhook;
    expect((await atStart(start)).map((n) => n.calBookingUid)).toEqual([first.uid]);

    const report = await reconcileCompany(server.app.orm.em.fork(), server.app.services, company.company.id);
    expect(report.applied).toBeGreaterThanOrEqual(2);
    const live = await atStart(start);
    expect(live.map((n) => n.calBookingUid).sort()).toEqual([first.uid, missed.uid, colleague.uid].sort());
    const byUid = new Map(live.map((n) => [n.calBookingUid, n]));
    expect([byUid.get(first.uid)!.overlaps, byUid.get(missed.uid)!.overlaps]).toEqual([true, true]);
    expect(byUid.get(colleague.uid)).toMatchObject({ hostName: 'Dra. Carla Mendes', overlaps: false });
    const again = await reconcileCompany(server.app.orm.em.fork(), server.app.services, company.company.id);
    expect(again.applied).toBe(0);
    await setDefaultUser(null);
  });

  it('20 concurrent own attempts at one host\'s slot: exactly one reaches Cal.com, the rest get CONFLICT', async () => {
    const start = freeSlot();
    cal.latencyMs = 100; // keep the winner's Cal.com call in flight while the others try
    let results: Awaited<ReturnType<typeof gql<{ bookAppointment: Node }>>>[];
    try {
      results = await Promise.all(
        Array.from({ length: 20 }, (_, i) => gql<{ bookAppointment: Node }>(server.url, BOOK, { input: { start, clientName: `Corrida ${i + 1}`, clientEmail: `c${i}@example.com` } }, i % 2 ? company.writeKey : admin)),
      );
    } finally {
      cal.latencyMs = 0;
    }
    const outcomes = results.map((r) => (r.errors ? r.errors[0]!.extensions!.code : r.data!.bookAppointment.status));
    expect(outcomes.filter((o) => o === 'CONFIRMED')).toHaveLength(1);
    expect(outcomes.filter((o) => o === 'CONFLICT')).toHaveLength(19);
    expect(bookingPosts(start)).toHaveLength(1);
    expect(cal.bookings().filter((b) => b.start === new Date(start).toISOString() && b.status === 'accepted')).toHaveLength(1);
    await cal.flushWebhooks();
    await webhooksApplied(server.app, company.company.id);
    expect(await atStart(start)).toHaveLength(1);
  });

  it('two own attempts for two hosts at the same start: both reach Cal.com and both are booked', async () => {
    const start = new Date(freeSlot());
    const scope = { companyId: company.company.id, actor: CALCOM_ACTOR };
    const { appointments } = server.app.services;
    // Dr. Bruno's event type as a service of the company (as syncServices imports it).
    const fork = server.app.orm.em.fork();
    const avaliacao = fork.create(Service, { companyId: company.company.id, calEventTypeId: SECOND_EVENT_TYPE_ID, name: 'Avaliação', calTitle: 'Avaliação', durationMinutes: 30, hosts: [{ calUserId: 8, name: 'Dr. Bruno Lima' }] });
    await fork.flush();
    const [ana, bruno] = await Promise.all([
      appointments.book(server.app.orm.em.fork(), scope, { start, clientName: 'Com a Ana', clientEmail: 'x@example.com' }, 'API'),
      appointments.book(server.app.orm.em.fork(), scope, { start, clientName: 'Com o Bruno', clientEmail: 'y@example.com', serviceId: avaliacao.id }, 'API'),
    ]);
    expect([ana.status, bruno.status]).toEqual(['CONFIRMED', 'CONFIRMED']);
    expect([ana.hostKey, bruno.hostKey]).toEqual([`event-type:${DEFAULT_EVENT_TYPE_ID}`, 'user:8']);
    expect(bookingPosts(start.toISOString())).toHaveLength(2);
    expect(cal.booking(bruno.calBookingUid!)!.hosts[0]!.name).toBe('Dr. Bruno Lima');
    // The same host again at that start: refused before Cal.com.
    const before = bookingPosts(start.toISOString()).length;
    await expect(appointments.book(server.app.orm.em.fork(), scope, { start, clientName: 'De novo Bruno', clientEmail: 'z@example.com', serviceId: avaliacao.id }, 'API')).rejects.toMatchObject({ key: 'SLOT_TAKEN' });
    expect(bookingPosts(start.toISOString())).toHaveLength(before);
  });

  it('appointments(first: null) means the default page size', async () => {
    const result = await gql<{ appointments: { edges: unknown[]; totalCount: number } }>(server.url, 'query { appointments(first: null) { totalCount edges { node { id } } } }', {}, admin);
    expect(result.errors).toBeUndefined();
    expect(result.data!.appointments.totalCount).toBeGreaterThan(0);
    expect(result.data!.appointments.edges.length).toBe(Math.min(50, result.data!.appointments.totalCount));
  });
});
