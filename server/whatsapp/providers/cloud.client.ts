/**
 * Meta's WhatsApp Business Cloud API for one phone number: `POST {graph}/{version}/{phone-number-id}/messages`
 * (text, reply buttons, template) and `GET {graph}/{version}/{phone-number-id}` (the lookup behind
 * "Testar conexão"), with the system-user token as Bearer (ref whatsapp-cloud-api.md §4).
 *
 * No retries here: the adapter maps each `CloudApiError.kind` to the port's (cloud.provider.ts
 * `providerError`), and the outbox retries, falls back to a template or marks the connection broken.
 */

import { DEFAULT_CLOUD_API_VERSION } from '../../companies/whatsapp-provider.js';
import { defaultOutboundFetch, type OutboundFetch } from '../../platform/outbound-guard.js';
import { parseJsonAnswer, transportFailure } from './provider-errors.js';

export interface CloudClientOptions {
  /** Graph base, `https://graph.facebook.com` (a sandbox in tests). */
  url: string;
  /** As in Meta's URLs: `v23.0`. */
  version: string;
  phoneNumberId: string;
  accessToken: string;
  timeoutMs?: number;
  /** The tenant-URL guard's fetch (ARCHITECTURE §11); the default allows no private host. */
  fetch?: OutboundFetch;
}

export interface CloudSent {
  /** The wamid: statuses arrive for it. */
  messageId: string;
  /** The WhatsApp id Meta resolved the number to (may differ from the input for Brazil). */
  waId: string | null;
}

export interface CloudTemplate {
  name: string;
  /** Meta's language code, e.g. `pt_BR`. */
  language: string;
  /** The body's `{{1}}`, `{{2}}`… in order. */
  parameters: string[];
}

export interface CloudButton {
  id: string;
  title: string;
}

export interface CloudPhoneNumber {
  id: string;
  displayPhoneNumber: string | null;
  verifiedName: string | null;
  qualityRating: string | null;
}

/**
 * - `window_closed`: 131047, the 24-hour window is closed: only a template goes through.
 * - `rate_limited`: 130429 (throughput), 131056 (same recipient), 80007/4/17/613 (app or account): later.
 * - `token`: 190 and the auth/permission family (0, 10, 200–299): the connection is broken until the
 *   admin fixes it.
 * - `template`: 132xxx, the template is missing, not approved or takes other parameters.
 * - `server`: 5xx, 408, Meta's temporary codes, and any error Meta flags `is_transient`: later.
 * - `rejected`: any other error Meta answered for this message (invalid parameter, undeliverable…).
 */
export type CloudErrorKind = 'window_closed' | 'rate_limited' | 'token' | 'template' | 'rejected' | 'server' | 'network' | 'timeout' | 'blocked' | 'invalid_input';

export class CloudApiError extends Error {
  override name = 'CloudApiError';
  readonly kind: CloudErrorKind;
  /** Meta's `error.code`; null when none arrived. */
  readonly code: number | null;
  /** HTTP status; null when no response arrived. */
  readonly status: number | null;

  constructor(init: { kind: CloudErrorKind; code: number | null; status: number | null; message: string; cause?: unknown }) {
    super(init.message, init.cause === undefined ? undefined : { cause: init.cause });
    this.kind = init.kind;
    this.code = init.code;
    this.status = init.status;
  }
}

const RATE_LIMIT_CODES = new Set([130429, 131056, 80007, 4, 17, 613]);
/** Meta's "temporary" and "unknown, try again" codes. */
const TRANSIENT_CODES = new Set([1, 2, 131000, 133004]);

export class CloudApiClient {
  private readonly base: string;
  private readonly token: string;
  private readonly timeoutMs: number;
  private readonly fetch: OutboundFetch;

  constructor(options: CloudClientOptions) {
    const version = options.version.trim() || DEFAULT_CLOUD_API_VERSION;
    this.base = `${options.url.trim().replace(/\/+$/, '')}/${encodeURIComponent(version)}/${encodeURIComponent(options.phoneNumberId.trim())}`;
    this.token = options.accessToken;
    this.timeoutMs = options.timeoutMs ?? 10_000;
    this.fetch = options.fetch ?? defaultOutboundFetch;
  }

  sendText(to: string, body: string): Promise<CloudSent> {
    return this.send(to, { type: 'text', text: { body, preview_url: false } });
  }

  /** Reply buttons (the caller keeps them within Meta's limits: 1–3, titles ≤ 20 characters, body ≤ 1024). */
  sendButtons(to: string, body: string, buttons: CloudButton[]): Promise<CloudSent> {
    return this.send(to, {
      type: 'interactive',
      interactive: { type: 'button', body: { text: body }, action: { buttons: buttons.map((b) => ({ type: 'reply', reply: { id: b.id, title: b.title } })) } },
    });
  }

