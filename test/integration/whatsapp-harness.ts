import 'reflect-metadata';
import { expect } from 'vitest';
import { startApp, type App } from '../../server/app.js';
import type { CalcomGateway } from '../../server/calcom/calcom.gateway.js';
import type { Config } from '../../server/config.js';
import { addDays, localDateOf, zonedTimeToUtc } from '../../server/whatsapp/date/index.js';
import { CalcomSandbox, DEFAULT_API_KEY, DEFAULT_EVENT_TYPE_ID } from '../fakes/calcom-sandbox.js';
import { sendInbound, WhaticketSandbox, type InboundMessage } from '../fakes/whaticket-sandbox.js';
import { seedCompany, testConfig } from '../support/app.js';
import { createTestDatabase } from '../support/database.js';

/**
 * A real server on its own database, wired to a Cal.com and a Whaticket sandbox, driven the way
 * Whaticket drives it: HTTP posts in, `POST /api/messages/send` out. Shared by the whatsapp-*.test.ts
 * files (not a test file itself).
 */

export const TZ = 'America/Sao_Paulo';
export const WHATICKET_TOKEN = 'whaticket-test-token';

export type Seeded = Awaited<ReturnType<typeof seedCompany>>;

export interface Harness {
  app: App;
  url: string;
  databaseUrl: string;
  calcom: CalcomSandbox;
  whaticket: WhaticketSandbox;
  company: Seeded;
  /** Stops the server (gracefully) and starts a new process on the same database. */
  restart(): Promise<void>;
  /** A second server instance on the same database (its own HTTP port and, unless `role: 'api'`, worker). */
  startPeer(overrides?: Partial<Config>): Promise<App>;
  stopPeer(peer: App): Promise<void>;
  close(): Promise<void>;
}

export async function startHarness(label: string): Promise<Harness> {
  const db = await createTestDatabase(label);
  // Open every day so that "amanhã à tarde" has slots whatever weekday the suite runs on.
  const calcom = new CalcomSandbox({ tenants: [{ workingHours: { days: [0, 1, 2, 3, 4, 5, 6], start: '09:00', end: '18:00' } }] });
  await calcom.start();
  const whaticket = new WhaticketSandbox({ tokens: [WHATICKET_TOKEN] });
  await whaticket.start();
  const peers: App[] = [];

  const boot = async (overrides: Partial<Config> = {}) => {
    const app = await startApp(testConfig(db.url, overrides));
    // Cal.com retries in milliseconds, not seconds: failure tests stay fast.
    (app.services.calendar as CalcomGateway).clientOptions = { baseBackoffMs: 5, maxRetryWaitMs: 50 };
    return app;
  };
  const app = await boot();
  const company = await seedCompany(app, 'Clínica Alfa', {
    calApiUrl: calcom.url,
    calApiKey: DEFAULT_API_KEY,
    calEventTypeId: DEFAULT_EVENT_TYPE_ID,
    whaticketUrl: whaticket.url,
    whaticketToken: WHATICKET_TOKEN,
    timezone: TZ,
  });

  const harness: Harness = {
    app,
    url: app.url!,
    databaseUrl: db.url,
    calcom,
    whaticket,
    company,
    restart: async () => {
      await harness.app.close();
      harness.app = await boot();
      harness.url = harness.app.url!;
    },
    startPeer: async (overrides) => {
      const peer = await boot(overrides);
      peers.push(peer);
      return peer;
    },
    stopPeer: async (peer) => {
      peers.splice(peers.indexOf(peer), 1);
      await peer.close();
    },
    close: async () => {
      for (const peer of peers) await peer.close();
      await harness.app.close();
      await calcom.stop();
      await whaticket.stop();
      await db.drop();
    },
  };
  return harness;
}

let phoneSequence = 0;

/** A fresh Brazilian mobile per conversation (13 digits, the canonical form). */
export function newPhone(area = '11'): string {
  phoneSequence += 1;
  return `55${area}9${String(7000_0000 + Math.floor(Math.random() * 1000) * 1000 + phoneSequence).slice(-8)}`;
}

/** A person on WhatsApp, as Whaticket delivers their messages. */
export class Person {
  constructor(
    private readonly h: Harness,
    readonly phone: string,
    readonly name = 'Maria Souza',
    private readonly company: { id: string; token: string } = { id: h.company.company.id, token: h.company.inboundToken },
  ) {}

  /** Posts a message (Baileys form unless told otherwise) and expects 200. */
  async say(text: string, options: Partial<InboundMessage> & { url?: string } = {}): Promise<{ status: number; body: unknown; id: string }> {
    const result = await sendInbound(options.url ?? this.h.url, this.company.id, this.company.token, {
      from: this.phone,
      text,
      name: this.name,
      form: 'baileys',
      ...options,
    });
    if (result.status !== 200) throw new Error(`inbound answered ${result.status}: ${JSON.stringify(result.body)}`);
    return result;
  }

