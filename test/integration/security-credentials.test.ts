import { createClient, type Client, type FormattedExecutionResult as ExecutionResult } from 'graphql-ws';
import WebSocket from 'ws';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startApp, type App } from '../../server/app.js';
import { Session } from '../../server/auth/session.entity.js';
import { hashToken, newToken } from '../../server/auth/tokens.js';
import { User } from '../../server/auth/user.entity.js';
import { runCommand } from '../../server/cli.js';
import { MAX_SOCKETS_PER_CREDENTIAL, MAX_SUBSCRIPTIONS_PER_SOCKET } from '../../server/platform/http/graphql-ws.js';
import { gql, login, seedCompany, startTestServer, testConfig, type TestServer } from '../support/app.js';
import { insertAppointment } from '../support/factories.js';

// Issue 13, items 1, 2, 10 and 11: a WebSocket lives only as long as its credential, on every
// instance; operations over it pass the HTTP guards; API keys and sessions can be managed.

const SUBSCRIPTION = 'subscription { appointmentChanged { kind appointment { id } } }';
/** "within 5 s" is the contract; the waits below are longer so a slow machine reports the real time. */
const CONTRACT_MS = 5_000;

interface Socket {
  client: Client;
  events: unknown[];
  /** Resolves with the close code and reason when the server closes the socket. */
  closed: Promise<{ code: number; reason: string }>;
  /** Resolves once the subscription is registered (a query sent after it was answered). */
  ready: Promise<void>;
  run(query: string, variables?: Record<string, unknown>): Promise<ExecutionResult<Record<string, any>>>;
}

const sockets: Socket[] = [];

function open(url: string, token: string, subscription: string | null = SUBSCRIPTION): Socket {
  let onClosed!: (event: { code: number; reason: string }) => void;
  const closed = new Promise<{ code: number; reason: string }>((resolve) => (onClosed = resolve));
  const client = createClient({
    url: url.replace(/^http/, 'ws') + '/graphql',
    webSocketImpl: WebSocket,
    connectionParams: { authorization: `Bearer ${token}` },
    retryAttempts: 0,
    lazy: false,
    onNonLazyError: () => {},
    on: { closed: (event) => onClosed({ code: (event as { code: number; reason: string }).code, reason: String((event as { code: number; reason: string }).reason) }) },
  });
  const events: unknown[] = [];
  const run: Socket['run'] = (query, variables) =>
    new Promise((resolve) => {
      let result: ExecutionResult<Record<string, any>> = {};
      client.subscribe<Record<string, any>, Record<string, unknown>>({ query, variables }, {
        next: (value) => void (result = value),
        error: (error) => resolve({ errors: Array.isArray(error) ? error : [{ message: String((error as { reason?: string }).reason ?? error) }] } as never),
        complete: () => resolve(result),
      });
    });
  if (subscription) client.subscribe({ query: subscription }, { next: (value) => void events.push(value.data), error: () => {}, complete: () => {} });
  const ready = run('{ __typename }').then(() => undefined);
  const socket = { client, events, closed, ready, run };
  sockets.push(socket);
  return socket;
}

/** Milliseconds until the socket is closed by the server (rejects after twice the contract). */
async function closedWithin(socket: Socket, since: number): Promise<{ code: number; reason: string; ms: number }> {
  const timeout = new Promise<never>((_, reject) => setTimeout(() => reject(new Error('socket still open')), 2 * CONTRACT_MS + 5_000));
  const event = await Promise.race([socket.closed, timeout]);
  return { ...event, ms: Date.now() - since };
}

