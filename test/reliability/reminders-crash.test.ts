import 'reflect-metadata';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type Child } from '../../bench/support/processes.js';
import { startApp, type App } from '../../server/app.js';
import { WhaticketSandbox } from '../fakes/whaticket-sandbox.js';
import { seedCompany, TEST_APP_SECRET, testConfig } from '../support/app.js';
import { createTestDatabase } from '../support/database.js';
import { insertAppointment } from '../support/factories.js';
import { sleep, until } from '../support/wait.js';

const REMINDERS = 40;
const TOKEN = 'whaticket-reminder-crash';
/**
 * A send the killed worker had in flight is its pg-boss job's until the job expires
 * (SEND_RETRY.expireInSeconds = 60 s) or the WhatsApp sweep (every minute, rows a minute old)
 * re-enqueues it; then another worker sends it: about two minutes at worst (115 s seen under load).
 */
const RECOVERY_MS = 240_000;

/**
 * Two ROLE=worker processes (`node dist/server/main.js`) share one database; reminders fall due in a
 * burst, every Whaticket send is held 300 ms, and one worker is killed with SIGKILL while it has sends
 * in flight that Whaticket has not accepted yet (a client that goes away sends nothing, like a dropped
 * HTTP request). Every reminder must reach Whaticket exactly once: the reminder row is unique per
 * (appointment, offset), the claim and its outbox row commit together, and the outbox row is sent under
 * its row lock, so the survivor sends what the killed worker left and nothing it had delivered.
 *
 * The kill is placed deterministically: sends are held at Whaticket's door and the test waits until
 * every send Whaticket accepted is committed SENT. A crash in the few milliseconds between the
 * provider's acceptance and our commit would send that one reminder twice (at-least-once: none of
 * the providers takes an idempotency key, ARCHITECTURE §9); that window is documented, not tested.
 */
describe('reminders with two workers, one killed mid-send', () => {
  let api: App;
  let workers: Child[] = [];
  let drop: () => Promise<void>;
  let databaseUrl: string;
  const whaticket = new WhaticketSandbox({ tokens: [TOKEN] });
  let company: Awaited<ReturnType<typeof seedCompany>>;

  const startWorker = () => startServer({ databaseUrl, role: 'worker', logLevel: 'warn', env: { APP_SECRET: TEST_APP_SECRET, NODE_ENV: '' } });

  beforeAll(async () => {
    const db = await createTestDatabase('reminders_crash');
    databaseUrl = db.url;
    drop = db.drop;
    await whaticket.start();
    api = await startApp(testConfig(db.url, { role: 'api' }));
    company = await seedCompany(api, 'Clínica Dois Workers', { whaticketUrl: whaticket.url, whaticketToken: TOKEN, timezone: 'America/Sao_Paulo' });
    // One reminder per appointment, due at once (late rule), whatever the time of day of the run.
    await api.services.companies.update(api.orm.em.fork(), company.company.id, { reminderOffsetsMinutes: [1440], quietHoursStart: '', quietHoursEnd: '' }, { type: 'SYSTEM', id: null, label: 'teste' });
    workers = [await startWorker(), await startWorker()];
  });
  afterAll(async () => {
    for (const worker of workers) await worker.stop().catch(() => {});
    await api?.close();
    await whaticket.stop();
    await drop?.();
  });

  const sql = async <T,>(query: string, params: unknown[] = []) => (await api.orm.em.fork().getConnection().execute(query, params)) as T[];

  it('delivers each reminder exactly once', { timeout: RECOVERY_MS + 120_000 }, async () => {
    whaticket.stallNext(10_000, 300);
    const phones: string[] = [];
    const now = Date.now();
    for (let i = 0; i < REMINDERS; i++) {
      const phone = `55119${String(70_000_000 + i).padStart(8, '0')}`;
      phones.push(phone);
      // Three hours ahead: the 24 h moment has passed, so the reminder is due now.
      await insertAppointment(api, company.company.id, { start: new Date(now + 3 * 3_600_000 + i * 60_000), clientName: `Pessoa ${i}`, clientPhone: phone });
    }
    // Planned due now (the workers are already sending them).
    const planned = await sql<{ n: number }>(`select count(*)::int as n from appointment_reminders where company_id = ? and status in ('SCHEDULED', 'SENT')`, [company.company.id]);
    expect(planned[0]!.n).toBe(REMINDERS);

    await until('the first reminders sent', () => whaticket.sent().length >= 4, 60_000, 20);
    // Hold the next sends at Whaticket's door until both workers have some waiting (4 send slots
    // each, so 5 held means both) and every send Whaticket accepted is committed SENT.
    whaticket.holdSends();
    const committedSent = async () =>
      (await sql<{ n: number }>(`select count(*)::int as n from outbound_messages where company_id = ? and kind = 'REMINDER' and status = 'SENT'`, [company.company.id]))[0]!.n;
    await until('both workers with sends held', async () => whaticket.heldSends().held >= 5 && (await committedSent()) === whaticket.sent().length, 60_000, 20);
    const killed = workers.shift()!;
    expect(await killed.stop('SIGKILL')).toBeNull();
    const killedAt = Date.now();
    await until('the killed worker\'s held sends abandoned', () => whaticket.heldSends().abandoned >= 1, 10_000, 20);
    // Its connections closed together when it died; give this process's event loop a few turns to
    // read every one of them, or a held send of the dead worker would be accepted on release (the
    // at-least-once window above, reproduced by the sandbox instead of by the product).
    let settled = whaticket.heldSends().abandoned;
    for (let quiet = 0; quiet < 5; ) {
      await sleep(50);
      const now = whaticket.heldSends().abandoned;
      quiet = now === settled ? quiet + 1 : 0;
      settled = now;
    }
    const { held, abandoned } = whaticket.heldSends();
    console.log(`SIGKILL with ${whaticket.sent().length} reminders delivered, ${held} sends held, ${abandoned} of them the killed worker's`);
    whaticket.releaseSends();

    await until(
      'every reminder SENT',
      async () => (await sql<{ n: number }>(`select count(*)::int as n from appointment_reminders where company_id = ? and status = 'SENT'`, [company.company.id]))[0]!.n === REMINDERS,
      RECOVERY_MS,
      250,
    );
    console.log(`all ${REMINDERS} reminders SENT ${Date.now() - killedAt} ms after SIGKILL`);
    await sleep(1500); // anything sent twice would arrive by now

    const sent = whaticket.sent();
    for (const phone of phones) {
      const mine = sent.filter((m) => m.number === phone);
      expect(mine, `${phone}: one reminder`).toHaveLength(1);
      expect(mine[0]!.body).toMatch(/^Olá, Pessoa! Lembrete: sua reunião é hoje às /);
    }
    expect(sent).toHaveLength(REMINDERS);
    const outbound = await sql<{ n: number; keys: number }>(
      `select count(*)::int as n, count(distinct dedupe_key)::int as keys from outbound_messages where company_id = ? and kind = 'REMINDER'`,
      [company.company.id],
    );
    expect(outbound[0]).toEqual({ n: REMINDERS, keys: REMINDERS });
  });
});
