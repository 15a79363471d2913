import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { EntityManager } from '@mikro-orm/postgresql';
import { CLOUD_API_TEXTS, WHATSAPP_DELIVERY_TEXTS } from '../../server/platform/messages.js';
import { OutboundGuard } from '../../server/platform/outbound-guard.js';
import { OutboundMessage } from '../../server/whatsapp/outbound-message.entity.js';
import { deliverOutbound } from '../../server/whatsapp/providers/customer-window.js';
import { replyButtons } from '../../server/whatsapp/providers/cloud-outbound.js';
import { parseCloudWebhook } from '../../server/whatsapp/providers/cloud-payload.js';
import { verifyMetaSignature } from '../../server/whatsapp/providers/cloud-signature.js';
import { CloudApiClient, CloudApiError } from '../../server/whatsapp/providers/cloud.client.js';
import { cloudProvider, providerError } from '../../server/whatsapp/providers/cloud.provider.js';
import { ProviderError, type WhatsappProviderSettings } from '../../server/whatsapp/providers/provider.js';
import { escapeUnicode, GraphApiSandbox, signMeta } from '../fakes/graph-api-sandbox.js';

const SECRET = 'app-secret-123';
const PHONE_NUMBER_ID = '106540352242922';
const TOKEN = 'EAAG-system-user-token';
const USER = '5511987654321';

