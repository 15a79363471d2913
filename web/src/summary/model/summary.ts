import { formatDayShort } from '../../shared/time/zoned-time';

/** One week of `attendanceSummary` (Monday to Sunday in the company's time zone). */
export interface AttendanceWeek {
  __typename?: 'AttendanceWeek';
  weekStart: string;
  from: string;
  to: string;
  appointments: number;
  confirmations: number;
  declines: number;
  started: number;
  attended: number;
  noShows: number;
  noShowRate: number;
}

export const SUMMARY_WEEKS = 8;

/** "30/11" from a `YYYY-MM-DD` day key (no time zone involved: the server already cut the week). */
export const weekLabel = (weekStart: string): string => formatDayShort(weekStart);

/** "12,5%" (pt-BR decimal comma; whole numbers without decimals). */
export function percent(rate: number): string {
  const value = Math.round(rate * 1000) / 10;
  return `${value.toLocaleString('pt-BR', { maximumFractionDigits: 1 })}%`;
}

export interface SummaryTotals {
  appointments: number;
  confirmations: number;
  noShows: number;
  /** No-shows over the appointments that already happened in the period (weighted by week). */
  noShowRate: number;
}

/** Totals over the weeks; the overall rate is no-shows over every appointment already started. */
export function totals(weeks: readonly AttendanceWeek[]): SummaryTotals {
  const sum = (pick: (w: AttendanceWeek) => number) => weeks.reduce((acc, w) => acc + pick(w), 0);
  const noShows = sum((w) => w.noShows);
  const started = sum((w) => w.started);
  return { appointments: sum((w) => w.appointments), confirmations: sum((w) => w.confirmations), noShows, noShowRate: started > 0 ? noShows / started : 0 };
}
