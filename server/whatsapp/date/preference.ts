import { clockLabel, clockPhrase, dayMonthLabel, WEEKDAY_NAMES } from './calendar-words.js';
import { extractFacts, type DateFact, type TimeFact } from './facts.js';
import {
  addDays,
  compareLocalDates,
  daysBetween,
  isValidLocalDate,
  localDateOf,
  mondayOf,
  startOfLocalDay,
  weekdayOf,
  type LocalDate,
} from './zone.js';

/**
 * What a WhatsApp user said about *when* they want a meeting, resolved in the company time zone.
 * `to` is exclusive. Minutes are minutes after local midnight.
 */
export interface DatePreference {
  from: Date;
  to: Date;
  afterMinutes?: number;
  beforeMinutes?: number;
  atMinutes?: number;
  /** Adverbial pt-BR phrase that reads after a verb: "amanhã à tarde", "na sexta-feira, 4/12, às 14h". */
  label: string;
}

/** True when the text mentions a day, week or time of day, e.g. "amanhã às 10h", "sexta?". */
export function hasDatePreference(text: string): boolean {
  const anyDay = { year: 2000, month: 1, day: 1 };
  return extractFacts(text, anyDay).length > 0;
}

interface DayRange {
  first: LocalDate;
  /** exclusive */
  end: LocalDate;
  label: string;
}

/** Searching without any day: the coming week. */
const DEFAULT_WINDOW_DAYS = 7;

function singleDay(date: LocalDate, today: LocalDate): DayRange {
  return { first: date, end: addDays(date, 1), label: dayLabel(date, today) };
}

/** "hoje", "amanhã", "na sexta-feira, 4/12" up to a week ahead, else "no dia 15/12". */
function dayLabel(date: LocalDate, today: LocalDate): string {
  const diff = daysBetween(today, date);
  if (diff === 0) return 'hoje';
  if (diff === 1) return 'amanhã';
  const weekday = weekdayOf(date);
  if (diff > 1 && diff <= 7) {
    const preposition = weekday === 0 || weekday === 6 ? 'no' : 'na';
    return `${preposition} ${WEEKDAY_NAMES[weekday]}, ${dayMonthLabel(date, today.year)}`;
  }
  return `no dia ${dayMonthLabel(date, today.year)}`;
}

function resolveExplicitDate(fact: Extract<DateFact, { kind: 'date' }>, today: LocalDate): LocalDate | null {
  const { day, month, year } = fact;
  if (month !== undefined && year !== undefined) {
    const date = { year, month, day };
    return isValidLocalDate(date) ? date : null;
  }
  if (month !== undefined) {
    // A day already past this year means next year ("15/11" said in December).
    for (let y = today.year; y <= today.year + 4; y++) {
      const date = { year: y, month, day };
      if (isValidLocalDate(date) && compareLocalDates(date, today) >= 0) return date;
    }
    return null;
  }
  // "dia 15": this month unless already past; "dia 31" skips months that have no 31st.
  for (let i = 0; i < 13; i++) {
    const monthIndex = today.month - 1 + i;
    const date = { year: today.year + Math.floor(monthIndex / 12), month: (monthIndex % 12) + 1, day };
    if (isValidLocalDate(date) && compareLocalDates(date, today) >= 0) return date;
  }
  return null;
}

/** Days from Monday: Monday 0 … Sunday 6. */
function indexInWeek(weekday: number): number {
  return (weekday + 6) % 7;
}

function resolveWeekday(weekday: number, week: 'this' | 'next' | undefined, today: LocalDate): LocalDate {
  if (week === 'next') return addDays(mondayOf(addDays(today, 7)), indexInWeek(weekday));
  if (week === 'this') {
    const date = addDays(mondayOf(today), indexInWeek(weekday));
    if (compareLocalDates(date, today) >= 0) return date;
  }
  // A bare weekday is the next one after today: on a Tuesday, "terça" means next week's.
  const ahead = (weekday - weekdayOf(today) + 7) % 7 || 7;
  return addDays(today, ahead);
}

function resolveWeekend(following: boolean, today: LocalDate): DayRange {
  const weekday = weekdayOf(today);
  const inWeekend = weekday === 6 || weekday === 0;
  const saturday = inWeekend ? addDays(today, weekday === 6 ? 0 : -1) : addDays(today, 6 - weekday);
  const first = inWeekend && following ? addDays(saturday, 7) : saturday;
  const start = compareLocalDates(first, today) < 0 ? today : first;
  return { first: start, end: addDays(first, 2), label: 'no fim de semana' };
}

/** "daqui a um mês": the same day next month, or its last day ("31/1" + 1 month = 28/2). */
function addMonths(date: LocalDate, months: number): LocalDate {
  const index = date.month - 1 + months;
  const year = date.year + Math.floor(index / 12);
  const month = (index % 12) + 1;
  let day = date.day;
  while (!isValidLocalDate({ year, month, day })) day -= 1;
  return { year, month, day };
}

