import ipaddr from 'ipaddr.js';
import { lookup as dnsLookup, type LookupAddress, type LookupAllOptions, type LookupOptions } from 'node:dns';
import { isIP } from 'node:net';
import { Agent, fetch as undiciFetch } from 'undici';

/**
 * Calls to URLs that tenants configure (Cal.com, Whaticket; later Evolution and the Graph API) go
 * through here, so an admin cannot point us at our own network (ARCHITECTURE §11): every address a
 * host resolves to must be global unicast, checked when the URL is saved (`check`) and again on each
 * connection (`fetch`, whose socket lookup refuses what DNS answers at that moment, so rebinding the
 * name between the two checks does not pass). Hosts listed in `OUTBOUND_ALLOWED_HOSTS` skip the
 * check (local sandboxes, a self-hosted Cal.com on the private network). Remote bodies are capped.
 */

export const MAX_REMOTE_BODY_BYTES = 1024 * 1024;
const SAVE_LOOKUP_TIMEOUT_MS = 3_000;

/** One `OUTBOUND_ALLOWED_HOSTS` entry: any port when `port` is undefined. */
export interface AllowedHost {
  host: string;
  port: number | undefined;
}

/** A URL whose host is, or resolves to, an address we never call. Not retryable. */
export class OutboundBlocked extends Error {
  override name = 'OutboundBlocked';
  constructor(
    readonly host: string,
    /** ipaddr.js range name (`loopback`, `private`, `linkLocal`, `uniqueLocal`, …) or `unresolved`. */
    readonly range: string,
  ) {
    super(range === 'unresolved' ? `host ${host} does not resolve` : `host ${host} resolves to a ${range} address`);
  }
}

export class RemoteBodyTooLarge extends Error {
  override name = 'RemoteBodyTooLarge';
  constructor() {
    super(`remote body larger than ${MAX_REMOTE_BODY_BYTES} bytes`);
  }
}

export type OutboundFetch = (url: string | URL, init?: RequestInit) => Promise<Response>;

type Resolver = (host: string, options: LookupAllOptions, callback: (error: NodeJS.ErrnoException | null, addresses: LookupAddress[]) => void) => void;

/**
 * The range an address belongs to when we must not call it, else null. IPv4-mapped IPv6
 * (`::ffff:127.0.0.1`) counts as the IPv4 address it carries; anything but global unicast (loopback,
 * RFC 1918, link-local incl. 169.254.169.254, fc00::/7, unspecified, multicast, CGNAT, broadcast,
 * reserved, 6to4/Teredo/NAT64 wrappers) is refused.
 */
export function forbiddenRange(address: string): string | null {
  if (!ipaddr.isValid(address)) return 'invalid';
  let ip = ipaddr.parse(address);
  if (ip instanceof ipaddr.IPv6 && ip.isIPv4MappedAddress()) ip = ip.toIPv4Address();
  const range = ip.range();
  return range === 'unicast' ? null : range;
}

/** Parses `host` / `host:port` / `[v6]:port` entries, collecting problems (for config validation). */
export function parseAllowedHosts(raw: string | undefined, problems: string[] = []): AllowedHost[] {
  const entries: AllowedHost[] = [];
  for (const item of (raw ?? '').split(',').map((s) => s.trim()).filter(Boolean)) {
    const match = /^\[([^\]]+)\](?::(\d+))?$/.exec(item) ?? (item.split(':').length === 2 ? /^([^:]+):(\d+)$/.exec(item) : /^([^/\s@]+)()$/.exec(item));
    const host = match?.[1]?.toLowerCase();
    const port = match?.[2] ? Number(match[2]) : undefined;
    if (!host || /[/\s@?#]/.test(host) || (port !== undefined && (!Number.isInteger(port) || port < 1 || port > 65535))) {
      problems.push(`OUTBOUND_ALLOWED_HOSTS: "${item}" is not a host or host:port`);
      continue;
    }
    entries.push({ host, port });
  }
  return entries;
}

export class OutboundGuard {
  private agentInstance: Agent | undefined;

  constructor(
    private readonly allowed: readonly AllowedHost[] = [],
    private readonly resolve: Resolver = dnsLookup as unknown as Resolver,
  ) {}

  /** net.connect asks this lookup for every connection to a name; a literal IP skips it (checked in `fetch`). */
  private get agent(): Agent {
    return (this.agentInstance ??= new Agent({ connect: { lookup: this.lookup } }));
  }

