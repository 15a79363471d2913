import type { InboundMedia } from '../../server/whatsapp/inbound-payload.js';
import type { Intent } from '../../server/whatsapp/intent.js';
import { addDays, type LocalDate } from '../../server/whatsapp/date/index.js';

/**
 * The conversation evaluation set: WhatsApp requests written the way Brazilians write them, each
 * with what a good secretary would understand, relative to a fixed "now" that is a Thursday 10:00
 * (see conversation-eval.ts). Day offsets from that Thursday: +1 sexta, +2 sábado, +3 domingo,
 * +4 segunda (manhã lotada), +5 terça (dia lotado), +6 quarta, +7 quinta.
 */

export type EvalClass = 'becos sem saída' | 'dias abreviados' | 'números por extenso' | 'formas de sempre' | 'intenções';

export interface TimeWindow {
  at?: number;
  after?: number;
  before?: number;
}

type Days = (today: LocalDate) => LocalDate[];

export interface EvalCase {
  cls: EvalClass;
  text: string;
  /** Earlier messages of the same conversation. */
  setup?: string[];
  media?: InboundMedia;
  /** Default SCHEDULE: then `days`/`time` are what must be searched (default: the next 7 days, any time). */
  intent?: Intent;
  days?: Days;
  time?: TimeWindow;
  /** For other intents: the outcome prefix expected ('silent' = no reply, left to the human agents). */
  outcome?: string;
  /** The company offers several services (SERVICES in conversation-eval.ts) instead of one. */
  services?: boolean;
  /** The service whose slots must be offered (by name). */
  service?: string;
}

// ---- expectations ------------------------------------------------------------------------------

const d = (offset: number): Days => (today) => [addDays(today, offset)];
const span = (first: number, last: number): Days => (today) =>
  Array.from({ length: last - first + 1 }, (_, i) => addDays(today, first + i));
const NEXT_WEEK = span(4, 10);
const THIS_WEEK = span(0, 3);
const WEEKEND = span(2, 3);

const isPast = (date: LocalDate, today: LocalDate) =>
  Date.UTC(date.year, date.month - 1, date.day) < Date.UTC(today.year, today.month - 1, today.day);

/** "15/12", "15 de janeiro": the next such date from today. */
const on = (month: number, day: number): Days => (today) => {
  const date = { year: today.year, month, day };
  return [isPast(date, today) ? { ...date, year: today.year + 1 } : date];
};

/** "dia 15": this month, or the next when already past. */
const dayOfMonth = (day: number): Days => (today) => {
  const date = { year: today.year, month: today.month, day };
  if (!isPast(date, today)) return [date];
  return [today.month === 12 ? { year: today.year + 1, month: 1, day } : { year: today.year, month: today.month + 1, day }];
};

const NEXT_MONTH: Days = (today) => {
  const first = today.month === 12 ? { year: today.year + 1, month: 1, day: 1 } : { year: today.year, month: today.month + 1, day: 1 };
  const days: LocalDate[] = [];
  for (let day = first; day.month === first.month; day = addDays(day, 1)) days.push(day);
  return days;
};

const IN_A_MONTH: Days = (today) => [today.month === 12 ? { year: today.year + 1, month: 1, day: today.day } : { year: today.year, month: today.month + 1, day: today.day }];

const h = (hour: number, minute = 0) => hour * 60 + minute;
const AM: TimeWindow = { before: h(12) };
const PM: TimeWindow = { after: h(12), before: h(18) };
const NIGHT: TimeWindow = { after: h(18) };
const EARLY: TimeWindow = { before: h(10) };
const LATE_AFTERNOON: TimeWindow = { after: h(16), before: h(18) };
const at = (hour: number, minute = 0): TimeWindow => ({ at: h(hour, minute) });
const after = (hour: number, minute = 0): TimeWindow => ({ after: h(hour, minute) });
const before = (hour: number, minute = 0): TimeWindow => ({ before: h(hour, minute) });
const between = (from: number, to: number): TimeWindow => ({ after: h(from), before: h(to) });

