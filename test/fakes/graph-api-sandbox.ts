import { createHmac, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { delay, parseJson, readBody, SentLog } from './http-fake.js';

/**
 * Meta's Graph API for the WhatsApp Business Cloud API, over real HTTP, built from
 * shared/ref/whatsapp-cloud-api.md: `POST /{version}/{phone-number-id}/messages` (text, interactive
 * reply buttons, templates; Bearer token), `GET /{version}/{phone-number-id}` (the phone number
 * lookup), Meta's error shape (`{"error":{"code",…}}`: 190 token, 131047 window, 130429/80007/131056
 * rate limits, 132000/132001 template), the 24-hour customer-service window per (number, user), and
 * the webhooks Meta posts: the verify handshake and signed deliveries (`X-Hub-Signature-256`, HMAC
 * of the escaped-unicode body with the app secret) of messages and statuses, in any order.
 */

export interface GraphPhoneNumber {
  id: string;
  accessToken: string;
  displayPhoneNumber?: string;
  verifiedName?: string;
  /** The WhatsApp Business Account id Meta puts in `entry[].id`. */
  wabaId?: string;
}

/** An approved template: name, language and how many body parameters it takes. */
export interface GraphTemplate {
  name: string;
  language: string;
  bodyParameters: number;
}

export interface GraphSent {
  phoneNumberId: string;
  /** The wamid Meta answered. */
  id: string;
  to: string;
  type: string;
  /** The request body as sent. */
  body: Record<string, unknown>;
  at: Date;
}

export interface GraphRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  headers: Record<string, string | string[] | undefined>;
  body: unknown;
  at: Date;
}

export interface Subscription {
  /** Our callback, e.g. `http://127.0.0.1:3000/api/whatsapp/cloud/<companyId>`. */
  callbackUrl: string;
  appSecret: string;
  verifyToken: string;
}

export type DeliveryStatus = 'sent' | 'delivered' | 'read' | 'failed';

/** How a delivery reaches the callback: `escaped` (non-ASCII as `\uXXXX`, Meta's form) or plain UTF-8 bytes. */
export type BodyEncoding = 'escaped' | 'utf8';

/** What a free-form message outside the window gets: an error answer, or a 200 then a `failed` status webhook. */
export type WindowErrorMode = 'sync' | 'webhook';

export interface DeliveryResult {
  status: number;
  body: string;
}

export interface UserMessage {
  /** The user's wa_id (digits). */
  from: string;
  name?: string;
  id?: string;
  text?: string;
  /** A tap on one of our reply buttons or a list row. */
  buttonReply?: { id: string; title: string };
  listReply?: { id: string; title: string; description?: string };
  /** A template quick-reply tap. */
  templateButton?: { payload: string; text: string };
  /** Any other `messages[]` item (audio, image, reaction, system…), merged over `{from, id, timestamp}`. */
  raw?: Record<string, unknown>;
  /** The wamid of our message being answered (`context.id`). */
  contextId?: string;
  timestamp?: Date;
}

interface Fault {
  remaining: number;
  code: number;
  status: number;
  message: string;
}

const META_ERRORS: Record<number, { status: number; message: string; details?: string; type?: string; subcode?: number }> = {
  190: { status: 401, type: 'OAuthException', subcode: 463, message: 'Error validating access token: Session has expired on Wednesday, 02-Dec-26 10:00:00 PST.' },
  131047: { status: 400, message: 'Re-engagement message', details: 'Message failed to send because more than 24 hours have passed since the customer last replied to this number.' },
  // Meta does not document the HTTP status of these (ref §4 "[unconfirmed]"): clients branch on the code.
  130429: { status: 400, message: '(#130429) Rate limit hit', details: 'Cloud API message throughput has been reached.' },
  131056: { status: 400, message: '(#131056) (Business Account, Consumer Account) pair rate limit hit', details: 'Too many messages sent from the sender phone number to the same recipient phone number in a short period of time.' },
  80007: { status: 429, message: 'Business request limit reached for WhatsApp Business Account' },
  4: { status: 429, message: 'Application request limit reached' },
  131026: { status: 400, message: 'Message undeliverable', details: 'Unable to deliver message.' },
  131000: { status: 500, message: 'Something went wrong', details: 'Message failed to send due to an unknown error.' },
  100: { status: 400, message: '(#100) Invalid parameter' },
  131009: { status: 400, message: '(#131009) Parameter value is not valid' },
  132000: { status: 400, message: '(#132000) Number of parameters does not match the expected number of params' },
  132001: { status: 404, message: '(#132001) Template name does not exist in the translation' },
};

