import { Appointment } from '../server/appointments/appointment.entity.js';
import { createMetrics } from '../server/platform/metrics.js';
import { ReminderService } from '../server/reminders/reminder.service.js';
import { openOrm } from '../server/wiring/database.js';
import { withClient } from './support/cluster.js';
import { fmt, type BenchContext, type Section } from './support/context.js';
import { sleep, startSandboxes, startServer } from './support/processes.js';
import { seedCompanies } from './support/seed.js';
import { distribution, round } from './support/stats.js';

const REMINDERS = 10_000;
/** Of them, due at once (appointments starting within the next 24 h: the late rule sends the 24 h one now). */
const DUE = 2_000;
const COMPANIES = 10;
const PLAN_BATCH = 100;
const TARGET_RATE = 50;
/** The claim ReminderService.sweep runs (CLAIM_BATCH = 50). */
const SWEEP_QUERY = `select id, company_id, appointment_id, offset_minutes, round from appointment_reminders
  where status = 'SCHEDULED' and outbound_message_id is null and due_at <= $1
  order by due_at limit 50 for update skip locked`;

/**
 * Reminders (ARCHITECTURE §9): 10,000 appointments across 10 companies (one 24 h reminder each)
 * planned through ReminderService, as an appointment write does; 2,000 of them start within 24 h,
 * so their reminder is due at once. Then one ROLE=worker process sends the due ones through the
 * outbox to the Whaticket sandbox (zero latency, own process): the rate is sends received by
 * Whaticket per second, first to last; SENT means the reminder row was reconciled with its message.
 * The sweep's query plan is taken with 10,000 rows in the table.
 */
export async function benchReminders(ctx: BenchContext): Promise<Section> {
  const sandboxes = await startSandboxes();
  // Stopped whatever happens (a failed seed or send must not leave the sandboxes process behind).
  try {
    return await measureReminders(ctx, sandboxes);
  } finally {
    await sandboxes.child.stop();
  }
}

