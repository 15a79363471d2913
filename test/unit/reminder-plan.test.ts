import { describe, expect, it } from 'vitest';
import { cleanQuietHours, cleanReminderOffsets } from '../../server/companies/reminder-settings.js';
import { DomainError } from '../../server/platform/errors.js';
import { inQuietHours, outOfQuietHours, planReminders, SKIP_REASONS, type ReminderSettings } from '../../server/reminders/reminder-plan.js';

const SP: ReminderSettings = { offsets: [1440, 120], quietStart: '21:00', quietEnd: '08:00', timeZone: 'America/Sao_Paulo' };
const NY: ReminderSettings = { ...SP, timeZone: 'America/New_York' };
const at = (iso: string) => new Date(iso);

describe(planReminders.name, () => {
  it('plans each offset at start - offset when nothing is in the quiet hours', () => {
    // Friday 4/12/2026 14:00 in São Paulo (UTC-3).
    const start = at('2026-12-04T17:00:00Z');
    const plan = planReminders(start, at('2026-12-01T12:00:00Z'), SP);
    expect(plan).toEqual([
      { offsetMinutes: 1440, dueAt: at('2026-12-03T17:00:00Z'), status: 'SCHEDULED', reason: null },
      { offsetMinutes: 120, dueAt: at('2026-12-04T15:00:00Z'), status: 'SCHEDULED', reason: null },
    ]);
  });

  it('moves a due time inside the quiet hours to just before they began, the evening before (São Paulo)', () => {
    // 08:30 start: the 2-hour reminder would be 06:30 → 20:59 the day before; the 24-hour one 08:30 the day before stays.
    const start = at('2026-12-04T11:30:00Z');
    const plan = planReminders(start, at('2026-12-01T12:00:00Z'), SP);
    expect(plan.find((p) => p.offsetMinutes === 120)!.dueAt).toEqual(at('2026-12-03T23:59:00Z')); // 20:59 in São Paulo
    expect(plan.find((p) => p.offsetMinutes === 1440)!.dueAt).toEqual(at('2026-12-03T11:30:00Z'));
  });

  it('moves a due time inside the quiet hours before midnight to 20:59 the same evening', () => {
    const due = at('2026-12-04T01:30:00Z'); // 22:30 on 3/12 in São Paulo
    expect(outOfQuietHours(due, SP)).toEqual(at('2026-12-03T23:59:00Z'));
  });

  it('never moves a reminder later, also with quiet hours inside the day', () => {
    const lunch: ReminderSettings = { ...SP, quietStart: '12:00', quietEnd: '14:00' };
    const due = at('2026-12-04T16:30:00Z'); // 13:30 in São Paulo
    expect(outOfQuietHours(due, lunch)).toEqual(at('2026-12-04T14:59:00Z')); // 11:59
    expect(outOfQuietHours(at('2026-12-04T17:30:00Z'), lunch)).toEqual(at('2026-12-04T17:30:00Z')); // 14:30 untouched
  });

  it('shifts in the company wall clock across a DST change (New York, spring forward on 8/3/2026)', () => {
    // Monday 9/3 08:30 EDT (UTC-4) = 12:30Z; 2 h before = 06:30 EDT, in the quiet hours → 20:59 on Sunday 8/3 (EDT, UTC-4).
    const start = at('2026-03-09T12:30:00Z');
    const plan = planReminders(start, at('2026-03-01T12:00:00Z'), NY);
    expect(plan.find((p) => p.offsetMinutes === 120)!.dueAt).toEqual(at('2026-03-09T00:59:00Z'));
    // 24 h before = Sunday 8/3 08:30 EDT: outside the quiet hours, stays (12:30Z).
    expect(plan.find((p) => p.offsetMinutes === 1440)!.dueAt).toEqual(at('2026-03-08T12:30:00Z'));
    // Quiet hours that began on Saturday 7/3 (EST, UTC-5): 05:00 EDT Sunday → 20:59 EST Saturday = 01:59Z Sunday.
    expect(outOfQuietHours(at('2026-03-08T09:00:00Z'), NY)).toEqual(at('2026-03-08T01:59:00Z'));
  });

  it('shifts across the fall-back change too (New York, 1/11/2026)', () => {
    // 06:00 EST Monday 2/11 (11:00Z) → 20:59 EST Sunday 1/11 = 01:59Z on 2/11.
    expect(outOfQuietHours(at('2026-11-02T11:00:00Z'), NY)).toEqual(at('2026-11-02T01:59:00Z'));
    // 06:00 EST Sunday 1/11 (11:00Z) → 20:59 EDT Saturday 31/10 = 00:59Z on 1/11.
    expect(outOfQuietHours(at('2026-11-01T11:00:00Z'), NY)).toEqual(at('2026-11-01T00:59:00Z'));
  });

  it('skips moments already passed except the latest one, sent at once when the start is ≥ 30 min ahead', () => {
    const start = at('2026-12-04T17:00:00Z'); // 14:00
    const now = at('2026-12-04T14:00:00Z'); // 11:00: the 24 h moment passed, the 2 h one is ahead
    expect(planReminders(start, now, SP)).toEqual([
      { offsetMinutes: 1440, dueAt: now, status: 'SCHEDULED', reason: null },
      { offsetMinutes: 120, dueAt: at('2026-12-04T15:00:00Z'), status: 'SCHEDULED', reason: null },
    ]);
    const later = at('2026-12-04T16:00:00Z'); // 13:00: both passed → only the 2 h one, at once
    expect(planReminders(start, later, SP)).toEqual([
      { offsetMinutes: 1440, dueAt: at('2026-12-03T17:00:00Z'), status: 'SKIPPED', reason: SKIP_REASONS.late },
      { offsetMinutes: 120, dueAt: later, status: 'SCHEDULED', reason: null },
    ]);
  });

  it('does not send a missed one at once right after the WhatsApp confirmation (booked in the conversation)', () => {
    const start = at('2026-12-04T17:00:00Z');
    const plan = planReminders(start, at('2026-12-04T14:00:00Z'), SP, { justConfirmed: true });
    expect(plan.map((p) => [p.offsetMinutes, p.status, p.reason])).toEqual([
      [1440, 'SKIPPED', SKIP_REASONS.confirmed],
      [120, 'SCHEDULED', null],
    ]);
  });

  it('skips every reminder when the start is less than 30 minutes ahead', () => {
    const start = at('2026-12-04T17:00:00Z');
    const plan = planReminders(start, at('2026-12-04T16:40:00Z'), SP);
    expect(plan.map((p) => p.status)).toEqual(['SKIPPED', 'SKIPPED']);
    expect(plan[1]!.reason).toBe(SKIP_REASONS.tooClose);
    // Exactly 30 minutes ahead still gets it.
    expect(planReminders(start, at('2026-12-04T16:30:00Z'), SP)[1]!.status).toBe('SCHEDULED');
  });

  it('does not send a late reminder at once inside the quiet hours', () => {
    // Booked at 23:00 for 08:30 tomorrow: both moments passed, and now is quiet.
    const plan = planReminders(at('2026-12-04T11:30:00Z'), at('2026-12-04T02:00:00Z'), SP);
    expect(plan.map((p) => p.status)).toEqual(['SKIPPED', 'SKIPPED']);
    expect(plan[1]!.reason).toBe(SKIP_REASONS.quiet);
  });

  it('plans nothing when the company turned reminders off, and ignores quiet hours when there are none', () => {
    expect(planReminders(at('2026-12-04T17:00:00Z'), at('2026-12-01T00:00:00Z'), { ...SP, offsets: [] })).toEqual([]);
    const none: ReminderSettings = { ...SP, quietStart: '', quietEnd: '' };
    expect(inQuietHours(at('2026-12-04T06:00:00Z'), none)).toBe(false);
    expect(inQuietHours(at('2026-12-04T06:00:00Z'), SP)).toBe(true); // 03:00 in São Paulo
  });
});

