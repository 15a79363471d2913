import { afterEach, describe, expect, it } from 'vitest';
import {
  hasDatePreference,
  matchesPreference,
  parseDatePreference,
  rankSlots,
  startOfLocalDay,
  zonedParts,
  zonedTimeToUtc,
  type DatePreference,
} from '../../server/whatsapp/date/index.js';

const SAO_PAULO = 'America/Sao_Paulo';
const NEW_YORK = 'America/New_York';
const LISBON = 'Europe/Lisbon';

/** Tuesday 1 December 2026, 09:00 in São Paulo (UTC-3, no DST since 2019). */
const NOW = new Date('2026-12-01T12:00:00Z');

interface Expected {
  from: string;
  to: string;
  at?: number;
  after?: number;
  before?: number;
  label: string;
}

function summary(pref: DatePreference | null): Expected | null {
  if (!pref) return null;
  const result: Expected = { from: pref.from.toISOString(), to: pref.to.toISOString(), label: pref.label };
  if (pref.atMinutes !== undefined) result.at = pref.atMinutes;
  if (pref.afterMinutes !== undefined) result.after = pref.afterMinutes;
  if (pref.beforeMinutes !== undefined) result.before = pref.beforeMinutes;
  return result;
}

/** Local midnight of a December 2026 day in São Paulo. */
const dec = (day: number) => new Date(Date.UTC(2026, 11, day, 3)).toISOString();
const NOW_ISO = NOW.toISOString();
const WEEK_AHEAD = dec(8);