type Row = [text: string, days?: Days, time?: TimeWindow];
const schedule = (cls: EvalClass, rows: Row[]): EvalCase[] =>
  rows.map(([text, days, time]) => ({ cls, text, ...(days ? { days } : {}), ...(time ? { time } : {}) }));

// ---- 1. dead ends: the asked window has no free slot ---------------------------------------------

const DEAD_ENDS = schedule('becos sem saída', [
  ['tem horário no sábado?', d(2)],
  ['sábado de manhã', d(2), AM],
  ['pode ser sabado às 10h?', d(2), at(10)],
  ['domingo à tarde', d(3), PM],
  ['tem algo no domingo?', d(3)],
  ['quero marcar no fim de semana', WEEKEND],
  ['nesse fds tem vaga?', WEEKEND],
  ['fim de semana de manhã', WEEKEND, AM],
  ['terça', d(5)],
  ['terça de manhã', d(5), AM],
  ['terça às 10h', d(5), at(10)],
  ['pode ser terça à tarde?', d(5), PM],
  ['terça-feira às 15h30', d(5), at(15, 30)],
  ['na terça depois das 14h', d(5), after(14)],
  ['tem vaga terça cedo?', d(5), EARLY],
  ['segunda de manhã', d(4), AM],
  ['segunda às 9h', d(4), at(9)],
  ['segunda antes das 11', d(4), before(11)],
  ['segunda cedinho', d(4), EARLY],
  ['amanhã à noite', d(1), NIGHT],
  ['amanhã às 20h', d(1), at(20)],
  ['hoje à noite', d(0), NIGHT],
  ['hoje às 21h', d(0), at(21)],
  ['quinta depois das 19h', d(7), after(19)],
  ['sexta às 8 da noite', d(1), at(20)],
  ['pode ser à noite?', undefined, NIGHT],
  ['depois das 19h', undefined, after(19)],
  ['tem horário às 22h?', undefined, at(22)],
  ['daqui a 3 dias', d(3)],
  ['daqui a 2 dias de manhã', d(2), AM],
  ['depois de amanhã', d(2)],
  ['depois de amanhã à tarde', d(2), PM],
  ['em 9 dias', d(9)],
  ['daqui a 10 dias à tarde', d(10), PM],
  ['daqui a 5 dias', d(5)],
  ['hoje às 8h', d(0), at(8)],
  ['hoje cedo', d(0), EARLY],
  ['hoje antes das 10h', d(0), before(10)],
  ['hoje bem cedo', d(0), EARLY],
  ['hoje às 7 da manhã', d(0), at(7)],
  ['hoje entre 8h e 9h', d(0), between(8, 9)],
  ['próxima terça', d(5)],
  ['domingo de manhã cedo', d(3), EARLY],
  ['tem vaga no sábado à tarde?', d(2), PM],
  ['quarta às 19h', d(6), at(19)],
  ['na sexta à noite', d(1), NIGHT],
  ['amanhã depois das 18h', d(1), after(18)],
  ['segunda entre 9 e 11', d(4), between(9, 11)],
]);

// ---- 2. abbreviated weekdays ----------------------------------------------------------------------

