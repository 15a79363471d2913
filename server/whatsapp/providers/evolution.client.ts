import { WHATSAPP_DELIVERY_TEXTS as T } from '../../platform/messages.js';
import { defaultOutboundFetch, type OutboundFetch } from '../../platform/outbound-guard.js';
import { isLidAddress } from '../../shared/phone.js';
import { httpSuffix, parseJsonAnswer, retryAfterMs, transportError } from './provider-errors.js';
import { ProviderError, type ConnectionCheck, type SendResult, type WhatsappRecipient } from './provider.js';

const NAME = 'Evolution API';

export interface EvolutionClientOptions {
  /** Server root, e.g. `https://evo.example.com` (routes are `/{group}/{action}/{instance}` at the root). */
  url: string;
  apiKey: string;
  instance: string;
  /** 2: flat `{number, text}`; 1: `{number, options, textMessage: {text}}` (Evolution 1.x). */
  apiVersion: 1 | 2;
  timeoutMs?: number;
  /** The tenant-URL guard's fetch (ARCHITECTURE §11); the default allows no private host. */
  fetch?: OutboundFetch;
}

/**
 * Evolution API over HTTP (shared/ref/evolution-api.md §1, §6). No retries here: the outbox retries
 * `retryable` errors with backoff.
 */
export class EvolutionClient {
  private readonly base: string;
  private readonly instance: string;
  private readonly timeoutMs: number;
  private readonly fetch: OutboundFetch;

  constructor(private readonly options: EvolutionClientOptions) {
    this.base = options.url.trim().replace(/\/+$/, '');
    this.instance = encodeURIComponent(options.instance);
    this.timeoutMs = options.timeoutMs ?? 10_000;
    this.fetch = options.fetch ?? defaultOutboundFetch;
  }

  /**
   * `POST /message/sendText/{instance}` → 201 with the sent message; its `key.id` is the id later
   * receipts name. A LID goes as `<lid>@lid`, which Evolution passes unchanged (ref §1).
   */
  async sendText(to: WhatsappRecipient, text: string): Promise<SendResult> {
    const number = isLidAddress(to) ? to : to.replace(/\D/g, '');
    const body = this.options.apiVersion === 1
      ? { number, options: { delay: 0, presence: 'composing' }, textMessage: { text } }
      : { number, text };
    const { json } = await this.call('POST', `/message/sendText/${this.instance}`, body);
    const id = (json as { key?: { id?: unknown } } | undefined)?.key?.id;
    return { providerMessageId: typeof id === 'string' && id ? id.slice(0, 200) : null };
  }

  /** `GET /instance/connectionState/{instance}` → `{"instance":{"state":"open"|"connecting"|"close"|"refused"}}`. */
  async connectionState(): Promise<ConnectionCheck> {
    const { json } = await this.call('GET', `/instance/connectionState/${this.instance}`);
    const raw = (json as { instance?: { state?: unknown }; state?: unknown } | undefined);
    const state = typeof raw?.instance?.state === 'string' ? raw.instance.state : typeof raw?.state === 'string' ? raw.state : 'unknown';
    const shown = state.slice(0, 40);
    return state === 'open'
      ? { ok: true, state: shown, message: T.connectionOpen({ provider: NAME, state: shown }) }
      : { ok: false, state: shown, message: T.connectionClosed({ provider: NAME, state: shown }) };
  }

  private async call(method: 'GET' | 'POST', path: string, body?: unknown): Promise<{ status: number; json: unknown }> {
    let response: Response;
    let text: string;
    try {
      response = await this.fetch(`${this.base}${path}`, {
        method,
        headers: { apikey: this.options.apiKey, accept: 'application/json', ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(this.timeoutMs),
        redirect: 'manual',
      });
      text = await response.text();
    } catch (error) {
      throw transportError(NAME, error, this.timeoutMs);
    }
    const json = parseJsonAnswer(text);
    if (response.status >= 200 && response.status < 300) return { status: response.status, json };
    throw httpError(response, json, text);
  }
}

/** Evolution's envelope: `{"status":400,"error":"Bad Request","response":{"message":<string|array>}}` (ref §0). */
function httpError(response: Response, json: unknown, text: string): ProviderError {
  const status = response.status;
  const http = httpSuffix(status);
  const envelope = json as { error?: unknown; code?: unknown; response?: { message?: unknown } } | undefined;
  const detail = envelope?.response?.message ?? envelope?.error;
  const message = `Evolution API HTTP ${status}: ${(detail === undefined ? text : JSON.stringify(detail)).slice(0, 300)}`;
  const base = { message, status };
  if (status >= 300 && status < 400) return new ProviderError({ ...base, kind: 'broken', userMessage: T.redirected({ provider: NAME }) });
  if (status === 401 || status === 403) return new ProviderError({ ...base, kind: 'broken', userMessage: T.credentialsRefused({ provider: NAME, http }) });
  // The instance check runs before the key check: an unknown instance is 404 (ref §0).
  if (status === 404) return new ProviderError({ ...base, kind: 'broken', userMessage: T.instanceMissing({ provider: NAME, http }) });
  // 2.4.0 answers every business call 503 LICENSE_REQUIRED until a license is activated (ref §0).
  if (status === 503 && envelope?.code === 'LICENSE_REQUIRED') {
    return new ProviderError({ ...base, kind: 'broken', code: 'LICENSE_REQUIRED', userMessage: T.licenseRequired({ provider: NAME }) });
  }
  if (status >= 500 || status === 408 || status === 429) {
    return new ProviderError({ ...base, kind: 'retryable', retryAfterMs: retryAfterMs(response.headers.get('retry-after')), userMessage: T.unavailable({ provider: NAME, http }) });
  }
  // 400 `[{"jid":…,"exists":false,…}]`: the number is not on WhatsApp (also reported for some valid ones, ref §1).
  const notOnWhatsapp = Array.isArray(detail) && detail.some((d) => typeof d === 'object' && d !== null && (d as { exists?: unknown }).exists === false);
  if (notOnWhatsapp) return new ProviderError({ ...base, kind: 'rejected', code: 'exists:false', userMessage: T.recipientRefused({ provider: NAME, http }) });
  return new ProviderError({ ...base, kind: 'rejected', userMessage: T.refused({ provider: NAME, http }) });
}
