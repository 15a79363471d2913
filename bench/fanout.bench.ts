import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import { envelopeOf, signedHeaders, WEBHOOK_PATH } from '../test/reliability/support/webhooks.js';
import { fmt, type BenchContext, type Section } from './support/context.js';
import { sleep, startServer, type Child } from './support/processes.js';
import { seedCompanies, WEBHOOK_SECRET, type SeededCompany } from './support/seed.js';
import { distribution, round } from './support/stats.js';

const SUBSCRIBERS = 2000;
const COMPANIES = 10;
const CHANGES = 200;
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
 * database; 200 changes made by signed webhooks (alternating between the processes). Delivery
 * latency: from the webhook's 200 to receipt by each subscriber (same clock: both ends are here).
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

    const sends: Array<{ uid: string; company: number; start: number; ok: number; status: number }> = [];
    for (let j = 0; j < CHANGES; j++) {
      const company = j % COMPANIES;
      const uid = `fan-${j}`;
      const body = JSON.stringify(envelopeOf({ trigger: 'BOOKING_CREATED', uid, start: new Date(Date.UTC(2031, 5, 1) + j * 3_600_000), at: new Date(Date.UTC(2031, 0, 1) + j * 1000) }));
      const start = performance.now();
      const response = await fetch(`${servers[j % servers.length]!.url}${WEBHOOK_PATH}`, { method: 'POST', headers: signedHeaders(companies[company]!.id, WEBHOOK_SECRET, body), body });
      const ok = performance.now();
      await response.arrayBuffer();
      sends.push({ uid, company, start, ok, status: response.status });
      await sleep(5);
    }
    const expectedPer = CHANGES / COMPANIES;
    const deadline = Date.now() + 30_000;
    while (Date.now() < deadline && subscribers.some((s) => s.received.size < expectedPer)) await sleep(50);
    await sleep(500); // anything arriving late (or for the wrong company) still counts

    const uidsOf = new Map<number, Set<string>>();
    for (const send of sends) uidsOf.set(send.company, (uidsOf.get(send.company) ?? new Set()).add(send.uid));
    let missing = 0;
    let foreign = 0;
    let duplicates = 0;
    const fromOk: number[] = [];
    const fromStart: number[] = [];
    for (const s of subscribers) {
      const own = uidsOf.get(s.company)!;
      for (const uid of own) if (!s.received.has(uid)) missing += 1;
      for (const [uid, at] of s.received) {
        if (!own.has(uid)) {
          foreign += 1;
          continue;
        }
        const send = sends.find((x) => x.uid === uid)!;
        fromOk.push(Math.max(0, at - send.ok));
        fromStart.push(at - send.start);
      }
      duplicates += s.duplicates;
    }
    const non200 = sends.filter((s) => s.status !== 200).length;
    const latency = distribution(fromOk);
    const latencyFromStart = distribution(fromStart);
    const beforeReceipt = fromOk.filter((v) => v === 0).length;
    const sendingSeconds = (sends.at(-1)!.ok - sends[0]!.start) / 1000;
    const added = (SUBSCRIBERS - WARM) / servers.length;
    const perSub = servers.map((_, i) => ({
      rss: (after[i]!.rss - before[i]!.rss) / added,
      heap: (after[i]!.heap - before[i]!.heap) / added,
      external: (after[i]!.external - before[i]!.external) / added,
    }));
    const worstRss = Math.max(...perSub.map((p) => p.rss));
    const correct = missing === 0 && foreign === 0 && duplicates === 0 && non200 === 0;
    return {
      id: 'fanout',
      title: 'Subscription fan-out: 2,000 graphql-ws subscribers, 10 companies, two server processes',
      command: 'BENCH_ONLY=fanout npm run bench',
      figures: [
        { metric: 'Fan-out: every subscriber got every change of its company, none of others', value: `${fromOk.length} deliveries; missing ${missing}, foreign ${foreign}, duplicated ${duplicates}, webhook non-200 ${non200}`, target: 'all, none, 0', pass: correct },
        { metric: 'Fan-out: delivery latency from the webhook 200, p50 / p99', value: `${fmt.ms(latency.p50)} / ${fmt.ms(latency.p99)} (max ${fmt.ms(latency.max)})`, target: 'p99 ≤ 100 ms', pass: latency.p99 <= 100 },
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
          title: 'Delivery latency (ms) over every (subscriber, change) pair',
          header: ['measured from', 'n', 'p50', 'p90', 'p99', 'max'],
          rows: [
            ['webhook 200 received (clamped at 0)', latency.count, round(latency.p50), round(latency.p90), round(latency.p99), round(latency.max)],
            ['webhook request sent', latencyFromStart.count, round(latencyFromStart.p50), round(latencyFromStart.p90), round(latencyFromStart.p99), round(latencyFromStart.max)],
          ],
        },
      ],
      notes: [
        `Offered load: the ${CHANGES} changes took ${sendingSeconds.toFixed(2)} s to send (${Math.round(CHANGES / sendingSeconds)} changes/s): each waits for the previous answer, so the faster the webhook answers, the faster changes arrive.`,
        `Changes were sent one after another (5 ms apart), alternating between process A and B, so every change crosses processes through LISTEN/NOTIFY for half of its 200 subscribers. ${beforeReceipt} receipts arrived before the webhook's own 200 (NOTIFY is sent at commit, before the answer) and count as 0.`,
        'Subscribers, webhook sender and clock are in the bench process; servers are separate `node dist/server/main.js` processes (production mode, log level info). Memory: VmRSS from /proc and nodejs_heap_size_used_bytes from /metrics after a forced GC (`--expose-gc`, bench/support/gc-preload.ts).',
      ],
      raw: { before, after, perSub, latency, latencyFromStart, missing, foreign, duplicates, non200 },
    };
  } finally {
    await Promise.all(subscribers.map((s) => s.client.dispose()));
    for (const server of servers) await server.stop();
  }
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
  const text = await (await fetch(`${server.url}/metrics`)).text();
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
