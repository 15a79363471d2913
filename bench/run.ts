import 'reflect-metadata';
import { cpus, totalmem } from 'node:os';
import { fileURLToPath } from 'node:url';
import { benchFanout } from './fanout.bench.js';
import { benchList } from './list.bench.js';
import { writeReport, type Report } from './report.js';
import { startCluster, withClient } from './support/cluster.js';
import type { BenchContext, Section } from './support/context.js';
import { benchStartup } from './startup.bench.js';
import { benchWebhook } from './webhook.bench.js';
import { benchWhatsapp } from './whatsapp.bench.js';

/**
 * `npm run bench`: every benchmark of bench/, in one run on this machine, each against its baseline
 * measured in the same run. Writes bench/results.json and the generated part of bench/results.md.
 * BENCH_QUICK=1 shortens the load runs; BENCH_ONLY=list,webhook,… runs a subset.
 */
const BENCHMARKS: Record<string, (ctx: BenchContext) => Promise<Section>> = {
  startup: benchStartup,
  list: benchList,
  webhook: benchWebhook,
  fanout: benchFanout,
  whatsapp: benchWhatsapp,
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
      postgres: await withClient(cluster.adminUrl, async (c) => (await c.query<{ v: string }>('show server_version')).rows[0]!.v),
    },
    sections: [],
    failures: [],
  };
  try {
    for (const id of selected) {
      log(`== ${id}`);
      try {
        report.sections.push(await BENCHMARKS[id]!(ctx));
      } catch (error) {
        console.error(error);
        report.failures.push({ id, error: error instanceof Error ? error.message : String(error) });
      }
    }
  } finally {
    await cluster.stop();
  }
  report.finishedAt = new Date().toISOString();
  writeReport(fileURLToPath(new URL('../../bench/', import.meta.url)), report);
  for (const section of report.sections) {
    for (const f of section.figures) console.log(`${f.pass === null ? 'info  ' : f.pass ? 'met   ' : 'MISSED'} ${section.id}: ${f.metric}: ${f.value} (target ${f.target})`);
  }
  log(`done; wrote bench/results.md and bench/results.json`);
  if (report.failures.length) process.exitCode = 1;
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
