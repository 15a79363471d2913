import { DriverException } from '@mikro-orm/core';
import { describe, expect, it } from 'vitest';
import { afterFailure, failureReason, MAX_REASON_LENGTH, metricTrigger, readStoredDelivery } from '../../server/calcom/webhook-policy.js';

const booking = (createdAt?: string) =>
  JSON.stringify({
    triggerEvent: 'BOOKING_CREATED',
    ...(createdAt ? { createdAt } : {}),
    payload: { uid: 'uid-1', startTime: '2031-01-01T10:00:00Z', endTime: '2031-01-01T10:30:00Z', attendees: [{ name: 'Ana', email: 'ANA@x.com' }] },
  });

describe('webhook applier policy: reading a stored delivery', () => {
  it('turns a stored booking into its calendar event', () => {
    const reading = readStoredDelivery({ trigger: 'BOOKING_CREATED', event_created_at: null, body: booking('2030-12-01T09:00:00Z') });
    expect(reading.kind).toBe('event');
    if (reading.kind !== 'event') return;
    expect(reading.event).toMatchObject({ trigger: 'BOOKING_CREATED', uid: 'uid-1', clientName: 'Ana', clientEmail: 'ana@x.com' });
    expect(reading.event.at.toISOString()).toBe('2030-12-01T09:00:00.000Z');
  });

  it('dates an event without createdAt by its reception (event_created_at), not by its application', () => {
    const received = new Date('2030-11-30T08:00:00Z');
    const reading = readStoredDelivery({ trigger: 'BOOKING_CREATED', event_created_at: received, body: booking() });
    expect(reading.kind === 'event' && reading.event.at.toISOString()).toBe(received.toISOString());
  });

  it('ignores pings and triggers it does not handle, with a reason', () => {
    expect(readStoredDelivery({ trigger: 'PING', event_created_at: null, body: JSON.stringify({ triggerEvent: 'PING', payload: {} }) })).toEqual({
      kind: 'ignored',
      reason: 'ping',
    });
    expect(readStoredDelivery({ trigger: 'MEETING_ENDED', event_created_at: null, body: JSON.stringify({ triggerEvent: 'MEETING_ENDED' }) })).toEqual({
      kind: 'ignored',
      reason: 'gatilho não tratado',
    });
  });

  it('fails an unreadable body with a bounded, clean reason (the body is kept for the operator)', () => {
    for (const body of [null, '{"triggerEvent": ', JSON.stringify({ triggerEvent: 'BOOKING_CREATED', payload: { startTime: 'x' } })]) {
      const reading = readStoredDelivery({ trigger: 'BOOKING_CREATED', event_created_at: null, body });
      expect(reading.kind).toBe('failed');
      if (reading.kind !== 'failed') continue;
      expect(reading.reason).toMatch(/^Corpo armazenado ilegível: /);
      expect(reading.reason.length).toBeLessThanOrEqual(MAX_REASON_LENGTH);
    }
  });
});

describe('webhook applier policy: retries', () => {
  const policy = { maxAttempts: 5, retryBaseMs: 1000 };

  it('retries with a doubling delay and gives up at the last attempt', () => {
    const steps = [0, 1, 2, 3, 4].map((previous) => afterFailure(previous, policy));
    expect(steps.map((s) => s.attempts)).toEqual([1, 2, 3, 4, 5]);
    expect(steps.map((s) => s.delayMs)).toEqual([1000, 2000, 4000, 8000, 16000]);
    expect(steps.map((s) => s.gaveUp)).toEqual([false, false, false, false, true]);
  });

  it('gives up at once when one attempt is all the policy allows', () => {
    expect(afterFailure(0, { maxAttempts: 1, retryBaseMs: 10 }).gaveUp).toBe(true);
  });
});

describe('webhook applier policy: what is written', () => {
  it('never stores a database error message (it carries SQL and input), only its SQLSTATE', () => {
    const error = Object.assign(new Error('insert into appointments ... values (\'segredo\')'), { code: '23505' });
    const reason = failureReason(error, 2, 5);
    expect(reason).toBe('Falha ao aplicar (tentativa 2 de 5): erro do banco de dados (SQLSTATE 23505)');
    expect(reason).not.toContain('segredo');
    expect(failureReason(new DriverException(new Error('select segredo')), 1, 5)).toBe('Falha ao aplicar (tentativa 1 de 5): erro do banco de dados');
  });

  it('keeps our own errors\' messages, bounded and clean', () => {
    expect(failureReason(new Error('calendário fora do ar'), 5, 5)).toBe('Falha ao aplicar (tentativa 5 de 5): calendário fora do ar');
    const long = failureReason(new Error(`x\u0000${'y'.repeat(1000)}`), 1, 5);
    expect(long.length).toBeLessThanOrEqual(MAX_REASON_LENGTH);
    expect(long).not.toContain('\u0000');
    expect(failureReason('boom', 1, 5)).toBe('Falha ao aplicar (tentativa 1 de 5): erro inesperado (string)');
  });

  it('bounds the metric label set', () => {
    expect(metricTrigger('BOOKING_CREATED')).toBe('BOOKING_CREATED');
    expect(metricTrigger('booking created; drop table')).toBe('other');
    expect(metricTrigger('A'.repeat(41))).toBe('other');
  });
});
