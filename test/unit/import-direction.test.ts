import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/**
 * The one direction of imports drawn in server/README.md: root (server/*.ts, server/wiring/) →
 * domains → shared/platform. Read from the sources, so a new import in the wrong direction fails here.
 */
const SERVER = fileURLToPath(new URL('../../server/', import.meta.url));

const DOMAINS = ['appointments', 'audit', 'auth', 'calcom', 'catalog', 'companies', 'reminders', 'whatsapp'] as const;
type Domain = (typeof DOMAINS)[number];
type Room = Domain | 'root' | 'platform' | 'shared' | 'outside';

/** Root files a domain may name in a type-only import: the service graph's, the request context's and the config's shapes. */
const ROOT_TYPES_FOR_DOMAINS = ['wiring/services.ts', 'wiring/context.ts', 'config.ts'];

/** Which domain folder may import which (folder level). */
const DOMAIN_EDGES: Record<Domain, Domain[]> = {
  // `audit()` (the audit writer and its Actor) sits under everyone.
  audit: ['auth', 'appointments'],
  auth: ['audit'],
  companies: ['audit', 'auth'],
  appointments: ['audit', 'auth', 'companies', 'calcom'],
  calcom: ['appointments', 'audit', 'auth', 'companies'],
  whatsapp: ['appointments', 'audit', 'auth', 'companies'],
  // Reminders plan from appointment changes, read the company settings, and speak through WhatsApp's texts and outbox.
  reminders: ['appointments', 'audit', 'companies', 'whatsapp'],
  // Services (Cal.com event types): booking reads them through a port declared in appointments.
  catalog: ['appointments', 'audit', 'auth', 'calcom', 'companies'],
};
/**
 * Back edges that still close a folder cycle, each with its reason; the rest of the graph must be
 * acyclic. audit→auth/appointments: the audit *query* side (admin check, shared `PageInfo`) lives
 * beside the writer. appointments→calcom: the calendar port (`calendar.gateway.ts`) is still filed
 * under calcom.
 */
const KNOWN_BACK_EDGES: Array<[Domain, Domain]> = [['audit', 'auth'], ['audit', 'appointments'], ['appointments', 'calcom']];

interface Import {
  from: string;
  to: string;
  typeOnly: boolean;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'ops' ? [] : sourceFiles(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

const SPEC = /(?:^|\n)\s*(import|export)\s+(type\s+)?([^'";]*?)\s*from\s*'([^']+)'|import\(\s*'([^']+)'\s*\)/g;

function importsOf(file: string): Import[] {
  const text = readFileSync(file, 'utf8');
  const found: Import[] = [];
  for (const match of text.matchAll(SPEC)) {
    const spec = match[4] ?? match[5]!;
    if (!spec.startsWith('.')) continue;
    const clause = match[3] ?? '';
    const names = /^\{([^}]*)\}$/.exec(clause.trim())?.[1]?.split(',').map((n) => n.trim()).filter(Boolean);
    const typeOnly = match[2] !== undefined || (names !== undefined && names.length > 0 && names.every((n) => n.startsWith('type ')));
    const target = normalize(join(dirname(file), spec)).replace(/\.js$/, '.ts');
    found.push({ from: relative(SERVER, file), to: relative(SERVER, target), typeOnly });
  }
  return found;
}

function roomOf(path: string): Room {
  if (path.startsWith('..')) return 'outside';
  const [head, ...rest] = path.split('/');
  if (rest.length === 0 || head === 'wiring') return 'root';
  if (head === 'platform' || head === 'shared') return head;
  if ((DOMAINS as readonly string[]).includes(head!)) return head as Domain;
  throw new Error(`server/${path}: a folder the import rules do not know; add it to DOMAINS or a layer`);
}

const imports = sourceFiles(SERVER).flatMap(importsOf);
const describeImport = (i: Import) => `${i.from} → ${i.to}${i.typeOnly ? ' (type)' : ''}`;

describe('import direction (server/README.md)', () => {
  it('reads the imports it checks', () => {
    expect(imports.length).toBeGreaterThan(200);
    expect(imports).toContainEqual({ from: 'app.ts', to: 'wiring/services.ts', typeOnly: false });
    expect(imports).toContainEqual({ from: 'platform/http/server.ts', to: 'platform/http/json-body.ts', typeOnly: false });
  });

  it('shared/ imports nothing else of the server', () => {
    const wrong = imports.filter((i) => roomOf(i.from) === 'shared' && roomOf(i.to) !== 'shared');
    expect(wrong.map(describeImport)).toEqual([]);
  });

  it('platform/ imports no domain and no root file, not even a type', () => {
    const wrong = imports.filter((i) => {
      if (roomOf(i.from) !== 'platform') return false;
      const to = roomOf(i.to);
      if (to === 'platform' || to === 'shared') return false;
      if (to === 'outside' && i.to === '../migrations/index.ts') return false;
      return true;
    });
    expect(wrong.map(describeImport)).toEqual([]);
  });

  it('no domain imports the root (app, main, cli, demo, wiring) except type-only shapes', () => {
    const wrong = imports.filter((i) => {
      const from = roomOf(i.from);
      if (from === 'root' || from === 'outside') return false;
      if (roomOf(i.to) !== 'root') return false;
      return !(i.typeOnly && ROOT_TYPES_FOR_DOMAINS.includes(i.to) && from !== 'platform' && from !== 'shared');
    });
    expect(wrong.map(describeImport)).toEqual([]);
  });

  it('domain folders import each other only along the stated edges, without new cycles', () => {
    const edges = new Map<Domain, Set<Domain>>(DOMAINS.map((d) => [d, new Set()]));
    const wrong: string[] = [];
    for (const i of imports) {
      const from = roomOf(i.from);
      const to = roomOf(i.to);
      if (!isDomain(from) || !isDomain(to) || from === to) continue;
      edges.get(from)!.add(to);
      if (!DOMAIN_EDGES[from].includes(to)) wrong.push(describeImport(i));
    }
    expect(wrong).toEqual([]);

    const forward = (from: Domain) => [...edges.get(from)!].filter((to) => !KNOWN_BACK_EDGES.some(([a, b]) => a === from && b === to));
    expect(findCycle(forward)).toBeUndefined();
  });

  it('finds a cycle when there is one (the check above can fail)', () => {
    const graph: Partial<Record<Domain, Domain[]>> = { auth: ['audit'], audit: ['companies'], companies: ['auth'] };
    expect(findCycle((d) => graph[d] ?? [])).toEqual(['audit', 'companies', 'auth', 'audit']);
  });
});

function isDomain(room: Room): room is Domain {
  return (DOMAINS as readonly string[]).includes(room);
}

/** Depth-first search; the first cycle found as a path that starts and ends on the same folder. */
function findCycle(next: (d: Domain) => Domain[]): Domain[] | undefined {
  const done = new Set<Domain>();
  const visit = (d: Domain, path: Domain[]): Domain[] | undefined => {
    const at = path.indexOf(d);
    if (at >= 0) return [...path.slice(at), d];
    if (done.has(d)) return undefined;
    for (const to of next(d)) {
      const cycle = visit(to, [...path, d]);
      if (cycle) return cycle;
    }
    done.add(d);
    return undefined;
  };
  for (const d of DOMAINS) {
    const cycle = visit(d, []);
    if (cycle) return cycle;
  }
  return undefined;
}
