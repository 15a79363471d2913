import * as chrono from 'chrono-node';
import { foldAccents } from './text.js';

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

// ---------------------------------------------------------------------------------------------------
// Calendar and zone math. Local dates are plain {year, month, day}; arithmetic runs on UTC dates so
// the server's own zone never leaks in. Zone offsets come from Intl (tzdata of the runtime).

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

function isValidLocalDate(date: LocalDate): boolean {
  const d = addDays(date, 0);
  return d.year === date.year && d.month === date.month && d.day === date.day;
}

function compareLocalDates(a: LocalDate, b: LocalDate): number {
  return daysBetween(b, a);
}

// ---------------------------------------------------------------------------------------------------
// pt-BR calendar words, shared with replies.ts.

export const WEEKDAY_NAMES = [
  'domingo',
  'segunda-feira',
  'terça-feira',
  'quarta-feira',
  'quinta-feira',
  'sexta-feira',
  'sábado',
] as const;

export const WEEKDAY_SHORT_NAMES = [
  'domingo',
  'segunda',
  'terça',
  'quarta',
  'quinta',
  'sexta',
  'sábado',
] as const;

/** "14h", "14h30", "9h". */
export function clockLabel(minutes: number): string {
  const hour = Math.floor(minutes / 60);
  const minute = minutes % 60;
  return minute === 0 ? `${hour}h` : `${hour}h${String(minute).padStart(2, '0')}`;
}

type ClockPreposition = 'a' | 'de';

/** Clock time with the contracted article Portuguese needs: "às 14h", "ao meio-dia", "das 16h", "da 1h". */
export function clockPhrase(preposition: ClockPreposition, minutes: number): string {
  if (minutes === 12 * 60) return preposition === 'a' ? 'ao meio-dia' : 'do meio-dia';
  if (minutes === 0) return preposition === 'a' ? 'à meia-noite' : 'da meia-noite';
  const singular = Math.floor(minutes / 60) === 1;
  const article = preposition === 'a' ? (singular ? 'à' : 'às') : singular ? 'da' : 'das';
  return `${article} ${clockLabel(minutes)}`;
}

/** "4/12", or "4/1/2027" when the year differs from the reference year. */
export function dayMonthLabel(date: LocalDate, referenceYear: number): string {
  const base = `${date.day}/${date.month}`;
  return date.year === referenceYear ? base : `${base}/${date.year}`;
}

// ---------------------------------------------------------------------------------------------------
// Extraction: chrono's Portuguese parser plus our own parsers for what it misses. Our parsers carry
// their meaning as tags ("secretaria:{json}") instead of chrono components, so chrono's merging
// refiners cannot reinterpret them (it would read "às 2" as 02:00, weekdays as past days, …).

type DateFact =
  | { kind: 'offset'; days: number }
  | { kind: 'date'; day: number; month?: number; year?: number }
  | { kind: 'weekday'; weekday: number; week?: 'this' | 'next' }
  | { kind: 'week'; which: 'this' | 'next' }
  | { kind: 'weekend'; following: boolean };

type TimeFact = { kind: 'time'; at?: number; after?: number; before?: number };

type Fact = DateFact | TimeFact;

const TAG_PREFIX = 'secretaria:';
const BEFORE = '(?<![\\p{L}\\p{N}])';
const AFTER = '(?![\\p{L}\\p{N}])';

const MORNING: TimeFact = { kind: 'time', before: 12 * 60 };
const AFTERNOON: TimeFact = { kind: 'time', after: 12 * 60, before: 18 * 60 };
const EVENING: TimeFact = { kind: 'time', after: 18 * 60 };

const NUMBER_WORDS: Record<string, number> = {
  um: 1,
  uma: 1,
  dois: 2,
  duas: 2,
  tres: 3,
  quatro: 4,
  cinco: 5,
  seis: 6,
  sete: 7,
};

const WEEKDAY_WORDS: Record<string, number> = {
  domingo: 0,
  segunda: 1,
  terca: 2,
  quarta: 3,
  quinta: 4,
  sexta: 5,
  sabado: 6,
};

const MONTH_WORDS: Record<string, number> = {
  janeiro: 1,
  fevereiro: 2,
  marco: 3,
  abril: 4,
  maio: 5,
  junho: 6,
  julho: 7,
  agosto: 8,
  setembro: 9,
  outubro: 10,
  novembro: 11,
  dezembro: 12,
  jan: 1,
  fev: 2,
  mar: 3,
  abr: 4,
  mai: 5,
  jun: 6,
  jul: 7,
  ago: 8,
  set: 9,
  out: 10,
  nov: 11,
  dez: 12,
};

