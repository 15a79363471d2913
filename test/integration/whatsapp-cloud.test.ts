import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { Appointment } from '../../server/appointments/appointment.entity.js';
import { CLOUD_API_TEXTS } from '../../server/platform/messages.js';
import { confirmationMessage, noAppointmentsMessage } from '../../server/whatsapp/replies.js';
import { GraphApiSandbox, newWamid, signMeta, type GraphSent, type UserMessage } from '../fakes/graph-api-sandbox.js';
import { gql, login, seedCompany } from '../support/app.js';
import { counts as rowCounts, eventually, expectMachineOnlyHeaders, expectPageHeaders, newPhone, offeredSlots, outboundAfterInbound, sql, startHarness, TZ, type Harness, type Seeded } from './whatsapp-harness.js';

const PN_ALPHA = '106540352242922';
const PN_BETA = '206540352242933';
const TEMPLATE = 'lembrete_consulta';
const REMINDER = 'Olá, Ana! Lembrete: sua reunião é amanhã (sexta, 4/12) às 14h. Responda 1 para confirmar, 2 para remarcar ou 3 para cancelar.';

interface Tenant {
  seeded: Seeded;
  id: string;
  phoneNumberId: string;
  appSecret: string;
  verifyToken: string;
  accessToken: string;
}