const WINDOW_MS = 24 * 60 * 60 * 1000;

export class GraphApiSandbox {
  readonly requests: GraphRequest[] = [];
  /** Messages accepted with a wamid, then reported `failed` 131047 by webhook (`windowErrors = 'webhook'`). */
  readonly lateFailures: GraphSent[] = [];
  /** Approved templates (any phone number). */
  readonly templates: GraphTemplate[];
  windowErrors: WindowErrorMode;
  /** After each accepted message, post `sent`, `delivered`, `read` statuses (the demo's behaviour). */
  autoStatuses: boolean;
  encoding: BodyEncoding = 'escaped';
  /**
   * How long after answering a send its statuses are posted (Meta: usually seconds). Negative: the
   * statuses are posted first and the answer comes that many ms later (the client has no wamid yet).
   */
  statusDelayMs = 20;
  /** The sandbox's clock for the 24-hour window (tests move it). */
  now: () => Date;
  private readonly numbers = new Map<string, GraphPhoneNumber>();
  private readonly expired = new Set<string>();
  private readonly subscriptions = new Map<string, Subscription>();
  /** Last user message per `${phoneNumberId}:${waId}`. */
  private readonly lastUserMessage = new Map<string, Date>();
  private readonly messages = new SentLog<GraphSent>('Cloud API messages');
  private faults: Fault[] = [];
  private server: Server | null = null;
  private port = 0;
  private host = '127.0.0.1';

  constructor(options: { phoneNumbers?: GraphPhoneNumber[]; templates?: GraphTemplate[]; windowErrors?: WindowErrorMode; autoStatuses?: boolean; now?: () => Date } = {}) {
    for (const number of options.phoneNumbers ?? []) this.addPhoneNumber(number);
    this.templates = options.templates ?? [{ name: 'lembrete_consulta', language: 'pt_BR', bodyParameters: 3 }];
    this.windowErrors = options.windowErrors ?? 'sync';
    this.autoStatuses = options.autoStatuses ?? false;
    this.now = options.now ?? (() => new Date());
  }

  get url(): string {
    if (!this.port) throw new Error('GraphApiSandbox is not started');
    return `http://${this.host}:${this.port}`;
  }

  async start(options: { port?: number; host?: string } = {}): Promise<{ url: string }> {
    this.host = options.host ?? '127.0.0.1';
    const server = createServer((req, res) => {
      this.handle(req, res).catch((error: unknown) => reply(res, 500, { error: { message: String(error), type: 'OAuthException', code: 1 } }));
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port ?? 0, this.host, () => resolve());
    });
    this.server = server;
    this.port = (server.address() as AddressInfo).port;
    return { url: this.url };
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = null;
    this.port = 0;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  addPhoneNumber(number: GraphPhoneNumber): void {
    this.numbers.set(number.id, { wabaId: `1${number.id}`, displayPhoneNumber: '+55 11 4000-0000', verifiedName: 'Clínica Sandbox', ...number });
  }

  /** The number's token now fails with 190 (what an expired system-user token does). */
  expireToken(phoneNumberId: string): void {
    this.expired.add(phoneNumberId);
  }

  /** A new token for the number (the admin generated one): 190 stops. */
  renewToken(phoneNumberId: string, accessToken: string): void {
    const number = this.numbers.get(phoneNumberId);
    if (!number) throw new Error(`unknown phone number ${phoneNumberId}`);
    number.accessToken = accessToken;
    this.expired.delete(phoneNumberId);
  }

  /** The App Dashboard's webhook settings for the app owning this number. */
  subscribe(phoneNumberId: string, subscription: Subscription): void {
    this.subscriptions.set(phoneNumberId, subscription);
  }

  /** The next `n` sends answer Meta's error `code` (HTTP status per code unless given) and send nothing. */
  failNext(n: number, code: number, status?: number): void {
    const known = META_ERRORS[code];
    this.faults.push({ remaining: n, code, status: status ?? known?.status ?? 400, message: known?.message ?? `(#${code}) error` });
  }

  /** Opens (or resets) the user's 24-hour window without posting anything. */
  openWindow(phoneNumberId: string, waId: string, at: Date = this.now()): void {
    this.lastUserMessage.set(`${phoneNumberId}:${waId}`, at);
  }

