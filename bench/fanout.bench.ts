import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import { envelopeOf, signedHeaders, WEBHOOK_PATH } from '../test/reliability/support/webhooks.js';
import { withClient } from './support/cluster.js';
import { fmt, type BenchContext, type Section } from './support/context.js';
import { sleep, startServer, type Child } from './support/processes.js';
import { seedCompanies, WEBHOOK_SECRET, type SeededCompany } from './support/seed.js';
import { distribution, round } from './support/stats.js';

const SUBSCRIBERS = 2000;
const COMPANIES = 10;
const CHANGES = 200;
/** Changes per second of the paced round (the latency target is judged there). */
const PACED_RATE = 20;
/** Changes of the warm-up round (2 per company), sent before the measured rounds. */
const WARMUP_CHANGES = 20;
const ROUNDS = ['warmup', 'paced', 'closed'];
/** Subscribers connected before the memory baseline is taken. */
const WARM = 20;
const QUERY = 'subscription { appointmentChanged { kind appointment { id calBookingUid status startAt } } }';

interface Subscriber {
  client: Client;
  company: number;
  server: number;
  /** uid → receipt time (performance.now()). */
  received: Map<string, number>;
  duplicates: number;
}

/**
 * 2,000 graphql-ws subscribers over 10 companies, half on each of two server processes on one
 * database; two rounds of 200 changes made by signed webhooks (alternating between the processes),
 * paced at PACED_RATE and then as fast as answered. Delivery latency: from the webhook's 200 to
 * receipt by each subscriber (same clock: both ends are here).
 */