  sendTemplate(to: string, template: CloudTemplate): Promise<CloudSent> {
    const components = template.parameters.length
      ? [{ type: 'body', parameters: template.parameters.map((text) => ({ type: 'text', text })) }]
      : [];
    return this.send(to, { type: 'template', template: { name: template.name, language: { code: template.language }, components } });
  }

  async phoneNumber(): Promise<CloudPhoneNumber> {
    const json = await this.request('GET', this.base);
    const info = json as { id?: unknown; display_phone_number?: unknown; verified_name?: unknown; quality_rating?: unknown };
    const str = (value: unknown) => (typeof value === 'string' ? value : null);
    return { id: str(info.id) ?? '', displayPhoneNumber: str(info.display_phone_number), verifiedName: str(info.verified_name), qualityRating: str(info.quality_rating) };
  }

  private async send(to: string, message: Record<string, unknown>): Promise<CloudSent> {
    const json = await this.request('POST', `${this.base}/messages`, { messaging_product: 'whatsapp', recipient_type: 'individual', to: toE164(to), ...message });
    const answer = json as { messages?: Array<{ id?: unknown }>; contacts?: Array<{ wa_id?: unknown }> };
    const id = answer.messages?.[0]?.id;
    if (typeof id !== 'string' || !id) {
      throw new CloudApiError({ kind: 'server', code: null, status: 200, message: 'Cloud API answered 200 without messages[0].id' });
    }
    const waId = answer.contacts?.[0]?.wa_id;
    return { messageId: id, waId: typeof waId === 'string' ? waId : null };
  }

  private async request(method: 'GET' | 'POST', url: string, body?: unknown): Promise<unknown> {
    let response: Response;
    let text: string;
    try {
      response = await this.fetch(url, {
        method,
        headers: { authorization: `Bearer ${this.token}`, accept: 'application/json', ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(this.timeoutMs),
        redirect: 'manual',
      });
      text = await response.text();
    } catch (error) {
      throw transportError(error, this.timeoutMs);
    }
    const json = parseJsonAnswer(text);
    if (response.status >= 200 && response.status < 300 && json !== undefined) return json;
    throw httpError(response.status, json, text);
  }
}

/** Meta wants `+` and the country code (without `+` it prepends the business number's country code). */
function toE164(to: string): string {
  const digits = to.replace(/\D/g, '');
  if (digits.length < 8 || digits.length > 15) {
    throw new CloudApiError({ kind: 'invalid_input', code: null, status: null, message: `invalid WhatsApp number "${to}"` });
  }
  return `+${digits}`;
}

/** Branch on `error.code`, not on the HTTP status (ref §4: Meta does not document one per code). */
function httpError(status: number, json: unknown, text: string): CloudApiError {
  const error = typeof json === 'object' && json !== null ? (json as { error?: Record<string, unknown> }).error : undefined;
  const code = typeof error?.code === 'number' ? error.code : null;
  const details = typeof error?.error_data === 'object' && error.error_data !== null ? (error.error_data as { details?: unknown }).details : undefined;
  const said = [error?.message, details].filter((v): v is string => typeof v === 'string' && v !== '').join(' — ') || text.trim().slice(0, 200) || `HTTP ${status}`;
  const message = `${code !== null ? `${code}: ` : ''}${said}`.slice(0, 500);
  const kind = errorKind(code, status);
  // Meta's `is_transient`: worth another try whatever the code, so not a refusal of this message.
  const transient = error?.is_transient === true && (kind === 'rejected' || kind === 'template');
  return new CloudApiError({ kind: transient ? 'server' : kind, code, status, message });
}

function errorKind(code: number | null, status: number): CloudErrorKind {
  if (code === 131047) return 'window_closed';
  if (code !== null && RATE_LIMIT_CODES.has(code)) return 'rate_limited';
  if (code === 190 || code === 0 || code === 10 || (code !== null && code >= 200 && code <= 299)) return 'token';
  if (code !== null && code >= 132000 && code < 133000) return 'template';
  if (code !== null && TRANSIENT_CODES.has(code)) return 'server';
  if (status >= 500 || status === 408) return 'server';
  return code === null && status === 429 ? 'rate_limited' : 'rejected';
}

function transportError(error: unknown, timeoutMs: number): CloudApiError {
  const { kind, message } = transportFailure('Cloud API', error, timeoutMs);
  return new CloudApiError({ kind: kind === 'too_large' ? 'rejected' : kind, code: null, status: null, message, cause: error });
}
