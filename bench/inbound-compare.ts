import type { RawRequest } from 'autocannon';
import { startCluster } from './support/cluster.js';
import { runLoad, type LoadResult } from './support/load.js';
import { profileArgs, startServer } from './support/processes.js';
import { seedCompanies } from './support/seed.js';

/**
 * Paired comparison of builds on the WhatsApp inbound acknowledgement alone (50 senders, every
 * message new, as bench/whatsapp.bench.ts): `node dist/bench/inbound-compare.js <label>=<main.js>[,ENV=value…] …`.
 * Each round starts every build in turn on one database and loads it (INBOUND_SECONDS, default 4,
 * after 1 s of warm-up); INBOUND_ROUNDS (3) rounds, INBOUND_ROLE (api | all; default api). Prints
 * throughput, p99 and the CPU per acknowledgement of the server, PostgreSQL and the load generator
 * for every run, then the medians: on a shared machine the CPU per request of paired runs is what
 * holds up. BENCH_PROFILE=<dir> profiles the servers.
 */
const targets = process.argv.slice(2).map((arg) => {
  const [label, spec] = arg.split('=', 2) as [string, string | undefined];
  if (!spec) throw new Error('usage: node dist/bench/inbound-compare.js <label>=<main.js>[,ENV=value…] …');
  const [main, ...env] = spec.split(',');
  return { label, main: main!, env: Object.fromEntries(env.map((e) => e.split('=', 2) as [string, string])) };
});
const rounds = Number(process.env.INBOUND_ROUNDS ?? 3);
const seconds = Number(process.env.INBOUND_SECONDS ?? 4);
const role = process.env.INBOUND_ROLE === 'all' ? 'all' : 'api';

const cluster = await startCluster();
try {
  const url = await cluster.createDatabase('bench_inbound_compare');
  const [company] = await seedCompanies(url, 1);
  const headers = { 'content-type': 'application/json', authorization: `Bearer ${company!.inboundToken}` };
  let messages = 0;
  let phones = 0;
  const setupRequest = (request: RawRequest, context: Record<string, unknown>): RawRequest => {
    context.phone ??= `55119${String(70_000_000 + ++phones).slice(-8)}`;
    return { ...request, method: 'POST', headers, body: JSON.stringify({ number: context.phone, body: 'quero marcar uma reunião', messageId: `compare-${++messages}`, name: 'Pessoa Bench' }) };
  };
  const results = new Map<string, LoadResult[]>();
  for (let round = 0; round < rounds; round++) {
    for (const target of targets) {
      const server = await startServer({ databaseUrl: url, role, main: target.main, env: target.env, nodeArgs: profileArgs() });
      try {
        const r = await runLoad({ url: `${server.url}/api/whaticket/inbound/${company!.id}`, pid: server.pid, connections: 50, durationSeconds: seconds, warmupSeconds: 1, setupRequest });
        console.log(`${target.label.padEnd(10)} round ${round}: ${Math.round(r.rps)} req/s, p99 ${r.p99} ms; CPU ms/req server ${r.cpuMsPerRequest}, PostgreSQL ${r.postgresCpuMsPerRequest}, generator ${r.generatorCpuMsPerRequest}; other CPU ${Math.round(r.foreignCpu * 100)}%; non-2xx ${r.non2xx}`);
        results.set(target.label, [...(results.get(target.label) ?? []), r]);
      } finally {
        await server.stop();
      }
    }
  }
  const median = (values: number[]) => [...values].sort((x, y) => x - y)[Math.floor(values.length / 2)]!;
  for (const [label, runs] of results) {
    console.log(`median ${label.padEnd(10)} ${Math.round(median(runs.map((r) => r.rps)))} req/s, p99 ${median(runs.map((r) => r.p99))} ms; CPU ms/req server ${median(runs.map((r) => r.cpuMsPerRequest))}, PostgreSQL ${median(runs.map((r) => r.postgresCpuMsPerRequest))}, generator ${median(runs.map((r) => r.generatorCpuMsPerRequest))}`);
  }
} finally {
  await cluster.stop();
}
