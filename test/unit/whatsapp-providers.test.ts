import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { EntityManager } from '@mikro-orm/postgresql';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { WhatsappProviderSettings } from '../../server/companies/whatsapp-provider.js';
import { OutboundGuard } from '../../server/platform/outbound-guard.js';
import { OutboundMessage } from '../../server/whatsapp/outbound-message.entity.js';
import { deliverOutbound } from '../../server/whatsapp/providers/customer-window.js';
import { evolutionProvider } from '../../server/whatsapp/providers/evolution.provider.js';
import { ProviderError, type WhatsappConnection } from '../../server/whatsapp/providers/provider.js';
import { DEFAULT_PROVIDERS, ProviderRegistry } from '../../server/whatsapp/providers/registry.js';
import { whaticketProvider } from '../../server/whatsapp/providers/whaticket.provider.js';
import { DEFAULT_GLOBAL_KEY, EvolutionSandbox } from '../fakes/evolution-sandbox.js';
import { WhaticketSandbox } from '../fakes/whaticket-sandbox.js';

/** The sandboxes listen on loopback: allowed, as OUTBOUND_ALLOWED_HOSTS=127.0.0.1 would. */
const GUARD = new OutboundGuard([{ host: '127.0.0.1', port: undefined }]);

function settings(overrides: Partial<WhatsappProviderSettings> = {}): WhatsappProviderSettings {
  return {
    provider: 'EVOLUTION',
    whaticket: { url: null, token: null },
    evolution: { url: null, apiKey: null, instance: null, apiVersion: 2 },
    cloud: { apiUrl: 'https://graph.facebook.com', apiVersion: 'v23.0', phoneNumberId: null, accessToken: null, appSecret: null, verifyToken: null, reminderTemplate: null, templateLanguage: 'pt_BR' },
    ...overrides,
  };
}

/** deliverOutbound reads the database only for a reminder's 24-hour window: a reply never does. */
const NO_TX = undefined as unknown as EntityManager;
const reply = (phone: string) => Object.assign(new OutboundMessage(), { companyId: 'c1', phone, body: 'oi', kind: 'REPLY' as const });

async function failure(promise: Promise<unknown>): Promise<ProviderError> {
  const error = await promise.then(() => new Error('expected a rejection'), (e: unknown) => e);
  expect(error).toBeInstanceOf(ProviderError);
  return error as ProviderError;
}

describe('provider registry', () => {
  it('knows Whaticket and Evolution API by id', () => {
    const sut = new ProviderRegistry(DEFAULT_PROVIDERS);
    expect(sut.get('WHATICKET')).toBe(whaticketProvider);
    expect(sut.get('EVOLUTION')).toBe(evolutionProvider);
    expect(sut.get('TELEGRAM')).toBeUndefined();
  });
});

