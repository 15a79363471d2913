import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Appointment } from '../../server/appointments/appointment.entity.js';
import { AuditLog } from '../../server/audit/audit-log.entity.js';
import { startApp, type App } from '../../server/app.js';
import type { CalcomSyncService } from '../../server/calcom/calcom-sync.service.js';
import { WebhookDelivery } from '../../server/calcom/webhook-delivery.entity.js';
import { buildWebhook, CalcomSandbox, signBody, type SandboxBooking } from '../fakes/calcom-sandbox.js';
import { gql, login, seedCompany, startTestServer, testConfig, type TestServer } from '../support/app.js';
import { createTestDatabase, queryOnce } from '../support/database.js';
import { holdWebhookApplication, webhooksApplied } from '../support/webhooks.js';
import { subscribe } from '../support/ws.js';

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
  /** A 200 means stored: the worker applies it a few milliseconds later. */
  const applied = () => webhooksApplied(server.app);
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
      await applied();
      const before = await counts();
      const response = await post(body, headers());
      expect(response.status).toBe(status);
      expect(((await response.json()) as { error: string }).error).toMatch(message);
      expect(await counts()).toEqual(before);
    });

    it('refuses a tampered body with a valid-looking signature', async () => {
      await applied();
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
      await applied();
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
      expect(text).toMatch(new RegExp(`secretaria_webhook_deliveries_total\\{company="${a.company.id}",trigger="unknown",outcome="rejected",reason="invalid_signature"\\} \\d+`));
      expect(text).toMatch(new RegExp(`secretaria_diagnostics_total\\{company="${a.company.id}",symptom="webhook_unauthorized"\\} \\d+`));
    });
  });

  describe('unauthenticated deliveries and metric series', () => {
    it('a bad signature never turns the claimed trigger into a label, however many are sent', async () => {
      const series = async () => ((await (await fetch(`${server.url}/metrics`)).text()).match(/^secretaria_webhook_deliveries_total\{/gm) ?? []).length;
      const before = await series();
      for (let i = 0; i < 30; i++) {
        const raw = JSON.stringify({ triggerEvent: `INVENTED_${i}_${Math.random()}`, createdAt: new Date().toISOString(), payload: {} });
        const response = await fetch(`${url()}?company=${a.company.id}`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-cal-signature-256': signBody('segredo-errado', raw) }, body: raw });
        expect(response.status).toBe(401);
      }
      // Random company ids (unknown): one fixed "unknown" series, not one per id.
      for (let i = 0; i < 10; i++) {
        const raw = JSON.stringify({ triggerEvent: 'PING', createdAt: new Date().toISOString(), payload: {} });
        const response = await fetch(`${url()}?company=${randomUUID()}`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-cal-signature-256': signBody(SECRET, raw) }, body: raw });
        expect(response.status).toBe(401);
      }
      const text = await (await fetch(`${server.url}/metrics`)).text();
      expect(text).not.toMatch(/INVENTED_/);
      expect(await series()).toBeLessThanOrEqual(before + 2);
    });
  });

  describe('triggers', () => {
    it('answers 200 to PING and unknown triggers and changes nothing', async () => {
      const before = (await rows(a.company.id)).length;
      // BOOKING_NO_SHOW_UPDATED is handled since issue 18 (attendance.test.ts); the host's no-show is not.
      for (const trigger of ['PING', 'MEETING_ENDED', 'AFTER_HOSTS_CAL_VIDEO_NO_SHOW']) {
        const response = await signed(a.company.id, { triggerEvent: trigger, createdAt: new Date().toISOString(), type: 'Test' });
        expect(response.status).toBe(200);
        expect(await response.json()).toEqual({ ok: true });
      }
      await applied();
      expect((await rows(a.company.id)).length).toBe(before);
    });

    it('creates, reschedules (keeping our id) and cancels, pushing each change live', async () => {
      const sub = subscribe(server.url, a.readKey);
      await sub.ready;
      const original = booking('life-1', '2031-06-02T13:00:00.000Z');
      const t0 = Date.UTC(2031, 0, 1);
      expect((await signed(a.company.id, buildWebhook('BOOKING_CREATED', original, { createdAt: new Date(t0).toISOString() }))).status).toBe(200);
      await applied();
      const [created] = (await rows(a.company.id)).filter((r) => r.calBookingUid === 'life-1');
      expect(created).toMatchObject({ status: 'CONFIRMED', source: 'CALCOM', clientName: 'Carlos Sá', clientPhone: '5511987654321', clientEmail: 'carlos@example.com', meetingUrl: 'https://app.cal.com/video/life-1' });

      const moved = booking('life-2', '2031-06-03T17:00:00.000Z');
      const reschedule = buildWebhook('BOOKING_RESCHEDULED', moved, { createdAt: new Date(t0 + 1000).toISOString(), rescheduleUid: 'life-1', rescheduleId: original.id });
      expect((await signed(a.company.id, reschedule)).status).toBe(200);
      await applied();
      const afterReschedule = await server.app.orm.em.fork().findOneOrFail(Appointment, { id: created!.id });
      expect(afterReschedule).toMatchObject({ status: 'RESCHEDULED', calBookingUid: 'life-2', calPreviousUids: ['life-1'], meetingUrl: 'https://app.cal.com/video/life-2' });
      expect(afterReschedule.startAt.toISOString()).toBe('2031-06-03T17:00:00.000Z');

      const cancel = buildWebhook('BOOKING_CANCELLED', { ...moved, status: 'cancelled' }, { createdAt: new Date(t0 + 2000).toISOString(), cancellationReason: 'Imprevisto' });
      expect((await signed(a.company.id, cancel)).status).toBe(200);
      await applied();
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
      await applied();
      let row = (await rows(a.company.id)).find((r) => r.calBookingUid === 'req-1')!;
      expect(row).toMatchObject({ status: 'PENDING', meetingUrl: 'https://meet.example.com/abc' });
      await signed(a.company.id, buildWebhook('BOOKING_REJECTED', requested, { createdAt: '2031-01-01T00:00:01.000Z', rejectionReason: 'Agenda cheia' }));
      await applied();
      row = (await rows(a.company.id)).find((r) => r.calBookingUid === 'req-1')!;
      expect(row).toMatchObject({ status: 'CANCELLED', cancellationReason: 'Agenda cheia' });
    });

    it('applies out-of-order and duplicate deliveries to the right final state', async () => {
      const x = booking('ooo-1', '2031-07-01T13:00:00.000Z');
      const created = buildWebhook('BOOKING_CREATED', x, { createdAt: '2031-02-01T10:00:00.000Z' });
      const cancelled = buildWebhook('BOOKING_CANCELLED', { ...x, status: 'cancelled' }, { createdAt: '2031-02-01T11:00:00.000Z' });
      // cancel before its create, each delivered twice
      for (const envelope of [cancelled, cancelled, created, created]) expect((await signed(a.company.id, envelope)).status).toBe(200);
      await applied();
      const matching = (await rows(a.company.id)).filter((r) => r.calBookingUid === 'ooo-1');
      expect(matching).toHaveLength(1);
      expect(matching[0]!.status).toBe('CANCELLED');

      // a reschedule arriving before the create of the old booking
      const old = booking('ooo-2', '2031-07-02T13:00:00.000Z');
      const next = booking('ooo-3', '2031-07-02T15:00:00.000Z');
      await signed(a.company.id, buildWebhook('BOOKING_RESCHEDULED', next, { createdAt: '2031-02-02T11:00:00.000Z', rescheduleUid: 'ooo-2' }));
      await signed(a.company.id, buildWebhook('BOOKING_CREATED', old, { createdAt: '2031-02-02T10:00:00.000Z' }));
      await applied();
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
      await applied();
      expect((await rows(a.company.id)).find((r) => r.calBookingUid === 'shared-uid')!.status).toBe('CONFIRMED');
      expect((await rows(b.company.id)).find((r) => r.calBookingUid === 'shared-uid')!.status).toBe('CANCELLED');
      // and a metadata appointmentId pointing at Alfa's row cannot pull it into Beta
      const alfaRow = (await rows(a.company.id)).find((r) => r.calBookingUid === 'shared-uid')!;
      const hijack = buildWebhook('BOOKING_CANCELLED', { ...booking('other-uid', '2031-08-02T13:00:00.000Z'), status: 'cancelled', metadata: { appointmentId: alfaRow.id } }, { createdAt: '2031-03-01T12:00:00.000Z' });
      expect((await signed(b.company.id, hijack, 'segredo-beta')).status).toBe(200);
      await applied();
      const still = await server.app.orm.em.fork().findOneOrFail(Appointment, { id: alfaRow.id });
      expect(still).toMatchObject({ companyId: a.company.id, status: 'CONFIRMED' });
    });

    it('treats a metadata appointmentId the same whether or not another company holds it (no probing of ids)', async () => {
      const alfaRow = (await rows(a.company.id)).find((r) => r.calBookingUid === 'shared-uid')!;
      const nowhere = randomUUID();
      const probes = [
        { uid: 'probe-taken', start: '2031-08-03T13:00:00.000Z', appointmentId: alfaRow.id },
        { uid: 'probe-free', start: '2031-08-03T15:00:00.000Z', appointmentId: nowhere },
      ];
      for (const p of probes) {
        const envelope = buildWebhook('BOOKING_CREATED', { ...booking(p.uid, p.start), metadata: { appointmentId: p.appointmentId } }, { createdAt: '2031-03-02T10:00:00.000Z' });
        expect((await signed(b.company.id, envelope, 'segredo-beta')).status).toBe(200);
      }
      await applied();
      const betaRows = await rows(b.company.id);
      for (const p of probes) {
        const row = betaRows.find((r) => r.calBookingUid === p.uid)!;
        expect(row).toBeDefined();
        // Neither id was ever Beta's: both rows get ids of their own, so the outcome says nothing about Alfa.
        expect(row.id).not.toBe(p.appointmentId);
      }
      expect(await server.app.orm.em.fork().findOneOrFail(Appointment, { id: alfaRow.id })).toMatchObject({ companyId: a.company.id, calBookingUid: 'shared-uid' });
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
      // A 200 means stored: the last acknowledgement leaves a backlog of this company's deliveries,
      // applied by one loop (one per company), so how long it takes depends on the machine.
      await webhooksApplied(server.app, c.company.id, 60_000);
      const final = new Map((await rows(c.company.id)).map((r) => [r.calBookingUid!, r.status]));
      expect(final).toEqual(expected);
    }, 120_000);
  });

  describe('acknowledge, then apply', () => {
    const deliveries = (companyId: string) =>
      server.app.orm.em.fork().getConnection().execute<Array<{ booking_uid: string | null; outcome: string; reason: string | null; has_body: boolean; applied: boolean }>>(
        'select booking_uid, outcome, reason, body is not null as has_body, applied_at is not null as applied from webhook_deliveries where company_id = ? order by received_at',
        [companyId],
      );
    const metric = async (labels: string) => {
      const text = await (await fetch(`${server.url}/metrics`)).text();
      return Number(new RegExp(`^secretaria_webhook_deliveries_total\\{${labels}\\} (\\d+)$`, 'm').exec(text)?.[1] ?? 0);
    };

    /**
     * Makes `CalcomSyncService.apply` throw the message `fails` gives for a booking (from its uid and
     * the number of this call for it), with the applier giving up after `maxAttempts` and retrying
     * within milliseconds; `calls` counts the calls per uid, `restore` undoes both.
     */
    const failingApply = (maxAttempts: number, fails: (uid: string, call: number) => string | null) => {
      const applier = server.app.webhookApplier;
      const options = { ...applier.options };
      Object.assign(applier.options, { maxAttempts, retryBaseMs: 30 });
      const sync = server.app.services.calcomSync;
      const original = sync.apply.bind(sync);
      const calls = new Map<string, number>();
      sync.apply = (async (tx, companyId, event, via) => {
        const call = (calls.get(event.uid) ?? 0) + 1;
        calls.set(event.uid, call);
        const failure = fails(event.uid, call);
        if (failure) throw new Error(failure);
        return original(tx, companyId, event, via);
      }) as CalcomSyncService['apply'];
      return {
        calls,
        restore: () => {
          sync.apply = original;
          Object.assign(applier.options, options);
        },
      };
    };

    it('stores a replayed body once and answers 200 to every copy', async () => {
      const c = await seedCompany(server.app, 'Replay', { calWebhookSecret: 'segredo-replay' });
      const envelope = buildWebhook('BOOKING_CREATED', booking('replay-1', '2031-09-01T13:00:00.000Z'), { createdAt: '2031-04-01T10:00:00.000Z' });
      const labels = `company="${c.company.id}",trigger="BOOKING_CREATED",outcome="duplicate",reason=""`;
      const before = await metric(labels);
      const answers = await Promise.all([1, 2, 3].map(() => signed(c.company.id, envelope, 'segredo-replay')));
      answers.push(await signed(c.company.id, envelope, 'segredo-replay'));
      await applied();
      answers.push(await signed(c.company.id, envelope, 'segredo-replay'));
      expect(answers.map((r) => r.status)).toEqual([200, 200, 200, 200, 200]);
      for (const answer of answers) expect(await answer.json()).toEqual({ ok: true });
      await applied();
      expect(await deliveries(c.company.id)).toEqual([{ booking_uid: 'replay-1', outcome: 'applied', reason: null, has_body: false, applied: true }]);
      expect((await rows(c.company.id)).map((r) => r.calBookingUid)).toEqual(['replay-1']);
      expect(await metric(labels)).toBe(before + 4);
      expect(await metric(`company="${c.company.id}",trigger="BOOKING_CREATED",outcome="applied",reason=""`)).toBe(1);
    });

    it('applies the deliveries of more companies than it has loops for, each company in order', async () => {
      const applier = server.app.webhookApplier;
      const concurrency = applier.options.concurrency;
      applier.options.concurrency = 2;
      try {
        const companies = await Promise.all([1, 2, 3, 4, 5].map((i) => seedCompany(server.app, `Várias ${i}`, { calWebhookSecret: `segredo-varias-${i}` })));
        const posts: Array<Promise<Response>> = [];
        for (const [i, c] of companies.entries()) {
          for (let n = 0; n < 6; n++) {
            const x = booking(`multi-${i}-${n}`, new Date(Date.UTC(2031, 11, 1 + n, 13)).toISOString());
            posts.push(signed(c.company.id, buildWebhook('BOOKING_CREATED', x, { createdAt: '2031-07-01T10:00:00.000Z' }), `segredo-varias-${i + 1}`));
            if (n % 2) posts.push(signed(c.company.id, buildWebhook('BOOKING_CANCELLED', { ...x, status: 'cancelled' }, { createdAt: '2031-07-01T11:00:00.000Z' }), `segredo-varias-${i + 1}`));
          }
        }
        expect((await Promise.all(posts)).map((r) => r.status).every((status) => status === 200)).toBe(true);
        await applied();
        for (const [i, c] of companies.entries()) {
          expect((await rows(c.company.id)).map((r) => [r.calBookingUid, r.status])).toEqual(
            [0, 1, 2, 3, 4, 5].map((n) => [`multi-${i}-${n}`, n % 2 ? 'CANCELLED' : 'CONFIRMED']),
          );
        }
      } finally {
        applier.options.concurrency = concurrency;
      }
    });

    it('keeps applying the others when one delivery fails: retries it, then marks it failed with the error', async () => {
      const c = await seedCompany(server.app, 'Falhas', { calWebhookSecret: 'segredo-falhas' });
      const { calls: attempts, restore } = failingApply(3, (uid, call) =>
        uid === 'fail-always' ? 'falha simulada' : uid === 'fail-twice' && call <= 2 ? 'falha passageira' : null,
      );
      try {
        const uids = ['fail-always', 'fail-twice', 'ok-1', 'ok-2', 'ok-3'];
        for (const [i, uid] of uids.entries()) {
          const envelope = buildWebhook('BOOKING_CREATED', booking(uid, `2031-10-0${i + 1}T13:00:00.000Z`), { createdAt: '2031-05-01T10:00:00.000Z' });
          expect((await signed(c.company.id, envelope, 'segredo-falhas')).status).toBe(200);
        }
        await applied();
      } finally {
        restore();
      }
      const byUid = new Map((await deliveries(c.company.id)).map((d) => [d.booking_uid, d]));
      expect(byUid.get('fail-always')).toMatchObject({ outcome: 'failed', reason: 'Falha ao aplicar (tentativa 3 de 3): falha simulada', has_body: true, applied: false });
      expect(byUid.get('fail-twice')).toMatchObject({ outcome: 'applied', has_body: false, applied: true });
      for (const uid of ['ok-1', 'ok-2', 'ok-3']) expect(byUid.get(uid)).toMatchObject({ outcome: 'applied', has_body: false, applied: true });
      expect(attempts.get('fail-always')).toBe(3);
      expect(attempts.get('fail-twice')).toBe(3);
      expect((await rows(c.company.id)).map((r) => r.calBookingUid).sort()).toEqual(['fail-twice', 'ok-1', 'ok-2', 'ok-3']);
      expect(await metric(`company="${c.company.id}",trigger="BOOKING_CREATED",outcome="failed",reason="apply_error"`)).toBe(1);

      const admin = await login(server.url, c.email, c.password);
      const diag = await gql(server.url, '{ webhookDiagnostics { outcome reason bookingUid } }', {}, admin);
      expect(diag.data!.webhookDiagnostics).toContainEqual({ outcome: 'failed', reason: expect.stringMatching(/falha simulada/), bookingUid: 'fail-always' });
    });

    it('lets a burst of requests go first: applying waits until the process has room', async () => {
      const c = await seedCompany(server.app, 'Rajada', { calWebhookSecret: 'segredo-rajada' });
      const applier = server.app.webhookApplier;
      const options = { ...applier.options };
      let open!: () => void;
      const room = new Promise<void>((resolve) => (open = resolve));
      let asked = 0;
      applier.options.waitForRoom = async () => {
        asked += 1;
        await room;
      };
      try {
        const envelope = buildWebhook('BOOKING_CREATED', booking('rajada-1', '2031-10-20T13:00:00.000Z'), { createdAt: '2031-05-03T10:00:00.000Z' });
        expect((await signed(c.company.id, envelope, 'segredo-rajada')).status).toBe(200);
        await new Promise((resolve) => setTimeout(resolve, 300));
        expect(asked).toBeGreaterThan(0);
        expect((await deliveries(c.company.id)).map((d) => d.outcome)).toEqual(['pending']);
        open();
        await applied();
      } finally {
        open();
        Object.assign(applier.options, options);
      }
      expect((await deliveries(c.company.id)).map((d) => d.outcome)).toEqual(['applied']);
      expect((await rows(c.company.id)).map((r) => r.calBookingUid)).toEqual(['rajada-1']);
    });

    it('applies a backlog in batches; a delivery that fails rolls back its batch and only it waits for a retry', async () => {
      const c = await seedCompany(server.app, 'Lote', { calWebhookSecret: 'segredo-lote' });
      const { calls, restore } = failingApply(2, (uid) => (uid === 'lote-falha' ? 'falha no lote' : null));
      // The applier claims the first delivery and waits for the lock; the rest pile up behind it.
      const release = await holdWebhookApplication(server.databaseUrl, c.company.id);
      const uids = ['lote-0', 'lote-1', 'lote-2', 'lote-falha', 'lote-3', 'lote-4', 'lote-5', 'lote-6', 'lote-7'];
      try {
        for (const [i, uid] of uids.entries()) {
          const envelope = buildWebhook('BOOKING_CREATED', booking(uid, `2031-10-1${i}T13:00:00.000Z`), { createdAt: '2031-05-02T10:00:00.000Z' });
          expect((await signed(c.company.id, envelope, 'segredo-lote')).status).toBe(200);
        }
        await release();
        await applied();
      } finally {
        await release();
        restore();
      }
      const states = await server.app.orm.em.fork().getConnection().execute<Array<{ booking_uid: string; outcome: string; tx: string }>>(
        'select booking_uid, outcome, xmin::text as tx from webhook_deliveries where company_id = ? order by received_at',
        [c.company.id],
      );
      expect(states.map((d) => [d.booking_uid, d.outcome])).toEqual(uids.map((uid) => [uid, uid === 'lote-falha' ? 'failed' : 'applied']));
      // The eight that succeeded were recorded by fewer transactions than deliveries (a row's xmin is
      // the transaction that last wrote it).
      expect(new Set(states.filter((d) => d.outcome === 'applied').map((d) => d.tx)).size).toBeLessThan(8);
      // Each failed attempt is one call; the ones rolled back with it were applied once in the end.
      expect(calls.get('lote-falha')).toBe(2);
      expect((await rows(c.company.id)).map((r) => r.calBookingUid)).toEqual(uids.filter((uid) => uid !== 'lote-falha'));
      expect(await metric(`company="${c.company.id}",trigger="BOOKING_CREATED",outcome="applied",reason=""`)).toBe(8);
    });
  });
});

/**
 * Every instance applies what its route stored, right after answering (ROLE=api too: the work stays
 * where the request went); any instance, a ROLE=worker included, applies what a stopped one left
 * pending, as soon as it starts.
 */
describe('Cal.com webhook: API and worker processes', () => {
  const SECRET_SPLIT = 'segredo-dividido';
  let api: App | undefined;
  let worker: App | undefined;
  let drop: () => Promise<void>;
  let databaseUrl: string;
  let company: Awaited<ReturnType<typeof seedCompany>>;

  const post = (app: App, envelope: unknown) => {
    const body = JSON.stringify(envelope);
    return fetch(`${app.url}/api/agenda/webhook/cal`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-cal-company': company.company.id, 'x-cal-signature-256': signBody(SECRET_SPLIT, body) }, body });
  };
  const sql = <T,>(query: string, params: unknown[] = []) => queryOnce<T>(databaseUrl, query, params);
  const deliveries = () =>
    sql<{ booking_uid: string | null; outcome: string; has_body: boolean; applied: boolean }>(
      'select booking_uid, outcome, body is not null as has_body, applied_at is not null as applied from webhook_deliveries where company_id = $1 order by received_at',
      [company.company.id],
    );
  const appointments = () => sql<{ cal_booking_uid: string; status: string }>('select cal_booking_uid, status from appointments where company_id = $1 order by start_at', [company.company.id]);

  beforeAll(async () => {
    const db = await createTestDatabase('webhook_split');
    databaseUrl = db.url;
    drop = db.drop;
    api = await startApp(testConfig(databaseUrl, { role: 'api' }));
    company = await seedCompany(api, 'Dividida', { calWebhookSecret: SECRET_SPLIT });
  });
  afterAll(async () => {
    await worker?.close();
    await api?.close();
    await drop?.();
  });

  it('an API-only instance applies what it received right after answering 200', async () => {
    const first = booking('split-1', '2031-11-03T13:00:00.000Z');
    const events = [
      buildWebhook('BOOKING_CREATED', first, { createdAt: '2031-06-01T10:00:00.000Z' }),
      buildWebhook('BOOKING_CREATED', booking('split-2', '2031-11-04T13:00:00.000Z'), { createdAt: '2031-06-01T10:00:01.000Z' }),
      buildWebhook('BOOKING_CANCELLED', { ...first, status: 'cancelled' }, { createdAt: '2031-06-01T10:00:02.000Z', cancellationReason: 'Imprevisto' }),
    ];
    for (const envelope of events) {
      const response = await post(api!, envelope);
      expect(response.status).toBe(200);
      expect(await response.json()).toEqual({ ok: true });
    }
    expect((await post(api!, events[0])).status).toBe(200); // a replay: still one row
    await webhooksApplied(api!, company.company.id);
    expect((await deliveries()).map((d) => [d.booking_uid, d.outcome, d.has_body, d.applied])).toEqual([
      ['split-1', 'applied', false, true],
      ['split-2', 'applied', false, true],
      ['split-1', 'applied', false, true],
    ]);
    expect((await appointments()).map((a) => [a.cal_booking_uid, a.status])).toEqual([['split-1', 'CANCELLED'], ['split-2', 'CONFIRMED']]);
  });

  it('a worker applies deliveries left pending by a stopped instance as soon as it starts', async () => {
    await api!.close();
    api = undefined;
    // What an instance killed between its answer and the application leaves behind.
    const bodies = [
      buildWebhook('BOOKING_CREATED', booking('split-3', '2031-11-05T13:00:00.000Z'), { createdAt: '2031-06-02T10:00:00.000Z' }),
      buildWebhook('BOOKING_CANCELLED', { ...booking('split-2', '2031-11-04T13:00:00.000Z'), status: 'cancelled' }, { createdAt: '2031-06-02T10:00:01.000Z' }),
    ].map((envelope) => JSON.stringify(envelope));
    for (const body of bodies) {
      const envelope = JSON.parse(body) as { triggerEvent: string; payload: { uid: string } };
      await sql(
        `insert into webhook_deliveries (id, company_id, trigger, booking_uid, body_hash, outcome, received_at, body)
         values (gen_random_uuid(), $1, $2, $3, md5($4), 'pending', clock_timestamp(), $4)`,
        [company.company.id, envelope.triggerEvent, envelope.payload.uid, body],
      );
    }
    worker = await startApp(testConfig(databaseUrl, { role: 'worker' }));
    await webhooksApplied(worker, company.company.id);
    expect((await deliveries()).slice(-2).map((d) => [d.booking_uid, d.outcome, d.has_body])).toEqual([
      ['split-3', 'applied', false],
      ['split-2', 'applied', false],
    ]);
    expect((await appointments()).map((a) => [a.cal_booking_uid, a.status])).toEqual([['split-1', 'CANCELLED'], ['split-2', 'CANCELLED'], ['split-3', 'CONFIRMED']]);
  });
});
