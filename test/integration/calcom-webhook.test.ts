import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Appointment } from '../../server/appointments/appointment.entity.js';
import { AuditLog } from '../../server/audit/audit-log.entity.js';
import { WebhookDelivery } from '../../server/calcom/webhook-delivery.entity.js';
import { buildWebhook, CalcomSandbox, signBody, type SandboxBooking } from '../fakes/calcom-sandbox.js';
import { seedCompany, startTestServer, type TestServer } from '../support/app.js';
import { settle, subscribe } from '../support/ws.js';

const SECRET = 'segredo-do-webhook-alfa';

function booking(uid: string, start: string, overrides: Partial<SandboxBooking> = {}): SandboxBooking {
  const end = new Date(new Date(start).getTime() + 30 * 60_000).toISOString();
  return {
    id: Math.floor(Math.random() * 1e6), uid, title: 'Reunião entre Ana e Cliente', description: '', status: 'accepted',
    hosts: [{ id: 7, name: 'Ana', email: 'ana@clinica.com', displayEmail: 'ana@clinica.com', username: 'ana', timeZone: 'America/Sao_Paulo' }],
    start, end, duration: 30, eventTypeId: 1001, eventType: { id: 1001, slug: 'reuniao' },
    meetingUrl: `https://app.cal.com/video/${uid}`, location: `https://app.cal.com/video/${uid}`, absentHost: false,
    createdAt: new Date().toISOString(), updatedAt: null, metadata: { videoCallUrl: `https://app.cal.com/video/${uid}` }, icsUid: `${uid}@Cal.com`,
    attendees: [{ name: 'Carlos Sá', email: 'carlos@example.com', displayEmail: 'carlos@example.com', timeZone: 'America/Sao_Paulo', language: 'pt-BR', absent: false, phoneNumber: '+5511987654321' }],
    guests: [], bookingFieldsResponses: {},
    ...overrides,
  } as SandboxBooking;
}

