import { describe, expect, it } from 'vitest';
import { parseCommand, UsageError } from '../../server/cli.js';
import { reminderAnswer } from '../../server/whatsapp/intent.js';
import { reminderConfirmedMessage, reminderMessage } from '../../server/whatsapp/replies.js';

const TZ = 'America/Sao_Paulo';
const START = new Date('2026-12-04T17:00:00Z'); // Friday 4/12, 14:00 in São Paulo

describe(reminderMessage.name, () => {
  it('names the client, the day before as "amanhã (sexta, 4/12) às 14h", the link and the answers', () => {
    expect(reminderMessage('Ana Souza', START, 'https://meet.example/abc', new Date('2026-12-03T17:00:00Z'), TZ)).toBe(
      'Olá, Ana! Lembrete: sua reunião é amanhã (sexta, 4/12) às 14h. Link: https://meet.example/abc Responda 1 para confirmar, 2 para remarcar ou 3 para cancelar.',
    );
  });

  it('says "hoje às 14h" on the day, leaves the link out when there is none and greets without a name', () => {
    expect(reminderMessage('', START, null, new Date('2026-12-04T15:00:00Z'), TZ)).toBe(
      'Olá! Lembrete: sua reunião é hoje às 14h. Responda 1 para confirmar, 2 para remarcar ou 3 para cancelar.',
    );
    expect(reminderMessage('5511999999999', START, null, new Date('2026-12-04T15:00:00Z'), TZ)).toMatch(/^Olá! /);
  });

  it('names the weekday further ahead, in the company zone', () => {
    expect(reminderMessage('Bia', START, null, new Date('2026-11-30T12:00:00Z'), TZ)).toContain('sua reunião é sexta-feira (4/12) às 14h.');
    expect(reminderConfirmedMessage(START, new Date('2026-12-03T17:00:00Z'), TZ)).toBe('Presença confirmada, obrigado! Esperamos você amanhã às 14h.');
  });
});

describe(reminderAnswer.name, () => {
  it.each([
    ['1', 'confirm'], ['confirmo', 'confirm'], ['Vou sim', 'confirm'], ['confirmado!', 'confirm'], ['sim', 'confirm'], ['👍', 'confirm'],
    ['2', 'reschedule'], ['quero remarcar', 'reschedule'], ['dá pra mudar o horário?', 'reschedule'],
    ['3', 'cancel'], ['não vou conseguir', 'cancel'], ['Não vou poder ir', 'cancel'], ['cancela', 'cancel'], ['não consigo', 'cancel'],
    ['qual o endereço?', null], ['4', null], ['quero marcar outra reunião', null],
  ] as const)('%s → %s', (text, expected) => {
    expect(reminderAnswer(text)).toBe(expected);
  });
});

describe('CLI reminder flags', () => {
  const ID = '0b7f4a52-5d55-4f0e-9a0a-3c9d8f1e2a11';
  it('parses --reminder-offsets and --quiet-hours, empty strings turning them off', () => {
    expect(parseCommand(['company', 'update', ID, '--reminder-offsets', '1440,120', '--quiet-hours', '21:00-08:00'])).toEqual({
      kind: 'company.update', id: ID, settings: { reminderOffsetsMinutes: [1440, 120], quietHoursStart: '21:00', quietHoursEnd: '08:00' },
    });
    expect(parseCommand(['company', 'update', ID, '--reminder-offsets', '', '--quiet-hours', ''])).toEqual({
      kind: 'company.update', id: ID, settings: { reminderOffsetsMinutes: [], quietHoursStart: '', quietHoursEnd: '' },
    });
  });

  it('refuses malformed values with a usage message', () => {
    expect(() => parseCommand(['company', 'update', ID, '--reminder-offsets', '1 dia'])).toThrow(UsageError);
    expect(() => parseCommand(['company', 'update', ID, '--quiet-hours', '21:00'])).toThrow(/início-fim/);
  });
});
