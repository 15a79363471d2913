import { WHATSAPP_DELIVERY_TEXTS as T } from '../../platform/messages.js';
import { blockedCause, RemoteBodyTooLarge } from '../../platform/outbound-guard.js';
import { ProviderError } from './provider.js';

/** " (HTTP 401)" when the provider answered, else empty: the catalogue's `http` parameter. */
export function httpSuffix(status: number | null): string {
  return status === null ? '' : ` (HTTP ${status})`;
}

/** Why a call got no usable answer: a forbidden address, an oversized answer, a timeout, the network. */
export type TransportFailure = { kind: 'blocked' | 'too_large' | 'timeout' | 'network'; message: string };

export function transportFailure(provider: string, error: unknown, timeoutMs: number): TransportFailure {
  const blocked = blockedCause(error);
  if (blocked) return { kind: 'blocked', message: `${provider} URL not allowed: ${blocked.message}` };
  if (error instanceof RemoteBodyTooLarge) return { kind: 'too_large', message: `${provider} answer too large: ${error.message}` };
  const name = error instanceof Error ? error.name : '';
  if (name === 'TimeoutError' || name === 'AbortError') return { kind: 'timeout', message: `${provider} did not answer within ${timeoutMs} ms` };
  const cause = error instanceof Error && error.cause instanceof Error ? `: ${error.cause.message}` : '';
  const message = error instanceof Error ? error.message : String(error);
  return { kind: 'network', message: `${provider} unreachable: ${message}${cause}` };
}

/**
 * A failed call that got no usable answer, in the port's terms (shared by the HTTP adapters): a
 * forbidden address and an oversized answer stay that way (no retry); a timeout or a network error
 * is worth another try.
 */
export function transportError(provider: string, error: unknown, timeoutMs: number): ProviderError {
  const { kind, message } = transportFailure(provider, error, timeoutMs);
  switch (kind) {
    case 'blocked':
      return new ProviderError({ kind: 'broken', message, userMessage: T.urlBlocked({ provider }), cause: error });
    case 'too_large':
      return new ProviderError({ kind: 'rejected', message, userMessage: T.answerTooLarge({ provider }), cause: error });
    case 'timeout':
    case 'network':
      return new ProviderError({ kind: 'retryable', message, userMessage: T.unavailable({ provider, http: '' }), cause: error });
  }
}

/** A provider's answer as JSON; undefined when empty or not JSON (proxies answer HTML or plain text). */
export function parseJsonAnswer(text: string): unknown {
  try {
    return text ? (JSON.parse(text) as unknown) : undefined;
  } catch {
    return undefined;
  }
}

/** `Retry-After` in seconds or as a date, in milliseconds (null when absent or unreadable). */
export function retryAfterMs(header: string | null, now = Date.now()): number | null {
  if (!header) return null;
  const seconds = Number(header);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
  const at = Date.parse(header);
  return Number.isNaN(at) ? null : Math.max(0, at - now);
}