const sign = (body: string | Buffer, secret = SECRET) => `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;

describe(verifyMetaSignature.name, () => {
  const body = Buffer.from(escapeUnicode(JSON.stringify({ object: 'whatsapp_business_account', entry: [], text: 'Olá, João! 👍' })), 'utf8');

  it('accepts the HMAC of the raw bytes (Meta sends non-ASCII escaped)', () => {
    expect(body.toString('utf8')).toContain('\\u00e1');
    expect(verifyMetaSignature(body, sign(body), SECRET)).toBe('valid');
    expect(verifyMetaSignature(body, sign(body).toUpperCase().replace('SHA256=', 'sha256='), SECRET)).toBe('valid');
  });

  it('accepts a plain UTF-8 body signed in its escaped-unicode form', () => {
    const plain = Buffer.from(JSON.stringify({ text: 'Olá, João! 👍' }), 'utf8');
    const signature = signMeta(escapeUnicode(plain.toString('utf8')), SECRET);
    expect(sign(plain)).not.toBe(signature);
    expect(verifyMetaSignature(plain, signature, SECRET)).toBe('valid');
  });

  it('refuses a missing, malformed, wrong-secret or tampered signature', () => {
    expect(verifyMetaSignature(body, undefined, SECRET)).toBe('missing');
    expect(verifyMetaSignature(body, '  ', SECRET)).toBe('missing');
    expect(verifyMetaSignature(body, 'sha256=abc', SECRET)).toBe('invalid');
    expect(verifyMetaSignature(body, sign(body, 'other-secret'), SECRET)).toBe('invalid');
    const tampered = Buffer.from(body.toString('utf8').replace('entry', 'entrx'));
    expect(verifyMetaSignature(tampered, sign(body), SECRET)).toBe('invalid');
    expect(verifyMetaSignature(body, sign(body), '')).toBe('invalid');
  });
});

describe(parseCloudWebhook.name, () => {
  const sandbox = new GraphApiSandbox({ phoneNumbers: [{ id: PHONE_NUMBER_ID, accessToken: TOKEN }] });
  const parse = (payload: unknown, id = PHONE_NUMBER_ID) => {
    const parsed = parseCloudWebhook(payload, id);
    if (parsed.kind !== 'batch') throw new Error(`invalid: ${parsed.reason}`);
    return parsed;
  };

  it('reads a text message with the sender name from contacts', () => {
    const parsed = parse(sandbox.messagesPayload(PHONE_NUMBER_ID, [{ from: USER, id: 'wamid.A', name: 'Ana Souza', text: '  quero marcar amanhã  ' }]));
    expect(parsed.messages).toEqual([{ kind: 'message', messageId: 'wamid.A', phone: USER, contactPhone: USER, name: 'Ana Souza', text: 'quero marcar amanhã' }]);
    expect(parsed.statuses).toEqual([]);
  });

  it('turns a tap on our option button into the option number, other choices into their title', () => {
    const parsed = parse(sandbox.messagesPayload(PHONE_NUMBER_ID, [
      { from: USER, id: 'wamid.B1', buttonReply: { id: '1', title: 'Confirmar' }, contextId: 'wamid.REMINDER' },
      { from: USER, id: 'wamid.B2', buttonReply: { id: 'cancel-button', title: 'Cancelar' } },
      { from: USER, id: 'wamid.L1', listReply: { id: '3', title: 'Cancelar', description: 'Cancela a consulta' } },
      { from: USER, id: 'wamid.T1', templateButton: { payload: '2', text: 'Remarcar' } },
      { from: USER, id: 'wamid.T2', templateButton: { payload: 'Confirmar', text: 'Confirmar' } },
    ]));
    expect(parsed.messages.map((m) => [m.messageId, m.text])).toEqual([
      ['wamid.B1', '1'],
      ['wamid.B2', 'Cancelar'],
      ['wamid.L1', '3'],
      ['wamid.T1', '2'],
      ['wamid.T2', 'Confirmar'],
    ]);
  });

  it('keeps captions as text, media without caption as media, and ignores reactions, system and unsupported items', () => {
    const parsed = parse(sandbox.messagesPayload(PHONE_NUMBER_ID, [
      { from: USER, id: 'wamid.I1', raw: { type: 'image', image: { caption: 'meu exame', mime_type: 'image/jpeg', sha256: 'x', id: 'm1' } } },
      { from: USER, id: 'wamid.A1', raw: { type: 'audio', audio: { mime_type: 'audio/ogg', sha256: 'x', id: 'm2', voice: true } } },
      { from: USER, id: 'wamid.R1', raw: { type: 'reaction', reaction: { message_id: 'wamid.X', emoji: '👍' } } },
      { from: USER, id: 'wamid.S1', raw: { type: 'system', system: { body: 'changed', wa_id: USER, type: 'user_changed_number' } } },
      { from: USER, id: 'wamid.U1', raw: { type: 'unsupported', errors: [{ code: 131051 }] } },
      { from: USER, id: 'wamid.C1', raw: { type: 'location', location: { latitude: 1, longitude: 2 } } },
      { from: '', id: 'wamid.N1', text: 'sem telefone' },
    ]));
    expect(parsed.messages.map((m) => [m.messageId, m.text, m.media])).toEqual([
      ['wamid.I1', 'meu exame', undefined],
      ['wamid.A1', '', 'audio'],
    ]);
    expect(parsed.ignored).toEqual(['reaction', 'system', 'unsupported', 'no_text', 'no_phone']);
  });

  it('reads statuses with the first error, and skips unknown status kinds', () => {
    const payload = sandbox.envelope(PHONE_NUMBER_ID, {
      statuses: [
        { id: 'wamid.O1', status: 'read', timestamp: '1750030073', recipient_id: USER },
        { id: 'wamid.O2', status: 'failed', timestamp: '1750030074', recipient_id: USER, errors: [{ code: 131047, title: 'Re-engagement message', error_data: { details: 'more than 24 hours' } }] },
        { id: 'wamid.O3', status: 'played', timestamp: '1750030075', recipient_id: USER },
      ],
    });
    const parsed = parse(payload);
    expect(parsed.statuses).toEqual([
      { providerMessageId: 'wamid.O1', status: 'READ', at: new Date(1750030073_000) },
      { providerMessageId: 'wamid.O2', status: 'FAILED', at: new Date(1750030074_000), error: { code: '131047', message: CLOUD_API_TEXTS.windowClosed } },
    ]);
    expect(parsed.ignored).toEqual(['status_kind']);
  });

  it('ignores everything addressed to another phone number id (another tenant)', () => {
    const parsed = parse(sandbox.messagesPayload(PHONE_NUMBER_ID, [{ from: USER, text: 'oi' }]), '999999999999');
    expect(parsed.messages).toEqual([]);
    expect(parsed.ignored).toEqual(['other_phone_number']);
  });

  it('refuses what is not a WhatsApp Business Account notification', () => {
    expect(parseCloudWebhook([], PHONE_NUMBER_ID)).toMatchObject({ kind: 'invalid' });
    expect(parseCloudWebhook({ object: 'page', entry: [] }, PHONE_NUMBER_ID)).toMatchObject({ kind: 'invalid', reason: expect.stringContaining('whatsapp_business_account') });
    expect(parseCloudWebhook({ object: 'whatsapp_business_account' }, PHONE_NUMBER_ID)).toMatchObject({ kind: 'invalid' });
    expect(parseCloudWebhook({ object: 'whatsapp_business_account', entry: [{ changes: [{ field: 'messages' }] }] }, PHONE_NUMBER_ID)).toMatchObject({ kind: 'invalid' });
  });
});

describe(replyButtons.name, () => {
  it('offers the three reminder answers as buttons numbered like the text', () => {
    const body = 'Olá, Ana! Lembrete: sua reunião é amanhã (sexta, 4/12) às 14h. Link: https://cal.com/x/1 Responda 1 para confirmar, 2 para remarcar ou 3 para cancelar.';
    expect(replyButtons(body)).toEqual([
      { id: '1', title: 'Confirmar' },
      { id: '2', title: 'Remarcar' },
      { id: '3', title: 'Cancelar' },
    ]);
  });

  it('offers none when the message has no such options, skips a number, or is too long for a button body', () => {
    expect(replyButtons('Reunião confirmada para amanhã às 14h!')).toBeNull();
    expect(replyButtons('Tenho 2 para amanhã.')).toBeNull();
    expect(replyButtons('Responda 1 para confirmar ou 3 para cancelar.')).toBeNull();
    expect(replyButtons(`${'x'.repeat(1000)} Responda 1 para confirmar, 2 para remarcar ou 3 para cancelar.`)).toBeNull();
    expect(replyButtons('Responda 1 para confirmar, 2 para remarcar, 3 para cancelar ou 4 para falar.')).toBeNull();
    expect(replyButtons('Responda 1 para reconfirmacaoespecial, 2 para remarcar.')).toBeNull();
  });
});

describe(CloudApiClient.name, () => {
  const sandbox = new GraphApiSandbox({ phoneNumbers: [{ id: PHONE_NUMBER_ID, accessToken: TOKEN, displayPhoneNumber: '+55 11 4000-1234', verifiedName: 'Clínica Alfa' }] });
  const guard = new OutboundGuard([{ host: '127.0.0.1', port: undefined }]);
  const client = (token = TOKEN) => new CloudApiClient({ url: `${sandbox.url}/`, version: 'v23.0', phoneNumberId: PHONE_NUMBER_ID, accessToken: token, fetch: guard.fetch });

  beforeAll(async () => {
    await sandbox.start();
  });
  afterAll(async () => {
    await sandbox.stop();
  });
  beforeEach(() => {
    sandbox.reset();
    sandbox.renewToken(PHONE_NUMBER_ID, TOKEN);
    sandbox.openWindow(PHONE_NUMBER_ID, USER);
  });

  it('posts a text message with the Bearer token to /{version}/{phone-number-id}/messages', async () => {
    const sent = await client().sendText(USER, 'Olá, Ana!');
    expect(sent.messageId).toMatch(/^wamid\./);
    expect(sent.waId).toBe(USER);
    const [request] = sandbox.requests;
    expect(request).toMatchObject({ method: 'POST', path: `/v23.0/${PHONE_NUMBER_ID}/messages` });
    expect(request?.headers.authorization).toBe(`Bearer ${TOKEN}`);
    expect(request?.headers['content-type']).toBe('application/json');
    expect(request?.body).toEqual({ messaging_product: 'whatsapp', recipient_type: 'individual', to: `+${USER}`, type: 'text', text: { body: 'Olá, Ana!', preview_url: false } });
  });

  it('posts reply buttons in the interactive shape', async () => {
    await client().sendButtons(USER, 'Confirma?', [{ id: '1', title: 'Confirmar' }, { id: '2', title: 'Remarcar' }]);
    expect(sandbox.requests[0]?.body).toEqual({
      messaging_product: 'whatsapp',
      recipient_type: 'individual',
      to: `+${USER}`,
      type: 'interactive',
      interactive: { type: 'button', body: { text: 'Confirma?' }, action: { buttons: [{ type: 'reply', reply: { id: '1', title: 'Confirmar' } }, { type: 'reply', reply: { id: '2', title: 'Remarcar' } }] } },
    });
    expect(sandbox.sent()).toHaveLength(1);
  });

  it('posts a template with its body parameters, also outside the window', async () => {
    sandbox.closeWindow(PHONE_NUMBER_ID, USER);
    await client().sendTemplate(USER, { name: 'lembrete_consulta', language: 'pt_BR', parameters: ['Ana', 'amanhã', '14h'] });
    expect(sandbox.requests[0]?.body).toEqual({
      messaging_product: 'whatsapp',
      recipient_type: 'individual',
      to: `+${USER}`,
      type: 'template',
      template: { name: 'lembrete_consulta', language: { code: 'pt_BR' }, components: [{ type: 'body', parameters: [{ type: 'text', text: 'Ana' }, { type: 'text', text: 'amanhã' }, { type: 'text', text: '14h' }] }] },
    });
  });

  it('tells a closed window (131047), a dead token (190), rate limits and template problems apart by code', async () => {
    sandbox.closeWindow(PHONE_NUMBER_ID, USER);
    const window = await rejection(client().sendText(USER, 'oi'));
    expect(port(window)).toMatchObject({ kind: 'window_closed', code: 131047, port: 'window_closed' });

    sandbox.openWindow(PHONE_NUMBER_ID, USER);
    sandbox.failNext(1, 130429);
    expect(port(await rejection(client().sendText(USER, 'oi')))).toMatchObject({ kind: 'rate_limited', code: 130429, status: 400, port: 'retryable' });
    sandbox.failNext(1, 80007);
    expect(port(await rejection(client().sendText(USER, 'oi')))).toMatchObject({ kind: 'rate_limited', code: 80007, status: 429, port: 'retryable' });
    sandbox.failNext(1, 131056);
    expect(port(await rejection(client().sendText(USER, 'oi')))).toMatchObject({ kind: 'rate_limited', port: 'retryable' });

    const template = await rejection(client().sendTemplate(USER, { name: 'lembrete_consulta', language: 'pt_BR', parameters: ['só um'] }));
    expect(port(template)).toMatchObject({ kind: 'template', code: 132000, port: 'rejected' });
    expect(await rejection(client().sendTemplate(USER, { name: 'nao_existe', language: 'pt_BR', parameters: [] }))).toMatchObject({ kind: 'template', code: 132001 });

    sandbox.expireToken(PHONE_NUMBER_ID);
    const token = await rejection(client().sendText(USER, 'oi'));
    expect(port(token)).toMatchObject({ kind: 'token', code: 190, status: 401, port: 'broken' });
    expect(token.message).toContain('190');
    expect(sandbox.sent()).toEqual([]);
  });

  it('retries what Meta flags is_transient, whatever its code (not a refusal for good)', async () => {
    const answer = (error: Record<string, unknown>) => async () => new Response(JSON.stringify({ error }), { status: 400, headers: { 'content-type': 'application/json' } });
    const flaky = new CloudApiClient({ url: 'https://graph.test', version: 'v23.0', phoneNumberId: PHONE_NUMBER_ID, accessToken: TOKEN, fetch: answer({ message: 'Try again later', code: 100, is_transient: true }) });
    expect(port(await rejection(flaky.sendText(USER, 'oi')))).toMatchObject({ kind: 'server', code: 100, port: 'retryable' });
    const refused = new CloudApiClient({ url: 'https://graph.test', version: 'v23.0', phoneNumberId: PHONE_NUMBER_ID, accessToken: TOKEN, fetch: answer({ message: 'Invalid parameter', code: 100, is_transient: false }) });
    expect(port(await rejection(refused.sendText(USER, 'oi')))).toMatchObject({ kind: 'rejected', code: 100, port: 'rejected' });
  });

  it('looks the phone number up (the connection test)', async () => {
    expect(await client().phoneNumber()).toEqual({ id: PHONE_NUMBER_ID, displayPhoneNumber: '+55 11 4000-1234', verifiedName: 'Clínica Alfa', qualityRating: 'GREEN' });
    expect(sandbox.requests[0]).toMatchObject({ method: 'GET', path: `/v23.0/${PHONE_NUMBER_ID}` });
    expect(await rejection(client('wrong').phoneNumber())).toMatchObject({ kind: 'token', code: 190 });
  });

  it('refuses a private host unless allowed, and an unreachable one is retryable', async () => {
    const strict = new CloudApiClient({ url: sandbox.url, version: 'v23.0', phoneNumberId: PHONE_NUMBER_ID, accessToken: TOKEN });
    expect(port(await rejection(strict.sendText(USER, 'oi')))).toMatchObject({ kind: 'blocked', port: 'broken' });
    const down = new CloudApiClient({ url: 'http://127.0.0.1:9', version: 'v23.0', phoneNumberId: PHONE_NUMBER_ID, accessToken: TOKEN, fetch: guard.fetch });
    expect(port(await rejection(down.sendText(USER, 'oi')))).toMatchObject({ kind: 'network', port: 'retryable' });
  });
});

/** The client's error with the kind the port gives it (what the outbox acts on). */
const port = (error: CloudApiError) => ({ kind: error.kind, code: error.code, status: error.status, port: providerError(error).kind });

async function rejection(promise: Promise<unknown>): Promise<CloudApiError> {
  const error = await promise.then(
    () => {
      throw new Error('expected a rejection');
    },
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(CloudApiError);
  return error as CloudApiError;
}

describe('cloudProvider connection', () => {
  const sandbox = new GraphApiSandbox({ phoneNumbers: [{ id: PHONE_NUMBER_ID, accessToken: TOKEN }], templates: [{ name: 'lembrete_consulta', language: 'pt_BR', bodyParameters: 1 }] });
  const guard = new OutboundGuard([{ host: '127.0.0.1', port: undefined }]);
  const settings = (cloud: Partial<WhatsappProviderSettings['cloud']> = {}): WhatsappProviderSettings => ({
    provider: 'CLOUD_API',
    whaticket: { url: null, token: null },
    evolution: { url: null, apiKey: null, instance: null, apiVersion: 2 },
    cloud: { apiUrl: sandbox.url, apiVersion: 'v23.0', phoneNumberId: PHONE_NUMBER_ID, accessToken: TOKEN, appSecret: SECRET, verifyToken: 'v', reminderTemplate: 'lembrete_consulta', templateLanguage: 'pt_BR', ...cloud },
  });
  const connection = (cloud: Partial<WhatsappProviderSettings['cloud']> = {}) => {
    const link = cloudProvider.connect(settings(cloud), { fetch: guard.fetch });
    if ('notConfigured' in link) throw new Error(link.notConfigured);
    return link.connection;
  };
  const failure = async (promise: Promise<unknown>) => {
    const error = await promise.then(() => null, (e: unknown) => e);
    expect(error).toBeInstanceOf(ProviderError);
    return error as ProviderError;
  };

  beforeAll(async () => {
    await sandbox.start();
  });
  afterAll(async () => {
    await sandbox.stop();
  });
  beforeEach(() => {
    sandbox.reset();
    sandbox.openWindow(PHONE_NUMBER_ID, USER);
  });

  it('is not configured without the phone number id or the token', () => {
    expect(cloudProvider.connect(settings({ accessToken: null }), {})).toEqual({ notConfigured: expect.stringContaining('Falta configurar a WhatsApp Cloud API') });
    expect(cloudProvider.connect(settings({ phoneNumberId: null }), {})).toHaveProperty('notConfigured');
  });

  it('sends offered options as reply buttons, and the same text plain when Meta refuses the interactive form', async () => {
    const body = 'Responda 1 para confirmar, 2 para remarcar ou 3 para cancelar.';
    expect(await connection().sendText(USER, body)).toMatchObject({ form: 'BUTTONS', providerMessageId: expect.stringMatching(/^wamid\./) });
    sandbox.failNext(1, 131009);
    const fallback = await connection().sendText(USER, body);
    expect(fallback.form).toBeUndefined();
    expect(sandbox.sent().map((m) => m.type)).toEqual(['interactive', 'text']);
    expect(sandbox.sent()[1]!.body.text).toEqual({ body, preview_url: false });
    expect(await connection().sendText(USER, 'Olá!')).not.toHaveProperty('form');
  });

  it('fills the template name and language from the settings, and says so when none is configured', async () => {
    sandbox.closeWindow(PHONE_NUMBER_ID, USER);
    await connection({ templateLanguage: 'pt_BR' }).sendTemplate(USER, { parameters: ['Ana'] });
    expect(sandbox.sent()[0]!.body.template).toEqual({ name: 'lembrete_consulta', language: { code: 'pt_BR' }, components: [{ type: 'body', parameters: [{ type: 'text', text: 'Ana' }] }] });
    const missing = await failure(connection({ reminderTemplate: null }).sendTemplate(USER, { parameters: ['Ana'] }));
    expect(missing).toMatchObject({ kind: 'rejected', userMessage: CLOUD_API_TEXTS.templateMissing });
  });

  it('refuses a LID recipient at the port (a row left from Evolution API) without calling Meta', async () => {
    // 15 digits: a valid-looking E.164 number once the `@lid` is dropped.
    const row = Object.assign(new OutboundMessage(), { companyId: 'c1', phone: '123456789012345@lid', body: 'oi', kind: 'REPLY' as const });
    const refused = await failure(deliverOutbound(undefined as unknown as EntityManager, connection(), row, new Date()));
    expect(refused).toMatchObject({ kind: 'rejected', userMessage: WHATSAPP_DELIVERY_TEXTS.lidUnknown });
    expect(sandbox.requests).toEqual([]);
  });

  it('maps Meta’s codes to the port’s kinds with the panel’s pt-BR reason', async () => {
    sandbox.closeWindow(PHONE_NUMBER_ID, USER);
    expect(await failure(connection().sendText(USER, 'oi'))).toMatchObject({ kind: 'window_closed', code: '131047', userMessage: CLOUD_API_TEXTS.windowClosed });
    sandbox.openWindow(PHONE_NUMBER_ID, USER);
    sandbox.failNext(1, 130429);
    expect(await failure(connection().sendText(USER, 'oi'))).toMatchObject({ kind: 'retryable', code: '130429', userMessage: CLOUD_API_TEXTS.rateLimited({ code: '130429' }) });
    sandbox.failNext(1, 131026);
    expect(await failure(connection().sendText(USER, 'oi'))).toMatchObject({ kind: 'rejected', userMessage: expect.stringContaining('não entregou') });
    expect(await failure(connection({ accessToken: 'expired' }).sendText(USER, 'oi'))).toMatchObject({ kind: 'broken', code: '190', userMessage: CLOUD_API_TEXTS.tokenExpired });
    expect(await connection({ accessToken: 'expired' }).testConnection()).toEqual({ ok: false, state: 'erro 190', message: CLOUD_API_TEXTS.tokenExpired });
  });
});