export async function benchFanout(ctx: BenchContext): Promise<Section> {
  const url = await ctx.cluster.createDatabase('bench_fanout');
  const companies = await seedCompanies(url, COMPANIES);
  const servers = [await startServer({ databaseUrl: url, role: 'all', gcHooks: true }), await startServer({ databaseUrl: url, role: 'api', gcHooks: true })];
  const subscribers: Subscriber[] = [];
  try {
    // The first subscribers pay for lazily built things (schema subscription paths, pools): measure
    // memory from there, so the per-subscription figure is what one more idle subscription costs.
    const connectRange = async (from: number, to: number) => {
      for (let i = from; i < to; i += 100) {
        await Promise.all(Array.from({ length: Math.min(100, to - i) }, (_, k) => connect(servers, companies, i + k).then((s) => subscribers.push(s))));
      }
      for (const server of servers) await waitForSubscriptions(server, to / servers.length);
    };
    await connectRange(0, WARM);
    const before = await Promise.all(servers.map(memory));
    await connectRange(WARM, SUBSCRIBERS);
    ctx.log(`fanout: ${subscribers.length} subscribers connected`);
    await sleep(2000); // idle
    const after = await Promise.all(servers.map(memory));

    // Paced: one change every 1000 / PACED_RATE ms whatever the answers do (latency measured at a
    // known load). Then as fast as answered: the sender's rate follows the webhook's answer time.
    // A warm-up round first (not measured, but checked): the servers' first changes run cold code.
    const warmup = await sendChanges(servers, companies, subscribers, 'warmup', PACED_RATE, WARMUP_CHANGES);
    const paced = await sendChanges(servers, companies, subscribers, 'paced', PACED_RATE);
    const closed = await sendChanges(servers, companies, subscribers, 'closed', 0);
    await sleep(500); // anything arriving late (or for the wrong company) still counts
    const pacedLatency = await analyse(paced, subscribers, servers.length, url);
    const closedLatency = await analyse(closed, subscribers, servers.length, url);

    // Correctness over both phases: every change of its company, none of others, none twice.
    const uidsOf = new Map<number, Set<string>>();
    for (const send of [...warmup.sends, ...paced.sends, ...closed.sends]) uidsOf.set(send.company, (uidsOf.get(send.company) ?? new Set()).add(send.uid));
    let missing = 0;
    let foreign = 0;
    let duplicates = 0;
    let receipts = 0;
    for (const s of subscribers) {
      const own = uidsOf.get(s.company)!;
      for (const uid of own) if (!s.received.has(uid)) missing += 1;
      for (const uid of s.received.keys()) if (own.has(uid)) receipts += 1;
      else foreign += 1;
      duplicates += s.duplicates;
    }
    const non200 = [...warmup.sends, ...paced.sends, ...closed.sends].filter((s) => s.status !== 200).length;
    const added = (SUBSCRIBERS - WARM) / servers.length;
    const perSub = servers.map((_, i) => ({
      rss: (after[i]!.rss - before[i]!.rss) / added,
      heap: (after[i]!.heap - before[i]!.heap) / added,
      external: (after[i]!.external - before[i]!.external) / added,
    }));
    const worstRss = Math.max(...perSub.map((p) => p.rss));
    const correct = missing === 0 && foreign === 0 && duplicates === 0 && non200 === 0;
    const latencyRows = (label: string, a: Analysis) =>
      [
        [`${label}: webhook 200 → receipt (clamped at 0)`, a.fromOk],
        [`${label}: webhook request sent → receipt`, a.fromStart],
        [`${label}: webhook 200 → receipt, subscribers on the receiving process`, a.sameProcess],
        [`${label}: webhook 200 → receipt, subscribers on the other process`, a.otherProcess],
        [`${label}, per change: webhook request → its 200`, a.answer],
        [`${label}, per change: stored by the route → applied (database clock)`, a.applyLag],
        [`${label}, per change: webhook 200 → first receipt (may be negative)`, a.toFirst],
        [`${label}, per change: first receipt → last receipt`, a.spread],
      ].map(([name, values]) => {
        const d = distribution(values as number[]);
        return [name as string, d.count, round(d.p50), round(d.p90), round(d.p99), round(d.max)];
      });
    const pacedOk = distribution(pacedLatency.fromOk);
    const closedOk = distribution(closedLatency.fromOk);
    return {
      id: 'fanout',
      title: 'Subscription fan-out: 2,000 graphql-ws subscribers, 10 companies, two server processes',
      command: 'BENCH_ONLY=fanout npm run bench',
      figures: [
        { metric: 'Fan-out: every subscriber got every change of its company, none of others', value: `${receipts} deliveries of ${2 * CHANGES + WARMUP_CHANGES} changes; missing ${missing}, foreign ${foreign}, duplicated ${duplicates}, webhook non-200 ${non200}`, target: 'all, none, 0', pass: correct },
        { metric: `Fan-out: delivery latency from the webhook 200, p50 / p99 (${CHANGES} changes at ${PACED_RATE}/s)`, value: `${fmt.ms(pacedOk.p50)} / ${fmt.ms(pacedOk.p99)} (max ${fmt.ms(pacedOk.max)})`, target: 'p99 ≤ 100 ms', pass: pacedOk.p99 <= 100 },
        { metric: `Fan-out: the same, ${CHANGES} changes sent as fast as answered (${closed.rate.toFixed(0)}/s)`, value: `${fmt.ms(closedOk.p50)} / ${fmt.ms(closedOk.p99)} (max ${fmt.ms(closedOk.max)})`, target: '—', pass: null },
        { metric: 'Fan-out: server memory per idle subscription (RSS growth / subscriptions, worst process)', value: `${fmt.kb(worstRss)} (JS heap ${perSub.map((p) => fmt.kb(p.heap)).join(' / ')})`, target: '≤ 20 KB', pass: worstRss <= 20 * 1024 },
      ],
      tables: [
        {
          title: `Memory per process after a full GC, with ${WARM / 2} and with ${SUBSCRIBERS / 2} idle subscriptions each`,
          header: ['process', 'RSS before', 'RSS after', 'heap before', 'heap after', 'external after', 'RSS per sub', 'heap per sub', 'external per sub'],
          rows: servers.map((_, i) => [
            i === 0 ? 'A (ROLE=all)' : 'B (ROLE=api)',
            fmt.kb(before[i]!.rss), fmt.kb(after[i]!.rss), fmt.kb(before[i]!.heap), fmt.kb(after[i]!.heap), fmt.kb(after[i]!.external),
            fmt.kb(perSub[i]!.rss), fmt.kb(perSub[i]!.heap), fmt.kb(perSub[i]!.external),
          ]),
        },
        {
          title: 'Delivery latency (ms): over every (subscriber, change) pair, then per change (where the time goes)',
          header: ['measured', 'n', 'p50', 'p90', 'p99', 'max'],
          rows: [...latencyRows(`paced ${PACED_RATE}/s`, pacedLatency), ...latencyRows(`as fast as answered (${closed.rate.toFixed(0)}/s)`, closedLatency)],
        },
      ],
      notes: [
        `A warm-up round of ${WARMUP_CHANGES} changes (checked for correctness, not timed), then two rounds of ${CHANGES} changes each (BOOKING_CREATED, one per company in turn), alternating between process A and B, so every change crosses processes through LISTEN/NOTIFY for half of its 200 subscribers. Paced: one change every ${1000 / PACED_RATE} ms whatever the answers do (${paced.rate.toFixed(1)}/s achieved), so latency is measured at a known load; the target is judged there. As fast as answered: each change waits for the previous answer plus 5 ms (${closed.rate.toFixed(1)}/s), so a faster webhook answer raises the load; it shows where the machine saturates.`,
        `Receipts before the webhook's own 200 count as 0 (paced ${pacedLatency.beforeOk}, as fast as answered ${closedLatency.beforeOk}): the change is applied after the answer, so few or none.`,
        'Subscribers, webhook sender and clock are in the bench process; servers are separate `node dist/server/main.js` processes (production mode, log level info). Memory: VmRSS from /proc and nodejs_heap_size_used_bytes from /metrics after a forced GC (`--expose-gc`, bench/support/gc-preload.ts).',
      ],
      raw: { before, after, perSub, missing, foreign, duplicates, non200, paced: { rate: paced.rate, ...summary(pacedLatency) }, closed: { rate: closed.rate, ...summary(closedLatency) } },
    };
  } finally {
    await Promise.all(subscribers.map((s) => s.client.dispose()));
    for (const server of servers) await server.stop();
  }
}

