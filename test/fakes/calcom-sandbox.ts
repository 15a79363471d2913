import { buildGuestsNoShow, buildNoShowUpdated } from './calcom-no-show.js';
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createHmac, randomBytes, randomUUID } from 'node:crypto';

/**
 * Cal.com API v2 + webhooks over real HTTP, following Cal.com's public API v2 reference:
 * - `GET /v2/slots` (public, `cal-api-version: 2024-09-04`; other versions get Nest's 404 because the
 *   old controller lives at `/v2/slots/available`);
 * - `POST /v2/bookings`, `POST /v2/bookings/:uid/cancel|reschedule` (optional auth: no token works, a
 *   bad token is 401), `GET /v2/bookings`, `GET /v2/bookings/:uid` (auth required). Booking endpoints
 *   need `cal-api-version` 2024-08-13 or 2026-02-25; anything else would reach Cal.com's older
 *   controller, whose body shape differs, so the sandbox answers 400 saying so;
 * - errors in the Nest envelope `{status:"error", timestamp, path, error:{code, message, details}}`;
 * - signed webhooks (`X-Cal-Signature-256`) on every booking change, bodies as in §4.8;
 * - event types (`cal-api-version: 2024-06-14`, as `GetEventTypesOutput_2024_06_14` and
 *   `TeamEventTypeOutput_2024_06_14` in Cal.com's source): `GET /v2/event-types` (the key owner's),
 *   `GET /v2/teams`, `GET /v2/teams/:teamId/event-types`. A team event type (round-robin) has several
 *   hosts and may have its own working hours; a booking goes to its first free host, who is the
 *   booking's `hosts[0]` and the webhook's `organizer`.
 * Sandbox-only: the `X-Cal-Company` header on deliveries (our webhook config), fault injection.
 */

export const DEFAULT_API_KEY = 'cal_test_sandbox_key';
export const DEFAULT_EVENT_TYPE_ID = 1001;
const BOOKING_VERSIONS = ['2024-08-13', '2026-02-25'];
const SLOTS_VERSION = '2024-09-04';
const EVENT_TYPES_VERSION = '2024-06-14';
const SLOT_TAKEN = 'User either already has booking at this time or is not available';
const LANGUAGES = [
  'ar', 'ca', 'de', 'es', 'eu', 'he', 'id', 'ja', 'lv', 'pl', 'ro', 'sr', 'th', 'vi', 'az', 'cs', 'el', 'es-419', 'fi', 'hr',
  'it', 'km', 'nl', 'pt', 'ru', 'sv', 'tr', 'zh-CN', 'bg', 'da', 'en', 'et', 'fr', 'hu', 'iw', 'ko', 'no', 'pt-BR', 'sk', 'ta',
  'uk', 'zh-TW', 'bn',
];
const LIST_STATUSES = ['upcoming', 'recurring', 'past', 'cancelled', 'unconfirmed'];

export interface SandboxHost {
  id: number;
  name: string;
  email: string;
  username: string;
  timeZone: string;
}

export interface SandboxEventType {
  id: number;
  slug: string;
  title: string;
  lengthInMinutes: number;
  requiresConfirmation: boolean;
  /** Cal.com's default booking form requires email; phone-only bookings need the event type reconfigured. */
  emailRequired: boolean;
  hidden: boolean;
  /** A team event type: its team's id; its hosts are the team's members. */
  teamId: number | null;
  /** Own availability (a team event type's schedule); else the tenant's working hours. */
  workingHours: WorkingHours | null;
}

export interface SandboxTeam {
  id: number;
  name: string;
  slug: string;
  members: SandboxHost[];
}

export interface WorkingHours {
  /** 0 = Sunday … 6 = Saturday, in the host's zone. */
  days: number[];
  start: string;
  end: string;
}

export interface SandboxWebhook {
  url: string;
  secret: string | null;
  companyId: string;
}

/**
 * Where the join link shows up: `meetingUrl` (Cal Video: meetingUrl + location + metadata.videoCallUrl),
 * `location` (a link location: location only), `metadata` (meetingUrl missing, location
 * `integrations:daily`, link in metadata.videoCallUrl), `none` (an address, no link anywhere).
 */
export type LinkMode = 'meetingUrl' | 'location' | 'metadata' | 'none';

export interface SandboxTenantOptions {
  apiKeys?: string[];
  host?: Partial<SandboxHost>;
  /** Host zone for working hours (shorthand for host.timeZone). Default America/Sao_Paulo. */
  timeZone?: string;
  eventTypes?: Array<Partial<Omit<SandboxEventType, 'workingHours'>> & { id: number; workingHours?: Partial<WorkingHours> }>;
  /** Teams of the key owner (their event types are listed per team). */
  teams?: Array<{ id: number; name?: string; slug?: string; members: Array<Partial<SandboxHost> & { id: number }> }>;
  workingHours?: Partial<WorkingHours>;
  webhook?: SandboxWebhook | null;
  linkMode?: LinkMode;
  address?: string;
}

export interface SandboxTenant {
  apiKeys: Set<string>;
  host: SandboxHost;
  eventTypes: Map<number, SandboxEventType>;
  teams: SandboxTeam[];
  workingHours: WorkingHours;
  webhook: SandboxWebhook | null;
  linkMode: LinkMode;
  address: string;
}

export interface CalcomSandboxOptions {
  tenants?: SandboxTenantOptions[];
  now?: () => Date;
  latencyMs?: number;
  minimumNoticeMinutes?: number;
  /** Delay before each webhook delivery starts (deliveries never block the API answer). */
  webhookDelayMs?: number;
}

export type BookingStatus = 'accepted' | 'pending' | 'cancelled' | 'rejected';

/** A booking exactly as API v2 returns it (BookingOutput_2024_08_13). */
export interface SandboxBooking {
  id: number;
  uid: string;
  title: string;
  description: string;
  hosts: Array<SandboxHost & { displayEmail: string }>;
  status: BookingStatus;
  cancellationReason?: string;
  cancelledByEmail?: string;
  reschedulingReason?: string;
  rescheduledByEmail?: string;
  rescheduledFromUid?: string;
  rescheduledToUid?: string;
  start: string;
  end: string;
  duration: number;
  eventTypeId: number;
  eventType: { id: number; slug: string };
  meetingUrl?: string;
  location: string | null;
  absentHost: boolean;
  createdAt: string;
  updatedAt: string | null;
  metadata: Record<string, string>;
  icsUid: string;
  attendees: Array<{
    name: string;
    email: string;
    displayEmail: string;
    timeZone: string;
    language: string;
    absent: boolean;
    phoneNumber?: string;
  }>;
  guests: string[];
  bookingFieldsResponses: Record<string, unknown>;
}

export interface RecordedRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  headers: IncomingHttpHeaders;
  body: unknown;
  at: Date;
}

export interface WebhookEnvelope {
  triggerEvent: string;
  createdAt: string;
  payload: Record<string, unknown>;
}

export interface WebhookDelivery {
  trigger: string;
  url: string;
  headers: Record<string, string>;
  body: string;
  status: number | null;
  error?: string;
  responseBody?: string;
  at: Date;
}

export interface FaultMatch {
  method?: string;
  /** Exact path, or a RegExp tested against it. */
  path?: string | RegExp;
}

export interface DirectBookingInput {
  eventTypeId?: number;
  start: Date | string;
  attendee: { name: string; email?: string; phoneNumber?: string; timeZone?: string; language?: string };
  metadata?: Record<string, string>;
  notes?: string;
  /** Skip the availability check (e.g. a host booking over their own hours). */
  force?: boolean;
}