describe(parseDatePreference.name, () => {
  describe('days (São Paulo, Tuesday 1/12 09:00)', () => {
    it.each<[string, Expected]>([
      ['hoje', { from: NOW_ISO, to: dec(2), label: 'hoje' }],
      ['HOJE', { from: NOW_ISO, to: dec(2), label: 'hoje' }],
      ['amanhã', { from: dec(2), to: dec(3), label: 'amanhã' }],
      ['amanha', { from: dec(2), to: dec(3), label: 'amanhã' }],
      ['Tem horário amanhã?', { from: dec(2), to: dec(3), label: 'amanhã' }],
      ['depois de amanhã', { from: dec(3), to: dec(4), label: 'na quinta-feira, 3/12' }],
      ['DEPOIS DE AMANHA', { from: dec(3), to: dec(4), label: 'na quinta-feira, 3/12' }],
      ['daqui a 3 dias', { from: dec(4), to: dec(5), label: 'na sexta-feira, 4/12' }],
      ['sexta', { from: dec(4), to: dec(5), label: 'na sexta-feira, 4/12' }],
      ['sexta-feira', { from: dec(4), to: dec(5), label: 'na sexta-feira, 4/12' }],
      ['tem vaga sexta?', { from: dec(4), to: dec(5), label: 'na sexta-feira, 4/12' }],
      ['na próxima sexta', { from: dec(4), to: dec(5), label: 'na sexta-feira, 4/12' }],
      ['sexta que vem', { from: dec(4), to: dec(5), label: 'na sexta-feira, 4/12' }],
      ['quarta', { from: dec(2), to: dec(3), label: 'amanhã' }],
      ['quinta feira', { from: dec(3), to: dec(4), label: 'na quinta-feira, 3/12' }],
      ['na segunda', { from: dec(7), to: dec(8), label: 'na segunda-feira, 7/12' }],
      ['2ª feira', { from: dec(7), to: dec(8), label: 'na segunda-feira, 7/12' }],
      ['sábado', { from: dec(5), to: dec(6), label: 'no sábado, 5/12' }],
      ['SABADO', { from: dec(5), to: dec(6), label: 'no sábado, 5/12' }],
      ['domingo', { from: dec(6), to: dec(7), label: 'no domingo, 6/12' }],
      // Today is Tuesday: a bare "terça" is next week's; today is said "hoje".
      ['terça', { from: dec(8), to: dec(9), label: 'na terça-feira, 8/12' }],
      ['terca-feira', { from: dec(8), to: dec(9), label: 'na terça-feira, 8/12' }],
      ['sexta da semana que vem', { from: dec(11), to: dec(12), label: 'no dia 11/12' }],
      ['semana que vem na quarta', { from: dec(9), to: dec(10), label: 'no dia 9/12' }],
      ['quinta desta semana', { from: dec(3), to: dec(4), label: 'na quinta-feira, 3/12' }],
      ['dia 15', { from: dec(15), to: dec(16), label: 'no dia 15/12' }],
      ['no dia 15?', { from: dec(15), to: dec(16), label: 'no dia 15/12' }],
      ['dia 1', { from: NOW_ISO, to: dec(2), label: 'hoje' }],
      ['dia 31', { from: dec(31), to: '2027-01-01T03:00:00.000Z', label: 'no dia 31/12' }],
      ['15/12', { from: dec(15), to: dec(16), label: 'no dia 15/12' }],
      ['dia 15/12', { from: dec(15), to: dec(16), label: 'no dia 15/12' }],
      ['25/12/2026', { from: dec(25), to: dec(26), label: 'no dia 25/12' }],
      ['15 de dezembro', { from: dec(15), to: dec(16), label: 'no dia 15/12' }],
      ['15 DE DEZEMBRO', { from: dec(15), to: dec(16), label: 'no dia 15/12' }],
      ['dia 15 de dezembro', { from: dec(15), to: dec(16), label: 'no dia 15/12' }],
      // Already past this year: next year.
      ['15/11', { from: '2027-11-15T03:00:00.000Z', to: '2027-11-16T03:00:00.000Z', label: 'no dia 15/11/2027' }],
      ['10 de janeiro', { from: '2027-01-10T03:00:00.000Z', to: '2027-01-11T03:00:00.000Z', label: 'no dia 10/1/2027' }],
      ['1º de março', { from: '2027-03-01T03:00:00.000Z', to: '2027-03-02T03:00:00.000Z', label: 'no dia 1/3/2027' }],
      ['5 de marco', { from: '2027-03-05T03:00:00.000Z', to: '2027-03-06T03:00:00.000Z', label: 'no dia 5/3/2027' }],
      ['semana que vem', { from: dec(7), to: dec(14), label: 'na semana que vem' }],
      ['Semana Que Vem', { from: dec(7), to: dec(14), label: 'na semana que vem' }],
      ['próxima semana', { from: dec(7), to: dec(14), label: 'na semana que vem' }],
      ['proxima semana', { from: dec(7), to: dec(14), label: 'na semana que vem' }],
      ['esta semana', { from: NOW_ISO, to: dec(7), label: 'nesta semana' }],
      ['ainda essa semana', { from: NOW_ISO, to: dec(7), label: 'nesta semana' }],
      ['fim de semana', { from: dec(5), to: dec(7), label: 'no fim de semana' }],
      ['no final de semana', { from: dec(5), to: dec(7), label: 'no fim de semana' }],
      ['amanhã não, pode ser sexta?', { from: dec(4), to: dec(5), label: 'na sexta-feira, 4/12' }],
    ])('%j', (text, expected) => {
      expect(summary(parseDatePreference(text, NOW, SAO_PAULO))).toEqual(expected);
    });
  });

  describe('times of day (São Paulo)', () => {
    it.each<[string, Expected]>([
      ['amanhã às 14h', { from: dec(2), to: dec(3), at: 840, label: 'amanhã às 14h' }],
      ['amanha as 14h', { from: dec(2), to: dec(3), at: 840, label: 'amanhã às 14h' }],
      ['AMANHÃ ÀS 14H30', { from: dec(2), to: dec(3), at: 870, label: 'amanhã às 14h30' }],
      ['sexta às 14h', { from: dec(4), to: dec(5), at: 840, label: 'na sexta-feira, 4/12, às 14h' }],
      ['sexta 14:30', { from: dec(4), to: dec(5), at: 870, label: 'na sexta-feira, 4/12, às 14h30' }],
      ['quinta 9h30', { from: dec(3), to: dec(4), at: 570, label: 'na quinta-feira, 3/12, às 9h30' }],
      ['tem horário segunda às 10?', { from: dec(7), to: dec(8), at: 600, label: 'na segunda-feira, 7/12, às 10h' }],
      ['dia 15 às 9h', { from: dec(15), to: dec(16), at: 540, label: 'no dia 15/12 às 9h' }],
      ['15/12 as 16 horas', { from: dec(15), to: dec(16), at: 960, label: 'no dia 15/12 às 16h' }],
      ['às 14h', { from: NOW_ISO, to: WEEK_AHEAD, at: 840, label: 'às 14h' }],
      ['14:30', { from: NOW_ISO, to: WEEK_AHEAD, at: 870, label: 'às 14h30' }],
      ['as 14 horas', { from: NOW_ISO, to: WEEK_AHEAD, at: 840, label: 'às 14h' }],
      ['10h', { from: NOW_ISO, to: WEEK_AHEAD, at: 600, label: 'às 10h' }],
      ['pelas 11', { from: NOW_ISO, to: WEEK_AHEAD, at: 660, label: 'às 11h' }],
      ['às 2', { from: NOW_ISO, to: WEEK_AHEAD, at: 840, label: 'às 14h' }],
      ['às 2 e meia', { from: NOW_ISO, to: WEEK_AHEAD, at: 870, label: 'às 14h30' }],
      ['às 3 da tarde', { from: NOW_ISO, to: WEEK_AHEAD, at: 900, label: 'às 15h' }],
      ['8 da noite', { from: NOW_ISO, to: WEEK_AHEAD, at: 1200, label: 'às 20h' }],
      ['6 da manhã', { from: NOW_ISO, to: WEEK_AHEAD, at: 360, label: 'às 6h' }],
      ['meio dia', { from: NOW_ISO, to: WEEK_AHEAD, at: 720, label: 'ao meio-dia' }],
      ['meio-dia', { from: NOW_ISO, to: WEEK_AHEAD, at: 720, label: 'ao meio-dia' }],
      ['amanhã ao meio dia', { from: dec(2), to: dec(3), at: 720, label: 'amanhã ao meio-dia' }],
      ['amanhã de manhã', { from: dec(2), to: dec(3), before: 720, label: 'amanhã de manhã' }],
      ['amanha pela manha', { from: dec(2), to: dec(3), before: 720, label: 'amanhã de manhã' }],
      ['amanhã à tarde', { from: dec(2), to: dec(3), after: 720, before: 1080, label: 'amanhã à tarde' }],
      ['AMANHA A TARDE', { from: dec(2), to: dec(3), after: 720, before: 1080, label: 'amanhã à tarde' }],
      ['hoje à noite', { from: NOW_ISO, to: dec(2), after: 1080, label: 'hoje à noite' }],
      ['sábado de manhã', { from: dec(5), to: dec(6), before: 720, label: 'no sábado, 5/12, de manhã' }],
      ['de tarde', { from: NOW_ISO, to: WEEK_AHEAD, after: 720, before: 1080, label: 'à tarde' }],
      ['depois das 16h', { from: NOW_ISO, to: WEEK_AHEAD, after: 960, label: 'depois das 16h' }],
      ['Depois das 16', { from: NOW_ISO, to: WEEK_AHEAD, after: 960, label: 'depois das 16h' }],
      ['a partir das 15h na quinta', { from: dec(3), to: dec(4), after: 900, label: 'na quinta-feira, 3/12, depois das 15h' }],
      ['segunda depois das 14h', { from: dec(7), to: dec(8), after: 840, label: 'na segunda-feira, 7/12, depois das 14h' }],
      ['depois do meio-dia', { from: NOW_ISO, to: WEEK_AHEAD, after: 720, label: 'depois do meio-dia' }],
      ['antes das 11h', { from: NOW_ISO, to: WEEK_AHEAD, before: 660, label: 'antes das 11h' }],
      ['amanhã até as 10h', { from: dec(2), to: dec(3), before: 600, label: 'amanhã antes das 10h' }],
      ['entre 14h e 16h', { from: NOW_ISO, to: WEEK_AHEAD, after: 840, before: 960, label: 'entre 14h e 16h' }],
      ['das 14 às 16h', { from: NOW_ISO, to: WEEK_AHEAD, after: 840, before: 960, label: 'entre 14h e 16h' }],
      ['sexta entre 2 e 4 da tarde', { from: dec(4), to: dec(5), after: 840, before: 960, label: 'na sexta-feira, 4/12, entre 14h e 16h' }],
      ['depois do almoço', { from: NOW_ISO, to: WEEK_AHEAD, after: 780, label: 'depois das 13h' }],
      ['amanhã cedo', { from: dec(2), to: dec(3), before: 600, label: 'amanhã antes das 10h' }],
      ['no fim da tarde', { from: NOW_ISO, to: WEEK_AHEAD, after: 960, before: 1080, label: 'entre 16h e 18h' }],
      ['semana que vem de manhã', { from: dec(7), to: dec(14), before: 720, label: 'na semana que vem de manhã' }],
      ['Boa tarde! Tem horário amanhã às 10h?', { from: dec(2), to: dec(3), at: 600, label: 'amanhã às 10h' }],
    ])('%j', (text, expected) => {
      expect(summary(parseDatePreference(text, NOW, SAO_PAULO))).toEqual(expected);
    });
  });

  describe('no preference', () => {
    it.each([
      'quero marcar reunião',
      'boa tarde',
      'Bom dia!',
      'boa noite',
      'pode ser a 2',
      '2',
      'opção 3',
      'a segunda opção',
      'uma reunião de 2 horas',
      'hoje não',
      'obrigado, até amanhã!',
      'te respondo mais tarde',
      'agora',
      'ontem',
      '',
    ])('%j → null', (text) => {
      expect(parseDatePreference(text, NOW, SAO_PAULO)).toBeNull();
    });
  });

  it('uses the company calendar day, not the UTC one', () => {
    // 22:30 on Tuesday in São Paulo is already Wednesday in UTC.
    const lateEvening = new Date('2026-12-02T01:30:00Z');
    expect(summary(parseDatePreference('amanhã', lateEvening, SAO_PAULO))).toEqual({
      from: dec(2),
      to: dec(3),
      label: 'amanhã',
    });
    expect(summary(parseDatePreference('hoje', lateEvening, SAO_PAULO))).toEqual({
      from: lateEvening.toISOString(),
      to: dec(2),
      label: 'hoje',
    });
  });

  it('treats the weekend as today and tomorrow on a Saturday', () => {
    const saturday = new Date('2026-12-05T13:00:00Z');
    expect(summary(parseDatePreference('fim de semana', saturday, SAO_PAULO))).toEqual({
      from: saturday.toISOString(),
      to: dec(7),
      label: 'no fim de semana',
    });
    expect(summary(parseDatePreference('próximo fim de semana', saturday, SAO_PAULO))).toEqual({
      from: dec(12),
      to: dec(14),
      label: 'no fim de semana',
    });
  });

  describe('daylight saving time', () => {
    it.each<[string, string, Date, Expected]>([
      // New York springs forward on Sunday 8 March 2026: a 23-hour day.
      ['domingo', NEW_YORK, new Date('2026-03-06T17:00:00Z'), {
        from: '2026-03-08T05:00:00.000Z',
        to: '2026-03-09T04:00:00.000Z',
        label: 'no domingo, 8/3',
      }],
      ['segunda às 9h', NEW_YORK, new Date('2026-03-06T17:00:00Z'), {
        from: '2026-03-09T04:00:00.000Z',
        to: '2026-03-10T04:00:00.000Z',
        at: 540,
        label: 'na segunda-feira, 9/3, às 9h',
      }],
      // …and falls back on Sunday 1 November 2026: a 25-hour day.
      ['domingo', NEW_YORK, new Date('2026-10-30T16:00:00Z'), {
        from: '2026-11-01T04:00:00.000Z',
        to: '2026-11-02T05:00:00.000Z',
        label: 'no domingo, 1/11',
      }],
      ['semana que vem', NEW_YORK, new Date('2026-03-04T17:00:00Z'), {
        from: '2026-03-09T04:00:00.000Z',
        to: '2026-03-16T04:00:00.000Z',
        label: 'na semana que vem',
      }],
      // Lisbon leaves summer time on Sunday 25 October 2026.
      ['amanhã', LISBON, new Date('2026-10-24T12:00:00Z'), {
        from: '2026-10-24T23:00:00.000Z',
        to: '2026-10-26T00:00:00.000Z',
        label: 'amanhã',
      }],
      // São Paulo still had DST in 2018: 4 November started at 01:00 (-02).
      ['amanhã', SAO_PAULO, new Date('2018-11-03T12:00:00Z'), {
        from: '2018-11-04T03:00:00.000Z',
        to: '2018-11-05T02:00:00.000Z',
        label: 'amanhã',
      }],
    ])('%j in %s at %s', (text, timeZone, now, expected) => {
      expect(summary(parseDatePreference(text, now, timeZone))).toEqual(expected);
    });

    it('filters slots by the wall clock in force on the slot day', () => {
      const saturday = new Date('2026-03-07T17:00:00Z');
      const pref = parseDatePreference('amanhã de manhã', saturday, NEW_YORK)!;
      // 15:30Z is 11:30 EDT (morning); under last week's EST it would have been 10:30.
      expect(matchesPreference(new Date('2026-03-08T15:30:00Z'), pref, NEW_YORK)).toBe(true);
      // 16:30Z is 12:30 EDT: afternoon.
      expect(matchesPreference(new Date('2026-03-08T16:30:00Z'), pref, NEW_YORK)).toBe(false);
    });
  });

  describe('independence from the server time zone', () => {
    const original = process.env.TZ;
    afterEach(() => {
      if (original === undefined) delete process.env.TZ;
      else process.env.TZ = original;
    });

    it.each(['Asia/Tokyo', 'America/Los_Angeles', 'UTC'])('gives the same answer with TZ=%s', (serverZone) => {
      process.env.TZ = serverZone;
      expect(summary(parseDatePreference('15/12 às 9h', NOW, SAO_PAULO))).toEqual({
        from: dec(15),
        to: dec(16),
        at: 540,
        label: 'no dia 15/12 às 9h',
      });
      expect(summary(parseDatePreference('amanhã', NOW, SAO_PAULO))?.from).toBe(dec(2));
    });
  });
});