interface Sent {
  uid: string;
  company: number;
  server: number;
  start: number;
  ok: number;
  status: number;
}

interface Round {
  label: string;
  sends: Sent[];
  /** Changes per second actually sent. */
  rate: number;
}

/**
 * CHANGES signed BOOKING_CREATED webhooks, company j % COMPANIES, process j % 2. `rate` > 0: one
 * every 1000 / rate ms, not waiting for answers; 0: each after the previous answer plus 5 ms. Waits
 * until every subscriber has its company's changes (or 30 s).
 */
async function sendChanges(servers: Child[], companies: SeededCompany[], subscribers: Subscriber[], label: string, rate: number, count = CHANGES): Promise<Round> {
  const send = async (j: number): Promise<Sent> => {
    const company = j % COMPANIES;
    const server = j % servers.length;
    const uid = `fan-${label}-${j}`;
    const at = ROUNDS.indexOf(label) * CHANGES;
    const body = JSON.stringify(envelopeOf({ trigger: 'BOOKING_CREATED', uid, start: new Date(Date.UTC(2031, 5, 1) + (at + j) * 3_600_000), at: new Date(Date.UTC(2031, 0, 1) + (at + j) * 1000) }));
    const start = performance.now();
    const response = await fetch(`${servers[server]!.url}${WEBHOOK_PATH}`, { method: 'POST', headers: signedHeaders(companies[company]!.id, WEBHOOK_SECRET, body), body });
    const ok = performance.now();
    await response.arrayBuffer();
    return { uid, company, server, start, ok, status: response.status };
  };
  const first = performance.now();
  let sends: Sent[];
  if (rate > 0) {
    const pending: Array<Promise<Sent>> = [];
    for (let j = 0; j < count; j++) {
      const due = first + (j * 1000) / rate;
      const wait = due - performance.now();
      if (wait > 0) await sleep(wait);
      pending.push(send(j));
    }
    sends = await Promise.all(pending);
  } else {
    sends = [];
    for (let j = 0; j < count; j++) {
      sends.push(await send(j));
      await sleep(5);
    }
  }
  const elapsed = (Math.max(...sends.map((s) => s.start)) - first) / 1000;
  const uids = new Set(sends.map((s) => s.uid));
  const expected = count / COMPANIES;
  const got = (s: Subscriber) => [...s.received.keys()].filter((uid) => uids.has(uid)).length;
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline && subscribers.some((s) => got(s) < expected)) await sleep(50);
  return { label, sends, rate: (count - 1) / elapsed };
}

interface Analysis {
  fromOk: number[];
  fromStart: number[];
  sameProcess: number[];
  otherProcess: number[];
  answer: number[];
  applyLag: number[];
  toFirst: number[];
  spread: number[];
  beforeOk: number;
}

