import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { withClient } from './support/cluster.js';
import { fmt, type BenchContext, type Figure, type Section } from './support/context.js';
import { scaleChart } from './support/chart.js';
import { runLoad, type LoadResult } from './support/load.js';
import { startBaseline, startServer, type Child } from './support/processes.js';
import { HISTORY_END, loadAppointments, seedCompanies, WEBHOOK_SECRET, type SeededCompany } from './support/seed.js';
import { round } from './support/stats.js';

const NODE_FIELDS = 'id status title startAt endAt clientName clientPhone clientEmail meetingUrl source calBookingUid cancellationReason createdAt updatedAt';
/** The admin agenda's query without `totalCount` (the panel asks for it only on the first page). */
export const LIST_QUERY = `query List($filter: AppointmentFilter, $first: Int) {
  appointments(filter: $filter, first: $first) {
    pageInfo { hasNextPage endCursor }
    edges { cursor node { ${NODE_FIELDS} } }
  }
}`;
export const LIST_QUERY_COUNT = `query List($filter: AppointmentFilter, $first: Int) {
  appointments(filter: $filter, first: $first) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges { cursor node { ${NODE_FIELDS} } }
  }
}`;

const COMPANIES = 20;
const CONCURRENCY = [1, 8, 32, 128];
/** Where the targets are judged. */
const TARGET_CONNECTIONS = 32;
/** The admin agenda's window: the last 14 days of the history (224 appointments per company). */
export const WINDOW = { from: new Date(HISTORY_END.getTime() - 14 * 86_400_000), to: HISTORY_END };

export interface Variant {
  id: 'range' | 'all' | 'count';
  label: string;
  range: boolean;
  count: boolean;
  /** Throughput target against the floor. */
  minRatio: number;
}
export const RANGE: Variant = { id: 'range', label: 'date filter, no totalCount', range: true, count: false, minRatio: 0.55 };
export const ALL: Variant = { id: 'all', label: 'no filter, no totalCount', range: false, count: false, minRatio: 0.55 };
export const COUNT: Variant = { id: 'count', label: 'date filter + totalCount', range: true, count: true, minRatio: 0.45 };

interface Dataset {
  label: string;
  rows: number;
  url: string;
  company: SeededCompany;
  loadSeconds: number;
  /** The dataset the targets are judged on (1M rows). */
  target: boolean;
}

/** One A-B-A measurement: the floor, the product, the floor again (the machine drifts over minutes). */
interface Measurement {
  dataset: string;
  variant: Variant['id'];
  connections: number;
  graphql: LoadResult;
  floorBefore: LoadResult;
  floorAfter: LoadResult;
  floor: { rps: number; p50: number; p99: number; p999: number };
}

/**
 * `appointments(first: 50)` for one company through GraphQL (`npm start`'s server, production mode,
 * default log level) against its floor: a bare Fastify + pg route running one prepared statement
 * that selects only the page's columns, mapped to the same JSON (checked byte for byte before any
 * load). Every figure is A-B-A: floor, GraphQL, floor, and the ratio is against the floor's mean.
 * 10k and 1M rows always; 10M rows with BENCH_LARGE=1 (seeding takes minutes).
 */
