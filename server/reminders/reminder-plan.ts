import { clockMinutes } from '../companies/reminder-settings.js';
import { addDays, localDateOf, minutesOfDay, zonedTimeToUtc } from '../whatsapp/date/index.js';

/** A late reminder is still sent at once only while the start is at least this far ahead. */
export const LATE_MIN_LEAD_MS = 30 * 60_000;

export interface ReminderSettings {
  /** Minutes before the start, any order; empty = no reminders. */
  offsets: readonly number[];
  /** "HH:MM" in `timeZone`; both empty (or equal) = no quiet hours. */
  quietStart: string;
  quietEnd: string;
  timeZone: string;
}

export type PlannedStatus = 'SCHEDULED' | 'SKIPPED';

export interface PlannedReminder {
  offsetMinutes: number;
  dueAt: Date;
  status: PlannedStatus;
  /** Why it is skipped (pt-BR, shown to admins). */
  reason: string | null;
}

export const SKIP_REASONS = {
  late: 'o agendamento foi criado depois deste horário de lembrete',
  tooClose: 'o agendamento foi criado a menos de 30 minutos do início',
  quiet: 'o agendamento foi criado no horário de silêncio, depois do horário deste lembrete',
  confirmed: 'agendado ou remarcado pelo WhatsApp depois do horário deste lembrete: o cliente acabou de receber a confirmação',
} as const;

/**
 * When each reminder of an appointment goes out, seen at `now` (ARCHITECTURE §9):
 * - at `start - offset`, moved earlier out of the quiet hours (never later);
 * - a moment already passed is skipped, except the latest passed one, which is due at once when the
 *   start is still ≥ 30 minutes ahead and `now` is not inside the quiet hours (at once would be later
 *   than the quiet hours allow);
 * - `justConfirmed` (booked or moved in a WhatsApp conversation): the bot's confirmation, sent a moment
 *   ago, already told the client the day and time, so a missed moment is skipped rather than sent at once.
 */
export function planReminders(start: Date, now: Date, settings: ReminderSettings, options: { justConfirmed?: boolean } = {}): PlannedReminder[] {
  const offsets = [...new Set(settings.offsets)].sort((a, b) => b - a);
  const planned = offsets.map((offsetMinutes) => ({ offsetMinutes, dueAt: outOfQuietHours(new Date(start.getTime() - offsetMinutes * 60_000), settings) }));
  const passed = planned.filter((p) => p.dueAt <= now);
  const latestPassed = passed.at(-1);
  return planned.map((p): PlannedReminder => {
    if (p.dueAt > now) return { ...p, status: 'SCHEDULED', reason: null };
    if (p !== latestPassed) return { ...p, status: 'SKIPPED', reason: SKIP_REASONS.late };
    if (start.getTime() - now.getTime() < LATE_MIN_LEAD_MS) return { ...p, status: 'SKIPPED', reason: SKIP_REASONS.tooClose };
    if (inQuietHours(now, settings)) return { ...p, status: 'SKIPPED', reason: SKIP_REASONS.quiet };
    if (options.justConfirmed) return { ...p, status: 'SKIPPED', reason: SKIP_REASONS.confirmed };
    return { ...p, dueAt: now, status: 'SCHEDULED', reason: null };
  });
}

function quietWindow(settings: ReminderSettings): { start: number; end: number } | null {
  const start = clockMinutes(settings.quietStart);
  const end = clockMinutes(settings.quietEnd);
  return start === null || end === null || start === end ? null : { start, end };
}

export function inQuietHours(instant: Date, settings: ReminderSettings): boolean {
  const quiet = quietWindow(settings);
  if (!quiet) return false;
  const m = minutesOfDay(instant, settings.timeZone);
  return quiet.start < quiet.end ? m >= quiet.start && m < quiet.end : m >= quiet.start || m < quiet.end;
}

/**
 * `due` itself, or — when it falls inside the quiet hours — one minute before the quiet hours began
 * (06:30 with 21:00–08:00 → 20:59 the evening before), in the company's wall clock (DST-aware).
 */
export function outOfQuietHours(due: Date, settings: ReminderSettings): Date {
  const quiet = quietWindow(settings);
  if (!quiet || !inQuietHours(due, settings)) return due;
  const minute = minutesOfDay(due, settings.timeZone);
  const day = localDateOf(due, settings.timeZone);
  // Across midnight (21:00–08:00), a due time after midnight belongs to the previous evening's quiet hours.
  const began = quiet.start > quiet.end && minute < quiet.end ? addDays(day, -1) : day;
  const shifted = zonedTimeToUtc(began, quiet.start - 1, settings.timeZone);
  return shifted < due ? shifted : due;
}