const MONTH_PATTERN = Object.keys(MONTH_WORDS)
  .sort((a, b) => b.length - a.length)
  .join('|');

const NEXT_WEEK = '(?:semana\\s+que\\s+vem|proxima\\s+semana|semana\\s+seguinte|outra\\s+semana)';
const THIS_WEEK = '(?:n?esta\\s+semana|n?essa\\s+semana)';

function factParser(pattern: RegExp, toFacts: (match: RegExpMatchArray) => Fact[] | null): chrono.Parser {
  return {
    pattern: () => pattern,
    extract: (context, match) => {
      const facts = toFacts(match);
      if (!facts || facts.length === 0) return null;
      const components = context.createParsingComponents();
      for (const fact of facts) components.addTag(TAG_PREFIX + JSON.stringify(fact));
      return components;
    },
  };
}

const relativeDayParser = factParser(
  new RegExp(
    `${BEFORE}(?:(depois\\s+de\\s+amanha)|(?:daqui\\s+a|em|dentro\\s+de)\\s+(\\d{1,2}|${Object.keys(NUMBER_WORDS).join('|')})\\s+dias?)${AFTER}`,
    'iu',
  ),
  (m) => {
    if (m[1]) return [{ kind: 'offset', days: 2 }];
    const amount = m[2] ?? '';
    const days = NUMBER_WORDS[amount] ?? Number(amount);
    return Number.isInteger(days) && days >= 0 && days <= 60 ? [{ kind: 'offset', days }] : null;
  },
);

const weekdayParser = factParser(
  new RegExp(
    `${BEFORE}(?:(proxim[oa]|n?esta|n?essa|n?este|n?esse)\\s+)?` +
      '(?:(segunda|terca|quarta|quinta|sexta)(?:[\\s-]*feira)?|(sabado|domingo)|([2-6])a?[\\s-]*feira)' +
      // "segunda vez", "quinta opção": ordinals, not weekdays.
      '(?!\\s+(?:opcao|opcoes|vez|via|chance|alternativa|etapa|parte|mao))' +
      '(\\s+que\\s+vem|\\s+proxim[oa])?' +
      `(\\s*,?\\s*(?:da|na|de|desta|dessa|nesta|nessa)\\s+(?:${NEXT_WEEK}|semana))?${AFTER}`,
    'iu',
  ),
  (m) => {
    const name = m[2] ?? m[3];
    const weekday = name !== undefined ? WEEKDAY_WORDS[name] : Number(m[4]) - 1;
    if (weekday === undefined) return null;
    const weekTail = m[6] ?? '';
    const nextWeek = new RegExp(NEXT_WEEK).test(weekTail);
    const thisWeek = !nextWeek && (weekTail !== '' || /^n?es[st][ae]$/.test(m[1] ?? ''));
    const week = nextWeek ? 'next' : thisWeek ? 'this' : undefined;
    return [week ? { kind: 'weekday', weekday, week } : { kind: 'weekday', weekday }];
  },
);

const monthNameDateParser = factParser(
  new RegExp(
    `${BEFORE}(?:dia\\s+)?(\\d{1,2}|primeiro)o?(?:\\s*(?:de|/|-)\\s*|\\s+)(${MONTH_PATTERN})\\.?${AFTER}` +
      '(?:\\s*(?:de|/)?\\s*(\\d{4}))?',
    'iu',
  ),
  (m) => {
    const day = m[1] === 'primeiro' ? 1 : Number(m[1]);
    const month = MONTH_WORDS[m[2] ?? ''];
    if (!month) return null;
    return [m[3] ? { kind: 'date', day, month, year: Number(m[3]) } : { kind: 'date', day, month }];
  },
);

const dayOfMonthParser = factParser(
  new RegExp(`${BEFORE}dia\\s+(\\d{1,2})o?(?![\\p{L}\\p{N}]|\\s*[/.-]\\s*\\d)`, 'iu'),
  (m) => {
    const day = Number(m[1]);
    return day >= 1 && day <= 31 ? [{ kind: 'date', day }] : null;
  },
);