const ABBREVIATED = schedule('dias abreviados', [
  ['tem vaga qui?', d(7)],
  ['qui', d(7)],
  ['qui.', d(7)],
  ['na qui de manhã', d(7), AM],
  ['qui às 15h', d(7), at(15)],
  ['pode ser na qua. de manhã?', d(6), AM],
  ['qua', d(6)],
  ['qua à tarde', d(6), PM],
  ['na qua depois das 14h', d(6), after(14)],
  ['seg', d(4)],
  ['seg.', d(4)],
  ['seg de tarde', d(4), PM],
  ['na seg às 15h', d(4), at(15)],
  ['tem horário ter?', d(5)],
  ['na ter de manhã', d(5), AM],
  ['ter às 10h', d(5), at(10)],
  ['sex', d(1)],
  ['sex às 10h', d(1), at(10)],
  ['sex. à tarde', d(1), PM],
  ['sab', d(2)],
  ['sáb.', d(2)],
  ['sáb de manhã', d(2), AM],
  ['dom', d(3)],
  ['2ª', d(4)],
  ['2a feira', d(4)],
  ['2ª feira à tarde', d(4), PM],
  ['2ª-feira', d(4)],
  ['3ª', d(5)],
  ['3a feira de manhã', d(5), AM],
  ['4ª', d(6)],
  ['4a feira à tarde', d(6), PM],
  ['5ª', d(7)],
  ['5ª feira às 11h', d(7), at(11)],
  ['6ª', d(1)],
  ['6a feira depois das 15h', d(1), after(15)],
  ['segunda-feira', d(4)],
  ['segunda feira', d(4)],
  ['terça feira', d(5)],
  ['quarta-feira de manhã', d(6), AM],
  ['quinta feira às 14h', d(7), at(14)],
  ['sexta-feira à tarde', d(1), PM],
  ['às segundas', d(4)],
  ['nas quartas à tarde', d(6), PM],
  ['sextas de manhã', d(1), AM],
  ['as quintas as 10h', d(7), at(10)],
  ['terca', d(5)],
  ['sabado', d(2)],
  ['domingo', d(3)],
  ['proxima seg', d(4)],
  ['próxima qua às 9h', d(6), at(9)],
  ['qui que vem', d(7)],
  ['qua da semana que vem', d(6)],
  ['sex da semana que vem', d(8)],
  ['seg da próxima semana à tarde', d(4), PM],
  ['qui da semana que vem de manhã', d(7), AM],
  ['QUA', d(6)],
  ['Qui?', d(7)],
  ['tem vaga sex?', d(1)],
  ['pode ser qua ou qui? qua de preferência', d(6)],
  ['seg às 2 da tarde', d(4), at(14)],
]);

// ---- 3. numbers written as words ------------------------------------------------------------------

const NUMBER_WORDS = schedule('números por extenso', [
  ['daqui a três dias', d(3)],
  ['daqui a tres dias', d(3)],
  ['daqui a dois dias', d(2)],
  ['em cinco dias', d(5)],
  ['daqui a seis dias', d(6)],
  ['daqui a sete dias de manhã', d(7), AM],
  ['em dez dias', d(10)],
  ['daqui a onze dias', d(11)],
  ['daqui a doze dias à tarde', d(12), PM],
  ['daqui a treze dias', d(13)],
  ['daqui a catorze dias', d(14)],
  ['daqui a quatorze dias', d(14)],
  ['daqui a quinze dias', d(15)],
  ['em dezesseis dias', d(16)],
  ['daqui a dezoito dias', d(18)],
  ['daqui a dezenove dias', d(19)],
  ['daqui a vinte dias', d(20)],
  ['daqui a vinte e um dias', d(21)],
  ['daqui a vinte e cinco dias', d(25)],
  ['em vinte e oito dias', d(28)],
  ['daqui a trinta dias', d(30)],
  ['daqui uma semana', d(7)],
  ['daqui a uma semana', d(7)],
  ['daqui a duas semanas', d(14)],
  ['daqui a três semanas', d(21)],
  ['em quatro semanas', d(28)],
  ['daqui a um mês', IN_A_MONTH],
  ['dia quinze', dayOfMonth(15)],
  ['dia vinte', dayOfMonth(20)],
  ['dia vinte e oito', dayOfMonth(28)],
  ['dia trinta', dayOfMonth(30)],
  ['dia dezoito à tarde', dayOfMonth(18), PM],
  ['amanhã às duas da tarde', d(1), at(14)],
  ['amanhã às três', d(1), at(15)],
  ['amanha as tres', d(1), at(15)],
  ['sexta às dez', d(1), at(10)],
  ['segunda às quatro e meia', d(4), at(16, 30)],
  ['amanhã às nove e quinze', d(1), at(9, 15)],
  ['amanhã às onze e quarenta e cinco', d(1), at(11, 45)],
  ['quarta quinze para as cinco', d(6), at(16, 45)],
  ['quinta quinze pras três', d(7), at(14, 45)],
  ['amanhã meio-dia e meia', d(1), at(12, 30)],
  ['amanhã à uma da tarde', d(1), at(13)],
  ['amanhã à uma', d(1), at(13)],
  ['cinco e meia', undefined, at(17, 30)],
  ['amanhã dez e meia', d(1), at(10, 30)],
  ['amanhã às oito da manhã', d(1), at(8)],
  ['quinta às duas e meia', d(7), at(14, 30)],
  ['sexta três e quinze da tarde', d(1), at(15, 15)],
  ['às doze', undefined, at(12)],
  ['às onze horas', undefined, at(11)],
  ['as duas', undefined, at(14)],
  ['amanhã às quatro', d(1), at(16)],
  ['quarta às três e meia da tarde', d(6), at(15, 30)],
  ['amanhã às dez e quinze', d(1), at(10, 15)],
  ['amanhã às nove', d(1), at(9)],
  ['sexta às onze e meia', d(1), at(11, 30)],
  ['quinta às quatro e quarenta e cinco', d(7), at(16, 45)],
  ['amanhã depois das três', d(1), after(15)],
  ['amanhã antes das onze', d(1), before(11)],
  ['quarta entre duas e quatro da tarde', d(6), between(14, 16)],
  ['amanhã a partir das duas', d(1), after(14)],
  ['daqui a dez dias às três da tarde', d(10), at(15)],
  ['daqui a duas semanas de manhã', d(14), AM],
  ['dia vinte e dois às dez', dayOfMonth(22), at(10)],
  ['quinze para as onze amanhã', d(1), at(10, 45)],
  ['amanhã às DUAS', d(1), at(14)],
  ['amanhã às três horas da tarde', d(1), at(15)],
  ['daqui a oito dias', d(8)],
]);