  closeWindow(phoneNumberId: string, waId: string): void {
    this.lastUserMessage.delete(`${phoneNumberId}:${waId}`);
  }

  sent(): GraphSent[] {
    return this.messages.list();
  }

  waitForMessages(count: number, timeoutMs = 10_000): Promise<GraphSent[]> {
    return this.messages.waitFor(count, timeoutMs);
  }

  reset(): void {
    this.messages.clear();
    this.requests.length = 0;
    this.faults = [];
    this.lastUserMessage.clear();
  }

  // ---- Webhooks Meta posts to us ----

  /** The App Dashboard's "Verify and save": `GET callback?hub.mode=subscribe&hub.challenge=…&hub.verify_token=…`. */
  async verifyWebhook(phoneNumberId: string, options: { verifyToken?: string; challenge?: string } = {}): Promise<DeliveryResult & { challenge: string }> {
    const subscription = this.subscription(phoneNumberId);
    const challenge = options.challenge ?? String(1_000_000_000 + Math.floor(Math.random() * 1_000_000_000));
    const url = new URL(subscription.callbackUrl);
    url.searchParams.set('hub.mode', 'subscribe');
    url.searchParams.set('hub.challenge', challenge);
    url.searchParams.set('hub.verify_token', options.verifyToken ?? subscription.verifyToken);
    const response = await fetch(url);
    return { status: response.status, body: await response.text(), challenge };
  }

  /** A user writes to the business number: opens the window and posts the signed `messages` webhook. */
  async userSends(phoneNumberId: string, message: UserMessage): Promise<DeliveryResult & { id: string }> {
    const id = message.id ?? newWamid();
    const at = message.timestamp ?? this.now();
    this.openWindow(phoneNumberId, message.from, at);
    const result = await this.deliver(phoneNumberId, this.messagesPayload(phoneNumberId, [{ ...message, id, timestamp: at }]));
    return { ...result, id };
  }

  /** The `messages` webhook payload Meta posts for these user messages (for batches and replays). */
  messagesPayload(phoneNumberId: string, messages: UserMessage[]): Record<string, unknown> {
    const contacts = new Map<string, { profile: { name: string }; wa_id: string }>();
    for (const m of messages) contacts.set(m.from, { profile: { name: m.name ?? '' }, wa_id: m.from });
    return this.envelope(phoneNumberId, { contacts: [...contacts.values()], messages: messages.map((m) => messageItem(m)) });
  }

  /** Posts status updates for one of our messages, in the order given (Meta does not promise one). */
  async statuses(phoneNumberId: string, wamid: string, statuses: Array<DeliveryStatus | { status: 'failed'; code: number }>, options: { oneDelivery?: boolean } = {}): Promise<DeliveryResult[]> {
    const sent = this.messages.find((m) => m.id === wamid);
    const recipient = sent?.to.replace(/^\+/, '') ?? '5511999999999';
    const items = statuses.map((s) => statusItem(wamid, recipient, s, this.now()));
    if (options.oneDelivery) return [await this.deliver(phoneNumberId, this.envelope(phoneNumberId, { statuses: items }))];
    const results: DeliveryResult[] = [];
    for (const item of items) results.push(await this.deliver(phoneNumberId, this.envelope(phoneNumberId, { statuses: [item] })));
    return results;
  }

  /**
   * Posts a payload to the number's callback, signed like Meta: HMAC-SHA256 with the app secret over
   * the escaped-unicode JSON (sent as such, or as UTF-8 bytes when `encoding` is `utf8`).
   * `signature` overrides the header (`null`: none).
   */
  async deliver(phoneNumberId: string, payload: unknown, options: { signature?: string | null; appSecret?: string; rawBody?: string } = {}): Promise<DeliveryResult> {
    const subscription = this.subscription(phoneNumberId);
    const escaped = options.rawBody ?? escapeUnicode(JSON.stringify(payload));
    const signature = options.signature === undefined ? signMeta(escaped, options.appSecret ?? subscription.appSecret) : options.signature;
    const body = this.encoding === 'utf8' && options.rawBody === undefined ? JSON.stringify(payload) : escaped;
    const headers: Record<string, string> = { 'content-type': 'application/json', 'user-agent': 'facebookexternalua' };
    if (signature !== null) headers['x-hub-signature-256'] = signature;
    const response = await fetch(subscription.callbackUrl, { method: 'POST', headers, body });
    return { status: response.status, body: await response.text() };
  }

