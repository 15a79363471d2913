import { describe, expect, it } from 'vitest';
import {
  alternativesMessage,
  calendarUnavailableMessage,
  cancelKeptMessage,
  cancelQuestionMessage,
  mediaMessage,
  smallTalkMessage,
  cancelConfirmedMessage,
  chooseAppointmentMessage,
  confirmationMessage,
  declineMessage,
  formatSlotOption,
  helpMessage,
  invalidChoiceMessage,
  listMessage,
  noAppointmentsMessage,
  noSlotsMessage,
  notConfiguredMessage,
  offerExpiredMessage,
  optionsMessage,
  rescheduleConfirmedMessage,
  slotTakenMessage,
} from '../../server/whatsapp/replies.js';

const TZ = 'America/Sao_Paulo';
/** Tuesday 1 December 2026, 09:00 in São Paulo. */
const NOW = new Date('2026-12-01T12:00:00Z');
const URL = 'https://agenda.osmardev.online/meeting/abc123';

/** A São Paulo wall-clock time (UTC-3). */
function local(year: number, month: number, day: number, hour: number, minute = 0): Date {
  return new Date(Date.UTC(year, month - 1, day, hour + 3, minute));
}

const tomorrow14h = local(2026, 12, 2, 14);
const friday9h30 = local(2026, 12, 4, 9, 30);
const mondayNoon = local(2026, 12, 7, 12);

describe(formatSlotOption.name, () => {
  it.each<[number, Date, string]>([
    [1, local(2026, 12, 1, 16), '1) hoje (terça, 1/12) às 16h'],
    [1, local(2026, 12, 1, 23, 30), '1) hoje (terça, 1/12) às 23h30'],
    [1, tomorrow14h, '1) amanhã (quarta, 2/12) às 14h'],
    [2, friday9h30, '2) sexta-feira (4/12) às 9h30'],
    [3, mondayNoon, '3) segunda-feira (7/12) ao meio-dia'],
    [2, local(2026, 12, 5, 10), '2) sábado (5/12) às 10h'],
    [3, local(2026, 12, 6, 13, 15), '3) domingo (6/12) às 13h15'],
    [1, local(2026, 12, 8, 8), '1) terça-feira (8/12) às 8h'],
    [1, local(2027, 1, 5, 13), '1) terça-feira (5/1/2027) às 13h'],
  ])('%i, %s → %j', (index, start, expected) => {
    expect(formatSlotOption(index, start, NOW, TZ)).toBe(expected);
  });

  it('names the day in the company zone, not in UTC', () => {
    // 02:30 UTC on 2 December is still 1 December in São Paulo, but 2 December in Lisbon.
    const start = new Date('2026-12-02T02:30:00Z');
    expect(formatSlotOption(1, start, NOW, TZ)).toBe('1) hoje (terça, 1/12) às 23h30');
    expect(formatSlotOption(1, start, NOW, 'Europe/Lisbon')).toBe('1) amanhã (quarta, 2/12) às 2h30');
  });
});

describe(optionsMessage.name, () => {
  it('lists three options and says how to answer', () => {
    expect(optionsMessage([tomorrow14h, friday9h30, mondayNoon], NOW, TZ)).toBe(
      [
        'Tenho estes horários disponíveis:',
        '1) amanhã (quarta, 2/12) às 14h',
        '2) sexta-feira (4/12) às 9h30',
        '3) segunda-feira (7/12) ao meio-dia',
        '',
        'Responda com o número da opção (1, 2 ou 3).',
        'Se preferir outro dia ou período, é só me dizer (por exemplo, “sexta à tarde”).',
      ].join('\n'),
    );
  });

  it('repeats the asked period and adapts to two options', () => {
    const message = optionsMessage([local(2026, 12, 2, 14), local(2026, 12, 2, 15)], NOW, TZ, 'amanhã à tarde');
    expect(message.split('\n')).toEqual([
      'Tenho estes horários disponíveis amanhã à tarde:',
      '1) amanhã (quarta, 2/12) às 14h',
      '2) amanhã (quarta, 2/12) às 15h',
      '',
      'Responda com o número da opção (1 ou 2).',
      'Se preferir outro dia ou período, é só me dizer (por exemplo, “sexta à tarde”).',
    ]);
  });

  it('asks for a plain confirmation with a single option', () => {
    expect(optionsMessage([friday9h30], NOW, TZ).split('\n').slice(0, 4)).toEqual([
      'Tenho este horário disponível:',
      '1) sexta-feira (4/12) às 9h30',
      '',
      'Responda com 1 (ou “sim”) para confirmar.',
    ]);
  });

  it('falls back to the no-slots message when there is nothing to offer', () => {
    expect(optionsMessage([], NOW, TZ, 'amanhã')).toBe(noSlotsMessage('amanhã'));
  });
});