interface Fault {
  kind: 'fail' | 'rateLimit' | 'stall' | 'drop';
  phase: 'before' | 'after';
  remaining: number;
  status: number;
  ms: number;
  retryAfterSeconds: number;
  sendRetryAfter: boolean;
  match: FaultMatch;
}

interface Reply {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
}

interface StoredBooking {
  booking: SandboxBooking;
  tenant: SandboxTenant;
  sequence: number;
}

class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    readonly apiMessage: string | string[],
  ) {
    super(Array.isArray(apiMessage) ? apiMessage.join('; ') : apiMessage);
  }
}

const badRequest = (message: string | string[]) => new ApiError(400, 'BadRequestException', message);
const notFound = (message: string) => new ApiError(404, 'NotFoundException', message);
const unauthorized = (message: string) => new ApiError(401, 'UnauthorizedException', message);

export class CalcomSandbox {
  readonly requests: RecordedRequest[] = [];
  readonly webhookDeliveries: WebhookDelivery[] = [];
  latencyMs: number;
  minimumNoticeMinutes: number;
  webhookDelayMs: number;
  slotsShape: 'as-requested' | 'start-only' | 'legacy' = 'as-requested';
  now: () => Date;
  private readonly tenants: SandboxTenant[] = [];
  private readonly store = new Map<string, StoredBooking>();
  private faults: Fault[] = [];
  private readonly pendingWebhooks = new Set<Promise<void>>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private server: Server | null = null;
  private baseUrl = '';
  private nextBookingId = 4521;
  private nextHostId = 7;

  constructor(options: CalcomSandboxOptions = {}) {
    this.now = options.now ?? (() => new Date());
    this.latencyMs = options.latencyMs ?? 0;
    this.minimumNoticeMinutes = options.minimumNoticeMinutes ?? 0;
    this.webhookDelayMs = options.webhookDelayMs ?? 0;
    const tenants = options.tenants ?? [{}];
    for (const tenant of tenants) this.addTenant(tenant);
  }

  get url(): string {
    if (!this.baseUrl) throw new Error('CalcomSandbox is not started');
    return this.baseUrl;
  }

