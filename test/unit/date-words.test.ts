import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  addDays,
  localDateOf,
  nearestAlternatives,
  numberWordsToDigits,
  parseDatePreference,
  startOfLocalDay,
  zonedParts,
  zonedTimeToUtc,
  type DatePreference,
  type LocalDate,
} from '../../server/whatsapp/date/index.js';

/**
 * Issue 16 classes (abbreviated weekdays, numbers as words, forms that keep working, dead-end
 * alternatives) in a zone without DST and in one whose DST starts three days after "now".
 */
const ZONES: Array<{ zone: string; today: LocalDate }> = [
  { zone: 'America/Sao_Paulo', today: { year: 2026, month: 12, day: 3 } },
  // Thursday 11/3/2027; DST starts on Sunday 14/3, so Monday's midnight is 04:00Z, not 05:00Z.
  { zone: 'America/New_York', today: { year: 2027, month: 3, day: 11 } },
];

const h = (hour: number, minute = 0) => hour * 60 + minute;

interface Want {
  /** Day offsets from Thursday: first and last (inclusive). */
  days: [number, number] | null;
  at?: number;
  after?: number;
  before?: number;
}

function summary(pref: DatePreference | null) {
  if (!pref) return null;
  return { from: pref.from.toISOString(), to: pref.to.toISOString(), at: pref.atMinutes, after: pref.afterMinutes, before: pref.beforeMinutes };
}

function expected(want: Want, today: LocalDate, zone: string, now: Date) {
  const [first, last] = want.days ?? [0, 6];
  const start = startOfLocalDay(addDays(today, first), zone);
  return {
    from: (start < now ? now : start).toISOString(),
    to: startOfLocalDay(addDays(today, last + 1), zone).toISOString(),
    at: want.at,
    after: want.after,
    before: want.before,
  };
}

const day = (n: number): [number, number] => [n, n];

const CLASSES: Record<string, Array<[string, Want]>> = {
  'abbreviated weekdays': [
    ['tem vaga qui?', { days: day(7) }],
    ['pode ser na qua. de manhã?', { days: day(6), before: h(12) }],
    ['seg', { days: day(4) }],
    ['sáb.', { days: day(2) }],
    ['sab', { days: day(2) }],
    ['dom', { days: day(3) }],
    ['sex às 10h', { days: day(1), at: h(10) }],
    ['na ter de manhã', { days: day(5), before: h(12) }],
    ['tem horário ter?', { days: day(5) }],
    ['2ª', { days: day(4) }],
    ['2a feira', { days: day(4) }],
    ['5ª feira às 11h', { days: day(7), at: h(11) }],
    ['segunda feira', { days: day(4) }],
    ['segunda-feira', { days: day(4) }],
    ['às segundas', { days: day(4) }],
    ['nas quartas à tarde', { days: day(6), after: h(12), before: h(18) }],
    ['sex da semana que vem', { days: day(8) }],
  ],
  'numbers as words': [
    ['daqui a três semanas', { days: day(21) }],
    ['em dez dias', { days: day(10) }],
    ['daqui a vinte e um dias', { days: day(21) }],
    ['daqui a trinta dias', { days: day(30) }],
    ['daqui uma semana', { days: day(7) }],
    ['amanhã às duas da tarde', { days: day(1), at: h(14) }],
    ['cinco e meia', { days: null, at: h(17, 30) }],
    ['amanhã às nove e quinze', { days: day(1), at: h(9, 15) }],
    ['amanhã às onze e quarenta e cinco', { days: day(1), at: h(11, 45) }],
    ['quarta quinze para as cinco', { days: day(6), at: h(16, 45) }],
    ['amanhã à uma', { days: day(1), at: h(13) }],
    ['amanhã meio-dia e meia', { days: day(1), at: h(12, 30) }],
    ['amanha as tres', { days: day(1), at: h(15) }],
    ['quarta entre duas e quatro da tarde', { days: day(6), after: h(14), before: h(16) }],
    ['amanhã umas três da tarde', { days: day(1), at: h(15) }],
  ],
  'forms that keep working': [
    ['depois das 15h', { days: null, after: h(15) }],
    ['antes das 10', { days: null, before: h(10) }],
    ['fim da tarde', { days: null, after: h(16), before: h(18) }],
    ['início da manhã', { days: null, before: h(10) }],
    ['no fim do dia', { days: null, after: h(16), before: h(18) }],
    ['semana que vem', { days: [4, 10] }],
    ['próxima semana', { days: [4, 10] }],
    ['amanhã cedo', { days: day(1), before: h(10) }],
    ['hoje mais tarde', { days: day(0) }],
    ['amanha', { days: day(1) }],
    ['terca', { days: day(5) }],
    ['proxima terca', { days: day(5) }],
    ['quarta no meio da tarde', { days: day(6), after: h(14), before: h(16) }],
    // WhatsApp shorthand.
    ['hj à noite', { days: day(0), after: h(18) }],
    ['semana q vem', { days: [4, 10] }],
    ['prox semana', { days: [4, 10] }],
    ['amn de manhã', { days: day(1), before: h(12) }],
    ['amanhã de manhãzinha', { days: day(1), before: h(10) }],
    ['dps das 15h', { days: null, after: h(15) }],
    ['das 14-16h', { days: null, after: h(14), before: h(16) }],
  ],
};

