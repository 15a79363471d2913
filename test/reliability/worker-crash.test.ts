import 'reflect-metadata';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type Child } from '../../bench/support/processes.js';
import { startApp, type App } from '../../server/app.js';
import { confirmationMessage } from '../../server/whatsapp/replies.js';
import { CalcomSandbox, DEFAULT_API_KEY, DEFAULT_EVENT_TYPE_ID } from '../fakes/calcom-sandbox.js';
import { sendInbound, WhaticketSandbox } from '../fakes/whaticket-sandbox.js';
import { seedCompany, TEST_APP_SECRET, testConfig } from '../support/app.js';
import { createTestDatabase } from '../support/database.js';
import { sleep, until } from '../support/wait.js';

const PEOPLE = 12;
const TZ = 'America/Sao_Paulo';
const WHATICKET_TOKEN = 'whaticket-crash-token';
const WEBHOOK_SECRET = 'segredo-crash';
/**
 * The restarted worker re-enqueues what its predecessor had in flight (`requeueInFlight`), so the
 * answers come within seconds; without it only the sweep (messages a minute old, every minute) or
 * pg-boss's expiry of the dead worker's jobs (5 minutes) would, well after this.
 */
const RECOVERY_MS = 40_000;


/**
 * ROLE=api in this process, ROLE=worker as a separate `node dist/server/main.js`, killed with SIGKILL
 * while it is inside Cal.com booking calls, then started again. Cal.com (a sandbox that keeps
 * processing a request whose client died, and sends its webhooks to us) and Whaticket are sandboxes.
 */
