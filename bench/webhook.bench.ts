import type { RawRequest } from 'autocannon';
import { envelopeOf, signedHeaders, WEBHOOK_PATH, type BookingEventSpec } from '../test/reliability/support/webhooks.js';
import { withClient } from './support/cluster.js';
import { fmt, type BenchContext, type Section } from './support/context.js';
import { runLoad, type LoadResult } from './support/load.js';
import { startBaseline, startServer } from './support/processes.js';
import { seedCompanies, WEBHOOK_SECRET } from './support/seed.js';
import { round } from './support/stats.js';

const CONNECTIONS = 32;
const DRAIN_LIMIT_SECONDS = 120;

/** Waits (bounded) until the server has applied every stored delivery; how many there were and how long it took. */
async function drainPending(url: string): Promise<{ pendingAtEnd: number; seconds: number; left: number }> {
  const pending = () => withClient(url, async (c) => Number((await c.query<{ n: string }>(`select count(*) as n from webhook_deliveries where outcome = 'pending'`)).rows[0]!.n));
  const started = Date.now();
  const pendingAtEnd = await pending();
  let left = pendingAtEnd;
  while (left > 0 && Date.now() - started < DRAIN_LIMIT_SECONDS * 1000) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    left = await pending();
  }
  return { pendingAtEnd, seconds: round((Date.now() - started) / 1000, 2), left };
}

/**
 * Signed BOOKING_CREATED → BOOKING_RESCHEDULED → BOOKING_CANCELLED deliveries (every body new, in
 * Cal.com's order per booking, 32 connections) against a bare route that verifies the HMAC and
 * inserts one row.
 */
