/**
 * HTTP transport to Cal.com API v2: auth and version headers, timeout, the outbound guard's fetch (which
 * caps the body), bounded retries with backoff and the metrics hook. Knows nothing about bookings.
 *
 * Retry policy: 429, 5xx, network errors and timeouts are retried (bounded, exponential backoff with
 * jitter, `Retry-After` / `X-RateLimit-Reset-Default` honoured); other 4xx never are.
 */

import { blockedCause, defaultOutboundFetch, RemoteBodyTooLarge, type OutboundFetch } from '../platform/outbound-guard.js';
import { cleanJson } from '../shared/input-text.js';
import { invalidResponse, isRecord } from './calcom-parse.js';
import { CalcomError, type CalcomClientOptions, type CalcomErrorKind, type CalcomOperation, type CalcomOutcome } from './calcom-client.types.js';

export interface HttpCall {
  method: 'GET' | 'POST';
  path: string;
  version: string;
  query?: Record<string, string | undefined>;
  body?: unknown;
}

export interface HttpResult {
  status: number;
  json: unknown;
}

/** Cal.com's default throttler block duration. */
const THROTTLE_BLOCK_MS = 60_000;

export class CalcomHttp {
  private readonly baseUrl: string;
  private readonly apiKey: string;
  private readonly timeoutMs: number;
  private readonly maxRetries: number;
  private readonly maxRetryWaitMs: number;
  private readonly baseBackoffMs: number;
  private readonly observeFn: CalcomClientOptions['observe'];
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly fetch: OutboundFetch;

  constructor(options: CalcomClientOptions) {
    this.baseUrl = normalizeApiUrl(options.apiUrl);
    this.apiKey = options.apiKey;
    this.timeoutMs = options.timeoutMs ?? 10_000;
    this.maxRetries = Math.max(0, options.maxRetries ?? 3);
    this.maxRetryWaitMs = options.maxRetryWaitMs ?? 10_000;
    this.baseBackoffMs = options.baseBackoffMs ?? 250;
    this.observeFn = options.observe;
    this.fetch = options.fetch ?? defaultOutboundFetch;
    this.sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
  }

  async observed<T>(op: CalcomOperation, run: () => Promise<T>): Promise<T> {
    const started = performance.now();
    const report = (outcome: CalcomOutcome) => this.observeFn?.(op, outcome, (performance.now() - started) / 1000);
    try {
      const result = await run();
      report('ok');
      return result;
    } catch (error) {
      report(outcomeOf(error));
      throw error;
    }
  }

  /**
   * Runs `attempt` up to 1 + maxRetries times. Before each retry `beforeRetry` may settle the call
   * with a result found some other way (used to detect writes that went through).
   */
  async retrying<T>(
    attempt: () => Promise<T>,
    beforeRetry?: (error: CalcomError) => Promise<T | null>,
  ): Promise<T> {
    for (let retry = 0; ; retry++) {
      try {
        return await attempt();
      } catch (error) {
        if (!(error instanceof CalcomError) || !error.retryable || retry >= this.maxRetries) throw error;
        const waitMs = this.retryDelay(error, retry);
        if (waitMs === null) throw error;
        await this.sleep(waitMs);
        const settled = beforeRetry ? await beforeRetry(error) : null;
        if (settled) return settled;
      }
    }
  }

  private retryDelay(error: CalcomError, retry: number): number | null {
    if (error.retryAfterMs !== undefined) {
      return error.retryAfterMs > this.maxRetryWaitMs ? null : error.retryAfterMs;
    }
    const exponential = Math.min(this.maxRetryWaitMs, this.baseBackoffMs * 2 ** retry);
    return Math.round(exponential / 2 + Math.random() * (exponential / 2));
  }

  async call(spec: HttpCall): Promise<HttpResult> {
    const url = new URL(this.baseUrl + spec.path);
    for (const [key, value] of Object.entries(spec.query ?? {})) {
      if (value !== undefined) url.searchParams.set(key, value);
    }
    let response: Response;
    let text: string;
    try {
      response = await this.fetch(url, {
        method: spec.method,
        headers: {
          authorization: `Bearer ${this.apiKey}`,
          'cal-api-version': spec.version,
          'content-type': 'application/json',
          accept: 'application/json',
        },
        body: spec.body === undefined ? undefined : JSON.stringify(spec.body),
        signal: AbortSignal.timeout(this.timeoutMs),
        // A redirect would turn the POST into a GET; a wrong base URL should fail loudly instead.
        redirect: 'manual',
      });
      text = await response.text();
    } catch (error) {
      throw transportError(error, `${spec.method} ${spec.path}`, this.timeoutMs);
    }
    const json = parseJson(text);
    if (response.status >= 200 && response.status < 300) {
      if (json === undefined) throw invalidResponse(`${spec.method} ${spec.path}: response is not JSON`, response.status);
      return { status: response.status, json };
    }
    throw httpError(response, json, text);
  }
}

