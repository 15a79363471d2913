import * as chrono from 'chrono-node';
import { MONTH_PATTERN, MONTH_WORDS, WEEKDAY_WORDS } from './calendar-words.js';
import { cleanText } from './normalize.js';
import type { LocalDate } from './zone.js';

/**
 * Extraction: chrono's Portuguese parser plus our own parsers for what it misses. Our parsers carry
 * their meaning as tags ("secretaria:{json}") instead of chrono components, so chrono's merging
 * refiners cannot reinterpret them (it would read "às 2" as 02:00, weekdays as past days, …).
 */

export type DateFact =
  | { kind: 'offset'; days: number }
  | { kind: 'months'; months: number }
  | { kind: 'date'; day: number; month?: number; year?: number }
  | { kind: 'weekday'; weekday: number; week?: 'this' | 'next' }
  | { kind: 'week'; which: 'this' | 'next' }
  | { kind: 'month'; which: 'this' | 'next' }
  | { kind: 'weekend'; following: boolean };

export type TimeFact = { kind: 'time'; at?: number; after?: number; before?: number };

export type Fact = DateFact | TimeFact;

const TAG_PREFIX = 'secretaria:';
const BEFORE = '(?<![\\p{L}\\p{N}])';
const AFTER = '(?![\\p{L}\\p{N}])';

const MORNING: TimeFact = { kind: 'time', before: 12 * 60 };
const AFTERNOON: TimeFact = { kind: 'time', after: 12 * 60, before: 18 * 60 };
const EVENING: TimeFact = { kind: 'time', after: 18 * 60 };

const NEXT_WEEK = '(?:semana\\s+que\\s+vem|proxima\\s+semana|semana\\s+seguinte|outra\\s+semana)';
const THIS_WEEK = '(?:n?esta\\s+semana|n?essa\\s+semana)';
const NEXT_MONTH = '(?:mes\\s+que\\s+vem|proxim[oa]\\s+mes|mes\\s+seguinte|outro\\s+mes)';
const THIS_MONTH = '(?:n?este\\s+mes|n?esse\\s+mes|ainda\\s+este\\s+mes)';

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

// Number words are digits by now (numberWordsToDigits): "daqui a três semanas" reads "daqui a 3 semanas".
// "daqui a 2 semanas" is the same weekday two weeks ahead (what "daqui a duas semanas, mesmo horário"
// means); a full day there still gets the nearest alternatives.
const relativeDayParser = factParser(
  new RegExp(
    `${BEFORE}(?:(depois\\s+de\\s+amanha)|(?:daqui\\s+(?:a\\s+)?|em\\s+|dentro\\s+de\\s+)(\\d{1,2})\\s+(dias?|semanas?|mes|meses))${AFTER}`,
    'iu',
  ),
  (m) => {
    if (m[1]) return [{ kind: 'offset', days: 2 }];
    const amount = Number(m[2]);
    const unit = m[3] ?? '';
    if (unit.startsWith('mes')) return amount >= 1 && amount <= 12 ? [{ kind: 'months', months: amount }] : null;
    const days = unit.startsWith('semana') ? amount * 7 : amount;
    return days >= 0 && days <= 60 ? [{ kind: 'offset', days }] : null;
  },
);

// "ter" is also the verb ("vou ter que sair"): a weekday only after "na/pra/essa/…", or before a
// period, a time, a dot or the end of the message ("tem vaga ter?", "ter de manhã", "na ter").
const TER =
  '(?<=(?<![\\p{L}])(?:na|pra|para|essa|nessa|esta|nesta|proxima|ate|e|ou|vaga|horario)\\s+)ter|' +
  'ter(?=\\s*(?:[.?!,]|$)|\\s+(?:de\\s+manha|a\\s+tarde|a\\s+noite|cedo|de\\s+tarde|as?\\s+\\d|\\d))';