export async function benchWebhook(ctx: BenchContext): Promise<Section> {
  const url = await ctx.cluster.createDatabase('bench_webhook');
  const [company] = await seedCompanies(url, 1);
  const server = await startServer({ databaseUrl: url });
  const baseline = await startBaseline(url, WEBHOOK_SECRET);
  const results: Record<'baselineBefore' | 'webhook' | 'baseline', LoadResult> = {} as never;
  let generated = 0;
  let drain = { pendingAtEnd: 0, seconds: 0, left: 0 };
  try {
    const deliveries = deliveryStream(company!.id, Date.UTC(2031, 0, 1));
    const setupRequest = (request: RawRequest): RawRequest => {
      generated += 1;
      const body = JSON.stringify(envelopeOf(deliveries.next().value as BookingEventSpec));
      return { ...request, method: 'POST', path: request.path, headers: signedHeaders(company!.id, WEBHOOK_SECRET, body), body };
    };
    // The baseline runs before and after (A-B-A): the machine's speed drifts over the minutes the
    // backlog takes, and their mean is what the webhook, measured in between, is compared with.
    results.baselineBefore = await runLoad({ url: `${baseline.url}/webhook`, pid: baseline.pid, connections: CONNECTIONS, durationSeconds: ctx.seconds, warmupSeconds: ctx.warmup, setupRequest });
    ctx.log(`baseline c=32 (before): ${results.baselineBefore.rps} req/s p50 ${results.baselineBefore.p50} p99 ${results.baselineBefore.p99}`);
    results.webhook = await runLoad({ url: `${server.url}${WEBHOOK_PATH}`, pid: server.pid, connections: CONNECTIONS, durationSeconds: ctx.seconds, warmupSeconds: ctx.warmup, setupRequest });
    ctx.log(`webhook  c=32: ${results.webhook.rps} req/s p50 ${results.webhook.p50} p99 ${results.webhook.p99} non2xx ${results.webhook.non2xx}`);
    drain = await drainPending(url);
    ctx.log(`webhook  backlog: ${drain.pendingAtEnd} pending after the load, applied in ${drain.seconds} s (${drain.left} left)`);
    results.baseline = await runLoad({ url: `${baseline.url}/webhook`, pid: baseline.pid, connections: CONNECTIONS, durationSeconds: ctx.seconds, warmupSeconds: ctx.warmup, setupRequest });
    ctx.log(`baseline c=32 (after): ${results.baseline.rps} req/s p50 ${results.baseline.p50} p99 ${results.baseline.p99}`);
  } finally {
    await server.stop();
    await baseline.stop();
  }
  const outcomes = await withClient(url, async (client) =>
    (await client.query<{ outcome: string; n: string }>('select outcome, count(*) as n from webhook_deliveries group by outcome order by outcome')).rows.map((r) => `${r.outcome} ${r.n}`),
  );
  const baselineRps = (results.baselineBefore.rps + results.baseline.rps) / 2;
  const ratio = results.webhook.rps / baselineRps;
  const failed = results.webhook.non2xx + results.webhook.errors;
  return {
    id: 'webhook',
    title: 'Webhook ingestion: signed BOOKING_CREATED/RESCHEDULED/CANCELLED at 32 connections',
    command: 'BENCH_ONLY=webhook npm run bench',
    figures: [
      { metric: 'Webhook, 32 conn: throughput vs HMAC + one-insert baseline', value: `${fmt.rps(results.webhook.rps)} vs ${fmt.rps(baselineRps)} (baseline before ${fmt.rps(results.baselineBefore.rps)}, after ${fmt.rps(results.baseline.rps)}) = ${fmt.pct(ratio)}`, target: '≥ 40%', pass: ratio >= 0.4 },
      { metric: 'Webhook, 32 conn: p50 / p99', value: `${fmt.ms(results.webhook.p50)} / ${fmt.ms(results.webhook.p99)} (baseline before ${fmt.ms(results.baselineBefore.p50)} / ${fmt.ms(results.baselineBefore.p99)}, after ${fmt.ms(results.baseline.p50)} / ${fmt.ms(results.baseline.p99)})`, target: '—', pass: null },
      { metric: 'Webhook: non-2xx responses and socket errors', value: String(failed), target: '0', pass: failed === 0 },
      {
        metric: 'Webhook: deliveries still being applied when the load stopped → time to apply them all (no new load)',
        value: `${drain.pendingAtEnd} → ${fmt.ms(drain.seconds * 1000)}${drain.left ? ` (${drain.left} still pending after ${DRAIN_LIMIT_SECONDS} s)` : ''}${drain.seconds > 0 ? `, ${Math.round(drain.pendingAtEnd / drain.seconds)} applied/s` : ''}`,
        target: '—',
        pass: null,
      },
    ],
    tables: [
      {
        title: 'Per target',
        header: ['target', 'req/s', 'p50 ms', 'p90 ms', 'p99 ms', 'CPU ms/req', 'non-2xx', 'errors', 'other CPU'],
        rows: [
          ['webhook (verify, parse, store the pending delivery; a worker applies it)', Math.round(results.webhook.rps), results.webhook.p50, results.webhook.p90, results.webhook.p99, results.webhook.cpuMsPerRequest, results.webhook.non2xx, results.webhook.errors, fmt.pct(results.webhook.foreignCpu)],
          ['baseline, before (verify HMAC, insert one row)', Math.round(results.baselineBefore.rps), results.baselineBefore.p50, results.baselineBefore.p90, results.baselineBefore.p99, results.baselineBefore.cpuMsPerRequest, results.baselineBefore.non2xx, results.baselineBefore.errors, fmt.pct(results.baselineBefore.foreignCpu)],
          ['baseline, after the backlog was applied', Math.round(results.baseline.rps), results.baseline.p50, results.baseline.p90, results.baseline.p99, results.baseline.cpuMsPerRequest, results.baseline.non2xx, results.baseline.errors, fmt.pct(results.baseline.foreignCpu)],
        ],
      },
    ],
    notes: [
      `Every delivery is a new, correctly signed body (~2.3 KB, as buildWebhook shapes Cal.com's); per booking the three triggers follow each other in the stream, so with 32 connections some arrive concurrently or out of order, as in production. ${generated} bodies generated for both targets.`,
      `Outcomes recorded by the product (webhook_deliveries): ${outcomes.join(', ')}.`,
      `CPU per response (ms): webhook server ${results.webhook.cpuMsPerRequest} + PostgreSQL ${results.webhook.postgresCpuMsPerRequest} + load generator ${results.webhook.generatorCpuMsPerRequest}; baseline (after) ${results.baseline.cpuMsPerRequest} + ${results.baseline.postgresCpuMsPerRequest} + ${results.baseline.generatorCpuMsPerRequest}.`,
    ],
    raw: { results, ratio: round(ratio, 3), outcomes },
  };
}

/** CREATED, RESCHEDULED (new uid), CANCELLED for booking 0, 1, 2, … forever; distinct slots. */
function* deliveryStream(companyId: string, base: number): Generator<BookingEventSpec> {
  for (let i = 0; ; i++) {
    const uid = `wb-${companyId.slice(0, 8)}-${i}`;
    const start = new Date(base + i * 3_600_000);
    const moved = new Date(start.getTime() + 30 * 60_000);
    const at = Date.UTC(2030, 0, 1) + i * 10_000;
    yield { trigger: 'BOOKING_CREATED', uid, start, at: new Date(at) };
    yield { trigger: 'BOOKING_RESCHEDULED', uid: `${uid}-r`, start: moved, at: new Date(at + 1000), rescheduleUid: uid };
    yield { trigger: 'BOOKING_CANCELLED', uid: `${uid}-r`, start: moved, at: new Date(at + 2000) };
  }
}