async function measureReminders(ctx: BenchContext, sandboxes: Awaited<ReturnType<typeof startSandboxes>>): Promise<Section> {
  const total = ctx.quick ? REMINDERS / 5 : REMINDERS;
  const due = ctx.quick ? DUE / 5 : DUE;
  const url = await ctx.cluster.createDatabase('bench_reminders');
  const companies = await seedCompanies(url, COMPANIES, {
    timezone: 'America/Sao_Paulo',
    whaticketUrl: sandboxes.whaticketUrl,
    whaticketToken: sandboxes.whaticketToken,
    // One reminder per appointment, and no quiet hours: the due ones go now whatever the hour of the run.
    reminderOffsetsMinutes: [1440],
    quietHoursStart: '',
    quietHoursEnd: '',
  });
  const ids = companies.map((c) => c.id);
  const now = Date.now();
  // Due ones start 1–23 h from now; the rest 2–30 days ahead (spread so no two share a minute per company).
  await withClient(url, async (client) => {
    await client.query(
      `insert into appointments (id, company_id, status, title, start_at, end_at, client_name, client_phone, source, search_text, created_at, updated_at)
       select gen_random_uuid(), ($1::uuid[])[1 + k % $2::int], 'CONFIRMED', 'Reunião ' || k,
              case when k < $3::int then $4::timestamptz + interval '1 hour' + k * (interval '22 hours' / $3::int)
                   else $4::timestamptz + interval '2 days' + (k - $3::int) * (interval '28 days' / ($5::int - $3::int)) end,
              case when k < $3::int then $4::timestamptz + interval '90 minutes' + k * (interval '22 hours' / $3::int)
                   else $4::timestamptz + interval '2 days 30 minutes' + (k - $3::int) * (interval '28 days' / ($5::int - $3::int)) end,
              'Cliente ' || k, '55119' || lpad((60000000 + k)::text, 8, '0'), 'CALCOM', 'cliente ' || k, now(), now()
         from generate_series(0, $5::int - 1) as k`,
      [ids, ids.length, due, new Date(now).toISOString(), total],
    );
    await client.query('vacuum analyze appointments');
  });

  // 1. Planning through the service (what every appointment write runs in its transaction).
  const orm = await openOrm(url, 4);
  const planner = new ReminderService({ metrics: createMetrics(), channel: { queue: () => Promise.reject(new Error('not sending here')), enqueue: async () => {} } });
  const planStarted = performance.now();
  try {
    for (let offset = 0; offset < total; offset += PLAN_BATCH) {
      const em = orm.em.fork();
      const rows = await em.find(Appointment, {}, { orderBy: { id: 'asc' }, limit: PLAN_BATCH, offset });
      await em.transactional(async (tx) => {
        for (const row of rows) await planner.appointmentChanged(tx, row);
      });
    }
  } finally {
    await orm.close(true);
  }
  const planSeconds = (performance.now() - planStarted) / 1000;
  const counts = await withClient(url, async (client) => {
    await client.query('vacuum analyze appointment_reminders');
    const r = await client.query<{ status: string; due: boolean; n: string }>(
      `select status, due_at <= now() as due, count(*) as n from appointment_reminders group by 1, 2`,
    );
    return r.rows.map((row) => ({ status: row.status, due: row.due, n: Number(row.n) }));
  });
  const planned = counts.reduce((sum, c) => sum + c.n, 0);
  const dueNow = counts.filter((c) => c.due && c.status === 'SCHEDULED').reduce((sum, c) => sum + c.n, 0);
  ctx.log(`reminders: planned ${planned} in ${planSeconds.toFixed(1)} s; ${dueNow} due now`);

  // 2. The sweep's plan on the full table.
  const plan = await withClient(url, async (client) => {
    await client.query('begin');
    const r = await client.query<{ 'QUERY PLAN': string }>(`explain ${SWEEP_QUERY}`, [new Date().toISOString()]);
    await client.query('rollback');
    return r.rows.map((row) => row['QUERY PLAN']);
  });
  const usesIndex = plan.some((line) => line.includes('appointment_reminders_due_idx'));

  // 3. Sending: one worker process drains the due reminders into Whaticket.
  const sentBefore = sandboxes.sent.length;
  const started = Date.now();
  const worker = await startServer({ databaseUrl: url, role: 'worker', logLevel: 'warn' });
  let sentRows = 0;
  try {
    const deadline = Date.now() + Math.max(120_000, (dueNow / TARGET_RATE) * 4000);
    while (Date.now() < deadline) {
      sentRows = await withClient(url, async (c) => Number((await c.query<{ n: string }>(`select count(*) as n from appointment_reminders where status = 'SENT'`)).rows[0]!.n));
      if (sentRows >= dueNow && sandboxes.sent.length - sentBefore >= dueNow) break;
      await sleep(250);
    }
  } finally {
    await worker.stop();
  }
  const sends = sandboxes.sent.slice(sentBefore);
  const times = sends.map((s) => s.at).sort((a, b) => a - b);
  const first = times[0] ?? started;
  const last = times.at(-1) ?? started;
  const rate = sends.length > 1 ? (sends.length - 1) / ((last - first) / 1000) : 0;
  const perPhone = new Map<string, number>();
  for (const s of sends) perPhone.set(s.number, (perPhone.get(s.number) ?? 0) + 1);
  const duplicates = [...perPhone.values()].filter((n) => n > 1).length;
  // Per-second buckets: "sustained" means the slowest full second too.
  const buckets = new Map<number, number>();
  for (const t of times) buckets.set(Math.floor((t - first) / 1000), (buckets.get(Math.floor((t - first) / 1000)) ?? 0) + 1);
  const fullSeconds = [...buckets.entries()].filter(([second]) => second < Math.floor((last - first) / 1000)).map(([, n]) => n);
  const perSecond = distribution(fullSeconds.length ? fullSeconds : [sends.length]);
  const slowestSecond = fullSeconds.length ? Math.min(...fullSeconds) : sends.length;
  ctx.log(`reminders: ${sends.length} sent at ${rate.toFixed(0)}/s (slowest second ${slowestSecond}), duplicates ${duplicates}, SENT rows ${sentRows}`);

  return {
    id: 'reminders',
    title: `Reminders: ${total.toLocaleString('en-US')} scheduled, the ${dueNow.toLocaleString('en-US')} due ones sent through the outbox to Whaticket`,
    command: 'BENCH_ONLY=reminders npm run bench',
    figures: [
      { metric: `Reminders: planning ${total.toLocaleString('en-US')} appointments through ReminderService`, value: `${planned} rows in ${fmt.s(planSeconds * 1000)} (${Math.round(total / planSeconds)} appointments/s)`, target: '—', pass: null },
      {
        metric: `Reminders: due ones sent (received by Whaticket), first → last, one worker`,
        value: `${sends.length} of ${dueNow} at ${rate.toFixed(0)}/s (slowest full second ${slowestSecond}/s, p50 ${round(perSecond.p50)}/s); duplicates ${duplicates}; SENT rows ${sentRows}`,
        target: `≥ ${TARGET_RATE}/s, all once`,
        pass: rate >= TARGET_RATE && sends.length === dueNow && duplicates === 0 && sentRows === dueNow,
      },
      { metric: 'Reminders: the sweep query uses the partial index appointment_reminders_due_idx', value: usesIndex ? 'yes' : 'no', target: 'yes', pass: usesIndex },
    ],
    tables: [
      { title: 'Reminder rows after planning', header: ['status', 'due now', 'rows'], rows: counts.map((c) => [c.status, c.due ? 'yes' : 'no', c.n]) },
      { title: `EXPLAIN of the sweep's claim (${planned} rows)`, header: ['plan'], rows: plan.map((line) => [line]) },
    ],
    notes: [
      'The worker claims a due reminder and inserts its outbox row in one transaction (FOR UPDATE SKIP LOCKED), 50 per sweep step; the outbox sends them through pg-boss (whatsapp.send, 4 handlers per process).',
      'Sandboxes (bench/sandboxes-server.ts) run in their own process; send times are taken there when the request body has been read.',
    ],
    raw: { total, due: dueNow, planned, planSeconds, sends: sends.length, rate, duplicates, sentRows, perSecond, plan, counts },
  };
}
