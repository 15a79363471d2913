import { randomBytes, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readBody, SentLog } from './http-fake.js';

/**
 * An Evolution API server over real HTTP, shaped after shared/ref/evolution-api.md (v2.3.x, or 1.8
 * with `apiVersion: 1`):
 * - `POST /message/sendText/{instance}` (`apikey` header; the instance check runs before the key
 *   check; v2 flat `{number, text}` or v1 `{number, options, textMessage: {text}}`; 201 with the
 *   sent message and its `key.id`; 400 `exists:false`, 500 "Connection Closed", 503 LICENSE_REQUIRED);
 * - `GET /instance/connectionState/{instance}` → `{"instance":{"instanceName","state"}}`;
 * - `POST /webhook/set/{instance}` (`{"webhook":{enabled,url,headers,byEvents,events}}`, ≥ 2.1) and
 *   `GET /webhook/find/{instance}`;
 * - `POST /sandbox/receive/{instance}` `{phone|lid, text, name?}` (the sandbox's own, for the demo):
 *   a contact writes to the instance;
 * - deliveries to the configured webhook: `messages.upsert` (text, media, reactions, groups, LID
 *   senders with or without the phone alongside), `messages.update` receipts, `send.message`,
 *   `connection.update`; the same upsert delivered twice like the retries of ref §5.
 */

export interface EvolutionInstance {
  name: string;
  /** The instance's own token (also accepted as `apikey`, ref §0). */
  token: string;
  state: 'open' | 'connecting' | 'close' | 'refused';
  /** The instance's own number (the body's `sender`). */
  ownNumber: string;
}

export interface EvolutionSent {
  instance: string;
  /** `number` as we sent it. */
  number: string;
  /** The JID Evolution made of it. */
  jid: string;
  text: string;
  id: string;
  apikey: string;
  at: Date;
}

export interface EvolutionRequest {
  method: string;
  path: string;
  headers: Record<string, string | string[] | undefined>;
  body: unknown;
}

export interface WebhookConfig {
  enabled: boolean;
  url: string;
  headers: Record<string, string>;
  byEvents: boolean;
  base64: boolean;
  events: string[];
}

export interface EvolutionSandboxOptions {
  /** `AUTHENTICATION_API_KEY`: the global key, valid for every instance. */
  globalApiKey?: string;
  instances?: Array<Partial<EvolutionInstance> & { name: string }>;
  /** Body shape the server validates: 2 (flat) or 1 (`textMessage`). */
  apiVersion?: 1 | 2;
}

/** What the sender of an inbound message looks like. */
export interface EvolutionSender {
  /** Phone digits (`5511999999999`); omitted for a LID-only sender. */
  phone?: string;
  /** A LID (digits): `remoteJid` is `<lid>@lid`, the phone (when given) rides in `remoteJidAlt`. */
  lid?: string;
  /** 2.3.1–2.3.2 style: the phone in `key.senderPn` instead of `remoteJidAlt`. */
  senderPn?: boolean;
  name?: string;
}

type Fault = { remaining: number; status: number; body: unknown };

export const DEFAULT_GLOBAL_KEY = 'evolution-global-key';

export class EvolutionSandbox {
  readonly requests: EvolutionRequest[] = [];
  readonly instances = new Map<string, EvolutionInstance>();
  readonly webhooks = new Map<string, WebhookConfig>();
  /** Numbers `onWhatsApp` does not know: answered 400 `exists:false`. */
  readonly unregistered = new Set<string>();
  /** What our server answered to each delivery. */
  readonly deliveries: Array<{ event: string; url: string; status: number; body: unknown }> = [];
  globalApiKey: string;
  apiVersion: 1 | 2;
  private readonly messages = new SentLog<EvolutionSent>('Evolution API messages');
  private faults: Fault[] = [];
  private server: Server | null = null;
  private port = 0;

