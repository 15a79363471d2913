import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { ApiKey } from '../../server/auth/api-key.entity.js';
import { API_KEY_CACHE_MS } from '../../server/auth/auth.service.js';
import { Session } from '../../server/auth/session.entity.js';
import { gql, login, seedCompany, startTestServer, type TestServer } from '../support/app.js';
import { insertAppointment } from '../support/factories.js';

const LIST = `query($filter: AppointmentFilter, $first: Int, $after: String) {
  appointments(filter: $filter, first: $first, after: $after) {
    totalCount pageInfo { hasNextPage endCursor } edges { cursor node { id clientName clientPhone status startAt } }
  }
}`;

describe('GraphQL API: authentication, tenancy, pagination', () => {
  let server: TestServer;
  let a: Awaited<ReturnType<typeof seedCompany>>;
  let b: Awaited<ReturnType<typeof seedCompany>>;
  let adminA: string;
  let adminB: string;
  const day = (d: number, h = 12) => new Date(Date.UTC(2031, 2, d, h));

  beforeAll(async () => {
    server = await startTestServer('graphql');
    a = await seedCompany(server.app, 'Clínica Alfa', { calApiKey: 'cal_live_alfa_secret_1234' });
    b = await seedCompany(server.app, 'Escritório Beta');
    adminA = await login(server.url, a.email, a.password);
    adminB = await login(server.url, b.email, b.password);
    await insertAppointment(server.app, a.company.id, { start: day(3), clientName: 'João Conceição', clientPhone: '5511988887777' });
    await insertAppointment(server.app, a.company.id, { start: day(4), clientName: 'Maria Antônia', clientPhone: '5521977776666', status: 'CANCELLED' });
    await insertAppointment(server.app, a.company.id, { start: day(5), clientName: 'JOSÉ ÁLVARES', clientPhone: '5531966665555', status: 'RESCHEDULED' });
    for (let i = 0; i < 7; i++) await insertAppointment(server.app, a.company.id, { start: day(10, 8 + i), clientName: `Paginado ${i}` });
    await insertAppointment(server.app, a.company.id, { start: day(10, 8), clientName: 'Mesmo horário cancelado', status: 'CANCELLED' });
    await insertAppointment(server.app, b.company.id, { start: day(3), clientName: 'João da Beta', clientPhone: '5511988887777' });
  });
  afterAll(async () => server?.close());

  describe('authentication', () => {
    it('logs in and answers `me`', async () => {
      const result = await gql(server.url, '{ me { email role companyId } }', {}, adminA);
      expect(result.data).toEqual({ me: { email: a.email, role: 'ADMIN', companyId: a.company.id } });
    });

    it.each([
      ['no credentials', undefined],
      ['a malformed header value', 'not-a-token with spaces'],
      ['an unknown session token', 'svs_unknown'],
      ['an unknown API key', 'svk_unknown'],
    ])('refuses %s with UNAUTHENTICATED', async (_case, token) => {
      const result = await gql(server.url, '{ appointments { totalCount } }', {}, token);
      expect(result.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
      expect(result.status).toBe(401);
      expect(result.data).toBeNull();
    });

    it('refuses a wrong password, and the same message for an unknown e-mail', async () => {
      const wrong = await gql(server.url, 'mutation { login(email: "x@y.z", password: "nope") { token } }');
      expect(wrong.errors?.[0]).toMatchObject({ message: 'E-mail ou senha incorretos.', extensions: { code: 'UNAUTHENTICATED' } });
      const known = await gql(server.url, `mutation { login(email: "${b.email}", password: "errada") { token } }`);
      expect(known.errors?.[0]?.message).toBe('E-mail ou senha incorretos.');
    });

    it('rate-limits repeated failed logins per e-mail', async () => {
      const email = a.email;
      const attempts = [];
      for (let i = 0; i < 6; i++) attempts.push(await gql(server.url, `mutation { login(email: "${email}", password: "errada-${i}") { token } }`));
      expect(attempts.at(-1)?.errors?.[0]?.extensions?.code).toBe('RATE_LIMITED');
      // even the right password is refused while blocked
      const right = await gql(server.url, `mutation { login(email: "${email}", password: "${a.password}") { token } }`);
      expect(right.errors?.[0]?.extensions?.code).toBe('RATE_LIMITED');
    });

    it('refuses an expired session', async () => {
      const token = await login(server.url, b.email, b.password);
      const em = server.app.orm.em.fork();
      await em.nativeUpdate(Session, { userId: { $ne: null }, companyId: b.company.id }, { expiresAt: new Date(Date.now() - 1000) });
      const result = await gql(server.url, '{ company { name } }', {}, token);
      expect(result.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
      adminB = await login(server.url, b.email, b.password);
    });

    it('refuses a revoked API key and records last use of a valid one', async () => {
      const ok = await gql(server.url, '{ appointments { totalCount } }', {}, a.readKey);
      expect(ok.errors).toBeUndefined();
      const em = server.app.orm.em.fork();
      const key = await em.findOneOrFail((await import('../../server/auth/api-key.entity.js')).ApiKey, { id: a.readKeyId });
      expect(key.lastUsedAt).toBeInstanceOf(Date);
      const temp = await server.app.services.auth.createApiKey(em, { companyId: a.company.id, scope: 'read' });
      await server.app.services.auth.revokeApiKey(em, a.company.id, temp.key.id);
      const revoked = await gql(server.url, '{ appointments { totalCount } }', {}, temp.token);
      expect(revoked.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    });

    it('forbids mutations with a read-only key, allows them with a write key', async () => {
      const target = await insertAppointment(server.app, a.company.id, { start: day(20) });
      const read = await gql(server.url, `mutation { cancelAppointment(id: "${target.id}") { status } }`, {}, a.readKey);
      expect(read.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
      const write = await gql(server.url, `mutation { cancelAppointment(id: "${target.id}", reason: "cliente desistiu") { status cancellationReason } }`, {}, a.writeKey);
      expect(write.data).toEqual({ cancelAppointment: { status: 'CANCELLED', cancellationReason: 'cliente desistiu' } });
    });

    it('lets a key introspect the schema but not an anonymous caller', async () => {
      const anonymous = await gql(server.url, '{ __schema { queryType { name } } }');
      expect(anonymous.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
      const withKey = await gql(server.url, '{ __schema { queryType { name } } }', {}, a.readKey);
      expect(withKey.data).toEqual({ __schema: { queryType: { name: 'Query' } } });
      // Not through a fragment either.
      for (const query of [
        'query { ...F } fragment F on Query { __schema { queryType { name } } }',
        'query { ... on Query { t: __type(name: "Appointment") { name } } }',
      ]) {
        const hidden = await gql(server.url, query);
        expect(hidden.errors?.[0]?.extensions?.code, query).toBe('UNAUTHENTICATED');
        expect(hidden.data ?? null, query).toBeNull();
      }
    });

    it('rejects too deep and too complex queries with a clear error', async () => {
      const deep = await gql(server.url, '{ appointments { edges { node { id } } pageInfo { endCursor } } caller { user { email } } }', {}, adminA);
      expect(deep.errors).toBeUndefined();
      const fragmentLoop = `query { appointments { edges { node { ...A } } } } fragment A on Appointment { id }`;
      expect((await gql(server.url, fragmentLoop, {}, adminA)).errors).toBeUndefined();
      const complex = await gql(server.url, `{ a1: appointments(first: 200) { edges { node { id clientName clientPhone clientEmail status startAt endAt title source meetingUrl calBookingUid cancellationReason createdAt updatedAt notes } cursor } }
        a2: appointments(first: 200) { edges { node { id clientName clientPhone clientEmail status startAt endAt title source meetingUrl calBookingUid cancellationReason createdAt updatedAt notes } cursor } }
        a3: appointments(first: 200) { edges { node { id clientName clientPhone clientEmail status startAt endAt title source meetingUrl calBookingUid cancellationReason createdAt updatedAt notes } cursor } } }`, {}, adminA);
      expect(complex.errors?.[0]?.message).toMatch(/complexa demais/);
    });
  });

  describe('tenant isolation', () => {
    it('lists only the caller company appointments', async () => {
      const listA = await gql(server.url, LIST, { filter: { search: 'joão' } }, adminA);
      expect(listA.data!.appointments.edges.map((e: any) => e.node.clientName)).toEqual(['João Conceição']);
      const listB = await gql(server.url, LIST, { filter: { search: 'joão' } }, b.readKey);
      expect(listB.data!.appointments.edges.map((e: any) => e.node.clientName)).toEqual(['João da Beta']);
    });

    it('makes foreign ids look exactly like missing ones for every operation', async () => {
      const foreign = await insertAppointment(server.app, b.company.id, { start: day(21) });
      const missing = '00000000-0000-4000-8000-000000000000';
      for (const id of [foreign.id, missing]) {
        expect((await gql(server.url, `{ appointment(id: "${id}") { id } }`, {}, adminA)).data).toEqual({ appointment: null });
        const cancel = await gql(server.url, `mutation { cancelAppointment(id: "${id}") { id } }`, {}, a.writeKey);
        expect(cancel.errors?.[0]).toMatchObject({ message: 'Agendamento não encontrado.', extensions: { code: 'NOT_FOUND' } });
      }
      const rest = await fetch(`${server.url}/api/agenda/appointments/${foreign.id}/cancel`, {
        method: 'POST', headers: { authorization: `Bearer ${a.writeKey}`, 'content-type': 'application/json' }, body: '{}',
      });
      expect(rest.status).toBe(404);
      const still = await server.app.orm.em.fork().findOneOrFail((await import('../../server/appointments/appointment.entity.js')).Appointment, { id: foreign.id });
      expect(still.status).toBe('CONFIRMED');
    });

    it("returns the caller's own company with secrets masked", async () => {
      const result = await gql(server.url, '{ company { id name calApiKey calendarConfigured } }', {}, adminA);
      expect(result.data).toEqual({ company: { id: a.company.id, name: 'Clínica Alfa', calApiKey: '****1234', calendarConfigured: false } });
      expect(JSON.stringify(result)).not.toContain('alfa_secret');
      expect(JSON.stringify(result)).not.toContain('cal_live');
    });

    it('lets only admins update settings, and only their own company', async () => {
      const byKey = await gql(server.url, 'mutation { updateCompanySettings(input: { name: "Hack" }) { name } }', {}, a.writeKey);
      expect(byKey.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
      const byAdmin = await gql(server.url, 'mutation { updateCompanySettings(input: { timezone: "America/Manaus", calEventTypeId: 99 }) { id timezone calEventTypeId } }', {}, adminB);
      expect(byAdmin.data).toEqual({ updateCompanySettings: { id: b.company.id, timezone: 'America/Manaus', calEventTypeId: 99 } });
      const companyA = await gql(server.url, '{ company { timezone calEventTypeId } }', {}, adminA);
      expect(companyA.data).toEqual({ company: { timezone: 'America/Sao_Paulo', calEventTypeId: null } });
      const invalid = await gql(server.url, 'mutation { updateCompanySettings(input: { timezone: "Lua/Cheia" }) { id } }', {}, adminB);
      expect(invalid.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    });
  });

  describe('appointments listing', () => {
    it('filters by date range and status, with totalCount', async () => {
      const range = await gql(server.url, LIST, { filter: { from: day(3, 0).toISOString(), to: day(6, 0).toISOString() } }, adminA);
      expect(range.data!.appointments.totalCount).toBe(3);
      const status = await gql(server.url, LIST, { filter: { from: day(3, 0).toISOString(), to: day(6, 0).toISOString(), status: ['CANCELLED', 'RESCHEDULED'] } }, adminA);
      expect(status.data!.appointments.edges.map((e: any) => e.node.status)).toEqual(['CANCELLED', 'RESCHEDULED']);
    });

    it('searches names accent- and case-insensitively, and phones by digits', async () => {
      const names = async (search: string) => (await gql(server.url, LIST, { filter: { search } }, adminA)).data!.appointments.edges.map((e: any) => e.node.clientName);
      expect(await names('jose alvares')).toEqual(['JOSÉ ÁLVARES']);
      expect(await names('ANTÔNIA')).toEqual(['Maria Antônia']);
      expect(await names('antonia')).toEqual(['Maria Antônia']);
      expect(await names('(21) 97777-6666')).toEqual(['Maria Antônia']);
      expect(await names('88887777')).toEqual(['João Conceição']);
      expect(await names('zz%')).toEqual([]);
    });

    it('pages with stable cursors ordered by start time then id, including equal start times', async () => {
      const filter = { from: day(10, 0).toISOString(), to: day(11, 0).toISOString() };
      const seen: string[] = [];
      let after: string | null = null;
      let pages = 0;
      for (;;) {
        const result: any = await gql(server.url, LIST, { filter, first: 3, after }, adminA);
        expect(result.errors).toBeUndefined();
        expect(result.data.appointments.totalCount).toBe(8);
        seen.push(...result.data.appointments.edges.map((e: any) => e.node.clientName));
        pages += 1;
        if (!result.data.appointments.pageInfo.hasNextPage) break;
        after = result.data.appointments.pageInfo.endCursor;
      }
      expect(pages).toBe(3);
      expect(seen).toHaveLength(8);
      expect(new Set(seen).size).toBe(8);
      expect(seen.indexOf('Paginado 0')).toBeLessThan(seen.indexOf('Paginado 1'));
    });

    it('handles page edges: first 0, exact end, cap at 200, bad cursors and negative first', async () => {
      const filter = { from: day(10, 0).toISOString(), to: day(11, 0).toISOString() };
      const zero: any = await gql(server.url, LIST, { filter, first: 0 }, adminA);
      expect(zero.data.appointments).toMatchObject({ edges: [], totalCount: 8, pageInfo: { hasNextPage: true, endCursor: null } });
      const exact: any = await gql(server.url, LIST, { filter, first: 8 }, adminA);
      expect(exact.data.appointments.pageInfo.hasNextPage).toBe(false);
      const big: any = await gql(server.url, LIST, { first: 5000 }, adminA);
      expect(big.errors).toBeUndefined();
      expect(big.data.appointments.edges.length).toBeLessThanOrEqual(200);
      const bad = await gql(server.url, LIST, { after: 'garbage' }, adminA);
      expect(bad.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
      const negative = await gql(server.url, LIST, { first: -1 }, adminA);
      expect(negative.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    });

    it('serves the same listing over the REST shim', async () => {
      const response = await fetch(`${server.url}/api/agenda/appointments?search=jose&first=5`, { headers: { authorization: `Bearer ${a.readKey}` } });
      expect(response.status).toBe(200);
      const body = (await response.json()) as any;
      expect(body.edges.map((e: any) => e.node.clientName)).toEqual(['JOSÉ ÁLVARES']);
      const bad = await fetch(`${server.url}/api/agenda/appointments?first=abc`, { headers: { authorization: `Bearer ${a.readKey}` } });
      expect(bad.status).toBe(400);
      const anonymous = await fetch(`${server.url}/api/agenda/appointments`);
      expect(anonymous.status).toBe(401);
    });
  });
  describe('API-key cache', () => {
    it('refuses a key revoked through the service at once, although it was just accepted (cached)', async () => {
      const em = server.app.orm.em.fork();
      const temp = await server.app.services.auth.createApiKey(em, { companyId: a.company.id, scope: 'read', name: 'temporária' });
      for (let i = 0; i < 3; i++) expect((await gql(server.url, '{ caller { kind } }', {}, temp.token)).data).toEqual({ caller: { kind: 'API_KEY' } });
      expect(await server.app.services.auth.revokeApiKey(em, a.company.id, temp.key.id)).toBe(true);
      const revoked = await gql(server.url, '{ appointments { totalCount } }', {}, temp.token);
      expect(revoked.errors?.[0]).toMatchObject({ message: 'Chave de API inválida ou revogada.', extensions: { code: 'UNAUTHENTICATED' } });
      expect(revoked.status).toBe(401);
      // and it stays refused (not cached as valid by a later lookup)
      expect((await gql(server.url, '{ caller { kind } }', {}, temp.token)).errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
      expect(await server.app.services.auth.revokeApiKey(em, a.company.id, temp.key.id)).toBe(false);
    });

    it('trusts a checked key for a few seconds: a revocation written by another process is seen within API_KEY_CACHE_MS', async () => {
      const em = server.app.orm.em.fork();
      const temp = await server.app.services.auth.createApiKey(em, { companyId: a.company.id, scope: 'write' });
      const started = Date.now();
      expect((await gql(server.url, '{ caller { kind canWrite } }', {}, temp.token)).data).toEqual({ caller: { kind: 'API_KEY', canWrite: true } });
      await em.nativeUpdate(ApiKey, { id: temp.key.id }, { revokedAt: new Date() }); // as another process would
      const soon = await gql(server.url, '{ caller { kind } }', {}, temp.token);
      if (Date.now() - started < API_KEY_CACHE_MS - 500) expect(soon.data).toEqual({ caller: { kind: 'API_KEY' } });
      server.app.services.auth.forgetApiKey(temp.key.id);
      expect((await gql(server.url, '{ caller { kind } }', {}, temp.token)).errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    });

    it('still writes last_used_at at most once a minute', async () => {
      const em = server.app.orm.em.fork();
      const temp = await server.app.services.auth.createApiKey(em, { companyId: a.company.id, scope: 'read' });
      await gql(server.url, '{ caller { kind } }', {}, temp.token);
      const first = (await em.fork().findOneOrFail(ApiKey, { id: temp.key.id })).lastUsedAt;
      expect(first).toBeInstanceOf(Date);
      await new Promise((r) => setTimeout(r, 20));
      await gql(server.url, '{ caller { kind } }', {}, temp.token);
      server.app.services.auth.forgetApiKey(temp.key.id); // a fresh lookup reads the stamp from the row
      await gql(server.url, '{ caller { kind } }', {}, temp.token);
      expect((await em.fork().findOneOrFail(ApiKey, { id: temp.key.id })).lastUsedAt).toEqual(first);
    });
  });

  describe('listing in one statement', () => {
    let c: Awaited<ReturnType<typeof seedCompany>>;
    const FULL = `query($filter: AppointmentFilter, $first: Int, $after: String) {
      appointments(filter: $filter, first: $first, after: $after) {
        totalCount pageInfo { hasNextPage endCursor }
        edges { cursor node { id status title startAt endAt clientName clientPhone clientEmail notes meetingUrl source calBookingUid cancellationReason createdAt updatedAt } }
      }
    }`;
    const range = { from: day(1, 0).toISOString(), to: day(28, 0).toISOString() };

    beforeAll(async () => {
      c = await seedCompany(server.app, 'Gama Consultoria');
      const conn = server.app.orm.em.fork().getConnection();
      // Microsecond timestamps, nulls, quotes, backslashes, accents and control characters.
      await conn.execute(
        `insert into appointments (id, company_id, status, title, start_at, end_at, client_name, client_phone, client_email, notes, meeting_url, source, cal_booking_uid, cancellation_reason, search_text, created_at, updated_at)
         values (gen_random_uuid(), ?, 'CONFIRMED', 'Reunião "especial" \\ com \u00e9', '2031-03-15 10:00:00.123456+00', '2031-03-15 10:30:00.999999+00', 'Zoë O''Brien', null, 'zoe@example.com',
                 E'linha 1\nlinha 2\t\u0001 fim', ?, 'CALCOM', 'uid-1', null, 'zoe obrien', '2031-01-01 00:00:00.000001+00', '2031-01-02 03:04:05.5+00'),
                (gen_random_uuid(), ?, 'CANCELLED', 'Outra', '2031-03-15 10:00:00.123456+00', '2031-03-15 11:00:00+00', 'Ana', '5511988887777', null, null, null, 'ADMIN', null, 'desistiu', 'ana', now(), now())`,
        [c.company.id, 'https://meet.example/abc?x=1&y=2', c.company.id],
      );
      for (let i = 0; i < 5; i++) await insertAppointment(server.app, c.company.id, { start: day(16, 8 + i), clientName: `Gama ${i}` });
    });

    it('answers exactly what the rows hold (dates as ISO in milliseconds, nulls, text), with totalCount', async () => {
      const conn = server.app.orm.em.fork().getConnection();
      const rows = await conn.execute<Record<string, any>[]>('select * from appointments where company_id = ? order by start_at, id', [c.company.id]);
      const iso = (v: string) => new Date(v).toISOString();
      const expected = rows.map((r) => ({
        id: r.id, status: r.status, title: r.title, startAt: iso(r.start_at), endAt: iso(r.end_at), clientName: r.client_name,
        clientPhone: r.client_phone, clientEmail: r.client_email, notes: r.notes, meetingUrl: r.meeting_url, source: r.source,
        calBookingUid: r.cal_booking_uid, cancellationReason: r.cancellation_reason, createdAt: iso(r.created_at), updatedAt: iso(r.updated_at),
      }));
      expect(expected.find((e) => e.clientName === "Zoë O'Brien")).toMatchObject({ startAt: '2031-03-15T10:00:00.123Z', endAt: '2031-03-15T10:30:00.999Z', createdAt: '2031-01-01T00:00:00.000Z', updatedAt: '2031-01-02T03:04:05.500Z', clientPhone: null });
      const result: any = await gql(server.url, FULL, { filter: range, first: 50 }, c.readKey);
      expect(result.errors).toBeUndefined();
      expect(result.data.appointments.totalCount).toBe(7);
      expect(result.data.appointments.edges.map((e: any) => e.node)).toEqual(expected);
      expect(result.data.appointments.pageInfo).toEqual({ hasNextPage: false, endCursor: result.data.appointments.edges[6].cursor });
      expect(Buffer.from(result.data.appointments.edges[0].cursor, 'base64url').toString()).toBe(`2031-03-15T10:00:00.123Z|${expected[0]!.id}`);
      expect(expected.find((e) => e.clientName === "Zoë O'Brien")).toMatchObject({ title: 'Reunião "especial" \\ com é', notes: 'linha 1\nlinha 2\t\u0001 fim', meetingUrl: 'https://meet.example/abc?x=1&y=2' });
    });

    it('counts the whole filter on every page (not only after the cursor), and with fragments, aliases and @skip', async () => {
      const totals: number[] = [];
      const names: string[] = [];
      let after: string | null = null;
      for (;;) {
        const page: any = await gql(server.url, FULL, { filter: range, first: 3, after }, c.readKey);
        totals.push(page.data.appointments.totalCount);
        names.push(...page.data.appointments.edges.map((e: any) => e.node.clientName));
        if (!page.data.appointments.pageInfo.hasNextPage) break;
        after = page.data.appointments.pageInfo.endCursor;
      }
      expect(totals).toEqual([7, 7, 7]);
      expect(names).toHaveLength(7);
      const cancelled = { ...range, status: ['CANCELLED'] };
      const shapes = await gql(server.url, `query($f: AppointmentFilter, $skip: Boolean!) {
        viaFragment: appointments(filter: $f) { ...Total }
        inline: appointments(filter: $f) { ... on AppointmentConnection { n: totalCount } }
        skipped: appointments(filter: $f) { totalCount @skip(if: $skip) edges { node { id } } }
        zero: appointments(filter: $f, first: 0) { totalCount edges { cursor } pageInfo { hasNextPage endCursor } }
      } fragment Total on AppointmentConnection { totalCount }`, { f: cancelled, skip: true }, c.readKey);
      expect(shapes.errors).toBeUndefined();
      expect(shapes.data).toEqual({
        viaFragment: { totalCount: 1 },
        inline: { n: 1 },
        skipped: { edges: [{ node: { id: expect.any(String) } }] },
        zero: { totalCount: 1, edges: [], pageInfo: { hasNextPage: true, endCursor: null } },
      });
    });

    it('reads page and count in one statement when totalCount is selected, and never counts otherwise', async () => {
      const spy = vi.spyOn(pg.Client.prototype, 'query');
      try {
        const listing = () =>
          spy.mock.calls.map((call) => call[0] as unknown as string | pg.QueryConfig).filter((q) => (typeof q === 'string' ? q : q.text).includes('from appointments'));
        const withoutCount: any = await gql(server.url, '{ appointments(first: 2) { edges { node { id } } pageInfo { hasNextPage } } }', {}, c.readKey);
        expect(withoutCount.data.appointments.edges).toHaveLength(2);
        expect(listing()).toHaveLength(1);
        const page = listing()[0] as pg.QueryConfig;
        expect(page.text).not.toContain('count(');
        // A named prepared statement with the values as parameters (MikroORM's execute inlines them).
        expect(page.name).toMatch(/^sv_read_/);
        expect(page.text).not.toContain(c.company.id);
        expect(page.values).toEqual([c.company.id, 3]);
        spy.mockClear();
        const withCount: any = await gql(server.url, '{ appointments(first: 2) { totalCount edges { node { id } } } }', {}, c.readKey);
        expect(withCount.data.appointments.totalCount).toBe(7);
        expect(listing()).toHaveLength(1);
        expect((listing()[0] as pg.QueryConfig).text).toContain('count(');
        spy.mockClear();
        // A text search is planned with its pattern: sent unnamed, not prepared.
        const searching: any = await gql(server.url, '{ appointments(first: 2, filter: { search: "gama" }) { edges { node { id } } } }', {}, c.readKey);
        expect(searching.errors).toBeUndefined();
        expect(listing()).toHaveLength(1);
        expect((listing()[0] as pg.QueryConfig).name).toBeUndefined();
      } finally {
        spy.mockRestore();
      }
      // The connection that ran the prepared page plans it generically (else PostgreSQL re-plans it on every execution).
      const knex = server.app.orm.em.getConnection().getKnex();
      const held: pg.Client[] = [];
      const modes: string[] = [];
      const free = knex.client.pool.numFree() as number;
      for (let i = 0; i < free; i++) {
        const client = (await knex.client.acquireConnection()) as pg.Client;
        held.push(client);
        modes.push((await client.query<{ plan_cache_mode: string }>('show plan_cache_mode')).rows[0]!.plan_cache_mode);
      }
      for (const client of held) await knex.client.releaseConnection(client);
      expect(modes).toContain('force_generic_plan');
    });

    it('reads inside a transaction on the transaction\'s own connection', async () => {
      const tenant = { companyId: c.company.id, kind: 'apiKey' as const, userId: null, canWrite: false, isAdmin: false, actor: { type: 'API_KEY' as const, id: 'test', label: 'test' }, credential: { kind: 'apiKey' as const, id: 'test', keyHash: 'test' } };
      const outcome = await server.app.orm.em.fork().transactional(async (tx) => {
        // Uncommitted: only the transaction's connection sees this row.
        await tx.execute(
          `insert into appointments (id, company_id, status, title, start_at, end_at, client_name, source, search_text, created_at, updated_at)
           values (gen_random_uuid(), ?, 'CONFIRMED', 'Na transação', ?, ?, 'Gama na transação', 'ADMIN', 'gama', now(), now())`,
          [c.company.id, day(20, 9), day(20, 10)],
        );
        const page = await server.app.services.appointments.list(tx, tenant, { from: new Date(range.from), to: new Date(range.to) }, 50, null);
        const seen = { names: page.edges.map((e) => e.node.clientName), total: await page.count() };
        throw Object.assign(new Error('rollback'), { seen });
      }).catch((error: { seen?: { names: string[]; total: number } }) => error.seen);
      expect(outcome?.total).toBe(8);
      expect(outcome?.names).toContain('Gama na transação');
      // Rolled back: outside, the listing is as before.
      const after: any = await gql(server.url, FULL, { filter: range, first: 50 }, c.readKey);
      expect(after.data.appointments.totalCount).toBe(7);
    });
  });

  describe('repeated queries (compiled after their first runs)', () => {
    it('answer exactly as their first, graphql-js, execution did: data, cursors, dates and errors', async () => {
      const filter = { from: day(1).toISOString(), to: day(31).toISOString() };
      const cases: Array<[string, Record<string, unknown>, string]> = [
        [LIST, { filter, first: 3 }, adminA],
        [LIST.replace('totalCount ', ''), { filter: { ...filter, status: ['CONFIRMED'] }, first: 2 }, a.readKey],
        [`query Both($skip: Boolean!) { me { email } appointments(first: 1) { totalCount @skip(if: $skip) edges { node { ...N } } } } fragment N on Appointment { id createdAt updatedAt endAt }`, { skip: true }, adminA],
        ['{ auditLog(first: 1) { totalCount } }', {}, a.readKey],
        ['{ appointments(first: -1) { totalCount } }', {}, adminA],
      ];
      for (const [query, variables, token] of cases) {
        const runs = [];
        for (let i = 0; i < 4; i++) runs.push(await gql(server.url, query, variables, token));
        for (const run of runs.slice(1)) expect(run, query).toEqual(runs[0]);
      }
      const page = await gql(server.url, LIST, { filter, first: 3 }, adminA);
      expect(page.data!.appointments.edges[0].node.startAt).toBe(day(3).toISOString());
      expect((await gql(server.url, '{ auditLog(first: 1) { totalCount } }', {}, a.readKey)).errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
      expect((await gql(server.url, '{ appointments(first: -1) { totalCount } }', {}, adminA)).errors?.[0]).toMatchObject({ extensions: { code: 'BAD_USER_INPUT' }, path: ['appointments'] });
    });
  });

  describe('complexity per document', () => {
    const PAGES = `query($n: Int, $f: AppointmentFilter) {
      a1: appointments(first: $n, filter: $f) { edges { node { id clientName clientPhone clientEmail status startAt endAt title source meetingUrl calBookingUid cancellationReason createdAt updatedAt notes } cursor } }
      a2: appointments(first: $n, filter: $f) { edges { node { id clientName clientPhone clientEmail status startAt endAt title source meetingUrl calBookingUid cancellationReason createdAt updatedAt notes } cursor } }
      a3: appointments(first: $n, filter: $f) { edges { node { id clientName clientPhone clientEmail status startAt endAt title source meetingUrl calBookingUid cancellationReason createdAt updatedAt notes } cursor } }
    }`;

    it('still refuses a big `first` when the same document was accepted with a small one, and vice versa', async () => {
      // Each alias costs 1 + 18 per item (edges 1 + node 16 + cursor 1), `first` capped at 200.
      const cost = (n: number) => 3 * (1 + 18 * Math.min(n, 200));
      const sequence = [10, 200, 10, 200, 185, 190, 5000, 186, 1];
      for (const n of sequence) {
        const result = await gql(server.url, PAGES, { n }, adminA);
        if (cost(n) > 10_000) {
          expect(result.status).toBe(400);
          expect(result.errors?.[0]).toMatchObject({ message: `A consulta é complexa demais (${cost(n)}; máximo 10000). Peça menos itens por página.`, extensions: { code: 'BAD_USER_INPUT' } });
        } else {
          expect(result.errors).toBeUndefined();
        }
      }
      const literal = await gql(server.url, PAGES.replace('$n: Int, ', '').replaceAll('first: $n', 'first: 200'), {}, adminA);
      const viaVariable = await gql(server.url, PAGES, { n: 200 }, adminA);
      expect(viaVariable.errors).toEqual(literal.errors);
    });

    it('reports invalid variables the same way whether the document was seen before or not', async () => {
      const fresh = PAGES.replace('query(', 'query Fresh(');
      const bad = { n: 1, f: { from: 'ontem' } };
      const before = await gql(server.url, fresh, bad, adminA);
      expect(before.errors?.[0]?.message).toMatch(/^Variáveis inválidas: /);
      expect((await gql(server.url, fresh, { n: 1, f: { from: day(1).toISOString() } }, adminA)).errors).toBeUndefined();
      const after = await gql(server.url, fresh, bad, adminA);
      expect(after).toEqual(before);
      const wrongType = await gql(server.url, fresh, { n: 'dez' }, adminA);
      expect(wrongType.status).toBe(400);
      expect(wrongType.errors?.[0]?.message).toMatch(/^Variáveis inválidas: /);
    });
  });
});
