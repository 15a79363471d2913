import { describe, expect, it } from 'vitest';
import { parseEvolutionDelivery } from '../../server/whatsapp/providers/evolution-payload.js';
import { brazilianVariants, canonicalPhone, isLidAddress } from '../../server/shared/phone.js';

const NOW = new Date('2026-12-03T12:00:00Z');
const upsert = (data: unknown, event = 'messages.upsert') => parseEvolutionDelivery({ event, instance: 'clinica', data, sender: '5511900000000@s.whatsapp.net', apikey: null }, NOW);
const text = (key: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({ key: { fromMe: false, id: '3EB0AA', ...key }, pushName: 'Ana', message: { conversation: 'oi' }, ...extra });

describe(parseEvolutionDelivery.name, () => {
  it('reads a messages.upsert text (v2 conversation, v1/2.1 extendedTextMessage), with the event in either spelling', () => {
    expect(upsert(text({ remoteJid: '5511987654321@s.whatsapp.net' }))).toEqual({
      kind: 'batch', statuses: [], ignored: [],
      messages: [{ kind: 'message', messageId: '3EB0AA', phone: '5511987654321', contactPhone: '5511987654321', name: 'Ana', text: 'oi' }],
    });
    const v1 = upsert(text({ remoteJid: '551187654321@s.whatsapp.net' }, { message: { extendedTextMessage: { text: 'bom dia' } } }), 'MESSAGES_UPSERT');
    expect(v1).toMatchObject({ messages: [{ phone: '551187654321', contactPhone: '5511987654321', text: 'bom dia' }] });
  });

  it('LID addressing: the phone from remoteJidAlt or senderPn when present, otherwise the LID itself as the address', () => {
    expect(upsert(text({ remoteJid: '123456789012345@lid', remoteJidAlt: '5521998765432@s.whatsapp.net', addressingMode: 'lid' }))).toMatchObject({ messages: [{ phone: '5521998765432' }] });
    expect(upsert(text({ remoteJid: '123456789012345@lid', senderPn: '5521998765432@s.whatsapp.net' }))).toMatchObject({ messages: [{ phone: '5521998765432' }] });
    // 2.4.0-rc2: remoteJid is the phone, the LID rides in remoteJidAlt.
    expect(upsert(text({ remoteJid: '5521998765432@s.whatsapp.net', remoteJidAlt: '123456789012345@lid', addressingMode: 'pn' }))).toMatchObject({ messages: [{ phone: '5521998765432' }] });
    expect(upsert(text({ remoteJid: '123456789012345@lid' }))).toMatchObject({ messages: [{ phone: '123456789012345@lid', contactPhone: '123456789012345@lid' }] });
  });

  it('ignores fromMe, groups, status broadcast, reactions and events that carry no message; receipts of our messages become statuses', () => {
    expect(upsert(text({ remoteJid: '5511987654321@s.whatsapp.net', fromMe: true }))).toMatchObject({ messages: [], ignored: ['from_me'] });
    expect(upsert(text({ remoteJid: '120363025246125486@g.us', participant: '5511987654321@s.whatsapp.net' }))).toMatchObject({ ignored: ['group'] });
    expect(upsert(text({ remoteJid: 'status@broadcast' }))).toMatchObject({ ignored: ['broadcast'] });
    expect(upsert(text({ remoteJid: '5511987654321@s.whatsapp.net' }, { message: { reactionMessage: { key: { id: 'X' }, text: '❤️' } } }))).toMatchObject({ ignored: ['no_text'] });
    expect(upsert({ instance: 'clinica', state: 'close' }, 'connection.update')).toMatchObject({ ignored: ['event'] });
    expect(upsert(text({ remoteJid: '5511987654321@s.whatsapp.net', fromMe: true }), 'send.message')).toMatchObject({ ignored: ['from_me'] });
    expect(upsert([{ keyId: '3EB0A', fromMe: true, status: 'DELIVERY_ACK' }, { keyId: '3EB0B', fromMe: true, status: 'PLAYED' }, { keyId: '3EB0C', fromMe: false, status: 'READ' }], 'messages.update')).toEqual({
      kind: 'batch', messages: [], ignored: ['event'],
      statuses: [{ providerMessageId: '3EB0A', status: 'DELIVERED', at: NOW }, { providerMessageId: '3EB0B', status: 'READ', at: NOW }],
    });
    expect(upsert({ keyId: '3EB0D', fromMe: true, status: 'ERROR' }, 'messages.update')).toMatchObject({
      statuses: [{ providerMessageId: '3EB0D', status: 'FAILED', error: { code: 'ERROR', message: 'A Evolution API informou que a mensagem não foi entregue.' } }],
    });
  });

  it('keeps caption-less media for the bot to answer', () => {
    expect(upsert(text({ remoteJid: '5511987654321@s.whatsapp.net' }, { message: { audioMessage: { url: 'x', ptt: true } } }))).toMatchObject({ messages: [{ text: '', media: 'audio' }] });
  });

  it.each([
    ['not an object', 'o corpo deve ser um objeto JSON'],
    [{ data: {} }, 'event é obrigatório'],
    [{ event: 'messages.upsert', data: 'x' }, 'data deve ser um objeto'],
    [{ event: 'messages.upsert', data: { key: { id: 'x' } } }, 'data.key.remoteJid é obrigatório'],
  ])('refuses %j', (body, reason) => {
    expect(parseEvolutionDelivery(body)).toEqual({ kind: 'invalid', reason: expect.stringContaining(reason) });
  });
});

describe('LID addresses are not phones', () => {
  it('have no Brazilian variants and keep their form', () => {
    expect(isLidAddress('123456789012345@lid')).toBe(true);
    expect(isLidAddress('5511987654321')).toBe(false);
    expect(brazilianVariants('551187654321@lid')).toEqual(['551187654321@lid']);
    expect(canonicalPhone('551187654321@lid')).toBe('551187654321@lid');
  });
});