describe('WhatsApp Cloud API', () => {
  let h: Harness;
  let graph: GraphApiSandbox;
  let alpha: Tenant;
  let beta: Tenant;

  const seedCloud = async (name: string, phoneNumberId: string, apiKey: string, eventTypeId: number): Promise<Tenant> => {
    h.calcom.addTenant({ apiKeys: [apiKey], eventTypes: [{ id: eventTypeId }], workingHours: { days: [0, 1, 2, 3, 4, 5, 6], start: '09:00', end: '18:00' } });
    const keys = { appSecret: `secret-${randomUUID()}`, verifyToken: `verify-${randomUUID()}`, accessToken: `EAAG${randomUUID()}` };
    graph.addPhoneNumber({ id: phoneNumberId, accessToken: keys.accessToken, displayPhoneNumber: '+55 11 4000-1234', verifiedName: name });
    const seeded = await seedCompany(h.app, name, {
      calApiUrl: h.calcom.url,
      calApiKey: apiKey,
      calEventTypeId: eventTypeId,
      timezone: TZ,
      whatsappProvider: 'CLOUD_API',
      cloudApiUrl: graph.url,
      cloudApiVersion: 'v23.0',
      cloudPhoneNumberId: phoneNumberId,
      cloudAccessToken: keys.accessToken,
      cloudAppSecret: keys.appSecret,
      cloudVerifyToken: keys.verifyToken,
      cloudReminderTemplate: TEMPLATE,
      cloudTemplateLanguage: 'pt_BR',
    });
    const id = seeded.company.id;
    graph.subscribe(phoneNumberId, { callbackUrl: `${h.url}/api/whatsapp/cloud/${id}`, appSecret: keys.appSecret, verifyToken: keys.verifyToken });
    return { seeded, id, phoneNumberId, ...keys };
  };

  beforeAll(async () => {
    h = await startHarness('whatsapp_cloud');
    graph = new GraphApiSandbox({ templates: [{ name: TEMPLATE, language: 'pt_BR', bodyParameters: 3 }] });
    await graph.start();
    alpha = await seedCloud('Clínica Cloud Alfa', PN_ALPHA, 'cal_cloud_alpha', 3001);
    beta = await seedCloud('Clínica Cloud Beta', PN_BETA, 'cal_cloud_beta', 3002);
  });
  afterAll(async () => {
    await graph?.stop();
    await h?.close();
  });
  beforeEach(() => {
    graph.windowErrors = 'sync';
    graph.statusDelayMs = 20;
  });

  /** A person writing to a company's business number through Meta. */
  const person = (tenant: Tenant, phone = newPhone()) => {
    const received = () => graph.sent().filter((m) => m.phoneNumberId === tenant.phoneNumberId && m.to === `+${phone}`);
    return {
      phone,
      received,
      say: async (message: Omit<UserMessage, 'from'> | string) => {
        const result = await graph.userSends(tenant.phoneNumberId, { from: phone, name: 'Ana Souza', ...(typeof message === 'string' ? { text: message } : message) });
        if (result.status !== 200) throw new Error(`cloud webhook answered ${result.status}: ${result.body}`);
        return result;
      },
      replies: async (count: number, since: number, timeoutMs = 10_000): Promise<GraphSent[]> => {
        const all = await eventually(() => (received().length >= since + count ? received() : null), timeoutMs);
        return all.slice(since);
      },
    };
  };
  const textOf = (m: GraphSent) => (m.body.text as { body: string } | undefined)?.body ?? (m.body.interactive as { body: { text: string } } | undefined)?.body.text;
  const counts = () => rowCounts(h);
  const outboundRow = async (id: string) => (await sql(h, 'select * from outbound_messages where id = ?', [id]))[0]!;
  /** A reminder row as issue 18 writes it (kind REMINDER, template parameters), handed to the send job. */
  const reminder = async (tenant: Tenant, phone: string, body = REMINDER) => {
    const id = randomUUID();
    await sql(
      h,
      `insert into outbound_messages (id, company_id, phone, body, dedupe_key, status, attempts, created_at, kind, template)
       values (?, ?, ?, ?, ?, 'PENDING', 0, now(), 'REMINDER', ?::jsonb)`,
      [id, tenant.id, phone, body, `reminder:${id}`, JSON.stringify({ parameters: ['Ana', 'amanhã (sexta, 4/12)', '14h'] })],
    );
    await h.app.services.whatsapp.sendOutbound(h.app.orm.em.fork(), id);
    return id;
  };

  describe('verify handshake (GET)', () => {
    it('echoes hub.challenge only for the company’s verify token', async () => {
      const ok = await graph.verifyWebhook(PN_ALPHA);
      expect(ok).toMatchObject({ status: 200, body: ok.challenge });

      expect((await graph.verifyWebhook(PN_ALPHA, { verifyToken: 'wrong' })).status).toBe(403);
      expect((await graph.verifyWebhook(PN_ALPHA, { verifyToken: beta.verifyToken })).status).toBe(403);
      const get = (companyId: string, query: string) => fetch(`${h.url}/api/whatsapp/cloud/${companyId}?${query}`);
      const token = encodeURIComponent(alpha.verifyToken);
      expect((await get(alpha.id, `hub.mode=unsubscribe&hub.challenge=1&hub.verify_token=${token}`)).status).toBe(403);
      expect((await get(randomUUID(), `hub.mode=subscribe&hub.challenge=1&hub.verify_token=${token}`)).status).toBe(403);
      expect((await get('not-a-uuid', `hub.mode=subscribe&hub.challenge=1&hub.verify_token=${token}`)).status).toBe(403);
      expect((await get(alpha.id, `hub.mode=subscribe&hub.verify_token=${token}`)).status).toBe(400);
      expect((await get(alpha.id, `hub.mode=subscribe&hub.challenge=%3Cscript%3E&hub.verify_token=${token}`)).status).toBe(400);
    });

    it('answers Meta without the page security headers, keeping nosniff and the request id (GET and POST, 200 and 401 alike)', async () => {
      const url = `${h.url}/api/whatsapp/cloud/${alpha.id}`;
      // Signed, for another business number: accepted (200) and ignored, so nothing is left running.
      const body = JSON.stringify(graph.messagesPayload('109999999999999', [{ from: newPhone(), text: 'oi' }]));
      const sign = (secret: string) => signMeta(body, secret);
      const responses = [
        await fetch(`${url}?hub.mode=subscribe&hub.challenge=1158201444&hub.verify_token=${encodeURIComponent(alpha.verifyToken)}`),
        await fetch(`${url}?hub.mode=subscribe&hub.challenge=1158201444&hub.verify_token=errado`),
        await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', 'x-hub-signature-256': sign(alpha.appSecret) }, body }),
        await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', 'x-hub-signature-256': sign('errado') }, body }),
      ];
      expect(responses.map((r) => r.status)).toEqual([200, 403, 200, 401]);
      for (const response of responses) expectMachineOnlyHeaders(response);
      // The panel's routes keep them.
      await expectPageHeaders(h.url);
    });
  });

  describe('signed deliveries (POST)', () => {
    it('answers 401 to a missing, wrong or another company’s signature and to an unknown company, writing nothing', async () => {
      const before = await counts();
      const payload = graph.messagesPayload(PN_ALPHA, [{ from: newPhone(), text: 'quero marcar amanhã' }]);
      const attempts = [
        await graph.deliver(PN_ALPHA, payload, { signature: null }),
        await graph.deliver(PN_ALPHA, payload, { signature: 'sha256=' + '0'.repeat(64) }),
        await graph.deliver(PN_ALPHA, payload, { appSecret: beta.appSecret }),
        await graph.deliver(PN_ALPHA, payload, { signature: 'sha1=abc' }),
      ];
      const unknown = await fetch(`${h.url}/api/whatsapp/cloud/${randomUUID()}`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-hub-signature-256': 'sha256=' + '0'.repeat(64) }, body: '{}' });
      attempts.push({ status: unknown.status, body: await unknown.text() });
      for (const attempt of attempts) {
        expect(attempt.status).toBe(401);
        expect(JSON.parse(attempt.body)).toEqual({ error: CLOUD_API_TEXTS.signatureInvalid, code: 'UNAUTHENTICATED' });
      }
      // Signed, but not a WhatsApp notification: a clear 400, still nothing written.
      const bad = await graph.deliver(PN_ALPHA, { object: 'page', entry: [] });
      expect(bad.status).toBe(400);
      expect(JSON.parse(bad.body).error).toContain('whatsapp_business_account');
      expect(await counts()).toEqual(before);
    });

    it('accepts the body in plain UTF-8 too (signed over its escaped-unicode form)', async () => {
      const ana = person(alpha);
      graph.encoding = 'utf8';
      try {
        await ana.say('quais são minhas reuniões? é amanhã?');
      } finally {
        graph.encoding = 'escaped';
      }
      const [reply] = await ana.replies(1, 0);
      expect(textOf(reply!)).toBe(noAppointmentsMessage());
    });

    it('answers a text through the engine, and a repeated delivery of the same wamid once', async () => {
      const ana = person(alpha);
      const first = await ana.say('quais são minhas reuniões?');
      expect(JSON.parse(first.body)).toMatchObject({ ok: true, stored: 1, duplicates: 0 });
      const [reply] = await ana.replies(1, 0);
      expect(reply!.type).toBe('text');
      expect(reply!.body).toMatchObject({ messaging_product: 'whatsapp', to: `+${ana.phone}`, type: 'text', text: { body: noAppointmentsMessage() } });

      // Meta retries (and duplicates) deliveries: same wamid, same everything.
      const again = await ana.say({ id: first.id, text: 'quais são minhas reuniões?' });
      expect(JSON.parse(again.body)).toMatchObject({ ok: true, stored: 0, duplicates: 1 });
      expect(await outboundAfterInbound(h, ana.phone)).toBe(1);
      expect(ana.received()).toHaveLength(1);
      expect(await sql(h, 'select status from inbound_messages where company_id = ? and message_id = ?', [alpha.id, first.id])).toEqual([{ status: 'PROCESSED' }]);
    });

    it('turns a tapped reply button into the engine’s answer (books the first option)', async () => {
      const ana = person(alpha);
      await ana.say('quero marcar reunião amanhã à tarde');
      await ana.replies(1, 0);
      const slots = await offeredSlots(h, ana.phone, alpha.id);
      expect(slots.length).toBeGreaterThan(0);

      await ana.say({ buttonReply: { id: '1', title: 'Primeira opção' }, contextId: ana.received()[0]!.id });
      const [confirmation] = await ana.replies(1, 1);
      const [row] = await h.app.orm.em.fork().find(Appointment, { companyId: alpha.id, clientPhone: ana.phone });
      expect(row).toMatchObject({ source: 'WHATSAPP', status: 'CONFIRMED' });
      expect(row!.startAt.getTime()).toBe(slots[0]!.getTime());
      expect(textOf(confirmation!)).toBe(confirmationMessage(slots[0]!, row!.meetingUrl, new Date(), TZ));
      expect(await sql(h, `select body from inbound_messages where company_id = ? and phone = ? order by received_at`, [alpha.id, ana.phone])).toEqual([
        { body: 'quero marcar reunião amanhã à tarde' },
        { body: '1' },
      ]);
    });

    it('keeps statuses out of order without going back (read stays read), and ignores unknown wamids', async () => {
      const ana = person(alpha);
      await ana.say('quais são minhas reuniões?');
      const [reply] = await ana.replies(1, 0);
      const row = async () => (await sql(h, 'select delivery_status from outbound_messages where provider_message_id = ?', [reply!.id]))[0]?.delivery_status;
      await eventually(async () => (await row()) === 'SENT');

      for (const result of await graph.statuses(PN_ALPHA, reply!.id, ['read', 'delivered', 'sent'])) expect(result.status).toBe(200);
      expect(await row()).toBe('READ');
      // One delivery carrying several statuses, and a duplicate: same outcome.
      await graph.statuses(PN_ALPHA, reply!.id, ['delivered', 'read', 'sent'], { oneDelivery: true });
      expect(await row()).toBe('READ');

      const unknown = await graph.statuses(PN_ALPHA, newWamid(), ['delivered']);
      expect(JSON.parse(unknown[0]!.body)).toMatchObject({ ok: true, statuses: 0 });
      const metrics = await (await fetch(`${h.url}/metrics`)).text();
      const line = metrics.split('\n').find((l) => l.startsWith('secretaria_whatsapp_delivery_status_total{') && l.includes(`company="${alpha.id}"`) && l.includes('provider="cloud"') && l.includes('status="read"'));
      expect(Number(line?.split(' ').at(-1))).toBeGreaterThanOrEqual(1);
    });
  });

  describe('outbound', () => {
    it('sends the reminder’s three answers as reply buttons inside the window', async () => {
      const ana = person(alpha);
      await ana.say('quais são minhas reuniões?');
      await ana.replies(1, 0);
      const id = await reminder(alpha, ana.phone);
      const [sent] = await ana.replies(1, 1);
      expect(sent!.body).toEqual({
        messaging_product: 'whatsapp',
        recipient_type: 'individual',
        to: `+${ana.phone}`,
        type: 'interactive',
        interactive: {
          type: 'button',
          body: { text: REMINDER },
          action: { buttons: [{ type: 'reply', reply: { id: '1', title: 'Confirmar' } }, { type: 'reply', reply: { id: '2', title: 'Remarcar' } }, { type: 'reply', reply: { id: '3', title: 'Cancelar' } }] },
        },
      });
      expect(await outboundRow(id)).toMatchObject({ status: 'SENT', sent_as: 'BUTTONS', provider_message_id: sent!.id, provider: 'CLOUD_API', delivery_status: 'SENT' });
    });

    it('sends a reminder as the approved template when the person has not written within 24 hours (no free-form attempt)', async () => {
      const phone = newPhone();
      // Wrote 25 hours ago: known closed before sending.
      await sql(h, `insert into inbound_messages (id, company_id, message_id, phone, body, status, received_at) values (?, ?, ?, ?, 'oi', 'PROCESSED', now() - interval '25 hours')`, [randomUUID(), alpha.id, newWamid(), phone]);
      const before = graph.requests.length;
      const id = await reminder(alpha, phone);
      const posts = graph.requests.slice(before).filter((r) => (r.body as { to?: string }).to === `+${phone}`);
      expect(posts.map((r) => (r.body as { type: string }).type)).toEqual(['template']);
      expect(posts[0]!.body).toEqual({
        messaging_product: 'whatsapp',
        recipient_type: 'individual',
        to: `+${phone}`,
        type: 'template',
        template: { name: TEMPLATE, language: { code: 'pt_BR' }, components: [{ type: 'body', parameters: [{ type: 'text', text: 'Ana' }, { type: 'text', text: 'amanhã (sexta, 4/12)' }, { type: 'text', text: '14h' }] }] },
      });
      expect(await outboundRow(id)).toMatchObject({ status: 'SENT', sent_as: 'TEMPLATE', window_closed_at: null });
    });

    it('resends a reminder as template when Meta answers 131047 at once', async () => {
      const ana = person(alpha);
      await ana.say('quais são minhas reuniões?');
      await ana.replies(1, 0);
      // Our last-inbound record says open; Meta disagrees (its clock, a message it did not count).
      graph.closeWindow(PN_ALPHA, ana.phone);
      const id = await reminder(alpha, ana.phone);
      const requests = graph.requests.filter((r) => (r.body as { to?: string }).to === `+${ana.phone}`).map((r) => (r.body as { type: string }).type);
      expect(requests).toEqual(['text', 'interactive', 'template']);
      const row = await outboundRow(id);
      expect(row).toMatchObject({ status: 'SENT', sent_as: 'TEMPLATE', attempts: 1 });
      expect(row.window_closed_at).not.toBeNull();
      expect(ana.received().at(-1)!.type).toBe('template');
    });

    it.each([20, -300])('resends a reminder as template when Meta reports 131047 in a failed status (%i ms after accepting it)', async (delay) => {
      graph.windowErrors = 'webhook';
      graph.statusDelayMs = delay;
      const ana = person(alpha);
      await ana.say('quais são minhas reuniões?');
      await ana.replies(1, 0);
      graph.closeWindow(PN_ALPHA, ana.phone);
      const id = await reminder(alpha, ana.phone);
      const accepted = graph.lateFailures.find((m) => m.to === `+${ana.phone}`)!;
      expect(accepted.type).toBe('interactive');

      const [template] = await ana.replies(1, 1);
      expect(template!.type).toBe('template');
      const row = await eventually(async () => {
        const r = await outboundRow(id);
        return r.provider_message_id === template!.id && r.status === 'SENT' ? r : null;
      });
      expect(row).toMatchObject({ sent_as: 'TEMPLATE', delivery_status: 'SENT' });
      expect(row.window_closed_at).not.toBeNull();

      // Meta repeats the failed status of the first wamid: nothing is sent again.
      const result = await graph.statuses(PN_ALPHA, accepted.id, [{ status: 'failed', code: 131047 }]);
      expect(JSON.parse(result[0]!.body).resentAsTemplate).toBeUndefined();
      // The reply and the reminder, both settled: the repeated status reopened neither.
      expect(await outboundAfterInbound(h, ana.phone)).toBe(2);
      expect(await sql(h, `select id from outbound_messages where phone = ? and status <> 'SENT'`, [ana.phone])).toEqual([]);
      expect(ana.received()).toHaveLength(2);
    });

    it('fails a reply refused for the closed window with the reason for the panel, without a template', async () => {
      const ana = person(alpha);
      await ana.say('quais são minhas reuniões?');
      await ana.replies(1, 0);
      graph.closeWindow(PN_ALPHA, ana.phone);
      const before = graph.requests.length;
      const id = randomUUID();
      await sql(h, `insert into outbound_messages (id, company_id, phone, body, dedupe_key, status, attempts, created_at) values (?, ?, ?, 'Olá!', ?, 'PENDING', 0, now())`, [id, alpha.id, ana.phone, `reply:${id}`]);
      await h.app.services.whatsapp.sendOutbound(h.app.orm.em.fork(), id);
      expect(await outboundRow(id)).toMatchObject({ status: 'FAILED', delivery_status: 'FAILED', delivery_error: CLOUD_API_TEXTS.windowClosed, sent_as: null });
      expect(graph.requests.slice(before).map((r) => (r.body as { type: string }).type)).toEqual(['text']);
    });

    it('retries rate-limit errors with backoff until Meta takes the message', async () => {
      const ana = person(alpha);
      graph.failNext(1, 130429);
      graph.failNext(1, 80007);
      await ana.say('quais são minhas reuniões?');
      const [reply] = await ana.replies(1, 0, 30_000);
      expect(textOf(reply!)).toBe(noAppointmentsMessage());
      // Meta answered; our row commits right after.
      const row = await eventually(async () => (await sql(h, 'select attempts, status, last_error from outbound_messages where provider_message_id = ?', [reply!.id]))[0]);
      expect(row).toEqual({ attempts: 3, status: 'SENT', last_error: null });
    }, 45_000);
  });

  describe('connection', () => {
    const COMPANY = '{ company { whatsappConnectionError whatsappConnectionErrorAt } }';
    const TEST = 'mutation { testWhatsappConnection { ok state message provider } }';

    it('"Testar conexão" looks the phone number up', async () => {
      const admin = await login(h.url, beta.seeded.email, beta.seeded.password);
      const result = await gql(h.url, TEST, {}, admin);
      expect(result.data?.testWhatsappConnection).toEqual({ ok: true, state: 'GREEN', provider: 'CLOUD_API', message: CLOUD_API_TEXTS.connectionOk({ number: '+55 11 4000-1234, Clínica Cloud Beta', quality: 'GREEN' }) });
      expect(graph.requests.at(-1)).toMatchObject({ method: 'GET', path: `/v23.0/${PN_BETA}` });
    });

    it('an expired token (190) marks the connection broken, shown in GraphQL, until a new token works', async () => {
      const admin = await login(h.url, beta.seeded.email, beta.seeded.password);
      graph.expireToken(PN_BETA);
      const ana = person(beta);
      await ana.say('quais são minhas reuniões?');
      const row = await eventually(async () => (await sql(h, `select status, delivery_error from outbound_messages where company_id = ? and phone = ? and status <> 'PENDING'`, [beta.id, ana.phone]))[0]);
      expect(row).toEqual({ status: 'FAILED', delivery_error: CLOUD_API_TEXTS.tokenExpired });
      expect((await gql(h.url, COMPANY, {}, admin)).data?.company).toMatchObject({ whatsappConnectionError: CLOUD_API_TEXTS.tokenExpired, whatsappConnectionErrorAt: expect.any(String) });
      expect((await gql(h.url, TEST, {}, admin)).data?.testWhatsappConnection).toMatchObject({ ok: false, state: 'erro 190', message: CLOUD_API_TEXTS.tokenExpired });
      // Alpha's connection is not Beta's.
      expect((await gql(h.url, COMPANY, {}, await login(h.url, alpha.seeded.email, alpha.seeded.password))).data?.company).toMatchObject({ whatsappConnectionError: null });

      const fresh = `EAAG${randomUUID()}`;
      graph.renewToken(PN_BETA, fresh);
      const saved = await gql(h.url, 'mutation($t: String) { updateCompanySettings(input: { cloudAccessToken: $t }) { id } }', { t: fresh }, admin);
      expect(saved.errors).toBeUndefined();
      expect((await gql(h.url, TEST, {}, admin)).data?.testWhatsappConnection).toMatchObject({ ok: true });
      expect((await gql(h.url, COMPANY, {}, admin)).data?.company).toMatchObject({ whatsappConnectionError: null });
      const before = ana.received().length;
      await ana.say('quais são minhas reuniões?');
      await ana.replies(1, before);
    });
  });

  describe('tenant isolation', () => {
    it('a delivery signed by one company never writes for another', async () => {
      const before = await counts();
      const phone = newPhone();
      // Alpha's secret, Beta's phone number id, Alpha's URL: signed, but not Alpha's number.
      const crossed = await graph.deliver(PN_ALPHA, graph.messagesPayload(PN_BETA, [{ from: phone, text: 'oi' }]));
      expect(crossed.status).toBe(200);
      expect(JSON.parse(crossed.body)).toMatchObject({ stored: 0, ignored: ['other_phone_number'] });
      // Beta's own delivery posted to Alpha's URL: Alpha's secret does not verify it.
      const subscription = { appSecret: beta.appSecret };
      expect((await graph.deliver(PN_ALPHA, graph.messagesPayload(PN_BETA, [{ from: phone, text: 'oi' }]), subscription)).status).toBe(401);
      expect(await counts()).toEqual(before);
    });

    it('statuses posted to one company never touch another company’s message', async () => {
      const ana = person(beta);
      await ana.say('quais são minhas reuniões?');
      const [reply] = await ana.replies(1, 0);
      await eventually(async () => (await sql(h, 'select delivery_status from outbound_messages where provider_message_id = ?', [reply!.id]))[0]?.delivery_status === 'SENT');
      // Beta's wamid reported through Alpha's webhook (Alpha's secret and number).
      const result = await graph.deliver(PN_ALPHA, graph.envelope(PN_ALPHA, { statuses: [{ id: reply!.id, status: 'read', timestamp: String(Math.floor(Date.now() / 1000)), recipient_id: ana.phone }] }));
      expect(JSON.parse(result.body)).toMatchObject({ ok: true, statuses: 0 });
      expect(await sql(h, 'select company_id, delivery_status from outbound_messages where provider_message_id = ?', [reply!.id])).toEqual([{ company_id: beta.id, delivery_status: 'SENT' }]);
    });
  });
});