  envelope(phoneNumberId: string, value: Record<string, unknown>): Record<string, unknown> {
    const number = this.numbers.get(phoneNumberId);
    return {
      object: 'whatsapp_business_account',
      entry: [{
        id: number?.wabaId ?? '102290129340398',
        changes: [{
          field: 'messages',
          value: {
            messaging_product: 'whatsapp',
            metadata: { display_phone_number: (number?.displayPhoneNumber ?? '').replace(/\D/g, ''), phone_number_id: phoneNumberId },
            ...value,
          },
        }],
      }],
    };
  }

  // ---- The Graph API itself ----

  private subscription(phoneNumberId: string): Subscription {
    const subscription = this.subscriptions.get(phoneNumberId);
    if (!subscription) throw new Error(`no webhook subscribed for phone number ${phoneNumberId}`);
    return subscription;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const raw = await readBody(req);
    const url = new URL(req.url ?? '/', 'http://sandbox');
    const body = parseJson(raw);
    this.requests.push({ method: req.method ?? '', path: url.pathname, query: Object.fromEntries(url.searchParams), headers: { ...req.headers }, body: body ?? raw, at: new Date() });

    // The sandbox's own door for the demo: a user writes to the number (`{phone, text, name?}`).
    const receive = /^\/sandbox\/receive\/(\d+)$/.exec(url.pathname);
    if (req.method === 'POST' && receive) return this.receive(res, receive[1]!, body);

    const route = /^\/(v\d+\.\d+)\/(\d+)(\/messages)?$/.exec(url.pathname);
    if (!route) return graphError(res, 400, 100, `Unknown path components: ${url.pathname}`, 'OAuthException');
    const [, , phoneNumberId, messages] = route as unknown as [string, string, string, string | undefined];
    const token = /^Bearer\s+(.+)$/i.exec(req.headers.authorization ?? '')?.[1]?.trim();
    if (!token) return graphError(res, 400, 104, 'An access token is required to request this resource', 'OAuthException');
    const number = this.numbers.get(phoneNumberId);
    if (!number) return graphError(res, 400, 100, `Unsupported post request. Object with ID '${phoneNumberId}' does not exist`, 'GraphMethodException', 33);
    if (token !== number.accessToken) return graphError(res, 401, 190, 'Invalid OAuth access token - Cannot parse access token', 'OAuthException');
    if (this.expired.has(phoneNumberId)) return metaError(res, 190);

    if (req.method === 'GET' && !messages) {
      return reply(res, 200, { verified_name: number.verifiedName, display_phone_number: number.displayPhoneNumber, id: number.id, quality_rating: 'GREEN' });
    }
    if (req.method !== 'POST' || !messages) return graphError(res, 400, 100, 'Unsupported request - method type', 'GraphMethodException');
    if (req.headers['content-type']?.split(';')[0]?.trim() !== 'application/json') return graphError(res, 400, 100, 'Param messaging_product is required');

    const fault = this.takeFault();
    if (fault) return metaError(res, fault.code, fault.status);
    return this.send(res, number, body);
  }