  constructor(options: EvolutionSandboxOptions = {}) {
    this.globalApiKey = options.globalApiKey ?? DEFAULT_GLOBAL_KEY;
    this.apiVersion = options.apiVersion ?? 2;
    for (const instance of options.instances ?? [{ name: 'clinica' }]) this.addInstance(instance);
  }

  get url(): string {
    if (!this.port) throw new Error('EvolutionSandbox is not started');
    return `http://127.0.0.1:${this.port}`;
  }

  addInstance(instance: Partial<EvolutionInstance> & { name: string }): EvolutionInstance {
    const full: EvolutionInstance = {
      token: instance.token ?? randomUUID().toUpperCase(),
      state: instance.state ?? 'open',
      ownNumber: instance.ownNumber ?? `5511${String(900000000 + this.instances.size).slice(-9)}`,
      name: instance.name,
    };
    this.instances.set(full.name, full);
    return full;
  }

  async start(options: { port?: number } = {}): Promise<{ url: string }> {
    const server = createServer((req, res) => {
      this.handle(req, res).catch((error: unknown) => send(res, 500, envelope(500, [String(error)])));
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
    });
    this.server = server;
    this.port = (server.address() as AddressInfo).port;
    return { url: this.url };
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = null;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  sent(instance?: string): EvolutionSent[] {
    return this.messages.list().filter((m) => !instance || m.instance === instance);
  }

  /** The next `n` sends answer `status` with Evolution's envelope around `message` and send nothing. */
  failNext(n: number, status: number, message: unknown = status === 500 ? ['Error: Connection Closed'] : 'Internal Server Error'): void {
    this.faults.push({ remaining: n, status, body: envelope(status, message) });
  }

  /** 2.4.0-rc2 without a license: every business call 503 (ref §0). */
  requireLicense(n: number): void {
    this.faults.push({ remaining: n, status: 503, body: { status: 503, error: 'service not activated', code: 'LICENSE_REQUIRED', message: 'Activate your license' } });
  }

  // ── Deliveries to our webhook ──────────────────────────────────────────────────────────────────

  /** The `data` of a `messages.upsert` for a text (or `message` given whole: media, reactions…). */
  upsertData(instance: string, sender: EvolutionSender, content: { text?: string; message?: Record<string, unknown>; id?: string; fromMe?: boolean; remoteJid?: string }): Record<string, unknown> {
    const id = content.id ?? newEvolutionMessageId();
    const phoneJid = sender.phone ? `${sender.phone}@s.whatsapp.net` : undefined;
    const key: Record<string, unknown> = { remoteJid: content.remoteJid ?? (sender.lid ? `${sender.lid}@lid` : phoneJid), fromMe: content.fromMe ?? false, id };
    if (sender.lid) {
      key.addressingMode = 'lid';
      if (phoneJid && sender.senderPn) key.senderPn = phoneJid;
      else if (phoneJid) key.remoteJidAlt = phoneJid;
    }
    const message = content.message ?? { conversation: content.text ?? '' };
    return {
      key,
      pushName: sender.name ?? '',
      status: 'DELIVERY_ACK',
      message,
      contextInfo: null,
      messageType: Object.keys(message)[0] ?? 'conversation',
      messageTimestamp: Math.floor(Date.now() / 1000),
      instanceId: this.instanceId(instance),
      source: 'android',
    };
  }

  /** Posts one event to the instance's webhook as Evolution does (suffix when `byEvents`); returns our answer. */
  async deliver(instance: string, event: string, data: unknown): Promise<{ status: number; body: unknown }> {
    const hook = this.webhooks.get(instance);
    if (!hook?.enabled) throw new Error(`instance ${instance} has no webhook set`);
    const url = hook.byEvents ? `${hook.url.replace(/\/+$/, '')}/${event.replace(/\./g, '-')}` : hook.url;
    const own = this.instances.get(instance)!;
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...hook.headers },
      body: JSON.stringify({
        event,
        instance,
        data,
        destination: hook.url,
        date_time: new Date().toISOString(),
        sender: `${own.ownNumber}@s.whatsapp.net`,
        server_url: this.url,
        apikey: null,
      }),
    });
    const text = await response.text();
    let body: unknown = text;
    try {
      body = JSON.parse(text);
    } catch {
      // not JSON
    }
    this.deliveries.push({ event, url, status: response.status, body });
    return { status: response.status, body };
  }

  /** A text from `sender`, delivered as `messages.upsert`; `id` is the WhatsApp message id. */
  async receiveText(instance: string, sender: EvolutionSender, text: string, id = newEvolutionMessageId()): Promise<{ status: number; body: unknown; id: string }> {
    const result = await this.deliver(instance, 'messages.upsert', this.upsertData(instance, sender, { text, id }));
    return { ...result, id };
  }

  /** A receipt of a message we sent (`messages.update`), e.g. `DELIVERY_ACK`, `READ`. */
  async receipt(instance: string, keyId: string, status: 'SERVER_ACK' | 'DELIVERY_ACK' | 'READ' | 'PLAYED' | 'ERROR', remoteJid = ''): Promise<{ status: number; body: unknown }> {
    return this.deliver(instance, 'messages.update', { keyId, remoteJid, fromMe: true, status, instanceId: this.instanceId(instance), messageId: randomUUID() });
  }

  // ── The API we call ────────────────────────────────────────────────────────────────────────────

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const raw = await readBody(req);
    const path = new URL(req.url ?? '/', 'http://sandbox').pathname;
    let body: unknown;
    try {
      body = raw ? JSON.parse(raw) : undefined;
    } catch {
      return send(res, 400, envelope(400, ['Unexpected token in JSON']));
    }
    this.requests.push({ method: req.method ?? '', path, headers: { ...req.headers }, body });
    const match = /^\/([a-zA-Z]+)\/([a-zA-Z]+)\/([^/]+)$/.exec(path);
    if (!match) return send(res, 404, envelope(404, [`Cannot ${req.method} ${path}`]));
    const [, group, action, encoded] = match;
    const name = decodeURIComponent(encoded!);
    // The instance check runs before the key check (ref §0).
    const instance = this.instances.get(name);
    if (!instance) return send(res, 404, envelope(404, [`The "${name}" instance does not exist`]));
    const apikey = typeof req.headers.apikey === 'string' ? req.headers.apikey : '';
    if (apikey !== this.globalApiKey && apikey !== instance.token) return send(res, 401, envelope(401, 'Unauthorized'));

    const route = `${req.method} /${group}/${action}`;
    if (route === 'GET /instance/connectionState') return send(res, 200, { instance: { instanceName: name, state: instance.state } });
    if (route === 'POST /webhook/set') return this.setWebhook(res, name, body);
    if (route === 'GET /webhook/find') return send(res, 200, this.webhooks.get(name) ?? null);
    if (route === 'POST /message/sendText') return this.sendText(res, instance, apikey, body);
    // Not Evolution's: lets the demo (and a curl) play a contact writing to the instance.
    if (route === 'POST /sandbox/receive') {
      const b = (body ?? {}) as { phone?: unknown; lid?: unknown; text?: unknown; name?: unknown };
      if (typeof b.text !== 'string' || (typeof b.phone !== 'string' && typeof b.lid !== 'string')) return send(res, 400, envelope(400, ['send {phone|lid, text, name?}']));
      const sender: EvolutionSender = { phone: typeof b.phone === 'string' ? b.phone : undefined, lid: typeof b.lid === 'string' ? b.lid : undefined, name: typeof b.name === 'string' ? b.name : '' };
      const delivered = await this.receiveText(name, sender, b.text);
      return send(res, 200, { delivered: delivered.status, id: delivered.id, answer: delivered.body });
    }
    return send(res, 404, envelope(404, [`Cannot ${req.method} ${path}`]));
  }

  private setWebhook(res: ServerResponse, instance: string, body: unknown): void {
    const webhook = (body as { webhook?: Partial<WebhookConfig> } | undefined)?.webhook;
    // 2.0.x's flat body sent to ≥ 2.1 (ref §2, I1657).
    if (!webhook || typeof webhook !== 'object') return send(res, 400, envelope(400, [['instance requires property "webhook"']]));
    if (typeof webhook.enabled !== 'boolean' || typeof webhook.url !== 'string') return send(res, 400, envelope(400, [['webhook requires property "url"']]));
    const config: WebhookConfig = {
      enabled: webhook.enabled,
      url: webhook.url,
      headers: { ...(webhook.headers ?? {}) },
      byEvents: webhook.byEvents === true,
      base64: webhook.base64 === true,
      events: Array.isArray(webhook.events) ? webhook.events : [],
    };
    this.webhooks.set(instance, config);
    send(res, 201, { webhook: { instanceName: instance, webhook: config } });
  }

  private sendText(res: ServerResponse, instance: EvolutionInstance, apikey: string, body: unknown): void {
    const b = (body ?? {}) as { number?: unknown; text?: unknown; textMessage?: { text?: unknown } };
    const text = this.apiVersion === 2 ? b.text : b.textMessage?.text;
    if (this.apiVersion === 2 && text === undefined) return send(res, 400, envelope(400, [['instance requires property "text"']]));
    if (this.apiVersion === 1 && text === undefined) return send(res, 400, envelope(400, [['instance requires property "textMessage"']]));
    if (typeof b.number !== 'string' || !b.number) return send(res, 400, envelope(400, [['instance requires property "number"']]));
    if (typeof text !== 'string' || !text.trim()) return send(res, 400, envelope(400, ['Text is required']));
    const fault = this.faults.find((f) => f.remaining > 0);
    if (fault) {
      fault.remaining -= 1;
      this.faults = this.faults.filter((f) => f.remaining > 0);
      return send(res, fault.status, fault.body);
    }
    if (instance.state !== 'open') return send(res, 500, envelope(500, ['Error: Connection Closed']));
    const jid = toJid(b.number);
    if (this.unregistered.has(b.number) || !/^\d{8,15}@s\.whatsapp\.net$|^\d+@lid$/.test(jid)) {
      return send(res, 400, envelope(400, [{ jid, exists: false, number: b.number }]));
    }
    const id = newEvolutionMessageId();
    this.messages.push({ instance: instance.name, number: b.number, jid, text, id, apikey, at: new Date() });
    send(res, 201, {
      key: { remoteJid: jid, fromMe: true, id },
      pushName: 'Você',
      status: 'PENDING',
      message: { conversation: text },
      contextInfo: null,
      messageType: 'conversation',
      messageTimestamp: Math.floor(Date.now() / 1000),
      instanceId: this.instanceId(instance.name),
      source: 'web',
    });
  }

  private instanceId(name: string): string {
    return `00000000-0000-4000-8000-${Buffer.from(name).toString('hex').padEnd(12, '0').slice(0, 12)}`;
  }
}

/** A WhatsApp message id shaped like Baileys' (`3EB0…`). */
export function newEvolutionMessageId(): string {
  return `3EB0${randomBytes(8).toString('hex').toUpperCase()}`;
}

/** `createJid` (ref §1): `+`, spaces and `()` stripped; JIDs pass unchanged; else `@s.whatsapp.net` is added. */
function toJid(number: string): string {
  if (number.includes('@')) return number;
  return `${number.replace(/[\s+()-]/g, '')}@s.whatsapp.net`;
}

function envelope(status: number, message: unknown): unknown {
  const error = { 400: 'Bad Request', 401: 'Unauthorized', 404: 'Not Found' }[status] ?? 'Internal Server Error';
  return { status, error, response: { message } };
}

function send(res: ServerResponse, status: number, body: unknown): void {
  if (res.headersSent || res.destroyed) return;
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' });
  res.end(text);
}