function resolveMonth(which: 'this' | 'next', today: LocalDate): DayRange {
  const firstOfMonth = { year: today.year, month: today.month, day: 1 };
  if (which === 'this') return { first: today, end: addMonths(firstOfMonth, 1), label: 'neste mês' };
  const first = addMonths(firstOfMonth, 1);
  return { first, end: addMonths(firstOfMonth, 2), label: 'no mês que vem' };
}

function findFact<K extends DateFact['kind']>(facts: DateFact[], kind: K): Extract<DateFact, { kind: K }> | undefined {
  return facts.find((f): f is Extract<DateFact, { kind: K }> => f.kind === kind);
}

function resolveDays(facts: DateFact[], today: LocalDate): DayRange | null {
  for (const fact of facts) {
    if (fact.kind === 'offset') return singleDay(addDays(today, fact.days), today);
    if (fact.kind === 'months') return singleDay(addMonths(today, fact.months), today);
    if (fact.kind === 'date') {
      const date = resolveExplicitDate(fact, today);
      if (date) return singleDay(date, today);
    }
  }
  const weekFact = findFact(facts, 'week');
  const weekdayFact = findFact(facts, 'weekday');
  if (weekdayFact) {
    const week = weekdayFact.week ?? weekFact?.which;
    return singleDay(resolveWeekday(weekdayFact.weekday, week, today), today);
  }
  if (weekFact?.which === 'next') {
    const monday = mondayOf(addDays(today, 7));
    return { first: monday, end: addDays(monday, 7), label: 'na semana que vem' };
  }
  if (weekFact?.which === 'this') {
    return { first: today, end: addDays(mondayOf(today), 7), label: 'nesta semana' };
  }
  const monthFact = findFact(facts, 'month');
  if (monthFact) return resolveMonth(monthFact.which, today);
  const weekendFact = findFact(facts, 'weekend');
  if (weekendFact) return resolveWeekend(weekendFact.following, today);
  return null;
}

function mergeTimes(facts: TimeFact[]): Omit<TimeFact, 'kind'> {
  const merged: Omit<TimeFact, 'kind'> = {};
  for (const fact of facts) {
    if (fact.at !== undefined && merged.at === undefined) merged.at = fact.at;
    if (fact.after !== undefined) merged.after = Math.max(merged.after ?? 0, fact.after);
    if (fact.before !== undefined) merged.before = Math.min(merged.before ?? 24 * 60, fact.before);
  }
  return merged;
}

function timeLabel(time: Omit<TimeFact, 'kind'>): string {
  const { at, after, before } = time;
  if (at !== undefined) return clockPhrase('a', at);
  if (after === undefined && before === 12 * 60) return 'de manhã';
  if (after === 12 * 60 && before === 18 * 60) return 'à tarde';
  if (after === 18 * 60 && before === undefined) return 'à noite';
  if (after !== undefined && before !== undefined) return `entre ${clockLabel(after)} e ${clockLabel(before)}`;
  if (after !== undefined) return `depois ${clockPhrase('de', after)}`;
  if (before !== undefined) return `antes ${clockPhrase('de', before)}`;
  return '';
}

function joinLabel(dayPart: string, timePart: string): string {
  if (!dayPart) return timePart;
  if (!timePart) return dayPart;
  // "na sexta-feira, 4/12, às 14h": close the apposition before the time.
  return dayPart.includes(',') ? `${dayPart}, ${timePart}` : `${dayPart} ${timePart}`;
}

/**
 * Parses a pt-BR date/time preference relative to `now` in `timeZone`. Null when the text names no
 * day, week or time of day. Without a day the search covers the next 7 days; `from` never lies
 * before `now`.
 */
export function parseDatePreference(text: string, now: Date, timeZone: string): DatePreference | null {
  const today = localDateOf(now, timeZone);
  const facts = extractFacts(text, today);
  if (facts.length === 0) return null;

  const dateFacts = facts.filter((f): f is DateFact => f.kind !== 'time');
  const time = mergeTimes(facts.filter((f): f is TimeFact => f.kind === 'time'));
  const days = resolveDays(dateFacts, today) ?? {
    first: today,
    end: addDays(today, DEFAULT_WINDOW_DAYS),
    label: '',
  };

  const start = startOfLocalDay(days.first, timeZone);
  const to = startOfLocalDay(days.end, timeZone);
  const from = start < now && now < to ? now : start;

  const preference: DatePreference = { from, to, label: joinLabel(days.label, timeLabel(time)) };
  if (time.after !== undefined) preference.afterMinutes = time.after;
  if (time.before !== undefined) preference.beforeMinutes = time.before;
  if (time.at !== undefined) preference.atMinutes = time.at;
  return preference;
}