  async start(options: { port?: number; host?: string } = {}): Promise<{ url: string }> {
    const host = options.host ?? '127.0.0.1';
    const server = createServer((req, res) => {
      this.onRequest(req, res).catch((error: unknown) => {
        if (!res.headersSent && !res.destroyed) this.write(res, this.errorReply('/', 500, 'InternalServerErrorException', String(error)));
      });
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port ?? 0, host, () => resolve());
    });
    this.server = server;
    this.baseUrl = `http://${host}:${(server.address() as AddressInfo).port}`;
    return { url: this.baseUrl };
  }

  async stop(): Promise<void> {
    await this.flushWebhooks();
    // Stalled requests are abandoned, not answered.
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    const server = this.server;
    this.server = null;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  addTenant(options: SandboxTenantOptions = {}): SandboxTenant {
    const first = this.tenants.length === 0;
    const host = makeHost(options.host?.id ?? this.nextHostId++, options.host ?? {}, {
      name: 'Dra. Ana Souza',
      timeZone: options.timeZone ?? 'America/Sao_Paulo',
    });
    const eventTypes = new Map<number, SandboxEventType>();
    for (const et of options.eventTypes ?? (first ? [{ id: DEFAULT_EVENT_TYPE_ID }] : [])) {
      if (this.tenants.some((t) => t.eventTypes.has(et.id))) throw new Error(`event type ${et.id} already exists`);
      eventTypes.set(et.id, {
        id: et.id,
        slug: et.slug ?? 'consulta',
        title: et.title ?? 'Consulta',
        lengthInMinutes: et.lengthInMinutes ?? 30,
        requiresConfirmation: et.requiresConfirmation ?? false,
        emailRequired: et.emailRequired ?? false,
        hidden: et.hidden ?? false,
        teamId: et.teamId ?? null,
        workingHours: et.workingHours ? { days: [1, 2, 3, 4, 5], start: '09:00', end: '18:00', ...et.workingHours } : null,
      });
    }
    const teams: SandboxTeam[] = (options.teams ?? []).map((team) => ({
      id: team.id,
      name: team.name ?? `Equipe ${team.id}`,
      slug: team.slug ?? `equipe-${team.id}`,
      members: team.members.map((m) => makeHost(m.id, m, { name: `Profissional ${m.id}`, timeZone: host.timeZone })),
    }));
    const tenant: SandboxTenant = {
      apiKeys: new Set(options.apiKeys ?? (first ? [DEFAULT_API_KEY] : [])),
      host,
      eventTypes,
      teams,
      workingHours: { days: [1, 2, 3, 4, 5], start: '09:00', end: '18:00', ...options.workingHours },
      webhook: options.webhook ?? null,
      linkMode: options.linkMode ?? 'meetingUrl',
      address: options.address ?? 'Rua Augusta, 1500 - São Paulo',
    };
    this.tenants.push(tenant);
    return tenant;
  }

  /** The tenant owning an API key or an event type id; mutable (webhook, linkMode, workingHours…). */
  tenant(ref: string | number = DEFAULT_EVENT_TYPE_ID): SandboxTenant {
    const found = typeof ref === 'number' ? this.tenantByEventType(ref) : this.tenantByKey(ref);
    if (!found) throw new Error(`no sandbox tenant for ${ref}`);
    return found;
  }

  bookings(): SandboxBooking[] {
    return [...this.store.values()].map((s) => structuredClone(s.booking));
  }

  booking(uid: string): SandboxBooking | undefined {
    const stored = this.store.get(uid);
    return stored ? structuredClone(stored.booking) : undefined;
  }

  reset(): void {
    this.store.clear();
    this.requests.length = 0;
    this.webhookDeliveries.length = 0;
    this.faults = [];
    this.slotsShape = 'as-requested';
  }

  /** The next `n` matching requests answer `status` in the error envelope without being processed. */
  failNext(n: number, status = 500, match: FaultMatch = {}): void {
    this.addFault({ kind: 'fail', phase: 'before', remaining: n, status, match });
  }

  /** The next `n` matching requests get 429 ThrottlerException with rate-limit headers. */
  rateLimitNext(n: number, options: { retryAfterSeconds?: number; sendRetryAfter?: boolean; match?: FaultMatch } = {}): void {
    this.addFault({
      kind: 'rateLimit',
      phase: 'before',
      remaining: n,
      status: 429,
      retryAfterSeconds: options.retryAfterSeconds ?? 1,
      sendRetryAfter: options.sendRetryAfter ?? true,
      match: options.match ?? {},
    });
  }

  /**
   * The next `n` matching requests hang `ms`. `before` (default): nothing is processed if the client
   * gave up meanwhile. `after`: processed at once, answer held back (Cal.com slow after committing).
   */
  stallNext(n: number, ms: number, options: { when?: 'before' | 'after'; match?: FaultMatch } = {}): void {
    this.addFault({ kind: 'stall', phase: options.when ?? 'before', remaining: n, ms, match: options.match ?? {} });
  }

  /** The next matching request (default: the next POST) is processed, then its socket destroyed unanswered. */
  acceptThenDropNext(n = 1, match: FaultMatch = { method: 'POST' }): void {
    this.addFault({ kind: 'drop', phase: 'after', remaining: n, match });
  }

  /** A booking made in Cal.com by someone else (host, booking page); fires BOOKING_CREATED. */
  createBookingDirectly(input: DirectBookingInput): SandboxBooking {
    const eventTypeId = input.eventTypeId ?? DEFAULT_EVENT_TYPE_ID;
    const tenant = this.tenant(eventTypeId);
    const eventType = tenant.eventTypes.get(eventTypeId)!;
    const start = new Date(input.start);
    if (!input.force && !this.isBookable(tenant, eventType, start)) throw new Error(SLOT_TAKEN);
    const booking = this.insertBooking(tenant, eventType, start, {
      name: input.attendee.name,
      email: input.attendee.email,
      phoneNumber: input.attendee.phoneNumber,
      timeZone: input.attendee.timeZone ?? tenant.host.timeZone,
      language: input.attendee.language ?? 'pt-BR',
    }, input.metadata ?? {}, input.notes);
    return structuredClone(booking);
  }

  /**
   * A booking Cal.com accepted at a start that is already taken: another professional's (`host`), or
   * the same host's through a seated event or one of Cal.com's own races (no `host`). Skips the
   * availability check and fires BOOKING_CREATED naming that host as `organizer`.
   */
  createOverlappingBooking(input: Omit<DirectBookingInput, 'force'> & { host?: Partial<SandboxHost> }): SandboxBooking {
    const tenant = this.tenant(input.eventTypeId ?? DEFAULT_EVENT_TYPE_ID);
    const webhook = tenant.webhook;
    tenant.webhook = null; // announced below, once the host is set
    let created: SandboxBooking;
    try {
      created = this.createBookingDirectly({ ...input, force: true });
    } finally {
      tenant.webhook = webhook;
    }
    const stored = this.store.get(created.uid)!;
    if (input.host) {
      const hostId = input.host.id ?? this.nextHostId++;
      const host = makeHost(hostId, input.host, { name: `Profissional ${hostId}`, timeZone: tenant.host.timeZone });
      stored.booking.hosts = [{ ...host, displayEmail: host.email }];
      stored.booking.title = stored.booking.title.replace(` between ${tenant.host.name} and `, ` between ${host.name} and `);
    }
    this.emit(stored, stored.booking.status === 'pending' ? 'BOOKING_REQUESTED' : 'BOOKING_CREATED', {});
    return structuredClone(stored.booking);
  }

  /** Cancels as the host would in the Cal.com UI; fires BOOKING_CANCELLED. */
  cancelBookingDirectly(uid: string, reason?: string): SandboxBooking {
    const stored = this.store.get(uid);
    if (!stored) throw new Error(`no booking ${uid}`);
    return structuredClone(this.applyCancel(stored, reason, stored.tenant.host.email));
  }

  /** Reschedules as the attendee would on the booking page; fires BOOKING_RESCHEDULED. */
  rescheduleBookingDirectly(uid: string, start: Date | string, reason?: string): SandboxBooking {
    const stored = this.store.get(uid);
    if (!stored) throw new Error(`no booking ${uid}`);
    return structuredClone(this.applyReschedule(stored, new Date(start), reason, stored.booking.attendees[0]?.email));
  }

  /** Marks the attendee absent (or not) as the host would in Cal.com; fires BOOKING_NO_SHOW_UPDATED. */
  markAbsentDirectly(uid: string, absent = true): SandboxBooking {
    const stored = this.store.get(uid);
    if (!stored) throw new Error(`no booking ${uid}`);
    for (const attendee of stored.booking.attendees) attendee.absent = absent;
    stored.booking.updatedAt = this.now().toISOString();
    this.send(stored, buildNoShowUpdated(stored.booking, this.now().toISOString()));
    return structuredClone(stored.booking);
  }

  /** No guest joined the Cal Video call in time; fires AFTER_GUESTS_CAL_VIDEO_NO_SHOW. */
  guestsDidNotJoin(uid: string): SandboxBooking {
    const stored = this.store.get(uid);
    if (!stored) throw new Error(`no booking ${uid}`);
    this.send(stored, buildGuestsNoShow(stored.booking, this.now().toISOString()));
    return structuredClone(stored.booking);
  }

  buildWebhook(trigger: string, booking: SandboxBooking, overrides: Record<string, unknown> = {}): WebhookEnvelope {
    return buildWebhook(trigger, booking, overrides);
  }

  /** Delivers an envelope to the booking's tenant (after `webhookDelayMs`); `flushWebhooks()` waits for it. */
  private send(stored: StoredBooking, envelope: WebhookEnvelope): void {
    const webhook = stored.tenant.webhook;
    if (!webhook) return;
    const body = JSON.stringify(envelope);
    const delivery = (async () => {
      if (this.webhookDelayMs > 0) await this.delay(this.webhookDelayMs);
      await this.deliverWebhook(body, webhook).catch(() => undefined);
    })();
    this.pendingWebhooks.add(delivery);
    void delivery.finally(() => this.pendingWebhooks.delete(delivery));
  }

  /**
   * POSTs a webhook like Cal.com does (signed over the exact bytes). Unset `target` fields come from
   * the first tenant with a webhook. `signature` overrides the header value (`null`: no header).
   */
  async deliverWebhook(
    envelope: WebhookEnvelope | string,
    target: Partial<SandboxWebhook> & { signature?: string | null; headers?: Record<string, string> } = {},
  ): Promise<{ status: number; body: string }> {
    const configured = this.tenants.find((t) => t.webhook)?.webhook;
    const url = target.url ?? configured?.url;
    if (!url) throw new Error('no webhook url configured');
    const secret = target.secret === undefined ? (configured?.secret ?? null) : target.secret;
    const companyId = target.companyId ?? configured?.companyId;
    const body = typeof envelope === 'string' ? envelope : JSON.stringify(envelope);
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      'x-cal-webhook-version': '2021-10-20',
      ...(companyId ? { 'x-cal-company': companyId } : {}),
      ...target.headers,
    };
    const signature = target.signature === undefined ? (secret === null ? 'no-secret-provided' : signBody(secret, body)) : target.signature;
    if (signature !== null) headers['x-cal-signature-256'] = signature;
    const trigger = typeof envelope === 'string' ? triggerOf(body) : envelope.triggerEvent;
    const delivery: WebhookDelivery = { trigger, url, headers, body, status: null, at: new Date() };
    this.webhookDeliveries.push(delivery);
    try {
      // Cal.com does not follow redirects on webhook deliveries.
      const response = await fetch(url, { method: 'POST', headers, body, redirect: 'manual', signal: AbortSignal.timeout(10_000) });
      delivery.status = response.status;
      delivery.responseBody = await response.text();
      return { status: response.status, body: delivery.responseBody };
    } catch (error) {
      delivery.error = String(error);
      throw error;
    }
  }

  /** Waits for the webhooks fired so far to be delivered (or to fail). */
  async flushWebhooks(): Promise<void> {
    while (this.pendingWebhooks.size > 0) await Promise.all([...this.pendingWebhooks]);
  }

  private addFault(fault: Partial<Fault> & Pick<Fault, 'kind' | 'phase' | 'remaining' | 'match'>): void {
    this.faults.push({ status: 0, ms: 0, retryAfterSeconds: 1, sendRetryAfter: true, ...fault });
  }

  private takeFault(phase: Fault['phase'], method: string, path: string): Fault | undefined {
    const fault = this.faults.find((f) => f.phase === phase && f.remaining > 0 && matches(f.match, method, path));
    if (fault) fault.remaining--;
    this.faults = this.faults.filter((f) => f.remaining > 0);
    return fault;
  }

  private async onRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const raw = await readBody(req);
    const url = new URL(req.url ?? '/', 'http://sandbox');
    const method = req.method ?? 'GET';
    const path = url.pathname;
    const body = parseJson(raw);
    this.requests.push({ method, path, query: Object.fromEntries(url.searchParams), headers: { ...req.headers }, body: body ?? raw, at: new Date() });
    if (this.latencyMs > 0) await this.delay(this.latencyMs);

    const before = this.takeFault('before', method, path);
    if (before?.kind === 'stall') {
      await this.delay(before.ms);
      if (req.socket.destroyed) return;
    }
    if (before?.kind === 'fail') return this.write(res, this.failureReply(path, before.status));
    if (before?.kind === 'rateLimit') return this.write(res, this.throttledReply(path, before));

    const reply = this.dispatch(method, path, url.searchParams, raw, body, req.headers);
    const after = this.takeFault('after', method, path);
    if (after?.kind === 'drop') {
      req.socket.destroy();
      return;
    }
    if (after?.kind === 'stall') await this.delay(after.ms);
    this.write(res, reply);
  }

  private dispatch(method: string, path: string, query: URLSearchParams, raw: string, body: unknown, headers: IncomingHttpHeaders): Reply {
    try {
      return this.route(method, path, query, raw, body, headers);
    } catch (error) {
      if (error instanceof ApiError) return this.errorReply(path, error.status, error.code, error.apiMessage);
      throw error;
    }
  }

  private route(method: string, path: string, query: URLSearchParams, raw: string, body: unknown, headers: IncomingHttpHeaders): Reply {
    const version = header(headers, 'cal-api-version');
    if (method === 'GET' && path === '/v2/slots') {
      if (version !== SLOTS_VERSION) throw notFound(`Cannot GET ${path}`);
      return this.getSlots(query);
    }
    if (method === 'GET' && (path === '/v2/event-types' || path === '/v2/teams' || /^\/v2\/teams\/[^/]+\/event-types$/.test(path))) {
      return this.eventTypesRoute(path, version, headers);
    }
    const bookingPath = /^\/v2\/bookings(?:\/([^/]+))?(?:\/(cancel|reschedule))?$/.exec(path);
    if (!bookingPath) throw notFound(`Cannot ${method} ${path}`);
    const [, uid, action] = bookingPath;
    if (!version || !BOOKING_VERSIONS.includes(version)) {
      throw badRequest(
        `cal-api-version "${version ?? ''}" is not served by this sandbox: bookings need 2024-08-13 or 2026-02-25 ` +
          '(older versions expect a different body and response shape)',
      );
    }
    const caller = this.authenticate(headers);
    if (method === 'POST' && !uid) return this.createBooking(parseBody(raw, body));
    if (method === 'POST' && uid && action === 'cancel') return this.cancelBooking(caller, decodeURIComponent(uid), parseBody(raw, body));
    if (method === 'POST' && uid && action === 'reschedule') return this.rescheduleBooking(decodeURIComponent(uid), parseBody(raw, body));
    if (method === 'GET' && !action) {
      if (!caller) throw unauthorized('No authentication method provided');
      return uid ? this.getBooking(caller, decodeURIComponent(uid)) : this.listBookings(caller, query);
    }
    throw notFound(`Cannot ${method} ${path}`);
  }

  /**
   * `GET /v2/event-types` and `GET /v2/teams` need a key; a team's event types are public (but a
   * bad key is still a 401). Event types need `cal-api-version: 2024-06-14` (an older controller,
   * with another shape, answers without it: the sandbox refuses instead).
   */
  private eventTypesRoute(path: string, version: string | undefined, headers: IncomingHttpHeaders): Reply {
    const caller = this.authenticate(headers);
    if (path === '/v2/teams') {
      if (!caller) throw unauthorized('No authentication method provided');
      return { status: 200, body: { status: 'success', data: caller.teams.map((t) => ({ id: t.id, name: t.name, slug: t.slug, isOrganization: false, parentId: null, timeZone: caller.host.timeZone })) } };
    }
    if (version !== EVENT_TYPES_VERSION) {
      throw badRequest(`cal-api-version "${version ?? ''}" is not served by this sandbox: event types need ${EVENT_TYPES_VERSION}`);
    }
    if (path === '/v2/event-types') {
      if (!caller) throw unauthorized('No authentication method provided');
      const own = [...caller.eventTypes.values()].filter((et) => et.teamId === null);
      return { status: 200, body: { status: 'success', data: own.map((et) => eventTypeOutput(et, caller)) } };
    }
    const teamId = Number(path.split('/')[3]);
    if (!Number.isInteger(teamId)) throw badRequest(['Validation failed (numeric string is expected)']);
    const owner = this.tenants.find((t) => t.teams.some((team) => team.id === teamId));
    const team = owner?.teams.find((t) => t.id === teamId);
    if (!owner || !team) return { status: 200, body: { status: 'success', data: [] } };
    const types = [...owner.eventTypes.values()].filter((et) => et.teamId === teamId);
    return { status: 200, body: { status: 'success', data: types.map((et) => teamEventTypeOutput(et, team)) } };
  }

  /** Optional auth: no token is anonymous; a token we do not know is always a 401. */
  private authenticate(headers: IncomingHttpHeaders): SandboxTenant | null {
    const authorization = header(headers, 'authorization');
    if (!authorization) return null;
    const token = /^Bearer\s+(.+)$/i.exec(authorization)?.[1]?.trim();
    const tenant = token ? this.tenantByKey(token) : undefined;
    if (!tenant) throw unauthorized('Invalid API Key');
    return tenant;
  }

  private getSlots(query: URLSearchParams): Reply {
    const eventTypeId = query.get('eventTypeId');
    if (!eventTypeId) {
      throw badRequest('Either eventTypeId, eventTypeSlug + username, eventTypeSlug + teamSlug or usernames must be provided');
    }
    const { tenant, eventType } = this.eventType(Number(eventTypeId));
    const start = parseRangeBound(query.get('start'), 'start');
    const end = parseRangeBound(query.get('end'), 'end');
    const timeZone = query.get('timeZone') ?? 'UTC';
    const format = query.get('format') ?? 'time';
    const problems = [
      ...(start ? [] : ['start must be a valid ISO 8601 date string']),
      ...(end ? [] : ['end must be a valid ISO 8601 date string']),
      ...(isTimeZone(timeZone) ? [] : ['timeZone must be a valid IANA time-zone']),
      ...(format === 'time' || format === 'range' ? [] : ['format must be one of the following values: time, range']),
    ];
    if (problems.length > 0 || !start || !end) throw badRequest(problems);
    if (end < start) throw badRequest("Invalid time range given - check the 'start' and 'end' query parameters.");

    const starts = this.freeSlots(tenant, eventType, start, end);
    const lengthMs = eventType.lengthInMinutes * 60_000;
    if (this.slotsShape === 'legacy') {
      const slots: Record<string, Array<{ time: string }>> = {};
      for (const s of starts) (slots[localDate(s, timeZone)] ??= []).push({ time: s.toISOString() });
      return { status: 200, body: { status: 'success', data: { slots } } };
    }
    const range = format === 'range' && this.slotsShape !== 'start-only';
    const data: Record<string, Array<{ start: string; end?: string }>> = {};
    for (const s of starts) {
      const slot = range ? { start: isoInZone(s, timeZone), end: isoInZone(new Date(s.getTime() + lengthMs), timeZone) } : { start: isoInZone(s, timeZone) };
      (data[localDate(s, timeZone)] ??= []).push(slot);
    }
    return { status: 200, body: { status: 'success', data } };
  }

  private createBooking(body: Record<string, unknown>): Reply {
    const problems = validateCreate(body);
    if (problems.length > 0) throw badRequest(problems);
    const { tenant, eventType } = this.eventType(body.eventTypeId as number);
    const attendee = body.attendee as Record<string, string | undefined>;
    if (eventType.emailRequired && !attendee.email) throw badRequest('Missing required booking field: email');
    const start = new Date(body.start as string);
    this.assertBookable(tenant, eventType, start);
    const booking = this.insertBooking(
      tenant,
      eventType,
      start,
      {
        name: attendee.name!,
        email: attendee.email,
        phoneNumber: attendee.phoneNumber,
        timeZone: attendee.timeZone!,
        language: attendee.language ?? 'en',
      },
      (body.metadata as Record<string, string> | undefined) ?? {},
      notesOf(body.bookingFieldsResponses),
    );
    return { status: 201, body: { status: 'success', data: booking } };
  }

  private cancelBooking(caller: SandboxTenant | null, uid: string, body: Record<string, unknown>): Reply {
    const stored = this.stored(uid);
    if (stored.booking.status === 'cancelled' || stored.booking.status === 'rejected') {
      throw badRequest('This booking has already been cancelled.');
    }
    const reason = typeof body.cancellationReason === 'string' ? body.cancellationReason : undefined;
    const by = caller === stored.tenant ? stored.tenant.host.email : stored.booking.attendees[0]?.email;
    const booking = this.applyCancel(stored, reason, by);
    return { status: 200, body: { status: 'success', data: booking } };
  }

  private rescheduleBooking(uid: string, body: Record<string, unknown>): Reply {
    if (!isUtcIso(body.start)) throw badRequest(['start must be a valid ISO 8601 date string in UTC']);
    const stored = this.stored(uid);
    if (stored.booking.status === 'cancelled' || stored.booking.status === 'rejected') {
      throw badRequest(`Booking with uid=${uid} is cancelled and cannot be rescheduled`);
    }
    const reason = typeof body.reschedulingReason === 'string' ? body.reschedulingReason : undefined;
    const by = typeof body.rescheduledBy === 'string' ? body.rescheduledBy : undefined;
    const booking = this.applyReschedule(stored, new Date(body.start), reason, by);
    return { status: 201, body: { status: 'success', data: booking } };
  }

  private getBooking(caller: SandboxTenant, uid: string): Reply {
    const stored = this.store.get(uid);
    if (!stored || stored.tenant !== caller) throw notFound(`Booking with uid=${uid} not found`);
    return { status: 200, body: { status: 'success', data: stored.booking } };
  }

  private listBookings(caller: SandboxTenant, query: URLSearchParams): Reply {
    const take = query.has('take') ? Number(query.get('take')) : 100;
    const skip = query.has('skip') ? Number(query.get('skip')) : 0;
    const statuses = query.get('status')?.split(',').map((s) => s.trim());
    const afterStart = query.get('afterStart');
    const beforeEnd = query.get('beforeEnd');
    const problems = [
      ...(Number.isInteger(take) && take >= 1 && take <= 250 ? [] : ['take must not be greater than 250', 'take must not be less than 1']),
      ...(Number.isInteger(skip) && skip >= 0 ? [] : ['skip must not be less than 0']),
      ...(statuses && !statuses.every((s) => LIST_STATUSES.includes(s)) ? ['Invalid status. Allowed are upcoming, recurring, past, cancelled, unconfirmed'] : []),
      ...(afterStart && !isIso(afterStart) ? ['fromDate must be a valid ISO 8601 date.'] : []),
      ...(beforeEnd && !isIso(beforeEnd) ? ['toDate must be a valid ISO 8601 date.'] : []),
    ];
    if (problems.length > 0) throw badRequest(problems);

    const now = this.now().getTime();
    const descending = query.get('sortStart') === 'desc';
    const filtered = [...this.store.values()]
      .filter((s) => s.tenant === caller)
      .map((s) => s.booking)
      .filter((b) => !statuses || statuses.some((s) => matchesListStatus(b, s, now)))
      .filter((b) => !afterStart || Date.parse(b.start) >= Date.parse(afterStart))
      .filter((b) => !beforeEnd || Date.parse(b.end) <= Date.parse(beforeEnd))
      .filter((b) => !query.get('eventTypeId') || b.eventTypeId === Number(query.get('eventTypeId')))
      .filter((b) => !query.get('attendeeEmail') || b.attendees.some((a) => a.email === query.get('attendeeEmail')))
      .filter((b) => !query.get('bookingUid') || b.uid === query.get('bookingUid'))
      .sort((a, b) => (descending ? -1 : 1) * (Date.parse(a.start) - Date.parse(b.start)));
    const page = filtered.slice(skip, skip + take);
    const totalPages = Math.ceil(filtered.length / take);
    return {
      status: 200,
      body: {
        status: 'success',
        data: page,
        pagination: {
          totalItems: filtered.length,
          remainingItems: Math.max(0, filtered.length - (skip + take)),
          returnedItems: page.length,
          itemsPerPage: take,
          currentPage: Math.floor(skip / take) + 1,
          totalPages,
          hasNextPage: skip + take < filtered.length,
          hasPreviousPage: skip > 0,
        },
      },
    };
  }

  private insertBooking(
    tenant: SandboxTenant,
    eventType: SandboxEventType,
    start: Date,
    attendee: { name: string; email?: string; phoneNumber?: string; timeZone: string; language: string },
    metadata: Record<string, string>,
    notes: string | undefined,
    from?: StoredBooking,
  ): SandboxBooking {
    const uid = newUid();
    const link = `https://app.cal.com/video/${uid}`;
    const lengthMs = eventType.lengthInMinutes * 60_000;
    // Round-robin: the first host free at that time (a forced booking falls back to the first host).
    const candidates = this.hostsOf(tenant, eventType);
    const host = candidates.find((h) => !this.busy(h.id, start.getTime(), start.getTime() + lengthMs, from?.booking.uid)) ?? candidates[0]!;
    const video = tenant.linkMode === 'meetingUrl' || tenant.linkMode === 'metadata';
    const { videoCallUrl: _previous, ...ownMetadata } = metadata;
    // Phone-only bookings get a faux address (contructEmailFromPhoneNumber in Cal.com).
    const email = attendee.email ?? `${attendee.phoneNumber?.replace(/\D/g, '')}@sms.cal.com`;
    const booking: SandboxBooking = {
      id: this.nextBookingId++,
      uid,
      title: `${eventType.title} between ${host.name} and ${attendee.name}`,
      description: notes ?? '',
      hosts: [{ ...host, displayEmail: host.email }],
      status: eventType.requiresConfirmation ? 'pending' : 'accepted',
      start: start.toISOString(),
      end: new Date(start.getTime() + eventType.lengthInMinutes * 60_000).toISOString(),
      duration: eventType.lengthInMinutes,
      eventTypeId: eventType.id,
      eventType: { id: eventType.id, slug: eventType.slug },
      ...(tenant.linkMode === 'meetingUrl' ? { meetingUrl: link } : {}),
      location: tenant.linkMode === 'metadata' ? 'integrations:daily' : tenant.linkMode === 'none' ? tenant.address : link,
      absentHost: false,
      createdAt: this.now().toISOString(),
      updatedAt: null,
      metadata: { ...ownMetadata, ...(video ? { videoCallUrl: link } : {}) },
      icsUid: from?.booking.icsUid ?? `${uid}@Cal.com`,
      attendees: [
        {
          name: attendee.name,
          email,
          displayEmail: email,
          timeZone: attendee.timeZone,
          language: attendee.language,
          absent: false,
          ...(attendee.phoneNumber ? { phoneNumber: attendee.phoneNumber } : {}),
        },
      ],
      guests: [],
      bookingFieldsResponses: {
        name: attendee.name,
        ...(attendee.email ? { email: attendee.email } : {}),
        ...(attendee.phoneNumber ? { attendeePhoneNumber: attendee.phoneNumber } : {}),
        ...(notes ? { notes } : {}),
      },
    };
    const stored: StoredBooking = { booking, tenant, sequence: from ? from.sequence + 1 : 0 };
    this.store.set(uid, stored);
    if (!from) this.emit(stored, booking.status === 'pending' ? 'BOOKING_REQUESTED' : 'BOOKING_CREATED', {});
    return booking;
  }

  private applyCancel(stored: StoredBooking, reason: string | undefined, by: string | undefined): SandboxBooking {
    const booking = stored.booking;
    booking.status = 'cancelled';
    if (reason !== undefined) booking.cancellationReason = reason;
    if (by) booking.cancelledByEmail = by;
    booking.updatedAt = this.now().toISOString();
    stored.sequence++;
    this.emit(stored, 'BOOKING_CANCELLED', { cancellationReason: reason ?? '', cancelledBy: by ?? null });
    return booking;
  }

  private applyReschedule(stored: StoredBooking, start: Date, reason: string | undefined, by: string | undefined): SandboxBooking {
    const old = stored.booking;
    const eventType = stored.tenant.eventTypes.get(old.eventTypeId)!;
    this.assertBookable(stored.tenant, eventType, start, old.uid);
    const attendee = old.attendees[0]!;
    const booking = this.insertBooking(
      stored.tenant,
      eventType,
      start,
      {
        name: attendee.name,
        email: attendee.email.endsWith('@sms.cal.com') ? undefined : attendee.email,
        phoneNumber: attendee.phoneNumber,
        timeZone: attendee.timeZone,
        language: attendee.language,
      },
      old.metadata,
      old.description || undefined,
      stored,
    );
    booking.rescheduledFromUid = old.uid;
    if (reason !== undefined) booking.reschedulingReason = reason;
    if (by) booking.rescheduledByEmail = by;
    old.status = 'cancelled';
    old.rescheduledToUid = booking.uid;
    old.updatedAt = this.now().toISOString();
    this.emit(this.store.get(booking.uid)!, 'BOOKING_RESCHEDULED', {
      rescheduleId: old.id,
      rescheduleUid: old.uid,
      rescheduleStartTime: webhookTime(old.start),
      rescheduleEndTime: webhookTime(old.end),
      rescheduledBy: by ?? attendee.email,
      ...(reason ? { rescheduleReason: reason } : {}),
    });
    return booking;
  }

  private emit(stored: StoredBooking, trigger: string, extra: Record<string, unknown>): void {
    if (!stored.tenant.webhook) return;
    const eventType = stored.tenant.eventTypes.get(stored.booking.eventTypeId);
    const envelope = buildWebhook(trigger, stored.booking, {
      createdAt: this.now().toISOString(),
      iCalSequence: stored.sequence,
      eventTitle: eventType?.title,
      requiresConfirmation: eventType?.requiresConfirmation ?? false,
      ...extra,
    });
    this.send(stored, envelope);
  }

  /** Who can run an event type: its team's members, or the key owner. */
  private hostsOf(tenant: SandboxTenant, eventType: SandboxEventType): SandboxHost[] {
    const team = eventType.teamId === null ? undefined : tenant.teams.find((t) => t.id === eventType.teamId);
    return team && team.members.length > 0 ? team.members : [tenant.host];
  }

  private freeSlots(tenant: SandboxTenant, eventType: SandboxEventType, from: Date, to: Date, ignoreUid?: string): Date[] {
    const zone = tenant.host.timeZone;
    const lengthMs = eventType.lengthInMinutes * 60_000;
    const earliest = this.now().getTime() + this.minimumNoticeMinutes * 60_000;
    const hours = eventType.workingHours ?? tenant.workingHours;
    const hosts = this.hostsOf(tenant, eventType);
    const [openH, openM] = hours.start.split(':').map(Number) as [number, number];
    const [closeH, closeM] = hours.end.split(':').map(Number) as [number, number];
    const first = zonedParts(new Date(from.getTime() - 86_400_000), zone);
    const days = Math.ceil((to.getTime() - from.getTime()) / 86_400_000) + 3;
    const result: Date[] = [];
    for (let i = 0; i < days; i++) {
      const day = new Date(Date.UTC(first.year, first.month - 1, first.day + i));
      if (!hours.days.includes(day.getUTCDay())) continue;
      for (let minute = openH * 60 + openM; minute + eventType.lengthInMinutes <= closeH * 60 + closeM; minute += eventType.lengthInMinutes) {
        const start = localToUtc(day.getUTCFullYear(), day.getUTCMonth() + 1, day.getUTCDate(), Math.floor(minute / 60), minute % 60, zone);
        const t = start.getTime();
        if (t < from.getTime() || t > to.getTime() || t < earliest) continue;
        if (hosts.every((h) => this.busy(h.id, t, t + lengthMs, ignoreUid))) continue;
        result.push(start);
      }
    }
    return result;
  }

  /** A host is busy when any booking of theirs (any event type) overlaps. */
  private busy(hostId: number, start: number, end: number, ignoreUid?: string): boolean {
    for (const { booking } of this.store.values()) {
      if (booking.uid === ignoreUid || !booking.hosts.some((h) => h.id === hostId)) continue;
      if (booking.status !== 'accepted' && booking.status !== 'pending') continue;
      if (Date.parse(booking.start) < end && Date.parse(booking.end) > start) return true;
    }
    return false;
  }

  private isBookable(tenant: SandboxTenant, eventType: SandboxEventType, start: Date, ignoreUid?: string): boolean {
    return this.freeSlots(tenant, eventType, start, start, ignoreUid).some((s) => s.getTime() === start.getTime());
  }

  private assertBookable(tenant: SandboxTenant, eventType: SandboxEventType, start: Date, ignoreUid?: string): void {
    if (start.getTime() < this.now().getTime()) throw badRequest('Attempting to book a meeting in the past.');
    if (!this.isBookable(tenant, eventType, start, ignoreUid)) throw badRequest(SLOT_TAKEN);
  }

  private eventType(id: number): { tenant: SandboxTenant; eventType: SandboxEventType } {
    const tenant = this.tenantByEventType(id);
    const eventType = tenant?.eventTypes.get(id);
    if (!tenant || !eventType) throw notFound(`Event type with id=${id} not found`);
    return { tenant, eventType };
  }

  private stored(uid: string): StoredBooking {
    const stored = this.store.get(uid);
    if (!stored) throw notFound(`Booking with uid=${uid} not found`);
    return stored;
  }

  private tenantByKey(key: string): SandboxTenant | undefined {
    return this.tenants.find((t) => t.apiKeys.has(key));
  }

  private tenantByEventType(id: number): SandboxTenant | undefined {
    return this.tenants.find((t) => t.eventTypes.has(id));
  }

  private failureReply(path: string, status: number): Reply {
    const codes: Record<number, string> = {
      500: 'InternalServerErrorException',
      502: 'BadGatewayException',
      503: 'ServiceUnavailableException',
      504: 'GatewayTimeoutException',
    };
    return this.errorReply(path, status, codes[status] ?? 'HttpException', status >= 500 ? 'Internal server error' : `HTTP ${status}`);
  }

  private throttledReply(path: string, fault: Fault): Reply {
    const reply = this.errorReply(path, 429, 'ThrottlerException', 'Too many requests. Please try again later.');
    reply.headers = {
      'x-ratelimit-limit-default': '120',
      'x-ratelimit-remaining-default': '0',
      'x-ratelimit-reset-default': String(fault.retryAfterSeconds),
      ...(fault.sendRetryAfter ? { 'retry-after': String(fault.retryAfterSeconds) } : {}),
    };
    return reply;
  }

  private errorReply(path: string, status: number, code: string, message: string | string[]): Reply {
    return {
      status,
      body: {
        status: 'error',
        timestamp: new Date().toISOString(),
        path,
        error: { code, message, details: { message, error: reasonPhrase(status), statusCode: status } },
      },
    };
  }

  private write(res: ServerResponse, reply: Reply): void {
    if (res.headersSent || res.destroyed) return;
    res.writeHead(reply.status, {
      'content-type': 'application/json; charset=utf-8',
      'x-request-id': randomUUID(),
      // Sent on every throttled route, not only on 429s (a client must not read them as "wait").
      'x-ratelimit-limit-default': '120',
      'x-ratelimit-remaining-default': '119',
      'x-ratelimit-reset-default': '60',
      ...reply.headers,
    });
    res.end(JSON.stringify(reply.body));
  }

  private delay(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.timers.delete(timer);
        resolve();
      }, ms);
      this.timers.add(timer);
    });
  }
}

