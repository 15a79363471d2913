import { createClient, type Client, type ExecutionResult, type SubscribePayload } from 'graphql-ws';
import WebSocket from 'ws';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { seedCompany, startTestServer, type TestServer } from '../support/app.js';
import { insertAppointment } from '../support/factories.js';
import { settle } from '../support/ws.js';

// Each distinct query text is parsed and validated once per process and then shared by every
// subscriber (server/platform/http/subscription-documents.ts): a cached document must behave exactly like a fresh one.

type Result = ExecutionResult<Record<string, any>>;

interface Operation {
  results: Result[];
  /** Resolves with the error the client got (validation errors or a close event), or undefined on completion. */
  finished(timeoutMs?: number): Promise<unknown>;
  waitFor(count: number): Promise<Result[]>;
}

describe('GraphQL over WebSocket with shared parsed documents', () => {
  let server: TestServer;
  let a: Awaited<ReturnType<typeof seedCompany>>;
  let b: Awaited<ReturnType<typeof seedCompany>>;
  const clients: Client[] = [];

  beforeAll(async () => {
    server = await startTestServer('subscription-documents');
    a = await seedCompany(server.app, 'Alfa');
    b = await seedCompany(server.app, 'Beta');
  });
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((client) => client.dispose()));
  });
  afterAll(async () => server?.close());

  function connect(token: string): Client {
    const client = createClient({
      url: server.url.replace(/^http/, 'ws') + '/graphql',
      webSocketImpl: WebSocket,
      connectionParams: { authorization: `Bearer ${token}` },
      retryAttempts: 0,
      lazy: false,
      onNonLazyError: () => {},
    });
    clients.push(client);
    return client;
  }

  function run(client: Client, payload: SubscribePayload): Operation {
    const results: Result[] = [];
    const listeners: Array<() => void> = [];
    const finished = new Promise<unknown>((resolve) => {
      client.subscribe(payload, {
        next: (value) => {
          results.push(value as Result);
          listeners.forEach((listener) => listener());
        },
        error: resolve,
        complete: () => resolve(undefined),
      });
    });
    return {
      results,
      finished: (timeoutMs = 5000) =>
        Promise.race([
          finished,
          new Promise((_, reject) => setTimeout(() => reject(new Error(`still running after ${timeoutMs} ms: ${JSON.stringify(results)}`)), timeoutMs).unref()),
        ]),
      waitFor: (count) =>
        new Promise((resolve, reject) => {
          const timer = setTimeout(() => reject(new Error(`expected ${count} results, got ${JSON.stringify(results)}`)), 5000);
          const check = () => {
            if (results.length < count) return;
            clearTimeout(timer);
            resolve(results);
          };
          listeners.push(check);
          check();
        }),
    };
  }

  it('reports the validation errors of an invalid subscription every time it is sent', async () => {
    const query = 'subscription { appointmentChanged { kind nope } }';
    const client = connect(a.readKey);
    const first = await run(client, { query }).finished();
    const second = await run(client, { query }).finished();
    const third = await run(connect(b.readKey), { query }).finished();
    for (const errors of [first, second, third]) {
      expect(errors).toEqual([expect.objectContaining({ message: 'Cannot query field "nope" on type "AppointmentChange".' })]);
    }
  });

  it('applies the HTTP depth limit to subscriptions, also when the text was seen before', async () => {
    const query = `subscription { appointmentChanged { appointment { ${'a { '.repeat(10)}b${' }'.repeat(10)} } } }`;
    for (const token of [a.readKey, a.readKey, b.readKey]) {
      const errors = (await run(connect(token), { query }).finished()) as Array<{ message: string }>;
      expect(errors.map((e) => e.message)).toContain('A consulta é profunda demais (13 níveis; máximo 10).');
    }
  });

  it('delivers to each tenant only its own events when they send the same query text', async () => {
    const query = 'subscription SameText { appointmentChanged { kind appointment { id clientName } } }';
    const subscriptions = [
      { company: a, op: run(connect(a.readKey), { query }) },
      { company: b, op: run(connect(b.readKey), { query }) },
      { company: a, op: run(connect(a.readKey), { query }) },
      { company: b, op: run(connect(b.readKey), { query }) },
    ];
    await settle(300);
    const rowA = await insertAppointment(server.app, a.company.id, { clientName: 'Documento Alfa' });
    const rowB = await insertAppointment(server.app, b.company.id, { clientName: 'Documento Beta' });
    await Promise.all(subscriptions.map(({ op }) => op.waitFor(1)));
    await settle();
    for (const { company, op } of subscriptions) {
      const expected = company === a ? rowA : rowB;
      expect(op.results).toEqual([{ data: { appointmentChanged: { kind: 'CREATED', appointment: { id: expected.id, clientName: expected.clientName } } } }]);
    }
  });

  it('runs the operation named in each message, with that message’s variables, on a shared document', async () => {
    const query = 'subscription Full { appointmentChanged { kind appointment { id } } } subscription KindOnly { appointmentChanged { kind } }';
    const full = run(connect(a.readKey), { query, operationName: 'Full' });
    const kindOnly = run(connect(a.readKey), { query, operationName: 'KindOnly' });
    await settle(300);
    const row = await insertAppointment(server.app, a.company.id);
    await Promise.all([full.waitFor(1), kindOnly.waitFor(1)]);
    expect(full.results).toEqual([{ data: { appointmentChanged: { kind: 'CREATED', appointment: { id: row.id } } } }]);
    expect(kindOnly.results).toEqual([{ data: { appointmentChanged: { kind: 'CREATED' } } }]);

    // Queries and mutations over the socket get an EntityManager when their resolvers ask for one,
    // scoped to the connection's tenant, with the variables of each message.
    const lookup = 'query Lookup($id: ID!) { appointment(id: $id) { id clientName status } }';
    const asA = run(connect(a.readKey), { query: lookup, variables: { id: row.id } });
    const asB = run(connect(b.readKey), { query: lookup, variables: { id: row.id } });
    expect(await asA.finished()).toBeUndefined();
    expect(await asB.finished()).toBeUndefined();
    expect(asA.results).toEqual([{ data: { appointment: { id: row.id, clientName: row.clientName, status: 'CONFIRMED' } } }]);
    expect(asB.results).toEqual([{ data: { appointment: null } }]);

    const cancel = run(connect(a.writeKey), { query: 'mutation($id: ID!) { cancelAppointment(id: $id) { id status } }', variables: { id: row.id } });
    expect(await cancel.finished()).toBeUndefined();
    expect(cancel.results).toEqual([{ data: { cancelAppointment: { id: row.id, status: 'CANCELLED' } } }]);
    await full.waitFor(2);
    expect(full.results[1]).toEqual({ data: { appointmentChanged: { kind: 'CANCELLED', appointment: { id: row.id } } } });
  });
});
