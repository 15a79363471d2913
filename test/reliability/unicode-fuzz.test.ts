import fc from 'fast-check';
import { createClient, type Client } from 'graphql-ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { buildWebhook } from '../fakes/calcom-sandbox.js';
import { buildInbound } from '../fakes/whaticket-sandbox.js';
import { login, seedCompany, startTestServer, type TestServer } from '../support/app.js';
import { webhooksApplied } from '../support/webhooks.js';
import { seedFromEnv } from './support/random.js';
import { bookingFixture, envelopeOf, signedHeaders, WEBHOOK_PATH } from './support/webhooks.js';

/**
 * Issue 14, item 4: arbitrary Unicode (NUL, lone surrogates, RTL and other invisible marks, any code
 * point, strings up to 100,000 characters) in every text field of every public entry point: the
 * Cal.com webhook (signed, so it reaches the database), both Whaticket inbound forms, GraphQL over
 * HTTP (variables and literals) and over WebSocket, and the REST shims. Never a 5xx (nor an
 * INTERNAL_SERVER_ERROR in GraphQL); after each webhook run, a valid delivery sent afterwards is applied.
 * Bounded: RUNS cases per entry point (FUZZ_RUNS=<n> for more), seeded (RELIABILITY_SEED replays).
 */

const SEED = seedFromEnv(14_2026);
const RUNS = Number(process.env.FUZZ_RUNS) || 100;
const SECRET = 'segredo-unicode';

const marks = fc.constantFrom('\u0000', '\ud800', '\udbff', '\udc00', '\udfff', '\u200e', '\u200f', '\u202e', '\u2066', '\ufeff', '\ufffd', '\u0085', '\u2028', '😀', '\ud83d', 'ç', 'ã');
const piece = fc.oneof(fc.string({ unit: 'binary', maxLength: 12 }), fc.string({ unit: 'grapheme', maxLength: 12 }), marks);
/** Mostly short, sometimes very long (a piece repeated up to 100,000 characters). */
const nasty = fc.oneof(
  { weight: 8, arbitrary: fc.array(piece, { minLength: 1, maxLength: 8 }).map((parts) => parts.join('')) },
  { weight: 1, arbitrary: fc.tuple(piece, fc.integer({ min: 1_000, max: 100_000 })).map(([p, n]) => (p || '\u0000').repeat(Math.ceil(n / Math.max(1, p.length))).slice(0, n)) },
);

/** Percent-encodes the UTF-8 bytes (encodeURIComponent throws on a lone surrogate); NUL becomes %00. */
const percent = (text: string) => [...Buffer.from(text, 'utf8')].map((b) => `%${b.toString(16).padStart(2, '0')}`).join('');

