import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Company } from '../../server/companies/company.entity.js';
import { gql, login, seedCompany, startTestServer, type TestServer } from '../support/app.js';

const FIELDS = `whatsappProvider evolutionUrl evolutionApiKey evolutionInstance evolutionApiVersion cloudApiUrl cloudApiVersion cloudPhoneNumberId
  cloudAccessToken cloudAppSecret cloudVerifyToken cloudReminderTemplate cloudTemplateLanguage evolutionInboundPath cloudInboundPath whaticketInboundPath
  whatsappConnectionError`;
const UPDATE = `mutation($input: CompanySettingsInput!) { updateCompanySettings(input: $input) { ${FIELDS} } }`;
const READ = `{ company { ${FIELDS} } }`;

describe('WhatsApp provider settings (ARCHITECTURE §10): GraphQL, masking, clearing, validation, tenants', () => {
  let server: TestServer;
  let alpha: Awaited<ReturnType<typeof seedCompany>>;
  let beta: Awaited<ReturnType<typeof seedCompany>>;
  let adminA: string;
  let adminB: string;
  const row = (id: string) => server.app.orm.em.fork().findOneOrFail(Company, { id });

  beforeAll(async () => {
    server = await startTestServer('whatsapp-provider-settings');
    alpha = await seedCompany(server.app, 'Clínica Alfa');
    beta = await seedCompany(server.app, 'Clínica Beta');
    adminA = await login(server.url, alpha.email, alpha.password);
    adminB = await login(server.url, beta.email, beta.password);
  });
  afterAll(async () => server?.close());

  it('starts on Whaticket with the documented defaults and one inbound path per provider', async () => {
    const { data } = await gql(server.url, READ, {}, adminA);
    const id = alpha.company.id;
    expect(data?.company).toEqual({
      whatsappProvider: 'WHATICKET', evolutionUrl: null, evolutionApiKey: null, evolutionInstance: null, evolutionApiVersion: 2,
      cloudApiUrl: 'https://graph.facebook.com', cloudApiVersion: 'v23.0', cloudPhoneNumberId: null, cloudAccessToken: null, cloudAppSecret: null,
      cloudVerifyToken: null, cloudReminderTemplate: null, cloudTemplateLanguage: 'pt_BR', evolutionInboundPath: `/api/whatsapp/evolution/${id}`,
      cloudInboundPath: `/api/whatsapp/cloud/${id}`, whaticketInboundPath: `/api/whaticket/inbound/${id}`, whatsappConnectionError: null,
    });
  });

  it('saves every provider field, returns secrets masked, stores them encrypted, and shows nothing to another company', async () => {
    const input = {
      whatsappProvider: 'EVOLUTION', evolutionUrl: 'https://evo.example.com/', evolutionApiKey: 'evo-api-key-0001', evolutionInstance: 'clinica-alfa',
      evolutionApiVersion: 1, cloudApiVersion: 'v24.0', cloudPhoneNumberId: '106540352242922', cloudAccessToken: 'EAAG-access-token-0002',
      cloudAppSecret: 'app-secret-0003', cloudVerifyToken: 'verify-token-0004', cloudReminderTemplate: 'lembrete_consulta', cloudTemplateLanguage: 'en_US',
    };
    const saved = await gql(server.url, UPDATE, { input }, adminA);
    expect(saved.errors).toBeUndefined();
    expect(saved.data?.updateCompanySettings).toMatchObject({
      whatsappProvider: 'EVOLUTION', evolutionUrl: 'https://evo.example.com', evolutionApiKey: '****0001', evolutionInstance: 'clinica-alfa',
      evolutionApiVersion: 1, cloudApiVersion: 'v24.0', cloudPhoneNumberId: '106540352242922', cloudAccessToken: '****0002', cloudAppSecret: '****0003',
      cloudVerifyToken: '****0004', cloudReminderTemplate: 'lembrete_consulta', cloudTemplateLanguage: 'en_US',
    });
    const stored = await row(alpha.company.id);
    for (const [column, plain] of [[stored.evolutionApiKey, 'evo-api-key'], [stored.cloudAccessToken, 'EAAG'], [stored.cloudAppSecret, 'app-secret'], [stored.cloudVerifyToken, 'verify-token']]) {
      expect(column).toMatch(/^v1:/);
      expect(column).not.toContain(plain);
    }
    const integrations = await server.app.services.companies.integrations(server.app.orm.em.fork(), alpha.company.id);
    expect(integrations?.whatsapp.evolution).toEqual({ url: 'https://evo.example.com', apiKey: 'evo-api-key-0001', instance: 'clinica-alfa', apiVersion: 1 });
    expect(integrations?.whatsapp.cloud).toMatchObject({ accessToken: 'EAAG-access-token-0002', appSecret: 'app-secret-0003', verifyToken: 'verify-token-0004' });

    const other = await gql(server.url, READ, {}, adminB);
    expect(other.data?.company).toMatchObject({ whatsappProvider: 'WHATICKET', evolutionUrl: null, evolutionApiKey: null, cloudAccessToken: null });
    expect(JSON.stringify(other)).not.toContain('clinica-alfa');
  });

  it('a new Evolution URL clears its API key, a new Graph API URL clears the access token (not the app secret); a key sent along is kept', async () => {
    const moved = await gql(server.url, UPDATE, { input: { evolutionUrl: 'https://evo-nova.example.com' } }, adminA);
    expect(moved.data?.updateCompanySettings).toMatchObject({ evolutionUrl: 'https://evo-nova.example.com', evolutionApiKey: null, cloudAccessToken: '****0002' });
    const both = await gql(server.url, UPDATE, { input: { evolutionUrl: 'https://evo.example.com', evolutionApiKey: 'evo-api-key-0005' } }, adminA);
    expect(both.data?.updateCompanySettings).toMatchObject({ evolutionUrl: 'https://evo.example.com', evolutionApiKey: '****0005' });

    const graph = await gql(server.url, UPDATE, { input: { cloudApiUrl: 'https://graph.example.com' } }, adminA);
    expect(graph.data?.updateCompanySettings).toMatchObject({ cloudApiUrl: 'https://graph.example.com', cloudAccessToken: null, cloudAppSecret: '****0003', cloudVerifyToken: '****0004' });
    expect((await row(alpha.company.id)).cloudAccessToken).toBeNull();

    // An empty string clears a secret; omitted fields stay.
    const cleared = await gql(server.url, UPDATE, { input: { cloudVerifyToken: '' } }, adminA);
    expect(cleared.data?.updateCompanySettings).toMatchObject({ cloudVerifyToken: null, cloudAppSecret: '****0003', evolutionApiKey: '****0005' });
  });

  it.each([
    [{ evolutionApiVersion: 3 }, 'evolutionApiVersion deve ser 1 ou 2.'],
    [{ cloudApiVersion: '23' }, /^cloudApiVersion deve ser escrita como nas URLs da Meta/],
    [{ cloudPhoneNumberId: '+55 11 9999' }, /^cloudPhoneNumberId deve ser/],
    [{ cloudReminderTemplate: 'Lembrete Consulta' }, /^cloudReminderTemplate deve ser/],
    [{ cloudTemplateLanguage: 'português' }, /^cloudTemplateLanguage deve ser/],
    [{ evolutionInstance: 'minha instância' }, /^evolutionInstance deve ser/],
    [{ evolutionUrl: 'ftp://evo.example.com' }, /^evolutionUrl deve começar com/],
    [{ evolutionUrl: 'http://169.254.169.254/latest', evolutionApiKey: 'x' }, /A URL da Evolution API \(evolutionUrl\) aponta para um endereço interno/],
    [{ cloudApiUrl: 'http://10.0.0.5' }, /A URL da API do WhatsApp Cloud \(cloudApiUrl\) aponta para um endereço interno/],
  ])('refuses %j with a clear BAD_USER_INPUT and changes nothing', async (input, message) => {
    const before = await row(alpha.company.id);
    const result = await gql(server.url, UPDATE, { input: { whatsappProvider: 'CLOUD_API', ...input } }, adminA);
    expect(result.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(result.errors?.[0]?.message).toMatch(message);
    const after = await row(alpha.company.id);
    expect({ ...after, updatedAt: null }).toEqual({ ...before, updatedAt: null });
  });

  it('an unknown provider is refused by the schema; API keys cannot change settings', async () => {
    const unknown = await gql(server.url, UPDATE, { input: { whatsappProvider: 'TELEGRAM' } }, adminA);
    expect(unknown.errors?.[0]?.message).toMatch(/WhatsappProvider/);
    const byKey = await gql(server.url, UPDATE, { input: { whatsappProvider: 'CLOUD_API' } }, alpha.writeKey);
    expect(byKey.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect((await row(alpha.company.id)).whatsappProvider).toBe('EVOLUTION');
  });

  it('a settings change clears a broken-connection mark', async () => {
    const em = server.app.orm.em.fork();
    await server.app.services.companies.markWhatsappBroken(em, alpha.company.id, 'A Evolution API recusou as credenciais (HTTP 401): confira-as em Configurações → WhatsApp.');
    expect((await gql(server.url, READ, {}, adminA)).data?.company.whatsappConnectionError).toMatch(/recusou as credenciais/);
    const fixed = await gql(server.url, UPDATE, { input: { evolutionApiKey: 'evo-api-key-0006' } }, adminA);
    expect(fixed.data?.updateCompanySettings.whatsappConnectionError).toBeNull();
  });
});
