/**
 * Calendar and zone math. Local dates are plain {year, month, day}; arithmetic runs on UTC dates so
 * the server's own zone never leaks in. Zone offsets come from Intl (tzdata of the runtime).
 */

export interface LocalDate {
  year: number;
  /** 1-12 */
  month: number;
  day: number;
}

export interface ZonedParts extends LocalDate {
  hour: number;
  minute: number;
  /** 0 = Sunday … 6 = Saturday */
  weekday: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(timeZone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(timeZone, formatter);
  }
  return formatter;
}

function wallClock(instant: Date, timeZone: string): ZonedParts & { second: number } {
  const values: Record<string, number> = {};
  for (const part of formatterFor(timeZone).formatToParts(instant)) {
    if (part.type !== 'literal') values[part.type] = Number(part.value);
  }
  const date = { year: values.year!, month: values.month!, day: values.day! };
  return { ...date, hour: values.hour!, minute: values.minute!, second: values.second!, weekday: weekdayOf(date) };
}

export function zonedParts(instant: Date, timeZone: string): ZonedParts {
  const { second: _second, ...parts } = wallClock(instant, timeZone);
  return parts;
}

export function localDateOf(instant: Date, timeZone: string): LocalDate {
  const { year, month, day } = wallClock(instant, timeZone);
  return { year, month, day };
}

function utcOffsetMs(instant: Date, timeZone: string): number {
  const p = wallClock(instant, timeZone);
  const wallAsUtc = Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second);
  return wallAsUtc - Math.floor(instant.getTime() / 1000) * 1000;
}

/**
 * The instant at which the company's wall clock shows `date` + `minutes`. A wall time skipped by a
 * DST jump resolves to the instant right after the jump (so a day starting at 01:00 starts there).
 */
export function zonedTimeToUtc(date: LocalDate, minutes: number, timeZone: string): Date {
  const wall = Date.UTC(date.year, date.month - 1, date.day, 0, minutes);
  const firstGuess = wall - utcOffsetMs(new Date(wall), timeZone);
  const offsetAtGuess = utcOffsetMs(new Date(firstGuess), timeZone);
  const secondGuess = wall - offsetAtGuess;
  if (utcOffsetMs(new Date(secondGuess), timeZone) === offsetAtGuess) return new Date(secondGuess);
  return new Date(Math.max(firstGuess, secondGuess));
}

export function startOfLocalDay(date: LocalDate, timeZone: string): Date {
  return zonedTimeToUtc(date, 0, timeZone);
}

export function addDays(date: LocalDate, days: number): LocalDate {
  const d = new Date(Date.UTC(date.year, date.month - 1, date.day + days));
  return { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate() };
}

export function weekdayOf(date: LocalDate): number {
  return new Date(Date.UTC(date.year, date.month - 1, date.day)).getUTCDay();
}

/** Whole calendar days from `a` to `b` (negative when `b` is earlier). */
export function daysBetween(a: LocalDate, b: LocalDate): number {
  return Math.round((Date.UTC(b.year, b.month - 1, b.day) - Date.UTC(a.year, a.month - 1, a.day)) / 86_400_000);
}

export function isValidLocalDate(date: LocalDate): boolean {
  const d = addDays(date, 0);
  return d.year === date.year && d.month === date.month && d.day === date.day;
}

export function compareLocalDates(a: LocalDate, b: LocalDate): number {
  return daysBetween(b, a);
}

export function mondayOf(date: LocalDate): LocalDate {
  return addDays(date, -((weekdayOf(date) + 6) % 7));
}

/** Minutes after local midnight of `instant` in `timeZone`. */
export function minutesOfDay(instant: Date, timeZone: string): number {
  const { hour, minute } = zonedParts(instant, timeZone);
  return hour * 60 + minute;
}
