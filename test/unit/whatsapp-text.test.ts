import { describe, expect, it } from 'vitest';
import { foldAccents, normalizeText, searchKey } from '../../server/shared/text.js';

describe(normalizeText.name, () => {
  it.each([
    ['Quero marcar REUNIÃO!!!', 'quero marcar reuniao'],
    ['  Olá,   tudo bem?  ', 'ola tudo bem'],
    ['Dá pra trocar o dia da reunião?', 'da pra trocar o dia da reuniao'],
    ['sexta-feira', 'sexta feira'],
    ['1)', '1'],
    ['Opção 3.', 'opcao 3'],
    ['1ª opção', '1a opcao'],
    ['2º', '2o'],
    ['às 14:30', 'as 14 30'],
    ['Terça, 2/12', 'terca 2 12'],
    ['ÇÃÕÊÍÚÜ', 'caoeiuu'],
    ['👍', ''],
    ['ok 👍 valeu', 'ok valeu'],
    ['linha1\nlinha2\tfim', 'linha1 linha2 fim'],
    ['', ''],
  ])('%j → %j', (input, expected) => {
    expect(normalizeText(input)).toBe(expected);
  });
});

describe(foldAccents.name, () => {
  it.each([
    ['Amanhã às 14h', 'amanha as 14h'],
    ['15/12 – SÁBADO', '15/12 – sabado'],
    ['14:30, março', '14:30, marco'],
  ])('%j → %j keeps punctuation', (input, expected) => {
    expect(foldAccents(input)).toBe(expected);
  });
});

describe(searchKey.name, () => {
  it.each([
    ['José da Silva', 'jose da silva'],
    ["Ana D'Ávila", 'ana davila'],
    ['Maria-Clara  Gonçalves', 'maria clara goncalves'],
    ['(11) 99999-9999', '11999999999'],
    ['+55 11 99999 9999', '5511999999999'],
    ['João 11 98888-7777', 'joao 11988887777'],
    ['ÉDER', 'eder'],
  ])('%j → %j', (input, expected) => {
    expect(searchKey(input)).toBe(expected);
  });

  it('finds a formatted phone inside the stored digits', () => {
    expect(searchKey('5511999999999 joao').includes(searchKey('99999-9999'))).toBe(true);
  });

  it('matches names regardless of accents and case', () => {
    expect(searchKey('Conceição Araújo').includes(searchKey('CONCEICAO'))).toBe(true);
  });
});
