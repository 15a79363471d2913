import type { DatePreference } from './preference.js';
import { daysBetween, localDateOf, minutesOfDay } from './zone.js';

/** Matching Cal.com slots against what the person asked for, and the nearest ones when none match. */

/** How far (minutes) a slot may be from an asked-for "às 14h" and still be offered. */
export const AT_TOLERANCE_MINUTES = 60;

/** How far around the asked days alternatives are looked for (never before now). */
export const ALTERNATIVE_WINDOW_DAYS = 14;

function matchesTime(slotStart: Date, pref: DatePreference, timeZone: string): boolean {
  const minutes = minutesOfDay(slotStart, timeZone);
  if (pref.afterMinutes !== undefined && minutes < pref.afterMinutes) return false;
  if (pref.beforeMinutes !== undefined && minutes >= pref.beforeMinutes) return false;
  if (pref.atMinutes !== undefined && Math.abs(minutes - pref.atMinutes) > AT_TOLERANCE_MINUTES) return false;
  return true;
}

export function matchesPreference(slotStart: Date, pref: DatePreference, timeZone: string): boolean {
  if (slotStart < pref.from || slotStart >= pref.to) return false;
  return matchesTime(slotStart, pref, timeZone);
}

/** Minutes between a slot and the asked time of day (0 without an exact time). */
function timeDistance(slot: Date, pref: DatePreference | null, timeZone: string): number {
  return pref?.atMinutes === undefined ? 0 : Math.abs(minutesOfDay(slot, timeZone) - pref.atMinutes);
}

/** Matching slots, closest to the asked-for time first, then chronological. */
export function rankSlots(slots: readonly Date[], pref: DatePreference, timeZone: string): Date[] {
  return slots
    .filter((slot) => matchesPreference(slot, pref, timeZone))
    .sort((a, b) => timeDistance(a, pref, timeZone) - timeDistance(b, pref, timeZone) || a.getTime() - b.getTime());
}

/** Where to look for alternatives: from now to two weeks past the asked days. */
export function alternativeWindow(pref: DatePreference | null, now: Date): { from: Date; to: Date } {
  const base = pref && pref.to > now ? pref.to : now;
  return { from: now, to: new Date(base.getTime() + ALTERNATIVE_WINDOW_DAYS * 86_400_000) };
}

/**
 * When nothing matches: one slot on each of the days closest to the asked ones (before or after,
 * the caller passes only future slots), keeping the asked period or hour when some day has it.
 * Ties between a day before and a day after go to the earlier one, as a secretary would offer.
 */
export function nearestAlternatives(
  slots: readonly Date[],
  pref: DatePreference | null,
  now: Date,
  timeZone: string,
  count: number,
): Date[] {
  if (slots.length === 0 || count <= 0) return [];
  const sameTime = pref ? slots.filter((slot) => matchesTime(slot, pref, timeZone)) : [...slots];
  const pool = sameTime.length > 0 ? sameTime : [...slots];
  const askedFrom = localDateOf(pref && pref.from > now ? pref.from : now, timeZone);
  const askedLast = localDateOf(new Date((pref ? pref.to : now).getTime() - 1), timeZone);
  const dayDistance = (slot: Date) => {
    const day = localDateOf(slot, timeZone);
    if (daysBetween(askedFrom, day) < 0) return daysBetween(day, askedFrom);
    return Math.max(0, daysBetween(askedLast, day));
  };
  const dayKey = (slot: Date) => {
    const d = localDateOf(slot, timeZone);
    return `${d.year}-${d.month}-${d.day}`;
  };
  const ordered = [...pool].sort((a, b) => dayDistance(a) - dayDistance(b) || a.getTime() - b.getTime());
  // Best slot per day (closest to the asked hour, else the earliest), days by distance.
  const bestPerDay = new Map<string, Date>();
  for (const slot of ordered) {
    const key = dayKey(slot);
    const current = bestPerDay.get(key);
    if (!current || timeDistance(slot, pref, timeZone) < timeDistance(current, pref, timeZone)) bestPerDay.set(key, slot);
  }
  const days = [...bestPerDay.values()].sort(
    (a, b) => dayDistance(a) - dayDistance(b) || a.getTime() - b.getTime(),
  );
  const chosen = days.slice(0, count);
  // Fewer free days than options: fill with more slots of the closest days.
  for (const slot of ordered) {
    if (chosen.length >= count) break;
    if (!chosen.some((c) => c.getTime() === slot.getTime())) chosen.push(slot);
  }
  return chosen.sort((a, b) => a.getTime() - b.getTime());
}
