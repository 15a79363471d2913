import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Appointment } from '../../server/appointments/appointment.entity.js';
import type { CalcomGateway } from '../../server/calcom/calcom.gateway.js';
import { CalcomSandbox } from '../fakes/calcom-sandbox.js';
import { webhooksApplied } from '../support/webhooks.js';
import { gql, login, seedCompany, startTestServer, TEST_APP_SECRET, type TestServer } from '../support/app.js';

const run = promisify(execFile);
const KEY_A = 'cal_test_clinica_a';
const KEY_B = 'cal_test_clinica_b';
const SERVICE_FIELDS = 'id calEventTypeId name calTitle durationMinutes active keywords hosts { calUserId name } isDefault teamId inCalcom';
const SYNC = `mutation { syncServices { ${SERVICE_FIELDS} } }`;
const UPDATE = `mutation($id: ID!, $input: UpdateServiceInput!) { updateService(id: $id, input: $input) { ${SERVICE_FIELDS} } }`;
const SERVICES = `{ company { services { ${SERVICE_FIELDS} } } }`;
const AVAILABILITY = 'query($f: DateTime!, $t: DateTime!, $s: ID) { availability(from: $f, to: $t, serviceId: $s) { start end } }';
const BOOK = 'mutation($input: BookAppointmentInput!) { bookAppointment(input: $input) { id startAt endAt calBookingUid serviceId service { id name durationMinutes } } }';
const LIST = 'query($f: AppointmentFilter) { appointments(filter: $f, first: 200) { totalCount edges { node { id service { name } } } } }';

interface ServiceRow {
  id: string;
  calEventTypeId: number;
  name: string;
  calTitle: string;
  durationMinutes: number;
  active: boolean;
  keywords: string[];
  hosts: Array<{ calUserId: number; name: string }>;
  isDefault: boolean;
  teamId: number | null;
  inCalcom: boolean;
}

/**
 * Several services per company (issue 17 part 2), end to end over GraphQL against the Cal.com
 * sandbox: a clinic with two own event types, a hidden one and a round-robin team event type with
 * two professionals and its own hours; a second clinic on another Cal.com account.
 */
