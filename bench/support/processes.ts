import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { BENCH_APP_SECRET } from './seed.js';

// Compiled (dist/bench/support) or imported from sources (vitest): the processes always run dist/.
const HERE = fileURLToPath(new URL('.', import.meta.url));
const DIST = HERE.includes('/dist/') ? resolve(HERE, '../..') + '/' : resolve(HERE, '../../dist') + '/';
/** BENCH_SERVER_MAIN: benchmark another build (a branch, a patched copy) with the same harness. */
export const SERVER_MAIN = process.env.BENCH_SERVER_MAIN?.trim() || `${DIST}server/main.js`;
const BASELINE_MAIN = `${DIST}bench/baseline-server.js`;
const SANDBOXES_MAIN = `${DIST}bench/sandboxes-server.js`;
const GC_PRELOAD = pathToFileURL(`${DIST}bench/support/gc-preload.js`).href;
const RUNTIME_PRELOAD = pathToFileURL(`${DIST}bench/support/runtime-preload.js`).href;

/** `node` flags and environment that make a process log its GC pauses and loop delay to `file`. */
function runtimeLogging(file: string | undefined): { args: string[]; env: Record<string, string> } {
  return file ? { args: ['--import', RUNTIME_PRELOAD], env: { BENCH_RUNTIME_LOG: file } } : { args: [], env: {} };
}

export interface Child {
  url: string;
  /** The METRICS_PORT listener (/metrics in production mode is served only there without METRICS_TOKEN). */
  metricsUrl: string;
  pid: number;
  process: ChildProcess;
  /** Resident set size from /proc (bytes). */
  rss(): number;
  /** Asks the process for a full GC (servers started with `gcHooks`), then waits for it to settle. */
  collectGarbage(): Promise<void>;
  stderr(): string;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.on('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      probe.close(() => resolve(port));
    });
  });
}

/**
 * BENCH_PROFILE=<dir>: every server process writes a V8 CPU profile there when it stops (open it in
 * Chrome DevTools or speedscope), the way the profiles quoted in results.md were taken.
 */