describe('Evolution API adapter', () => {
  let evo: EvolutionSandbox;
  let sut: WhatsappConnection;

  beforeAll(async () => {
    evo = new EvolutionSandbox({ instances: [{ name: 'clinica', token: 'TOKEN-DA-INSTANCIA' }] });
    await evo.start();
  });
  afterAll(async () => evo?.stop());
  beforeEach(() => {
    evo.apiVersion = 2;
    const link = evolutionProvider.connect(settings({ evolution: { url: `${evo.url}/`, apiKey: DEFAULT_GLOBAL_KEY, instance: 'clinica', apiVersion: 2 } }), { fetch: GUARD.fetch });
    if (!('connection' in link)) throw new Error('not configured');
    sut = link.connection;
  });

  it('says what is missing before anything is configured', () => {
    expect(evolutionProvider.connect(settings(), {})).toEqual({ notConfigured: 'Falta configurar a Evolution API: preencha a URL, a chave de API e o nome da instância em Configurações → WhatsApp.' });
    expect(evolutionProvider.connect(settings({ evolution: { url: 'https://evo', apiKey: 'k', instance: null, apiVersion: 2 } }), {})).toEqual({
      notConfigured: 'Falta configurar a Evolution API: preencha o nome da instância em Configurações → WhatsApp.',
    });
  });

  it('takes a LID recipient through the port: Evolution passes it to WhatsApp as is', async () => {
    expect(sut.sendsToLid).toBe(true);
    await deliverOutbound(NO_TX, sut, reply('123456789012346@lid'), new Date());
    expect(evo.sent().at(-1)).toMatchObject({ number: '123456789012346@lid', jid: '123456789012346@lid' });
  });

  it('sends digits (or a LID as is) and returns the key.id of the 201; the instance token works as apikey too', async () => {
    expect(await sut.sendText('+55 (11) 98765-4321', 'Olá')).toEqual({ providerMessageId: evo.sent().at(-1)!.id });
    expect(evo.sent().at(-1)).toMatchObject({ number: '5511987654321', jid: '5511987654321@s.whatsapp.net', text: 'Olá' });
    await sut.sendText('123456789012345@lid', 'Oi');
    expect(evo.sent().at(-1)).toMatchObject({ number: '123456789012345@lid', jid: '123456789012345@lid' });
    const own = evolutionProvider.connect(settings({ evolution: { url: evo.url, apiKey: 'TOKEN-DA-INSTANCIA', instance: 'clinica', apiVersion: 2 } }), { fetch: GUARD.fetch });
    expect('connection' in own && (await own.connection.sendText('5511987654321', 'x')).providerMessageId).toMatch(/^3EB0/);
  });

  it('maps each Evolution failure to a kind: retry, rejected (this message) or broken (the connection)', async () => {
    evo.failNext(1, 500);
    expect(await failure(sut.sendText('5511987654321', 'a'))).toMatchObject({ kind: 'retryable', status: 500, userMessage: 'A Evolution API não respondeu (HTTP 500); a mensagem será reenviada automaticamente.' });
    evo.requireLicense(1);
    expect(await failure(sut.sendText('5511987654321', 'a'))).toMatchObject({ kind: 'broken', code: 'LICENSE_REQUIRED' });
    evo.unregistered.add('5511900000001');
    expect(await failure(sut.sendText('5511900000001', 'a'))).toMatchObject({ kind: 'rejected', code: 'exists:false', status: 400 });
    // A v1 body sent to a v2 server is refused: the company's version setting is wrong.
    const v1 = evolutionProvider.connect(settings({ evolution: { url: evo.url, apiKey: DEFAULT_GLOBAL_KEY, instance: 'clinica', apiVersion: 1 } }), { fetch: GUARD.fetch });
    const refused = await failure('connection' in v1 ? v1.connection.sendText('5511987654321', 'a') : Promise.resolve());
    expect(refused).toMatchObject({ kind: 'rejected', status: 400, userMessage: 'A Evolution API recusou a mensagem (HTTP 400).' });
    expect(refused.userMessage).not.toContain('instance requires');
    const wrongKey = evolutionProvider.connect(settings({ evolution: { url: evo.url, apiKey: 'errada', instance: 'clinica', apiVersion: 2 } }), { fetch: GUARD.fetch });
    expect(await failure('connection' in wrongKey ? wrongKey.connection.sendText('5511987654321', 'a') : Promise.resolve())).toMatchObject({ kind: 'broken', status: 401 });
  });

  it('never calls a loopback URL that is not allowed, and treats it as a broken connection', async () => {
    const link = evolutionProvider.connect(settings({ evolution: { url: evo.url, apiKey: DEFAULT_GLOBAL_KEY, instance: 'clinica', apiVersion: 2 } }), {});
    const before = evo.requests.length;
    expect(await failure('connection' in link ? link.connection.sendText('5511987654321', 'a') : Promise.resolve())).toMatchObject({ kind: 'broken', userMessage: expect.stringMatching(/endereço interno ou reservado/) });
    expect(evo.requests.length).toBe(before);
  });

  it('times out a silent server as retryable and does not follow redirects', async () => {
    let server: Server | undefined;
    try {
      server = createServer((req, res) => {
        if (req.url?.startsWith('/message/')) return; // never answers
        res.writeHead(302, { location: 'http://169.254.169.254/' });
        res.end();
      });
      await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      const { EvolutionClient } = await import('../../server/whatsapp/providers/evolution.client.js');
      const client = new EvolutionClient({ url, apiKey: 'k', instance: 'x', apiVersion: 2, timeoutMs: 200, fetch: GUARD.fetch });
      expect(await failure(client.sendText('5511987654321', 'a'))).toMatchObject({ kind: 'retryable' });
      expect(await failure(client.connectionState())).toMatchObject({ kind: 'broken', status: 302 });
    } finally {
      server?.closeAllConnections();
      await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    }
  });
});

describe('Whaticket adapter', () => {
  let wt: WhaticketSandbox;
  beforeAll(async () => {
    wt = new WhaticketSandbox({ tokens: ['certo'] });
    await wt.start();
  });
  afterAll(async () => wt?.stop());

  const connect = (token: string) => {
    const link = whaticketProvider.connect(settings({ provider: 'WHATICKET', whaticket: { url: wt.url, token } }), { fetch: GUARD.fetch });
    if (!('connection' in link)) throw new Error('not configured');
    return link.connection;
  };

  it('keeps the Whaticket client behaviour: no message id, retryable 5xx, a refused token is a broken connection', async () => {
    expect(await connect('certo').sendText('5511987654321', 'oi')).toEqual({ providerMessageId: null });
    wt.failNext(1, 500);
    expect(await failure(connect('certo').sendText('5511987654321', 'oi'))).toMatchObject({ kind: 'retryable', status: 500 });
    expect(await failure(connect('errado').sendText('5511987654321', 'oi'))).toMatchObject({ kind: 'broken', status: 401, userMessage: 'O Whaticket recusou as credenciais (HTTP 401): confira-as em Configurações → WhatsApp.' });
    expect(whaticketProvider.connect(settings({ provider: 'WHATICKET' }), {})).toEqual({ notConfigured: 'Falta configurar o Whaticket: preencha a URL e o token em Configurações.' });
  });

  it('refuses a LID recipient without calling Whaticket (its digits are not a phone)', async () => {
    const before = wt.requests.length;
    expect(await failure(deliverOutbound(NO_TX, connect('certo'), reply('551187654321012@lid'), new Date()))).toMatchObject({ kind: 'rejected' });
    expect(wt.requests.length).toBe(before);
  });
});
