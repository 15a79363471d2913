import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_GLOBAL_KEY, EvolutionSandbox } from '../fakes/evolution-sandbox.js';
import { seedCompany, startTestServer, type TestServer } from '../support/app.js';
import { horizontalOverflow, launchBrowser, login, MOBILE, openPage, screenshot, unlabelledControls, type TestPage } from './support/browser.js';

/** Configurações → WhatsApp with a real server and a real Evolution API sandbox. */
describe('Configurações → WhatsApp', () => {
  let server: TestServer;
  let evo: EvolutionSandbox;
  let browser: Browser;
  let admin: Awaited<ReturnType<typeof seedCompany>>;

  beforeAll(async () => {
    evo = new EvolutionSandbox({ instances: [{ name: 'clinica' }] });
    await evo.start();
    server = await startTestServer('e2e_whatsapp_settings');
    admin = await seedCompany(server.app, 'Clínica Zap', { timezone: 'America/Sao_Paulo' });
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await evo?.stop();
  });

  const integrations = () => server.app.services.companies.integrations(server.app.orm.em.fork(), admin.company.id);

  async function openSettings(t: TestPage): Promise<void> {
    await login(t, admin.email, admin.password);
    await t.page.getByRole('link', { name: 'Configurações' }).click();
    await t.page.getByRole('heading', { level: 1, name: 'Configurações' }).waitFor();
  }

  it('switches to Evolution API, shows the exact webhook call with a fresh token, and that call makes messages arrive and get answered', async () => {
    const t = await openPage(browser, server.url);
    await openSettings(t);
    const { page } = t;
    const whatsapp = page.getByRole('region', { name: 'WhatsApp', exact: true });
    await whatsapp.getByText('Em uso: Whaticket.').waitFor();
    await whatsapp.getByRole('radio', { name: 'Evolution API' }).check();
    const section = whatsapp.getByRole('region', { name: 'Evolution API' });
    await section.getByLabel('URL da Evolution API').fill('ftp://evo');
    await section.getByRole('button', { name: 'Salvar e usar a Evolution API' }).click();
    await section.getByText('Informe uma URL começando com http:// ou https://').waitFor();

    await section.getByLabel('URL da Evolution API').fill(evo.url);
    await section.getByLabel('Chave de API (apikey)').fill(DEFAULT_GLOBAL_KEY);
    await section.getByLabel('Nome da instância').fill('clinica');
    await section.getByRole('button', { name: 'Salvar e usar a Evolution API' }).click();
    await section.getByRole('status').filter({ hasText: 'Configurações da Evolution API salvas.' }).waitFor();
    await whatsapp.getByText('Em uso: Evolution API.').waitFor();
    expect((await integrations())?.whatsapp).toMatchObject({ provider: 'EVOLUTION', evolution: { url: evo.url, apiKey: DEFAULT_GLOBAL_KEY, instance: 'clinica', apiVersion: 2 } });
    expect(await section.getByTestId('evolutionApiKey-mask').textContent()).not.toContain(DEFAULT_GLOBAL_KEY);

    const inboundUrl = `${server.url}/api/whatsapp/evolution/${admin.company.id}`;
    expect(await section.getByRole('textbox', { name: 'URL de entrada da Evolution API', exact: true }).inputValue()).toBe(inboundUrl);
    expect(await section.getByRole('textbox', { name: 'Chamada para configurar o webhook', exact: true }).inputValue()).toBe(`POST ${evo.url}/webhook/set/clinica`);
    const bodyField = section.getByRole('textbox', { name: 'Corpo da chamada', exact: true });
    expect(JSON.parse(await bodyField.inputValue())).toEqual({
      webhook: { enabled: true, url: inboundUrl, headers: { authorization: 'Bearer <token de entrada>' }, byEvents: false, base64: false, events: ['MESSAGES_UPSERT', 'MESSAGES_UPDATE'] },
    });

    await section.getByRole('button', { name: 'Gerar novo token' }).click();
    await page.getByRole('dialog', { name: 'Gerar novo token de entrada?' }).getByRole('button', { name: 'Gerar novo token' }).click();
    const token = await section.getByRole('textbox', { name: 'Token de entrada', exact: true }).inputValue();
    expect(token.length).toBeGreaterThan(20);
    const body = await bodyField.inputValue();
    expect(body).toContain(`"authorization": "Bearer ${token}"`);

    // What the admin does with it: the exact call, pasted into Evolution API.
    const set = await fetch(`${evo.url}/webhook/set/clinica`, { method: 'POST', headers: { 'content-type': 'application/json', apikey: DEFAULT_GLOBAL_KEY }, body });
    expect(set.status).toBe(201);
    const phone = '5511987650101';
    expect((await evo.receiveText('clinica', { phone, name: 'Ana' }, 'quais são meus agendamentos?')).status).toBe(200);
    await expect.poll(() => evo.sent('clinica').filter((m) => m.number === phone).length, { timeout: 20_000 }).toBe(1);

    expect(await unlabelledControls(page)).toEqual([]);
    await screenshot(page, 'configuracoes-whatsapp-evolution');
    await page.setViewportSize(MOBILE);
    expect(await horizontalOverflow(page)).toBeLessThanOrEqual(0);
    await screenshot(page, 'configuracoes-whatsapp-360');
    t.expectNoConsoleErrors();
    await t.close();
  });

  it('"Testar conexão" shows the instance state, and delivery errors are listed with our reason', async () => {
    await server.app.services.companies.update(server.app.orm.em.fork(), admin.company.id, {
      whatsappProvider: 'EVOLUTION', evolutionUrl: evo.url, evolutionApiKey: DEFAULT_GLOBAL_KEY, evolutionInstance: 'clinica',
    }, { type: 'SYSTEM', id: null, label: 'teste' });
    const stranger = '5511987650202';
    evo.unregistered.add(stranger);
    await server.app.services.whatsapp.receive(server.app.orm.em.fork(), admin.company.id, {
      kind: 'message', messageId: 'e2e-unregistered-1', phone: stranger, contactPhone: stranger, name: 'Sem WhatsApp', text: 'quais são meus agendamentos?',
    }, { provider: 'evolution' });
    await expect.poll(async () => (await server.app.orm.em.fork().execute(`select status from outbound_messages where phone = ?`, [stranger]))[0]?.status, { timeout: 20_000 }).toBe('FAILED');

    const t = await openPage(browser, server.url);
    await openSettings(t);
    const whatsapp = t.page.getByRole('region', { name: 'WhatsApp', exact: true });
    await whatsapp.getByRole('button', { name: 'Testar conexão' }).click();
    await whatsapp.getByRole('status').filter({ hasText: 'Conexão com a Evolution API funcionando (estado: open).' }).waitFor();

    evo.instances.get('clinica')!.state = 'close';
    await whatsapp.getByRole('button', { name: 'Fechar aviso' }).click();
    await whatsapp.getByRole('button', { name: 'Testar conexão' }).click();
    await whatsapp.getByRole('alert').filter({ hasText: 'não está conectado (estado: close)' }).waitFor();

    const table = whatsapp.getByRole('table', { name: 'Últimos erros de entrega' });
    await table.getByText('+55 (11) 98765-0202').waitFor();
    await table.getByText('A Evolution API não entregou a mensagem a este contato (HTTP 400): o número pode não ter WhatsApp.').waitFor();
    expect(await table.textContent()).not.toContain('exists');
    t.expectNoConsoleErrors();
    await t.close();
  });
});