describe(hasDatePreference.name, () => {
  it.each<[string, boolean]>([
    ['amanhã às 10h', true],
    ['e sexta?', true],
    ['de tarde', true],
    ['semana que vem', true],
    ['dia 20', true],
    ['quero marcar', false],
    ['boa tarde', false],
    ['a 2', false],
    ['3', false],
  ])('%j → %s', (text, expected) => {
    expect(hasDatePreference(text)).toBe(expected);
  });
});

describe(matchesPreference.name, () => {
  /** A São Paulo wall-clock time on a December 2026 day. */
  const at = (day: number, hour: number, minute = 0) => new Date(Date.UTC(2026, 11, day, hour + 3, minute));

  it.each<[string, Date, boolean]>([
    ['amanhã', at(2, 9), true],
    ['amanhã', at(2, 23, 30), true],
    ['amanhã', at(3, 0), false],
    ['amanhã', at(1, 15), false],
    ['amanhã de manhã', at(2, 11, 30), true],
    ['amanhã de manhã', at(2, 12), false],
    ['amanhã à tarde', at(2, 12), true],
    ['amanhã à tarde', at(2, 17, 30), true],
    ['amanhã à tarde', at(2, 18), false],
    ['amanhã à noite', at(2, 18), true],
    ['amanhã à noite', at(2, 17, 59), false],
    ['depois das 16h', at(3, 16), true],
    ['depois das 16h', at(3, 15, 30), false],
    ['antes das 11h', at(3, 10, 30), true],
    ['antes das 11h', at(3, 11), false],
    ['amanhã às 14h', at(2, 14), true],
    ['amanhã às 14h', at(2, 13), true],
    ['amanhã às 14h', at(2, 15, 30), false],
    ['hoje', at(1, 8), false],
    ['hoje', at(1, 10), true],
    ['semana que vem', at(13, 20), true],
    ['semana que vem', at(14, 9), false],
  ])('%j accepts %s: %s', (text, slot, expected) => {
    const pref = parseDatePreference(text, NOW, SAO_PAULO)!;
    expect(matchesPreference(slot, pref, SAO_PAULO)).toBe(expected);
  });
});

