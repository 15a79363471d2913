import autocannon, { type RawRequest } from 'autocannon';
import { readdirSync, readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { runtimeStats, type RuntimeStats } from './runtime.js';
import { distribution, round } from './stats.js';

export interface LoadOptions {
  url: string;
  connections: number;
  durationSeconds: number;
  method?: string;
  headers?: Record<string, string>;
  body?: string;
  /** Per request: a fresh body/headers/path (`context` is per connection). */
  setupRequest?: (request: RawRequest, context: Record<string, unknown>) => RawRequest;
  /** Seconds of the same load before measuring (JIT, pools, caches). */
  warmupSeconds?: number;
  /** Server process: its CPU time per 2xx response is reported (robust to other load on the machine). */
  pid?: number;
  /** The server's BENCH_RUNTIME_LOG (support/runtime-preload.ts): its GC pauses and loop delay during the run. */
  runtimeLog?: string;
}

export interface LoadResult {
  connections: number;
  seconds: number;
  /** 2xx responses per second. */
  rps: number;
  ok: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  /** Latency of 2xx responses, ms (sub-millisecond resolution, from autocannon's per-response timings). */
  p50: number;
  p90: number;
  p99: number;
  p999: number;
  max: number;
  /** Wall-clock window of the measured responses (epoch ms). */
  from: number;
  to: number;
  statusCodes: Record<string, number>;
  /** CPU time (user + system) the server process spent per 2xx response, ms; NaN without `pid`. */
  cpuMsPerRequest: number;
  /** Share of the machine's CPU used by processes outside this benchmark during the run (0–1). */
  foreignCpu: number;
  /** CPU ms per 2xx response spent by PostgreSQL and by the load generator (this process). */
  postgresCpuMsPerRequest: number;
  generatorCpuMsPerRequest: number;
  /** With `runtimeLog`: GC pauses and event-loop delay of the server during the run. */
  runtime?: RuntimeStats;
  /** Runs made for this result: more than 1 when other processes took the CPU (see `runLoad`). */
  attempts?: number;
  /** Other processes' share of the CPU in each attempt, in order (the quietest one is kept). */
  foreignCpuPerAttempt?: number[];
}

/** A run where other processes used more than this share of the machine is run again (see `runLoad`). */
const NOISY_SHARE = 0.15;
/** Further attempts of a noisy run: BENCH_NOISY_RETRIES (default 2; 0 keeps every first run). */
const NOISY_RETRIES = Number(process.env.BENCH_NOISY_RETRIES ?? 2);

/**
 * One autocannon run; latencies are collected per response instead of autocannon's 1 ms histogram.
 * On this shared machine a run during which other processes took more than NOISY_SHARE of the CPU
 * is repeated (after waiting, 30 s at most, for them to settle), up to NOISY_RETRIES times, and the
 * quietest attempt is kept: one noisy run decided a p99 target (the list without filter missed at
 * 2.14× in a run with 30% other CPU, while its CPU per request equalled the variant that met it).
 * Every attempt's other-CPU share is kept in the result.
 */
export async function runLoad(options: LoadOptions): Promise<LoadResult> {
  let result: LoadResult | undefined;
  const shares: number[] = [];
  for (let attempt = 1; attempt <= 1 + NOISY_RETRIES; attempt++) {
    if (attempt > 1) await waitForQuiet(30_000);
    if (options.warmupSeconds) await once(options, options.warmupSeconds, false);
    const run = await once(options, options.durationSeconds, true);
    shares.push(run.foreignCpu);
    if (!result || run.foreignCpu < result.foreignCpu) result = run;
    if (result.foreignCpu <= NOISY_SHARE) break;
  }
  result = { ...result!, attempts: shares.length, foreignCpuPerAttempt: shares };
  if (options.runtimeLog) {
    // The preload writes its lines once a second.
    await new Promise((resolve) => setTimeout(resolve, 1200));
    result.runtime = runtimeStats(options.runtimeLog, result.from, result.to);
  }
  return result;
}

/** Waits (up to `maxMs`) until other processes use at most NOISY_SHARE of the CPU over 2 s. */
async function waitForQuiet(maxMs: number): Promise<void> {
  const deadline = Date.now() + maxMs;
  while (Date.now() < deadline) {
    const before = foreignCpuSample();
    await new Promise((resolve) => setTimeout(resolve, 2000));
    if (foreignShare(before, foreignCpuSample()) <= NOISY_SHARE) return;
  }
}

function once(options: LoadOptions, seconds: number, keep: boolean): Promise<LoadResult> {
  const cpuBefore = options.pid ? cpuMs(options.pid) : Number.NaN;
  const foreignBefore = foreignCpuSample();
  const latencies: number[] = [];
  const statusCodes: Record<string, number> = {};
  let first = 0;
  let last = 0;
  return new Promise((resolve, reject) => {
    const instance = autocannon(
      {
        url: options.url,
        connections: options.connections,
        duration: seconds,
        timeout: 30,
        method: options.method ?? 'GET',
        headers: options.headers,
        body: options.body,
        requests: options.setupRequest ? [{ setupRequest: options.setupRequest }] : undefined,
      },
      (error, result) => {
        if (error) return reject(error);
        const elapsed = last > first ? (last - first) / 1000 : result.duration;
        const d = distribution(latencies);
        resolve({
          connections: options.connections,
          seconds: round(elapsed, 2),
          rps: round(latencies.length / elapsed, 1),
          ok: result['2xx'],
          non2xx: result.non2xx,
          errors: result.errors,
          timeouts: result.timeouts,
          p50: round(d.p50),
          p90: round(d.p90),
          p99: round(d.p99),
          p999: round(d.p999),
          max: round(d.max),
          from: Math.round(performance.timeOrigin + first),
          to: Math.round(performance.timeOrigin + last),
          statusCodes,
          cpuMsPerRequest: options.pid ? round((cpuMs(options.pid) - cpuBefore) / Math.max(1, latencies.length), 3) : Number.NaN,
          ...(() => {
            const after = foreignCpuSample();
            const n = Math.max(1, latencies.length);
            return {
              foreignCpu: round(foreignShare(foreignBefore, after), 3),
              postgresCpuMsPerRequest: round((after.postgres - foreignBefore.postgres) / n, 3),
              generatorCpuMsPerRequest: round((after.self - foreignBefore.self) / n, 3),
            };
          })(),
        });
      },
    );
    instance.on('response', (_client: unknown, statusCode: number, _bytes: number, responseTime: number) => {
      if (!keep) return;
      const now = performance.now();
      if (!first) first = now - responseTime;
      last = now;
      statusCodes[statusCode] = (statusCodes[statusCode] ?? 0) + 1;
      if (statusCode >= 200 && statusCode < 300) latencies.push(responseTime);
    });
  });
}

/** utime + stime of a process from /proc/<pid>/stat, in ms. */
export function cpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // fields[11] = utime, fields[12] = stime (clock ticks; 100 per second on Linux)
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS;
}

