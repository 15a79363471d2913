import { randomUUID } from 'node:crypto';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { databaseTrouble } from '../../server/platform/database-errors.js';
import { migrate, type EntityManager, type MikroORM } from '../../server/platform/database.js';
import { createMetrics } from '../../server/platform/metrics.js';
import { openOrm } from '../../server/wiring/database.js';
import type { Handoff } from '../../server/whatsapp/handoff.js';
import type { InboundText } from '../../server/whatsapp/inbound-payload.js';
import { InboundStore } from '../../server/whatsapp/inbound-store.js';
import { createTestDatabase } from '../support/database.js';

/**
 * InboundStore's fallback when a batch insert fails: the rows are retried one at a time (a bad row
 * fails alone, without a connection per row), and not at all when the database is away.
 */
type StoreMany = (em: EntityManager, rows: Array<{ id: string }>) => Promise<unknown[]>;

let orm: MikroORM;
let drop: () => Promise<void>;
let dbUrl: string;
let companyId: string;

/** A fresh store (its batcher binds the first caller's EntityManager) that wakes no one. */
function newStore(): InboundStore {
  const store = new InboundStore({} as Handoff, createMetrics());
  store.dispatcher = { wake() {} };
  return store;
}

const message = (i: number): InboundText => ({ kind: 'message', messageId: `m-${randomUUID()}`, phone: `55119${String(i).padStart(8, '0')}`, contactPhone: '', name: `Pessoa ${i}`, text: `oi ${i}` });

/**
 * Twelve messages at once: the batcher sends the first four alone (its statements in flight), the
 * other eight queue and go together as one batch.
 */
const BURST = 12;
const BATCHED = BURST - 4;

/** Wraps the store's insert: counts statements and the largest number of row-by-row retries running at once. */
function watchInserts(store: InboundStore) {
  const target = store as unknown as { storeMany: StoreMany };
  const original = target.storeMany.bind(store);
  const calls: number[] = [];
  const failedBatch = new Set<string>();
  let retrying = 0;
  let maxRetrying = 0;
  let retries = 0;
  vi.spyOn(target, 'storeMany').mockImplementation(async (em, rows) => {
    calls.push(rows.length);
    const retry = rows.length === 1 && failedBatch.has(rows[0]!.id);
    if (retry) {
      retries += 1;
      maxRetrying = Math.max(maxRetrying, ++retrying);
    }
    try {
      return await original(em, rows);
    } catch (error) {
      if (rows.length > 1) rows.forEach((r) => failedBatch.add(r.id));
      throw error;
    } finally {
      if (retry) retrying -= 1;
    }
  });
  return { calls, failedBatch, stats: () => ({ retries, maxRetrying }) };
}

/** A TCP relay to the database of `url`; `cut()` stops it as a database going away would. */
async function relayTo(url: string): Promise<{ url: string; cut: () => Promise<void> }> {
  const target = new URL(url);
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    const upstream = connect(Number(target.port || 5432), target.hostname);
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on('error', () => undefined);
      socket.on('close', () => {
        sockets.delete(socket);
        client.destroy();
        upstream.destroy();
      });
    }
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const relayed = new URL(url);
  relayed.hostname = '127.0.0.1';
  relayed.port = String((server.address() as { port: number }).port);
  return {
    url: relayed.toString(),
    cut: async () => {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const socket of sockets) socket.destroy();
      await closed;
    },
  };
}

beforeAll(async () => {
  const db = await createTestDatabase('inbound_store');
  drop = db.drop;
  dbUrl = db.url;
  orm = await openOrm(db.url, 4);
  await migrate(orm);
  companyId = randomUUID();
  await orm.em.getConnection().execute(`insert into companies (id, name) values (?, 'Clínica Inbound')`, [companyId]);
});

afterAll(async () => {
  vi.restoreAllMocks();
  await orm?.close(true);
  await drop?.();
});

describe('InboundStore: a failed batch', () => {
  it('retries its rows one at a time: the bad row fails alone, the others are stored once', async () => {
    const store = newStore();
    const watch = watchInserts(store);
    const messages = Array.from({ length: BURST }, (_, i) => message(i));
    // A company that does not exist: its row violates the foreign key, inside the queued batch.
    const ghostAt = BURST - 2;
    const outcomes = await Promise.allSettled(messages.map((m, i) => store.receive(orm.em, i === ghostAt ? randomUUID() : companyId, m, { provider: 'whaticket' })));
    expect(outcomes.map((o) => o.status)).toEqual(messages.map((_, i) => (i === ghostAt ? 'rejected' : 'fulfilled')));
    expect(watch.failedBatch.size).toBe(BATCHED);
    expect(watch.stats()).toEqual({ retries: BATCHED, maxRetrying: 1 });
    const stored = await orm.em.fork().getConnection().execute<Array<{ n: number }>>(
      `select count(*)::int as n from inbound_messages where message_id in (${messages.map(() => '?').join(', ')})`,
      messages.map((m) => m.messageId),
    );
    expect(stored[0]!.n).toBe(BURST - 1);
  });

  it('is not retried row by row when the database is away: every message gets the unavailable error', async () => {
    // The database behind a TCP relay that is then cut: open connections reset, new ones refused.
    const relay = await relayTo(dbUrl);
    const away = await openOrm(relay.url, 4);
    await relay.cut();
    try {
      const store = newStore();
      const watch = watchInserts(store);
      const messages = Array.from({ length: BURST }, (_, i) => message(i));
      const outcomes = await Promise.allSettled(messages.map((m) => store.receive(away.em, companyId, m, { provider: 'whaticket' })));
      expect(outcomes.map((o) => (o.status === 'rejected' ? databaseTrouble(o.reason) : o.status))).toEqual(messages.map(() => 'unavailable'));
      // The four lone statements and the one batch: no row of the batch tried on its own.
      expect(watch.calls.sort((a, b) => a - b)).toEqual([1, 1, 1, 1, BATCHED]);
      expect(watch.stats().retries).toBe(0);
    } finally {
      await away.close(true);
    }
  });
});
