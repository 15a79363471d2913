import type { RawRequest } from 'autocannon';
import { DEFAULT_API_KEY, DEFAULT_EVENT_TYPE_ID } from '../test/fakes/calcom-sandbox.js';
import { withClient } from './support/cluster.js';
import { fmt, type BenchContext, type Section } from './support/context.js';
import { runLoad, type LoadResult } from './support/load.js';
import { startBaseline, startSandboxes, startServer } from './support/processes.js';
import { seedCompanies, WEBHOOK_SECRET } from './support/seed.js';
import { distribution, round } from './support/stats.js';

const SENDERS = 50;
const SCHEDULE_TEXT = 'quero marcar uma reunião';
const OPTIONS_PREFIX = 'Tenho est';
const CONFIRMED_PREFIX = 'Reunião confirmada';

/**
 * WhatsApp inbound (ARCHITECTURE §4): acknowledgement throughput and latency at 50 concurrent
 * senders against a bare route that inserts one row, and the end-to-end time from an inbound
 * message to the options reply (and to the booking confirmation) with zero-latency sandboxes.
 * One `ROLE=all` process: the worker answers the messages while the acknowledgements are measured.
 */
export async function benchWhatsapp(ctx: BenchContext): Promise<Section> {
  const sandboxes = await startSandboxes();
  const url = await ctx.cluster.createDatabase('bench_whatsapp');
  const [company] = await seedCompanies(url, 1, {
    timezone: 'America/Sao_Paulo',
    calApiUrl: sandboxes.calcomUrl,
    calApiKey: DEFAULT_API_KEY,
    calEventTypeId: DEFAULT_EVENT_TYPE_ID,
    whaticketUrl: sandboxes.whaticketUrl,
    whaticketToken: sandboxes.whaticketToken,
  });
  let server = await startServer({ databaseUrl: url });
  const baseline = await startBaseline(url, WEBHOOK_SECRET);
  let inboundUrl = `${server.url}/api/whaticket/inbound/${company!.id}`;
  const headers = { 'content-type': 'application/json', authorization: `Bearer ${company!.inboundToken}` };
  let phoneCounter = 0;
  const newPhone = () => `55119${String(70_000_000 + ++phoneCounter).slice(-8)}`;
  let messageCounter = 0;
  const post = (phone: string, text: string) =>
    fetch(inboundUrl, { method: 'POST', headers, body: JSON.stringify({ number: phone, body: text, messageId: `bench-e2e-${++messageCounter}`, name: 'Pessoa Bench' }) });

  try {
    // 1. End to end, on an idle system: options, then the booking of option 1.
    const conversations = ctx.quick ? 10 : 30;
    const toOptions: number[] = [];
    const toConfirmation: number[] = [];
    const acks: number[] = [];
    for (let i = 0; i < conversations; i++) {
      const phone = newPhone();
      const t0 = Date.now();
      const response = await post(phone, SCHEDULE_TEXT);
      acks.push(Date.now() - t0);
      if (response.status !== 200) throw new Error(`inbound answered ${response.status}: ${await response.text()}`);
      const options = await sandboxes.waitForSent((m) => m.number === phone && m.body.startsWith(OPTIONS_PREFIX), 15_000);
      toOptions.push(options.at - t0);
      const t1 = Date.now();
      await post(phone, '1');
      const confirmed = await sandboxes.waitForSent((m) => m.number === phone && m.body.startsWith(CONFIRMED_PREFIX), 15_000);
      toConfirmation.push(confirmed.at - t1);
    }
    const options = distribution(toOptions);
    const confirmation = distribution(toConfirmation);
    ctx.log(`whatsapp e2e: options p50 ${options.p50} p99 ${options.p99}; confirmation p50 ${confirmation.p50}`);

    // 2. Acknowledgements under load: 50 senders, each its own phone, every message new.
    const sentBefore = sandboxes.sent.length;
    let loadMessages = 0;
    const setupRequest = (request: RawRequest, context: Record<string, unknown>): RawRequest => {
      context.phone ??= newPhone();
      loadMessages += 1;
      return { ...request, method: 'POST', headers, body: JSON.stringify({ number: context.phone, body: SCHEDULE_TEXT, messageId: `bench-load-${++messageCounter}`, name: 'Pessoa Bench' }) };
    };
    // A-B-A: the baseline before the product and again at the end (with the ROLE=all worker stopped,
    // so its backlog does not slow the baseline); ratios against their mean.
    const baseUrl = `${baseline.url}/inbound/${company!.id}`;
    const baseBefore: LoadResult = await runLoad({ url: baseUrl, pid: baseline.pid, connections: SENDERS, durationSeconds: ctx.seconds, warmupSeconds: ctx.warmup, setupRequest });
    ctx.log(`whatsapp baseline (before) c=50: ${baseBefore.rps} req/s p50 ${baseBefore.p50} p99 ${baseBefore.p99}`);
    const sut: LoadResult = await runLoad({ url: inboundUrl, pid: server.pid, connections: SENDERS, durationSeconds: ctx.seconds, warmupSeconds: ctx.warmup, setupRequest });
    const repliesDuringLoad = sandboxes.sent.length - sentBefore;
    const backlog = await withClient(url, async (c) => Number((await c.query<{ n: string }>(`select count(*) as n from inbound_messages where status = 'RECEIVED'`)).rows[0]!.n));
    ctx.log(`whatsapp ack c=50: ${sut.rps} req/s p50 ${sut.p50} p99 ${sut.p99} non2xx ${sut.non2xx}; backlog ${backlog}`);

    // 3. The acknowledgement path alone: ROLE=api, no worker anywhere (replies stay queued).
    await server.stop();
    server = await startServer({ databaseUrl: url, role: 'api' });
    inboundUrl = `${server.url}/api/whaticket/inbound/${company!.id}`;
    const apiOnly: LoadResult = await runLoad({ url: inboundUrl, pid: server.pid, connections: SENDERS, durationSeconds: ctx.seconds, warmupSeconds: ctx.warmup, setupRequest });
    ctx.log(`whatsapp ack ROLE=api c=50: ${apiOnly.rps} req/s p50 ${apiOnly.p50} p99 ${apiOnly.p99}`);
    const baseAfter: LoadResult = await runLoad({ url: baseUrl, pid: baseline.pid, connections: SENDERS, durationSeconds: ctx.seconds, warmupSeconds: ctx.warmup, setupRequest });
    ctx.log(`whatsapp baseline (after) c=50: ${baseAfter.rps} req/s p50 ${baseAfter.p50} p99 ${baseAfter.p99}`);
    const base = { rps: (baseBefore.rps + baseAfter.rps) / 2, p99: (baseBefore.p99 + baseAfter.p99) / 2 };

    const ratio = sut.rps / base.rps;
    const p99Ratio = sut.p99 / base.p99;
    const failed = sut.non2xx + sut.errors + apiOnly.non2xx + apiOnly.errors;
    return {
      id: 'whatsapp',
      title: 'WhatsApp: inbound acknowledgement at 50 concurrent senders; end to end with zero-latency sandboxes',
      command: 'BENCH_ONLY=whatsapp npm run bench',
      figures: [
        { metric: 'WhatsApp inbound ack, 50 senders: throughput vs one-insert baseline', value: `${fmt.rps(sut.rps)} vs ${fmt.rps(base.rps)} (baseline before ${fmt.rps(baseBefore.rps)}, after ${fmt.rps(baseAfter.rps)}) = ${fmt.pct(ratio)}`, target: '≥ 50%', pass: ratio >= 0.5 },
        { metric: 'WhatsApp inbound ack, 50 senders: p99 vs baseline p99', value: `${fmt.ms(sut.p99)} vs ${fmt.ms(base.p99)} = ${fmt.ratio(p99Ratio)}`, target: '≤ 2×', pass: p99Ratio <= 2 },
        { metric: 'WhatsApp inbound: non-2xx responses and socket errors', value: String(failed), target: '0', pass: failed === 0 },
        { metric: 'WhatsApp inbound ack path alone (ROLE=api, no worker): throughput / p99 vs baseline', value: `${fmt.rps(apiOnly.rps)} = ${fmt.pct(apiOnly.rps / base.rps)}; p99 ${fmt.ms(apiOnly.p99)} = ${fmt.ratio(apiOnly.p99 / base.p99)}`, target: '—', pass: null },
        { metric: 'WhatsApp end to end: inbound → options reply at Whaticket, p50 / max', value: `${fmt.ms(options.p50)} / ${fmt.ms(options.max)} (n=${options.count})`, target: '—', pass: null },
        { metric: 'WhatsApp end to end: "1" → confirmation at Whaticket (Cal.com booking), p50 / max', value: `${fmt.ms(confirmation.p50)} / ${fmt.ms(confirmation.max)}`, target: '—', pass: null },
      ],
      tables: [
        {
          title: 'Acknowledgement under load (50 connections, each one sender); the first row is the default single process (ROLE=all), whose worker answers the messages meanwhile',
          header: ['target', 'req/s', 'p50 ms', 'p90 ms', 'p99 ms', 'CPU ms/req', 'PostgreSQL CPU ms/req', 'load generator CPU ms/req', 'non-2xx', 'errors', 'other CPU'],
          rows: [
            ...([
              ['inbound route (auth from cache, parse, one prepared insert; the worker woken in-process)', sut],
              ['same route, ROLE=api (no worker in the process; workers woken by a coalesced NOTIFY)', apiOnly],
              ['baseline, before (insert one row)', baseBefore],
              ['baseline, after', baseAfter],
            ] as const).map(([label, r]) => [label, Math.round(r.rps), r.p50, r.p90, r.p99, r.cpuMsPerRequest, r.postgresCpuMsPerRequest, r.generatorCpuMsPerRequest, r.non2xx, r.errors, `${fmt.pct(r.foreignCpu)}${(r.attempts ?? 1) > 1 ? ` (${r.attempts} runs)` : ''}`]),
          ],
        },
        {
          title: `End to end on an idle system, ${conversations} new conversations one after another (ms, wall clock)`,
          header: ['step', 'p50', 'p90', 'p99', 'max'],
          rows: [
            ['ack of the inbound POST', ...[distribution(acks)].flatMap((d) => [round(d.p50), round(d.p90), round(d.p99), round(d.max)])],
            ['inbound → options reply received by Whaticket', round(options.p50), round(options.p90), round(options.p99), round(options.max)],
            ['"1" → confirmation received by Whaticket', round(confirmation.p50), round(confirmation.p90), round(confirmation.p99), round(confirmation.max)],
          ],
        },
      ],
      notes: [
        `Text of every load message: "${SCHEDULE_TEXT}" (each is a slot search in the Cal.com sandbox and an options reply). While the acknowledgements were measured the same process's worker sent ${repliesDuringLoad} replies; ${backlog} messages were still waiting for the worker at the end of the run (${loadMessages} messages posted to all targets, warm-ups included).`,
        'Sandboxes (bench/sandboxes-server.ts) run in their own process; the times at Whaticket are taken there when the request body has been read.',
      ],
      raw: { sut, apiOnly, baseBefore, baseAfter, options, confirmation, acks: distribution(acks), repliesDuringLoad, backlog },
    };
  } finally {
    await server.stop();
    await baseline.stop();
    await sandboxes.child.stop();
  }
}
