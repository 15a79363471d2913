import { randomUUID } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';
import { Appointment } from '../../server/appointments/appointment.entity.js';
import { createMetrics } from '../../server/platform/metrics.js';
import { ConversationEngine, DEFAULT_WHATSAPP_SETTINGS, type AppointmentPort, type TurnResult } from '../../server/whatsapp/conversation.engine.js';
import type { ServiceOption, ServicePort } from '../../server/whatsapp/service-choice.js';
import { Conversation } from '../../server/whatsapp/conversation.entity.js';
import type { ConversationData, StoredPreference } from '../../server/whatsapp/conversation.state.js';
import {
  addDays,
  AT_TOLERANCE_MINUTES,
  localDateOf,
  minutesOfDay,
  startOfLocalDay,
  weekdayOf,
  zonedTimeToUtc,
  type LocalDate,
} from '../../server/whatsapp/date/index.js';
import { CASES, type EvalCase, type EvalClass, type TimeWindow } from './conversation-set.js';

/**
 * Runs the conversation evaluation set (conversation-set.ts) through the real engine and parser, on
 * a real database, with a calendar that has gaps. Each case starts a fresh conversation (after its
 * `setup` messages) at a fixed "now": Thursday 10:00 in São Paulo (3/12/2026) and in New York
 * (11/3/2027, three days before DST starts).
 */

export const ZONES = [
  { timeZone: 'America/Sao_Paulo', today: { year: 2026, month: 12, day: 3 } },
  { timeZone: 'America/New_York', today: { year: 2027, month: 3, day: 11 } },
] as const;

const NOW_MINUTES = 10 * 60;
const SLOT_MINUTES = 30;
const OPEN = 9 * 60;
const CLOSE = 18 * 60;
/** Slots closer than this to now are not offered (the engine's MIN_LEAD_MS). */
const MIN_LEAD_MS = 60_000;
const DAY_MS = 86_400_000;

/**
 * Monday to Friday, 9:00 to 18:00, a slot every 30 minutes, with gaps: weekends and evenings closed,
 * the Tuesday after "now" (+5 days) fully booked, the Monday after (+4) booked in the morning.
 */
export class GapCalendar {
  constructor(
    readonly today: LocalDate,
    readonly timeZone: string,
  ) {}

  private isFree(date: LocalDate, minutes: number): boolean {
    const weekday = weekdayOf(date);
    if (weekday === 0 || weekday === 6) return false;
    if (minutes < OPEN || minutes + SLOT_MINUTES > CLOSE) return false;
    const offset = Math.round((Date.UTC(date.year, date.month - 1, date.day) - Date.UTC(this.today.year, this.today.month - 1, this.today.day)) / DAY_MS);
    if (offset === 5) return false;
    if (offset === 4 && minutes < 12 * 60) return false;
    return true;
  }

  /** Free starts in [from, to). */
  slots(from: Date, to: Date): Date[] {
    const result: Date[] = [];
    for (let day = localDateOf(from, this.timeZone); startOfLocalDay(day, this.timeZone) < to; day = addDays(day, 1)) {
      for (let minutes = OPEN; minutes + SLOT_MINUTES <= CLOSE; minutes += SLOT_MINUTES) {
        const start = zonedTimeToUtc(day, minutes, this.timeZone);
        if (start >= from && start < to && this.isFree(day, minutes)) result.push(start);
      }
    }
    return result;
  }
}

function notUsed(): never {
  throw new Error('not used by the evaluation');
}

