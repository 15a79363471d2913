import { describe, expect, it } from 'vitest';
import { parseEventType } from '../../server/calcom/calcom-event-types.js';
import { cleanKeywords, serviceHostKey } from '../../server/catalog/service-catalog.service.js';
import { DomainError } from '../../server/platform/errors.js';

describe('event types as Cal.com returns them (EventTypeOutput_2024_06_14 / TeamEventTypeOutput_2024_06_14)', () => {
  it("reads a user's own event type: hosts from `users`", () => {
    expect(
      parseEventType({ id: 7, title: 'Consulta', slug: 'consulta', lengthInMinutes: 30, hidden: false, ownerId: 3, users: [{ id: 3, name: 'Dra. Ana', username: 'ana' }] }),
    ).toEqual({ id: 7, title: 'Consulta', slug: 'consulta', lengthInMinutes: 30, hidden: false, teamId: null, schedulingType: null, hosts: [{ calUserId: 3, name: 'Dra. Ana' }] });
  });

  it('reads a team event type: hosts from `hosts[].userId`, the team, the scheduling type', () => {
    const parsed = parseEventType({
      id: 9, title: 'Avaliação', slug: 'avaliacao', lengthInMinutes: 45, teamId: 77, schedulingType: 'roundRobin',
      hosts: [{ userId: 21, name: 'Ana', username: 'ana' }, { userId: 22, name: '', username: 'bruno' }, { userId: 21, name: 'Ana' }],
    });
    expect(parsed).toMatchObject({ teamId: 77, schedulingType: 'roundRobin', hosts: [{ calUserId: 21, name: 'Ana' }, { calUserId: 22, name: 'bruno' }] });
  });

  it('skips what is not an event type and fills what is missing', () => {
    expect(parseEventType(null)).toBeNull();
    expect(parseEventType({ id: 'x' })).toBeNull();
    expect(parseEventType({ id: 5 })).toMatchObject({ title: 'Evento 5', lengthInMinutes: 30, hosts: [], hidden: false });
  });
});

describe(cleanKeywords.name, () => {
  it('trims, collapses spaces and drops duplicates ignoring accents and case, keeping the first spelling', () => {
    expect(cleanKeywords([' Tártaro ', 'tartaro', 'tirar   tártaro', '', 'TÁRTARO'])).toEqual(['Tártaro', 'tirar tártaro']);
  });

  it('refuses more than 20, a keyword over 60 characters, or one without letters or digits', () => {
    for (const bad of [Array.from({ length: 21 }, (_, i) => `k${i}`), ['x'.repeat(61)], ['!!!']]) {
      expect(() => cleanKeywords(bad)).toThrow(DomainError);
    }
  });
});

describe(serviceHostKey.name, () => {
  it('one host: that Cal.com user; a team event type with several: the event type', () => {
    expect(serviceHostKey({ calEventTypeId: 7, hosts: [{ calUserId: 3, name: 'Ana' }] })).toBe('user:3');
    expect(serviceHostKey({ calEventTypeId: 9, hosts: [{ calUserId: 21, name: 'Ana' }, { calUserId: 22, name: 'Bruno' }] })).toBe('event-type:9');
    expect(serviceHostKey({ calEventTypeId: 9, hosts: [] })).toBe('event-type:9');
  });
});