describe('reminder settings validation', () => {
  it('orders offsets largest first and refuses out-of-range, fractional and repeated values with pt-BR texts', () => {
    expect(cleanReminderOffsets([120, 1440])).toEqual([1440, 120]);
    expect(cleanReminderOffsets([])).toEqual([]);
    expect(() => cleanReminderOffsets([4])).toThrow(/entre 5 e 10080/);
    expect(() => cleanReminderOffsets([10_081])).toThrow(DomainError);
    expect(() => cleanReminderOffsets([90.5])).toThrow(/recebido "90.5"/);
    expect(() => cleanReminderOffsets([60, 60])).toThrow(/repete a antecedência de 60 minutos/);
    expect(() => cleanReminderOffsets([5, 6, 7, 8, 9, 10])).toThrow(/no máximo 5/);
  });

  it('accepts HH:MM quiet hours (and H:MM), both empty for none, and refuses the rest', () => {
    expect(cleanQuietHours('21:00', '8:00')).toEqual({ start: '21:00', end: '08:00' });
    expect(cleanQuietHours('', '')).toEqual({ start: '', end: '' });
    expect(() => cleanQuietHours('25:00', '08:00')).toThrow(/quietHoursStart deve estar no formato HH:MM/);
    expect(() => cleanQuietHours('21:00', '8h')).toThrow(/quietHoursEnd/);
    expect(() => cleanQuietHours('21:00', '')).toThrow(/vão juntos/);
  });
});