const weekParser = factParser(
  new RegExp(
    `${BEFORE}(?:(${NEXT_WEEK})|(${THIS_WEEK})|(?:(proximo|neste|nesse|este|esse|no)\\s+)?(?:fim|final)\\s+de\\s+semana(\\s+que\\s+vem)?|fds)${AFTER}`,
    'iu',
  ),
  (m) => {
    if (m[1]) return [{ kind: 'week', which: 'next' }];
    if (m[2]) return [{ kind: 'week', which: 'this' }];
    return [{ kind: 'weekend', following: m[3] === 'proximo' || Boolean(m[4]) }];
  },
);

const PERIOD_PHRASES: Array<[RegExp, TimeFact]> = [
  [/^(?:no\s+)?(?:fim|final)\s+d[ao]\s+(?:tarde|dia)$/, { kind: 'time', after: 16 * 60, before: 18 * 60 }],
  [/^(?:no\s+)?(?:inicio|comeco)\s+da\s+tarde$/, { kind: 'time', after: 12 * 60, before: 15 * 60 }],
  [/^(?:no\s+)?(?:inicio|comeco)\s+da\s+manha$/, { kind: 'time', before: 10 * 60 }],
  [/^(?:bem\s+)?(?:cedo|cedinho)$/, { kind: 'time', before: 10 * 60 }],
  [/^depois\s+do\s+almoco$/, { kind: 'time', after: 13 * 60 }],
  [/^antes\s+do\s+almoco$/, { kind: 'time', before: 12 * 60 }],
];

const periodParser = factParser(
  new RegExp(
    `${BEFORE}(?:(?:no\\s+)?(?:fim|final|inicio|comeco)\\s+d[ao]\\s+(?:tarde|dia|manha)|(?:bem\\s+)?(?:cedo|cedinho)|(?:depois|antes)\\s+do\\s+almoco)${AFTER}`,
    'iu',
  ),
  (m) => {
    const phrase = m[0].toLowerCase().replace(/\s+/g, ' ');
    const found = PERIOD_PHRASES.find(([pattern]) => pattern.test(phrase));
    return found ? [found[1]] : null;
  },
);

// A clock time: "14h", "14h30", "14:30", "14 horas", "meio-dia", "2 e meia", or a bare "10" (only after
// a preposition such as "às"/"depois das", never alone: "2" is an option number, not a time).
const CLOCK =
  '(?:(meio[\\s-]?dia|meia[\\s-]?noite)|(\\d{1,2})(?::(\\d{2})|\\s*(h|hs|hrs|hr|horas|hora)(\\d{2})?)?(?!\\s*[/.]\\s*\\d))(\\s+e\\s+meia)?' +
  '(?:\\s+(?:da|de|pela|a|na)\\s+(manha|tarde|noite))?';

interface Clock {
  minutes: number;
  bare: boolean;
}

/** Reads the 7 CLOCK groups starting at `offset` in `m`. */
function readClock(m: RegExpMatchArray, offset: number, fallbackPeriod?: string): Clock | null {
  const [special, hourText, colonMinutes, unit, unitMinutes, half, ownPeriod] = m.slice(offset, offset + 7);
  const period = ownPeriod ?? fallbackPeriod;
  if (special) {
    const base = special.startsWith('meio') ? 12 * 60 : 0;
    return { minutes: base + (half ? 30 : 0), bare: false };
  }
  if (hourText === undefined) return null;
  let hour = Number(hourText);
  const explicitMinutes = colonMinutes ?? unitMinutes;
  const minute = explicitMinutes !== undefined ? Number(explicitMinutes) : half ? 30 : 0;
  if ((period === 'tarde' || period === 'noite') && hour < 12) hour += 12;
  // Nobody books a business meeting at 2 a.m.: "às 2" means 14h unless "da manhã" says otherwise.
  else if (period === undefined && hour >= 1 && hour <= 6) hour += 12;
  if (hour > 23 || minute > 59) return null;
  return { minutes: hour * 60 + minute, bare: colonMinutes === undefined && unit === undefined && !ownPeriod };
}

const TIME_PREFIX =
  '(depois\\s+d(?:[oa]s?|e)|apos(?:\\s+[oa]s?)?|a\\s+partir\\s+d(?:[oa]s?|e)|antes\\s+d(?:[oa]s?|e)|ate(?:\\s+[oa]s?)?|por\\s+volta\\s+d[oa]s?|perto\\s+d[oa]s?|pelas|pelo|as|ao|a)\\s+';

// Without a preposition, "de 2 horas", "por 1 hora", "em 3h" are durations, not clock times.
const NOT_A_DURATION = '(?<!(?<![\\p{L}])(?:por|de|durante|em|uns|umas|daqui\\s+a)\\s+)';

