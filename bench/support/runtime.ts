import { existsSync, readFileSync } from 'node:fs';
import { round } from './stats.js';

/** GC pauses and event-loop delay of one server process during one load run (see runtime-preload.ts). */
export interface RuntimeStats {
  /** GC pauses that started in the window, their total and the longest, ms. */
  gcCount: number;
  gcTotalMs: number;
  gcMaxMs: number;
  /** Share of the window's wall-clock time spent in GC pauses (0–1). */
  gcShare: number;
  majorCount: number;
  /** Worst per-second p99 and the maximum of the event-loop delay in the window, ms. */
  loopDelayP99: number;
  loopDelayMax: number;
}

/** Reads the lines of `file` between `from` and `to` (epoch ms). */
export function runtimeStats(file: string, from: number, to: number): RuntimeStats | undefined {
  if (!existsSync(file)) return undefined;
  let gcCount = 0;
  let gcTotalMs = 0;
  let gcMaxMs = 0;
  let majorCount = 0;
  let loopDelayP99 = 0;
  let loopDelayMax = 0;
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const [type, at, a, b, c] = line.split(' ');
    const time = Number(at);
    if (!(time >= from && time <= to)) continue;
    if (type === 'g') {
      const pause = Number(a);
      gcCount++;
      gcTotalMs += pause;
      gcMaxMs = Math.max(gcMaxMs, pause);
      if (b === 'major') majorCount++;
    } else if (type === 'd' && time - 1000 >= from) {
      // A delay line covers the second before it: only seconds wholly inside the window.
      loopDelayP99 = Math.max(loopDelayP99, Number(b));
      loopDelayMax = Math.max(loopDelayMax, Number(c));
    }
  }
  return {
    gcCount,
    gcTotalMs: round(gcTotalMs, 1),
    gcMaxMs: round(gcMaxMs, 2),
    gcShare: round(gcTotalMs / Math.max(1, to - from), 4),
    majorCount,
    loopDelayP99: round(loopDelayP99, 2),
    loopDelayMax: round(loopDelayMax, 2),
  };
}
