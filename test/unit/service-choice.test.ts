import { describe, expect, it } from 'vitest';
import { recognizeService, type ServiceOption } from '../../server/whatsapp/service-choice.js';

const service = (id: string, name: string, hosts: string[] = [], keywords: string[] = []): ServiceOption => ({
  id, name, durationMinutes: 30, keywords, hosts: hosts.map((h, i) => ({ calUserId: i + 1, name: h })),
});

const consulta = service('consulta', 'Consulta', ['Dr. Carlos Mendes']);
const limpeza = service('limpeza', 'Limpeza', ['Dr. Carlos Mendes'], ['profilaxia', 'tirar tártaro']);
const avaliacao = service('avaliacao', 'Avaliação ortodôntica', ['Dra. Ana Lima', 'Dr. Bruno Reis']);
const retorno = service('retorno', 'Consulta de retorno', ['Dr. Carlos Mendes']);
const all = [consulta, limpeza, avaliacao, retorno];

describe(recognizeService.name, () => {
  it.each([
    ['quero marcar uma limpeza', 'limpeza'],
    ['QUERO MARCAR UMA LIMPEZA', 'limpeza'],
    ['duas limpezas', 'limpeza'],
    ['preciso tirar o tartaro... tirar tártaro!', 'limpeza'],
    ['profilaxia amanhã', 'limpeza'],
    ['avaliacao ortodontica', 'avaliacao'],
    ['consulta com a Dra. Ana', 'avaliacao'],
    ['com o doutor bruno', 'avaliacao'],
    ['consulta de retorno na sexta', 'retorno'],
    ['a avaliação', 'avaliacao'],
    ['é retorno', 'retorno'],
  ])('"%s" → %s', (text, id) => {
    expect(recognizeService(text, all)?.id).toBe(id);
  });

  it.each([
    ['quero marcar uma reunião'],
    ['com o Dr. Carlos'], // he runs three services
    ['anamnese'], // "ana" only as a whole word
    [''],
  ])('"%s" → none', (text) => {
    expect(recognizeService(text, all)).toBeNull();
  });

  it('a title alone (Dra.) never names a professional', () => {
    expect(recognizeService('com a dra', all)).toBeNull();
  });
});
