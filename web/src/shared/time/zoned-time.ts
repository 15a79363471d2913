/**
 * Calendar arithmetic in the COMPANY's time zone (not the browser's): an admin in Lisbon looking at a
 * São Paulo clinic must see São Paulo hours, and "today" must be São Paulo's today.
 * A `DayKey` is a calendar day written `YYYY-MM-DD`, independent of any zone.
 */

export type DayKey = string;

const partsFormatters = new Map<string, Intl.DateTimeFormat>();

function partsFormatter(zone: string): Intl.DateTimeFormat {
  let f = partsFormatters.get(zone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    partsFormatters.set(zone, f);
  }
  return f;
}

interface WallTime {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

function wallTime(instant: number, zone: string): WallTime {
  const values: Record<string, number> = {};
  for (const part of partsFormatter(zone).formatToParts(new Date(instant))) {
    if (part.type !== 'literal') values[part.type] = Number(part.value);
  }
  return {
    year: values.year!,
    month: values.month!,
    day: values.day!,
    hour: values.hour === 24 ? 0 : values.hour!,
    minute: values.minute!,
    second: values.second!,
  };
}

/** Offset of `zone` from UTC at `instant`, in milliseconds (São Paulo: −3 h). */
export function zoneOffsetMs(instant: number, zone: string): number {
  const whole = Math.floor(instant / 1000) * 1000;
  const w = wallTime(whole, zone);
  return Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second) - whole;
}

function parseDayKey(day: DayKey): [number, number, number] {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(day);
  if (!match) throw new RangeError(`Data inválida: ${day}`);
  return [Number(match[1]), Number(match[2]), Number(match[3])];
}

export function isDayKey(value: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value)) return false;
  const [y, m, d] = parseDayKey(value);
  const date = new Date(Date.UTC(y, m - 1, d));
  return date.getUTCFullYear() === y && date.getUTCMonth() === m - 1 && date.getUTCDate() === d;
}

/** The instant when the wall clock in `zone` shows `day` at `hour:minute`. */
export function zonedInstant(day: DayKey, zone: string, hour = 0, minute = 0): Date {
  const [y, m, d] = parseDayKey(day);
  const wall = Date.UTC(y, m - 1, d, hour, minute);
  // Two passes: the offset at the guessed instant may differ from the final one around DST changes.
  let instant = wall - zoneOffsetMs(wall, zone);
  instant = wall - zoneOffsetMs(instant, zone);
  return new Date(instant);
}

/** Calendar day shown by the wall clock in `zone` at `instant`. */
export function dayKeyOf(instant: Date | number, zone: string): DayKey {
  const w = wallTime(typeof instant === 'number' ? instant : instant.getTime(), zone);
  return `${w.year}-${pad(w.month)}-${pad(w.day)}`;
}

export function todayIn(zone: string): DayKey {
  return dayKeyOf(Date.now(), zone);
}

export function addDays(day: DayKey, days: number): DayKey {
  const [y, m, d] = parseDayKey(day);
  const date = new Date(Date.UTC(y, m - 1, d + days));
  return `${date.getUTCFullYear()}-${pad(date.getUTCMonth() + 1)}-${pad(date.getUTCDate())}`;
}

/** 0 = Sunday … 6 = Saturday. */
export function weekday(day: DayKey): number {
  const [y, m, d] = parseDayKey(day);
  return new Date(Date.UTC(y, m - 1, d)).getUTCDay();
}

/** Monday of the week containing `day` (business weeks start on Monday). */
export function startOfWeek(day: DayKey): DayKey {
  return addDays(day, -((weekday(day) + 6) % 7));
}

export function compareDays(a: DayKey, b: DayKey): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export function daysBetween(from: DayKey, to: DayKey): number {
  const [y1, m1, d1] = parseDayKey(from);
  const [y2, m2, d2] = parseDayKey(to);
  return Math.round((Date.UTC(y2, m2 - 1, d2) - Date.UTC(y1, m1 - 1, d1)) / 86_400_000);
}

function pad(n: number): string {
  return String(n).padStart(2, '0');
}

// ---- pt-BR formatting -------------------------------------------------------------------------

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(key: string, options: Intl.DateTimeFormatOptions): Intl.DateTimeFormat {
  let f = formatters.get(key);
  if (!f) {
    f = new Intl.DateTimeFormat('pt-BR', options);
    formatters.set(key, f);
  }
  return f;
}

/** "14:30" in `zone`. */
export function formatTime(instant: Date | string, zone: string): string {
  return formatter(`time|${zone}`, { timeZone: zone, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(new Date(instant));
}

/** "ter., 25/11" in `zone`. */
export function formatShortDate(instant: Date | string, zone: string): string {
  return formatter(`short|${zone}`, { timeZone: zone, weekday: 'short', day: '2-digit', month: '2-digit' }).format(new Date(instant));
}

/** "25/11/2025 14:30" in `zone`. */
export function formatDateTime(instant: Date | string, zone: string): string {
  return formatter(`datetime|${zone}`, {
    timeZone: zone,
    day: '2-digit',
    month: '2-digit',
    year: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  }).format(new Date(instant));
}

/** "terça-feira, 25 de novembro de 2025" for a calendar day. */
export function formatLongDay(day: DayKey): string {
  const [y, m, d] = parseDayKey(day);
  return formatter('long|UTC', { timeZone: 'UTC', weekday: 'long', day: 'numeric', month: 'long', year: 'numeric' }).format(
    new Date(Date.UTC(y, m - 1, d)),
  );
}

/** "25/11" or "25/11/2025" for a calendar day. */
export function formatDayShort(day: DayKey, withYear = false): string {
  const [y, m, d] = parseDayKey(day);
  return withYear ? `${pad(d)}/${pad(m)}/${y}` : `${pad(d)}/${pad(m)}`;
}

/** "UTC−03:00"-style offset label for a zone, now. */
export function offsetLabel(zone: string): string {
  const minutes = Math.round(zoneOffsetMs(Date.now(), zone) / 60_000);
  const sign = minutes < 0 ? '−' : '+';
  const abs = Math.abs(minutes);
  return `UTC${sign}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`;
}