const TIME_PATTERN = new RegExp(`${BEFORE}(?:${TIME_PREFIX})?${NOT_A_DURATION}${CLOCK}${AFTER}`, 'iu');

const timeParser = factParser(TIME_PATTERN, (m) => {
  const prefix = (m[1] ?? '').replace(/\s+/g, ' ');
  const clock = readClock(m, 2);
  if (!clock) return null;
  // "a 2" / "ao 3" are how people pick an option; a bare number is a time only after "às", "depois das"…
  if (clock.bare && (prefix === '' || prefix === 'a' || prefix === 'ao')) return null;
  if (/^(depois|apos|a partir)/.test(prefix)) return [{ kind: 'time', after: clock.minutes }];
  if (/^(antes|ate)/.test(prefix)) return [{ kind: 'time', before: clock.minutes }];
  return [{ kind: 'time', at: clock.minutes }];
});

const timeRangeParser = factParser(
  new RegExp(
    `${BEFORE}(entre\\s+(?:[oa]s?\\s+)?|d[ao]s?\\s+|de\\s+)?${CLOCK}\\s*(?:e|as|a|ate|-)\\s*(?:[oa]s?\\s+)?${CLOCK}${AFTER}`,
    'iu',
  ),
  (m) => {
    const laterPeriod = m[15];
    const start = readClock(m, 2, laterPeriod);
    const end = readClock(m, 9);
    if (!start || !end || end.minutes <= start.minutes) return null;
    if (!m[1] && (start.bare || end.bare)) return null;
    return [{ kind: 'time', after: start.minutes, before: end.minutes }];
  },
);

/** Drops chrono results that are not booking preferences ("agora", "ontem", "meia-noite"). */
const ignoreNonPreferences: chrono.Refiner = {
  refine: (_context, results) =>
    results.filter((result) => {
      const tags = result.tags();
      return !['casualReference/now', 'casualReference/yesterday', 'casualReference/midnight'].some((t) =>
        tags.has(t),
      );
    }),
};

// Chrono pt parsers we replace: its weekday parser picks past days and needs "terça" with the cedilla,
// its time parser misses "14h" and reads "a 2" as 02:00, its month parser needs "março" with the cedilla.
const REPLACED_PARSERS = new Set(['PTWeekdayParser', 'PTTimeExpressionParser', 'PTMonthNameLittleEndianParser']);

function buildParser(): chrono.Chrono {
  const parser = chrono.pt.casual.clone();
  parser.parsers = parser.parsers.filter((p) => !REPLACED_PARSERS.has(p.constructor.name));
  parser.parsers.push(
    relativeDayParser,
    weekdayParser,
    monthNameDateParser,
    dayOfMonthParser,
    weekParser,
    periodParser,
    timeParser,
    timeRangeParser,
  );
  parser.refiners.push(ignoreNonPreferences);
  return parser;
}

const ptParser = buildParser();

const DAY_WORDS = '(?:hoje|amanha|depois\\s+de\\s+amanha|segunda|terca|quarta|quinta|sexta|sabado|domingo)(?:[\\s-]*feira)?';

/** Phrases that contain date words but state no preference. */
const NOISE: RegExp[] = [
  /(?<![\p{L}])(?:bom\s+dia|boa\s+tarde|boa\s+noite|mais\s+tarde)(?![\p{L}])/giu,
  // Farewell at the end of a message: "obrigado, até amanhã!".
  /(?<![\p{L}])ate\s+amanha[^\p{L}\p{N}]*$/giu,
  // Refused days: "hoje não", "amanhã não dá", "não pode ser sexta".
  new RegExp(`(?<![\\p{L}])${DAY_WORDS}\\s*,?\\s*nao(?![\\p{L}])`, 'giu'),
  new RegExp(`(?<![\\p{L}])(?:nao|nem)\\s+(?:pode\\s+ser\\s+|posso\\s+|da\\s+)?(?:n[ao]\\s+)?${DAY_WORDS}(?![\\p{L}])`, 'giu'),
];

function cleanText(text: string): string {
  return NOISE.reduce((acc, pattern) => acc.replace(pattern, ' '), foldAccents(text));
}