describe(confirmationMessage.name, () => {
  it.each<[Date, string | null, string]>([
    [tomorrow14h, URL, `Reunião confirmada para amanhã às 14h! Aqui está o link: ${URL}`],
    [local(2026, 12, 1, 16), URL, `Reunião confirmada para hoje às 16h! Aqui está o link: ${URL}`],
    [local(2026, 12, 4, 14), URL, `Reunião confirmada para sexta-feira, 4/12, às 14h! Aqui está o link: ${URL}`],
    [friday9h30, null, 'Reunião confirmada para sexta-feira, 4/12, às 9h30! O link da reunião ainda não está disponível; nossa equipe vai enviá-lo por aqui.'],
    [tomorrow14h, null, 'Reunião confirmada para amanhã às 14h! O link da reunião ainda não está disponível; nossa equipe vai enviá-lo por aqui.'],
    [local(2026, 12, 2, 13), URL, `Reunião confirmada para amanhã às 13h! Aqui está o link: ${URL}`],
    [local(2027, 1, 8, 10), null, 'Reunião confirmada para sexta-feira, 8/1/2027, às 10h! O link da reunião ainda não está disponível; nossa equipe vai enviá-lo por aqui.'],
  ])('%s, %s', (start, url, expected) => {
    expect(confirmationMessage(start, url, NOW, TZ)).toBe(expected);
  });

  it('uses the wall clock of a zone with daylight saving', () => {
    const now = new Date('2026-03-06T17:00:00Z');
    // 13:00Z is 9h EDT on Monday 9 March (the day after the switch), not 8h EST.
    expect(confirmationMessage(new Date('2026-03-09T13:00:00Z'), URL, now, 'America/New_York')).toBe(
      `Reunião confirmada para segunda-feira, 9/3, às 9h! Aqui está o link: ${URL}`,
    );
  });
});

describe(rescheduleConfirmedMessage.name, () => {
  it.each<[Date, string | null, string]>([
    [friday9h30, URL, `Pronto! Sua reunião foi remarcada para sexta-feira, 4/12, às 9h30. Aqui está o link: ${URL}`],
    [tomorrow14h, null, 'Pronto! Sua reunião foi remarcada para amanhã às 14h. O link da reunião ainda não está disponível; nossa equipe vai enviá-lo por aqui.'],
  ])('%s, %s', (start, url, expected) => {
    expect(rescheduleConfirmedMessage(start, url, NOW, TZ)).toBe(expected);
  });
});

describe(cancelConfirmedMessage.name, () => {
  it.each<[Date, string]>([
    [tomorrow14h, 'Pronto! Sua reunião de amanhã às 14h foi cancelada. Se quiser marcar outro horário, é só me chamar.'],
    [mondayNoon, 'Pronto! Sua reunião de segunda-feira, 7/12, ao meio-dia foi cancelada. Se quiser marcar outro horário, é só me chamar.'],
  ])('%s', (start, expected) => {
    expect(cancelConfirmedMessage(start, NOW, TZ)).toBe(expected);
  });
});

describe(chooseAppointmentMessage.name, () => {
  const appointments = [{ startAt: tomorrow14h }, { startAt: friday9h30 }];

  it.each<['cancel' | 'reschedule', string]>([
    ['cancel', 'cancelar'],
    ['reschedule', 'remarcar'],
  ])('asks which one to %s', (action, verb) => {
    expect(chooseAppointmentMessage(appointments, NOW, TZ, action)).toBe(
      [
        `Você tem 2 reuniões marcadas. Qual delas você quer ${verb}?`,
        '1) amanhã (quarta, 2/12) às 14h',
        '2) sexta-feira (4/12) às 9h30',
        '',
        'Responda com o número da opção (1 ou 2).',
      ].join('\n'),
    );
  });
});

describe(listMessage.name, () => {
  it('lists several appointments', () => {
    expect(listMessage([{ startAt: tomorrow14h }, { startAt: mondayNoon }], NOW, TZ)).toBe(
      [
        'Suas próximas reuniões:',
        '• amanhã (quarta, 2/12) às 14h',
        '• segunda-feira (7/12) ao meio-dia',
        'Se precisar remarcar ou cancelar, é só me dizer.',
      ].join('\n'),
    );
  });

  it('phrases a single appointment as one sentence', () => {
    expect(listMessage([{ startAt: friday9h30 }], NOW, TZ)).toBe(
      'Sua próxima reunião: sexta-feira (4/12) às 9h30.\nSe precisar remarcar ou cancelar, é só me dizer.',
    );
  });

  it('says there is nothing when the list is empty', () => {
    expect(listMessage([], NOW, TZ)).toBe(noAppointmentsMessage());
  });
});