describe('pt-BR date forms of issue 16', () => {
  for (const { zone, today } of ZONES) {
    const now = zonedTimeToUtc(today, h(10), zone);
    for (const [name, rows] of Object.entries(CLASSES)) {
      it.each(rows)(`${name} in ${zone}: %s`, (text, want) => {
        expect(summary(parseDatePreference(text, now, zone))).toEqual(expected(want, today, zone, now));
      });
    }

    it(`reads absolute dates and months in ${zone}`, () => {
      const nextMonth = today.month === 12 ? { year: today.year + 1, month: 1, day: 1 } : { year: today.year, month: today.month + 1, day: 1 };
      const afterThat = nextMonth.month === 12 ? { year: nextMonth.year + 1, month: 1, day: 1 } : { ...nextMonth, month: nextMonth.month + 1 };
      expect(summary(parseDatePreference('mês que vem', now, zone))).toMatchObject({
        from: startOfLocalDay(nextMonth, zone).toISOString(),
        to: startOfLocalDay(afterThat, zone).toISOString(),
      });
      const jan15 = { year: today.year + 1, month: 1, day: 15 };
      expect(summary(parseDatePreference('dia 15 de janeiro', now, zone))?.from).toBe(startOfLocalDay(jan15, zone).toISOString());
      expect(summary(parseDatePreference('17/12 de manhã', now, zone))).toMatchObject({
        from: startOfLocalDay({ year: today.year, month: 12, day: 17 }, zone).toISOString(),
        before: h(12),
      });
      expect(summary(parseDatePreference('dia dezoito à tarde', now, zone))).toMatchObject({
        from: startOfLocalDay({ ...today, day: 18 }, zone).toISOString(),
        after: h(12),
        before: h(18),
      });
    });

    it(`offers the nearest days keeping the asked hour when the asked day is full (${zone})`, () => {
      // Free: every weekday 9:00–17:30 except Tuesday (+5); asked: Tuesday at 10h.
      const slots: Date[] = [];
      for (let offset = 0; offset < 14; offset++) {
        const date = addDays(today, offset);
        const weekday = zonedParts(startOfLocalDay(date, zone), zone).weekday;
        if (offset === 5 || weekday === 0 || weekday === 6) continue;
        for (let minutes = h(9); minutes < h(18); minutes += 30) slots.push(zonedTimeToUtc(date, minutes, zone));
      }
      const pref = parseDatePreference('terça às 10h', now, zone)!;
      const options = nearestAlternatives(slots.filter((s) => s > now), pref, now, zone, 3);
      const described = options.map((s) => {
        const local = localDateOf(s, zone);
        const p = zonedParts(s, zone);
        return [Math.round((Date.UTC(local.year, local.month - 1, local.day) - Date.UTC(today.year, today.month - 1, today.day)) / 86_400_000), p.hour * 60 + p.minute];
      });
      // Monday before and Wednesday after are one day away, then Friday (+1 … +8): all at 10h.
      expect(described).toEqual([[4, h(10)], [6, h(10)], [7, h(10)]]);
      expect(options.every((s) => s > now)).toBe(true);
    });

    it(`never offers the past and falls back to any hour when no day has the asked one (${zone})`, () => {
      const slots = [1, 2, 3].map((offset) => zonedTimeToUtc(addDays(today, offset), h(15), zone));
      const past = zonedTimeToUtc(today, h(9), zone);
      const pref = parseDatePreference('hoje às 21h', now, zone)!;
      expect(nearestAlternatives([past, ...slots].filter((s) => s > now), pref, now, zone, 2)).toEqual(slots.slice(0, 2));
    });
  }
});