describe(rankSlots.name, () => {
  const at = (day: number, hour: number, minute = 0) => new Date(Date.UTC(2026, 11, day, hour + 3, minute));

  it('puts slots closest to the asked time first, then chronological', () => {
    const pref = parseDatePreference('amanhã às 14h', NOW, SAO_PAULO)!;
    const slots = [at(2, 9), at(2, 13), at(2, 13, 30), at(2, 14), at(2, 14, 30), at(2, 16), at(3, 14)];
    expect(rankSlots(slots, pref, SAO_PAULO)).toEqual([at(2, 14), at(2, 13, 30), at(2, 14, 30), at(2, 13)]);
  });

  it('keeps chronological order without an exact time', () => {
    const pref = parseDatePreference('à tarde', NOW, SAO_PAULO)!;
    const slots = [at(3, 15), at(2, 10), at(2, 13), at(4, 12)];
    expect(rankSlots(slots, pref, SAO_PAULO)).toEqual([at(2, 13), at(3, 15), at(4, 12)]);
  });
});

describe(zonedTimeToUtc.name, () => {
  it.each<[string, { year: number; month: number; day: number }, number, string]>([
    [SAO_PAULO, { year: 2026, month: 12, day: 2 }, 14 * 60, '2026-12-02T17:00:00.000Z'],
    [NEW_YORK, { year: 2026, month: 1, day: 15 }, 9 * 60, '2026-01-15T14:00:00.000Z'],
    [NEW_YORK, { year: 2026, month: 7, day: 15 }, 9 * 60, '2026-07-15T13:00:00.000Z'],
    // 02:30 does not exist on 8 March in New York: the clock jumps to 03:30.
    [NEW_YORK, { year: 2026, month: 3, day: 8 }, 150, '2026-03-08T07:30:00.000Z'],
    // 01:30 happens twice on 1 November: the first one (EDT) is used.
    [NEW_YORK, { year: 2026, month: 11, day: 1 }, 90, '2026-11-01T05:30:00.000Z'],
  ])('%s %j + %i min → %s', (timeZone, date, minutes, expected) => {
    expect(zonedTimeToUtc(date, minutes, timeZone).toISOString()).toBe(expected);
  });

  it('round-trips through zonedParts', () => {
    const instant = zonedTimeToUtc({ year: 2026, month: 12, day: 4 }, 14 * 60 + 30, SAO_PAULO);
    expect(zonedParts(instant, SAO_PAULO)).toEqual({ year: 2026, month: 12, day: 4, hour: 14, minute: 30, weekday: 5 });
    expect(startOfLocalDay({ year: 2026, month: 12, day: 4 }, SAO_PAULO).toISOString()).toBe(dec(4));
  });
});
