import { appendFileSync } from 'node:fs';
import { monitorEventLoopDelay, PerformanceObserver, performance, constants } from 'node:perf_hooks';

/**
 * Preloaded into the list benchmark's server processes (`node --import …`, both the product and its
 * baseline) when BENCH_RUNTIME_LOG names a file: every GC pause and, each second, the event-loop
 * delay, as lines the bench reads back for the time window of each load run (support/runtime.ts).
 *   g <epoch ms> <pause ms> <minor|major|incremental|weakcb>
 *   d <epoch ms> <delay p50 ms> <delay p99 ms> <delay max ms>
 * Both are cheap (a callback per GC, a 10-ms timer in libuv) and do not change what is measured.
 */
const file = process.env.BENCH_RUNTIME_LOG?.trim();
if (file) {
  const kinds: Record<number, string> = {
    [constants.NODE_PERFORMANCE_GC_MINOR]: 'minor',
    [constants.NODE_PERFORMANCE_GC_MAJOR]: 'major',
    [constants.NODE_PERFORMANCE_GC_INCREMENTAL]: 'incremental',
    [constants.NODE_PERFORMANCE_GC_WEAKCB]: 'weakcb',
  };
  let pending: string[] = [];
  const epoch = (t: number) => (performance.timeOrigin + t).toFixed(1);
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      const kind = (entry as { detail?: { kind?: number } }).detail?.kind ?? -1;
      pending.push(`g ${epoch(entry.startTime)} ${entry.duration.toFixed(3)} ${kinds[kind] ?? kind}`);
    }
  }).observe({ entryTypes: ['gc'] });
  const delay = monitorEventLoopDelay({ resolution: 10 });
  delay.enable();
  const ms = (ns: number) => (ns / 1e6).toFixed(2);
  setInterval(() => {
    pending.push(`d ${Date.now()} ${ms(delay.percentile(50))} ${ms(delay.percentile(99))} ${ms(delay.max)}`);
    delay.reset();
    appendFileSync(file, pending.join('\n') + '\n');
    pending = [];
  }, 1000).unref();
}