describe('Cal.com webhook', () => {
  let server: TestServer;
  let a: Awaited<ReturnType<typeof seedCompany>>;
  let b: Awaited<ReturnType<typeof seedCompany>>;
  const cal = new CalcomSandbox();
  const url = () => `${server.url}/api/agenda/webhook/cal`;
  const post = (body: string, headers: Record<string, string>) => fetch(url(), { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
  const signed = (companyId: string, envelope: unknown, secret = SECRET, headerName = 'x-cal-signature-256') => {
    const body = typeof envelope === 'string' ? envelope : JSON.stringify(envelope);
    return post(body, { 'x-cal-company': companyId, [headerName]: signBody(secret, body) });
  };
  const rows = async (companyId: string) => server.app.orm.em.fork().find(Appointment, { companyId }, { orderBy: { startAt: 'asc' } });
  const counts = async () => {
    const em = server.app.orm.em.fork();
    return { appointments: await em.count(Appointment), deliveries: await em.count(WebhookDelivery), audit: await em.count(AuditLog) };
  };

  beforeAll(async () => {
    await cal.start();
    server = await startTestServer('webhook');
    a = await seedCompany(server.app, 'Alfa', { calWebhookSecret: SECRET });
    b = await seedCompany(server.app, 'Beta', { calWebhookSecret: 'segredo-beta' });
  });
  afterAll(async () => {
    await server?.close();
    await cal.stop();
  });

  describe('signature and request checks (nothing written on rejection)', () => {
    const envelope = buildWebhook('BOOKING_CREATED', booking('sig-1', '2031-05-05T13:00:00.000Z'));
    const body = JSON.stringify(envelope);

    it.each([
      ['a wrong secret', () => ({ 'x-cal-company': a.company.id, 'x-cal-signature-256': signBody('outro-segredo', body) }), 401, /Assinatura inválida/],
      ['no signature header', () => ({ 'x-cal-company': a.company.id }), 401, /Assinatura ausente/],
      ['the no-secret-provided marker', () => ({ 'x-cal-company': a.company.id, 'x-cal-signature-256': 'no-secret-provided' }), 401, /no-secret-provided/],
      ['no company header', () => ({ 'x-cal-signature-256': signBody(SECRET, body) }), 401, /X-Cal-Company/],
      ['an unknown company', () => ({ 'x-cal-company': '00000000-0000-4000-8000-000000000000', 'x-cal-signature-256': signBody(SECRET, body) }), 401, /desconhecida/],
      ['a malformed company id', () => ({ 'x-cal-company': "1' or '1'='1", 'x-cal-signature-256': signBody(SECRET, body) }), 401, /desconhecida/],
      ["another company's secret", () => ({ 'x-cal-company': b.company.id, 'x-cal-signature-256': signBody(SECRET, body) }), 401, /Assinatura inválida/],
      ['a signature of other bytes', () => ({ 'x-cal-company': a.company.id, 'x-cal-signature-256': signBody(SECRET, body + ' ') }), 401, /Assinatura inválida/],
    ])('refuses %s', async (_case, headers, status, message) => {
      const before = await counts();
      const response = await post(body, headers());
      expect(response.status).toBe(status);
      expect(((await response.json()) as { error: string }).error).toMatch(message);
      expect(await counts()).toEqual(before);
    });

    it('refuses a tampered body with a valid-looking signature', async () => {
      const before = await counts();
      const tampered = body.replace('Carlos Sá', 'Mallory');
      const response = await post(tampered, { 'x-cal-company': a.company.id, 'x-cal-signature-256': signBody(SECRET, body) });
      expect(response.status).toBe(401);
      expect(await counts()).toEqual(before);
    });

    it.each([
      ['invalid JSON', '{"triggerEvent": ', /JSON/],
      ['a missing trigger', JSON.stringify({ payload: {} }), /triggerEvent/],
      ['a booking without uid', JSON.stringify({ triggerEvent: 'BOOKING_CREATED', createdAt: new Date().toISOString(), payload: { startTime: '2031-01-01T10:00:00Z', endTime: '2031-01-01T10:30:00Z' } }), /uid/],
      ['a booking without times', JSON.stringify({ triggerEvent: 'BOOKING_CREATED', createdAt: new Date().toISOString(), payload: { uid: 'x' } }), /startTime/],
    ])('answers 400 for %s (signed), writing nothing', async (_case, raw, message) => {
      const before = await counts();
      const response = await signed(a.company.id, raw);
      expect(response.status).toBe(400);
      expect(((await response.json()) as { error: string }).error).toMatch(message);
      expect(await counts()).toEqual(before);
    });

    it('answers 413 for a body over 1 MiB', async () => {
      const big = JSON.stringify({ triggerEvent: 'PING', pad: 'x'.repeat(1024 * 1024 + 10) });
      const response = await signed(a.company.id, big);
      expect(response.status).toBe(413);
    });

    it('accepts the release-notes header X-Cal-Signature and the company in the query string', async () => {
      const one = await signed(a.company.id, buildWebhook('PING', booking('ping-x', '2031-05-05T13:00:00.000Z')), SECRET, 'x-cal-signature');
      expect(one.status).toBe(200);
      const raw = JSON.stringify(buildWebhook('PING', booking('ping-y', '2031-05-05T13:00:00.000Z')));
      const two = await fetch(`${url()}?company=${a.company.id}`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-cal-signature-256': signBody(SECRET, raw) }, body: raw });
      expect(two.status).toBe(200);
    });

    it('exposes rejections as a diagnostic metric', async () => {
      const text = await (await fetch(`${server.url}/metrics`)).text();
      expect(text).toMatch(new RegExp(`secretaria_webhook_deliveries_total\\{company="${a.company.id}",trigger="BOOKING_CREATED",outcome="rejected",reason="invalid_signature"\\} \\d+`));
      expect(text).toMatch(new RegExp(`secretaria_diagnostics_total\\{company="${a.company.id}",symptom="webhook_unauthorized"\\} \\d+`));
    });
  });

  describe('triggers', () => {
    it('answers 200 to PING and unknown triggers and changes nothing', async () => {
      const before = (await rows(a.company.id)).length;
      for (const trigger of ['PING', 'MEETING_ENDED', 'BOOKING_NO_SHOW_UPDATED']) {
        const response = await signed(a.company.id, { triggerEvent: trigger, createdAt: new Date().toISOString(), type: 'Test' });
        expect(response.status).toBe(200);
        expect(await response.json()).toEqual({ ok: true });
      }
      expect((await rows(a.company.id)).length).toBe(before);
    });

    it('creates, reschedules (keeping our id) and cancels, pushing each change live', async () => {
      const sub = subscribe(server.url, a.readKey);
      await sub.ready;
      const original = booking('life-1', '2031-06-02T13:00:00.000Z');
      const t0 = Date.UTC(2031, 0, 1);
      expect((await signed(a.company.id, buildWebhook('BOOKING_CREATED', original, { createdAt: new Date(t0).toISOString() }))).status).toBe(200);
      const [created] = (await rows(a.company.id)).filter((r) => r.calBookingUid === 'life-1');
      expect(created).toMatchObject({ status: 'CONFIRMED', source: 'CALCOM', clientName: 'Carlos Sá', clientPhone: '5511987654321', clientEmail: 'carlos@example.com', meetingUrl: 'https://app.cal.com/video/life-1' });

      const moved = booking('life-2', '2031-06-03T17:00:00.000Z');
      const reschedule = buildWebhook('BOOKING_RESCHEDULED', moved, { createdAt: new Date(t0 + 1000).toISOString(), rescheduleUid: 'life-1', rescheduleId: original.id });
      expect((await signed(a.company.id, reschedule)).status).toBe(200);
      const afterReschedule = await server.app.orm.em.fork().findOneOrFail(Appointment, { id: created!.id });
      expect(afterReschedule).toMatchObject({ status: 'RESCHEDULED', calBookingUid: 'life-2', calPreviousUids: ['life-1'], meetingUrl: 'https://app.cal.com/video/life-2' });
      expect(afterReschedule.startAt.toISOString()).toBe('2031-06-03T17:00:00.000Z');

      const cancel = buildWebhook('BOOKING_CANCELLED', { ...moved, status: 'cancelled' }, { createdAt: new Date(t0 + 2000).toISOString(), cancellationReason: 'Imprevisto' });
      expect((await signed(a.company.id, cancel)).status).toBe(200);
      const cancelled = await server.app.orm.em.fork().findOneOrFail(Appointment, { id: created!.id });
      expect(cancelled).toMatchObject({ status: 'CANCELLED', cancellationReason: 'Imprevisto' });

      await sub.waitFor(3);
      expect(sub.received.map((e) => [e.kind, e.appointment.id])).toEqual([['CREATED', created!.id], ['RESCHEDULED', created!.id], ['CANCELLED', created!.id]]);
      const audit = await server.app.orm.em.fork().find(AuditLog, { subject: `appointment:${created!.id}` }, { orderBy: { at: 'asc' } });
      expect(audit.map((e) => e.action)).toEqual(['appointment.calcom.booking_created', 'appointment.calcom.booking_rescheduled', 'appointment.calcom.booking_cancelled']);
      await sub.close();
    });

    it('maps BOOKING_REQUESTED to PENDING and BOOKING_REJECTED to CANCELLED; takes the link from location or metadata', async () => {
      const requested = booking('req-1', '2031-06-10T13:00:00.000Z', { meetingUrl: undefined, location: 'integrations:daily', status: 'pending' } as never);
      await signed(a.company.id, buildWebhook('BOOKING_REQUESTED', requested, { createdAt: '2031-01-01T00:00:00.000Z', meetingUrl: null, metadata: { videoCallUrl: 'https://meet.example.com/abc' } }));
      let row = (await rows(a.company.id)).find((r) => r.calBookingUid === 'req-1')!;
      expect(row).toMatchObject({ status: 'PENDING', meetingUrl: 'https://meet.example.com/abc' });
      await signed(a.company.id, buildWebhook('BOOKING_REJECTED', requested, { createdAt: '2031-01-01T00:00:01.000Z', rejectionReason: 'Agenda cheia' }));
      row = (await rows(a.company.id)).find((r) => r.calBookingUid === 'req-1')!;
      expect(row).toMatchObject({ status: 'CANCELLED', cancellationReason: 'Agenda cheia' });
    });

    it('applies out-of-order and duplicate deliveries to the right final state', async () => {
      const x = booking('ooo-1', '2031-07-01T13:00:00.000Z');
      const created = buildWebhook('BOOKING_CREATED', x, { createdAt: '2031-02-01T10:00:00.000Z' });
      const cancelled = buildWebhook('BOOKING_CANCELLED', { ...x, status: 'cancelled' }, { createdAt: '2031-02-01T11:00:00.000Z' });
      // cancel before its create, each delivered twice
      for (const envelope of [cancelled, cancelled, created, created]) expect((await signed(a.company.id, envelope)).status).toBe(200);
      const matching = (await rows(a.company.id)).filter((r) => r.calBookingUid === 'ooo-1');
      expect(matching).toHaveLength(1);
      expect(matching[0]!.status).toBe('CANCELLED');

      // a reschedule arriving before the create of the old booking
      const old = booking('ooo-2', '2031-07-02T13:00:00.000Z');
      const next = booking('ooo-3', '2031-07-02T15:00:00.000Z');
      await signed(a.company.id, buildWebhook('BOOKING_RESCHEDULED', next, { createdAt: '2031-02-02T11:00:00.000Z', rescheduleUid: 'ooo-2' }));
      await signed(a.company.id, buildWebhook('BOOKING_CREATED', old, { createdAt: '2031-02-02T10:00:00.000Z' }));
      const chain = (await rows(a.company.id)).filter((r) => ['ooo-2', 'ooo-3'].includes(r.calBookingUid!) || r.calPreviousUids.includes('ooo-2'));
      expect(chain.map((r) => [r.calBookingUid, r.status])).toEqual([['ooo-3', 'RESCHEDULED']]);

      const deliveries = await server.app.orm.em.fork().find(WebhookDelivery, { companyId: a.company.id, bookingUid: 'ooo-1' });
      expect(deliveries.map((d) => d.outcome).sort()).toEqual(['applied', 'stale']);
    });

    it('never lets one company webhook touch another company booking', async () => {
      const shared = booking('shared-uid', '2031-08-01T13:00:00.000Z');
      await signed(a.company.id, buildWebhook('BOOKING_CREATED', shared, { createdAt: '2031-03-01T10:00:00.000Z' }));
      // Beta signs a cancel of the same uid with its own secret: it creates a cancelled row in Beta only.
      await signed(b.company.id, buildWebhook('BOOKING_CANCELLED', { ...shared, status: 'cancelled' }, { createdAt: '2031-03-01T11:00:00.000Z' }), 'segredo-beta');
      expect((await rows(a.company.id)).find((r) => r.calBookingUid === 'shared-uid')!.status).toBe('CONFIRMED');
      expect((await rows(b.company.id)).find((r) => r.calBookingUid === 'shared-uid')!.status).toBe('CANCELLED');
      // and a metadata appointmentId pointing at Alfa's row cannot pull it into Beta
      const alfaRow = (await rows(a.company.id)).find((r) => r.calBookingUid === 'shared-uid')!;
      const hijack = buildWebhook('BOOKING_CANCELLED', { ...booking('other-uid', '2031-08-02T13:00:00.000Z'), status: 'cancelled', metadata: { appointmentId: alfaRow.id } }, { createdAt: '2031-03-01T12:00:00.000Z' });
      expect((await signed(b.company.id, hijack, 'segredo-beta')).status).toBe(200);
      const still = await server.app.orm.em.fork().findOneOrFail(Appointment, { id: alfaRow.id });
      expect(still).toMatchObject({ companyId: a.company.id, status: 'CONFIRMED' });
    });
  });

  describe('storm', () => {
    it('converges to the expected state under duplicated, shuffled, concurrent deliveries', async () => {
      const c = await seedCompany(server.app, 'Gama', { calWebhookSecret: 'segredo-gama' });
      const base = Date.UTC(2032, 0, 1, 12);
      const expected = new Map<string, string>();
      const envelopes: unknown[] = [];
      for (let i = 0; i < 60; i++) {
        const uid = `storm-${i}`;
        const start = new Date(base + i * 3_600_000).toISOString();
        const x = booking(uid, start);
        const t = Date.UTC(2031, 11, 1) + i * 10_000;
        envelopes.push(buildWebhook('BOOKING_CREATED', x, { createdAt: new Date(t).toISOString() }));
        if (i % 3 === 0) {
          envelopes.push(buildWebhook('BOOKING_CANCELLED', { ...x, status: 'cancelled' }, { createdAt: new Date(t + 1000).toISOString() }));
          expected.set(uid, 'CANCELLED');
        } else if (i % 3 === 1) {
          const moved = booking(`${uid}-r`, new Date(base + i * 3_600_000 + 1_800_000).toISOString());
          envelopes.push(buildWebhook('BOOKING_RESCHEDULED', moved, { createdAt: new Date(t + 1000).toISOString(), rescheduleUid: uid }));
          expected.set(`${uid}-r`, 'RESCHEDULED');
        } else {
          expected.set(uid, 'CONFIRMED');
        }
      }
      const deliveries = [...envelopes, ...envelopes.filter((_, i) => i % 3 === 0)];
      for (let i = deliveries.length - 1; i > 0; i--) {
        const j = Math.floor(Math.random() * (i + 1));
        [deliveries[i], deliveries[j]] = [deliveries[j], deliveries[i]];
      }
      const statuses: number[] = [];
      const queue = [...deliveries];
      await Promise.all(Array.from({ length: 10 }, async () => {
        for (let next = queue.shift(); next; next = queue.shift()) statuses.push((await signed(c.company.id, next, 'segredo-gama')).status);
      }));
      expect(statuses.every((s) => s === 200)).toBe(true);
      await settle(100);
      const final = new Map((await rows(c.company.id)).map((r) => [r.calBookingUid!, r.status]));
      expect(final).toEqual(expected);
    });
  });
});
