import type { BenchCluster } from './cluster.js';

export interface BenchContext {
  cluster: BenchCluster;
  /** BENCH_QUICK=1: shorter runs, same data sizes. */
  quick: boolean;
  /** Measured seconds per load run, and warm-up seconds before it. */
  seconds: number;
  warmup: number;
  log: (message: string) => void;
}

/** One line of the summary: a measured figure beside its target. */
export interface Figure {
  metric: string;
  value: string;
  target: string;
  /** null: informational (no target). */
  pass: boolean | null;
}

export interface Table {
  title: string;
  header: string[];
  rows: Array<Array<string | number>>;
}

export interface Section {
  id: string;
  title: string;
  /** What reproduces this section alone. */
  command: string;
  figures: Figure[];
  tables: Table[];
  notes: string[];
  /** Generated files written next to results.md (e.g. a chart), by name. */
  files?: Record<string, string>;
  raw: unknown;
}

export const fmt = {
  ms: (v: number) => `${v.toFixed(v < 10 ? 2 : 1)} ms`,
  rps: (v: number) => `${Math.round(v).toLocaleString('en-US')} req/s`,
  ratio: (v: number) => `${v.toFixed(2)}×`,
  pct: (v: number) => `${Math.round(v * 100)}%`,
  kb: (bytes: number) => `${(bytes / 1024).toFixed(1)} KB`,
  s: (ms: number) => `${(ms / 1000).toFixed(2)} s`,
};
