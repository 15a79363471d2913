import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';
import { delay, parseJson, readBody, SentLog } from './http-fake.js';

/**
 * A Whaticket backend over real HTTP, shaped like the SaaS family (per-connection Bearer token,
 * `{"mensagem":"Mensagem enviada"}`, errors as `{"error": …}`). Reference: shared/ref/whaticket-api.md §1.
 */

export interface SentMessage {
  number: string;
  body: string;
  at: Date;
  token: string;
}

export interface WhaticketRequest {
  method: string;
  path: string;
  headers: Record<string, string | string[] | undefined>;
  body: unknown;
  at: Date;
}

/** Success bodies of the forks: SaaS, canove community (empty), ticketz (queued), "gold". */
export type WhaticketSuccessStyle = 'saas' | 'community' | 'ticketz' | 'gold';

export interface WhaticketSandboxOptions {
  tokens?: string[];
  latencyMs?: number;
  successStyle?: WhaticketSuccessStyle;
  /** Numbers `onWhatsApp` does not know: answered 400 `ERR_CHECK_NUMBER`. */
  unregisteredNumbers?: string[];
}

interface Fault {
  kind: 'fail' | 'stall';
  remaining: number;
  status: number;
  error: string;
  ms: number;
}

const SUCCESS_BODIES: Record<WhaticketSuccessStyle, string> = {
  saas: JSON.stringify({ mensagem: 'Mensagem enviada' }),
  community: '',
  ticketz: JSON.stringify({ mensagem: 'Message added to queue' }),
  gold: JSON.stringify({ status: 'SUCCESS' }),
};

const DEFAULT_ERRORS: Record<number, string> = {
  400: 'ERR_SENDING_WAPP_MSG',
  500: 'Internal server error',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
};

export class WhaticketSandbox {
  readonly requests: WhaticketRequest[] = [];
  readonly tokens: Set<string>;
  latencyMs: number;
  successStyle: WhaticketSuccessStyle;
  readonly unregisteredNumbers: Set<string>;
  private readonly messages = new SentLog<SentMessage>('WhatsApp messages');
  private faults: Fault[] = [];
  private server: Server | null = null;
  private port = 0;
  private host = '127.0.0.1';
  private unavailable = false;
  private gate: { opened: Promise<void>; open: () => void; held: Set<IncomingMessage> } | null = null;

  constructor(options: WhaticketSandboxOptions = {}) {
    this.tokens = new Set(options.tokens ?? ['whaticket-test-token']);
    this.latencyMs = options.latencyMs ?? 0;
    this.successStyle = options.successStyle ?? 'saas';
    this.unregisteredNumbers = new Set(options.unregisteredNumbers ?? []);
  }

  get url(): string {
    if (!this.port) throw new Error('WhaticketSandbox is not started');
    return `http://${this.host}:${this.port}`;
  }

  async start(options: { port?: number; host?: string } = {}): Promise<{ url: string }> {
    this.host = options.host ?? '127.0.0.1';
    await this.listen(options.port ?? 0);
    return { url: this.url };
  }

  async stop(): Promise<void> {
    await this.close();
    this.port = 0;
  }

  sent(): SentMessage[] {
    return this.messages.list();
  }

  /** The next `n` sends answer `status` with `{"error": error}` and send nothing. */
  failNext(n: number, status = 500, error?: string): void {
    this.faults.push({ kind: 'fail', remaining: n, status, error: error ?? DEFAULT_ERRORS[status] ?? `HTTP ${status}`, ms: 0 });
  }

  /** The next `n` requests wait `ms` before being handled; one the client abandoned sends nothing. */
  stallNext(n: number, ms: number): void {
    this.faults.push({ kind: 'stall', remaining: n, status: 0, error: '', ms });
  }

  /**
   * Holds every send that arrives from now on (before it is recorded) until `releaseSends()`. A held
   * send whose client goes away meanwhile sends nothing, like a dropped HTTP request.
   */
  holdSends(): void {
    if (this.gate) return;
    let open!: () => void;
    const opened = new Promise<void>((resolve) => (open = resolve));
    this.gate = { opened, open, held: new Set() };
  }

  /**
   * The sends waiting at the gate, and how many of them their client has abandoned: its connection
   * closed (an HTTP client never half-closes while it waits for the answer). A client process that
   * dies closes its connections at once, but this process only learns it when its event loop reads
   * them, so a caller waits for `abandoned` to settle before releasing.
   */
  heldSends(): { held: number; abandoned: number } {
    const held = [...(this.gate?.held ?? [])];
    return { held: held.length, abandoned: held.filter((req) => abandoned(req)).length };
  }

  releaseSends(): void {
    const gate = this.gate;
    this.gate = null;
    gate?.open();
  }

  /** `refuse`: stop listening (connection refused); `unavailable`: answer 503 like a proxy with no backend. */
  async down(mode: 'refuse' | 'unavailable' = 'refuse'): Promise<void> {
    if (mode === 'unavailable') {
      this.unavailable = true;
      return;
    }
    await this.close();
  }

  async up(): Promise<void> {
    this.unavailable = false;
    if (!this.server && this.port) await this.listen(this.port);
  }

  waitForMessages(count: number, timeoutMs = 5_000): Promise<SentMessage[]> {
    return this.messages.waitFor(count, timeoutMs);
  }

  reset(): void {
    this.messages.clear();
    this.requests.length = 0;
    this.faults = [];
    this.unavailable = false;
    this.releaseSends();
  }