describe('arbitrary Unicode at every entry point', () => {
  let server: TestServer;
  let company: Awaited<ReturnType<typeof seedCompany>>;
  let admin: string;
  let ws: Client;
  let seq = 0;
  const statuses = new Map<string, Map<number, number>>();
  const count = (kind: string, status: number) => {
    const byStatus = statuses.get(kind) ?? new Map<number, number>();
    byStatus.set(status, (byStatus.get(status) ?? 0) + 1);
    statuses.set(kind, byStatus);
  };

  const post = async (kind: string, path: string, body: string, headers: Record<string, string>) => {
    const response = await fetch(`${server.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
    const text = await response.text();
    count(kind, response.status);
    expect(response.status, `${kind}: ${text.slice(0, 300)}`).toBeLessThan(500);
    return { status: response.status, text };
  };
  const graphql = async (kind: string, query: string, variables: Record<string, unknown>, token = admin) => {
    const { status, text } = await post(kind, '/graphql', JSON.stringify({ query, variables }), { authorization: `Bearer ${token}` });
    const codes = ((JSON.parse(text) as { errors?: Array<{ extensions?: { code?: string } }> }).errors ?? []).map((e) => e.extensions?.code);
    expect(codes, `${kind}: ${text.slice(0, 300)}`).not.toContain('INTERNAL_SERVER_ERROR');
    return status;
  };
  const overSocket = (query: string, variables: Record<string, unknown>) =>
    new Promise<{ errors?: Array<{ extensions?: { code?: string } }> }>((resolve, reject) => {
      let result = {};
      ws.subscribe({ query, variables }, { next: (value) => void (result = value), error: reject, complete: () => resolve(result) });
    });
  const property = <T>(arbitrary: fc.Arbitrary<T>, check: (value: T) => Promise<void>) =>
    fc.assert(fc.asyncProperty(arbitrary, check), { numRuns: RUNS, seed: SEED, endOnFailure: true });

  /** A valid booking sent after the fuzzing is applied: nothing the fuzzing stored blocks the company. */
  const validDeliveryApplied = async () => {
    const uid = `depois-${seq++}`;
    const body = JSON.stringify(envelopeOf({ trigger: 'BOOKING_CREATED', uid, start: new Date(Date.UTC(2036, 0, 1) + seq * 3_600_000), at: new Date() }));
    const response = await fetch(`${server.url}${WEBHOOK_PATH}`, { method: 'POST', headers: signedHeaders(company.company.id, SECRET, body), body });
    expect(response.status).toBe(200);
    await webhooksApplied(server.app, company.company.id, 60_000);
    const rows = await server.app.orm.em.getConnection().execute<Array<{ status: string }>>('select status from appointments where company_id = ? and cal_booking_uid = ?', [company.company.id, uid]);
    expect(rows).toEqual([{ status: 'CONFIRMED' }]);
  };

  beforeAll(async () => {
    server = await startTestServer('unicode-fuzz');
    company = await seedCompany(server.app, 'Clínica Unicode', { calWebhookSecret: SECRET });
    admin = await login(server.url, company.email, company.password);
    ws = createClient({ url: server.url.replace(/^http/, 'ws') + '/graphql', webSocketImpl: WebSocket, connectionParams: { authorization: `Bearer ${admin}` }, retryAttempts: 0 });
  });
  afterAll(async () => {
    console.log(`unicode fuzz (seed ${SEED}, ${RUNS} runs per entry point):`, Object.fromEntries([...statuses].map(([kind, byStatus]) => [kind, Object.fromEntries(byStatus)])));
    await ws?.dispose();
    await server?.close();
  });

  it(`Cal.com webhook: title, uid, names, e-mail, description and cancellation reason (seed ${SEED})`, async () => {
    await property(fc.record({ title: nasty, uid: nasty, name: nasty, email: nasty, description: nasty, reason: nasty, cancel: fc.boolean() }), async (f) => {
      const start = new Date(Date.UTC(2035, 0, 1) + seq++ * 3_600_000);
      const base = bookingFixture(`fuzz-${seq}-${f.uid}`, start, { title: f.title, description: f.description });
      const booking = { ...base, attendees: [{ ...base.attendees[0]!, name: f.name, email: f.email }], ...(f.cancel ? { status: 'cancelled' as const } : {}) };
      const body = JSON.stringify(buildWebhook(f.cancel ? 'BOOKING_CANCELLED' : 'BOOKING_CREATED', booking, { createdAt: new Date().toISOString(), ...(f.cancel ? { cancellationReason: f.reason } : {}) }));
      await post('webhook', WEBHOOK_PATH, body, signedHeaders(company.company.id, SECRET, body));
    });
    await validDeliveryApplied();
  });

  it('Whaticket inbound, Baileys and simple forms: text, name, message id and number', async () => {
    const auth = { authorization: `Bearer ${company.inboundToken}` };
    await property(fc.record({ text: nasty, name: nasty, id: nasty, number: fc.oneof(nasty, fc.constant('5511987650000')), baileys: fc.boolean() }), async (f) => {
      const body = f.baileys
        ? buildInbound({ id: f.id, from: '5511987650000', text: f.text, name: f.name, form: 'baileys' })
        : { number: f.number, body: f.text, messageId: f.id, name: f.name };
      await post(f.baileys ? 'inbound baileys' : 'inbound simple', `/api/whaticket/inbound/${company.company.id}`, JSON.stringify(body), auth);
    });
  });

  it('GraphQL over HTTP: variables and literals of queries and mutations', async () => {
    await property(fc.record({ a: nasty, b: nasty }), async ({ a, b }) => {
      await graphql('graphql login', 'mutation($e: String!, $p: String!) { login(email: $e, password: $p) { token } }', { e: a, p: b }, '');
      await graphql('graphql search', 'query($s: String) { appointments(filter: { search: $s }) { totalCount } }', { s: a });
      await graphql('graphql settings', 'mutation($n: String) { updateCompanySettings(input: { name: $n }) { name } }', { n: b });
      await graphql('graphql cancel', 'mutation($id: ID!, $r: String) { cancelAppointment(id: $id, reason: $r) { id } }', { id: a, r: b });
      // The same text as a literal (JSON string syntax is GraphQL's; lone surrogates are a syntax error, a 400).
      await graphql('graphql literal', `{ appointments(filter: { search: ${JSON.stringify(a)} }) { totalCount } }`, {});
    });
  });

  it('GraphQL over WebSocket: variables and literals', async () => {
    await property(fc.record({ a: nasty, b: nasty }), async ({ a, b }) => {
      for (const [query, variables] of [
        ['query($s: String) { appointments(filter: { search: $s }) { totalCount } }', { s: a }],
        ['mutation($n: String) { updateCompanySettings(input: { name: $n }) { name } }', { n: b }],
        [`{ appointments(filter: { search: ${JSON.stringify(b)} }) { totalCount } }`, {}],
      ] as const) {
        // An operation's errors arrive as a list of GraphQL errors; anything else (the socket closed) fails here.
        // A message over the socket's 64 KiB limit closes it with 1009 (the client's fault; it reconnects).
        const result = await overSocket(query, variables).catch((errors: unknown) => {
          const closed = (errors as { code?: unknown })?.code;
          expect(Array.isArray(errors) || closed === 1009, `socket closed: ${String(closed ?? errors)}`).toBe(true);
          return { errors: Array.isArray(errors) ? (errors as Array<{ extensions?: { code?: string } }>) : [{ extensions: { code: 'MESSAGE_TOO_BIG' } }] };
        });
        const codes = (result.errors ?? []).map((e) => e.extensions?.code);
        count('graphql ws', codes.length ? 400 : 200);
        expect(codes, JSON.stringify(result).slice(0, 300)).not.toContain('INTERNAL_SERVER_ERROR');
      }
    });
  });

  it('REST /api/agenda: query strings, path parameters and bodies', async () => {
    const auth = { authorization: `Bearer ${company.writeKey}` };
    await property(fc.record({ a: nasty, b: nasty }), async ({ a, b }) => {
      const list = await fetch(`${server.url}/api/agenda/appointments?search=${percent(a.slice(0, 2000))}`, { headers: auth }).catch(() => null);
      if (list) {
        count('rest list', list.status);
        expect(list.status, await list.text()).toBeLessThan(500);
      }
      await post('rest book', '/api/agenda/book', JSON.stringify({ start: '2036-01-01T12:00:00Z', clientName: a, clientPhone: b, notes: b }), auth);
      await post('rest cancel', `/api/agenda/appointments/${percent(a.slice(0, 2000))}/cancel`, JSON.stringify({ reason: b }), auth);
    });
    // Everything above was refused or stored clean: the company still takes webhooks.
    await validDeliveryApplied();
  });
});