export async function benchList(ctx: BenchContext): Promise<Section> {
  const large = process.env.BENCH_LARGE === '1';
  const runtimeDir = mkdtempSync(join(tmpdir(), 'sv-bench-runtime-'));
  const specs: Array<[string, number, boolean]> = [['10,000', 500, false], ['1,000,000', 50_000, true], ...(large ? [['10,000,000', 500_000, false] as [string, number, boolean]] : [])];
  const measurements: Measurement[] = [];
  const legacy: Array<{ dataset: string; result: LoadResult }> = [];
  const plans: Record<string, string[]> = {};
  const datasets: Dataset[] = [];
  try {
    for (const [label, perCompany, target] of specs) {
      const url = await ctx.cluster.createDatabase(`bench_list_${perCompany * COMPANIES}`);
      const companies = await seedCompanies(url, COMPANIES);
      const loaded = await loadAppointments(url, companies.map((c) => c.id), perCompany);
      ctx.log(`list: loaded ${loaded.rows} appointments in ${loaded.seconds.toFixed(1)} s`);
      const dataset: Dataset = { label, rows: loaded.rows, url, company: companies[7]!, loadSeconds: loaded.seconds, target };
      datasets.push(dataset);
      plans[label] = await explain(dataset);
      const serverLog = join(runtimeDir, `server-${perCompany}.log`);
      const floorLog = join(runtimeDir, `floor-${perCompany}.log`);
      const server = await startServer({ databaseUrl: url, runtimeLog: serverLog });
      const floor = await startBaseline(url, WEBHOOK_SECRET, { runtimeLog: floorLog });
      try {
        const variants = target ? [RANGE, ALL, COUNT] : [RANGE];
        for (const variant of variants) await checkSameAnswer(server, floor, dataset, variant);
        const aba = async (variant: Variant, connections: number) => {
          const load = (request: { url: string; method: string; headers?: Record<string, string>; body?: string }, child: Child, log: string) =>
            runLoad({ ...request, pid: child.pid, runtimeLog: log, connections, durationSeconds: ctx.seconds, warmupSeconds: ctx.warmup });
          const floorBefore = await load(floorRequest(floor, dataset, variant), floor, floorLog);
          const graphql = await load(graphqlRequest(server, dataset, variant), server, serverLog);
          const floorAfter = await load(floorRequest(floor, dataset, variant), floor, floorLog);
          const mean = (k: 'rps' | 'p50' | 'p99' | 'p999') => round((floorBefore[k] + floorAfter[k]) / 2, 2);
          const m: Measurement = { dataset: label, variant: variant.id, connections, graphql, floorBefore, floorAfter, floor: { rps: mean('rps'), p50: mean('p50'), p99: mean('p99'), p999: mean('p999') } };
          measurements.push(m);
          ctx.log(`list ${label} ${variant.id} c=${connections}: graphql ${graphql.rps} req/s p50 ${graphql.p50} p99 ${graphql.p99}; floor ${floorBefore.rps} / ${floorAfter.rps} req/s p99 ${m.floor.p99}; ${fmt.pct(graphql.rps / m.floor.rps)}`);
        };
        for (const connections of CONCURRENCY) await aba(RANGE, connections);
        if (target) {
          await aba(ALL, TARGET_CONNECTIONS);
          await aba(COUNT, TARGET_CONNECTIONS);
          const result = await runLoad({ ...floorRequest(floor, dataset, COUNT, '/list-two-statements'), pid: floor.pid, connections: TARGET_CONNECTIONS, durationSeconds: ctx.seconds, warmupSeconds: ctx.warmup });
          legacy.push({ dataset: label, result });
        }
      } finally {
        await server.stop();
        await floor.stop();
      }
      // 10M rows take gigabytes: drop each set once measured.
      await withClient(ctx.cluster.adminUrl, (c) => c.query(`drop database if exists ${pg.escapeIdentifier(new URL(url).pathname.slice(1))} with (force)`));
    }
  } finally {
    rmSync(runtimeDir, { recursive: true, force: true });
  }
  return report(datasets, measurements, legacy, plans, large);
}

