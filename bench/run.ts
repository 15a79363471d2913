import 'reflect-metadata';
import { cpus, loadavg, totalmem } from 'node:os';
import { fileURLToPath } from 'node:url';
import { benchFanout } from './fanout.bench.js';
import { benchList } from './list.bench.js';
import { benchReminders } from './reminders.bench.js';
import { writeReport, type Report } from './report.js';
import { startCluster, withClient } from './support/cluster.js';
import { foreignCpuSample, foreignShare } from './support/load.js';
import type { BenchContext, Section } from './support/context.js';
import { benchStartup } from './startup.bench.js';
import { benchWebhook } from './webhook.bench.js';
import { benchWhatsapp } from './whatsapp.bench.js';

/**
 * `npm run bench`: every benchmark of bench/, in one run on this machine, each against its baseline
 * measured in the same run. Writes bench/results.json and the generated part of bench/results.md.
 * BENCH_QUICK=1 shortens the load runs; BENCH_ONLY=list,webhook,… runs a subset; BENCH_SERVER_MAIN
 * measures another build; BENCH_PROFILE=<dir> writes CPU profiles of the servers; BENCH_RESULTS_DIR
 * writes the results elsewhere.
 */
const BENCHMARKS: Record<string, (ctx: BenchContext) => Promise<Section>> = {
  startup: benchStartup,
  list: benchList,
  webhook: benchWebhook,
  fanout: benchFanout,
  whatsapp: benchWhatsapp,
  reminders: benchReminders,
};

async function main(): Promise<void> {
  const quick = process.env.BENCH_QUICK === '1';
  const only = process.env.BENCH_ONLY?.split(',').map((s) => s.trim()).filter(Boolean);
  const selected = Object.keys(BENCHMARKS).filter((id) => !only || only.includes(id));
  const startedAt = new Date();
  const log = (message: string) => console.log(`[bench ${((Date.now() - startedAt.getTime()) / 1000).toFixed(0).padStart(4)} s] ${message}`);

  const cluster = await startCluster();
  const ctx: BenchContext = { cluster, quick, seconds: quick ? 4 : 10, warmup: quick ? 1 : 3, log };
  const report: Report = {
    startedAt: startedAt.toISOString(),
    finishedAt: '',
    quick,
    machine: {
      cpus: cpus().length,
      cpu: cpus()[0]?.model.trim() ?? 'unknown',
      memory: `${Math.round(totalmem() / 2 ** 30)} GiB`,
      node: process.version,
      postgres: await withClient(cluster.adminUrl, async (c) => (await c.query<{ v: string }>("select current_setting('server_version') as v")).rows[0]!.v),
    },
    sections: [],
    failures: [],
  };
  try {
    for (const id of selected) {
      const load = await waitForQuiet(log);
      log(`== ${id} (load average ${load})`);
      try {
        const section = await BENCHMARKS[id]!(ctx);
        section.notes.push(`Machine when this section started: load average ${load}; load average when it ended: ${loadavg()[0]!.toFixed(2)}.`);
        report.sections.push(section);
      } catch (error) {
        console.error(error);
        report.failures.push({ id, error: error instanceof Error ? error.message : String(error) });
      }
    }
  } finally {
    await cluster.stop();
  }
  report.finishedAt = new Date().toISOString();
  // BENCH_RESULTS_DIR: write elsewhere (e.g. when measuring another build with BENCH_SERVER_MAIN).
  writeReport(process.env.BENCH_RESULTS_DIR?.trim() || fileURLToPath(new URL('../../bench/', import.meta.url)), report);
  for (const section of report.sections) {
    for (const f of section.figures) console.log(`${f.pass === null ? 'info  ' : f.pass ? 'met   ' : 'MISSED'} ${section.id}: ${f.metric}: ${f.value} (target ${f.target})`);
  }
  log(`done; wrote bench/results.md and bench/results.json`);
  if (report.failures.length) process.exitCode = 1;
}

/**
 * Other work on a 2-core machine (a test suite, a build) halves what the benchmarks measure. Before
 * each section, wait up to BENCH_QUIET_WAIT seconds (default 180) while processes outside the
 * benchmark use more than 15% of the CPU; what they used during each load run is recorded anyway.
 */
async function waitForQuiet(log: (message: string) => void): Promise<string> {
  const deadline = Date.now() + Number(process.env.BENCH_QUIET_WAIT ?? 180) * 1000;
  const foreign = async () => {
    const before = foreignCpuSample();
    await new Promise((resolve) => setTimeout(resolve, 2000));
    return foreignShare(before, foreignCpuSample());
  };
  let share = await foreign();
  if (share > 0.15) log(`waiting for other processes to settle (they use ${Math.round(share * 100)}% of the CPU)`);
  while (share > 0.15 && Date.now() < deadline) share = await foreign();
  return `${loadavg()[0]!.toFixed(2)}, other processes ${Math.round(share * 100)}% CPU`;
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