  /** True when the URL's host (and port) is listed in OUTBOUND_ALLOWED_HOSTS. */
  isAllowed(url: URL): boolean {
    const host = hostOf(url);
    const port = Number(url.port || (url.protocol === 'https:' ? 443 : 80));
    return this.allowed.some((entry) => entry.host === host && (entry.port === undefined || entry.port === port));
  }

  /**
   * Save-time check: resolves the host now; throws `OutboundBlocked` for a forbidden target. A name
   * that does not resolve (yet) passes: every connection is checked again anyway.
   */
  async check(raw: string | URL): Promise<void> {
    const url = new URL(raw);
    if (this.isAllowed(url)) return;
    const host = hostOf(url);
    const addresses = isIP(host) ? [host] : await this.resolveAll(host).catch(() => []);
    for (const address of addresses) {
      const range = forbiddenRange(address);
      if (range) throw new OutboundBlocked(host, range);
    }
  }

  /**
   * `fetch` whose connections refuse forbidden addresses and whose body is read up to
   * MAX_REMOTE_BODY_BYTES (`RemoteBodyTooLarge` beyond). Redirects are never followed.
   */
  readonly fetch: OutboundFetch = async (raw, init = {}) => {
    const url = new URL(raw);
    const allowed = this.isAllowed(url);
    if (!allowed) {
      const host = hostOf(url);
      const range = isIP(host) ? forbiddenRange(host) : null;
      if (range) throw new OutboundBlocked(host, range);
    }
    const response = await undiciFetch(url, {
      ...(init as Parameters<typeof undiciFetch>[1]),
      redirect: 'manual',
      ...(allowed ? {} : { dispatcher: this.agent }),
    });
    const body = await readCapped(response.body as ReadableStream<Uint8Array> | null, Number(response.headers.get('content-length')));
    const empty = body.length === 0 || [101, 103, 204, 205, 304].includes(response.status);
    return new Response(empty ? null : body, { status: response.status, statusText: response.statusText, headers: response.headers as unknown as Headers });
  };

  async close(): Promise<void> {
    await this.agentInstance?.close();
  }

  private readonly lookup = (host: string, options: LookupOptions, callback: (...args: never[]) => void): void => {
    const reply = callback as (...args: unknown[]) => void;
    this.resolve(host, { ...options, all: true } as LookupAllOptions, (error, addresses) => {
      if (error) return reply(error);
      const bad = addresses.map((a) => forbiddenRange(a.address)).find((range) => range !== null);
      if (bad || addresses.length === 0) return reply(new OutboundBlocked(host, bad ?? 'unresolved'));
      if (options.all) return reply(null, addresses);
      return reply(null, addresses[0]!.address, addresses[0]!.family);
    });
  };

  /** Bounded: a slow resolver must not hold a settings save (the connection is checked anyway). */
  private resolveAll(host: string): Promise<string[]> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new OutboundBlocked(host, 'unresolved')), SAVE_LOOKUP_TIMEOUT_MS);
      this.resolve(host, { all: true }, (error, addresses) => {
        clearTimeout(timer);
        if (error || addresses.length === 0) reject(new OutboundBlocked(host, 'unresolved'));
        else resolve(addresses.map((a) => a.address));
      });
    });
  }
}

/** The URL's host as net.connect sees it: lower-case, IPv6 without brackets. */
function hostOf(url: URL): string {
  return url.hostname.replace(/^\[|\]$/g, '').toLowerCase();
}

async function readCapped(body: ReadableStream<Uint8Array> | null, announced: number): Promise<Uint8Array<ArrayBuffer>> {
  if (!body) return new Uint8Array(0);
  if (announced > MAX_REMOTE_BODY_BYTES) {
    await body.cancel().catch(() => {});
    throw new RemoteBodyTooLarge();
  }
  const chunks: Uint8Array[] = [];
  let size = 0;
  const reader = body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > MAX_REMOTE_BODY_BYTES) {
      await reader.cancel().catch(() => {});
      throw new RemoteBodyTooLarge();
    }
    chunks.push(value);
  }
  const bytes = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return bytes;
}

/** True when `error` (or what it wraps, as fetch's `TypeError: fetch failed` does) is a guard refusal. */
export function blockedCause(error: unknown): OutboundBlocked | undefined {
  for (let e: unknown = error, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) {
    if (e instanceof OutboundBlocked) return e;
  }
  return undefined;
}

let strictGuard: OutboundGuard | undefined;
/** For clients built without the configured guard: nothing but global unicast is reachable. */
export const defaultOutboundFetch: OutboundFetch = (url, init) => (strictGuard ??= new OutboundGuard()).fetch(url, init);