/**
 * A webhook body as Cal.com sends it (§4.7/4.8): UPPER-CASE status, `startTime` without milliseconds
 * (`…:00Z`, or `…+00:00` on BOOKING_CANCELLED), no `metadata` on cancellations. `overrides`: `createdAt`
 * sets the envelope field; every other key patches the payload (`undefined` removes it).
 */
export function buildWebhook(trigger: string, booking: SandboxBooking, overrides: Record<string, unknown> = {}): WebhookEnvelope {
  const { createdAt, ...patch } = overrides;
  const cancelled = trigger === 'BOOKING_CANCELLED' || trigger === 'BOOKING_REJECTED';
  const time = (iso: string) => (cancelled ? webhookTime(iso).replace(/Z$/, '+00:00') : webhookTime(iso));
  const host = booking.hosts[0]!;
  const start = new Date(booking.start);
  const daily = booking.location === 'integrations:daily' || booking.meetingUrl !== undefined;
  const location = daily ? 'integrations:daily' : (booking.location ?? '');
  const attendees = booking.attendees.map((a) => {
    const [firstName = '', ...rest] = a.name.split(' ');
    return {
      email: a.email,
      name: a.name,
      firstName,
      lastName: rest.join(' '),
      timeZone: a.timeZone,
      phoneNumber: a.phoneNumber ?? null,
      language: { locale: a.language },
      utcOffset: offsetMinutes(start, a.timeZone),
    };
  });
  const attendee = booking.attendees[0];
  const payload: Record<string, unknown> = {
    bookerUrl: 'https://cal.com',
    type: booking.eventType.slug,
    title: booking.title,
    description: booking.description,
    additionalNotes: booking.description,
    customInputs: {},
    startTime: time(booking.start),
    endTime: time(booking.end),
    organizer: {
      id: host.id,
      name: host.name,
      email: host.email,
      username: host.username,
      timeZone: host.timeZone,
      language: { locale: 'en' },
      timeFormat: 'h:mma',
      utcOffset: offsetMinutes(start, host.timeZone),
    },
    attendees,
    responses: {
      name: { label: 'your_name', value: attendee?.name ?? '', isHidden: false },
      email: { label: 'email_address', value: attendee?.email ?? '', isHidden: false },
      ...(attendee?.phoneNumber ? { attendeePhoneNumber: { label: 'phone_number', value: attendee.phoneNumber, isHidden: false } } : {}),
      location: { label: 'location', value: { optionValue: '', value: location }, isHidden: false },
      ...(booking.description ? { notes: { label: 'additional_notes', value: booking.description, isHidden: false } } : {}),
    },
    userFieldsResponses: {},
    location,
    destinationCalendar: null,
    eventTypeId: booking.eventTypeId,
    requiresConfirmation: false,
    iCalUID: booking.icsUid,
    iCalSequence: 0,
    uid: booking.uid,
    bookingId: booking.id,
    ...(daily
      ? {
          videoCallData: { type: 'daily_video', id: booking.uid, password: randomBytes(8).toString('hex'), url: `https://cal.daily.co/${booking.uid}` },
          appsStatus: [{ appName: 'Cal Video', type: 'daily_video', success: 1, failures: 0, errors: [] }],
        }
      : {}),
    eventTitle: booking.title.split(' between ')[0],
    eventDescription: '',
    price: 0,
    currency: 'usd',
    length: booking.duration,
    ...(cancelled ? {} : { metadata: { ...booking.metadata } }),
    status: webhookStatus(trigger, booking.status),
  };
  if (trigger === 'BOOKING_RESCHEDULED') {
    Object.assign(payload, { rescheduleUid: booking.rescheduledFromUid, rescheduledBy: booking.rescheduledByEmail ?? attendee?.email });
  }
  if (cancelled) {
    Object.assign(payload, { cancellationReason: booking.cancellationReason ?? '', cancelledBy: booking.cancelledByEmail ?? null, requestReschedule: false });
  }
  for (const [key, value] of Object.entries(patch)) {
    if (value === undefined) delete payload[key];
    else payload[key] = value;
  }
  if (payload.rescheduleReason !== undefined) {
    const responses = payload.responses as Record<string, unknown>;
    responses.rescheduleReason = { label: 'reason_for_reschedule', value: payload.rescheduleReason };
    delete payload.rescheduleReason;
  }
  return { triggerEvent: trigger, createdAt: typeof createdAt === 'string' ? createdAt : new Date().toISOString(), payload };
}

