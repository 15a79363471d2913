import { domainError } from '../platform/errors.js';

/** Bounds of ARCHITECTURE §9: at least 5 minutes, at most 7 days before the start. */
export const REMINDER_OFFSET_MIN = 5;
export const REMINDER_OFFSET_MAX = 10_080;
export const MAX_REMINDERS = 5;
export const DEFAULT_REMINDER_OFFSETS = [1440, 120] as const;

/** Validated offsets, largest first (the order the client receives them); throws a pt-BR 4xx. */
export function cleanReminderOffsets(values: readonly unknown[]): number[] {
  if (values.length > MAX_REMINDERS) throw domainError('REMINDER_OFFSETS_TOO_MANY', { max: MAX_REMINDERS }, { field: 'reminderOffsetsMinutes' });
  const seen = new Set<number>();
  for (const value of values) {
    if (typeof value !== 'number' || !Number.isInteger(value) || value < REMINDER_OFFSET_MIN || value > REMINDER_OFFSET_MAX) {
      throw domainError('REMINDER_OFFSET_INVALID', { raw: String(value) }, { field: 'reminderOffsetsMinutes' });
    }
    if (seen.has(value)) throw domainError('REMINDER_OFFSET_REPEATED', { minutes: value }, { field: 'reminderOffsetsMinutes' });
    seen.add(value);
  }
  return [...seen].sort((a, b) => b - a);
}

const CLOCK = /^([01]\d|2[0-3]):([0-5]\d)$/;

/** "HH:MM" → minutes after midnight; null for "" (no quiet hours). */
export function clockMinutes(value: string): number | null {
  const match = CLOCK.exec(value);
  return match ? Number(match[1]) * 60 + Number(match[2]) : null;
}

/**
 * Validated quiet hours: both "HH:MM", or both empty (off). Accepts "9:00" as "09:00". Throws a
 * pt-BR 4xx naming the field.
 */
export function cleanQuietHours(start: string, end: string): { start: string; end: string } {
  const s = padClock(start.trim());
  const e = padClock(end.trim());
  if (!s && !e) return { start: '', end: '' };
  if (!s || !e) throw domainError('QUIET_HOURS_HALF', { field: 'quietHoursStart' });
  if (clockMinutes(s) === null) throw domainError('QUIET_HOURS_INVALID', { field: 'quietHoursStart', raw: start }, { field: 'quietHoursStart' });
  if (clockMinutes(e) === null) throw domainError('QUIET_HOURS_INVALID', { field: 'quietHoursEnd', raw: end }, { field: 'quietHoursEnd' });
  return { start: s, end: e };
}

function padClock(value: string): string {
  return /^\d:\d\d$/.test(value) ? `0${value}` : value;
}