export function profileArgs(): string[] {
  const dir = process.env.BENCH_PROFILE?.trim();
  // BENCH_NODE_ARGS: more flags for the server processes, e.g. `--heap-prof --heap-prof-dir=<dir>` (allocation profile).
  const extra = process.env.BENCH_NODE_ARGS?.trim().split(/\s+/).filter(Boolean) ?? [];
  return [...(dir ? ['--cpu-prof', `--cpu-prof-dir=${dir}`] : []), ...extra];
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export interface ServerOptions {
  databaseUrl?: string;
  role?: 'all' | 'api' | 'worker';
  /** The product's production default is `info`; request logs go to /dev/null. */
  logLevel?: string;
  /** Preload a SIGUSR2 → gc() hook (memory measurements). */
  gcHooks?: boolean;
  env?: Record<string, string>;
  /** Path that answers 200 when ready. */
  readyPath?: string;
  readyTimeoutMs?: number;
  /** Extra `node` flags, e.g. `--cpu-prof` (see BENCH_PROFILE in run.ts). */
  nodeArgs?: string[];
  /** Log GC pauses and event-loop delay to this file (support/runtime-preload.ts). */
  runtimeLog?: string;
  /** Another build's `dist/server/main.js` (bench/compare.ts); default SERVER_MAIN. */
  main?: string;
}

/** `node dist/server/main.js` in production mode on a free loopback port, ready when /readyz is 200. */
export async function startServer(options: ServerOptions = {}): Promise<Child> {
  const port = await freePort();
  const metricsPort = await freePort();
  const env: Record<string, string> = {
    ...(process.env as Record<string, string>),
    NODE_ENV: 'production',
    HOST: '127.0.0.1',
    PORT: String(port),
    METRICS_PORT: String(metricsPort),
    APP_SECRET: BENCH_APP_SECRET,
    ROLE: options.role ?? 'all',
    LOG_LEVEL: options.logLevel ?? 'info',
    // All load comes from one loopback address: the per-IP limit of the public endpoints would
    // measure itself (1,200/min by default), not the server.
    PUBLIC_RATE_LIMIT: '0',
    // The Cal.com and Whaticket fakes listen on loopback.
    OUTBOUND_ALLOWED_HOSTS: '127.0.0.1,localhost',
    ...options.env,
    ...runtimeLogging(options.runtimeLog).env,
  };
  if (options.databaseUrl) env.DATABASE_URL = options.databaseUrl;
  else delete env.DATABASE_URL;
  const args = [...(options.nodeArgs ?? profileArgs()), ...runtimeLogging(options.runtimeLog).args, ...(options.gcHooks ? ['--expose-gc', '--import', GC_PRELOAD] : []), options.main ?? SERVER_MAIN];
  // ROLE=worker serves no API: its probes (and so its `url`) are on METRICS_PORT.
  const url = `http://127.0.0.1:${options.role === 'worker' ? metricsPort : port}`;
  return launch(args, env, url, options.readyPath ?? '/readyz', options.readyTimeoutMs ?? 60_000, `http://127.0.0.1:${metricsPort}`);
}

/** The bare Fastify + pg baseline routes (bench/baseline-server.ts). */
export async function startBaseline(databaseUrl: string, webhookSecret: string, options: { runtimeLog?: string; env?: Record<string, string> } = {}): Promise<Child> {
  const port = await freePort();
  const logging = runtimeLogging(options.runtimeLog);
  const env = { ...(process.env as Record<string, string>), DATABASE_URL: databaseUrl, PORT: String(port), WEBHOOK_SECRET: webhookSecret, ...logging.env, ...options.env };
  return launch([...profileArgs(), ...logging.args, BASELINE_MAIN], env, `http://127.0.0.1:${port}`, '/healthz', 30_000);
}

export interface Sandboxes {
  child: Child;
  calcomUrl: string;
  whaticketUrl: string;
  whaticketToken: string;
  /** Every Whaticket send so far: number and wall-clock time (ms) it reached the sandbox. */
  sent: Array<{ number: string; body: string; at: number }>;
  waitForSent(predicate: (m: { number: string; body: string; at: number }) => boolean, timeoutMs: number): Promise<{ number: string; body: string; at: number }>;
}

/** Cal.com and Whaticket sandboxes in their own process, so their work does not load the load generator. */
export async function startSandboxes(): Promise<Sandboxes> {
  const child = spawn(process.execPath, [SANDBOXES_MAIN], { stdio: ['ignore', 'pipe', 'pipe'] });
  const sent: Sandboxes['sent'] = [];
  const waiters: Array<{ predicate: (m: Sandboxes['sent'][number]) => boolean; resolve: (m: Sandboxes['sent'][number]) => void }> = [];
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-20_000)));
  const ready = new Promise<{ calcomUrl: string; whaticketUrl: string; whaticketToken: string }>((resolve, reject) => {
    let buffer = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      buffer += chunk.toString();
      let newline: number;
      while ((newline = buffer.indexOf('\n')) >= 0) {
        const line = buffer.slice(0, newline);
        buffer = buffer.slice(newline + 1);
        const message = JSON.parse(line) as { ready?: { calcomUrl: string; whaticketUrl: string; whaticketToken: string }; sent?: Sandboxes['sent'][number] };
        if (message.ready) resolve(message.ready);
        if (message.sent) {
          sent.push(message.sent);
          for (const waiter of [...waiters]) {
            if (waiter.predicate(message.sent)) {
              waiters.splice(waiters.indexOf(waiter), 1);
              waiter.resolve(message.sent);
            }
          }
        }
      }
    });
    child.once('exit', (code) => reject(new Error(`sandboxes exited with ${code}: ${stderr}`)));
  });
  const urls = await ready;
  return {
    ...urls,
    sent,
    child: childHandle(child, urls.calcomUrl, urls.calcomUrl, () => stderr),
    waitForSent: (predicate, timeoutMs) =>
      new Promise((resolve, reject) => {
        const found = sent.find(predicate);
        if (found) return resolve(found);
        const timer = setTimeout(() => reject(new Error('no matching Whaticket send in time')), timeoutMs);
        waiters.push({ predicate, resolve: (m) => (clearTimeout(timer), resolve(m)) });
      }),
  };
}

async function launch(args: string[], env: Record<string, string>, url: string, readyPath: string, timeoutMs: number, metricsUrl = url): Promise<Child> {
  const child = spawn(process.execPath, args, { env, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-20_000)));
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${args.at(-1)} exited with ${child.exitCode}: ${stderr}`);
    try {
      const response = await fetch(url + readyPath);
      if (response.status === 200) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`${args.at(-1)} not ready within ${timeoutMs} ms: ${stderr}`);
    }
    await sleep(20);
  }
  return childHandle(child, url, metricsUrl, () => stderr);
}

function childHandle(child: ChildProcess, url: string, metricsUrl: string, stderr: () => string): Child {
  return {
    url,
    metricsUrl,
    pid: child.pid!,
    process: child,
    rss: () => {
      const status = readFileSync(`/proc/${child.pid}/status`, 'utf8');
      return Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? 0) * 1024;
    },
    collectGarbage: async () => {
      child.kill('SIGUSR2');
      await sleep(1500);
    },
    stderr,
    stop: async (signal = 'SIGTERM') => {
      if (child.exitCode !== null) return child.exitCode;
      const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
      child.kill(signal);
      const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
      const code = await exited;
      clearTimeout(timer);
      return code;
    },
  };
}