/** The fields every event type output has (BaseEventTypeOutput_2024_06_14). */
function baseEventTypeOutput(et: SandboxEventType) {
  return {
    id: et.id,
    lengthInMinutes: et.lengthInMinutes,
    title: et.title,
    slug: et.slug,
    description: '',
    locations: [{ type: 'integration', integration: 'cal-video' }],
    bookingFields: [],
    disableGuests: false,
    slotInterval: null,
    minimumBookingNotice: 0,
    beforeEventBuffer: 0,
    afterEventBuffer: 0,
    recurrence: null,
    metadata: {},
    price: 0,
    currency: 'usd',
    lockTimeZoneToggleOnBookingPage: false,
    seatsPerTimeSlot: null,
    forwardParamsSuccessRedirect: null,
    successRedirectUrl: null,
    isInstantEvent: false,
    scheduleId: null,
    hidden: et.hidden,
    bookingRequiresAuthentication: false,
  };
}

/** EventTypeOutput_2024_06_14: a user's own event type. */
function eventTypeOutput(et: SandboxEventType, tenant: SandboxTenant) {
  const h = tenant.host;
  return {
    ...baseEventTypeOutput(et),
    ownerId: h.id,
    users: [{ id: h.id, name: h.name, username: h.username, avatarUrl: null, weekStart: 'Sunday', brandColor: null, darkBrandColor: null, metadata: {} }],
  };
}