  private async listen(port: number): Promise<void> {
    const server = createServer((req, res) => {
      this.handle(req, res).catch((error: unknown) => reply(res, 500, JSON.stringify({ error: String(error) })));
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, this.host, () => resolve());
    });
    this.server = server;
    this.port = (server.address() as AddressInfo).port;
  }

  private async close(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = null;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const raw = await readBody(req);
    const path = new URL(req.url ?? '/', 'http://sandbox').pathname;
    const body = parseJson(raw);
    this.requests.push({ method: req.method ?? '', path, headers: { ...req.headers }, body: body ?? raw, at: new Date() });
    if (this.latencyMs > 0) await delay(this.latencyMs);
    if (this.unavailable) return reply(res, 503, JSON.stringify({ error: 'Service Unavailable' }));
    // Express answers unknown routes with its HTML 404.
    if (req.method !== 'POST' || path !== '/api/messages/send') return reply(res, 404, `Cannot ${req.method} ${path}`, 'text/html');

    const token = bearer(req);
    if (!token || !this.tokens.has(token)) return reply(res, 401, JSON.stringify({ error: 'Acesso não permitido' }));

    const fault = this.takeFault();
    if (fault?.kind === 'stall') {
      await delay(fault.ms);
      if (abandoned(req)) return;
    }
    const gate = this.gate;
    if (gate) {
      gate.held.add(req);
      await gate.opened;
      if (abandoned(req)) return;
    }
    if (fault?.kind === 'fail') return reply(res, fault.status, JSON.stringify({ error: fault.error }));
    return this.send(res, token, body);
  }

  private send(res: ServerResponse, token: string, body: unknown): void {
    if (body === undefined || typeof body !== 'object' || body === null) return reply(res, 400, JSON.stringify({ error: 'ERR_SYNTAX' }));
    const { number, body: text } = body as { number?: unknown; body?: unknown };
    if (number === undefined || number === null || number === '') {
      return reply(res, 400, JSON.stringify({ error: 'O número é obrigatório' }));
    }
    const digits = String(number);
    if (!/^\d{8,15}$/.test(digits) || this.unregisteredNumbers.has(digits)) {
      return reply(res, 400, JSON.stringify({ error: 'ERR_CHECK_NUMBER' }));
    }
    this.messages.push({ number: digits, body: typeof text === 'string' ? text : '', at: new Date(), token });
    reply(res, 200, SUCCESS_BODIES[this.successStyle]);
  }

  private takeFault(): Fault | undefined {
    const fault = this.faults.find((f) => f.remaining > 0);
    if (fault) fault.remaining--;
    this.faults = this.faults.filter((f) => f.remaining > 0);
    return fault;
  }
}

function abandoned(req: IncomingMessage): boolean {
  return req.socket.destroyed || req.socket.readableEnded;
}

export interface InboundMessage {
  /** Sender phone, digits with country code (`5511999999999`). */
  from: string;
  text: string;
  id?: string;
  name?: string;
  form: 'baileys' | 'simple';
  fromMe?: boolean;
  /** Overrides the Baileys `remoteJid` (groups `…@g.us`, `status@broadcast`, `…@lid`). */
  remoteJid?: string;
  /** Baileys: `message.extendedTextMessage.text` instead of `message.conversation`. */
  extendedText?: boolean;
  timestamp?: Date;
}

/** A WhatsApp message id shaped like Baileys' (`3EB0…`). */
export function newMessageId(): string {
  return `3EB0${randomBytes(8).toString('hex').toUpperCase()}`;
}

/** The JSON Whaticket SaaS "webhook" integrations post (raw Baileys message), or our simple form. */
export function buildInbound(message: InboundMessage & { id: string }): Record<string, unknown> {
  if (message.form === 'simple') {
    return { number: message.from, body: message.text, messageId: message.id, name: message.name ?? '' };
  }
  const text = message.extendedText ? { extendedTextMessage: { text: message.text } } : { conversation: message.text };
  return {
    key: { remoteJid: message.remoteJid ?? `${message.from}@s.whatsapp.net`, fromMe: message.fromMe ?? false, id: message.id },
    messageTimestamp: Math.floor((message.timestamp ?? new Date()).getTime() / 1000),
    pushName: message.name ?? '',
    message: text,
  };
}

/** POSTs an inbound message to our server (`/api/whaticket/inbound/:companyId`), as Whaticket would. */
export async function sendInbound(
  ourBaseUrl: string,
  companyId: string,
  token: string,
  message: InboundMessage,
): Promise<{ status: number; body: unknown; id: string }> {
  const id = message.id ?? newMessageId();
  const url = `${ourBaseUrl.replace(/\/+$/, '')}/api/whaticket/inbound/${encodeURIComponent(companyId)}`;
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify(buildInbound({ ...message, id })),
  });
  const text = await response.text();
  return { status: response.status, body: parseJson(text) ?? text, id };
}

function bearer(req: IncomingMessage): string | null {
  const match = /^Bearer\s+(.+)$/i.exec(req.headers.authorization ?? '');
  return match?.[1]?.trim() ?? null;
}

function reply(res: ServerResponse, status: number, body: string, type = 'application/json; charset=utf-8'): void {
  if (res.headersSent || res.destroyed) return;
  res.writeHead(status, body ? { 'content-type': type } : {});
  res.end(body);
}
