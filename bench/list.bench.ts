import { withClient } from './support/cluster.js';
import { fmt, type BenchContext, type Figure, type Section } from './support/context.js';
import { runLoad, type LoadResult } from './support/load.js';
import { startBaseline, startServer, type Child } from './support/processes.js';
import { HISTORY_END, loadAppointments, seedCompanies, WEBHOOK_SECRET, type SeededCompany } from './support/seed.js';
import { round } from './support/stats.js';

export const LIST_QUERY = `query List($filter: AppointmentFilter, $first: Int) {
  appointments(filter: $filter, first: $first) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges { cursor node { id status title startAt endAt clientName clientPhone clientEmail meetingUrl source calBookingUid cancellationReason createdAt updatedAt } }
  }
}`;

const COMPANIES = 20;
const CONCURRENCY = [1, 8, 32];
/** The admin agenda's window: the last 14 days of the history (224 appointments per company). */
const WINDOW = { from: new Date(HISTORY_END.getTime() - 14 * 86_400_000), to: HISTORY_END };

interface Dataset {
  label: string;
  rows: number;
  url: string;
  company: SeededCompany;
  loadSeconds: number;
}

/**
 * `appointments(first: 50)` with a date filter for one company, through GraphQL (`npm start`'s
 * server, production mode, default log level) against a bare Fastify + pg route running the same SQL.
 */