  private async send(res: ServerResponse, number: GraphPhoneNumber, body: unknown): Promise<void> {
    if (!isObject(body)) return graphError(res, 400, 100, 'Invalid JSON body');
    if (body.messaging_product !== 'whatsapp') return graphError(res, 400, 100, '(#100) The parameter messaging_product is required.');
    const to = typeof body.to === 'string' ? body.to : '';
    const waId = to.replace(/^\+/, '');
    if (!/^\d{8,15}$/.test(waId)) return metaError(res, 100, 400, `(#100) Invalid parameter: to "${to}"`);
    const type = typeof body.type === 'string' ? body.type : 'text';
    const problem = type === 'text' ? textProblem(body.text) : type === 'interactive' ? interactiveProblem(body.interactive) : type === 'template' ? this.templateProblem(body.template) : `(#100) Unsupported message type "${type}"`;
    if (problem) return metaError(res, Number(/^\(#(\d+)\)/.exec(problem)?.[1] ?? 100), undefined, problem);

    const id = newWamid();
    const windowOpen = this.windowOpen(number.id, waId);
    if (type !== 'template' && !windowOpen) {
      if (this.windowErrors === 'sync') return metaError(res, 131047);
      // Accepted, then a failed status arrives by webhook (what Meta does for most async failures).
      this.lateFailures.push({ phoneNumberId: number.id, id, to, type, body, at: new Date() });
      this.postLater(number.id, id, waId, [{ status: 'failed', code: 131047 }]);
      if (this.statusDelayMs < 0) await delay(-this.statusDelayMs);
      reply(res, 200, accepted(to, waId, id));
      return;
    }
    this.messages.push({ phoneNumberId: number.id, id, to, type, body, at: new Date() });
    reply(res, 200, accepted(to, waId, id));
    if (this.autoStatuses && this.subscriptions.has(number.id)) this.postLater(number.id, id, waId, ['sent', 'delivered', 'read']);
  }

  private async receive(res: ServerResponse, phoneNumberId: string, body: unknown): Promise<void> {
    const phone = isObject(body) && typeof body.phone === 'string' ? body.phone.replace(/\D/g, '') : '';
    const text = isObject(body) && typeof body.text === 'string' ? body.text : '';
    if (!phone || !text || !this.subscriptions.has(phoneNumberId)) return reply(res, 400, { error: 'envie {"phone": "5511…", "text": "…"} para um número com webhook' });
    const name = isObject(body) && typeof body.name === 'string' ? body.name : undefined;
    const delivered = await this.userSends(phoneNumberId, { from: phone, text, name });
    reply(res, 200, { id: delivered.id, webhookStatus: delivered.status });
  }

  private windowOpen(phoneNumberId: string, waId: string): boolean {
    const last = this.lastUserMessage.get(`${phoneNumberId}:${waId}`);
    return last !== undefined && this.now().getTime() - last.getTime() < WINDOW_MS;
  }

  private templateProblem(template: unknown): string | undefined {
    if (!isObject(template) || typeof template.name !== 'string') return '(#100) template.name is required';
    const language = isObject(template.language) ? template.language.code : undefined;
    const known = this.templates.find((t) => t.name === template.name && t.language === language);
    if (!known) return `(#132001) Template name does not exist in the translation: ${template.name} (${String(language)})`;
    const components = Array.isArray(template.components) ? template.components : [];
    const bodyComponent = components.find((c) => isObject(c) && c.type === 'body') as Record<string, unknown> | undefined;
    const parameters = Array.isArray(bodyComponent?.parameters) ? bodyComponent.parameters : [];
    if (parameters.length !== known.bodyParameters) {
      return `(#132000) Number of parameters does not match the expected number of params: expected ${known.bodyParameters}, got ${parameters.length}`;
    }
    if (parameters.some((p) => !isObject(p) || p.type !== 'text' || typeof p.text !== 'string' || !p.text.trim())) return '(#131009) body parameters must be non-empty text';
    return undefined;
  }

  /** Meta posts statuses after answering the send; fire and forget, errors ignored (Meta would retry). */
  private postLater(phoneNumberId: string, wamid: string, recipient: string, statuses: Array<DeliveryStatus | { status: 'failed'; code: number }>): void {
    if (!this.subscriptions.has(phoneNumberId)) return;
    setTimeout(() => {
      void (async () => {
        for (const s of statuses) {
          await this.deliver(phoneNumberId, this.envelope(phoneNumberId, { statuses: [statusItem(wamid, recipient, s, this.now())] })).catch(() => undefined);
        }
      })();
    }, Math.max(0, this.statusDelayMs));
  }

  private takeFault(): Fault | undefined {
    const fault = this.faults.find((f) => f.remaining > 0);
    if (fault) fault.remaining--;
    this.faults = this.faults.filter((f) => f.remaining > 0);
    return fault;
  }
}

/** A wamid shaped like Meta's (`wamid.` + base64 of an opaque id). */
export function newWamid(): string {
  return `wamid.${randomBytes(30).toString('base64url')}`;
}

/** `sha256=<hex>` of `body` keyed with the app secret: the `X-Hub-Signature-256` value. */
export function signMeta(body: string, appSecret: string): string {
  return `sha256=${createHmac('sha256', appSecret).update(body, 'utf8').digest('hex')}`;
}

/** JSON text with every non-ASCII UTF-16 unit written `\uXXXX` (lowercase hex), the form Meta signs. */
export function escapeUnicode(json: string): string {
  return json.replace(/[\u0080-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

function messageItem(m: UserMessage): Record<string, unknown> {
  const base: Record<string, unknown> = { from: m.from, id: m.id ?? newWamid(), timestamp: String(Math.floor((m.timestamp ?? new Date()).getTime() / 1000)) };
  if (m.contextId) base.context = { from: '15550783881', id: m.contextId };
  if (m.buttonReply) return { ...base, type: 'interactive', interactive: { type: 'button_reply', button_reply: m.buttonReply } };
  if (m.listReply) return { ...base, type: 'interactive', interactive: { type: 'list_reply', list_reply: m.listReply } };
  if (m.templateButton) return { ...base, type: 'button', button: m.templateButton };
  if (m.raw) return { ...base, ...m.raw };
  return { ...base, type: 'text', text: { body: m.text ?? '' } };
}

function statusItem(wamid: string, recipient: string, s: DeliveryStatus | { status: 'failed'; code: number }, at: Date): Record<string, unknown> {
  const status = typeof s === 'string' ? s : s.status;
  const item: Record<string, unknown> = { id: wamid, status, timestamp: String(Math.floor(at.getTime() / 1000)), recipient_id: recipient };
  if (status === 'sent' || status === 'delivered') item.pricing = { billable: true, pricing_model: 'PMP', type: 'regular', category: 'utility' };
  if (status === 'failed') {
    const code = typeof s === 'string' ? 131026 : s.code;
    const known = META_ERRORS[code];
    item.errors = [{ code, title: known?.message ?? 'Error', message: known?.message ?? 'Error', error_data: { details: known?.details ?? '' }, href: 'https://developers.facebook.com/docs/whatsapp/cloud-api/support/error-codes/' }];
  }
  return item;
}

function textProblem(text: unknown): string | undefined {
  if (!isObject(text) || typeof text.body !== 'string' || !text.body) return '(#100) text.body is required';
  if (text.body.length > 4096) return '(#100) text.body is longer than 4096 characters';
  return undefined;
}

/** Reply buttons: 1–3, titles ≤ 20 characters and unique, ids ≤ 256, body ≤ 1024 (ref §4). */
function interactiveProblem(interactive: unknown): string | undefined {
  if (!isObject(interactive) || interactive.type !== 'button') return '(#100) interactive.type must be "button" here';
  const bodyText = isObject(interactive.body) ? interactive.body.text : undefined;
  if (typeof bodyText !== 'string' || !bodyText || bodyText.length > 1024) return '(#100) interactive.body.text is required (at most 1024 characters)';
  const buttons = isObject(interactive.action) && Array.isArray(interactive.action.buttons) ? interactive.action.buttons : [];
  if (buttons.length < 1 || buttons.length > 3) return '(#131009) interactive.action.buttons must have 1 to 3 buttons';
  const titles = new Set<string>();
  for (const button of buttons) {
    const reply = isObject(button) && button.type === 'reply' && isObject(button.reply) ? button.reply : undefined;
    if (!reply || typeof reply.id !== 'string' || !reply.id || reply.id.length > 256) return '(#131009) each button needs type "reply" and an id of at most 256 characters';
    if (typeof reply.title !== 'string' || !reply.title || [...reply.title].length > 20) return `(#131009) button title "${String(reply.title)}" must have 1 to 20 characters`;
    if (titles.has(reply.title)) return `(#131009) button titles must be unique: "${reply.title}"`;
    titles.add(reply.title);
  }
  return undefined;
}

function accepted(input: string, waId: string, id: string): Record<string, unknown> {
  return { messaging_product: 'whatsapp', contacts: [{ input, wa_id: waId }], messages: [{ id }] };
}

function metaError(res: ServerResponse, code: number, status?: number, message?: string): void {
  const known = META_ERRORS[code];
  const error: Record<string, unknown> = {
    message: message ?? known?.message ?? `(#${code}) error`,
    type: known?.type ?? 'OAuthException',
    code,
    fbtrace_id: `A${randomBytes(8).toString('base64url')}`,
  };
  if (known?.details) error.error_data = { messaging_product: 'whatsapp', details: known.details };
  if (known?.subcode) error.error_subcode = known.subcode;
  if (code === 80007 || code === 4) error.is_transient = true;
  reply(res, status ?? known?.status ?? 400, { error });
}

function graphError(res: ServerResponse, status: number, code: number, message: string, type = 'OAuthException', subcode?: number): void {
  reply(res, status, { error: { message, type, code, ...(subcode ? { error_subcode: subcode } : {}), fbtrace_id: `A${randomBytes(8).toString('base64url')}` } });
}

function reply(res: ServerResponse, status: number, body: unknown): void {
  if (res.headersSent || res.destroyed) return;
  res.writeHead(status, { 'content-type': 'application/json; charset=UTF-8' });
  res.end(JSON.stringify(body));
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