describe(numberWordsToDigits.name, () => {
  it.each([
    ['daqui a tres semanas', 'daqui a 3 semanas'],
    ['vinte e um dias', '21 dias'],
    ['as quatro e quarenta e cinco', 'as 4 e 45'],
    ['a uma da tarde', 'a 1h da tarde'],
    ['daqui a uma semana', 'daqui a 1 semana'],
    ['15 de dez', '15 de dez'],
    ['em dez dias', 'em 10 dias'],
    ['cinco e meia', '5 e meia'],
    ['a segunda opcao', 'a segunda opcao'],
  ])('%s → %s', (text, digits) => {
    expect(numberWordsToDigits(text)).toBe(digits);
  });
});

describe('properties', () => {
  const zone = 'America/New_York';
  const today = { year: 2027, month: 3, day: 11 };
  const now = zonedTimeToUtc(today, h(10), zone);
  const WORDS = ['amanhã', 'qui', 'ter', 'às', 'duas', 'e', 'meia', 'quinze', 'para', 'as', 'cinco', 'dia', '18', '17/12', 'de', 'manhã', 'tarde', 'semana', 'que', 'vem', 'daqui', 'a', 'três', 'dias', 'hj', 'prox', 'umas', 'depois', 'das', '15h', 'não', 'sábado', '2ª', 'feira', '!', '?', ','];

  it('parses any mix of date words without throwing, into a non-empty window', () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...WORDS), { maxLength: 8 }), fc.string({ maxLength: 20 }), (words, noise) => {
        const pref = parseDatePreference(`${words.join(' ')} ${noise}`, now, zone);
        if (pref) expect(pref.to.getTime()).toBeGreaterThan(pref.from.getTime());
      }),
      { numRuns: 300 },
    );
  });

  it('offers alternatives whenever any slot exists, never more than asked, never in the past, in order', () => {
    const slotArb = fc.integer({ min: -2 * 48, max: 20 * 48 }).map((halfHours) => new Date(now.getTime() + halfHours * 30 * 60_000));
    fc.assert(
      fc.property(fc.uniqueArray(slotArb, { selector: (d) => d.getTime(), maxLength: 30 }), fc.constantFrom(...WORDS), fc.integer({ min: 1, max: 4 }), (slots, word, count) => {
        const future = slots.filter((s) => s > now);
        const options = nearestAlternatives(future, parseDatePreference(word, now, zone), now, zone, count);
        // Fewer than `count` only when the asked period has fewer free slots (it is kept, not mixed).
        expect(options.length).toBeGreaterThanOrEqual(Math.min(1, future.length));
        expect(options.length).toBeLessThanOrEqual(count);
        expect(options.every((s) => s > now && future.includes(s))).toBe(true);
        expect([...options].sort((a, b) => a.getTime() - b.getTime())).toEqual(options);
      }),
      { numRuns: 300 },
    );
  });
});
