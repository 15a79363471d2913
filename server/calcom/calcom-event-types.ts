/**
 * Cal.com event types, the company's services (ARCHITECTURE §8). Shapes confirmed against Cal.com's
 * source (calcom/cal.com): `GET /v2/event-types` answers `GetEventTypesOutput_2024_06_14 {status,
 * data: EventTypeOutput_2024_06_14[]}` (`id`, `title`, `slug`, `lengthInMinutes`, `hidden?`,
 * `ownerId`, `users[] {id, name, username}`); `GET /v2/teams` answers `{status, data: Team[]}` (`id`,
 * `name`); `GET /v2/teams/{teamId}/event-types` answers `{status, data: TeamEventTypeOutput_2024_06_14[]}`
 * (the same base fields plus `teamId`, `schedulingType` and `hosts[] {userId, name, username}`).
 * The event-type endpoints need `cal-api-version: 2024-06-14`: without it an older controller answers.
 */

import { CalcomHttp } from './calcom-http.js';
import { dataOf, invalidResponse, isRecord } from './calcom-parse.js';
import { CalcomError, type CalcomClientOptions } from './calcom-client.types.js';
import type { CompanyIntegrations } from '../companies/company.service.js';

const EVENT_TYPES_API_VERSION = '2024-06-14';

export interface CalendarEventTypeHost {
  calUserId: number;
  name: string;
}

/** One event type as the catalogue needs it. */
export interface CalendarEventType {
  id: number;
  title: string;
  slug: string;
  lengthInMinutes: number;
  hidden: boolean;
  /** Set for a team event type. */
  teamId: number | null;
  /** `roundRobin` | `collective` | `managed` for team event types; null otherwise. */
  schedulingType: string | null;
  hosts: CalendarEventTypeHost[];
}

/** The catalogue's view of the calendar: which event types the company's Cal.com account offers. */
export interface EventTypeSource {
  eventTypes(company: CompanyIntegrations): Promise<CalendarEventType[]>;
}

/** The account's own event types, then those of every team it belongs to (de-duplicated by id). */
export async function listEventTypes(options: Omit<CalcomClientOptions, 'eventTypeId'>): Promise<CalendarEventType[]> {
  const http = new CalcomHttp(options);
  return http.observed('event_types', async () => {
    const get = async (path: string) => dataOf((await http.retrying(() => http.call({ method: 'GET', path, version: EVENT_TYPES_API_VERSION }))).json);
    const found = new Map<number, CalendarEventType>();
    for (const item of arrayOf(await get('/v2/event-types'), 'GET /v2/event-types')) {
      const eventType = parseEventType(item);
      if (eventType) found.set(eventType.id, eventType);
    }
    for (const teamId of await teamIds(get)) {
      for (const item of arrayOf(await get(`/v2/teams/${teamId}/event-types`), `GET /v2/teams/${teamId}/event-types`)) {
        const eventType = parseEventType(item, teamId);
        if (eventType && !found.has(eventType.id)) found.set(eventType.id, eventType);
      }
    }
    return [...found.values()].sort((a, b) => a.id - b.id);
  });
}

/** Teams are optional: an account without any (or a key without team access) still has its own event types. */
async function teamIds(get: (path: string) => Promise<unknown>): Promise<number[]> {
  try {
    return arrayOf(await get('/v2/teams'), 'GET /v2/teams')
      .map((team) => (isRecord(team) && Number.isInteger(team.id) ? (team.id as number) : null))
      .filter((id): id is number => id !== null);
  } catch (error) {
    if (error instanceof CalcomError && (error.status === 403 || error.status === 404)) return [];
    throw error;
  }
}

function arrayOf(data: unknown, what: string): unknown[] {
  if (!Array.isArray(data)) throw invalidResponse(`${what}: data is not an array`);
  return data;
}

export function parseEventType(raw: unknown, teamIdOfList: number | null = null): CalendarEventType | null {
  if (!isRecord(raw) || !Number.isInteger(raw.id) || (raw.id as number) <= 0) return null;
  const length = Number.isInteger(raw.lengthInMinutes) && (raw.lengthInMinutes as number) > 0 ? (raw.lengthInMinutes as number) : 30;
  const title = typeof raw.title === 'string' && raw.title.trim() ? raw.title.trim() : `Evento ${raw.id}`;
  const teamId = Number.isInteger(raw.teamId) ? (raw.teamId as number) : teamIdOfList;
  // Team event types list `hosts` (userId); a user's own lists `users` (id).
  const people = Array.isArray(raw.hosts) ? raw.hosts : Array.isArray(raw.users) ? raw.users : [];
  const hosts: CalendarEventTypeHost[] = [];
  for (const person of people) {
    if (!isRecord(person)) continue;
    const id = Number.isInteger(person.userId) ? person.userId : person.id;
    if (!Number.isInteger(id)) continue;
    const name = typeof person.name === 'string' && person.name.trim() ? person.name.trim() : typeof person.username === 'string' ? person.username : '';
    if (!hosts.some((h) => h.calUserId === id)) hosts.push({ calUserId: id as number, name });
  }
  return {
    id: raw.id as number,
    title: title.slice(0, 200),
    slug: typeof raw.slug === 'string' ? raw.slug : '',
    lengthInMinutes: length,
    hidden: raw.hidden === true,
    teamId,
    schedulingType: typeof raw.schedulingType === 'string' ? raw.schedulingType : null,
    hosts,
  };
}