/** TeamEventTypeOutput_2024_06_14: hosts are `{userId, name, username, avatarUrl, mandatory, priority}`. */
function teamEventTypeOutput(et: SandboxEventType, team: SandboxTeam) {
  return {
    ...baseEventTypeOutput(et),
    teamId: team.id,
    ownerId: null,
    parentEventTypeId: null,
    hosts: team.members.map((m) => ({ userId: m.id, mandatory: false, priority: 'medium', name: m.name, username: m.username, avatarUrl: null })),
    assignAllTeamMembers: false,
    schedulingType: 'roundRobin',
    hideCalendarEventDetails: false,
    team: { id: team.id, slug: team.slug, name: team.name },
  };
}

/** `X-Cal-Signature-256`: lowercase hex HMAC-SHA256 of the exact body, no prefix, no timestamp. */
export function signBody(secret: string, body: string): string {
  return createHmac('sha256', secret).update(body).digest('hex');
}

function webhookStatus(trigger: string, status: BookingStatus): string {
  if (trigger === 'BOOKING_CANCELLED') return 'CANCELLED';
  if (trigger === 'BOOKING_REJECTED') return 'REJECTED';
  if (trigger === 'BOOKING_REQUESTED') return 'PENDING';
  return status.toUpperCase();
}

function webhookTime(iso: string): string {
  return iso.replace(/\.\d{3}Z$/, 'Z');
}