describe('worker killed in the middle of booking jobs', () => {
  let api: App;
  let worker: Child | undefined;
  let drop: () => Promise<void>;
  let databaseUrl: string;
  const calcom = new CalcomSandbox({ tenants: [{ workingHours: { days: [0, 1, 2, 3, 4, 5, 6], start: '09:00', end: '18:00' } }] });
  const whaticket = new WhaticketSandbox({ tokens: [WHATICKET_TOKEN] });
  let company: Awaited<ReturnType<typeof seedCompany>>;

  const startWorker = () => startServer({ databaseUrl, role: 'worker', logLevel: 'warn', env: { APP_SECRET: TEST_APP_SECRET, NODE_ENV: '' } });

  beforeAll(async () => {
    const db = await createTestDatabase('worker_crash');
    databaseUrl = db.url;
    drop = db.drop;
    await calcom.start();
    await whaticket.start();
    api = await startApp(testConfig(db.url, { role: 'api' }));
    company = await seedCompany(api, 'Clínica Crash', {
      calApiUrl: calcom.url,
      calApiKey: DEFAULT_API_KEY,
      calEventTypeId: DEFAULT_EVENT_TYPE_ID,
      calWebhookSecret: WEBHOOK_SECRET,
      whaticketUrl: whaticket.url,
      whaticketToken: WHATICKET_TOKEN,
      timezone: TZ,
    });
    calcom.tenant().webhook = { url: `${api.url}/api/agenda/webhook/cal`, secret: WEBHOOK_SECRET, companyId: company.company.id };
    worker = await startWorker();
  });
  afterAll(async () => {
    await worker?.stop();
    await api?.close();
    await calcom.stop();
    await whaticket.stop();
    await drop?.();
  });

  const say = async (phone: string, text: string) => {
    const result = await sendInbound(api.url!, company.company.id, company.inboundToken, { from: phone, text, name: `Pessoa ${phone.slice(-2)}`, form: 'simple' });
    expect(result.status).toBe(200);
  };
  const received = (phone: string) => whaticket.sent().filter((m) => m.number === phone).map((m) => m.body);
  const sql = async <T,>(query: string, params: unknown[] = []) => (await api.orm.em.fork().getConnection().execute(query, params)) as T[];

  it('books each chosen slot exactly once and sends each reply once after SIGKILL and a restart', async () => {
    // Twelve people, twelve different windows (days 2–7, morning or afternoon): no contention here.
    const people = Array.from({ length: PEOPLE }, (_, i) => ({
      phone: `55119${String(61_000_000 + i).padStart(8, '0')}`,
      ask: `quero marcar reunião daqui a ${2 + (i % 6)} dias ${i < 6 ? 'de manhã' : 'à tarde'}`,
    }));
    for (const p of people) await say(p.phone, p.ask);
    await until('every options reply', () => people.every((p) => received(p.phone).length === 1), 30_000);
    const offers = new Map<string, Date[]>();
    for (const p of people) {
      const [row] = await sql<{ data: { offer?: { slots: string[] } } }>(
        'select c.data from conversations c join contacts p on p.id = c.contact_id where c.company_id = ? and p.phone = ?',
        [company.company.id, p.phone],
      );
      offers.set(p.phone, row!.data.offer!.slots.map((s) => new Date(s)));
    }

    // Cal.com answers slowly: the single worker is inside a booking call when it is killed.
    calcom.latencyMs = 400;
    const bookingPosts = () => calcom.requests.filter((r) => r.method === 'POST' && r.path === '/v2/bookings').length;
    for (const p of people) await say(p.phone, '1');
    await until('the first Cal.com booking call', () => bookingPosts() >= 1, 30_000);
    expect(await worker!.stop('SIGKILL')).toBeNull();
    const killedAt = Date.now();
    const confirmationsAtKill = people.filter((p) => received(p.phone).length > 1).length;
    calcom.latencyMs = 0;
    await sleep(1000); // Cal.com finishes the abandoned call and sends its webhook meanwhile
    worker = await startWorker();

    await until('a confirmation for everyone', () => people.every((p) => received(p.phone).length >= 2), RECOVERY_MS);
    const recoveredInMs = Date.now() - killedAt;
    await until('all messages processed', async () => (await sql<{ n: number }>(`select count(*)::int as n from inbound_messages where status = 'RECEIVED'`))[0]!.n === 0, 30_000);
    await calcom.flushWebhooks();
    await sleep(1500); // anything sent twice would arrive by now
    console.log(`recovered ${PEOPLE} bookings in ${recoveredInMs} ms after SIGKILL (${confirmationsAtKill} confirmed before it)`);

    const live = await sql<{ id: string; client_phone: string; start_at: Date; status: string; cal_booking_uid: string | null; meeting_url: string | null }>(
      `select id, client_phone, start_at, status, cal_booking_uid, meeting_url from appointments where company_id = ? and status <> 'CANCELLED' order by client_phone`,
      [company.company.id],
    );
    const calLive = calcom.bookings().filter((b) => b.status === 'accepted');
    for (const p of people) {
      const slot = offers.get(p.phone)![0]!;
      const mine = live.filter((a) => a.client_phone === p.phone);
      expect(mine, `${p.phone}: one live appointment`).toHaveLength(1);
      expect(new Date(mine[0]!.start_at)).toEqual(slot);
      expect(mine[0]!.status).toBe('CONFIRMED');
      expect(calLive.filter((b) => b.start === slot.toISOString()), `${p.phone}: one live Cal.com booking`).toHaveLength(1);
      expect(calLive.find((b) => b.start === slot.toISOString())!.uid).toBe(mine[0]!.cal_booking_uid);
      const replies = received(p.phone);
      expect(replies, `${p.phone}: options once, confirmation once`).toHaveLength(2);
      expect(replies[0]).toMatch(/^Tenho estes horários disponíveis/);
      expect(replies[1]).toBe(confirmationMessage(slot, mine[0]!.meeting_url, new Date(), TZ));
    }
    expect(live).toHaveLength(PEOPLE);
  });
  it('books once and confirms once when the worker dies after claiming the slot but before Cal.com booked it', async () => {
    const phone = '5511962000001';
    await say(phone, 'quero marcar reunião daqui a 9 dias de manhã');
    await until('the options reply', () => received(phone).length === 1, 30_000);
    const [row] = await sql<{ data: { offer?: { slots: string[] } } }>(
      'select c.data from conversations c join contacts p on p.id = c.contact_id where c.company_id = ? and p.phone = ?',
      [company.company.id, phone],
    );
    const slot = new Date(row!.data.offer!.slots[0]!);

    // Cal.com holds the request; when its client is gone it drops it without booking.
    const posts = calcom.requests.filter((r) => r.method === 'POST' && r.path === '/v2/bookings').length;
    calcom.stallNext(1, 3000, { when: 'before', match: { method: 'POST', path: '/v2/bookings' } });
    await say(phone, '1');
    await until('the Cal.com booking call', () => calcom.requests.filter((r) => r.method === 'POST' && r.path === '/v2/bookings').length > posts, 30_000);
    const claims = await sql<{ status: string }>('select status from appointments where company_id = ? and start_at = ?', [company.company.id, slot]);
    expect(claims.map((c) => c.status)).toEqual(['PENDING']);
    expect(await worker!.stop('SIGKILL')).toBeNull();
    await sleep(3500); // Cal.com gives up on the dead connection without booking
    expect(calcom.bookings().filter((b) => b.start === slot.toISOString())).toEqual([]);
    worker = await startWorker();
    const killedAt = Date.now();

    await until('a second reply', () => received(phone).length >= 2, RECOVERY_MS);
    console.log(`answered ${Date.now() - killedAt} ms after SIGKILL: ${JSON.stringify(received(phone).slice(1))}`);
    await until('all messages processed', async () => (await sql<{ n: number }>(`select count(*)::int as n from inbound_messages where status = 'RECEIVED'`))[0]!.n === 0, 30_000);
    await calcom.flushWebhooks();
    await sleep(1500);
    const live = await sql<{ start_at: Date; status: string; meeting_url: string | null }>(
      `select start_at, status, meeting_url from appointments where company_id = ? and client_phone = ? and status <> 'CANCELLED'`,
      [company.company.id, phone],
    );
    expect(live).toHaveLength(1);
    expect(new Date(live[0]!.start_at)).toEqual(slot);
    expect(received(phone).slice(1)).toEqual([confirmationMessage(slot, live[0]!.meeting_url, new Date(), TZ)]);
    expect(live[0]!.status).toBe('CONFIRMED');
    expect(calcom.bookings().filter((b) => b.start === slot.toISOString() && b.status === 'accepted')).toHaveLength(1);
  });
});