/** The calendar port: availability from the gap calendar; booking answers like a confirmed Cal.com booking. */
function calendarPort(calendar: GapCalendar): AppointmentPort {
  return {
    hostAvailability: async (_em, _scope, from, to) => ({ slots: calendar.slots(from, to).map((start) => ({ start, end: new Date(start.getTime() + SLOT_MINUTES * 60_000) })), hostKey: null }),
    book: async (_em, scope, input) =>
      Object.assign(new Appointment(), {
        companyId: scope.companyId,
        startAt: input.start,
        endAt: new Date(input.start.getTime() + SLOT_MINUTES * 60_000),
        clientName: input.clientName,
        status: 'CONFIRMED' as const,
        source: 'WHATSAPP' as const,
        calBookingUid: `eval-${randomUUID()}`,
      }),
    resumeClaim: async () => notUsed(),
    reschedule: async () => notUsed(),
    cancel: async () => notUsed(),
    confirmByClient: async () => notUsed(),
    declineByClient: async () => notUsed(),
    get: async () => null,
    // The evaluation books nothing persistent: the contact never has meetings of its own.
    upcomingForContact: async () => [],
    liveUpcoming: async () => [],
    contactAppointmentAt: async () => null,
    liveStarts: async () => [],
  };
}

/** The several-services company of the cases marked `services` (ordered by name, as the catalogue lists them). */
const SERVICES: ServiceOption[] = [
  { id: randomUUID(), name: 'Avaliação ortodôntica', durationMinutes: 45, keywords: [], hosts: [{ calUserId: 21, name: 'Dra. Ana Lima' }, { calUserId: 22, name: 'Dr. Bruno Reis' }] },
  { id: randomUUID(), name: 'Consulta', durationMinutes: 30, keywords: [], hosts: [{ calUserId: 11, name: 'Dr. Carlos Mendes' }] },
  { id: randomUUID(), name: 'Limpeza', durationMinutes: 60, keywords: ['profilaxia'], hosts: [{ calUserId: 11, name: 'Dr. Carlos Mendes' }] },
];
const servicePort: ServicePort = { bookable: async () => SERVICES };

export interface CaseResult {
  case: EvalCase;
  zone: string;
  pass: boolean;
  /** The expected window had no free slot: a dead end unless alternatives were offered. */
  emptyWindow: boolean;
  reason: string;
  /** Options on screen after the message. */
  options: number;
  replies: string[];
}

type Verdict = Pick<CaseResult, 'pass' | 'emptyWindow' | 'reason'>;

interface Expected {
  from: Date;
  to: Date;
  time: TimeWindow;
}

function expectedWindow(c: EvalCase, today: LocalDate, now: Date, timeZone: string): Expected {
  const days = (c.days ?? ((t: LocalDate) => Array.from({ length: 7 }, (_, i) => addDays(t, i))))(today);
  const start = startOfLocalDay(days[0]!, timeZone);
  const to = startOfLocalDay(addDays(days[days.length - 1]!, 1), timeZone);
  return { from: start < now ? now : start, to, time: c.time ?? {} };
}

function matchesTime(slot: Date, time: TimeWindow, timeZone: string): boolean {
  const minutes = minutesOfDay(slot, timeZone);
  if (time.after !== undefined && minutes < time.after) return false;
  if (time.before !== undefined && minutes >= time.before) return false;
  if (time.at !== undefined && Math.abs(minutes - time.at) > AT_TOLERANCE_MINUTES) return false;
  return true;
}

const sameTime = (pref: StoredPreference, time: TimeWindow) =>
  pref.atMinutes === time.at && pref.afterMinutes === time.after && pref.beforeMinutes === time.before;

