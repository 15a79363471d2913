import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  brazilianVariants,
  canonicalPhone,
  normalizePhone,
  parseWhatsappAddress,
  toE164,
  type WhatsappAddress,
} from '../../server/shared/phone.js';

describe(parseWhatsappAddress.name, () => {
  it.each<[string, WhatsappAddress]>([
    ['5511999999999@s.whatsapp.net', { kind: 'user', phone: '5511999999999' }],
    ['5511999999999@c.us', { kind: 'user', phone: '5511999999999' }],
    ['553188887777@s.whatsapp.net', { kind: 'user', phone: '553188887777' }],
    ['5511999999999:12@s.whatsapp.net', { kind: 'user', phone: '5511999999999' }],
    ['5511999999999_1:3@s.whatsapp.net', { kind: 'user', phone: '5511999999999' }],
    ['  5511999999999@S.WHATSAPP.NET ', { kind: 'user', phone: '5511999999999' }],
    ['14155552671@s.whatsapp.net', { kind: 'user', phone: '14155552671' }],
    ['5511999999999-1612345678@g.us', { kind: 'group', id: '5511999999999-1612345678' }],
    ['120363041234567890@g.us', { kind: 'group', id: '120363041234567890' }],
    ['status@broadcast', { kind: 'broadcast', id: 'status' }],
    ['1234567890@broadcast', { kind: 'broadcast', id: '1234567890' }],
    ['123456789012345@lid', { kind: 'lid', id: '123456789012345' }],
    ['123456789012345:7@lid', { kind: 'lid', id: '123456789012345' }],
    ['+55 (11) 99999-9999', { kind: 'user', phone: '5511999999999' }],
    ['(11) 99999-9999', { kind: 'user', phone: '5511999999999' }],
    ['5511999999999', { kind: 'user', phone: '5511999999999' }],
    ['+1 (415) 555-2671', { kind: 'user', phone: '14155552671' }],
    ['abc@s.whatsapp.net', { kind: 'invalid' }],
    ['123@s.whatsapp.net', { kind: 'invalid' }],
    ['group@g.us', { kind: 'invalid' }],
    ['120363041234567890@newsletter', { kind: 'invalid' }],
    ['@s.whatsapp.net', { kind: 'invalid' }],
    ['', { kind: 'invalid' }],
    ['fale comigo', { kind: 'invalid' }],
  ])('%j → %j', (input, expected) => {
    expect(parseWhatsappAddress(input)).toEqual(expected);
  });
});

describe(normalizePhone.name, () => {
  it.each<[string, string | null]>([
    ['(11) 99999-9999', '5511999999999'],
    ['11 99999 9999', '5511999999999'],
    ['11999999999', '5511999999999'],
    ['(31) 8888-7777', '553188887777'],
    ['(11) 3333-4444', '551133334444'],
    ['5511999999999', '5511999999999'],
    ['55 11 99999-9999', '5511999999999'],
    ['+55 11 99999-9999', '5511999999999'],
    ['0055 11 99999-9999', '5511999999999'],
    ['011 99999-9999', '5511999999999'],
    ['0 21 11 99999-9999', '5511999999999'],
    ['(55) 99999-8888', '5555999998888'],
    ['+1 415 555 2671', '14155552671'],
    ['+351 912 345 678', '351912345678'],
    ['351912345678', '351912345678'],
    ['99999-9999', null],
    ['12345', null],
    ['+1234567890123456', null],
    ['', null],
    ['não sei', null],
    ['ramal 123', null],
  ])('%j → %j', (input, expected) => {
    expect(normalizePhone(input)).toBe(expected);
  });

  it.each<[string, string, string | null]>([
    ['912 345 678', '351', '351912345678'],
    ['0912 345 678', '351', '351912345678'],
    ['351912345678', '351', '351912345678'],
    ['+55 11 99999-9999', '351', '5511999999999'],
  ])('%j with default country %s → %j', (input, country, expected) => {
    expect(normalizePhone(input, country)).toBe(expected);
  });
});

describe(brazilianVariants.name, () => {
  it.each<[string, string[]]>([
    ['5531988887777', ['5531988887777', '553188887777']],
    ['553188887777', ['5531988887777', '553188887777']],
    ['5511999999999', ['5511999999999', '551199999999']],
    ['551199999999', ['5511999999999', '551199999999']],
    ['556196543210', ['5561996543210', '556196543210']],
    ['551133334444', ['551133334444']],
    ['5511923456789', ['5511923456789']],
    ['14155552671', ['14155552671']],
    ['351912345678', ['351912345678']],
    ['5501988887777', ['5501988887777']],
  ])('%s → %j', (input, expected) => {
    expect(brazilianVariants(input)).toEqual(expected);
  });
});

describe(canonicalPhone.name, () => {
  it.each([
    ['553188887777', '5531988887777'],
    ['5531988887777', '5531988887777'],
    ['551133334444', '551133334444'],
    ['14155552671', '14155552671'],
    ['351912345678', '351912345678'],
  ])('%s → %s', (input, expected) => {
    expect(canonicalPhone(input)).toBe(expected);
  });

  it('maps both spellings of any Brazilian mobile to the same contact', () => {
    const ddd = fc.tuple(fc.integer({ min: 1, max: 9 }), fc.integer({ min: 1, max: 9 })).map(([a, b]) => `${a}${b}`);
    const subscriber = fc
      .tuple(fc.integer({ min: 6, max: 9 }), fc.integer({ min: 0, max: 9_999_999 }))
      .map(([first, rest]) => `${first}${String(rest).padStart(7, '0')}`);
    fc.assert(
      fc.property(ddd, subscriber, (areaCode, number) => {
        const modern = `55${areaCode}9${number}`;
        const legacy = `55${areaCode}${number}`;
        expect(canonicalPhone(legacy)).toBe(modern);
        expect(canonicalPhone(modern)).toBe(modern);
        expect(brazilianVariants(legacy)).toEqual(brazilianVariants(modern));
      }),
    );
  });
});

describe(toE164.name, () => {
  it.each([
    ['5511999999999', '+5511999999999'],
    ['14155552671', '+14155552671'],
  ])('%s → %s', (input, expected) => {
    expect(toE164(input)).toBe(expected);
  });
});
