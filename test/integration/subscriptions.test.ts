import { spawn, type ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gql, login, seedCompany, startTestServer, TEST_APP_SECRET, type TestServer } from '../support/app.js';
import { insertAppointment } from '../support/factories.js';
import { settle, subscribe } from '../support/ws.js';

describe('appointmentChanged subscription', () => {
  let server: TestServer;
  let a: Awaited<ReturnType<typeof seedCompany>>;
  let b: Awaited<ReturnType<typeof seedCompany>>;

  beforeAll(async () => {
    server = await startTestServer('subscriptions');
    a = await seedCompany(server.app, 'Alfa');
    b = await seedCompany(server.app, 'Beta');
  });
  afterAll(async () => server?.close());

  it('refuses connections without valid credentials', async () => {
    for (const token of [undefined, 'svk_forged', 'svs_forged']) {
      const sub = subscribe(server.url, token);
      await expect(sub.ready).rejects.toMatchObject({ code: 4403 });
      await sub.close();
    }
  });

  it("delivers each company's changes only to that company's subscribers", async () => {
    const subA = subscribe(server.url, await login(server.url, a.email, a.password));
    const subB = subscribe(server.url, b.readKey);
    await Promise.all([subA.ready, subB.ready]);

    const rowA = await insertAppointment(server.app, a.company.id, { clientName: 'Só da Alfa' });
    const rowB = await insertAppointment(server.app, b.company.id, { clientName: 'Só da Beta' });
    await subA.waitFor(1);
    await subB.waitFor(1);
    const cancelled = await gql(server.url, `mutation { cancelAppointment(id: "${rowA.id}") { status } }`, {}, a.writeKey);
    expect(cancelled.errors).toBeUndefined();
    await subA.waitFor(2);
    await settle();

    expect(subA.received.map((e) => [e.kind, e.appointment.id])).toEqual([['CREATED', rowA.id], ['CANCELLED', rowA.id]]);
    expect(subB.received.map((e) => [e.kind, e.appointment.id])).toEqual([['CREATED', rowB.id]]);
    expect(subA.received[1]!.appointment.status).toBe('CANCELLED');
    await Promise.all([subA.close(), subB.close()]);
  });

  it('counts active subscriptions in /metrics', async () => {
    const sub = subscribe(server.url, a.readKey);
    await sub.ready;
    await settle(100);
    const active = async () => Number(/secretaria_graphql_active_subscriptions (\d+)/.exec(await (await fetch(`${server.url}/metrics`)).text())?.[1]);
    expect(await active()).toBeGreaterThanOrEqual(1);
    const before = await active();
    await sub.close();
    await settle(200);
    expect(await active()).toBe(before - 1);
  });
});

describe('two server processes on one database', () => {
  let server: TestServer;
  let child: ChildProcess;
  let childUrl: string;

  beforeAll(async () => {
    server = await startTestServer('two-processes');
    child = spawn('node', ['dist/server/main.js'], {
      env: { ...process.env, DATABASE_URL: server.databaseUrl, APP_SECRET: TEST_APP_SECRET, PORT: '0', LOG_LEVEL: 'info', ROLE: 'api', OUTBOUND_ALLOWED_HOSTS: '127.0.0.1,localhost' },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    childUrl = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('second process did not start')), 30_000);
      let buffer = '';
      child.stdout!.on('data', (chunk: Buffer) => {
        buffer += chunk.toString();
        const match = /"url":"(http:\/\/[^"]+)"/.exec(buffer);
        if (match) {
          clearTimeout(timer);
          resolve(match[1]!);
        }
      });
      child.on('exit', (code) => reject(new Error(`second process exited with ${code}`)));
    });
  });
  afterAll(async () => {
    if (child && child.exitCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    }
    await server?.close();
  });

  it('delivers a change made through one process to a subscriber connected to the other, never across tenants', async () => {
    const a = await seedCompany(server.app, 'Alfa');
    const b = await seedCompany(server.app, 'Beta');
    const onChildA = subscribe(childUrl, a.readKey);
    const onChildB = subscribe(childUrl, b.readKey);
    const onParentA = subscribe(server.url, a.readKey);
    await Promise.all([onChildA.ready, onChildB.ready, onParentA.ready]);

    // A mutation on the parent process…
    const row = await insertAppointment(server.app, a.company.id, { clientName: 'Entre processos' });
    const viaParent = await gql(server.url, `mutation { cancelAppointment(id: "${row.id}", reason: "teste") { status } }`, {}, a.writeKey);
    expect(viaParent.errors).toBeUndefined();
    // …and one on the child process.
    const other = await insertAppointment(server.app, a.company.id, { clientName: 'Outro' });
    const viaChild = await gql(childUrl, `mutation { cancelAppointment(id: "${other.id}") { status } }`, {}, a.writeKey);
    expect(viaChild.errors).toBeUndefined();

    await onChildA.waitFor(4);
    await onParentA.waitFor(4);
    await settle();
    const summary = (events: typeof onChildA.received) => events.map((e) => `${e.kind}:${e.appointment.clientName}`);
    expect(summary(onChildA.received)).toEqual(['CREATED:Entre processos', 'CANCELLED:Entre processos', 'CREATED:Outro', 'CANCELLED:Outro']);
    expect(summary(onParentA.received)).toEqual(summary(onChildA.received));
    expect(onChildB.received).toEqual([]);
    await Promise.all([onChildA.close(), onChildB.close(), onParentA.close()]);
  });

  it('stops gracefully on SIGTERM', async () => {
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  });
});