/** The distributions of an analysis (results.json keeps these, not 40,000 samples). */
function summary(a: Analysis): Record<string, unknown> {
  const { beforeOk, ...series } = a;
  return { beforeOk, ...Object.fromEntries(Object.entries(series).map(([name, values]) => [name, distribution(values)])) };
}

/** Latencies of one round, over every (subscriber, change) pair and per change. */
async function analyse(round: Round, subscribers: Subscriber[], serverCount: number, url: string): Promise<Analysis> {
  const a: Analysis = { fromOk: [], fromStart: [], sameProcess: [], otherProcess: [], answer: [], applyLag: [], toFirst: [], spread: [], beforeOk: 0 };
  const byCompany = new Map<number, Subscriber[]>();
  for (const s of subscribers) {
    const list = byCompany.get(s.company);
    if (list) list.push(s);
    else byCompany.set(s.company, [s]);
  }
  for (const send of round.sends) {
    a.answer.push(send.ok - send.start);
    const times = (byCompany.get(send.company) ?? []).filter((s) => s.received.has(send.uid)).map((s) => ({ at: s.received.get(send.uid)!, same: s.server === send.server % serverCount }));
    if (times.length === 0) continue;
    for (const t of times) {
      const fromOk = Math.max(0, t.at - send.ok);
      if (fromOk === 0) a.beforeOk += 1;
      a.fromOk.push(fromOk);
      a.fromStart.push(t.at - send.start);
      (t.same ? a.sameProcess : a.otherProcess).push(fromOk);
    }
    const first = Math.min(...times.map((t) => t.at));
    a.toFirst.push(first - send.ok);
    a.spread.push(Math.max(...times.map((t) => t.at)) - first);
  }
  // Server side: from the route's insert to the end of the delivery's application (database clock).
  const { rows } = await withClient(url, (client) =>
    client.query<{ ms: number }>(
      `select extract(epoch from applied_at - received_at) * 1000 as ms from webhook_deliveries where applied_at is not null and booking_uid like $1`,
      [`fan-${round.label}-%`],
    ),
  );
  a.applyLag = rows.map((r) => Number(r.ms));
  return a;
}

function connect(servers: Child[], companies: SeededCompany[], index: number): Promise<Subscriber> {
  const serverIndex = index % servers.length;
  const company = Math.floor(index / servers.length) % COMPANIES;
  return new Promise((resolve, reject) => {
    const subscriber: Subscriber = { client: undefined as never, company, server: serverIndex, received: new Map(), duplicates: 0 };
    const client = createClient({
      url: servers[serverIndex]!.url.replace(/^http/, 'ws') + '/graphql',
      webSocketImpl: WebSocket,
      connectionParams: { authorization: `Bearer ${companies[company]!.readKey}` },
      retryAttempts: 0,
      lazy: false,
      onNonLazyError: reject,
      on: { connected: () => resolve(subscriber), closed: (event) => reject(new Error(`closed: ${JSON.stringify(event)}`)) },
    });
    subscriber.client = client;
    client.subscribe<{ appointmentChanged: { appointment: { calBookingUid: string } } }>({ query: QUERY }, {
      next: (value) => {
        const at = performance.now();
        const uid = value.data?.appointmentChanged.appointment.calBookingUid;
        if (!uid) return;
        if (subscriber.received.has(uid)) subscriber.duplicates += 1;
        else subscriber.received.set(uid, at);
      },
      error: (error) => reject(error instanceof Error ? error : new Error(JSON.stringify(error))),
      complete: () => {},
    });
  });
}

async function metric(server: Child, name: string): Promise<number> {
  const text = await (await fetch(`${server.metricsUrl}/metrics`)).text();
  return Number(new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)$`, 'm').exec(text)?.[1] ?? Number.NaN);
}

async function waitForSubscriptions(server: Child, count: number): Promise<void> {
  const deadline = Date.now() + 60_000;
  while ((await metric(server, 'secretaria_graphql_active_subscriptions')) < count) {
    if (Date.now() > deadline) throw new Error(`${server.url}: fewer than ${count} active subscriptions after 60 s`);
    await sleep(100);
  }
}

async function memory(server: Child): Promise<{ rss: number; heap: number; external: number }> {
  await server.collectGarbage();
  return { rss: server.rss(), heap: await metric(server, 'nodejs_heap_size_used_bytes'), external: await metric(server, 'nodejs_external_memory_bytes') };
}