  /** Everything Whaticket sent to this person so far. */
  received(): string[] {
    return this.h.whaticket.sent().filter((m) => m.number === this.phone).map((m) => m.body);
  }

  /** Waits until `count` more messages than `since` reached this person; returns the new ones. */
  async replies(count: number, since: number, timeoutMs = 8_000): Promise<string[]> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const all = this.received();
      if (all.length >= since + count) return all.slice(since);
      if (Date.now() > deadline) {
        throw new Error(`expected ${count} replies to ${this.phone}, got ${all.length - since}: ${JSON.stringify(all.slice(since))}`);
      }
      await sleep(25);
    }
  }

  /** Says `text` and returns the `count` replies it produced. */
  async ask(text: string, count = 1, options: Partial<InboundMessage> & { url?: string } = {}): Promise<string[]> {
    const before = this.received().length;
    await this.say(text, options);
    return this.replies(count, before);
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Polls `check` until it returns a truthy value. */
export async function eventually<T>(check: () => Promise<T | null | undefined | false> | T | null | undefined | false, timeoutMs = 8_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await sleep(25);
  }
}

/** `days` from today in the company zone, at `hour:minute` local time. */
export function localSlot(days: number, hour: number, minute = 0, now = new Date()): Date {
  return zonedTimeToUtc(addDays(localDateOf(now, TZ), days), hour * 60 + minute, TZ);
}

/** Runs SQL on the harness database (through the app's ORM); any test server will do. */
export async function sql<T = Record<string, any>>(h: { app: App }, query: string, params: unknown[] = []): Promise<T[]> {
  return (await h.app.orm.em.fork().execute(query, params)) as T[];
}

/** Rows of the tables an inbound request may write: equal before and after = nothing stored. */
export async function counts(h: Harness): Promise<{ inbound: number; outbound: number; contacts: number }> {
  const rows = await sql<{ inbound: number; outbound: number; contacts: number }>(
    h,
    `select (select count(*) from inbound_messages)::int as inbound, (select count(*) from outbound_messages)::int as outbound, (select count(*) from contacts)::int as contacts`,
  );
  return rows[0]!;
}

/**
 * A provider's inbound route answers a server, not a browser: no page security headers (CSP,
 * X-Frame-Options), but nosniff and the request id stay.
 */
export function expectMachineOnlyHeaders(response: Response): void {
  expect(response.headers.get('x-content-type-options')).toBe('nosniff');
  expect(response.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  expect(response.headers.get('content-security-policy')).toBeNull();
  expect(response.headers.get('x-frame-options')).toBeNull();
}

/** The panel's routes (GraphQL here) keep the page security headers. */
export async function expectPageHeaders(url: string): Promise<void> {
  const graphql = await fetch(`${url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"query":"{ __typename }"}' });
  expect(graphql.headers.get('content-security-policy')).toContain("default-src 'self'");
  expect(graphql.headers.get('x-frame-options')).toBe('SAMEORIGIN');
}

/**
 * Waits until every stored message from `phone` is past RECEIVED, then counts the outbox rows to that
 * phone: a turn writes its replies in the transaction that marks its message PROCESSED, so the count
 * is final for what was received (no sleep needed to prove nothing more was sent).
 */
export async function outboundAfterInbound(h: Harness, phone: string): Promise<number> {
  await eventually(async () => (await sql<{ n: number }>(h, `select count(*)::int as n from inbound_messages where phone = ? and status = 'RECEIVED'`, [phone]))[0]!.n === 0, 15_000);
  return (await sql<{ n: number }>(h, 'select count(*)::int as n from outbound_messages where phone = ?', [phone]))[0]!.n;
}

export interface ConversationRow {
  state: string;
  data: { offer?: { slots: string[]; purpose?: string; appointmentId?: string }; reminder?: { appointmentId: string } };
}

/** The persisted conversation of a contact of `companyId`, if any. */
export async function conversationOf(h: { app: App }, companyId: string, phone: string): Promise<ConversationRow | undefined> {
  const rows = await sql<ConversationRow>(
    h,
    `select c.state, c.data from conversations c join contacts p on p.id = c.contact_id where c.company_id = ? and p.phone = ?`,
    [companyId, phone],
  );
  return rows[0];
}

/** The slots currently offered to a contact (from the persisted conversation); the harness company unless told. */
export async function offeredSlots(h: Harness, phone: string, companyId = h.company.company.id): Promise<Date[]> {
  return ((await conversationOf(h, companyId, phone))?.data.offer?.slots ?? []).map((s) => new Date(s));
}