const CLOCK_TICKS = 100;

interface CpuSample {
  at: number;
  /** Busy CPU time of the whole machine, ms. */
  busy: number;
  /** CPU time of this process and all its descendants (servers, PostgreSQL, sandboxes), ms. */
  ours: number;
  /** … of the PostgreSQL processes among them, ms. */
  postgres: number;
  /** … of this process alone (the load generator), ms. */
  self: number;
}

/**
 * How much of the machine something else used: other engineers' test suites on a shared 2-core
 * box make every figure worse, so each run reports it beside its numbers.
 */
export function foreignCpuSample(): CpuSample {
  const [cpu] = readFileSync('/proc/stat', 'utf8').split('\n');
  const ticks = cpu!.trim().split(/\s+/).slice(1).map(Number);
  // user nice system idle iowait irq softirq steal
  const busy = ticks[0]! + ticks[1]! + ticks[2]! + ticks[5]! + ticks[6]! + (ticks[7] ?? 0);
  const parents = new Map<number, number>();
  const times = new Map<number, number>();
  const names = new Map<number, string>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      parents.set(Number(entry), Number(fields[1]));
      names.set(Number(entry), stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')')));
      times.set(Number(entry), Number(fields[11]) + Number(fields[12]) + Number(fields[13]) + Number(fields[14]));
    } catch {
      // exited meanwhile
    }
  }
  let ours = 0;
  let postgres = 0;
  for (const [pid, time] of times) {
    for (let p: number | undefined = pid; p && p > 1; p = parents.get(p)) {
      if (p === process.pid) {
        ours += time;
        if (names.get(pid) === 'postgres') postgres += time;
        break;
      }
    }
  }
  const own = process.cpuUsage();
  const ms = (ticks: number) => (ticks * 1000) / CLOCK_TICKS;
  return { at: performance.now(), busy: ms(busy), ours: ms(ours), postgres: ms(postgres), self: (own.user + own.system) / 1000 };
}

export function foreignShare(before: CpuSample, after: CpuSample): number {
  const capacity = (after.at - before.at) * cpus().length;
  const foreign = after.busy - before.busy - (after.ours - before.ours);
  return capacity > 0 ? Math.max(0, foreign / capacity) : 0;
}