function judgeSchedule(c: EvalCase, result: TurnResult, data: ConversationData, calendar: GapCalendar, now: Date, today: LocalDate, timeZone: string): Verdict {
  const expected = expectedWindow(c, today, now, timeZone);
  const bookable = (s: Date) => s.getTime() > now.getTime() + MIN_LEAD_MS;
  const inWindow = calendar.slots(expected.from, expected.to).filter((s) => bookable(s) && matchesTime(s, expected.time, timeZone));
  const emptyWindow = inWindow.length === 0;
  const fail = (reason: string) => ({ pass: false, emptyWindow, reason });
  if (result.intent !== (c.intent ?? 'SCHEDULE')) return fail(`intent ${result.intent}`);
  const offer = data.offer;
  if (!offer) return fail(`no offer (${result.outcome})`);
  const pref = offer.preference;
  const offered = offer.slots.map((s) => new Date(s));
  if (!pref) {
    // No day or time named: the engine's default window, the next 7 days.
    if (c.days || c.time) return fail('no preference read');
    const horizon = now.getTime() + DEFAULT_WHATSAPP_SETTINGS.defaultWindowDays * DAY_MS;
    const ok = offered.length > 0 && offered.every((s) => bookable(s) && s.getTime() < horizon);
    return ok ? { pass: true, emptyWindow, reason: '' } : fail('options outside the next 7 days');
  }
  if (new Date(pref.from).getTime() !== expected.from.getTime() || new Date(pref.to).getTime() !== expected.to.getTime()) {
    return fail(`days ${pref.from}..${pref.to}, expected ${expected.from.toISOString()}..${expected.to.toISOString()}`);
  }
  if (!sameTime(pref, expected.time)) return fail(`time ${JSON.stringify({ at: pref.atMinutes, after: pref.afterMinutes, before: pref.beforeMinutes })}, expected ${JSON.stringify(expected.time)}`);
  if (offered.length === 0) return fail('no options');
  if (!offered.every(bookable)) return fail('an option in the past');
  if (!emptyWindow) {
    if (result.outcome !== 'offered') return fail(`outcome ${result.outcome} with free slots in the window`);
    const outside = offered.find((s) => !(s >= expected.from && s < expected.to && matchesTime(s, expected.time, timeZone)));
    return outside ? fail(`option ${outside.toISOString()} outside the window`) : { pass: true, emptyWindow, reason: '' };
  }
  // Dead end avoided: says so in one line and offers the nearest, keeping the asked time when some day has it.
  if (result.outcome !== 'offered_alternatives' || !result.replies.at(-1)?.startsWith('Não tenho horários livres')) {
    return fail(`dead end not announced (${result.outcome})`);
  }
  const horizon = new Date(expected.to.getTime() + 14 * DAY_MS);
  const timeKept = calendar.slots(now, horizon).some((s) => bookable(s) && matchesTime(s, expected.time, timeZone));
  if (timeKept && !offered.every((s) => matchesTime(s, expected.time, timeZone))) return fail('alternatives lost the asked period/hour');
  return { pass: true, emptyWindow, reason: '' };
}

/** With several services, the offer must be for the service asked for (and name it). */
function judgeService(c: EvalCase, data: ConversationData, verdict: Verdict): Verdict {
  if (!verdict.pass || c.service === undefined) return verdict;
  const expected = SERVICES.find((s) => s.name === c.service)!;
  if (data.offer?.serviceId !== expected.id || data.offer.serviceName !== expected.name) {
    return { ...verdict, pass: false, reason: `service ${data.offer?.serviceName ?? 'none'}, expected ${c.service}` };
  }
  return verdict;
}

function judgeOther(c: EvalCase, result: TurnResult): Verdict {
  const fail = (reason: string) => ({ pass: false, emptyWindow: false, reason });
  if (result.intent !== c.intent) return fail(`intent ${result.intent}`);
  if (c.outcome === undefined) return { pass: true, emptyWindow: false, reason: '' };
  if (c.outcome === 'silent') return result.replies.length === 0 ? { pass: true, emptyWindow: false, reason: '' } : fail('answered');
  if (!result.outcome.startsWith(c.outcome)) return fail(`outcome ${result.outcome}`);
  if (result.replies.length === 0) return fail('no reply');
  return { pass: true, emptyWindow: false, reason: '' };
}

