import 'reflect-metadata';
import { ALL, COUNT, floorRequest, graphqlRequest, RANGE } from './list.bench.js';
import { startCluster } from './support/cluster.js';
import { foreignCpuSample, foreignShare, runLoad, type LoadResult } from './support/load.js';
import { profileArgs, SERVER_MAIN, startBaseline, startServer, type Child } from './support/processes.js';
import { loadAppointments, seedCompanies, WEBHOOK_SECRET } from './support/seed.js';

/**
 * A-B comparison of two builds of the server on the list benchmark, for one change at a time:
 * `node dist/bench/compare.js <A main.js> <B main.js>` (default A: this build). Both servers and the
 * floor run at once on one dataset, measured in turn (floor, A, B, …, floor, A), so a drift of the
 * machine shows as a drift of the floor and of A. Prints every run and the means.
 * COMPARE_ROWS (per company, 20 companies; default 500 = 10k rows), COMPARE_CONNECTIONS (32),
 * COMPARE_SECONDS (5), COMPARE_ROUNDS (3), COMPARE_VARIANT (range | all | count); before each run it
 * waits up to COMPARE_QUIET_WAIT seconds (30) for other processes to use under 20% of the CPU.
 * BENCH_PROFILE=<dir> profiles both servers and the floor.
 */
const [a = SERVER_MAIN, b] = process.argv.slice(2);
if (!b) throw new Error('usage: node dist/bench/compare.js <A main.js> <B main.js>');
const perCompany = Number(process.env.COMPARE_ROWS ?? 500);
const connections = Number(process.env.COMPARE_CONNECTIONS ?? 32);
const seconds = Number(process.env.COMPARE_SECONDS ?? 5);
const rounds = Number(process.env.COMPARE_ROUNDS ?? 3);
const variant = { range: RANGE, all: ALL, count: COUNT }[process.env.COMPARE_VARIANT ?? 'range'] ?? RANGE;

const cluster = await startCluster();
const children: Child[] = [];
try {
  const url = await cluster.createDatabase('bench_compare');
  const companies = await seedCompanies(url, 20);
  await loadAppointments(url, companies.map((c) => c.id), perCompany);
  const dataset = { company: companies[7]! };
  // COMPARE_B_NODE_ARGS: node flags for B only (e.g. a GC setting measured against the same build).
  const bArgs = process.env.COMPARE_B_NODE_ARGS?.trim().split(/\s+/).filter(Boolean);
  const servers = { A: await startServer({ databaseUrl: url, main: a }), B: await startServer({ databaseUrl: url, main: b, ...(bArgs ? { nodeArgs: [...profileArgs(), ...bArgs] } : {}) }) };
  const floor = await startBaseline(url, WEBHOOK_SECRET);
  children.push(servers.A, servers.B, floor);
  const results: Record<string, LoadResult[]> = { floor: [], A: [], B: [] };
  /** Up to COMPARE_QUIET_WAIT seconds (default 30) for other processes to drop under 20% of the CPU. */
  const quiet = async () => {
    const deadline = Date.now() + Number(process.env.COMPARE_QUIET_WAIT ?? 30) * 1000;
    for (;;) {
      const before = foreignCpuSample();
      await new Promise((resolve) => setTimeout(resolve, 1000));
      if (foreignShare(before, foreignCpuSample()) < 0.2 || Date.now() > deadline) return;
    }
  };
  const run = async (who: 'floor' | 'A' | 'B') => {
    await quiet();
    const child = who === 'floor' ? floor : servers[who];
    const request = who === 'floor' ? floorRequest(floor, dataset, variant) : graphqlRequest(child, dataset, variant);
    const r = await runLoad({ ...request, pid: child.pid, connections, durationSeconds: seconds, warmupSeconds: 1 });
    results[who]!.push(r);
    console.log(`${who.padEnd(5)} ${String(r.rps).padStart(7)} req/s  p50 ${r.p50}  p99 ${r.p99}  p99.9 ${r.p999}  cpu ${r.cpuMsPerRequest} + pg ${r.postgresCpuMsPerRequest} ms/req  other CPU ${Math.round(r.foreignCpu * 100)}%`);
  };
  for (let i = 0; i < rounds; i++) for (const who of ['floor', 'A', 'B'] as const) await run(who);
  await run('floor');
  await run('A');
  const mean = (rs: LoadResult[], k: 'rps' | 'p50' | 'p99' | 'cpuMsPerRequest' | 'postgresCpuMsPerRequest') => rs.reduce((s, r) => s + r[k], 0) / rs.length;
  const floorRps = mean(results.floor!, 'rps');
  for (const who of ['floor', 'A', 'B'] as const) {
    const rs = results[who]!;
    const rps = rs.map((r) => r.rps);
    console.log(`${who.padEnd(5)} mean ${mean(rs, 'rps').toFixed(0)} req/s (${Math.min(...rps)}–${Math.max(...rps)}) = ${((100 * mean(rs, 'rps')) / floorRps).toFixed(0)}% of the floor; p50 ${mean(rs, 'p50').toFixed(2)} p99 ${mean(rs, 'p99').toFixed(2)}; cpu ${mean(rs, 'cpuMsPerRequest').toFixed(3)} + pg ${mean(rs, 'postgresCpuMsPerRequest').toFixed(3)} ms/req`);
  }
} finally {
  for (const child of children) await child.stop();
  await cluster.stop();
}