// ---- 4. forms that keep working ---------------------------------------------------------------------

const FORMS = schedule('formas de sempre', [
  ['depois das 15h', undefined, after(15)],
  ['antes das 10', undefined, before(10)],
  ['fim da tarde', undefined, LATE_AFTERNOON],
  ['início da manhã', undefined, EARLY],
  ['inicio da manha', undefined, EARLY],
  ['no fim do dia', undefined, LATE_AFTERNOON],
  ['semana que vem', NEXT_WEEK],
  ['próxima semana', NEXT_WEEK],
  ['proxima semana', NEXT_WEEK],
  ['mês que vem', NEXT_MONTH],
  ['mes que vem', NEXT_MONTH],
  ['próximo mês', NEXT_MONTH],
  ['dia 15', dayOfMonth(15)],
  ['15/12', on(12, 15)],
  ['dia 15 de janeiro', on(1, 15)],
  ['15 de janeiro', on(1, 15)],
  ['amanhã cedo', d(1), EARLY],
  ['amanha cedo', d(1), EARLY],
  ['hoje mais tarde', d(0)],
  ['amanha', d(1)],
  ['amanhã', d(1)],
  ['terca', d(5)],
  ['proxima terca', d(5)],
  ['amanhã de manhã', d(1), AM],
  ['amanha de manha', d(1), AM],
  ['amanhã à tarde', d(1), PM],
  ['amanha a tarde', d(1), PM],
  ['hoje à tarde', d(0), PM],
  ['hoje de manhã', d(0), AM],
  ['hoje', d(0)],
  ['amanhã às 14h', d(1), at(14)],
  ['amanhã 14:30', d(1), at(14, 30)],
  ['amanhã entre 14h e 16h', d(1), between(14, 16)],
  ['sexta depois do almoço', d(1), after(13)],
  ['quarta antes do almoço', d(6), before(12)],
  ['dia 10/12', on(12, 10)],
  ['dia 18 de dezembro', on(12, 18)],
  ['1º de fevereiro', on(2, 1)],
  ['semana que vem de manhã', NEXT_WEEK, AM],
  ['semana que vem à tarde', NEXT_WEEK, PM],
  ['nesta semana', THIS_WEEK],
  ['essa semana à tarde', THIS_WEEK, PM],
  ['a partir das 16h', undefined, after(16)],
  ['até as 11', undefined, before(11)],
  ['por volta das 15h', undefined, at(15)],
  ['lá pelas 3', undefined, at(15)],
  ['amanhã ao meio-dia', d(1), at(12)],
  ['amanhã 9h', d(1), at(9)],
  ['amanhã às 9 horas', d(1), at(9)],
  ['quinta-feira que vem', d(7)],
  ['sexta às 17h', d(1), at(17)],
  ['quarta 10h30', d(6), at(10, 30)],
  ['quarta às 10:30', d(6), at(10, 30)],
  ['tem horário amanhã?', d(1)],
  ['Tem vaga amanhã à tarde?', d(1), PM],
  ['AMANHÃ DE MANHÃ', d(1), AM],
  ['quero marcar pra sexta de manhã', d(1), AM],
  ['pode ser amanhã às 16h?', d(1), at(16)],
  ['quero agendar para quarta-feira às 14h', d(6), at(14)],
  ['consegue quinta à tarde?', d(7), PM],
  ['tem disponibilidade sexta depois das 15h?', d(1), after(15)],
  ['amanhã no início da tarde', d(1), between(12, 15)],
  ['quarta no fim da tarde', d(6), LATE_AFTERNOON],
  ['amanhã de tardinha', d(1), LATE_AFTERNOON],
  ['quarta no meio da tarde', d(6), between(14, 16)],
  ['amanhã no fim da manhã', d(1), between(10, 12)],
  ['hoje à tarde, se der', d(0), PM],
  ['dia 11', dayOfMonth(11)],
  ['22/12 às 10h', on(12, 22), at(10)],
  ['próxima quinta às 15h', d(7), at(15)],
]);

