import { describe, expect, it } from 'vitest';
import { detectIntent, type DetectedIntent, type Intent, type IntentContext, smallTalkKind } from '../../server/whatsapp/intent.js';

const idle: IntentContext = { awaitingChoice: false, optionCount: 0 };
const threeOptions: IntentContext = { awaitingChoice: true, optionCount: 3 };

describe(detectIntent.name, () => {
  describe('outside a pending choice', () => {
    it.each<[string, Intent]>([
      // SCHEDULE
      ['quero marcar reunião', 'SCHEDULE'],
      ['Quero marcar uma reuniao', 'SCHEDULE'],
      ['QUERO MARCAR REUNIÃO!!!', 'SCHEDULE'],
      ['posso agendar um horário?', 'SCHEDULE'],
      ['Posso agendar um horario', 'SCHEDULE'],
      ['tem horário amanhã?', 'SCHEDULE'],
      ['TEM HORARIO AMANHA', 'SCHEDULE'],
      ['gostaria de agendar', 'SCHEDULE'],
      ['marcar uma consulta', 'SCHEDULE'],
      ['tem vaga sexta?', 'SCHEDULE'],
      ['queria uma reunião', 'SCHEDULE'],
      ['Boa tarde! Gostaria de marcar uma conversa', 'SCHEDULE'],
      ['vocês têm disponibilidade na semana que vem?', 'SCHEDULE'],
      ['tem horário segunda?', 'SCHEDULE'],
      ['tem horario na segunda-feira de manha?', 'SCHEDULE'],
      ['Oi, preciso de um horário pra quinta', 'SCHEDULE'],
      ['amanhã às 10h', 'SCHEDULE'],
      ['pode ser dia 15 às 14h?', 'SCHEDULE'],
      ['agenda pra mim uma call', 'SCHEDULE'],
      ['tem outro horário?', 'SCHEDULE'],
      // RESCHEDULE
      ['quero remarcar', 'RESCHEDULE'],
      ['Quero remarcar minha reunião para sexta', 'RESCHEDULE'],
      ['preciso mudar o horário', 'RESCHEDULE'],
      ['dá pra trocar o dia da reunião?', 'RESCHEDULE'],
      ['DA PRA TROCAR O DIA DA REUNIAO', 'RESCHEDULE'],
      ['posso reagendar?', 'RESCHEDULE'],
      ['a reunião pode passar para quinta?', 'RESCHEDULE'],
      ['preciso adiar a reunião', 'RESCHEDULE'],
      ['não quero cancelar, quero remarcar', 'RESCHEDULE'],
      ['não, quero remarcar', 'RESCHEDULE'],
      // CANCEL
      ['preciso cancelar minha reunião', 'CANCEL'],
      ['desmarcar', 'CANCEL'],
      ['Desmarca pra mim por favor', 'CANCEL'],
      ['não vou poder ir, cancela', 'CANCEL'],
      ['nao vou poder ir cancela', 'CANCEL'],
      ['Não vou conseguir comparecer', 'CANCEL'],
      ['quero cancelar a reunião de amanhã às 14h', 'CANCEL'],
      ['CANCELAMENTO', 'CANCEL'],
      // LIST
      ['minhas reuniões', 'LIST'],
      ['quais são meus agendamentos?', 'LIST'],
      ['Quais sao meus agendamentos', 'LIST'],
      ['tenho reunião marcada?', 'LIST'],
      ['tenho algo marcado?', 'LIST'],
      ['quando é minha reunião?', 'LIST'],
      ['qual o horário da minha reunião?', 'LIST'],
      ['ja estou agendado?', 'LIST'],
      // DECLINE (independent of context)
      ['não', 'DECLINE'],
      ['Não, obrigado', 'DECLINE'],
      ['nenhum desses', 'DECLINE'],
      ['nenhuma', 'DECLINE'],
      ['não quero', 'DECLINE'],
      ['deixa pra lá', 'DECLINE'],
      ['Deixa para la', 'DECLINE'],
      ['esquece', 'DECLINE'],
      ['hoje não', 'DECLINE'],
      ['não quero cancelar', 'DECLINE'],
      ['não quero mais marcar', 'DECLINE'],
      // NONE
      ['sim', 'NONE'],
      ['ok', 'NONE'],
      ['1', 'NONE'],
      ['pode ser a 2', 'NONE'],
      ['bom dia', 'NONE'],
      ['boa tarde', 'NONE'],
      ['boa noite!', 'NONE'],
      ['oi', 'NONE'],
      ['obrigado, até amanhã!', 'NONE'],
      ['qual o horário de funcionamento?', 'NONE'],
      ['não sei', 'NONE'],
      ['👍', 'NONE'],
      ['', 'NONE'],
    ])('%j → %s', (text, intent) => {
      expect(detectIntent(text, idle)).toEqual({ intent });
    });

    it('treats a missing context as idle', () => {
      expect(detectIntent('sim')).toEqual({ intent: 'NONE' });
      expect(detectIntent('quero marcar reunião')).toEqual({ intent: 'SCHEDULE' });
    });
  });

  describe('while three options are on screen', () => {
    it.each<[string, DetectedIntent]>([
      ['1', { intent: 'CHOOSE', choice: 1 }],
      ['2', { intent: 'CHOOSE', choice: 2 }],
      ['3', { intent: 'CHOOSE', choice: 3 }],
      ['1)', { intent: 'CHOOSE', choice: 1 }],
      [' 2. ', { intent: 'CHOOSE', choice: 2 }],
      ['a segunda', { intent: 'CHOOSE', choice: 2 }],
      ['A SEGUNDA', { intent: 'CHOOSE', choice: 2 }],
      ['segunda', { intent: 'CHOOSE', choice: 2 }],
      ['a segunda opção', { intent: 'CHOOSE', choice: 2 }],
      ['opção 3', { intent: 'CHOOSE', choice: 3 }],
      ['opcao 3', { intent: 'CHOOSE', choice: 3 }],
      ['a primeira', { intent: 'CHOOSE', choice: 1 }],
      ['pode ser a 2', { intent: 'CHOOSE', choice: 2 }],
      ['Pode ser a 2!', { intent: 'CHOOSE', choice: 2 }],
      ['quero a terceira', { intent: 'CHOOSE', choice: 3 }],
      ['fico com a 1, obrigado', { intent: 'CHOOSE', choice: 1 }],
      ['Sim, pode ser a 2', { intent: 'CHOOSE', choice: 2 }],
      ['2ª opção', { intent: 'CHOOSE', choice: 2 }],
      ['a última', { intent: 'CHOOSE', choice: 3 }],
      ['número dois', { intent: 'CHOOSE', choice: 2 }],
      ['não, a segunda', { intent: 'CHOOSE', choice: 2 }],
      ['sim', { intent: 'CHOOSE', choice: 1 }],
      ['Sim!', { intent: 'CHOOSE', choice: 1 }],
      ['pode ser', { intent: 'CHOOSE', choice: 1 }],
      ['ok', { intent: 'CHOOSE', choice: 1 }],
      ['confirmo', { intent: 'CHOOSE', choice: 1 }],
      ['pode marcar', { intent: 'CHOOSE', choice: 1 }],
      ['beleza', { intent: 'CHOOSE', choice: 1 }],
      ['👍', { intent: 'CHOOSE', choice: 1 }],
      // A day or time is a new preference, not an option.
      ['amanhã às 10h', { intent: 'SCHEDULE' }],
      ['tem horário segunda?', { intent: 'SCHEDULE' }],
      ['segunda-feira', { intent: 'SCHEDULE' }],
      ['na segunda', { intent: 'SCHEDULE' }],
      ['a segunda às 10', { intent: 'SCHEDULE' }],
      ['e na sexta à tarde?', { intent: 'SCHEDULE' }],
      ['não, prefiro depois das 16h', { intent: 'SCHEDULE' }],
      ['nenhum desses, tem outro horário?', { intent: 'SCHEDULE' }],
      ['quero marcar reunião', { intent: 'SCHEDULE' }],
      // Declines and actions still win.
      ['não', { intent: 'DECLINE' }],
      ['nenhum desses', { intent: 'DECLINE' }],
      ['nenhuma serve', { intent: 'DECLINE' }],
      ['deixa pra lá', { intent: 'DECLINE' }],
      ['não vou poder ir, cancela', { intent: 'CANCEL' }],
      ['cancela a 2', { intent: 'CANCEL', choice: 2 }],
      ['quero remarcar a primeira', { intent: 'RESCHEDULE', choice: 1 }],
      ['minhas reuniões', { intent: 'LIST' }],
      // Options that do not exist.
      ['4', { intent: 'NONE', invalidChoice: 4 }],
      ['opção 5', { intent: 'NONE', invalidChoice: 5 }],
      ['0', { intent: 'NONE', invalidChoice: 0 }],
      ['a quinta', { intent: 'SCHEDULE' }],
      ['a quarta', { intent: 'SCHEDULE' }],
      ['o quinto', { intent: 'NONE', invalidChoice: 5 }],
      // Not an option reference at all.
      ['1 e 2', { intent: 'NONE' }],
      ['5511999999999', { intent: 'NONE' }],
      ['não sei', { intent: 'NONE' }],
    ])('%j → %j', (text, expected) => {
      expect(detectIntent(text, threeOptions)).toEqual(expected);
    });
  });

  it('limits choices to the options offered', () => {
    const twoOptions: IntentContext = { awaitingChoice: true, optionCount: 2 };
    expect(detectIntent('3', twoOptions)).toEqual({ intent: 'NONE', invalidChoice: 3 });
    expect(detectIntent('a última', twoOptions)).toEqual({ intent: 'CHOOSE', choice: 2 });
    expect(detectIntent('cancela a 3', twoOptions)).toEqual({ intent: 'CANCEL' });
    expect(detectIntent('a quinta', { awaitingChoice: true, optionCount: 5 })).toEqual({ intent: 'CHOOSE', choice: 5 });
  });

  it('reports "sim" as an invalid choice when nothing was offered', () => {
    expect(detectIntent('sim', { awaitingChoice: true, optionCount: 0 })).toEqual({ intent: 'NONE', invalidChoice: 1 });
  });
});

describe(smallTalkKind.name, () => {
  it.each<[string, 'thanks' | 'greeting' | 'ack' | null]>([
    ['ok', 'ack'],
    ['Ok!', 'ack'],
    ['sim', 'ack'],
    ['tá bom', 'ack'],
    ['blz', 'ack'],
    ['👍', 'ack'],
    ['🙏🙏', 'ack'],
    ['', 'ack'],
    ['obrigado', 'thanks'],
    ['muito obrigada!', 'thanks'],
    ['valeu, blz', 'thanks'],
    ['oi', 'greeting'],
    ['bom dia', 'greeting'],
    ['oi, tudo bem?', 'greeting'],
    ['qual o endereço?', null],
    ['bom dia, tudo bem? queria saber o endereço', null],
    ['1', null],
  ])('%j → %j', (text, kind) => {
    expect(smallTalkKind(text)).toBe(kind);
  });

  it('leaves "sim" to the choice reader while options are on screen', () => {
    expect(detectIntent('sim', { awaitingChoice: true, optionCount: 1 })).toEqual({ intent: 'CHOOSE', choice: 1 });
    expect(detectIntent('sim')).toEqual({ intent: 'NONE' });
  });
});