export async function benchList(ctx: BenchContext): Promise<Section> {
  const datasets: Dataset[] = [];
  for (const [label, perCompany] of [['1,000,000', 50_000], ['10,000', 500]] as const) {
    const url = await ctx.cluster.createDatabase(`bench_list_${perCompany * COMPANIES}`);
    const companies = await seedCompanies(url, COMPANIES);
    const loaded = await loadAppointments(url, companies.map((c) => c.id), perCompany);
    ctx.log(`list: loaded ${loaded.rows} appointments in ${loaded.seconds.toFixed(1)} s`);
    datasets.push({ label, rows: loaded.rows, url, company: companies[7]!, loadSeconds: loaded.seconds });
  }

  const runs: Array<{ dataset: string; target: 'graphql' | 'baseline'; result: LoadResult }> = [];
  const plans: Record<string, string[]> = {};
  for (const dataset of datasets) {
    plans[dataset.label] = await explain(dataset);
    const server = await startServer({ databaseUrl: dataset.url });
    const baseline = await startBaseline(dataset.url, WEBHOOK_SECRET);
    try {
      await checkSameAnswer(server, baseline, dataset);
      for (const connections of CONCURRENCY) {
        // Alternate, so both see the same machine state (page cache, autovacuum, thermal).
        const sut = await runLoad({ ...graphqlRequest(server, dataset), pid: server.pid, connections, durationSeconds: ctx.seconds, warmupSeconds: ctx.warmup });
        runs.push({ dataset: dataset.label, target: 'graphql', result: sut });
        ctx.log(`list ${dataset.label} graphql  c=${connections}: ${sut.rps} req/s p50 ${sut.p50} p99 ${sut.p99} non2xx ${sut.non2xx}`);
        const base = await runLoad({ ...baselineRequest(baseline, dataset), pid: baseline.pid, connections, durationSeconds: ctx.seconds, warmupSeconds: ctx.warmup });
        runs.push({ dataset: dataset.label, target: 'baseline', result: base });
        ctx.log(`list ${dataset.label} baseline c=${connections}: ${base.rps} req/s p50 ${base.p50} p99 ${base.p99}`);
      }
    } finally {
      await server.stop();
      await baseline.stop();
    }
  }

  const find = (dataset: string, target: 'graphql' | 'baseline', c: number) =>
    runs.find((r) => r.dataset === dataset && r.target === target && r.result.connections === c)!.result;
  const big = datasets[0]!.label;
  const small = datasets[1]!.label;
  const sut32 = find(big, 'graphql', 32);
  const base32 = find(big, 'baseline', 32);
  const throughputRatio = sut32.rps / base32.rps;
  const p99Ratio = sut32.p99 / base32.p99;
  const scaleRatio = find(big, 'graphql', 1).p50 / find(small, 'graphql', 1).p50;
  const scaleRatio32 = find(big, 'graphql', 32).p50 / find(small, 'graphql', 32).p50;
  const errors = runs.reduce((n, r) => n + r.result.non2xx + r.result.errors, 0);

  const figures: Figure[] = [
    { metric: 'GraphQL list, 1M rows, 32 conn: throughput vs baseline', value: `${fmt.rps(sut32.rps)} vs ${fmt.rps(base32.rps)} = ${fmt.pct(throughputRatio)}`, target: '≥ 50%', pass: throughputRatio >= 0.5 },
    { metric: 'GraphQL list, 1M rows, 32 conn: p99 vs baseline p99', value: `${fmt.ms(sut32.p99)} vs ${fmt.ms(base32.p99)} = ${fmt.ratio(p99Ratio)}`, target: '≤ 2×', pass: p99Ratio <= 2 },
    { metric: 'GraphQL list p50 at 1M rows vs 10k rows (1 conn)', value: `${fmt.ms(find(big, 'graphql', 1).p50)} vs ${fmt.ms(find(small, 'graphql', 1).p50)} = ${fmt.ratio(scaleRatio)}`, target: '≤ 1.5×', pass: scaleRatio <= 1.5 },
    { metric: 'GraphQL list p50 at 1M rows vs 10k rows (32 conn)', value: `${fmt.ms(find(big, 'graphql', 32).p50)} vs ${fmt.ms(find(small, 'graphql', 32).p50)} = ${fmt.ratio(scaleRatio32)}`, target: '≤ 1.5×', pass: scaleRatio32 <= 1.5 },
    { metric: 'GraphQL list: non-2xx responses and socket errors', value: String(errors), target: '0', pass: errors === 0 },
  ];
  const rows = datasets.flatMap((d) =>
    CONCURRENCY.map((c) => {
      const s = find(d.label, 'graphql', c);
      const b = find(d.label, 'baseline', c);
      return [d.label, c, Math.round(s.rps), s.p50, s.p99, s.cpuMsPerRequest, Math.round(b.rps), b.p50, b.p99, b.cpuMsPerRequest, fmt.pct(s.rps / b.rps), fmt.ratio(s.p99 / b.p99), `${fmt.pct(s.foreignCpu)} / ${fmt.pct(b.foreignCpu)}`];
    }),
  );
  return {
    id: 'list',
    title: 'GraphQL list: appointments(first: 50) with a date filter, one company of 20',
    command: 'BENCH_ONLY=list npm run bench',
    figures,
    tables: [
      {
        title: 'Throughput (2xx/s), latency (ms) and server CPU time per request (ms, Node process only) per concurrency; baseline = bare Fastify + pg, same SQL, same pool size',
        header: ['rows', 'conn', 'GraphQL req/s', 'p50', 'p99', 'CPU ms/req', 'baseline req/s', 'p50', 'p99', 'CPU ms/req', 'throughput ratio', 'p99 ratio', 'other CPU (GraphQL / baseline run)'],
        rows,
      },
    ],
    notes: [
      `Data: 20 companies, one appointment every 90 min per company (same density in both sets; the 1M set has 100× more history). Window: ${WINDOW.from.toISOString()} – ${WINDOW.to.toISOString()} (224 rows for the company, page of 50). Load: ${datasets.map((d) => `${d.label} rows in ${d.loadSeconds.toFixed(1)} s`).join(', ')} (INSERT … SELECT generate_series, then VACUUM ANALYZE).`,
      ...Object.entries(plans).map(([label, plan]) => `Plans at ${label} rows: ${plan.join('; ')}`),
      `CPU per response at 32 connections, 1M rows (ms): GraphQL server ${sut32.cpuMsPerRequest} + PostgreSQL ${sut32.postgresCpuMsPerRequest} + load generator ${sut32.generatorCpuMsPerRequest}; baseline ${base32.cpuMsPerRequest} + ${base32.postgresCpuMsPerRequest} + ${base32.generatorCpuMsPerRequest}. Two cores: whoever needs more CPU per response saturates first.`,
    ],
    raw: { datasets: datasets.map(({ label, rows, loadSeconds }) => ({ label, rows, loadSeconds })), runs, plans, ratios: { throughputRatio: round(throughputRatio, 3), p99Ratio: round(p99Ratio, 3), scaleRatio: round(scaleRatio, 3), scaleRatio32: round(scaleRatio32, 3) } },
  };
}

