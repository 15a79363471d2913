import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLOUD_API_TEXTS } from '../../server/platform/messages.js';
import { GraphApiSandbox } from '../fakes/graph-api-sandbox.js';
import { seedCompany, startTestServer, type TestServer } from '../support/app.js';
import { launchBrowser, login, openPage, screenshot, unlabelledControls, type TestPage } from './support/browser.js';

const PHONE_NUMBER_ID = '107770001112223';
const ACCESS_TOKEN = 'EAAG-e2e-system-user-token';
const APP_SECRET = 'e2e-app-secret-0123456789';
const VERIFY_TOKEN = 'e2e-verify-token';

/** Configurações → WhatsApp → Cloud API with a real server and the Graph API sandbox (Meta's side). */
describe('Configurações → WhatsApp → Cloud API', () => {
  let server: TestServer;
  let graph: GraphApiSandbox;
  let browser: Browser;
  let admin: Awaited<ReturnType<typeof seedCompany>>;

  beforeAll(async () => {
    graph = new GraphApiSandbox({ phoneNumbers: [{ id: PHONE_NUMBER_ID, accessToken: ACCESS_TOKEN, displayPhoneNumber: '+55 11 4000-7777', verifiedName: 'Clínica Nuvem' }] });
    await graph.start();
    server = await startTestServer('e2e_whatsapp_cloud');
    admin = await seedCompany(server.app, 'Clínica Nuvem', { timezone: 'America/Sao_Paulo' });
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await graph?.stop();
  });

  async function openWhatsapp(t: TestPage) {
    await login(t, admin.email, admin.password);
    await t.page.getByRole('link', { name: 'Configurações' }).click();
    await t.page.getByRole('heading', { level: 1, name: 'Configurações' }).waitFor();
    return t.page.getByRole('region', { name: 'WhatsApp', exact: true });
  }

  it('saves the Cloud API settings, the callback URL shown passes Meta’s verification, a client is answered and "Testar conexão" looks the number up', async () => {
    const t = await openPage(browser, server.url);
    const whatsapp = await openWhatsapp(t);
    await whatsapp.getByRole('radio', { name: 'WhatsApp Cloud API' }).check();
    const section = whatsapp.getByRole('region', { name: 'WhatsApp Cloud API (Meta)' });
    await section.getByLabel('ID do número de telefone').fill(PHONE_NUMBER_ID);
    await section.getByLabel('Token de acesso').fill(ACCESS_TOKEN);
    await section.getByLabel('Chave secreta do app').fill(APP_SECRET);
    await section.getByLabel('Token de verificação').fill(VERIFY_TOKEN);
    await section.getByLabel('Modelo para lembretes').fill('lembrete_consulta');
    await section.getByLabel('URL da Graph API').fill(graph.url);
    await section.getByRole('button', { name: 'Salvar e usar a Cloud API' }).click();
    await section.getByRole('status').filter({ hasText: 'Configurações da Cloud API salvas.' }).waitFor();
    await whatsapp.getByText('Em uso: WhatsApp Cloud API.').waitFor();
    expect(await section.textContent()).not.toContain(ACCESS_TOKEN);

    // What the admin pastes into the Meta app: this URL and the same verify token.
    const callbackUrl = await section.getByRole('textbox', { name: 'URL de retorno da Cloud API', exact: true }).inputValue();
    expect(callbackUrl).toBe(`${server.url}/api/whatsapp/cloud/${admin.company.id}`);
    graph.subscribe(PHONE_NUMBER_ID, { callbackUrl, appSecret: APP_SECRET, verifyToken: VERIFY_TOKEN });
    const verified = await graph.verifyWebhook(PHONE_NUMBER_ID);
    expect(verified).toMatchObject({ status: 200, body: verified.challenge });

    const phone = '5511987650303';
    expect((await graph.userSends(PHONE_NUMBER_ID, { from: phone, name: 'Ana', text: 'quais são meus agendamentos?' })).status).toBe(200);
    await expect.poll(() => graph.sent().filter((m) => m.to === `+${phone}`).length, { timeout: 20_000 }).toBe(1);

    await whatsapp.getByRole('button', { name: 'Testar conexão' }).click();
    await whatsapp.getByRole('status').filter({ hasText: CLOUD_API_TEXTS.connectionOk({ number: '+55 11 4000-7777, Clínica Nuvem', quality: 'GREEN' }) }).waitFor();

    expect(await unlabelledControls(t.page)).toEqual([]);
    await screenshot(t.page, 'configuracoes-whatsapp-cloud');
    t.expectNoConsoleErrors();
    await t.close();
  });

  it('an expired token shows the broken connection and the failed reply with our reason', async () => {
    graph.expireToken(PHONE_NUMBER_ID);
    const phone = '5511987650404';
    expect((await graph.userSends(PHONE_NUMBER_ID, { from: phone, name: 'Bia', text: 'quais são meus agendamentos?' })).status).toBe(200);
    await expect.poll(async () => (await server.app.orm.em.fork().execute(`select status from outbound_messages where phone = ?`, [phone]))[0]?.status, { timeout: 20_000 }).toBe('FAILED');

    const t = await openPage(browser, server.url);
    const whatsapp = await openWhatsapp(t);
    await whatsapp.getByRole('alert').filter({ hasText: 'Conexão com o WhatsApp interrompida' }).filter({ hasText: CLOUD_API_TEXTS.tokenExpired }).waitFor();
    const table = whatsapp.getByRole('table', { name: 'Últimos erros de entrega' });
    await table.getByText('+55 (11) 98765-0404').waitFor();
    await table.getByText(CLOUD_API_TEXTS.tokenExpired).waitFor();
    expect(await table.textContent()).not.toContain('Session has expired');
    t.expectNoConsoleErrors();
    await t.close();
  });
});