// ---- held out: written after the parser work, to see how it generalises (results.md has the first run) --

const HELD_OUT: EvalCase[] = [
  ...schedule('becos sem saída', [
    ['tem como ser sábado?', d(2)],
    ['no domingo dá?', d(3)],
    ['terça q vem', d(5)],
    ['sab. 9h', d(2), at(9)],
    ['segunda que vem de manhã', d(4), AM],
    ['hj à noite', d(0), NIGHT],
  ]),
  ...schedule('dias abreviados', [
    ['qui 14h', d(7), at(14)],
    ['seg. 10h', d(4), at(10)],
    ['qua ou qui de tarde', d(6), PM],
    ['sex pela manhã', d(1), AM],
    ['2ª às 15h', d(4), at(15)],
    ['nessa qua', d(6)],
  ]),
  ...schedule('números por extenso', [
    ['amanhã umas três da tarde', d(1), at(15)],
    ['daqui duas semanas', d(14)],
    ['em uma semana', d(7)],
    ['amanhã às nove e meia', d(1), at(9, 30)],
    ['quarta lá pelas quatro', d(6), at(16)],
    ['daqui a quinze dias de manhã', d(15), AM],
    ['dia vinte e nove', dayOfMonth(29)],
  ]),
  ...schedule('formas de sempre', [
    ['semana q vem', NEXT_WEEK],
    ['prox semana', NEXT_WEEK],
    ['prox. sexta', d(1)],
    ['amanhã pela manhã', d(1), AM],
    ['amanhã de manhãzinha', d(1), EARLY],
    ['às 15 hrs', undefined, at(15)],
    ['as 15hs', undefined, at(15)],
    ['14 horas', undefined, at(14)],
    ['depois das 2', undefined, after(14)],
    ['qualquer horário depois das 16', undefined, after(16)],
    ['amanhã na parte da tarde', d(1), PM],
    ['dia 20 de manhã', dayOfMonth(20), AM],
    ['próxima segunda-feira às 9', d(4), at(9)],
    ['daqui 15 dias', d(15)],
    ['ao meio dia', undefined, at(12)],
    ['quinta 14h30', d(7), at(14, 30)],
    ['hj a tarde', d(0), PM],
    ['amn de manhã', d(1), AM],
  ]),
];