function normalizeApiUrl(apiUrl: string): string {
  // Operators paste either `https://api.cal.com` or `https://api.cal.com/v2`.
  return apiUrl.trim().replace(/\/+$/, '').replace(/\/v2$/, '');
}

function transportError(error: unknown, what: string, timeoutMs: number): CalcomError {
  // Neither is worth a retry: the address stays forbidden, the body stays too large.
  const blocked = blockedCause(error);
  if (blocked) return new CalcomError({ kind: 'client', code: 'OutboundBlocked', message: `${what}: ${blocked.message}`, cause: error });
  if (error instanceof RemoteBodyTooLarge) return new CalcomError({ kind: 'client', code: 'RemoteBodyTooLarge', message: `${what}: ${error.message}`, cause: error });
  const name = error instanceof Error ? error.name : '';
  if (name === 'TimeoutError' || name === 'AbortError') {
    return new CalcomError({ kind: 'timeout', message: `${what}: no answer within ${timeoutMs} ms`, cause: error });
  }
  const cause = error instanceof Error && error.cause instanceof Error ? `: ${error.cause.message}` : '';
  const message = error instanceof Error ? error.message : String(error);
  return new CalcomError({ kind: 'network', message: `${what}: ${message}${cause}`, cause: error });
}

function httpError(response: Response, json: unknown, text: string): CalcomError {
  const status = response.status;
  if (status >= 300 && status < 400) {
    const location = response.headers.get('location') ?? 'elsewhere';
    return new CalcomError({ kind: 'client', status, message: `redirected to ${location}: configure the final API URL` });
  }
  const envelope = isRecord(json) && isRecord(json.error) ? json.error : undefined;
  const rawMessage = envelope?.message;
  const message = Array.isArray(rawMessage)
    ? rawMessage.map(String).join('; ')
    : typeof rawMessage === 'string' && rawMessage
      ? rawMessage
      : text.trim().slice(0, 200) || `HTTP ${status}`;
  const kind: CalcomErrorKind = status === 429 ? 'rate_limited' : status >= 500 ? 'server' : 'client';
  return new CalcomError({
    kind,
    status,
    message,
    code: typeof envelope?.code === 'string' ? envelope.code : undefined,
    details: envelope?.details,
    requestId: response.headers.get('x-request-id') ?? undefined,
    retryAfterMs: kind === 'client' ? undefined : retryAfterMs(response.headers, status === 429),
  });
}

/**
 * `Retry-After` (seconds or HTTP date); on a 429 also Cal.com's `X-RateLimit-Reset-Default`, which is
 * sent on every response (so it means nothing on a 5xx): documented as seconds until reset, described
 * elsewhere as a Unix timestamp, so both readings are accepted. A bare 429 means the 60 s block.
 */
function retryAfterMs(headers: Headers, throttled: boolean): number | undefined {
  const retryAfter = headers.get('retry-after')?.trim();
  if (retryAfter) {
    if (/^\d+(\.\d+)?$/.test(retryAfter)) return Math.round(Number(retryAfter) * 1000);
    const at = Date.parse(retryAfter);
    if (!Number.isNaN(at)) return Math.max(0, at - Date.now());
  }
  if (!throttled) return undefined;
  const reset = Number(headers.get('x-ratelimit-reset-default'));
  if (!Number.isFinite(reset) || reset <= 0) return THROTTLE_BLOCK_MS;
  return reset > 1e9 ? Math.max(0, reset * 1000 - Date.now()) : Math.round(reset * 1000);
}

function outcomeOf(error: unknown): CalcomOutcome {
  if (!(error instanceof CalcomError)) return 'client_error';
  const outcomes: Record<CalcomErrorKind, CalcomOutcome> = {
    client: 'client_error',
    rate_limited: 'rate_limited',
    server: 'server_error',
    network: 'network_error',
    timeout: 'timeout',
  };
  return outcomes[error.kind];
}

function parseJson(text: string): unknown {
  if (!text.trim()) return undefined;
  try {
    // Cal.com's answers are outside text too: the input-text rule (titles, names, reasons).
    return cleanJson(JSON.parse(text) as unknown);
  } catch {
    return undefined;
  }
}