function validateCreate(body: Record<string, unknown>): string[] {
  const problems: string[] = [];
  if (!isUtcIso(body.start)) problems.push('start must be a valid ISO 8601 date string in UTC');
  if (!Number.isInteger(body.eventTypeId)) problems.push('eventTypeId must be an integer number');
  const attendee = body.attendee;
  if (typeof attendee !== 'object' || attendee === null) return [...problems, 'attendee must be an object'];
  const a = attendee as Record<string, unknown>;
  if (typeof a.name !== 'string' || !a.name.trim()) problems.push('attendee.name must be a string');
  if (typeof a.timeZone !== 'string' || !isTimeZone(a.timeZone)) problems.push('attendee.timeZone must be a valid IANA time-zone');
  if (a.email !== undefined && (typeof a.email !== 'string' || !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(a.email))) problems.push('Invalid email format');
  if (a.phoneNumber !== undefined && (typeof a.phoneNumber !== 'string' || !/^\+[1-9]\d{9,14}$/.test(a.phoneNumber))) {
    problems.push('Invalid phone number format. Please use international format.');
  }
  if (!a.email && !a.phoneNumber) problems.push('At least one contact method (email or phone number) must be provided');
  if (a.language !== undefined && !LANGUAGES.includes(String(a.language))) {
    problems.push(`attendee.language must be one of the following values: ${LANGUAGES.join(', ')}`);
  }
  if (body.metadata !== undefined && !validMetadata(body.metadata)) {
    problems.push('Metadata must have at most 50 keys, each key up to 40 characters, and string values up to 500 characters.');
  }
  return problems;
}

