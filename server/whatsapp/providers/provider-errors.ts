import { WHATSAPP_DELIVERY_TEXTS as T } from '../../platform/messages.js';
import { blockedCause, RemoteBodyTooLarge } from '../../platform/outbound-guard.js';
import { ProviderError } from './provider.js';

/** " (HTTP 401)" when the provider answered, else empty: the catalogue's `http` parameter. */
export function httpSuffix(status: number | null): string {
  return status === null ? '' : ` (HTTP ${status})`;
}

/**
 * A failed call that got no usable answer (shared by the HTTP adapters): a forbidden address and an
 * oversized answer stay that way (no retry); a timeout or a network error is worth another try.
 */
export function transportError(provider: string, error: unknown, timeoutMs: number): ProviderError {
  const blocked = blockedCause(error);
  if (blocked) {
    return new ProviderError({ kind: 'broken', message: `${provider} URL not allowed: ${blocked.message}`, userMessage: T.urlBlocked({ provider }), cause: error });
  }
  if (error instanceof RemoteBodyTooLarge) {
    return new ProviderError({ kind: 'rejected', message: `${provider} answer too large: ${error.message}`, userMessage: T.answerTooLarge({ provider }), cause: error });
  }
  const name = error instanceof Error ? error.name : '';
  if (name === 'TimeoutError' || name === 'AbortError') {
    return new ProviderError({ kind: 'retryable', message: `${provider} did not answer within ${timeoutMs} ms`, userMessage: T.unavailable({ provider, http: '' }), cause: error });
  }
  const cause = error instanceof Error && error.cause instanceof Error ? `: ${error.cause.message}` : '';
  const message = error instanceof Error ? error.message : String(error);
  return new ProviderError({ kind: 'retryable', message: `${provider} unreachable: ${message}${cause}`, userMessage: T.unavailable({ provider, http: '' }), cause: error });
}

/** `Retry-After` in seconds or as a date, in milliseconds (null when absent or unreadable). */
export function retryAfterMs(header: string | null, now = Date.now()): number | null {
  if (!header) return null;
  const seconds = Number(header);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
  const at = Date.parse(header);
  return Number.isNaN(at) ? null : Math.max(0, at - now);
}
