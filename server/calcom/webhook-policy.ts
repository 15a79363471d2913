import { DriverException } from '@mikro-orm/core';
import { sqlState } from '../platform/database-errors.js';
import { parseJsonBody } from '../shared/json-body.js';
import { cleanText } from '../shared/input-text.js';
import { parseWebhook, type BookingEvent } from './calcom-event.js';
import type { CalendarAttendanceEvent } from './calendar.gateway.js';

/**
 * The webhook applier's decisions, free of the database, timers and HTTP (webhook-applier.ts does
 * the claiming, transactions and wake-ups): what a stored delivery means, when a failed one is
 * retried or given up, and what is written about it. Unit-tested in test/unit/webhook-policy.test.ts.
 */

/** Longest failure reason stored (shown in Diagnóstico). */
export const MAX_REASON_LENGTH = 300;

/** A stored delivery as the applier reads it. */
export interface StoredDelivery {
  trigger: string;
  event_created_at: Date | string | null;
  body: string | null;
}

/** What applying a stored delivery comes to, before the calendar is touched. */
export type StoredReading =
  | { kind: 'event'; event: BookingEvent }
  | { kind: 'attendance'; event: CalendarAttendanceEvent }
  | { kind: 'failed' | 'ignored'; reason: string };

/**
 * Re-reads a stored delivery (the route validated these exact bytes before storing them). A body
 * that no longer parses is `failed` with a bounded reason (kept for the operator); a ping or a
 * trigger we do not handle is `ignored`. Without a createdAt the event counts as produced when it
 * was received (`event_created_at`, stored by the route), not when applied.
 */
export function readStoredDelivery(row: StoredDelivery): StoredReading {
  let parsed: ReturnType<typeof parseWebhook>;
  try {
    parsed = parseWebhook(parseJsonBody(Buffer.from(row.body ?? '', 'utf8')));
  } catch (error) {
    const text = error instanceof Error ? error.message : String(error);
    return { kind: 'failed', reason: cleanText(`Corpo armazenado ilegível: ${text}`).slice(0, MAX_REASON_LENGTH) };
  }
  if (parsed.attendance) {
    const attendance = row.event_created_at ? { ...parsed.attendance, at: new Date(row.event_created_at) } : parsed.attendance;
    return { kind: 'attendance', event: attendance };
  }
  if (!parsed.event) return { kind: 'ignored', reason: parsed.trigger === 'PING' ? 'ping' : 'gatilho não tratado' };
  const event = row.event_created_at ? { ...parsed.event, at: new Date(row.event_created_at) } : parsed.event;
  return { kind: 'event', event };
}

/** The applier's retry policy, defined once: `maxAttempts` failed attempts, waits from `retryBaseMs` doubling. */
export interface RetryPolicy {
  maxAttempts: number;
  retryBaseMs: number;
}

/**
 * After a failed attempt (attempts already made: `previous`, counted in the database across
 * restarts): the new count, and either give up (mark `failed`) or retry after `delayMs`.
 */
export function afterFailure(previous: number, policy: RetryPolicy): { attempts: number; gaveUp: boolean; delayMs: number } {
  const attempts = previous + 1;
  return { attempts, gaveUp: attempts >= policy.maxAttempts, delayMs: policy.retryBaseMs * 2 ** (attempts - 1) };
}

/** Keeps the metric's label set bounded: anything unexpected is "other". */
export function metricTrigger(trigger: string): string {
  return /^[A-Z_]{3,40}$/.test(trigger) ? trigger : 'other';
}

/**
 * Why a delivery could not be applied, for Diagnóstico and the `reason` column. Never the message
 * of a database error (MikroORM puts the SQL and its parameters there, input text included), only
 * its SQLSTATE; other errors are ours and say what went wrong. Bounded, and clean by the input-text
 * rule, so storing it cannot fail in turn.
 */
export function failureReason(error: unknown, attempts: number, maxAttempts: number): string {
  const state = sqlState(error);
  const cause =
    state ? `erro do banco de dados (SQLSTATE ${state})`
    : error instanceof DriverException ? 'erro do banco de dados'
    : error instanceof Error && error.message ? error.message
    : `erro inesperado (${error instanceof Error ? error.name : typeof error})`;
  const text = `Falha ao aplicar (tentativa ${attempts} de ${maxAttempts}): ${cause}`;
  return cleanText(text).slice(0, MAX_REASON_LENGTH);
}