const weekdayParser = factParser(
  new RegExp(
    `${BEFORE}(?:(proxim[oa]s?|n?esta|n?essa|n?este|n?esse)\\s+)?` +
      // Plurals ("às segundas") mean the next one: a booking is for one day.
      `(?:(segunda|terca|quarta|quinta|sexta|sabado|domingo|seg|qua|qui|sex|sab|dom|${TER})s?\\.?(?:[\\s-]*feiras?)?` +
      '|([2-6])(?:a\\.?(?:[\\s-]*feiras?)?|[\\s-]*feiras?))' +
      // "segunda vez", "quinta opção", "2a opção": ordinals, not weekdays.
      '(?!\\s*(?:opcao|opcoes|op|vez|via|chance|alternativa|etapa|parte|mao|horario|lugar))' +
      '(\\s+que\\s+vem|\\s+proxim[oa])?' +
      `(\\s*,?\\s*(?:da|na|de|desta|dessa|nesta|nessa)\\s+(?:${NEXT_WEEK}|semana))?(?![\\p{L}\\p{N}])`,
    'iu',
  ),
  (m) => {
    const name = m[2];
    const weekday = name !== undefined ? WEEKDAY_WORDS[name] : Number(m[3]) - 1;
    if (weekday === undefined) return null;
    const weekTail = m[5] ?? '';
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
  new RegExp(`${BEFORE}dia\\s+(\\d{1,2}|primeiro)o?(?![\\p{L}\\p{N}]|\\s*[/.-]\\s*\\d)`, 'iu'),
  (m) => {
    const day = m[1] === 'primeiro' ? 1 : Number(m[1]);
    return day >= 1 && day <= 31 ? [{ kind: 'date', day }] : null;
  },
);

const weekParser = factParser(
  new RegExp(
    `${BEFORE}(?:(${NEXT_WEEK})|(${THIS_WEEK})|(${NEXT_MONTH})|(${THIS_MONTH})|` +
      `(?:(proximo|neste|nesse|este|esse|no)\\s+)?(?:fim|final)\\s+de\\s+semana(\\s+que\\s+vem)?|fds)${AFTER}`,
    'iu',
  ),
  (m) => {
    if (m[1]) return [{ kind: 'week', which: 'next' }];
    if (m[2]) return [{ kind: 'week', which: 'this' }];
    if (m[3]) return [{ kind: 'month', which: 'next' }];
    if (m[4]) return [{ kind: 'month', which: 'this' }];
    return [{ kind: 'weekend', following: m[5] === 'proximo' || Boolean(m[6]) }];
  },
);

const PERIOD_PHRASES: Array<[RegExp, TimeFact]> = [
  [/^(?:no\s+)?(?:fim|final)\s+d[ao]\s+(?:tarde|dia)$/, { kind: 'time', after: 16 * 60, before: 18 * 60 }],
  [/^(?:no\s+)?(?:fim|final)\s+da\s+manha$/, { kind: 'time', after: 10 * 60, before: 12 * 60 }],
  [/^(?:no\s+)?meio\s+da\s+tarde$/, { kind: 'time', after: 14 * 60, before: 16 * 60 }],
  [/^(?:no\s+)?meio\s+da\s+manha$/, { kind: 'time', after: 9 * 60, before: 11 * 60 }],
  [/^(?:no\s+)?(?:inicio|comeco)\s+da\s+tarde$/, { kind: 'time', after: 12 * 60, before: 15 * 60 }],
  [/^(?:no\s+)?(?:inicio|comeco)\s+da\s+manha$/, { kind: 'time', before: 10 * 60 }],
  [/^(?:bem\s+)?(?:cedo|cedinho)$/, { kind: 'time', before: 10 * 60 }],
  [/tardinha$/, { kind: 'time', after: 16 * 60, before: 18 * 60 }],
  [/manhazinha$/, { kind: 'time', before: 10 * 60 }],
  [/noitinha$/, EVENING],
  [/^depois\s+do\s+almoco$/, { kind: 'time', after: 13 * 60 }],
  [/^antes\s+do\s+almoco$/, { kind: 'time', before: 12 * 60 }],
];

const periodParser = factParser(
  new RegExp(
    `${BEFORE}(?:(?:no\\s+)?(?:fim|final|inicio|comeco|meio)\\s+d[ao]\\s+(?:tarde|dia|manha)|(?:bem\\s+)?(?:cedo|cedinho)|` +
      `(?:a|de|no\\s+fim\\s+da|pela)\\s+(?:tardinha|noitinha|manhazinha)|(?:depois|antes)\\s+do\\s+almoco)${AFTER}`,
    'iu',
  ),
  (m) => {
    const phrase = m[0].toLowerCase().replace(/\s+/g, ' ');
    const found = PERIOD_PHRASES.find(([pattern]) => pattern.test(phrase));
    return found ? [found[1]] : null;
  },
);

// A clock time: "14h", "14h30", "14:30", "14 horas", "meio-dia", "2 e meia", "5 e 45", or a bare "10"
// (only after a preposition such as "às"/"depois das", never alone: "2" is an option number, not a
// time). Minutes after "e" are only 15/30/45/meia: "entre 10 e 11" stays a range.
// The month of "17/12 de manhã" is not a clock time: a number right after "17/" is never an hour.
const CLOCK =
  '(?:(meio[\\s-]?dia|meia[\\s-]?noite)|(?<!\\d\\s*[/.]\\s*)(\\d{1,2})(?::(\\d{2})|\\s*(h|hs|hrs|hr|horas|hora)(\\d{2})?(?:min)?)?(?!\\s*[/.]\\s*\\d))' +
  '(\\s+e\\s+(?:meia|15|30|45)(?!\\s*(?:h|hs|hrs|hora|horas)(?![\\p{L}])|\\s*[:\\d]))?' +
  '(?:\\s+(?:da|de|pela|a|na)\\s+(manha|tarde|noite))?';

interface Clock {
  minutes: number;
  bare: boolean;
}

/** Reads the 7 CLOCK groups starting at `offset` in `m`. */
function readClock(m: RegExpMatchArray, offset: number, fallbackPeriod?: string): Clock | null {
  const [special, hourText, colonMinutes, unit, unitMinutes, extra, ownPeriod] = m.slice(offset, offset + 7);
  const period = ownPeriod ?? fallbackPeriod;
  const extraMinutes = extra === undefined ? undefined : /meia/.test(extra) ? 30 : Number(/\d+/.exec(extra)![0]);
  if (special) {
    const base = special.startsWith('meio') ? 12 * 60 : 0;
    return { minutes: base + (extraMinutes ?? 0), bare: false };
  }
  if (hourText === undefined) return null;
  let hour = Number(hourText);
  const explicitMinutes = colonMinutes ?? unitMinutes;
  const minute = explicitMinutes !== undefined ? Number(explicitMinutes) : (extraMinutes ?? 0);
  if ((period === 'tarde' || period === 'noite') && hour < 12) hour += 12;
  // Nobody books a business meeting at 2 a.m.: "às 2" means 14h unless "da manhã" says otherwise.
  else if (period === undefined && hour >= 1 && hour <= 6) hour += 12;
  if (hour > 23 || minute > 59) return null;
  const bare = colonMinutes === undefined && unit === undefined && extra === undefined && !ownPeriod;
  return { minutes: hour * 60 + minute, bare };
}

const TIME_PREFIX =
  '(depois\\s+d(?:[oa]s?|e)|apos(?:\\s+[oa]s?)?|a\\s+partir\\s+d(?:[oa]s?|e)|antes\\s+d(?:[oa]s?|e)|ate(?:\\s+[oa]s?)?|por\\s+volta\\s+d[oa]s?|perto\\s+d[oa]s?|pelas|pelo|as|ao|a)\\s+';

// Without a preposition, "de 2 horas", "por 1 hora", "em 3h" are durations, not clock times.
// "dia 18 à tarde" is the 18th in the afternoon, not 18h.
const NOT_A_DURATION = '(?<!(?<![\\p{L}])(?:por|de|durante|em|uns|umas|daqui\\s+a|daqui|dia)\\s+)';

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

/** Every day and time fact the text states, in order. */
export function extractFacts(text: string, today: LocalDate): Fact[] {
  // Chrono reads its reference with local getters; a local-noon Date carrying the company's calendar
  // day makes its implied year/month match the company, whatever the server zone.
  const reference = new Date(today.year, today.month - 1, today.day, 12, 0, 0);
  return ptParser
    .parse(cleanText(text), reference)
    .flatMap((result) => [...builtInFacts(result), ...ownFacts(result)]);
}