// Second held-out batch (written at 08:47 UTC, after the first one was fixed).
const HELD_OUT_2: EvalCase[] = [
  ...schedule('becos sem saída', [
    ['sabado cedo tem?', d(2), EARLY],
    ['terça feira pela manhã', d(5), AM],
    ['amanhã lá pelas 19h', d(1), at(19)],
    ['domingo 10h', d(3), at(10)],
  ]),
  ...schedule('dias abreviados', [
    ['qua 9h30', d(6), at(9, 30)],
    ['qui. de tarde', d(7), PM],
    ['6ª feira', d(1)],
    ['seg depois do almoço', d(4), after(13)],
    ['na próxima qui', d(7)],
  ]),
  ...schedule('números por extenso', [
    ['amanhã às cinco da tarde', d(1), at(17)],
    ['quarta às nove horas', d(6), at(9)],
    ['daqui a quatro dias', d(4)],
    ['em duas semanas', d(14)],
    ['sexta quinze para as três', d(1), at(14, 45)],
    ['amanhã ao meio-dia e quinze', d(1), at(12, 15)],
    ['dia três de janeiro', on(1, 3)],
  ]),
  ...schedule('formas de sempre', [
    ['amanhã 15h', d(1), at(15)],
    ['pode ser dia 17?', dayOfMonth(17)],
    ['17/12 de manhã', on(12, 17), AM],
    ['amanhã a partir das 14h', d(1), after(14)],
    ['quarta até as 11h', d(6), before(11)],
    ['qualquer dia da semana que vem', NEXT_WEEK],
    ['amanhã depois das 13:30', d(1), after(13, 30)],
    ['quinta que vem às 16h', d(7), at(16)],
    ['hoje à tarde ou amanhã', d(0), PM],
  ]),
];

// ---- 5. intents ---------------------------------------------------------------------------------------

const OFFER = ['quero marcar amanhã à tarde'];

/** A company with Consulta, Limpeza ("profilaxia") and Avaliação ortodôntica (Dra. Ana Lima). */
const SERVICES: EvalCase[] = [
  { cls: 'intenções', services: true, text: 'quero marcar uma limpeza na sexta à tarde', days: d(1), time: PM, service: 'Limpeza' },
  { cls: 'intenções', services: true, text: 'dá pra agendar uma profilaxia amanhã de manhã?', days: d(1), time: AM, service: 'Limpeza' },
  { cls: 'intenções', services: true, text: 'consulta com a Dra. Ana na quarta', days: d(6), service: 'Avaliação ortodôntica' },
  { cls: 'intenções', services: true, text: 'QUERO AGENDAR UMA AVALIACAO ORTODONTICA segunda a tarde', days: d(4), time: PM, service: 'Avaliação ortodôntica' },
  { cls: 'intenções', services: true, text: 'quero marcar na sexta de manhã', intent: 'SCHEDULE', outcome: 'asked_service' },
  // The answer to "Qual serviço?" keeps the day asked for.
  { cls: 'intenções', services: true, text: '2', setup: ['quero marcar na sexta de manhã'], intent: 'CHOOSE', days: d(1), time: AM, service: 'Consulta' },
  { cls: 'intenções', services: true, text: 'limpeza', setup: ['quero agendar segunda à tarde'], intent: 'NONE', days: d(4), time: PM, service: 'Limpeza' },
  { cls: 'intenções', services: true, text: 'a avaliação', setup: ['quero marcar uma reunião quarta'], intent: 'NONE', days: d(6), service: 'Avaliação ortodôntica' },
];