function validMetadata(metadata: unknown): boolean {
  if (typeof metadata !== 'object' || metadata === null || Array.isArray(metadata)) return false;
  const entries = Object.entries(metadata);
  return entries.length <= 50 && entries.every(([k, v]) => k.length <= 40 && (typeof v !== 'string' || v.length <= 500));
}

function notesOf(responses: unknown): string | undefined {
  if (typeof responses !== 'object' || responses === null) return undefined;
  const notes = (responses as Record<string, unknown>).notes;
  return typeof notes === 'string' && notes ? notes : undefined;
}

function matchesListStatus(booking: SandboxBooking, status: string, now: number): boolean {
  const live = booking.status === 'accepted' || booking.status === 'pending';
  if (status === 'cancelled') return !live;
  if (status === 'upcoming') return live && Date.parse(booking.end) >= now;
  if (status === 'unconfirmed') return booking.status === 'pending' && Date.parse(booking.end) >= now;
  if (status === 'past') return live && Date.parse(booking.end) < now;
  return false;
}

function parseBody(raw: string, body: unknown): Record<string, unknown> {
  if (!raw.trim()) return {};
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw badRequest('Invalid JSON body');
  return body as Record<string, unknown>;
}

/** Strict ISO 8601; a bare date means start of day for `start`, end of day for `end` (UTC). */
function parseRangeBound(value: string | null, bound: 'start' | 'end'): Date | null {
  if (!value) return null;
  if (/^\d{4}-\d{2}-\d{2}$/.test(value)) return new Date(`${value}T${bound === 'start' ? '00:00:00.000' : '23:59:59.999'}Z`);
  return isIso(value) ? new Date(value) : null;
}

function isIso(value: string): boolean {
  return /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})$/.test(value) && !Number.isNaN(Date.parse(value));
}

function isUtcIso(value: unknown): value is string {
  return typeof value === 'string' && isIso(value) && /(Z|[+-]00:?00)$/.test(value);
}

function matches(match: FaultMatch, method: string, path: string): boolean {
  if (match.method && match.method.toUpperCase() !== method) return false;
  if (match.path instanceof RegExp) return match.path.test(path);
  return match.path === undefined || match.path === path;
}

function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function triggerOf(body: string): string {
  const parsed = parseJson(body);
  return typeof parsed === 'object' && parsed !== null && typeof (parsed as { triggerEvent?: unknown }).triggerEvent === 'string'
    ? (parsed as { triggerEvent: string }).triggerEvent
    : '';
}

function reasonPhrase(status: number): string {
  const phrases: Record<number, string> = {
    400: 'Bad Request',
    401: 'Unauthorized',
    404: 'Not Found',
    429: 'Too Many Requests',
    500: 'Internal Server Error',
    502: 'Bad Gateway',
    503: 'Service Unavailable',
  };
  return phrases[status] ?? 'Error';
}

const BASE58 = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz';

/** Cal.com uids are short-uuid translations: 22 characters of a base-58 alphabet. */
function newUid(): string {
  return [...randomBytes(22)].map((byte) => BASE58[byte % BASE58.length]).join('');
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function parseJson(text: string): unknown {
  if (!text.trim()) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

// ---- time zones without dependencies (Intl does the IANA lookups) ----

const formatters = new Map<string, Intl.DateTimeFormat>();

function zonedParts(date: Date, timeZone: string) {
  let formatter = formatters.get(timeZone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    formatters.set(timeZone, formatter);
  }
  const parts: Record<string, number> = {};
  for (const part of formatter.formatToParts(date)) if (part.type !== 'literal') parts[part.type] = Number(part.value);
  return { year: parts.year!, month: parts.month!, day: parts.day!, hour: parts.hour! % 24, minute: parts.minute!, second: parts.second! };
}

function offsetMinutes(date: Date, timeZone: string): number {
  const p = zonedParts(date, timeZone);
  const asUtc = Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second);
  return Math.round((asUtc - Math.floor(date.getTime() / 1000) * 1000) / 60_000);
}

function localToUtc(year: number, month: number, day: number, hour: number, minute: number, timeZone: string): Date {
  const guess = Date.UTC(year, month - 1, day, hour, minute);
  const first = offsetMinutes(new Date(guess), timeZone);
  let utc = guess - first * 60_000;
  const second = offsetMinutes(new Date(utc), timeZone);
  if (second !== first) utc = guess - second * 60_000;
  return new Date(utc);
}

/** Like luxon's `setZone(tz).toISO()` used by Cal.com: `Z` only for the UTC zone itself. */
function isoInZone(date: Date, timeZone: string): string {
  if (/^utc$/i.test(timeZone)) return date.toISOString();
  const offset = offsetMinutes(date, timeZone);
  const local = new Date(date.getTime() + offset * 60_000).toISOString().slice(0, 23);
  const sign = offset < 0 ? '-' : '+';
  const abs = Math.abs(offset);
  return `${local}${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
}

function localDate(date: Date, timeZone: string): string {
  const p = zonedParts(date, timeZone);
  return `${p.year}-${String(p.month).padStart(2, '0')}-${String(p.day).padStart(2, '0')}`;
}

function isTimeZone(timeZone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone });
    return true;
  } catch {
    return false;
  }
}

/** A Cal.com user: what `given` sets, the sandbox's defaults (`host<id>` handle and e-mail) for the rest. */
function makeHost(id: number, given: Partial<SandboxHost>, defaults: { name: string; timeZone: string }): SandboxHost {
  return {
    id,
    name: given.name ?? defaults.name,
    email: given.email ?? `host${id}@clinica.example`,
    username: given.username ?? `host${id}`,
    timeZone: given.timeZone ?? defaults.timeZone,
  };
}
