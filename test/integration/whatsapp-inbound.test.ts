import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { Appointment } from '../../server/appointments/appointment.entity.js';
import { INBOUND_CHANNEL } from '../../server/whatsapp/inbound-store.js';
import { parseDatePreference } from '../../server/whatsapp/date/index.js';
import { confirmationMessage, listMessage, mediaMessage, noAppointmentsMessage, optionsMessage, smallTalkMessage } from '../../server/whatsapp/replies.js';
import { newMessageId, sendInbound } from '../fakes/whaticket-sandbox.js';
import { gql, login, seedCompany } from '../support/app.js';
import { eventually, expectMachineOnlyHeaders, expectPageHeaders, newPhone, offeredSlots, Person, sleep, sql, startHarness, TZ, WHATICKET_TOKEN, type Harness, type Seeded } from './whatsapp-harness.js';

describe('Whaticket inbound endpoint', () => {
  let h: Harness;
  let beta: Seeded;

  beforeAll(async () => {
    h = await startHarness('whatsapp_inbound');
    h.calcom.addTenant({ apiKeys: ['cal_beta_key'], eventTypes: [{ id: 2002 }], workingHours: { days: [0, 1, 2, 3, 4, 5, 6] } });
    beta = await seedCompany(h.app, 'Escritório Beta', {
      calApiUrl: h.calcom.url,
      calApiKey: 'cal_beta_key',
      calEventTypeId: 2002,
      whaticketUrl: h.whaticket.url,
      whaticketToken: WHATICKET_TOKEN,
      timezone: TZ,
    });
  });
  afterAll(async () => h?.close());

  const alpha = () => h.company.company.id;
  const inboundUrl = (companyId: string, query = '') => `${h.url}/api/whaticket/inbound/${companyId}${query}`;
  const post = async (companyId: string, body: unknown, options: { token?: string | null; query?: string; raw?: string } = {}) => {
    const token = options.token === undefined ? h.company.inboundToken : options.token;
    const response = await fetch(inboundUrl(companyId, options.query), {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: options.raw ?? JSON.stringify(body),
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };
  const rowCounts = async () =>
    (
      await sql(
        h,
        `select (select count(*) from inbound_messages)::int as inbound, (select count(*) from contacts)::int as contacts,
                (select count(*) from conversations)::int as conversations, (select count(*) from outbound_messages)::int as outbound`,
      )
    )[0];
  const baileys = (phone: string, text: string, id = newMessageId()) => ({
    key: { remoteJid: `${phone}@s.whatsapp.net`, fromMe: false, id },
    pushName: 'Maria',
    messageTimestamp: Math.floor(Date.now() / 1000),
    message: { conversation: text },
  });

  describe('authentication', () => {
    it('answers the same 401 to a bad token, a missing token, another company’s token and an unknown company, storing nothing', async () => {
      const before = await rowCounts();
      const message = baileys(newPhone(), 'quero marcar uma reunião');
      const attempts = [
        await post(alpha(), message, { token: 'swi_not-the-token' }),
        await post(alpha(), message, { token: null }),
        await post(alpha(), message, { token: beta.inboundToken }),
        await post(randomUUID(), message),
        await post('not-a-uuid', message),
        // Authentication comes before the body is even read.
        await post(alpha(), null, { token: 'wrong', raw: '{"key":' }),
      ];
      for (const attempt of attempts) {
        expect(attempt).toEqual({ status: 401, body: { error: 'Token de entrada do Whaticket inválido para esta empresa.', code: 'UNAUTHENTICATED' } });
      }
      await sleep(300);
      expect(await rowCounts()).toEqual(before);
    });

    it('answers Whaticket without the page security headers, keeping nosniff and the request id (401 and 200 alike)', async () => {
      for (const token of [h.company.inboundToken, 'errado']) {
        const response = await fetch(inboundUrl(alpha()), {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
          body: JSON.stringify({ number: newPhone(), body: 'oi', messageId: newMessageId(), name: 'Ana' }),
        });
        expect(response.status).toBe(token === 'errado' ? 401 : 200);
        expectMachineOnlyHeaders(response);
      }
      // Every other route keeps them (the panel, GraphQL, the webhook).
      await expectPageHeaders(h.url);
    });

    it('accepts the token as ?token= (Whaticket integrations cannot set headers)', async () => {
      const phone = newPhone();
      const result = await post(alpha(), baileys(phone, 'quero marcar reunião amanhã de manhã'), { token: null, query: `?token=${encodeURIComponent(h.company.inboundToken)}` });
      expect(result).toEqual({ status: 200, body: { ok: true } });
      await new Person(h, phone).replies(1, 0);
    });
  });

  describe('payloads', () => {
    it.each([
      ['a body that is not JSON', null, '{"key":', /JSON/],
      ['a JSON array', [], undefined, /o corpo deve ser um objeto JSON/],
      ['an object of neither form', { text: 'oi' }, undefined, /formato não reconhecido/],
      ['a Baileys message without remoteJid', { key: { id: 'X1' }, message: { conversation: 'oi' } }, undefined, /key\.remoteJid é obrigatório/],
      ['a Baileys message without id', { key: { remoteJid: '5511987654321@s.whatsapp.net' }, message: { conversation: 'oi' } }, undefined, /key\.id é obrigatório/],
      ['a Baileys message from a non-phone JID', { key: { remoteJid: 'abc@s.whatsapp.net', id: 'X2' }, message: { conversation: 'oi' } }, undefined, /key\.remoteJid inválido/],
      ['a simple message without messageId', { number: '5511987654321', body: 'oi' }, undefined, /messageId é obrigatório/],
      ['a simple message with a bad number', { number: 'abc', body: 'oi', messageId: 'X3' }, undefined, /number inválido/],
      ['a simple message whose body is not text', { number: '5511987654321', body: 5, messageId: 'X4' }, undefined, /body deve ser texto/],
    ])('refuses %s with 400 and a reason, storing nothing', async (_case, body, raw, reason) => {
      const before = await rowCounts();
      const result = await post(alpha(), body, raw ? { raw } : {});
      expect(result.status).toBe(400);
      expect(String(result.body.error)).toMatch(reason);
      expect(await rowCounts()).toEqual(before);
    });

    it('ignores fromMe, groups, broadcasts and reactions: 200, nothing stored, no reply', async () => {
      const before = await rowCounts();
      const phone = newPhone();
      const token = h.company.inboundToken;
      const cases = [
        sendInbound(h.url, alpha(), token, { from: phone, text: 'quero marcar uma reunião', form: 'baileys', fromMe: true }),
        sendInbound(h.url, alpha(), token, { from: phone, text: 'quero marcar uma reunião', form: 'baileys', remoteJid: '120363041234567890@g.us' }),
        sendInbound(h.url, alpha(), token, { from: phone, text: 'quero marcar uma reunião', form: 'baileys', remoteJid: '5511987654321-1600000000@g.us' }),
        sendInbound(h.url, alpha(), token, { from: phone, text: 'quero marcar uma reunião', form: 'baileys', remoteJid: 'status@broadcast' }),
        sendInbound(h.url, alpha(), token, { from: phone, text: 'quero marcar uma reunião', form: 'baileys', remoteJid: '123456789012345@lid' }),
        sendInbound(h.url, alpha(), token, { from: '120363041234567890@g.us', text: 'quero marcar uma reunião', form: 'simple' }),
      ];
      const results = await Promise.all(cases);
      expect(results.map((r) => [r.status, (r.body as { ignored?: string }).ignored])).toEqual([
        [200, 'from_me'],
        [200, 'group'],
        [200, 'group'],
        [200, 'broadcast'],
        [200, 'no_phone'],
        [200, 'group'],
      ]);
      // A reaction is not a message to answer.
      const reaction = await post(alpha(), {
        key: { remoteJid: `${phone}@s.whatsapp.net`, fromMe: false, id: newMessageId() },
        message: { reactionMessage: { key: { id: 'X' }, text: '👍' } },
      });
      expect(reaction).toEqual({ status: 200, body: { ok: true, ignored: 'no_text' } });
      await sleep(300);
      expect(await rowCounts()).toEqual(before);
      expect(new Person(h, phone).received()).toEqual([]);
    });

    it('reads extended text, captions and a "@lid" sender with its phone JID beside it', async () => {
      const phone = newPhone();
      const maria = new Person(h, phone);
      await maria.say('quero marcar reunião amanhã de manhã', { extendedText: true });
      await maria.replies(1, 0);
      const lid = await post(alpha(), {
        key: { remoteJid: '123456789012345@lid', remoteJidAlt: `${phone}@s.whatsapp.net`, fromMe: false, id: newMessageId() },
        message: { imageMessage: { caption: 'quais são minhas reuniões?' } },
      });
      expect(lid).toEqual({ status: 200, body: { ok: true } });
      expect(await maria.replies(1, 1)).toEqual([noAppointmentsMessage()]);
    });
  });

  it('answers caption-less audio, images and documents asking for text, and a sticker like an "ok"', async () => {
    const phone = newPhone();
    const person = new Person(h, phone);
    const media = async (message: Record<string, unknown>) => {
      const before = person.received().length;
      expect(await post(alpha(), { key: { remoteJid: `${phone}@s.whatsapp.net`, fromMe: false, id: newMessageId() }, message })).toEqual({ status: 200, body: { ok: true } });
      return person.replies(1, before);
    };
    expect(await media({ audioMessage: { url: 'x', ptt: true, seconds: 4 } })).toEqual(['Ainda não consigo ouvir áudios por aqui; pode me escrever?']);
    expect(await media({ imageMessage: { url: 'x' } })).toEqual(['Ainda não consigo ver imagens por aqui; pode me escrever?']);
    expect(await media({ ephemeralMessage: { message: { documentMessage: { url: 'x', fileName: 'a.pdf' } } } })).toEqual([mediaMessage('document')]);
    expect(await media({ stickerMessage: { url: 'x' } })).toEqual([smallTalkMessage('ack')]);

    // An audio while options are on screen keeps them: "1" still books.
    await person.ask('quero marcar reunião daqui a 3 dias de manhã');
    const slots = await offeredSlots(h, phone);
    expect(await media({ audioMessage: { url: 'x' } })).toEqual([mediaMessage('audio')]);
    const [confirmation] = await person.ask('1');
    const rows = await h.app.orm.em.fork().find(Appointment, { companyId: alpha(), clientPhone: phone });
    expect(confirmation).toBe(confirmationMessage(slots[0]!, rows[0]!.meetingUrl, new Date(), TZ));
    const stored = await sql(h, `select media, body from inbound_messages where phone = ? and media is not null order by received_at`, [phone]);
    expect(stored.map((r) => [r.media, r.body])).toEqual([['audio', ''], ['image', ''], ['document', ''], ['sticker', ''], ['audio', '']]);
  });

  it('treats every spelling of one number as one contact and one conversation', async () => {
    const full = newPhone('31');
    const old = full.slice(0, 4) + full.slice(5);
    const formatted = `+55 (31) ${full.slice(4, 9)}-${full.slice(9)}`;
    // Baileys JID with the old 8-digit form, then the simple form typed with punctuation, then @c.us.
    const viaJid = new Person(h, old, 'Rita');
    const [options] = await viaJid.ask('quero marcar reunião daqui a 2 dias de manhã');
    const slots = await offeredSlots(h, full);
    expect(options).toBe(optionsMessage(slots, new Date(), TZ, parseDatePreference('daqui a 2 dias de manhã', new Date(), TZ)!.label));

    const viaSimple = new Person(h, full, 'Rita');
    const [confirmation] = await viaSimple.ask('1', 1, { form: 'simple', from: formatted });
    const rows = await h.app.orm.em.fork().find(Appointment, { companyId: alpha(), clientPhone: full });
    expect(rows).toHaveLength(1);
    expect(confirmation).toBe(confirmationMessage(slots[0]!, rows[0]!.meetingUrl, new Date(), TZ));

    const [list] = await viaSimple.ask('quais são minhas reuniões?', 1, { remoteJid: `${full}@c.us` });
    expect(list).toBe(listMessage(rows, new Date(), TZ));

    expect(await sql(h, `select phone, name from contacts where company_id = ? and phone in (?, ?)`, [alpha(), full, old])).toEqual([{ phone: full, name: 'Rita' }]);
    expect(await sql(h, `select count(*)::int as n from conversations c join contacts p on p.id = c.contact_id where p.phone = ?`, [full])).toEqual([{ n: 1 }]);
  });

  it('keeps companies apart: the same phone has one conversation per company', async () => {
    const phone = newPhone();
    const inAlpha = new Person(h, phone, 'Lia');
    const inBeta = new Person(h, phone, 'Lia', { id: beta.company.id, token: beta.inboundToken });

    await inAlpha.ask('quero marcar reunião amanhã à tarde');
    // "1" in Beta: no offer there, so it is not a choice and stays with Beta's human agents.
    const { id } = await inBeta.say('1');
    await eventually(async () => (await sql(h, `select status from inbound_messages where message_id = ?`, [id]))[0]?.status === 'IGNORED');
    expect(await sql(h, `select company_id from inbound_messages where message_id = ?`, [id])).toEqual([{ company_id: beta.company.id }]);

    await inAlpha.ask('1');
    expect(await inBeta.ask('quais são minhas reuniões?')).toEqual([noAppointmentsMessage()]);

    const em = h.app.orm.em.fork();
    expect(await em.count(Appointment, { companyId: alpha(), clientPhone: phone })).toBe(1);
    expect(await em.count(Appointment, { companyId: beta.company.id })).toBe(0);
    expect(h.calcom.bookings().filter((b) => b.eventTypeId === 2002)).toEqual([]);
    const conversations = await sql(h, `select c.company_id from conversations c join contacts p on p.id = c.contact_id where p.phone = ? order by c.company_id`, [phone]);
    expect(conversations.map((c) => c.company_id).sort()).toEqual([alpha(), beta.company.id].sort());
  });

  describe('admin simulator', () => {
    const TRANSCRIPT = 'query($phone: String!) { simulatorTranscript(phone: $phone) { id direction body at status } }';
    const SIMULATE = 'mutation($phone: String!, $body: String!, $name: String) { simulateWhatsappMessage(phone: $phone, body: $body, name: $name) { id direction body at status } }';

    it('runs the real pipeline, capturing replies instead of sending them', async () => {
      const admin = await login(h.url, h.company.email, h.company.password);
      const phone = newPhone();
      const typed = `(${phone.slice(2, 4)}) ${phone.slice(4, 9)}-${phone.slice(9)}`;
      const transcript = async (count: number) =>
        eventually(async () => {
          const result = await gql(h.url, TRANSCRIPT, { phone: typed }, admin);
          const messages = result.data?.simulatorTranscript as Array<Record<string, string>> | undefined;
          return messages && messages.length >= count && messages.every((m) => m.status !== 'RECEIVED' && m.status !== 'PENDING') ? messages : null;
        });

      const sent = await gql(h.url, SIMULATE, { phone: typed, body: 'quero marcar reunião amanhã à tarde', name: 'Teste do Painel' }, admin);
      expect(sent.errors).toBeUndefined();
      expect(sent.data!.simulateWhatsappMessage).toMatchObject({ direction: 'IN', body: 'quero marcar reunião amanhã à tarde', status: 'RECEIVED' });

      const first = await transcript(2);
      const slots = await offeredSlots(h, phone);
      expect(first.map((m) => [m.direction, m.status, m.body])).toEqual([
        ['IN', 'PROCESSED', 'quero marcar reunião amanhã à tarde'],
        ['OUT', 'CAPTURED', optionsMessage(slots, new Date(), TZ, 'amanhã à tarde')],
      ]);

      await gql(h.url, SIMULATE, { phone: typed, body: '1' }, admin);
      const second = await transcript(4);
      const [row] = await h.app.orm.em.fork().find(Appointment, { companyId: alpha(), clientPhone: phone });
      expect(row).toMatchObject({ source: 'WHATSAPP', status: 'CONFIRMED', clientName: 'Teste do Painel' });
      expect(second.slice(2).map((m) => [m.direction, m.status, m.body])).toEqual([
        ['IN', 'PROCESSED', '1'],
        ['OUT', 'CAPTURED', confirmationMessage(slots[0]!, row!.meetingUrl, new Date(), TZ)],
      ]);
      expect(second.map((m) => new Date(m.at).getTime())).toEqual(second.map((m) => new Date(m.at).getTime()).sort((a, b) => a - b));
      expect(new Person(h, phone).received()).toEqual([]);
      const metrics = await (await fetch(`${h.url}/metrics`)).text();
      expect(metrics).toContain(`secretaria_whatsapp_outbound_total{company="${alpha()}",outcome="captured",provider="simulator"} 2`);

      // Another company's admin sees nothing of it.
      const betaAdmin = await login(h.url, beta.email, beta.password);
      expect((await gql(h.url, TRANSCRIPT, { phone: typed }, betaAdmin)).data).toEqual({ simulatorTranscript: [] });
    });

    it('is for admins only and validates its input', async () => {
      const admin = await login(h.url, h.company.email, h.company.password);
      const codes = async (query: string, variables: Record<string, unknown>, token?: string) =>
        (await gql(h.url, query, variables, token)).errors?.map((e) => e.extensions?.code);
      expect(await codes(SIMULATE, { phone: '11987654321', body: 'oi' }, h.company.writeKey)).toEqual(['FORBIDDEN']);
      expect(await codes(TRANSCRIPT, { phone: '11987654321' }, h.company.readKey)).toEqual(['FORBIDDEN']);
      expect(await codes(SIMULATE, { phone: '11987654321', body: 'oi' })).toEqual(['UNAUTHENTICATED']);
      expect(await codes(SIMULATE, { phone: 'abc', body: 'oi' }, admin)).toEqual(['BAD_USER_INPUT']);
      expect(await codes(SIMULATE, { phone: '11987654321', body: '   ' }, admin)).toEqual(['BAD_USER_INPUT']);
      expect((await gql(h.url, TRANSCRIPT, { phone: '+55 11 90000-0000' }, admin)).data).toEqual({ simulatorTranscript: [] });
    });
  });

  describe('acknowledge, then dispatch', () => {
    it('an API-only instance stores the message in one step and a worker elsewhere answers it', async () => {
      const api = await h.startPeer({ role: 'api' });
      try {
        const person = new Person(h, newPhone());
        const [reply] = await person.ask('quais são minhas reuniões?', 1, { url: api.url });
        expect(reply).toBe(noAppointmentsMessage());
        const rows = await sql(h, `select status, contact_id, dispatched_at from inbound_messages where phone = ?`, [person.phone]);
        expect(rows).toEqual([{ status: 'PROCESSED', contact_id: expect.any(String), dispatched_at: expect.anything() }]);
      } finally {
        await h.stopPeer(api);
      }
    });

    it('an API-only instance wakes the workers with a few NOTIFYs for a burst, the last one after the last message was stored', async () => {
      const api = await h.startPeer({ role: 'api' });
      const listener = new pg.Client({ connectionString: h.databaseUrl });
      await listener.connect();
      const heard: number[] = [];
      listener.on('notification', (n) => {
        if (n.channel === INBOUND_CHANNEL) heard.push(performance.now());
      });
      await listener.query(`listen ${INBOUND_CHANNEL}`);
      try {
        // Straight to the API instance's store, all in one tick (HTTP would spread them over time).
        const receive = () => {
          const phone = newPhone();
          return api.services.whatsapp.receive(api.orm.em, alpha(), { kind: 'message', messageId: newMessageId(), phone, contactPhone: phone, name: 'Ana', text: 'oi' }, { provider: 'whaticket' });
        };
        const burst = await Promise.all(Array.from({ length: 40 }, receive));
        expect(burst.every((r) => !r.duplicate)).toBe(true);
        // One more right after: stored while the burst's NOTIFY may still be in flight or waiting its turn.
        const lastSent = performance.now();
        expect((await receive()).duplicate).toBe(false);
        await eventually(() => heard.some((at) => at >= lastSent), 5_000);
        await sleep(300);
        // One NOTIFY per message (the previous store) would be 41; PostgreSQL folds identical ones only
        // within a transaction. Here: at most one per insert batch, plus the last message's.
        expect(heard.length).toBeGreaterThanOrEqual(1);
        expect(heard.length).toBeLessThan(12);
      } finally {
        await listener.end();
        await h.stopPeer(api);
      }
    });

    it('stores a message with one prepared statement, its values as parameters', async () => {
      const spy = vi.spyOn(pg.Client.prototype, 'query');
      try {
        const phone = newPhone();
        expect((await post(alpha(), { number: phone, body: 'oi', messageId: newMessageId(), name: 'Ana' })).status).toBe(200);
        const inserts = spy.mock.calls.map((call) => call[0] as unknown as string | pg.QueryConfig).filter((q) => (typeof q === 'string' ? q : q.text).includes('insert into inbound_messages'));
        expect(inserts).toHaveLength(1);
        const insert = inserts[0] as pg.QueryConfig;
        // MikroORM's execute would inline the values into the text: parsed and planned on every message.
        expect(insert.name).toMatch(/^sv_read_/);
        expect(insert.text).not.toContain(phone);
        expect((insert.values as unknown[][]).flat()).toContain(phone);
      } finally {
        spy.mockRestore();
      }
    });

    it('stores a burst of concurrent messages with few multi-row inserts, each once, and a failing row fails alone', async () => {
      const spy = vi.spyOn(pg.Client.prototype, 'query');
      try {
        const whatsapp = h.app.services.whatsapp;
        const message = (i: number) => ({ kind: 'message' as const, messageId: newMessageId(), phone: newPhone(), contactPhone: '', name: `Pessoa ${i}`, text: `oi ${i}` });
        const messages = Array.from({ length: 40 }, (_, i) => message(i));
        messages.forEach((m) => (m.contactPhone = m.phone));
        // A company id that does not exist: its row violates the foreign key, in the middle of the burst.
        const ghost = randomUUID();
        const outcomes = await Promise.allSettled(messages.map((m, i) => whatsapp.receive(h.app.orm.em, i === 20 ? ghost : alpha(), m, { provider: 'whaticket' })));
        expect(outcomes.map((o) => o.status)).toEqual(messages.map((_, i) => (i === 20 ? 'rejected' : 'fulfilled')));
        const stored = await sql<{ message_id: string; n: number }>(h, `select message_id, count(*)::int as n from inbound_messages where message_id in (${messages.map(() => '?').join(', ')}) group by 1`, messages.map((m) => m.messageId));
        expect(stored).toHaveLength(39);
        expect(stored.every((r) => r.n === 1)).toBe(true);
        // The same messages again: all duplicates, nothing stored twice.
        const again = await Promise.all(messages.filter((_, i) => i !== 20).map((m) => whatsapp.receive(h.app.orm.em, alpha(), m, { provider: 'whaticket' })));
        expect(again.every((r) => r.duplicate)).toBe(true);
        const inserts = spy.mock.calls.map((call) => call[0] as unknown as string | pg.QueryConfig).filter((q) => typeof q !== 'string' && q.text.includes('insert into inbound_messages')) as pg.QueryConfig[];
        // 40 + 39 messages (plus the failing batch retried row by row): far fewer statements than messages.
        expect(inserts.length).toBeLessThan(50);
        expect(Math.max(...inserts.map((q) => (q.values![0] as unknown[]).length))).toBeGreaterThan(1);
      } finally {
        spy.mockRestore();
      }
    });

    it('dispatches every stored message exactly once, however many dispatchers race for it', async () => {
      const ids = Array.from({ length: 60 }, () => randomUUID());
      for (const id of ids) {
        await sql(h, `insert into inbound_messages (id, company_id, message_id, phone, body) values (?, ?, ?, ?, 'oi')`, [id, alpha(), newMessageId(), newPhone()]);
      }
      const whatsapp = h.app.services.whatsapp;
      await Promise.all([1, 2, 3].map(() => whatsapp.dispatch(h.app.orm.em.fork())));
      const jobs = await sql<{ id: string; n: number }>(
        h,
        `select data->>'inboundId' as id, count(*)::int as n from pgboss.job
          where name = 'whatsapp.inbound' and data->>'inboundId' in (${ids.map(() => '?').join(', ')}) group by 1`,
        ids,
      );
      expect(jobs.map((j) => j.n)).toEqual(ids.map(() => 1));
      // 60 conversations through the job queue (a few workers, polling): seconds here, more on a
      // slow or busy machine.
      await eventually(async () => (await sql(h, `select 1 from inbound_messages where status = 'RECEIVED' and id in (${ids.map(() => '?').join(', ')})`, ids)).length === 0, 60_000);
    }, 90_000);

    it('a rotated inbound token stops working on every instance at once, not after the cache expires', async () => {
      const api = await h.startPeer({ role: 'api' });
      try {
        const phone = newPhone();
        const viaPeer = (token: string) => sendInbound(api.url!, beta.company.id, token, { from: phone, text: 'oi', name: 'Ana', form: 'simple' });
        expect((await viaPeer(beta.inboundToken)).status).toBe(200); // the peer now trusts this token (cached)
        const rotated = await gql<{ rotateWhaticketInboundToken: string }>(h.url, 'mutation { rotateWhaticketInboundToken }', {}, await login(h.url, beta.email, beta.password));
        expect(rotated.errors).toBeUndefined();
        // The cache keeps a token for 5 s; the change notification must evict it well before that.
        await eventually(async () => (await viaPeer(beta.inboundToken)).status === 401, 2_000);
        expect((await viaPeer(beta.inboundToken)).status).toBe(401);
        expect((await viaPeer(rotated.data!.rotateWhaticketInboundToken)).status).toBe(200);
      } finally {
        await h.stopPeer(api);
      }
    });
  });

  it('answers a message whose job was lost (crash between commit and enqueue) on the next sweep', async () => {
    const phone = newPhone();
    const contactId = randomUUID();
    await sql(h, `insert into contacts (id, company_id, phone, name) values (?, ?, ?, 'Sem Job')`, [contactId, alpha(), phone]);
    await sql(
      h,
      `insert into inbound_messages (id, company_id, message_id, contact_id, phone, body, received_at, dispatched_at)
       values (?, ?, ?, ?, ?, ?, now() - interval '2 minutes', now() - interval '2 minutes')`,
      [randomUUID(), alpha(), newMessageId(), contactId, phone, 'quais são minhas reuniões?'],
    );
    expect(await h.app.services.whatsapp.sweep(h.app.orm.em.fork())).toEqual({ inbound: 1, outbound: 0 });
    expect(await new Person(h, phone).replies(1, 0)).toEqual([noAppointmentsMessage()]);
  });
});
