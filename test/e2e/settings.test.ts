import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CalcomSandbox, DEFAULT_API_KEY, DEFAULT_EVENT_TYPE_ID } from '../fakes/calcom-sandbox.js';
import { seedCompany, startTestServer, type TestServer } from '../support/app.js';
import { holdWebhookApplication, webhooksApplied } from '../support/webhooks.js';
import { expectCount, expectText, horizontalOverflow, launchBrowser, login, MOBILE, openPage, screenshot, unlabelledControls, type TestPage } from './support/browser.js';

describe('Configurações', () => {
  let server: TestServer;
  let cal: CalcomSandbox;
  let browser: Browser;
  let admin: Awaited<ReturnType<typeof seedCompany>>;

  beforeAll(async () => {
    cal = new CalcomSandbox({ minimumNoticeMinutes: 0, tenants: [{ workingHours: { days: [0, 1, 2, 3, 4, 5, 6], start: '09:00', end: '18:00' } }] });
    await cal.start();
    server = await startTestServer('e2e_settings');
    admin = await seedCompany(server.app, 'Estúdio Bem-Estar', { timezone: 'America/Sao_Paulo' });
    browser = await launchBrowser();
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await cal?.stop();
  });

  const integrations = () => server.app.services.companies.integrations(server.app.orm.em.fork(), admin.company.id);
  const copyField = (t: TestPage, label: string) => t.page.getByRole('textbox', { name: label, exact: true });

  async function openSettings(t: TestPage): Promise<void> {
    await login(t, admin.email, admin.password);
    await t.page.getByRole('link', { name: 'Configurações' }).click();
    await t.page.getByRole('heading', { level: 1, name: 'Configurações' }).waitFor();
  }

  it('mostra o que colar no Cal.com e no Whaticket, acessível e em 360 px', async () => {
    const t = await openPage(browser, server.url);
    await openSettings(t);
    const { page } = t;
    expect(await copyField(t, 'URL do webhook').inputValue()).toBe(`${server.url}/api/agenda/webhook/cal`);
    expect(await copyField(t, 'Cabeçalho X-Cal-Company').inputValue()).toBe(admin.company.id);
    expect(await copyField(t, 'URL de entrada').inputValue()).toBe(`${server.url}/api/whaticket/inbound/${admin.company.id}`);
    await page.getByText('Agenda não configurada', { exact: true }).waitFor();
    await page.getByText('Nenhum webhook recebido ainda.').waitFor();
    expect(await unlabelledControls(page)).toEqual([]);
    await screenshot(page, 'configuracoes-desktop');
    await page.setViewportSize(MOBILE);
    expect(await horizontalOverflow(page)).toBeLessThanOrEqual(0);
    await screenshot(page, 'configuracoes-360');
    t.expectNoConsoleErrors();
    await t.close();
  });

  it('salva o Cal.com com a chave mascarada (só substituível) e testa a conexão', async () => {
    const t = await openPage(browser, server.url);
    await openSettings(t);
    const { page } = t;
    const section = page.getByRole('region', { name: 'Cal.com' });
    await section.getByLabel(/^URL da API do Cal.com/).fill('ftp://cal.example');
    await section.getByRole('button', { name: 'Salvar Cal.com' }).click();
    await section.getByText('Informe uma URL começando com http:// ou https://, ex.: https://api.cal.com').waitFor();

    await section.getByLabel(/^URL da API do Cal.com/).fill(cal.url);
    await section.getByLabel('Chave de API').fill(DEFAULT_API_KEY);
    await section.getByLabel('ID do tipo de evento').fill(String(DEFAULT_EVENT_TYPE_ID));
    await section.getByRole('button', { name: 'Salvar Cal.com' }).click();
    await section.getByRole('status').filter({ hasText: 'Configurações do Cal.com salvas.' }).waitFor();
    expect(await section.getByLabel('Chave de API').inputValue()).toBe('');
    const mask = (await section.getByTestId('calApiKey-mask').textContent()) ?? '';
    expect(mask).not.toContain(DEFAULT_API_KEY);
    expect(mask).toMatch(/\*/);
    await section.getByText('Agenda configurada', { exact: true }).waitFor();
    expect((await integrations())?.cal).toMatchObject({ apiUrl: cal.url, apiKey: DEFAULT_API_KEY, eventTypeId: DEFAULT_EVENT_TYPE_ID });

    // Nothing changed: nothing is sent.
    await section.getByRole('button', { name: 'Salvar Cal.com' }).click();
    await section.getByRole('status').filter({ hasText: 'Nada foi alterado.' }).waitFor();

    await section.getByRole('button', { name: 'Testar conexão' }).click();
    const ok = section.getByRole('status').filter({ hasText: 'Conexão com o Cal.com funcionando' });
    await ok.waitFor();
    await expectText(ok, /\d+ horários livres encontrados\./);
    await screenshot(page, 'configuracoes-calcom-ok');
    t.expectNoConsoleErrors();
    await t.close();
  });

  it('gera o segredo do webhook no navegador, mostra uma única vez e o diagnóstico mostra entregas aceitas e recusadas', async () => {
    const t = await openPage(browser, server.url, { permissions: ['clipboard-read', 'clipboard-write'] });
    await openSettings(t);
    const { page } = t;
    const section = page.getByRole('region', { name: 'Webhook do Cal.com' });
    await section.getByRole('button', { name: 'Gerar segredo' }).click();
    const secretField = copyField(t, 'Segredo do webhook');
    await secretField.waitFor();
    const secret = await secretField.inputValue();
    expect(secret).toMatch(/^[0-9a-f]{64}$/);
    expect((await integrations())?.cal.webhookSecret).toBe(secret);
    await section.getByRole('button', { name: 'Copiar Segredo do webhook' }).click();
    await section.getByRole('button', { name: /Copiado/ }).waitFor();
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(secret);
    await screenshot(page, 'configuracoes-segredo-gerado');
    await section.getByRole('button', { name: 'Já copiei' }).click();
    await expectCount(secretField, 0);
    expect(await page.getByText(secret).count()).toBe(0);
    await section.getByTestId('calWebhookSecret-mask').waitFor();

    // Deliveries signed with it are accepted; a wrong signature is rejected with the reason.
    const booking = cal.createBookingDirectly({ start: new Date(Date.now() + 3 * 86_400_000), attendee: { name: 'Teste Webhook', email: 'w@example.com' }, force: true });
    const target = { url: `${server.url}/api/agenda/webhook/cal`, companyId: admin.company.id };
    expect((await cal.deliverWebhook(cal.buildWebhook('BOOKING_CREATED', booking), { ...target, secret })).status).toBe(200);
    expect((await cal.deliverWebhook(cal.buildWebhook('BOOKING_CANCELLED', booking), { ...target, secret: 'segredo-errado' })).status).toBe(401);
    await webhooksApplied(server.app, admin.company.id); // the 200 means stored; a worker applies it right after
    const diagnostics = page.getByRole('region', { name: 'Diagnóstico de webhooks' });
    await diagnostics.getByRole('button', { name: 'Atualizar' }).click();
    const rejected = diagnostics.locator('tr[data-outcome="rejected"]');
    await rejected.waitFor();
    await expectText(rejected, 'Rejeitado');
    await expectText(rejected, /Assinatura inválida/);
    await expectText(diagnostics.locator('tr[data-outcome="applied"]'), /Reserva criada\s*Aplicado/);
    await screenshot(page, 'configuracoes-diagnostico');

    // A delivery stored but not applied yet (its company's sync lock is held here) shows as being applied.
    const release = await holdWebhookApplication(server.databaseUrl, admin.company.id);
    try {
      const later = cal.createBookingDirectly({ start: new Date(Date.now() + 4 * 86_400_000), attendee: { name: 'Teste Pendente', email: 'p@example.com' }, force: true });
      expect((await cal.deliverWebhook(cal.buildWebhook('BOOKING_CREATED', later), { ...target, secret })).status).toBe(200);
      await diagnostics.getByRole('button', { name: 'Atualizar' }).click();
      await expectText(diagnostics.locator('tr[data-outcome="pending"]'), /Reserva criada\s*Aplicando/);
    } finally {
      await release();
    }
    await webhooksApplied(server.app, admin.company.id);
    await diagnostics.getByRole('button', { name: 'Atualizar' }).click();
    await expectCount(diagnostics.locator('tr[data-outcome="pending"]'), 0);

    // Replacing it asks first: the current one stops working.
    await section.getByRole('button', { name: 'Gerar novo segredo' }).click();
    const confirm = page.getByRole('dialog', { name: 'Gerar novo segredo?' });
    await confirm.waitFor();
    await confirm.getByRole('button', { name: 'Gerar novo segredo' }).click();
    const replaced = await copyField(t, 'Segredo do webhook').inputValue();
    expect(replaced).toMatch(/^[0-9a-f]{64}$/);
    expect(replaced).not.toBe(secret);
    expect((await integrations())?.cal.webhookSecret).toBe(replaced);
    t.expectNoConsoleErrors();
    await t.close();
  });

  it('salva o Whaticket e gera um novo token de entrada, mostrado uma vez', async () => {
    const t = await openPage(browser, server.url);
    await openSettings(t);
    const { page } = t;
    const section = page.getByRole('region', { name: 'Whaticket (WhatsApp)' });
    await section.getByLabel('URL do Whaticket').fill('https://whaticket.example.com.br');
    await section.getByLabel('Token de envio').fill('token-whaticket-123456');
    await section.getByRole('button', { name: 'Salvar Whaticket' }).click();
    await section.getByRole('status').filter({ hasText: 'Configurações do Whaticket salvas.' }).waitFor();
    expect((await integrations())?.whatsapp.whaticket).toEqual({ url: 'https://whaticket.example.com.br', token: 'token-whaticket-123456' });
    expect(await section.getByTestId('whaticketToken-mask').textContent()).not.toContain('token-whaticket-123456');

    await section.getByRole('button', { name: 'Gerar novo token' }).click();
    const confirm = page.getByRole('dialog', { name: 'Gerar novo token de entrada?' });
    await confirm.waitFor();
    // Focus starts on the safe choice.
    expect(await confirm.getByRole('button', { name: 'Voltar' }).evaluate((el) => el === document.activeElement)).toBe(true);
    await confirm.getByRole('button', { name: 'Gerar novo token' }).click();
    const token = await copyField(t, 'Token de entrada').inputValue();
    expect(token.length).toBeGreaterThan(20);
    const em = server.app.orm.em.fork();
    expect(await server.app.services.companies.inboundTokenMatches(em, admin.company.id, token)).toBe(true);
    expect(await server.app.services.companies.inboundTokenMatches(em, admin.company.id, admin.inboundToken)).toBe(false);
    t.expectNoConsoleErrors();
    await t.close();
  });

  it('muda o fuso da empresa e a agenda passa a usá-lo sem recarregar', async () => {
    const t = await openPage(browser, server.url);
    await openSettings(t);
    const { page } = t;
    const section = page.getByRole('region', { name: 'Empresa' });
    await section.getByLabel('Fuso horário').selectOption('America/Manaus');
    await section.getByRole('button', { name: 'Salvar dados da empresa' }).click();
    await section.getByRole('status').filter({ hasText: 'Dados da empresa salvos.' }).waitFor();
    await page.getByRole('link', { name: 'Agenda' }).click();
    await page.getByText('Horários no fuso da empresa: America/Manaus (UTC−04:00)').waitFor();
    t.expectNoConsoleErrors();
    await t.close();
  });
});
