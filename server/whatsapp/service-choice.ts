/**
 * Which service (Cal.com event type) a WhatsApp message is about: by the service's name or one of
 * its keywords, or by the professional who runs it ("consulta com a Dra. Ana"), accent- and
 * case-insensitive, whole words only.
 */

import type { EntityManager } from '@mikro-orm/postgresql';
import type { Scope } from '../appointments/appointment.service.js';
import { normalizeText } from '../shared/text.js';

export interface ServiceOption {
  id: string;
  name: string;
  durationMinutes: number;
  keywords: string[];
  hosts: Array<{ calUserId: number; name: string }>;
}

/** What the bot needs from the service catalogue (`server/catalog/`): the services clients may book. */
export interface ServicePort {
  bookable(em: EntityManager, scope: Scope): Promise<ServiceOption[]>;
}

/** No catalogue: every booking uses the company's event type, as before services existed. */
export const NO_SERVICES: ServicePort = { bookable: async () => [] };

/** Courtesy titles and short words that never identify a professional on their own. */
const TITLES = new Set(['dr', 'dra', 'doutor', 'doutora', 'doc', 'prof', 'profa', 'professor', 'professora', 'sr', 'sra', 'srta', 'dona', 'seu']);

function containsPhrase(text: string, phrase: string): boolean {
  if (!phrase) return false;
  // Whole words, an optional plural "s" ("limpezas"): " limpeza " inside " quero uma limpeza ".
  return ` ${text} `.includes(` ${phrase} `) || ` ${text} `.includes(` ${phrase}s `);
}

function namedByText(text: string, service: ServiceOption): boolean {
  return [service.name, ...service.keywords].some((term) => containsPhrase(text, normalizeText(term)));
}

function hostMentioned(text: string, service: ServiceOption): boolean {
  const words = new Set(text.split(' '));
  return service.hosts.some((host) =>
    normalizeText(host.name)
      .split(' ')
      .some((part) => part.length >= 3 && !TITLES.has(part) && words.has(part)),
  );
}

/**
 * The one service the text names, or null (none, or several and nothing tells them apart). A
 * mentioned professional decides among the named services, or alone picks the one service they run
 * ("quero marcar com o Dr. Bruno"; "consulta com a Dra. Ana" when only Ana's service fits). Without
 * a full name, keyword or professional, one word of exactly one service's name will do.
 */
export function recognizeService<T extends ServiceOption>(text: string, services: readonly T[]): T | null {
  const normalized = normalizeText(text);
  if (!normalized || services.length === 0) return null;
  const named = services.filter((s) => namedByText(normalized, s));
  const hosted = services.filter((s) => hostMentioned(normalized, s));
  if (hosted.length > 0) {
    const both = hosted.filter((s) => named.includes(s));
    if (both.length === 1) return both[0]!;
    if (both.length === 0 && hosted.length === 1) return hosted[0]!;
  }
  if (named.length === 1) return named[0]!;
  // "Consulta" and "Consulta de retorno" both match "consulta de retorno": the longest full name wins if unique.
  if (named.length > 1) {
    const full = named.filter((s) => containsPhrase(normalized, normalizeText(s.name)));
    const longest = Math.max(0, ...full.map((s) => normalizeText(s.name).length));
    const best = full.filter((s) => normalizeText(s.name).length === longest);
    return best.length === 1 ? best[0]! : null;
  }
  // "a avaliação" for "Avaliação ortodôntica": one word of a single service's name is enough.
  const partly = services.filter((s) => nameWords(s).some((word) => containsPhrase(normalized, word)));
  return partly.length === 1 ? partly[0]! : null;
}

/** The words of a service's name long enough to mean something alone ("limpeza", not "de"). */
function nameWords(service: ServiceOption): string[] {
  return normalizeText(service.name).split(' ').filter((word) => word.length >= 4);
}