function graphqlRequest(server: Child, dataset: Dataset) {
  return {
    url: `${server.url}/graphql`,
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${dataset.company.readKey}` },
    body: JSON.stringify({ query: LIST_QUERY, variables: { filter: { from: WINDOW.from.toISOString(), to: WINDOW.to.toISOString() }, first: 50 } }),
  };
}

function baselineRequest(baseline: Child, dataset: Dataset) {
  const query = new URLSearchParams({ company: dataset.company.id, from: WINDOW.from.toISOString(), to: WINDOW.to.toISOString(), first: '50' });
  return { url: `${baseline.url}/list?${query}`, method: 'GET' };
}

/** Both answer the same page before anything is timed. */
async function checkSameAnswer(server: Child, baseline: Child, dataset: Dataset): Promise<void> {
  const g = graphqlRequest(server, dataset);
  const sut = (await (await fetch(g.url, { method: 'POST', headers: g.headers, body: g.body })).json()) as { data?: { appointments: { totalCount: number; edges: Array<{ node: { id: string } }> } }; errors?: unknown };
  const b = baselineRequest(baseline, dataset);
  const base = (await (await fetch(b.url)).json()) as { data: { appointments: { totalCount: number; edges: Array<{ node: { id: string } }> } } };
  const ids = (x: { edges: Array<{ node: { id: string } }> }) => x.edges.map((e) => e.node.id).join(',');
  if (!sut.data || sut.data.appointments.totalCount !== base.data.appointments.totalCount || ids(sut.data.appointments) !== ids(base.data.appointments) || sut.data.appointments.edges.length !== 50) {
    throw new Error(`GraphQL and baseline disagree: ${JSON.stringify(sut).slice(0, 500)}`);
  }
}

/** EXPLAIN ANALYZE of the two statements of AppointmentService.list: the plan nodes and times. */
async function explain(dataset: Dataset): Promise<string[]> {
  return withClient(dataset.url, async (client) => {
    const where = 'company_id = $1 and start_at >= $2 and start_at < $3';
    const params = [dataset.company.id, WINDOW.from.toISOString(), WINDOW.to.toISOString()];
    const out: string[] = [];
    for (const [name, sql, extra] of [
      ['count', `select count(*) as n from appointments where ${where}`, []],
      ['page', `select * from appointments where ${where} order by start_at, id limit $4`, [51]],
    ] as const) {
      const result = await client.query<{ 'QUERY PLAN': string }>(`explain (analyze, buffers, costs off) ${sql}`, [...params, ...extra]);
      const lines = result.rows.map((r) => r['QUERY PLAN']);
      const nodes = lines.filter((l) => /Scan|Sort|Aggregate|Limit/.test(l)).map((l) => l.trim().replace(/^->\s*/, '').replace(/\s*\(actual.*$/, ''));
      const time = lines.find((l) => l.startsWith('Execution Time'))?.replace('Execution Time: ', '') ?? '';
      out.push(`${name}: ${nodes.join(' → ')} (${time})`);
    }
    return out;
  });
}
