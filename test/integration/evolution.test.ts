import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { mediaMessage, noAppointmentsMessage, noPhoneBookingMessage, optionsMessage } from '../../server/whatsapp/replies.js';
import { DEFAULT_API_KEY, DEFAULT_EVENT_TYPE_ID } from '../fakes/calcom-sandbox.js';
import { DEFAULT_GLOBAL_KEY, EvolutionSandbox, newEvolutionMessageId, type EvolutionSender } from '../fakes/evolution-sandbox.js';
import { gql, login, seedCompany } from '../support/app.js';
import { counts as rowCounts, eventually, expectMachineOnlyHeaders, expectPageHeaders, newPhone, offeredSlots, outboundAfterInbound, sql, startHarness, TZ, type Harness, type Seeded } from './whatsapp-harness.js';

/**
 * Evolution API end to end (ARCHITECTURE §10, shared/ref/evolution-api.md): the sandbox posts its
 * webhook to our real server, the bot answers through `POST /message/sendText/{instance}`.
 */
describe('Evolution API provider', () => {
  let h: Harness;
  let evo: EvolutionSandbox;
  let alpha: Seeded;
  let beta: Seeded;
  let adminAlpha: string;

  /** Points the instance's webhook at our route exactly as the panel tells the admin to (ref §2). */
  const setWebhook = async (instance: string, company: Seeded, options: { byEvents?: boolean; query?: boolean } = {}) => {
    const path = `/api/whatsapp/evolution/${company.company.id}`;
    const response = await fetch(`${evo.url}/webhook/set/${instance}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', apikey: DEFAULT_GLOBAL_KEY },
      body: JSON.stringify({
        webhook: {
          enabled: true,
          url: `${h.url}${path}${options.query ? `?token=${encodeURIComponent(company.inboundToken)}` : ''}`,
          headers: options.query ? {} : { authorization: `Bearer ${company.inboundToken}` },
          byEvents: options.byEvents ?? false,
          base64: false,
          events: ['MESSAGES_UPSERT', 'MESSAGES_UPDATE'],
        },
      }),
    });
    expect(response.status).toBe(201);
  };
  const toAlpha = () => evo.sent('alfa');
  const repliesTo = (number: string, instance = 'alfa') => evo.sent(instance).filter((m) => m.number === number).map((m) => m.text);
  const waitReplies = async (number: string, count: number, instance = 'alfa') =>
    eventually(() => (repliesTo(number, instance).length >= count ? repliesTo(number, instance) : null), 15_000);
  const counts = () => rowCounts(h);

  beforeAll(async () => {
    h = await startHarness('evolution');
    evo = new EvolutionSandbox({ instances: [{ name: 'alfa' }, { name: 'beta' }] });
    await evo.start();
    const calcom = { calApiUrl: h.calcom.url, calApiKey: DEFAULT_API_KEY, calEventTypeId: DEFAULT_EVENT_TYPE_ID, timezone: TZ };
    alpha = await seedCompany(h.app, 'Clínica Evolução', {
      ...calcom, whatsappProvider: 'EVOLUTION', evolutionUrl: evo.url, evolutionApiKey: DEFAULT_GLOBAL_KEY, evolutionInstance: 'alfa',
    });
    beta = await seedCompany(h.app, 'Consultório Beta', {
      ...calcom, whatsappProvider: 'EVOLUTION', evolutionUrl: evo.url, evolutionApiKey: evo.instances.get('beta')!.token, evolutionInstance: 'beta',
    });
    adminAlpha = await login(h.url, alpha.email, alpha.password);
    await setWebhook('alfa', alpha);
    await setWebhook('beta', beta, { query: true });
  });
  afterAll(async () => {
    await h?.close();
    await evo?.stop();
  });
  beforeEach(() => {
    evo.apiVersion = 2;
    evo.instances.get('alfa')!.state = 'open';
  });

  describe('inbound authentication', () => {
    const post = async (companyId: string, body: unknown, headers: Record<string, string> = {}, query = '') => {
      const response = await fetch(`${h.url}/api/whatsapp/evolution/${companyId}${query}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: typeof body === 'string' ? body : JSON.stringify(body),
      });
      return { status: response.status, body: (await response.json()) as Record<string, unknown> };
    };
    const upsert = (phone: string) => ({ event: 'messages.upsert', instance: 'alfa', data: evo.upsertData('alfa', { phone, name: 'Ana' }, { text: 'oi' }) });

    it('answers 401 to a missing or wrong token, another company’s token and an unknown company, storing nothing', async () => {
      const before = await counts();
      const message = upsert(newPhone());
      const attempts = [
        await post(alpha.company.id, message),
        await post(alpha.company.id, message, { authorization: 'Bearer swi_nao-e-este' }),
        await post(alpha.company.id, message, { authorization: `Bearer ${beta.inboundToken}` }),
        await post(alpha.company.id, message, {}, `?token=${beta.inboundToken}`),
        await post('7d0c3f6e-1111-4a4a-9b9b-000000000000', message, { authorization: `Bearer ${alpha.inboundToken}` }),
        // Evolution's own key is no inbound token.
        await post(alpha.company.id, message, { apikey: DEFAULT_GLOBAL_KEY }),
      ];
      expect(attempts.map((a) => a.status)).toEqual([401, 401, 401, 401, 401, 401]);
      expect(attempts[0]!.body.error).toMatch(/Token de entrada inválido/);
      expect(await counts()).toEqual(before);
    });

    it('answers Evolution without the page security headers, keeping nosniff and the request id (401 and 200 alike)', async () => {
      const phone = newPhone();
      for (const token of [alpha.inboundToken, 'errado']) {
        const response = await fetch(`${h.url}/api/whatsapp/evolution/${alpha.company.id}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
          body: JSON.stringify(upsert(phone)),
        });
        expect(response.status).toBe(token === 'errado' ? 401 : 200);
        expectMachineOnlyHeaders(response);
      }
      // The panel's routes keep them.
      await expectPageHeaders(h.url);
      // The accepted message is answered before the next test counts rows.
      await waitReplies(phone, 1);
    });

    it('accepts the token as Bearer or ?token=, and refuses bad bodies with a 400 and nothing stored', async () => {
      const phone = newPhone();
      expect((await post(alpha.company.id, upsert(phone), { authorization: `Bearer ${alpha.inboundToken}` })).status).toBe(200);
      expect((await post(alpha.company.id, upsert(phone), {}, `?token=${encodeURIComponent(alpha.inboundToken)}`)).status).toBe(200);
      await waitReplies(phone, 2);

      const before = await counts();
      const auth = { authorization: `Bearer ${alpha.inboundToken}` };
      const bad = [
        await post(alpha.company.id, '{"event":', auth),
        await post(alpha.company.id, { instance: 'alfa', data: {} }, auth),
        await post(alpha.company.id, { event: 'messages.upsert', data: 'oi' }, auth),
        await post(alpha.company.id, { event: 'messages.upsert', data: { key: { fromMe: false } } }, auth),
      ];
      // Over the 1 MiB cap (a webhook with base64 media on): 413, nothing stored.
      const huge = await fetch(`${h.url}/api/whatsapp/evolution/${alpha.company.id}`, {
        method: 'POST', headers: { 'content-type': 'application/json', ...auth }, body: JSON.stringify({ ...upsert(phone), pad: 'x'.repeat(1_100_000) }),
      });
      expect(huge.status).toBe(413);
      const suffix = await fetch(`${h.url}/api/whatsapp/evolution/${alpha.company.id}/Messages_Upsert!`, { method: 'POST', headers: { 'content-type': 'application/json', ...auth }, body: JSON.stringify(upsert(phone)) });
      expect(suffix.status).toBe(404);
      expect(bad.map((b) => b.status)).toEqual([400, 400, 400, 400]);
      expect(bad[1]!.body.error).toMatch(/event é obrigatório/);
      expect(bad[3]!.body.error).toMatch(/key\.remoteJid é obrigatório/);
      expect(await counts()).toEqual(before);
    });
  });

  it('answers a text through sendText (v2 body, apikey header), keeps the message id, and follows the receipts in rank order', async () => {
    const phone = newPhone();
    const result = await evo.receiveText('alfa', { phone, name: 'Maria' }, 'quero marcar reunião amanhã à tarde');
    expect(result).toMatchObject({ status: 200, body: { ok: true, stored: 1, duplicates: 0 } });
    const [reply] = await waitReplies(phone, 1);
    const slots = await offeredSlots(h, phone, alpha.company.id);
    expect(slots).toHaveLength(3);
    expect(reply).toBe(optionsMessage(slots, new Date(), TZ, 'amanhã à tarde'));

    const request = evo.requests.find((r) => r.path === '/message/sendText/alfa' && (r.body as { number?: string }).number === phone)!;
    expect(request.body).toEqual({ number: phone, text: reply });
    expect(request.headers.apikey).toBe(DEFAULT_GLOBAL_KEY);
    const sent = evo.sent('alfa').find((m) => m.number === phone)!;
    const row = async () => (await sql(h, 'select status, provider, provider_message_id, delivery_status from outbound_messages where phone = ?', [phone]))[0];
    await eventually(async () => (await row())?.status === 'SENT');
    expect(await row()).toEqual({ status: 'SENT', provider: 'EVOLUTION', provider_message_id: sent.id, delivery_status: 'SENT' });

    await evo.receipt('alfa', sent.id, 'READ');
    expect((await row())!.delivery_status).toBe('READ');
    // Out of order: a late "delivered" does not undo "read".
    expect((await evo.receipt('alfa', sent.id, 'DELIVERY_ACK')).body).toMatchObject({ ok: true, statuses: 0 });
    expect((await row())!.delivery_status).toBe('READ');
    // Receipts of the contact's own messages are no statuses of ours.
    const theirs = await evo.deliver('alfa', 'messages.update', { keyId: result.id, fromMe: false, status: 'READ' });
    expect(theirs.body).toMatchObject({ ok: true, statuses: 0, ignored: ['event'] });
    // A status for another company's message id changes nothing there.
    expect((await evo.deliver('beta', 'messages.update', { keyId: sent.id, fromMe: true, status: 'ERROR' })).body).toMatchObject({ statuses: 0 });
    expect((await row())!.delivery_status).toBe('READ');

    const metrics = await (await fetch(`${h.url}/metrics`)).text();
    expect(metrics).toContain(`secretaria_whatsapp_inbound_total{company="${alpha.company.id}",intent="schedule",provider="evolution"} 1`);
    expect(metrics).toContain(`secretaria_whatsapp_outbound_total{company="${alpha.company.id}",outcome="sent",provider="evolution"}`);
    expect(metrics).toContain(`secretaria_whatsapp_delivery_status_total{company="${alpha.company.id}",provider="evolution",status="read"} 1`);
  });

  it('processes a duplicated messages.upsert once, also when both copies arrive together', async () => {
    const phone = newPhone();
    const id = newEvolutionMessageId();
    const data = evo.upsertData('alfa', { phone, name: 'Rui' }, { text: 'quais são meus agendamentos?', id });
    const first = await evo.deliver('alfa', 'messages.upsert', data);
    const again = await evo.deliver('alfa', 'messages.upsert', data);
    expect([first.body, again.body]).toEqual([expect.objectContaining({ stored: 1 }), expect.objectContaining({ stored: 0, duplicates: 1 })]);
    const raced = newEvolutionMessageId();
    const racedData = evo.upsertData('alfa', { phone, name: 'Rui' }, { text: 'quais são meus agendamentos?', id: raced });
    const both = await Promise.all([evo.deliver('alfa', 'messages.upsert', racedData), evo.deliver('alfa', 'messages.upsert', racedData)]);
    expect(both.map((b) => b.status)).toEqual([200, 200]);
    await waitReplies(phone, 2);
    // Both stored messages processed: their replies are all the outbox will ever hold for them.
    expect(await outboundAfterInbound(h, phone)).toBe(2);
    expect(repliesTo(phone)).toEqual([noAppointmentsMessage(), noAppointmentsMessage()]);
    expect(await sql(h, 'select count(*)::int as n from inbound_messages where phone = ?', [phone])).toEqual([{ n: 2 }]);
  });

  it('ignores fromMe, groups, status broadcasts, reactions, its own sends and connection events: 200, nothing stored, no reply', async () => {
    const before = await counts();
    const phone = newPhone();
    const sender: EvolutionSender = { phone, name: 'Zé' };
    const answers = [
      await evo.deliver('alfa', 'messages.upsert', evo.upsertData('alfa', sender, { text: 'digitado no celular', fromMe: true })),
      await evo.deliver('alfa', 'messages.upsert', { ...evo.upsertData('alfa', sender, { text: 'oi grupo', remoteJid: '120363025246125486@g.us' }), participant: `${phone}@s.whatsapp.net` }),
      await evo.deliver('alfa', 'messages.upsert', evo.upsertData('alfa', sender, { text: 'meu status', remoteJid: 'status@broadcast' })),
      await evo.deliver('alfa', 'messages.upsert', evo.upsertData('alfa', sender, { message: { reactionMessage: { key: { id: 'X' }, text: '👍' } } })),
      await evo.deliver('alfa', 'send.message', evo.upsertData('alfa', sender, { text: 'resposta nossa', fromMe: true })),
      await evo.deliver('alfa', 'connection.update', { instance: 'alfa', state: 'open', statusReason: 200 }),
    ];
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 200, 200, 200]);
    expect(answers.map((a) => (a.body as { ignored: string[] }).ignored)).toEqual([['from_me'], ['group'], ['broadcast'], ['no_text'], ['from_me'], ['event']]);
    expect(await outboundAfterInbound(h, phone)).toBe(0);
    expect(await counts()).toEqual(before);
    expect(repliesTo(phone)).toEqual([]);
  });

  it('answers caption-less audio, images and documents as the conversation rules say', async () => {
    const phone = newPhone();
    const sender = { phone, name: 'Lia' };
    await evo.deliver('alfa', 'messages.upsert', evo.upsertData('alfa', sender, { message: { audioMessage: { url: 'https://mmg.whatsapp.net/x', mimetype: 'audio/ogg; codecs=opus', seconds: 4, ptt: true } } }));
    await waitReplies(phone, 1);
    await evo.deliver('alfa', 'messages.upsert', evo.upsertData('alfa', sender, { message: { imageMessage: { url: 'x', mimetype: 'image/jpeg' } } }));
    await waitReplies(phone, 2);
    await evo.deliver('alfa', 'messages.upsert', evo.upsertData('alfa', sender, { message: { documentMessage: { url: 'x', fileName: 'exame.pdf' } } }));
    expect(await waitReplies(phone, 3)).toEqual([mediaMessage('audio'), mediaMessage('image'), mediaMessage('document')]);
  });

  describe('LID senders (ref §5)', () => {
    it('uses the phone when the payload carries it (remoteJidAlt, or senderPn on 2.3.1–2.3.2)', async () => {
      const phone = newPhone();
      await evo.receiveText('alfa', { lid: '210987654321012', phone, name: 'Bia' }, 'quais são meus agendamentos?');
      expect(await waitReplies(phone, 1)).toEqual([noAppointmentsMessage()]);
      const other = newPhone();
      await evo.receiveText('alfa', { lid: '210987654321013', phone: other, senderPn: true, name: 'Caio' }, 'quais são meus agendamentos?');
      expect(await waitReplies(other, 1)).toEqual([noAppointmentsMessage()]);
      const contacts = await sql(h, 'select phone from contacts where company_id = ? and phone in (?, ?) order by phone', [alpha.company.id, phone, other]);
      expect(contacts.map((c) => c.phone).sort()).toEqual([phone, other].sort());
      expect(toAlpha().some((m) => m.number.includes('2109876543210'))).toBe(false);
    });

    it('keeps a LID-only sender as its own contact and answers that LID (never a number made of its digits); booking asks for the team', async () => {
      const lid = '198765432109876';
      await evo.receiveText('alfa', { lid, name: 'Duda' }, 'quero marcar reunião amanhã de manhã');
      const [offer] = await waitReplies(`${lid}@lid`, 1);
      expect(offer).toMatch(/^Tenho estes horários disponíveis amanhã de manhã:\n1\) /);
      expect(toAlpha().filter((m) => m.number.replace(/\D/g, '') === lid && !m.number.endsWith('@lid'))).toEqual([]);
      expect(await sql(h, 'select phone, name from contacts where company_id = ? and phone = ?', [alpha.company.id, `${lid}@lid`])).toEqual([{ phone: `${lid}@lid`, name: 'Duda' }]);

      // Cal.com needs a phone or an e-mail, and a LID is neither: no half-made booking, a clear answer.
      await evo.receiveText('alfa', { lid, name: 'Duda' }, '1');
      const replies = await waitReplies(`${lid}@lid`, 2);
      expect(replies[1]).toBe(noPhoneBookingMessage());
      expect(await sql(h, `select a.id from appointments a join contacts c on c.id = a.contact_id where c.phone = ?`, [`${lid}@lid`])).toEqual([]);
      expect(h.calcom.requests.filter((r) => r.method === 'POST' && r.path.startsWith('/v2/bookings')).some((r) => JSON.stringify(r.body).includes(lid))).toBe(false);
    });

    it('a Whaticket company never sends to a LID: the reply fails with a clear reason instead of reaching a stranger', async () => {
      const before = h.whaticket.sent().length;
      await h.app.services.whatsapp.receive(h.app.orm.em.fork(), h.company.company.id, {
        kind: 'message', messageId: newEvolutionMessageId(), phone: '123456789012345@lid', contactPhone: '123456789012345@lid', name: 'X', text: 'oi',
      }, { provider: 'whaticket' });
      const [row] = await eventually(async () => {
        const rows = await sql(h, `select status, delivery_error from outbound_messages where phone = '123456789012345@lid'`);
        return rows[0]?.status === 'FAILED' ? rows : null;
      });
      expect(row!.delivery_error).toMatch(/identificador do WhatsApp sem número de telefone/);
      expect(h.whaticket.sent().length).toBe(before);
    });
  });

  it('accepts the per-event URL suffix (byEvents) and ?token= authentication', async () => {
    await setWebhook('alfa', alpha, { byEvents: true });
    try {
      const phone = newPhone();
      const result = await evo.receiveText('alfa', { phone }, 'quais são meus agendamentos?');
      expect(evo.deliveries.at(-1)!.url).toMatch(/\/api\/whatsapp\/evolution\/[0-9a-f-]+\/messages-upsert$/);
      expect(result.status).toBe(200);
      expect(await waitReplies(phone, 1)).toEqual([noAppointmentsMessage()]);
    } finally {
      await setWebhook('alfa', alpha);
    }
  });

  it('sends the v1 body to a company on Evolution 1.x', async () => {
    const admin = adminAlpha;
    await gql(h.url, 'mutation { updateCompanySettings(input: { evolutionApiVersion: 1 }) { evolutionApiVersion } }', {}, admin);
    evo.apiVersion = 1;
    try {
      const phone = newPhone();
      await evo.receiveText('alfa', { phone }, 'quais são meus agendamentos?');
      const [text] = await waitReplies(phone, 1);
      const request = evo.requests.find((r) => r.path === '/message/sendText/alfa' && (r.body as { number?: string }).number === phone)!;
      expect(request.body).toEqual({ number: phone, options: { delay: 0, presence: 'composing' }, textMessage: { text } });
    } finally {
      await gql(h.url, 'mutation { updateCompanySettings(input: { evolutionApiVersion: 2 }) { evolutionApiVersion } }', {}, admin);
    }
  });

  it('the simulator keeps working on an Evolution company: replies captured, nothing sent to Evolution', async () => {
    const phone = newPhone();
    const simulate = 'mutation($phone: String!, $body: String!) { simulateWhatsappMessage(phone: $phone, body: $body) { status } }';
    expect((await gql(h.url, simulate, { phone, body: 'quais são meus agendamentos?' }, adminAlpha)).data).toEqual({ simulateWhatsappMessage: { status: 'RECEIVED' } });
    const transcript = 'query($phone: String!) { simulatorTranscript(phone: $phone) { direction body status } }';
    const messages = await eventually(async () => {
      const list = (await gql(h.url, transcript, { phone }, adminAlpha)).data?.simulatorTranscript as Array<{ direction: string }> | undefined;
      return list && list.length >= 2 ? list : null;
    });
    expect(messages).toEqual([
      { direction: 'IN', body: 'quais são meus agendamentos?', status: 'PROCESSED' },
      { direction: 'OUT', body: noAppointmentsMessage(), status: 'CAPTURED' },
    ]);
    expect(evo.sent().some((m) => m.number === phone)).toBe(false);
    const metrics = await (await fetch(`${h.url}/metrics`)).text();
    expect(metrics).toContain(`secretaria_whatsapp_outbound_total{company="${alpha.company.id}",outcome="captured",provider="simulator"} 1`);
  });

  it('keeps tenants apart: each company answers through its own instance and key, and sees only its own errors', async () => {
    const phone = newPhone();
    await evo.receiveText('beta', { phone, name: 'Beto' }, 'quais são meus agendamentos?');
    expect(await waitReplies(phone, 1, 'beta')).toEqual([noAppointmentsMessage()]);
    expect(repliesTo(phone, 'alfa')).toEqual([]);
    expect(evo.sent('beta').find((m) => m.number === phone)!.apikey).toBe(evo.instances.get('beta')!.token);
    const inbound = await sql(h, 'select company_id from inbound_messages where phone = ?', [phone]);
    expect(inbound).toEqual([{ company_id: beta.company.id }]);
  });

  describe('delivery failures and "Testar conexão"', () => {
    const TEST = 'mutation { testWhatsappConnection { provider ok state message } }';
    const ERRORS = '{ whatsappDeliveryErrors(first: 5) { phone provider status deliveryStatus error } company { whatsappConnectionError } }';

    it('retries "Connection Closed" (500) and delivers; marks a number not on WhatsApp FAILED without retrying', async () => {
      const phone = newPhone();
      evo.failNext(2, 500);
      await evo.receiveText('alfa', { phone }, 'quais são meus agendamentos?');
      expect(await waitReplies(phone, 1)).toEqual([noAppointmentsMessage()]);
      // The row commits just after Evolution answered: poll for it.
      const sentRow = await eventually(async () => {
        const rows = await sql(h, 'select status, attempts from outbound_messages where phone = ?', [phone]);
        return rows[0]?.status === 'SENT' ? rows : null;
      });
      expect(sentRow).toEqual([{ status: 'SENT', attempts: 3 }]);

      const stranger = newPhone();
      evo.unregistered.add(stranger);
      await evo.receiveText('alfa', { phone: stranger }, 'quais são meus agendamentos?');
      const [row] = await eventually(async () => {
        const rows = await sql(h, 'select status, attempts, delivery_status, delivery_error from outbound_messages where phone = ?', [stranger]);
        return rows[0]?.status === 'FAILED' ? rows : null;
      });
      expect(row).toEqual({ status: 'FAILED', attempts: 1, delivery_status: 'FAILED', delivery_error: 'A Evolution API não entregou a mensagem a este contato (HTTP 400): o número pode não ter WhatsApp.' });
      const listed = await gql(h.url, ERRORS, {}, adminAlpha);
      expect(listed.data?.whatsappDeliveryErrors[0]).toEqual({ phone: stranger, provider: 'EVOLUTION', status: 'FAILED', deliveryStatus: 'FAILED', error: row!.delivery_error });
      expect(JSON.stringify(listed)).not.toContain('exists');
    });

    it('a refused key marks the connection broken (shown in the panel) until the settings change', async () => {
      await gql(h.url, `mutation { updateCompanySettings(input: { evolutionApiKey: "chave-errada-123" }) { evolutionApiKey } }`, {}, adminAlpha);
      try {
        const phone = newPhone();
        await evo.receiveText('alfa', { phone }, 'quais são meus agendamentos?');
        await eventually(async () => (await sql(h, 'select status from outbound_messages where phone = ?', [phone]))[0]?.status === 'FAILED');
        const listed = await gql(h.url, ERRORS, {}, adminAlpha);
        expect(listed.data?.company.whatsappConnectionError).toBe('A Evolution API recusou as credenciais (HTTP 401): confira-as em Configurações → WhatsApp.');
        expect((await gql(h.url, TEST, {}, adminAlpha)).data?.testWhatsappConnection).toEqual({
          provider: 'EVOLUTION', ok: false, state: 'HTTP 401', message: 'A Evolution API recusou as credenciais (HTTP 401): confira-as em Configurações → WhatsApp.',
        });
        // Another company sees none of it.
        const betaAdmin = await login(h.url, beta.email, beta.password);
        const other = await gql(h.url, ERRORS, {}, betaAdmin);
        expect(other.data?.company.whatsappConnectionError).toBeNull();
        expect(other.data?.whatsappDeliveryErrors.some((e: { phone: string }) => e.phone === phone)).toBe(false);
      } finally {
        const fixed = await gql(h.url, `mutation { updateCompanySettings(input: { evolutionApiKey: "${DEFAULT_GLOBAL_KEY}" }) { whatsappConnectionError } }`, {}, adminAlpha);
        expect(fixed.data?.updateCompanySettings.whatsappConnectionError).toBeNull();
      }
    });

    it('a successful send clears a broken-connection mark', async () => {
      await h.app.services.companies.markWhatsappBroken(h.app.orm.em.fork(), alpha.company.id, 'O Evolution API recusou as credenciais (HTTP 401): confira-as em Configurações → WhatsApp.');
      expect((await gql(h.url, ERRORS, {}, adminAlpha)).data?.company.whatsappConnectionError).toMatch(/recusou as credenciais/);
      const phone = newPhone();
      await evo.receiveText('alfa', { phone }, 'quais são meus agendamentos?');
      await eventually(async () => (await sql(h, 'select status from outbound_messages where phone = ?', [phone]))[0]?.status === 'SENT');
      expect((await gql(h.url, ERRORS, {}, adminAlpha)).data?.company.whatsappConnectionError).toBeNull();
    });

    it('"Testar conexão" reports the instance state: open, closed, unknown instance; admins only', async () => {
      expect((await gql(h.url, TEST, {}, adminAlpha)).data?.testWhatsappConnection).toEqual({
        provider: 'EVOLUTION', ok: true, state: 'open', message: 'Conexão com a Evolution API funcionando (estado: open).',
      });
      evo.instances.get('alfa')!.state = 'close';
      expect((await gql(h.url, TEST, {}, adminAlpha)).data?.testWhatsappConnection).toMatchObject({ ok: false, state: 'close', message: expect.stringMatching(/não está conectado/) });
      await gql(h.url, 'mutation { updateCompanySettings(input: { evolutionInstance: "sumiu" }) { evolutionInstance } }', {}, adminAlpha);
      try {
        expect((await gql(h.url, TEST, {}, adminAlpha)).data?.testWhatsappConnection).toMatchObject({ ok: false, state: 'HTTP 404', message: expect.stringMatching(/não conhece esta instância/) });
      } finally {
        await gql(h.url, 'mutation { updateCompanySettings(input: { evolutionInstance: "alfa" }) { evolutionInstance } }', {}, adminAlpha);
      }
      expect((await gql(h.url, TEST, {}, alpha.writeKey)).errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    });

    it('an Evolution company without settings gets its replies FAILED with what to fill in', async () => {
      const bare = await seedCompany(h.app, 'Sem Evolution', { whatsappProvider: 'EVOLUTION', evolutionUrl: evo.url, timezone: TZ });
      const admin = await login(h.url, bare.email, bare.password);
      expect((await gql(h.url, TEST, {}, admin)).data?.testWhatsappConnection).toEqual({
        provider: 'EVOLUTION', ok: false, state: 'not_configured', message: 'Falta configurar a Evolution API: preencha a chave de API e o nome da instância em Configurações → WhatsApp.',
      });
      const phone = newPhone();
      await h.app.services.whatsapp.receive(h.app.orm.em.fork(), bare.company.id, {
        kind: 'message', messageId: newEvolutionMessageId(), phone, contactPhone: phone, name: 'Ana', text: 'quais são meus agendamentos?',
      }, { provider: 'evolution' });
      const [row] = await eventually(async () => {
        const rows = await sql(h, 'select status, attempts, delivery_error from outbound_messages where company_id = ?', [bare.company.id]);
        return rows[0]?.status === 'FAILED' ? rows : null;
      });
      expect(row).toEqual({ status: 'FAILED', attempts: 0, delivery_error: 'Falta configurar a Evolution API: preencha a chave de API e o nome da instância em Configurações → WhatsApp.' });
      expect(evo.sent().some((m) => m.number === phone)).toBe(false);
    });
  });
});