export async function runCase(em: EntityManager, companyId: string, c: EvalCase, zone: (typeof ZONES)[number]): Promise<CaseResult> {
  const { timeZone, today } = zone;
  const now = zonedTimeToUtc(today, NOW_MINUTES, timeZone);
  const calendar = new GapCalendar(today, timeZone);
  const engine = new ConversationEngine(calendarPort(calendar), DEFAULT_WHATSAPP_SETTINGS, createMetricsOnce(), c.services ? servicePort : undefined);
  const contactId = randomUUID();
  const conversation = Object.assign(new Conversation(), { companyId, contactId });
  const contact = { id: contactId, phone: `5511${String(Math.floor(Math.random() * 1e9)).padStart(9, '9')}`, name: 'Avaliação' };
  let result: TurnResult | undefined;
  for (const [index, text] of [...(c.setup ?? []), c.text].entries()) {
    const last = index === (c.setup?.length ?? 0);
    const turn = {
      tx: em.fork(),
      side: em.fork(),
      scope: { companyId, actor: { type: 'WHATSAPP' as const, id: contactId, label: contact.name } },
      companyId,
      timeZone,
      now,
      inboundId: randomUUID(),
      contact,
      conversation,
    };
    result = await engine.handle(turn, text, last ? c.media : undefined);
  }
  const data = conversation.data as ConversationData;
  // Replies are pt-BR for people: no ISO dates or English leaking through.
  const leak = result!.replies.find((r) => /\d{4}-\d{2}-\d{2}|T\d{2}:\d{2}|\b(?:undefined|null|NaN|slot|error|available)\b/i.test(r));
  if (leak) return { case: c, zone: timeZone, replies: result!.replies, pass: false, emptyWindow: false, reason: `reply not in plain pt-BR: ${leak}`, options: 0 };
  const verdict = ((c.intent ?? 'SCHEDULE') === 'SCHEDULE' || c.service !== undefined) && c.outcome === undefined
    ? judgeService(c, data, judgeSchedule(c, result!, data, calendar, now, today, timeZone))
    : judgeOther(c, result!);
  return { case: c, zone: timeZone, replies: result!.replies, ...verdict, options: data.offer?.slots.length ?? 0 };
}

let metrics: ReturnType<typeof createMetrics> | undefined;
function createMetricsOnce() {
  return (metrics ??= createMetrics());
}

export interface EvalReport {
  results: CaseResult[];
  perClass: Array<{ cls: EvalClass; passed: number; total: number }>;
  passed: number;
  total: number;
  /** Cases whose asked window had no free slot, and how many still got options. */
  deadEnds: { guarded: number; total: number };
}

export async function runEvaluation(em: EntityManager, companyId: string): Promise<EvalReport> {
  const results: CaseResult[] = [];
  for (const zone of ZONES) {
    for (const c of CASES) results.push(await runCase(em, companyId, c, zone));
  }
  const classes = [...new Set(CASES.map((c) => c.cls))];
  const perClass = classes.map((cls) => {
    const of = results.filter((r) => r.case.cls === cls);
    return { cls, passed: of.filter((r) => r.pass).length, total: of.length };
  });
  const empty = results.filter((r) => r.emptyWindow);
  return {
    results,
    perClass,
    passed: results.filter((r) => r.pass).length,
    total: results.length,
    deadEnds: { guarded: empty.filter((r) => r.options > 0).length, total: empty.length },
  };
}

const percent = (passed: number, total: number) => `${((100 * passed) / Math.max(total, 1)).toFixed(1)}%`;

/** The printed report: a markdown table per class, the overall figure and every miss. */
export function formatReport(report: EvalReport): string {
  const lines = [
    `Avaliação da conversa: ${CASES.length} pedidos × ${ZONES.length} fusos (${ZONES.map((z) => z.timeZone).join(', ')})`,
    '',
    '| Classe | Acertos | Total | Acurácia |',
    '|---|---:|---:|---:|',
    ...report.perClass.map((p) => `| ${p.cls} | ${p.passed} | ${p.total} | ${percent(p.passed, p.total)} |`),
    `| **Total** | **${report.passed}** | **${report.total}** | **${percent(report.passed, report.total)}** |`,
    '',
    `Sem beco sem saída (janela pedida sem horário livre, opções oferecidas): ${report.deadEnds.guarded}/${report.deadEnds.total} (${percent(report.deadEnds.guarded, report.deadEnds.total)})`,
  ];
  const misses = report.results.filter((r) => !r.pass);
  lines.push('', misses.length === 0 ? 'Erros: nenhum.' : `Erros (${misses.length}):`);
  for (const miss of misses) lines.push(`- [${miss.case.cls}] ${miss.zone}: “${miss.case.text}” → ${miss.reason}`);
  return lines.join('\n');
}