function builtInFacts(result: chrono.ParsedResult): Fact[] {
  const tags = result.tags();
  const facts: Fact[] = [];
  if (tags.has('casualReference/today')) facts.push({ kind: 'offset', days: 0 });
  else if (tags.has('casualReference/tomorrow')) facts.push({ kind: 'offset', days: 1 });
  else if (result.start.isCertain('day') && result.start.isCertain('month')) {
    const day = result.start.get('day')!;
    const month = result.start.get('month')!;
    const year = result.start.isCertain('year') ? result.start.get('year')! : undefined;
    facts.push(year === undefined ? { kind: 'date', day, month } : { kind: 'date', day, month, year });
  }
  if (tags.has('casualReference/morning')) facts.push(MORNING);
  if (tags.has('casualReference/afternoon')) facts.push(AFTERNOON);
  if (tags.has('casualReference/evening')) facts.push(EVENING);
  if (tags.has('casualReference/noon')) facts.push({ kind: 'time', at: 12 * 60 });
  return facts;
}

function ownFacts(result: chrono.ParsedResult): Fact[] {
  return [...result.tags()]
    .filter((tag) => tag.startsWith(TAG_PREFIX))
    .map((tag) => JSON.parse(tag.slice(TAG_PREFIX.length)) as Fact);
}

function extractFacts(text: string, today: LocalDate): Fact[] {
  // Chrono reads its reference with local getters; a local-noon Date carrying the company's calendar
  // day makes its implied year/month match the company, whatever the server zone.
  const reference = new Date(today.year, today.month - 1, today.day, 12, 0, 0);
  return ptParser
    .parse(cleanText(text), reference)
    .flatMap((result) => [...builtInFacts(result), ...ownFacts(result)]);
}

/** True when the text mentions a day, week or time of day, e.g. "amanhã às 10h", "sexta?". */
export function hasDatePreference(text: string): boolean {
  const anyDay = { year: 2000, month: 1, day: 1 };
  return extractFacts(text, anyDay).length > 0;
}

// ---------------------------------------------------------------------------------------------------
// Resolution.

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

function mondayOf(date: LocalDate): LocalDate {
  return addDays(date, -((weekdayOf(date) + 6) % 7));
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
  const saturday = inWeekend
    ? addDays(today, weekday === 6 ? 0 : -1)
    : addDays(today, 6 - weekday);
  const first = inWeekend && following ? addDays(saturday, 7) : saturday;
  const start = compareLocalDates(first, today) < 0 ? today : first;
  return { first: start, end: addDays(first, 2), label: 'no fim de semana' };
}

function resolveDays(facts: DateFact[], today: LocalDate): DayRange | null {
  for (const fact of facts) {
    if (fact.kind === 'offset') return singleDay(addDays(today, fact.days), today);
    if (fact.kind === 'date') {
      const date = resolveExplicitDate(fact, today);
      if (date) return singleDay(date, today);
    }
  }
  const weekFact = facts.find((f): f is Extract<DateFact, { kind: 'week' }> => f.kind === 'week');
  const weekdayFact = facts.find((f): f is Extract<DateFact, { kind: 'weekday' }> => f.kind === 'weekday');
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
  const weekendFact = facts.find((f): f is Extract<DateFact, { kind: 'weekend' }> => f.kind === 'weekend');
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

// ---------------------------------------------------------------------------------------------------
// Matching Cal.com slots.

/** How far (minutes) a slot may be from an asked-for "às 14h" and still be offered. */
export const AT_TOLERANCE_MINUTES = 60;

function minutesOfDay(instant: Date, timeZone: string): number {
  const { hour, minute } = zonedParts(instant, timeZone);
  return hour * 60 + minute;
}

export function matchesPreference(slotStart: Date, pref: DatePreference, timeZone: string): boolean {
  if (slotStart < pref.from || slotStart >= pref.to) return false;
  const minutes = minutesOfDay(slotStart, timeZone);
  if (pref.afterMinutes !== undefined && minutes < pref.afterMinutes) return false;
  if (pref.beforeMinutes !== undefined && minutes >= pref.beforeMinutes) return false;
  if (pref.atMinutes !== undefined && Math.abs(minutes - pref.atMinutes) > AT_TOLERANCE_MINUTES) return false;
  return true;
}

/** Matching slots, closest to the asked-for time first, then chronological. */
export function rankSlots(slots: readonly Date[], pref: DatePreference, timeZone: string): Date[] {
  const distance = (slot: Date) =>
    pref.atMinutes === undefined ? 0 : Math.abs(minutesOfDay(slot, timeZone) - pref.atMinutes);
  return slots
    .filter((slot) => matchesPreference(slot, pref, timeZone))
    .sort((a, b) => distance(a) - distance(b) || a.getTime() - b.getTime());
}