const INTENTS: EvalCase[] = [
  ...SERVICES,
  ...schedule('intenções', [
    ['quero marcar uma reunião'],
    ['gostaria de agendar uma consulta'],
    ['preciso marcar um horário'],
    ['tem horário disponível?'],
    ['vocês têm vaga essa semana?', THIS_WEEK],
    ['queria marcar uma conversa com vocês'],
    ['oi, quero agendar'],
  ]),
  // A new day while options are on screen is a new search.
  { cls: 'intenções', text: 'e na segunda à tarde?', setup: OFFER, days: d(4), time: PM },
  { cls: 'intenções', text: 'tem outro dia? quarta de manhã', setup: OFFER, days: d(6), time: AM },
  { cls: 'intenções', text: 'melhor qui', setup: OFFER, days: d(7) },
  ...(
    [
      ['quero cancelar minha reunião', 'CANCEL', 'no_appointments'],
      ['cancela', 'CANCEL', 'no_appointments'],
      ['preciso desmarcar', 'CANCEL', 'no_appointments'],
      ['não vou poder ir, pode cancelar', 'CANCEL', 'no_appointments'],
      ['quero remarcar', 'RESCHEDULE', 'no_appointments'],
      ['preciso mudar o horário da minha consulta', 'RESCHEDULE', 'no_appointments'],
      ['dá pra reagendar pra sexta?', 'RESCHEDULE', 'no_appointments'],
      ['quais são minhas reuniões?', 'LIST', 'listed'],
      ['tenho algum horário marcado?', 'LIST', 'listed'],
      ['quando é minha consulta?', 'LIST', 'listed'],
      ['ok', 'NONE', 'small_talk:ack'],
      ['Ok!', 'NONE', 'small_talk:ack'],
      ['sim', 'NONE', 'small_talk:ack'],
      ['blz', 'NONE', 'small_talk:ack'],
      ['beleza', 'NONE', 'small_talk:ack'],
      ['ta bom', 'NONE', 'small_talk:ack'],
      ['obrigado', 'NONE', 'small_talk:thanks'],
      ['obrigada!', 'NONE', 'small_talk:thanks'],
      ['muito obrigado', 'NONE', 'small_talk:thanks'],
      ['valeu', 'NONE', 'small_talk:thanks'],
      ['vlw', 'NONE', 'small_talk:thanks'],
      ['👍', 'NONE', 'small_talk:ack'],
      ['🙏🙏', 'NONE', 'small_talk:ack'],
      ['😊', 'NONE', 'small_talk:ack'],
      ['oi', 'NONE', 'small_talk:greeting'],
      ['olá', 'NONE', 'small_talk:greeting'],
      ['bom dia', 'NONE', 'small_talk:greeting'],
      ['boa tarde!', 'NONE', 'small_talk:greeting'],
      ['oi, tudo bem?', 'NONE', 'small_talk:greeting'],
      ['qual o endereço de vocês?', 'NONE', 'silent'],
      ['vocês aceitam convênio?', 'NONE', 'silent'],
      ['qual o valor da consulta?', 'NONE', 'silent'],
      ['bom dia, tudo bem? queria saber o endereço', 'NONE', 'silent'],
    ] as Array<[string, Intent, string]>
  ).map(([text, intent, outcome]) => ({ cls: 'intenções' as const, text, intent, outcome })),
  ...(
    [
      ['audio', 'media'],
      ['image', 'media'],
      ['video', 'media'],
      ['document', 'media'],
      ['sticker', 'small_talk:ack'],
    ] as Array<[InboundMedia, string]>
  ).map(([media, outcome]) => ({ cls: 'intenções' as const, text: '', media, intent: 'NONE' as const, outcome })),
  ...(
    [
      ['1', 'CHOOSE', 'booked'],
      ['a segunda', 'CHOOSE', 'booked'],
      ['pode ser a 3', 'CHOOSE', 'booked'],
      ['sim', 'CHOOSE', 'booked'],
      ['👍', 'CHOOSE', 'booked'],
      ['quero a opção 2', 'CHOOSE', 'booked'],
      ['2º', 'CHOOSE', 'booked'],
      ['a primeira, por favor', 'CHOOSE', 'booked'],
      ['não, obrigado', 'DECLINE', 'declined'],
      ['deixa pra lá', 'DECLINE', 'declined'],
      ['nenhum desses', 'DECLINE', 'declined'],
      ['esquece', 'DECLINE', 'declined'],
      ['7', 'NONE', 'invalid_choice'],
      ['qual o endereço?', 'NONE', 'help'],
    ] as Array<[string, Intent, string]>
  ).map(([text, intent, outcome]) => ({ cls: 'intenções' as const, text, setup: OFFER, intent, outcome })),
];

export const CASES: EvalCase[] = [...DEAD_ENDS, ...ABBREVIATED, ...NUMBER_WORDS, ...FORMS, ...HELD_OUT, ...HELD_OUT_2, ...INTENTS];