describe('fixed messages', () => {
  it.each<[string, () => string, string]>([
    [
      notConfiguredMessage.name,
      notConfiguredMessage,
      'A agenda não está configurada no momento, então não consigo marcar reuniões por aqui. Por favor, fale com a nossa equipe.',
    ],
    [
      'noSlotsMessage(label)',
      () => noSlotsMessage('amanhã à tarde'),
      'Não encontrei horários disponíveis amanhã à tarde. Quer tentar outro dia ou período? Por exemplo: “sexta de manhã” ou “semana que vem”.',
    ],
    [
      'noSlotsMessage()',
      () => noSlotsMessage(),
      'Não encontrei horários disponíveis nos próximos dias. Quer tentar outro dia ou período? Por exemplo: “sexta de manhã” ou “semana que vem”.',
    ],
    [
      calendarUnavailableMessage.name,
      calendarUnavailableMessage,
      'Não consegui acessar a agenda agora. Por favor, tente novamente em alguns minutos.',
    ],
    [
      slotTakenMessage.name,
      slotTakenMessage,
      'Desculpe, esse horário acabou de ser reservado por outra pessoa. Veja as novas opções:',
    ],
    [
      'helpMessage()',
      () => helpMessage(),
      [
        'Para escolher um horário, responda com o número da opção (1, 2 ou 3).',
        'Se preferir outro dia ou período, me diga, por exemplo, “amanhã à tarde”.',
        'Para desistir, responda “não”.',
      ].join('\n'),
    ],
    [
      'invalidChoiceMessage(3)',
      () => invalidChoiceMessage(3),
      'Não encontrei essa opção. Responda com o número da opção (1, 2 ou 3).',
    ],
    [
      offerExpiredMessage.name,
      offerExpiredMessage,
      'Essas opções de horário expiraram. Se ainda quiser marcar, me diga o dia ou período de preferência que eu busco novos horários.',
    ],
    [
      noAppointmentsMessage.name,
      noAppointmentsMessage,
      'Você não tem reuniões marcadas. Quer agendar uma? É só me dizer o dia e o período de preferência.',
    ],
    [declineMessage.name, declineMessage, 'Tudo bem! Se quiser marcar um horário depois, é só me chamar.'],
  ])('%s', (_name, message, expected) => {
    expect(message()).toBe(expected);
  });
});

describe(alternativesMessage.name, () => {
  it('says the asked day has nothing and lists the nearest slots at once', () => {
    expect(alternativesMessage([tomorrow14h, friday9h30], NOW, TZ, 'no sábado, 5/12')).toBe(
      [
        'Não tenho horários livres no sábado, 5/12. Os mais próximos que tenho:',
        '1) amanhã (quarta, 2/12) às 14h',
        '2) sexta-feira (4/12) às 9h30',
        '',
        'Responda com o número da opção (1 ou 2).',
        'Se preferir outro dia ou período, é só me dizer.',
      ].join('\n'),
    );
    expect(alternativesMessage([mondayNoon], NOW, TZ)).toMatch(/^Não tenho horários livres nos próximos dias\. O mais próximo que tenho:\n1\) segunda-feira \(7\/12\) ao meio-dia\n/);
  });
});

describe('cancellation confirmation', () => {
  it('asks with a short date and keeps the meeting on "não"', () => {
    const tuesday9h30 = local(2026, 12, 8, 9, 30);
    expect(cancelQuestionMessage(tuesday9h30, NOW, TZ)).toBe('Confirma o cancelamento de terça, 8/12, às 9h30? Responda sim ou não.');
    expect(cancelQuestionMessage(tomorrow14h, NOW, TZ)).toBe('Confirma o cancelamento de amanhã (quarta, 2/12) às 14h? Responda sim ou não.');
    expect(cancelKeptMessage(tuesday9h30, NOW, TZ)).toBe('Tudo bem, sua reunião de terça, 8/12, às 9h30 continua marcada.');
  });
});

describe('messages the bot cannot act on', () => {
  it('asks for text instead of media', () => {
    expect(mediaMessage('audio')).toBe('Ainda não consigo ouvir áudios por aqui; pode me escrever?');
    expect(mediaMessage('image')).toBe('Ainda não consigo ver imagens por aqui; pode me escrever?');
    expect(mediaMessage('document')).toBe('Ainda não consigo abrir documentos por aqui; pode me escrever?');
  });

  it('answers small talk briefly, pointing at what the bot can do', () => {
    for (const kind of ['thanks', 'greeting', 'ack'] as const) {
      expect(smallTalkMessage(kind)).toMatch(/marcar, remarcar ou cancelar/);
      expect(smallTalkMessage(kind).length).toBeLessThan(160);
    }
  });
});
