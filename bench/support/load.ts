import autocannon, { type RawRequest } from 'autocannon';
import { readFileSync } from 'node:fs';
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
  max: number;
  statusCodes: Record<string, number>;
  /** CPU time (user + system) the server process spent per 2xx response, ms; NaN without `pid`. */
  cpuMsPerRequest: number;
}

/** One autocannon run; latencies are collected per response instead of autocannon's 1 ms histogram. */
export async function runLoad(options: LoadOptions): Promise<LoadResult> {
  if (options.warmupSeconds) await once(options, options.warmupSeconds, false);
  return once(options, options.durationSeconds, true);
}

function once(options: LoadOptions, seconds: number, keep: boolean): Promise<LoadResult> {
  const cpuBefore = options.pid ? cpuMs(options.pid) : Number.NaN;
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
          max: round(d.max),
          statusCodes,
          cpuMsPerRequest: options.pid ? round((cpuMs(options.pid) - cpuBefore) / Math.max(1, latencies.length), 3) : Number.NaN,
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