async function eventually<T>(probe: () => Promise<T>, done: (value: T) => boolean, timeoutMs = 2 * CONTRACT_MS): Promise<{ value: T; ms: number }> {
  const started = Date.now();
  for (;;) {
    const value = await probe();
    if (done(value)) return { value, ms: Date.now() - started };
    if (Date.now() - started > timeoutMs) throw new Error(`condition not met: ${JSON.stringify(value)}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

// Logins cost a scrypt check each (~0.3 s idle, several times that on a busy machine).
describe('WebSocket credentials across two instances on one database', { timeout: 90_000 }, () => {
  let server: TestServer;
  let other: App;
  let otherUrl: string;
  let a: Awaited<ReturnType<typeof seedCompany>>;
  let b: Awaited<ReturnType<typeof seedCompany>>;

  beforeAll(async () => {
    server = await startTestServer('security-credentials');
    other = await startApp(testConfig(server.databaseUrl, { role: 'api' }));
    otherUrl = other.url!;
    a = await seedCompany(server.app, 'Alfa');
    b = await seedCompany(server.app, 'Beta');
  });
  afterEach(async () => {
    await Promise.all(sockets.splice(0).map((s) => s.client.dispose()));
  });
  afterAll(async () => {
    await other?.close();
    await server?.close();
  });

  it('closes the sockets of a session logged out on the other instance (4403) and stops its events', async () => {
    const token = await login(server.url, a.email, a.password);
    const socket = open(otherUrl, token);
    await socket.ready;
    await insertAppointment(server.app, a.company.id);
    await eventually(async () => socket.events.length, (n) => n === 1);

    const since = Date.now();
    expect((await gql(server.url, 'mutation($t: String!) { logout(token: $t) }', { t: token }, token)).data).toEqual({ logout: true });
    const closed = await closedWithin(socket, since);
    expect(closed.code).toBe(4403);
    expect(closed.ms).toBeLessThan(CONTRACT_MS);
    await insertAppointment(server.app, a.company.id);
    expect(socket.events).toHaveLength(1);
  });

  it('refuses a new operation on a socket whose session ended without notice (re-checked per operation)', async () => {
    const token = await login(server.url, a.email, a.password);
    const socket = open(otherUrl, token, null);
    expect((await socket.run('{ caller { kind } }')).data).toEqual({ caller: { kind: 'ADMIN' } });
    // Deleted behind the service's back: no NOTIFY, only the per-operation check can see it.
    await server.app.orm.em.fork().nativeDelete(Session, { tokenHash: hashToken(token) });
    const refused = await socket.run('{ auditLog(first: 1) { totalCount } }');
    expect(refused.data ?? null).toBeNull();
    expect(refused.errors?.[0]).toMatchObject({ extensions: { code: 'UNAUTHENTICATED' } });
    expect((await closedWithin(socket, Date.now())).code).toBe(4403);
  });

  it('closes a socket when its session expires, with no event', async () => {
    const em = server.app.orm.em.fork();
    const user = await em.findOneOrFail(User, { email: a.email });
    const token = newToken('svs');
    const expiresAt = new Date(Date.now() + 4_000);
    await em.persistAndFlush(em.create(Session, { userId: user.id, companyId: a.company.id, tokenHash: hashToken(token), expiresAt, createdAt: new Date() }));
    const socket = open(otherUrl, token);
    await socket.ready;
    // Accepted while the session lasts (checked only when this machine got here in time).
    const caller = await socket.run('{ caller { kind } }');
    if (Date.now() < expiresAt.getTime() - 500) expect(caller.data).toEqual({ caller: { kind: 'ADMIN' } });
    const closed = await closedWithin(socket, expiresAt.getTime());
    expect(closed.code).toBe(4403);
    expect(closed.ms).toBeLessThan(CONTRACT_MS);
  });

  it('logoutEverywhere and changePassword end the other sessions on every instance; the current one survives a password change', async () => {
    const first = await login(server.url, b.email, b.password);
    const second = await login(otherUrl, b.email, b.password);
    const firstSocket = open(otherUrl, first);
    const secondSocket = open(server.url, second);
    await Promise.all([firstSocket.ready, secondSocket.ready]);

    const changed = await gql(otherUrl, 'mutation($c: String!, $n: String!) { changePassword(currentPassword: $c, newPassword: $n) }', { c: b.password, n: 'nova-senha-forte-1' }, second);
    // Timed from the answer: the mutation itself runs two scrypt checks, slow on a loaded machine.
    const since = Date.now();
    expect(changed.data).toEqual({ changePassword: true });
    const oldPassword = b.password;
    b.password = 'nova-senha-forte-1';
    const closed = await closedWithin(firstSocket, since);
    expect(closed.code).toBe(4403);
    expect(closed.ms).toBeLessThan(CONTRACT_MS);
    expect((await gql(server.url, '{ caller { kind } }', {}, first)).errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    expect((await secondSocket.run('{ caller { kind } }')).data).toEqual({ caller: { kind: 'ADMIN' } });
    expect((await gql(server.url, 'mutation { login(email: "' + b.email + '", password: "' + oldPassword + '") { token } }')).errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');

    const everywhere = await gql(server.url, 'mutation { logoutEverywhere }', {}, second);
    expect(everywhere.data).toEqual({ logoutEverywhere: true });
    expect((await closedWithin(secondSocket, Date.now())).code).toBe(4403);
    expect((await gql(otherUrl, '{ caller { kind } }', {}, second)).errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  });

  it('refuses a wrong current password and a short new one, changing nothing', async () => {
    const token = await login(server.url, a.email, a.password);
    const change = (c: string, n: string) => gql(server.url, 'mutation($c: String!, $n: String!) { changePassword(currentPassword: $c, newPassword: $n) }', { c, n }, token);
    expect((await change('errada-errada', 'outra-senha-forte')).errors?.[0]).toMatchObject({ message: 'A senha atual não confere.', extensions: { code: 'FORBIDDEN' } });
    expect((await change(a.password, 'curta')).errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect((await change(a.password, 'outra')).data ?? null).toBeNull();
    expect(await login(server.url, a.email, a.password)).toMatch(/^svs_/);
    const byKey = await gql(server.url, 'mutation { logoutEverywhere }', {}, a.writeKey);
    expect(byKey.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });

  it('revokeApiKey on one instance: the other refuses the key over HTTP and closes its sockets within 5 s', async () => {
    const admin = await login(server.url, a.email, a.password);
    const created = await gql(server.url, 'mutation { createApiKey(name: "Integração ERP", scope: READ) { key apiKey { id name scope prefix createdAt lastUsedAt } } }', {}, admin);
    expect(created.errors).toBeUndefined();
    const { key, apiKey } = created.data!.createApiKey;
    expect(apiKey).toMatchObject({ name: 'Integração ERP', scope: 'READ', prefix: key.slice(0, 10), lastUsedAt: null });
    // Accepted (and cached) by the other instance first.
    expect((await gql(otherUrl, '{ caller { kind } }', {}, key)).data).toEqual({ caller: { kind: 'API_KEY' } });
    const socket = open(otherUrl, key);
    await socket.ready;

    const since = Date.now();
    expect((await gql(server.url, 'mutation($id: ID!) { revokeApiKey(id: $id) }', { id: apiKey.id }, admin)).data).toEqual({ revokeApiKey: true });
    const closed = await closedWithin(socket, since);
    expect(closed.code).toBe(4403);
    expect(closed.ms).toBeLessThan(CONTRACT_MS);
    const refused = await eventually(() => gql(otherUrl, '{ caller { kind } }', {}, key), (r) => r.errors?.[0]?.extensions?.code === 'UNAUTHENTICATED');
    expect(refused.ms).toBeLessThan(CONTRACT_MS);
    expect((await gql(server.url, 'mutation($id: ID!) { revokeApiKey(id: $id) }', { id: apiKey.id }, admin)).errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    const trail = await gql(server.url, '{ auditLog(first: 200, filter: { subject: "api_key:' + apiKey.id + '" }) { edges { node { action actorType } } } }', {}, admin);
    expect(trail.data!.auditLog.edges.map((e: { node: { action: string; actorType: string } }) => [e.node.action, e.node.actorType])).toEqual([['api_key.created', 'ADMIN'], ['api_key.revoked', 'ADMIN']]);
  });

  it('a key revoked by the CLI (another process) is refused by both instances at once', async () => {
    const created = await server.app.services.auth.createApiKey(server.app.orm.em.fork(), { companyId: b.company.id, scope: 'write', name: 'cli' });
    for (const url of [server.url, otherUrl]) expect((await gql(url, '{ caller { kind } }', {}, created.token)).data).toEqual({ caller: { kind: 'API_KEY' } });
    const socket = open(otherUrl, created.token);
    await socket.ready;
    const since = Date.now();
    expect(await runCommand({ kind: 'apikey.revoke', id: created.key.id }, testConfig(server.databaseUrl))).toEqual({ id: created.key.id, revoked: true });
    expect((await closedWithin(socket, since)).ms).toBeLessThan(CONTRACT_MS);
    for (const url of [server.url, otherUrl]) {
      const refused = await eventually(() => gql(url, '{ caller { kind } }', {}, created.token), (r) => r.errors?.[0]?.extensions?.code === 'UNAUTHENTICATED');
      expect(refused.ms).toBeLessThan(CONTRACT_MS);
    }
  });

  it('apiKeys, createApiKey and revokeApiKey: admins only, own company only, the key itself never listed', async () => {
    const admin = await login(server.url, a.email, a.password);
    const adminB = await login(server.url, b.email, b.password);
    await gql(server.url, '{ caller { kind } }', {}, a.readKey);
    const listed = await gql(server.url, '{ apiKeys { id name scope prefix createdAt lastUsedAt } }', {}, admin);
    expect(listed.errors).toBeUndefined();
    expect(listed.data!.apiKeys.map((k: { name: string }) => k.name)).toEqual(expect.arrayContaining(['leitura', 'escrita']));
    expect(JSON.stringify(listed.data)).not.toContain(a.readKey);
    expect(listed.data!.apiKeys.find((k: { id: string }) => k.id === a.readKeyId).lastUsedAt).not.toBeNull();

    for (const key of [a.readKey, a.writeKey]) {
      expect((await gql(server.url, '{ apiKeys { id } }', {}, key)).errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
      expect((await gql(server.url, 'mutation { createApiKey(name: "x", scope: WRITE) { key } }', {}, key)).errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
      expect((await gql(server.url, 'mutation($id: ID!) { revokeApiKey(id: $id) }', { id: a.readKeyId }, key)).errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    }
    // Company B's admin cannot see or revoke A's keys.
    const listedB = await gql(server.url, '{ apiKeys { id } }', {}, adminB);
    expect(listedB.data!.apiKeys.map((k: { id: string }) => k.id)).not.toContain(a.readKeyId);
    expect((await gql(server.url, 'mutation($id: ID!) { revokeApiKey(id: $id) }', { id: a.readKeyId }, adminB)).errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    expect((await gql(server.url, 'mutation($id: ID!) { revokeApiKey(id: $id) }', { id: 'não-é-uuid' }, adminB)).errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    expect((await gql(server.url, '{ caller { kind } }', {}, a.readKey)).data).toEqual({ caller: { kind: 'API_KEY' } });
  });
});

describe('WebSocket limits and one code path for operations', { timeout: 90_000 }, () => {
  let server: TestServer;
  let a: Awaited<ReturnType<typeof seedCompany>>;

  beforeAll(async () => {
    server = await startTestServer('security-ws-limits');
    a = await seedCompany(server.app, 'Alfa');
  });
  afterEach(async () => {
    await Promise.all(sockets.splice(0).map((s) => s.client.dispose()));
  });
  afterAll(async () => server?.close());

  const FIELDS = 'id clientName clientPhone clientEmail status startAt endAt title source meetingUrl calBookingUid cancellationReason createdAt updatedAt notes';
  const ALIASES = `{ ${Array.from({ length: 20 }, (_, i) => `a${i}: appointments(first: 200) { edges { node { ${FIELDS} } cursor } }`).join(' ')} }`;

  it('refuses 20 aliases of appointments(first: 200) over HTTP and over the socket, with the same error', async () => {
    const http = await gql(server.url, ALIASES, {}, a.readKey);
    const socket = open(server.url, a.readKey, null);
    const ws = await socket.run(ALIASES);
    expect(http.errors?.[0]?.message).toMatch(/complexa demais/);
    expect(ws.data ?? null).toBeNull();
    expect(ws.errors).toEqual(http.errors);
  });

  it('answers queries and refuses what HTTP refuses, in the same words: validation, depth, read-only key, variables', async () => {
    await insertAppointment(server.app, a.company.id, { clientName: 'Pelo socket' });
    const socket = open(server.url, a.readKey, null);
    const cases: Array<[string, Record<string, unknown>]> = [
      ['{ appointments(first: 5) { totalCount edges { node { clientName } } } }', {}],
      ['{ nope }', {}],
      ['{ appointments { edges { node { id } } ', {}],
      [`mutation { cancelAppointment(id: "00000000-0000-4000-8000-000000000000") { id } }`, {}],
      ['query($n: Int) { appointments(first: $n) { totalCount } }', { n: 'dez' }],
      ['query($f: DateTime!, $t: DateTime!) { x: availability(from: $f, to: $t) { start } y: availability(from: $f, to: $t) { start } }', { f: new Date().toISOString(), t: new Date().toISOString() }],
    ];
    for (const [query, variables] of cases) {
      const http = await gql(server.url, query, variables, a.readKey);
      const ws = await socket.run(query, variables);
      expect({ query, data: ws.data ?? null, errors: ws.errors }).toEqual({ query, data: http.data, errors: http.errors });
    }
    expect((await socket.run(cases[0]![0])).data!.appointments.totalCount).toBeGreaterThan(0);
  });

  it(`refuses subscription number ${MAX_SUBSCRIPTIONS_PER_SOCKET + 1} on one socket with a clear error`, async () => {
    const socket = open(server.url, a.readKey, null);
    await socket.ready;
    const errors: unknown[] = [];
    for (let i = 0; i < MAX_SUBSCRIPTIONS_PER_SOCKET; i++) socket.client.subscribe({ query: SUBSCRIPTION }, { next: () => {}, error: (e) => void errors.push(e), complete: () => {} });
    await socket.run('{ __typename }'); // the hundred are registered
    const extra = await socket.run(SUBSCRIPTION);
    expect(extra.errors?.[0]?.message).toBe(`Limite de ${MAX_SUBSCRIPTIONS_PER_SOCKET} assinaturas por conexão atingido; encerre uma antes de abrir outra.`);
    expect(errors).toEqual([]);
  });

  it(`refuses socket number ${MAX_SOCKETS_PER_CREDENTIAL + 1} of one credential (4429), not another credential's`, async () => {
    const key = (await server.app.services.auth.createApiKey(server.app.orm.em.fork(), { companyId: a.company.id, scope: 'read' })).token;
    const many = Array.from({ length: MAX_SOCKETS_PER_CREDENTIAL }, () => open(server.url, key, null));
    await Promise.all(many.map((s) => s.ready));
    const extra = open(server.url, key, null);
    const closed = await closedWithin(extra, Date.now());
    expect(closed).toMatchObject({ code: 4429, reason: `Limite de ${MAX_SOCKETS_PER_CREDENTIAL} conexões por credencial` });
    const otherKey = open(server.url, a.readKey, null);
    await otherKey.ready;
    // One closes: a new one fits again.
    await many[0]!.client.dispose();
    await eventually(async () => {
      const next = open(server.url, key, null);
      return Promise.race([next.ready.then(() => true), next.closed.then(() => false)]);
    }, (ok) => ok);
  });
});
