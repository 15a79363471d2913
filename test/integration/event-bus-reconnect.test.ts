import { createServer, connect, type Server, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../server/platform/logger.js';
import { PgEventBus } from '../../server/platform/pubsub.js';
import { createTestDatabase, queryOnce } from '../support/database.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * A TCP relay to the test PostgreSQL that can go away (connections cut, port refusing) and come back
 * at the same address: a database restart as the event bus sees it.
 */
class Relay {
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();
  constructor(readonly port: number, private readonly target: { host: string; port: number }) {}

  async up(): Promise<void> {
    this.server = createServer((client) => {
      const upstream = connect(this.target.port, this.target.host);
      for (const s of [client, upstream]) {
        this.sockets.add(s);
        s.on('close', () => this.sockets.delete(s));
        s.on('error', () => {});
      }
      client.pipe(upstream).pipe(client);
    });
    await new Promise<void>((resolve) => this.server!.listen(this.port, '127.0.0.1', resolve));
  }

  async down(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
    this.server = undefined;
  }
}

describe(PgEventBus.name, () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  let relay: Relay;
  let sut: PgEventBus;

  beforeAll(async () => {
    db = await createTestDatabase('event_bus_reconnect');
    const target = new URL(db.url);
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const port = (probe.address() as { port: number }).port;
    await new Promise<void>((resolve) => probe.close(() => resolve()));
    relay = new Relay(port, { host: target.hostname, port: Number(target.port) });
    await relay.up();
    const viaRelay = new URL(db.url);
    viaRelay.hostname = '127.0.0.1';
    viaRelay.port = String(port);
    sut = new PgEventBus(viaRelay.toString(), createLogger('silent'));
    await sut.start();
  });
  afterAll(async () => {
    await sut?.stop();
    await relay?.down();
    await db?.drop();
  });

  it('delivers each event once after the database was away through several failed reconnects', async () => {
    const events = sut.subscribe('test', 'empresa');
    await relay.down();
    // Reconnects are tried after 250, 500, 1000 ms...: several fail while it is away.
    await sleep(2000);
    await relay.up();

    const notify = (n: number) => queryOnce(db.url, `select pg_notify('secretaria_events', $1)`, [JSON.stringify({ topic: 'test', companyId: 'empresa', payload: n })]);
    const received: unknown[] = [];
    const reader = (async () => {
      for await (const event of events) received.push(event);
    })();
    // Back once an event goes through (the reconnect delay grew to a few seconds).
    const deadline = Date.now() + 20_000;
    let n = 0;
    while (received.length === 0 && Date.now() < deadline) {
      await notify(n++);
      await sleep(200);
    }
    expect(received.length).toBeGreaterThan(0);
    await sleep(3000); // time for any other reconnect chain to come back too
    received.length = 0;
    await notify(1000);
    await sleep(500);
    expect(received).toEqual([1000]);
    await events.return?.();
    await reader;
  });
});