function report(datasets: Dataset[], measurements: Measurement[], legacy: Array<{ dataset: string; result: LoadResult }>, plans: Record<string, string[]>, large: boolean): Section {
  const find = (dataset: string, variant: Variant['id'], c: number) => measurements.find((m) => m.dataset === dataset && m.variant === variant && m.connections === c)!;
  const big = datasets.find((d) => d.target)!.label;
  const small = datasets[0]!.label;
  const huge = datasets.find((d) => d.rows >= 10_000_000)?.label;
  const errors = measurements.reduce((n, m) => n + [m.graphql, m.floorBefore, m.floorAfter].reduce((k, r) => k + r.non2xx + r.errors, 0), 0);

  const figures: Figure[] = [];
  for (const variant of [RANGE, ALL, COUNT]) {
    const m = find(big, variant.id, TARGET_CONNECTIONS);
    const ratio = m.graphql.rps / m.floor.rps;
    const p99Ratio = m.graphql.p99 / m.floor.p99;
    figures.push({
      metric: `GraphQL list (${variant.label}), 1M rows, 32 conn: throughput vs floor`,
      value: `${fmt.rps(m.graphql.rps)} vs ${fmt.rps(m.floor.rps)} (floor before ${fmt.rps(m.floorBefore.rps)}, after ${fmt.rps(m.floorAfter.rps)}) = ${fmt.pct(ratio)}`,
      target: `≥ ${fmt.pct(variant.minRatio)}`,
      pass: ratio >= variant.minRatio,
    });
    if (!variant.count) {
      figures.push({ metric: `GraphQL list (${variant.label}), 1M rows, 32 conn: p99 vs floor p99`, value: `${fmt.ms(m.graphql.p99)} vs ${fmt.ms(m.floor.p99)} = ${fmt.ratio(p99Ratio)}`, target: '≤ 2×', pass: p99Ratio <= 2 });
    }
  }
  const main = find(big, RANGE.id, TARGET_CONNECTIONS);
  const tail = main.graphql.p99 / main.graphql.p50;
  figures.push({ metric: 'GraphQL list, 1M rows, 32 conn: p99 / p50 (tail)', value: `${fmt.ms(main.graphql.p99)} / ${fmt.ms(main.graphql.p50)} = ${fmt.ratio(tail)}; p99.9 ${fmt.ms(main.graphql.p999)} (floor p99.9 ${fmt.ms(main.floor.p999)})`, target: '< 3×', pass: tail < 3 });
  const rt = main.graphql.runtime;
  if (rt) {
    figures.push({ metric: 'GraphQL list, 1M rows, 32 conn: GC pauses during the run', value: `${rt.gcCount} pauses, ${rt.gcTotalMs} ms in total (${fmt.pct(rt.gcShare)} of the time), longest ${fmt.ms(rt.gcMaxMs)}, ${rt.majorCount} major; event-loop delay p99 ≤ ${fmt.ms(rt.loopDelayP99)}, max ${fmt.ms(rt.loopDelayMax)}`, target: '—', pass: null });
  }
  const scaleRatio = find(big, RANGE.id, 1).graphql.p50 / find(small, RANGE.id, 1).graphql.p50;
  figures.push({ metric: 'GraphQL list p50 at 1M rows vs 10k rows (1 conn)', value: `${fmt.ms(find(big, RANGE.id, 1).graphql.p50)} vs ${fmt.ms(find(small, RANGE.id, 1).graphql.p50)} = ${fmt.ratio(scaleRatio)}`, target: '≤ 1.5×', pass: scaleRatio <= 1.5 });
  if (huge) {
    const hugeRatio = find(huge, RANGE.id, 1).graphql.p50 / find(small, RANGE.id, 1).graphql.p50;
    figures.push({ metric: 'GraphQL list p50 at 10M rows vs 10k rows (1 conn)', value: `${fmt.ms(find(huge, RANGE.id, 1).graphql.p50)} vs ${fmt.ms(find(small, RANGE.id, 1).graphql.p50)} = ${fmt.ratio(hugeRatio)}`, target: '≤ 1.5×', pass: hugeRatio <= 1.5 });
  }
  figures.push({ metric: 'GraphQL list: non-2xx responses and socket errors', value: String(errors), target: '0', pass: errors === 0 });
  const old = legacy.find((l) => l.dataset === big);
  if (old) {
    const count = find(big, COUNT.id, TARGET_CONNECTIONS);
    figures.push({ metric: 'GraphQL list + totalCount vs the previous, two-statement baseline (not a floor), 1M rows, 32 conn', value: `${fmt.rps(count.graphql.rps)} vs ${fmt.rps(old.result.rps)} = ${fmt.pct(count.graphql.rps / old.result.rps)}`, target: '—', pass: null });
  }

  const ms = (v: number) => round(v, 2);
  const mainRows = datasets.flatMap((d) =>
    CONCURRENCY.map((c) => {
      const m = find(d.label, RANGE.id, c);
      return [d.label, c, Math.round(m.graphql.rps), ms(m.graphql.p50), ms(m.graphql.p99), ms(m.graphql.p999), m.graphql.cpuMsPerRequest, `${Math.round(m.floorBefore.rps)} / ${Math.round(m.floorAfter.rps)}`, ms(m.floor.p50), ms(m.floor.p99), ms(m.floor.p999), m.floorAfter.cpuMsPerRequest, fmt.pct(m.graphql.rps / m.floor.rps), fmt.ratio(m.graphql.p99 / m.floor.p99), `${fmt.pct(m.floorBefore.foreignCpu)} / ${fmt.pct(m.graphql.foreignCpu)} / ${fmt.pct(m.floorAfter.foreignCpu)}`];
    }),
  );
  const variantRows = [RANGE, ALL, COUNT].map((v) => {
    const m = find(big, v.id, TARGET_CONNECTIONS);
    return [v.label, Math.round(m.graphql.rps), ms(m.graphql.p50), ms(m.graphql.p99), ms(m.graphql.p999), m.graphql.cpuMsPerRequest, m.graphql.postgresCpuMsPerRequest, Math.round(m.floor.rps), ms(m.floor.p99), m.floorAfter.cpuMsPerRequest, m.floorAfter.postgresCpuMsPerRequest, fmt.pct(m.graphql.rps / m.floor.rps), fmt.pct(v.minRatio), fmt.ratio(m.graphql.p99 / m.floor.p99), otherCpu([m.floorBefore, m.graphql, m.floorAfter])];
  });
  if (old) variantRows.push(['previous baseline: count + `select *`, two unprepared statements (not a floor)', '', '', '', '', '', '', Math.round(old.result.rps), ms(old.result.p99), old.result.cpuMsPerRequest, old.result.postgresCpuMsPerRequest, '', '', '', otherCpu([old.result])]);
  const runtimeRows = measurements
    .filter((m) => m.connections === TARGET_CONNECTIONS)
    .flatMap((m) =>
      ([['GraphQL', m.graphql], ['floor (after)', m.floorAfter]] as const).map(([who, r]) => {
        const s = r.runtime;
        return [m.dataset, variantOf(m.variant).label, who, s?.gcCount ?? '', s ? `${s.gcTotalMs} (${fmt.pct(s.gcShare)})` : '', s?.gcMaxMs ?? '', s?.majorCount ?? '', s?.loopDelayP99 ?? '', s?.loopDelayMax ?? '', ms(r.p999), ms(r.max)];
      }),
    );
  const chart = scaleChart({
    title: 'appointments(first: 50), date filter, no totalCount',
    throughput: datasets.map((d) => ({ label: `${d.label} rows`, points: CONCURRENCY.map((c) => ({ connections: c, graphql: find(d.label, RANGE.id, c).graphql.rps, floor: find(d.label, RANGE.id, c).floor.rps })) })),
    latency: datasets.map((d) => ({ rows: d.label, p50: find(d.label, RANGE.id, 1).graphql.p50, p99: find(d.label, RANGE.id, 1).graphql.p99, p50at32: find(d.label, RANGE.id, TARGET_CONNECTIONS).graphql.p50, p99at32: find(d.label, RANGE.id, TARGET_CONNECTIONS).graphql.p99 })),
  });

  return {
    id: 'list',
    title: 'GraphQL list: appointments(first: 50) of one company of 20, against its floor',
    command: 'BENCH_ONLY=list npm run bench',
    figures,
    tables: [
      {
        title: 'Date filter, no totalCount: throughput (2xx/s), latency (ms) and CPU per request (ms, Node process only) per table size and concurrency; floor = bare Fastify + one prepared pg statement with the page\'s columns, same pool size, measured before and after (A-B-A; latencies and ratios against their mean)',
        header: ['rows', 'conn', 'GraphQL req/s', 'p50', 'p99', 'p99.9', 'CPU ms/req', 'floor req/s (before / after)', 'p50', 'p99', 'p99.9', 'CPU ms/req', 'throughput ratio', 'p99 ratio', 'other CPU (floor / GraphQL / floor)'],
        rows: mainRows,
      },
      {
        title: `Query variants at ${TARGET_CONNECTIONS} connections, ${big} rows (each A-B-A against its own floor: with totalCount the floor also runs a prepared count, concurrently)`,
        header: ['variant', 'GraphQL req/s', 'p50', 'p99', 'p99.9', 'CPU ms/req', 'PostgreSQL CPU ms/req', 'floor req/s (mean)', 'p99', 'CPU ms/req', 'PostgreSQL CPU ms/req', 'ratio', 'target', 'p99 ratio', 'other CPU (floor / GraphQL / floor; attempts)'],
        rows: variantRows,
      },
      {
        title: `GC pauses and event-loop delay of each server process during the ${TARGET_CONNECTIONS}-connection runs (ms; from PerformanceObserver 'gc' entries and monitorEventLoopDelay, bench/support/runtime-preload.ts)`,
        header: ['rows', 'variant', 'process', 'GC pauses', 'GC total (share of the run)', 'longest pause', 'major GCs', 'loop delay p99 (worst second)', 'loop delay max', 'response p99.9', 'response max'],
        rows: runtimeRows,
      },
    ],
    notes: [
      `Scale curve (generated with this table): ![throughput per connection count and latency per table size](list-scale.svg)`,
      `Data: 20 companies, one appointment every 90 min per company (same density in every set; each larger set has more history). Window of the date filter: ${WINDOW.from.toISOString()} – ${WINDOW.to.toISOString()} (224 rows for the company, page of 50); without it, the company's first 50. Seeding: ${datasets.map((d) => `${d.label} rows in ${d.loadSeconds.toFixed(1)} s`).join(', ')} (INSERT … SELECT generate_series, then VACUUM ANALYZE)${large ? '' : '; 10M rows only with BENCH_LARGE=1'}.`,
      ...Object.entries(plans).map(([label, plan]) => `Plans at ${label} rows: ${plan.join('; ')}`),
      `CPU per response at ${TARGET_CONNECTIONS} connections, ${big} rows (ms): GraphQL server ${main.graphql.cpuMsPerRequest} + PostgreSQL ${main.graphql.postgresCpuMsPerRequest} + load generator ${main.graphql.generatorCpuMsPerRequest}; floor ${main.floorAfter.cpuMsPerRequest} + ${main.floorAfter.postgresCpuMsPerRequest} + ${main.floorAfter.generatorCpuMsPerRequest}. Two cores: whoever needs more CPU per response saturates first.`,
      'The answers are compared byte for byte (GraphQL body against the floor\'s) for every variant before any load is timed.',
    ],
    files: { 'list-scale.svg': chart },
    raw: { datasets: datasets.map(({ label, rows, loadSeconds }) => ({ label, rows, loadSeconds })), measurements, legacy, plans },
  };
}

