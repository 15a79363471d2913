import { addDays, compareDays, daysBetween, formatDayShort, formatLongDay, startOfWeek, zonedInstant, type DayKey } from '../../shared/time/zoned-time';

export type RangeMode = 'day' | 'week' | 'custom';

export interface RangeSelection {
  mode: RangeMode;
  /** The day shown in "Dia" mode; its week in "Semana" mode. */
  day: DayKey;
  /** Inclusive bounds of "Período personalizado". */
  customFrom: DayKey;
  customTo: DayKey;
}

export type ResolvedRange =
  | { ok: true; from: Date; to: Date; label: string; multiDay: boolean }
  | { ok: false; problem: string };

/** Turns the selection into the half-open instant range [from, to) in the company's zone. */
export function resolveRange(selection: RangeSelection, zone: string): ResolvedRange {
  switch (selection.mode) {
    case 'day':
      return {
        ok: true,
        from: zonedInstant(selection.day, zone),
        to: zonedInstant(addDays(selection.day, 1), zone),
        label: capitalize(formatLongDay(selection.day)),
        multiDay: false,
      };
    case 'week': {
      const monday = startOfWeek(selection.day);
      const sunday = addDays(monday, 6);
      return {
        ok: true,
        from: zonedInstant(monday, zone),
        to: zonedInstant(addDays(sunday, 1), zone),
        label: `Semana de ${formatDayShort(monday)} a ${formatDayShort(sunday, true)}`,
        multiDay: true,
      };
    }
    case 'custom': {
      if (!selection.customFrom || !selection.customTo) return { ok: false, problem: 'Informe a data inicial e a data final.' };
      if (compareDays(selection.customFrom, selection.customTo) > 0) {
        return { ok: false, problem: 'A data inicial deve ser anterior ou igual à data final.' };
      }
      const days = daysBetween(selection.customFrom, selection.customTo) + 1;
      return {
        ok: true,
        from: zonedInstant(selection.customFrom, zone),
        to: zonedInstant(addDays(selection.customTo, 1), zone),
        label: `De ${formatDayShort(selection.customFrom, true)} a ${formatDayShort(selection.customTo, true)} (${days} ${days === 1 ? 'dia' : 'dias'})`,
        multiDay: days > 1,
      };
    }
  }
}

/** Moves the selection one step back or forward (a day, a week, or the period's length). */
export function shiftSelection(selection: RangeSelection, direction: 1 | -1): RangeSelection {
  switch (selection.mode) {
    case 'day':
      return { ...selection, day: addDays(selection.day, direction) };
    case 'week':
      return { ...selection, day: addDays(selection.day, 7 * direction) };
    case 'custom': {
      const length = daysBetween(selection.customFrom, selection.customTo) + 1;
      return {
        ...selection,
        customFrom: addDays(selection.customFrom, length * direction),
        customTo: addDays(selection.customTo, length * direction),
      };
    }
  }
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