describe('services (Cal.com event types)', () => {
  let server: TestServer;
  let cal: CalcomSandbox;
  let a: Awaited<ReturnType<typeof seedCompany>>;
  let b: Awaited<ReturnType<typeof seedCompany>>;
  let adminA: string;
  let adminB: string;
  let services: ServiceRow[];
  const byType = (id: number) => services.find((s) => s.calEventTypeId === id)!;
  const window = () => {
    const from = new Date(Date.now() + 86_400_000);
    return { f: from.toISOString(), t: new Date(from.getTime() + 14 * 86_400_000).toISOString() };
  };

  beforeAll(async () => {
    cal = new CalcomSandbox({
      tenants: [
        {
          apiKeys: [KEY_A],
          host: { id: 11, name: 'Dr. Carlos Mendes' },
          eventTypes: [
            { id: 3001, title: 'Consulta', slug: 'consulta', lengthInMinutes: 30 },
            { id: 3002, title: 'Limpeza', slug: 'limpeza', lengthInMinutes: 60 },
            { id: 3003, title: 'Reunião interna', slug: 'interna', lengthInMinutes: 15, hidden: true },
            // Team event type: Tuesdays and Thursdays, 14h–18h only.
            { id: 3004, title: 'Avaliação ortodôntica', slug: 'avaliacao', lengthInMinutes: 45, teamId: 77, workingHours: { days: [2, 4], start: '14:00', end: '18:00' } },
          ],
          teams: [{ id: 77, name: 'Ortodontia', members: [{ id: 21, name: 'Dra. Ana Lima' }, { id: 22, name: 'Dr. Bruno Reis' }] }],
        },
        { apiKeys: [KEY_B], eventTypes: [{ id: 4001, title: 'Sessão', slug: 'sessao', lengthInMinutes: 50 }] },
      ],
    });
    const { url: calUrl } = await cal.start();
    server = await startTestServer('services');
    (server.app.services.calendar as CalcomGateway).clientOptions = { timeoutMs: 2_000, baseBackoffMs: 5, maxRetryWaitMs: 500 };
    a = await seedCompany(server.app, 'Clínica A', { calApiUrl: calUrl, calApiKey: KEY_A, calEventTypeId: 3001, calWebhookSecret: 'segredo-servicos' });
    cal.tenant(KEY_A).webhook = { url: `${server.url}/api/agenda/webhook/cal`, secret: 'segredo-servicos', companyId: a.company.id };
    b = await seedCompany(server.app, 'Clínica B', { calApiUrl: calUrl, calApiKey: KEY_B, calEventTypeId: 4001 });
    adminA = await login(server.url, a.email, a.password);
    adminB = await login(server.url, b.email, b.password);
  });
  afterAll(async () => {
    await server?.close();
    await cal?.stop();
  });

  it('imports own and team event types with the documented version header; hidden ones start inactive; the default is marked', async () => {
    const before = await gql(server.url, SERVICES, {}, adminA);
    expect(before.data!.company.services).toEqual([]);
    const result = await gql<{ syncServices: ServiceRow[] }>(server.url, SYNC, {}, adminA);
    expect(result.errors).toBeUndefined();
    services = result.data!.syncServices;
    expect(services.map((s) => s.calEventTypeId).sort()).toEqual([3001, 3002, 3003, 3004]);
    expect(byType(3001)).toMatchObject({ name: 'Consulta', durationMinutes: 30, active: true, isDefault: true, teamId: null, hosts: [{ calUserId: 11, name: 'Dr. Carlos Mendes' }] });
    expect(byType(3002)).toMatchObject({ name: 'Limpeza', durationMinutes: 60, active: true, isDefault: false });
    expect(byType(3003)).toMatchObject({ active: false, inCalcom: true });
    expect(byType(3004)).toMatchObject({
      name: 'Avaliação ortodôntica', durationMinutes: 45, teamId: 77, active: true,
      hosts: [{ calUserId: 21, name: 'Dra. Ana Lima' }, { calUserId: 22, name: 'Dr. Bruno Reis' }],
    });
    const calls = cal.requests.filter((r) => r.path === '/v2/event-types' || r.path.startsWith('/v2/teams'));
    expect(calls.map((r) => r.path)).toEqual(['/v2/event-types', '/v2/teams', '/v2/teams/77/event-types']);
    expect(calls.filter((r) => r.path !== '/v2/teams').every((r) => r.headers['cal-api-version'] === '2024-06-14')).toBe(true);
    expect(calls.every((r) => r.headers.authorization === `Bearer ${KEY_A}`)).toBe(true);
  });

  it('re-sync keeps local names, keywords and active flags, follows Cal.com on title and length, deactivates a removed event type', async () => {
    const edited = await gql(server.url, UPDATE, { id: byType(3002).id, input: { name: 'Limpeza dental', keywords: ['profilaxia', ' Tártaro ', 'tartaro', ''] } }, adminA);
    expect(edited.errors).toBeUndefined();
    expect(edited.data!.updateService).toMatchObject({ name: 'Limpeza dental', keywords: ['profilaxia', 'Tártaro'] });
    await gql(server.url, UPDATE, { id: byType(3001).id, input: { active: false } }, adminA);
    await gql(server.url, UPDATE, { id: byType(3001).id, input: { active: true } }, adminA);
    await gql(server.url, UPDATE, { id: byType(3003).id, input: { active: true, name: 'Retorno' } }, adminA);

    const tenant = cal.tenant(KEY_A);
    tenant.eventTypes.get(3002)!.title = 'Limpeza completa';
    tenant.eventTypes.get(3002)!.lengthInMinutes = 50;
    const removed = tenant.eventTypes.get(3003)!;
    tenant.eventTypes.delete(3003);
    try {
      const resync = await gql<{ syncServices: ServiceRow[] }>(server.url, SYNC, {}, adminA);
      expect(resync.errors).toBeUndefined();
      services = resync.data!.syncServices;
    } finally {
      tenant.eventTypes.set(3003, removed);
      tenant.eventTypes.get(3002)!.title = 'Limpeza';
      tenant.eventTypes.get(3002)!.lengthInMinutes = 60;
    }
    expect(services).toHaveLength(4);
    expect(byType(3002)).toMatchObject({ name: 'Limpeza dental', keywords: ['profilaxia', 'Tártaro'], calTitle: 'Limpeza completa', durationMinutes: 50, active: true });
    expect(byType(3003)).toMatchObject({ name: 'Retorno', active: false, inCalcom: false });
    const reactivate = await gql(server.url, UPDATE, { id: byType(3003).id, input: { active: true } }, adminA);
    expect(reactivate.errors?.[0]?.extensions?.code).toBe('CONFLICT');

    // Back in Cal.com: the next sync takes it back (still inactive until the admin says otherwise).
    services = (await gql<{ syncServices: ServiceRow[] }>(server.url, SYNC, {}, adminA)).data!.syncServices;
    expect(byType(3003)).toMatchObject({ inCalcom: true, active: false, name: 'Retorno' });
    expect(byType(3002)).toMatchObject({ durationMinutes: 60 });
  });

  it('refuses bad edits with a reason and changes nothing', async () => {
    for (const input of [{ name: '   ' }, { name: 'x'.repeat(101) }, { keywords: Array.from({ length: 21 }, (_, i) => `k${i}`) }, { keywords: ['y'.repeat(61)] }]) {
      const result = await gql(server.url, UPDATE, { id: byType(3002).id, input }, adminA);
      expect(result.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    }
    const now = (await gql<{ company: { services: ServiceRow[] } }>(server.url, SERVICES, {}, adminA)).data!.company.services;
    expect(now.find((s) => s.calEventTypeId === 3002)).toMatchObject({ name: 'Limpeza dental', keywords: ['profilaxia', 'Tártaro'] });
  });

  it("availability follows the service's event type and length; the team event type only on its own hours", async () => {
    const limpeza = await gql(server.url, AVAILABILITY, { ...window(), s: byType(3002).id }, adminA);
    expect(limpeza.errors).toBeUndefined();
    const slots = limpeza.data!.availability as Array<{ start: string; end: string }>;
    expect(slots.length).toBeGreaterThan(10);
    expect(slots.every((s) => Date.parse(s.end) - Date.parse(s.start) === 60 * 60_000)).toBe(true);
    expect(cal.requests.filter((r) => r.path === '/v2/slots').at(-1)!.query.eventTypeId).toBe('3002');

    const team = (await gql(server.url, AVAILABILITY, { ...window(), s: byType(3004).id }, adminA)).data!.availability as Array<{ start: string }>;
    expect(team.length).toBeGreaterThan(0);
    for (const slot of team) {
      const local = new Date(Date.parse(slot.start) - 3 * 3_600_000); // São Paulo, UTC-3
      expect([2, 4]).toContain(local.getUTCDay());
      expect(local.getUTCHours()).toBeGreaterThanOrEqual(14);
    }
    // Without serviceId: the default service (3001), as before services existed.
    await gql(server.url, AVAILABILITY, window(), adminA);
    expect(cal.requests.filter((r) => r.path === '/v2/slots').at(-1)!.query.eventTypeId).toBe('3001');
  });

  it('books a chosen service with its event type and length; no serviceId books the default service', async () => {
    const team = (await gql(server.url, AVAILABILITY, { ...window(), s: byType(3004).id }, adminA)).data!.availability as Array<{ start: string }>;
    const booked = await gql(server.url, BOOK, { input: { start: team[0]!.start, clientName: 'Paula Souza', clientPhone: '+55 11 97777-1111', serviceId: byType(3004).id } }, adminA);
    expect(booked.errors).toBeUndefined();
    const row = booked.data!.bookAppointment;
    expect(row.service).toEqual({ id: byType(3004).id, name: 'Avaliação ortodôntica', durationMinutes: 45 });
    expect(Date.parse(row.endAt) - Date.parse(row.startAt)).toBe(45 * 60_000);
    const inCal = cal.booking(row.calBookingUid)!;
    expect(inCal.eventTypeId).toBe(3004);
    expect([21, 22]).toContain(inCal.hosts[0]!.id);

    // The other professional is still free then: Cal.com keeps offering that start for the team event type.
    const after = (await gql(server.url, AVAILABILITY, { ...window(), s: byType(3004).id }, adminA)).data!.availability as Array<{ start: string }>;
    expect(after.map((x) => x.start)).toContain(team[0]!.start);

    const slots = (await gql(server.url, AVAILABILITY, window(), adminA)).data!.availability as Array<{ start: string }>;
    const plain = await gql(server.url, BOOK, { input: { start: slots[0]!.start, clientName: 'Sem Serviço', clientEmail: 'sem@example.com' } }, adminA);
    expect(plain.errors).toBeUndefined();
    expect(plain.data!.bookAppointment.service).toMatchObject({ name: 'Consulta' });
    expect(cal.booking(plain.data!.bookAppointment.calBookingUid)!.eventTypeId).toBe(3001);

    // The REST shim takes the same serviceId.
    const limpezaSlots = (await gql(server.url, AVAILABILITY, { ...window(), s: byType(3002).id }, adminA)).data!.availability as Array<{ start: string }>;
    const rest = await fetch(`${server.url}/api/agenda/book`, {
      method: 'POST',
      headers: { authorization: `Bearer ${a.writeKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ start: limpezaSlots[2]!.start, clientName: 'Via REST', clientEmail: 'rest@example.com', serviceId: byType(3002).id }),
    });
    expect(rest.status).toBe(201);
    const viaRest = (await rest.json()) as { serviceId: string; calBookingUid: string };
    expect(viaRest.serviceId).toBe(byType(3002).id);
    expect(cal.booking(viaRest.calBookingUid)!.eventTypeId).toBe(3002);

    const rows = await server.app.orm.em.fork().find(Appointment, { companyId: a.company.id });
    expect(rows.every((r) => r.serviceId !== null)).toBe(true);
  });

  it('filters the agenda by service', async () => {
    const avaliacao = await gql(server.url, LIST, { f: { serviceIds: [byType(3004).id] } }, adminA);
    expect(avaliacao.errors).toBeUndefined();
    expect(avaliacao.data!.appointments.totalCount).toBe(1);
    expect(avaliacao.data!.appointments.edges.every((e: { node: { service: { name: string } } }) => e.node.service.name === 'Avaliação ortodôntica')).toBe(true);
    const both = await gql(server.url, LIST, { f: { serviceIds: [byType(3004).id, byType(3001).id] } }, adminA);
    expect(both.data!.appointments.totalCount).toBe(2);
    const limpeza = await gql(server.url, LIST, { f: { serviceIds: [byType(3002).id] } }, adminA);
    expect(limpeza.data!.appointments.totalCount).toBe(1);
    const none = await gql(server.url, LIST, { f: { serviceIds: [byType(3003).id] } }, adminA);
    expect(none.data!.appointments.totalCount).toBe(0);
  });

  it('filters the agenda by host key (a professional, or a team event type booked by us)', async () => {
    const HOSTS = 'query($f: AppointmentFilter) { appointments(filter: $f, first: 200) { totalCount edges { node { clientName hostKey hostName service { name } } } } }';
    const listed = await gql(server.url, SERVICES.replace('hosts { calUserId name }', 'hosts { calUserId name hostKey } hostKey'), {}, adminA);
    const keys = (listed.data!.company as { services: Array<{ calEventTypeId: number; hostKey: string; hosts: Array<{ hostKey: string }> }> }).services;
    expect(keys.find((s) => s.calEventTypeId === 3001)).toMatchObject({ hostKey: 'user:11', hosts: [{ hostKey: 'user:11' }] });
    expect(keys.find((s) => s.calEventTypeId === 3004)).toMatchObject({ hostKey: 'event-type:3004', hosts: [{ hostKey: 'user:21' }, { hostKey: 'user:22' }] });

    const carlos = await gql(server.url, HOSTS, { f: { hostKeys: ['user:11'] } }, adminA);
    expect(carlos.errors).toBeUndefined();
    const names = carlos.data!.appointments.edges.map((e: { node: { clientName: string } }) => e.node.clientName).sort();
    expect(names).toEqual(['Sem Serviço', 'Via REST']);
    const team = await gql(server.url, HOSTS, { f: { hostKeys: ['event-type:3004'] } }, adminA);
    expect(team.data!.appointments.edges.map((e: { node: { clientName: string; hostName: string } }) => e.node)).toEqual([
      expect.objectContaining({ clientName: 'Paula Souza', hostKey: 'event-type:3004', hostName: expect.stringMatching(/^Dr/) }),
    ]);
    // Combined with the service filter; a malformed key matches nothing; too many keys is refused.
    const both = await gql(server.url, HOSTS, { f: { hostKeys: ['user:11'], serviceIds: [byType(3002).id] } }, adminA);
    expect(both.data!.appointments.totalCount).toBe(1);
    const bad = await gql(server.url, HOSTS, { f: { hostKeys: ["user:11' or 1=1 --"] } }, adminA);
    expect(bad.data!.appointments.totalCount).toBe(0);
    const many = await gql(server.url, HOSTS, { f: { hostKeys: Array.from({ length: 51 }, (_, i) => `user:${i}`) } }, adminA);
    expect(many.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(many.errors?.[0]?.message).toBe('`hostKeys` aceita no máximo 50 profissionais.');
    // Another company's host matches nothing of its own.
    const foreign = await gql(server.url, HOSTS, { f: { hostKeys: ['user:11'] } }, adminB);
    expect(foreign.data!.appointments.totalCount).toBe(0);
  });

  it('refuses an inactive service for booking and availability', async () => {
    const slots = (await gql(server.url, AVAILABILITY, window(), adminA)).data!.availability as Array<{ start: string }>;
    const booked = await gql(server.url, BOOK, { input: { start: slots[1]!.start, clientName: 'Inativo', clientEmail: 'i@example.com', serviceId: byType(3003).id } }, adminA);
    expect(booked.errors?.[0]?.extensions?.code).toBe('CONFLICT');
    const free = await gql(server.url, AVAILABILITY, { ...window(), s: byType(3003).id }, adminA);
    expect(free.errors?.[0]?.extensions?.code).toBe('CONFLICT');
  });

  it("keeps tenants apart: another company's services are invisible, unusable and not editable", async () => {
    const synced = await gql<{ syncServices: ServiceRow[] }>(server.url, SYNC, {}, adminB);
    expect(synced.data!.syncServices.map((s) => s.calEventTypeId)).toEqual([4001]);
    const seen = (await gql<{ company: { services: ServiceRow[] } }>(server.url, SERVICES, {}, adminB)).data!.company.services;
    expect(seen.map((s) => s.calEventTypeId)).toEqual([4001]);

    const foreign = byType(3002).id;
    const edit = await gql(server.url, UPDATE, { id: foreign, input: { name: 'Invadido' } }, adminB);
    expect(edit.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    const free = await gql(server.url, AVAILABILITY, { ...window(), s: foreign }, adminB);
    expect(free.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    const slots = (await gql(server.url, AVAILABILITY, window(), adminB)).data!.availability as Array<{ start: string }>;
    const book = await gql(server.url, BOOK, { input: { start: slots[0]!.start, clientName: 'X', clientEmail: 'x@example.com', serviceId: foreign } }, adminB);
    expect(book.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    const list = await gql(server.url, LIST, { f: { serviceIds: [foreign] } }, adminB);
    expect(list.data!.appointments.totalCount).toBe(0);
    const mine = (await gql<{ company: { services: ServiceRow[] } }>(server.url, SERVICES, {}, adminA)).data!.company.services;
    expect(mine.find((s) => s.id === foreign)!.name).toBe('Limpeza dental');
    expect(await server.app.orm.em.fork().count(Appointment, { companyId: b.company.id })).toBe(0);
  });

  it('only admins sync and edit (API keys cannot)', async () => {
    for (const key of [a.readKey, a.writeKey]) {
      expect((await gql(server.url, SYNC, {}, key)).errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
      expect((await gql(server.url, UPDATE, { id: byType(3002).id, input: { name: 'Y' } }, key)).errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    }
  });

  it('a booking made in Cal.com (webhook) gets the service of its event type', async () => {
    const slots = (await gql(server.url, AVAILABILITY, { ...window(), s: byType(3002).id }, adminA)).data!.availability as Array<{ start: string }>;
    const direct = cal.createBookingDirectly({ eventTypeId: 3002, start: slots.at(-1)!.start, attendee: { name: 'Reserva Direta', email: 'direta@example.com' } });
    await cal.flushWebhooks();
    await webhooksApplied(server.app, a.company.id);
    const row = await server.app.orm.em.fork().findOneOrFail(Appointment, { companyId: a.company.id, calBookingUid: direct.uid });
    expect(row).toMatchObject({ source: 'CALCOM', serviceId: byType(3002).id, hostKey: 'user:11' });

    // The default event type without calDefaultUserId: its one service host's key, the one our own
    // bookings of Consulta claim, so the two compare (overlaps, the host filter).
    const consultaSlots = (await gql(server.url, AVAILABILITY, window(), adminA)).data!.availability as Array<{ start: string }>;
    const plain = cal.createBookingDirectly({ eventTypeId: 3001, start: consultaSlots.at(-1)!.start, attendee: { name: 'Consulta Direta', email: 'cd@example.com' } });
    await cal.flushWebhooks();
    await webhooksApplied(server.app, a.company.id);
    const own = await server.app.orm.em.fork().findOneOrFail(Appointment, { companyId: a.company.id, clientName: 'Sem Serviço' });
    const reported = await server.app.orm.em.fork().findOneOrFail(Appointment, { companyId: a.company.id, calBookingUid: plain.uid });
    expect(reported.hostKey).toBe(own.hostKey);
    expect(reported.hostKey).toBe('user:11');
  });

  it('a company that books only through its services (no default event type) books, cancels and reschedules', async () => {
    const key = 'cal_test_so_servicos';
    cal.addTenant({ apiKeys: [key], host: { id: 31, name: 'Dra. Helena Prado' }, eventTypes: [{ id: 5001, title: 'Terapia', slug: 'terapia', lengthInMinutes: 50 }] });
    const c = await seedCompany(server.app, 'Clínica Só Serviços', { calApiUrl: cal.url, calApiKey: key });
    const adminC = await login(server.url, c.email, c.password);
    const synced = await gql<{ syncServices: ServiceRow[] }>(server.url, SYNC, {}, adminC);
    expect(synced.errors).toBeUndefined();
    const terapia = synced.data!.syncServices.find((s) => s.calEventTypeId === 5001)!;
    const slots = (await gql(server.url, AVAILABILITY, { ...window(), s: terapia.id }, adminC)).data!.availability as Array<{ start: string }>;
    const booked = async (start: string, clientName: string) => {
      const result = await gql(server.url, BOOK, { input: { start, clientName, clientEmail: 'helena@example.com', serviceId: terapia.id } }, adminC);
      expect(result.errors).toBeUndefined();
      return result.data!.bookAppointment as { id: string; calBookingUid: string };
    };

    const first = await booked(slots[0]!.start, 'Cancela Depois');
    const cancelled = await gql(server.url, 'mutation($id: ID!) { cancelAppointment(id: $id, reason: "imprevisto") { status } }', { id: first.id }, adminC);
    expect(cancelled.errors).toBeUndefined();
    expect(cancelled.data!.cancelAppointment).toEqual({ status: 'CANCELLED' });
    expect(cal.booking(first.calBookingUid)!.status).toBe('cancelled');

    const second = await booked(slots[1]!.start, 'Remarca Depois');
    const scope = { companyId: c.company.id, actor: { type: 'ADMIN' as const, id: null, label: 'teste' } };
    const moved = await server.app.services.appointments.reschedule(server.app.orm.em.fork(), scope, second.id, new Date(slots[3]!.start), 'pedido da cliente');
    expect(moved).toMatchObject({ status: 'RESCHEDULED', startAt: new Date(slots[3]!.start) });
    expect(cal.booking(moved.calBookingUid!)!).toMatchObject({ eventTypeId: 5001, start: new Date(slots[3]!.start).toISOString() });
  });

  it('CLI: service sync and service list print one JSON line', { timeout: 120_000 }, async () => {
    const env = { ...process.env, DATABASE_URL: server.databaseUrl, APP_SECRET: TEST_APP_SECRET, LOG_LEVEL: 'silent', OUTBOUND_ALLOWED_HOSTS: '127.0.0.1' };
    const synced = await run('node', ['dist/server/cli.js', 'service', 'sync', '--company', b.company.id], { env });
    const printed = JSON.parse(synced.stdout) as { services: ServiceRow[] };
    expect(printed.services).toEqual([expect.objectContaining({ calEventTypeId: 4001, name: 'Sessão', durationMinutes: 50, isDefault: true })]);
    const listed = await run('node', ['dist/server/cli.js', 'service', 'list', '--company', a.company.id], { env });
    expect(listed.stdout.trim().split('\n')).toHaveLength(1);
    expect((JSON.parse(listed.stdout) as { services: ServiceRow[] }).services.map((s) => s.name)).toContain('Limpeza dental');
  });
});