/** Other processes' CPU share in each run, with the number of attempts when a noisy run was repeated (support/load.ts). */
function otherCpu(runs: LoadResult[]): string {
  return runs.map((r) => `${fmt.pct(r.foreignCpu)}${(r.attempts ?? 1) > 1 ? ` (${r.attempts} runs)` : ''}`).join(' / ');
}

function variantOf(id: Variant['id']): Variant {
  return [RANGE, ALL, COUNT].find((v) => v.id === id)!;
}

export function graphqlRequest(server: Child, dataset: Pick<Dataset, 'company'>, variant: Variant) {
  const filter = variant.range ? { from: WINDOW.from.toISOString(), to: WINDOW.to.toISOString() } : null;
  return {
    url: `${server.url}/graphql`,
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${dataset.company.readKey}` },
    body: JSON.stringify({ query: variant.count ? LIST_QUERY_COUNT : LIST_QUERY, variables: { filter, first: 50 } }),
  };
}

export function floorRequest(floor: Child, dataset: Pick<Dataset, 'company'>, variant: Variant, path = '/list') {
  const query = new URLSearchParams({ company: dataset.company.id, first: '50' });
  if (variant.range) {
    query.set('from', WINDOW.from.toISOString());
    query.set('to', WINDOW.to.toISOString());
  }
  if (variant.count) query.set('count', '1');
  return { url: `${floor.url}${path}?${query}`, method: 'GET' };
}

/** Both answer the same bytes before anything is timed (else the floor would not be the same work). */
async function checkSameAnswer(server: Child, floor: Child, dataset: Dataset, variant: Variant): Promise<void> {
  const g = graphqlRequest(server, dataset, variant);
  const sut = await (await fetch(g.url, { method: 'POST', headers: g.headers, body: g.body })).text();
  const base = await (await fetch(floorRequest(floor, dataset, variant).url)).text();
  const edges = (JSON.parse(sut) as { data?: { appointments?: { edges?: unknown[] } } }).data?.appointments?.edges?.length;
  if (sut !== base || edges !== 50) {
    const at = [...sut].findIndex((ch, i) => ch !== base[i]);
    throw new Error(`GraphQL and its floor answer differently (${variant.label}) at character ${at}: ${sut.slice(Math.max(0, at - 80), at + 80)} ≠ ${base.slice(Math.max(0, at - 80), at + 80)}`);
  }
}

/** EXPLAIN ANALYZE of the floor's statements: the plan nodes and times. */
async function explain(dataset: Dataset): Promise<string[]> {
  return withClient(dataset.url, async (client) => {
    const columns = 'id, status, title, start_at, end_at, client_name, client_phone, client_email, meeting_url, source, cal_booking_uid, cancellation_reason, created_at, updated_at';
    const range = 'company_id = $1 and start_at >= $2 and start_at < $3';
    const params = [dataset.company.id, WINDOW.from.toISOString(), WINDOW.to.toISOString()];
    const out: string[] = [];
    for (const [name, sql, values] of [
      ['count (date filter)', `select count(*) as n from appointments where ${range}`, params],
      ['page (date filter)', `select ${columns} from appointments where ${range} order by start_at, id limit $4`, [...params, 51]],
      ['page (no filter)', `select ${columns} from appointments where company_id = $1 order by start_at, id limit $2`, [dataset.company.id, 51]],
    ] as const) {
      const result = await client.query<{ 'QUERY PLAN': string }>(`explain (analyze, buffers, costs off) ${sql}`, [...values]);
      const lines = result.rows.map((r) => r['QUERY PLAN']);
      const nodes = lines.filter((l) => /Scan|Sort|Aggregate|Limit/.test(l)).map((l) => l.trim().replace(/^->\s*/, '').replace(/\s*\(actual.*$/, ''));
      const time = lines.find((l) => l.startsWith('Execution Time'))?.replace('Execution Time: ', '') ?? '';
      out.push(`${name}: ${nodes.join(' → ')} (${time})`);
    }
    return out;
  });
}
