import { createClient } from 'graphql-ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { CalcomSandbox, DEFAULT_API_KEY, DEFAULT_EVENT_TYPE_ID } from '../fakes/calcom-sandbox.js';
import { buildInbound, newMessageId } from '../fakes/whaticket-sandbox.js';
import { gql, login, seedCompany, startTestServer, type TestServer } from '../support/app.js';
import { webhooksApplied } from '../support/webhooks.js';
import { bookingFixture, envelopeOf, signedHeaders, WEBHOOK_PATH } from '../reliability/support/webhooks.js';
import { buildWebhook } from '../fakes/calcom-sandbox.js';

const SECRET = 'segredo-veneno';
const NUL = '\u0000';
const LONE = '\ud800';

/**
 * Issue 14, item 1: text from outside is cleaned at the boundary by one rule (server/shared/input-text.ts):
 * U+0000 dropped, lone surrogates to U+FFFD. Every entry point: the Cal.com webhook, both forms of the
 * Whaticket inbound, GraphQL over HTTP (POST body, GET query string, literals) and WebSocket, REST.
 */
describe('poison input at the boundary', () => {
  let server: TestServer;
  let cal: CalcomSandbox;
  let company: Awaited<ReturnType<typeof seedCompany>>;
  let admin: string;
  let startHour = 0;
  const nextStart = () => new Date(Date.UTC(2034, 2, 1, 12) + startHour++ * 3_600_000);
  const sql = <T>(query: string, params: unknown[] = []) => server.app.orm.em.getConnection().execute<T[]>(query, params);

  const postWebhook = async (body: string, headers: Record<string, string> = signedHeaders(company.company.id, SECRET, body)) => {
    const response = await fetch(`${server.url}${WEBHOOK_PATH}`, { method: 'POST', headers, body });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };
  const postInbound = async (body: string) => {
    const response = await fetch(`${server.url}/api/whaticket/inbound/${company.company.id}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${company.inboundToken}` },
      body,
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };

  beforeAll(async () => {
    cal = new CalcomSandbox({ minimumNoticeMinutes: 0 });
    const { url: calUrl } = await cal.start();
    server = await startTestServer('poison-input');
    company = await seedCompany(server.app, 'Clínica Veneno', { calApiUrl: calUrl, calApiKey: DEFAULT_API_KEY, calEventTypeId: DEFAULT_EVENT_TYPE_ID, calWebhookSecret: SECRET });
    admin = await login(server.url, company.email, company.password);
  });
  afterAll(async () => {
    await server?.close();
    await cal?.stop();
  });

  it('webhook: a signed booking with NUL in title, cancellationReason and uid is applied without it', async () => {
    const start = nextStart();
    const uid = `veneno${NUL}-1`;
    const title = `Consulta${NUL} de ${LONE}retorno`;
    const created = JSON.stringify(buildWebhook('BOOKING_CREATED', bookingFixture(uid, start, { title }), { createdAt: new Date().toISOString() }));
    expect(created).toContain('\\u0000');
    expect(await postWebhook(created)).toEqual({ status: 200, body: { ok: true } });
    const cancelled = JSON.stringify(
      buildWebhook('BOOKING_CANCELLED', { ...bookingFixture(uid, start, { title }), status: 'cancelled' }, { createdAt: new Date(Date.now() + 1000).toISOString(), cancellationReason: `Imprevisto${NUL}!` }),
    );
    expect((await postWebhook(cancelled)).status).toBe(200);
    await webhooksApplied(server.app, company.company.id);

    const rows = await sql<{ title: string; status: string; cancellation_reason: string; cal_booking_uid: string }>(
      'select title, status, cancellation_reason, cal_booking_uid from appointments where company_id = ? and cal_booking_uid = ?',
      [company.company.id, 'veneno-1'],
    );
    expect(rows).toEqual([{ title: 'Consulta de \uFFFDretorno', status: 'CANCELLED', cancellation_reason: 'Imprevisto!', cal_booking_uid: 'veneno-1' }]);
    const deliveries = await sql<{ outcome: string; booking_uid: string }>('select outcome, booking_uid from webhook_deliveries where company_id = ? and booking_uid = ?', [company.company.id, 'veneno-1']);
    expect(deliveries.map((d) => d.outcome).sort()).toEqual(['applied', 'applied']);
  });

  it('webhook: a blank Content-Type is accepted (the signature vouches for the body)', async () => {
    const body = JSON.stringify(envelopeOf({ trigger: 'BOOKING_CREATED', uid: 'sem-content-type', start: nextStart(), at: new Date() }));
    const headers = { ...signedHeaders(company.company.id, SECRET, body), 'content-type': '' };
    expect(await postWebhook(body, headers)).toEqual({ status: 200, body: { ok: true } });
    await webhooksApplied(server.app, company.company.id);
    expect(await sql('select 1 from appointments where cal_booking_uid = ?', ['sem-content-type'])).toHaveLength(1);
    // Still verified: a blank Content-Type with a wrong signature is a 401.
    expect((await postWebhook(body, { ...headers, 'x-cal-signature-256': '0'.repeat(64) })).status).toBe(401);
  });

  it('inbound (Baileys form): NUL in the text, pushName and key.id is stored without it', async () => {
    const id = `3EB0VENENO${NUL}1`;
    const message = buildInbound({ id, from: '5511987001122', text: `quero${NUL} marcar ${LONE}`, name: `Zé${NUL}`, form: 'baileys' });
    expect(await postInbound(JSON.stringify(message))).toEqual({ status: 200, body: { ok: true } });
    const rows = await sql<{ message_id: string; body: string; sender_name: string }>('select message_id, body, sender_name from inbound_messages where company_id = ? and phone = ?', [company.company.id, '5511987001122']);
    expect(rows).toEqual([{ message_id: '3EB0VENENO1', body: 'quero marcar \uFFFD', sender_name: 'Zé' }]);
    // The same message again (same id once cleaned) is a duplicate, not a second row.
    expect(await postInbound(JSON.stringify(message))).toEqual({ status: 200, body: { ok: true, duplicate: true } });
  });

  it('inbound (simple form): NUL in body, name and messageId is stored without it', async () => {
    const id = newMessageId();
    const message = { number: '5511987003344', body: `${NUL}oi${NUL}`, messageId: `${id}${NUL}`, name: `Ana${NUL}` };
    expect(await postInbound(JSON.stringify(message))).toEqual({ status: 200, body: { ok: true } });
    const rows = await sql<{ message_id: string; body: string; sender_name: string }>('select message_id, body, sender_name from inbound_messages where company_id = ? and phone = ?', [company.company.id, '5511987003344']);
    expect(rows).toEqual([{ message_id: id, body: 'oi', sender_name: 'Ana' }]);
  });

  it('GraphQL over HTTP: NUL in a literal, a POST variable and a GET variable never answers 5xx', async () => {
    const literal = await gql(server.url, `mutation { login(email: "x\\u0000@y.z", password: "qualquer") { token } }`);
    expect(literal.status).toBeLessThan(500);
    expect(literal.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    // The admin's own e-mail with a NUL inside: the NUL is dropped, so it is the admin's e-mail.
    const [user, domain] = company.email.split('@');
    const variable = await gql<{ login: { token: string } }>(server.url, 'mutation($e: String!, $p: String!) { login(email: $e, password: $p) { token } }', { e: `${user}${NUL}@${domain}`, p: company.password });
    expect(variable.errors).toBeUndefined();
    expect(variable.data?.login.token).toBeTruthy();

    const search = await gql(server.url, `{ appointments(filter: { search: "Carlos\\u0000" }) { totalCount } }`, {}, admin);
    expect(search.errors).toBeUndefined();
    const query = encodeURIComponent('query($s: String) { appointments(filter: { search: $s }) { totalCount } }');
    const variables = encodeURIComponent(JSON.stringify({ s: `Carlos${NUL}${LONE}` }));
    const response = await fetch(`${server.url}/graphql?query=${query}&variables=${variables}`, { headers: { authorization: `Bearer ${admin}`, 'apollo-require-preflight': 'true' } });
    const body = (await response.json()) as { errors?: unknown; data?: unknown };
    expect({ status: response.status, errors: body.errors }).toEqual({ status: 200, errors: undefined });
  });

  it('GraphQL over WebSocket: NUL in a literal and a variable is dropped before the resolver', async () => {
    const client = createClient({ url: server.url.replace(/^http/, 'ws') + '/graphql', webSocketImpl: WebSocket, connectionParams: { authorization: `Bearer ${admin}` }, retryAttempts: 0 });
    const run = (query: string, variables?: Record<string, unknown>) =>
      new Promise<{ data?: unknown; errors?: unknown }>((resolve, reject) => {
        let result: { data?: unknown; errors?: unknown } = {};
        client.subscribe({ query, variables }, { next: (value) => void (result = value), error: reject, complete: () => resolve(result) });
      });
    try {
      expect(await run(`mutation { updateCompanySettings(input: { name: "Clínica\\u0000 Veneno" }) { name } }`)).toEqual({ data: { updateCompanySettings: { name: 'Clínica Veneno' } } });
      expect(await run('mutation($n: String) { updateCompanySettings(input: { name: $n }) { name } }', { n: `${NUL}Clínica Veneno ${LONE}` })).toEqual({ data: { updateCompanySettings: { name: 'Clínica Veneno \uFFFD' } } });
    } finally {
      await client.dispose();
    }
  });

  it('REST /api/agenda: NUL in a query string and in a booking body never answers 5xx; the booking is stored clean', async () => {
    const list = await fetch(`${server.url}/api/agenda/appointments?search=Carlos%00`, { headers: { authorization: `Bearer ${company.readKey}` } });
    expect(list.status).toBe(200);

    const from = new Date(Date.now() + 86_400_000);
    const slots = await gql<{ availability: Array<{ start: string }> }>(server.url, 'query($f: DateTime!, $t: DateTime!) { availability(from: $f, to: $t) { start } }', { f: from.toISOString(), t: new Date(from.getTime() + 7 * 86_400_000).toISOString() }, admin);
    const start = slots.data!.availability[0]!.start;
    const response = await fetch(`${server.url}/api/agenda/book`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${company.writeKey}` },
      body: JSON.stringify({ start, clientName: `Beatriz${NUL} Sá`, clientPhone: '5511987005566', notes: `nota${NUL}` }),
    });
    const booked = (await response.json()) as { id?: string; clientName?: string };
    expect(response.status, JSON.stringify(booked)).toBe(201);
    const [row] = await sql<{ client_name: string; notes: string }>('select client_name, notes from appointments where id = ?', [booked.id]);
    expect(row).toEqual({ client_name: 'Beatriz Sá', notes: 'nota' });
  });
});
