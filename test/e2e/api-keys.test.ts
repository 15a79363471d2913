import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gql, seedCompany, startTestServer, type TestServer } from '../support/app.js';
import { expectCount, horizontalOverflow, launchBrowser, login, MOBILE, openPage, screenshot, unlabelledControls } from './support/browser.js';

describe('Configurações → Chaves de API', () => {
  let server: TestServer;
  let browser: Browser;
  let admin: Awaited<ReturnType<typeof seedCompany>>;

  beforeAll(async () => {
    server = await startTestServer('e2e_api_keys');
    admin = await seedCompany(server.app, 'Clínica Chaves', { timezone: 'America/Sao_Paulo' });
    browser = await launchBrowser();
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('cria uma chave mostrada uma única vez, lista nome, permissão, criação e último uso, e revoga com confirmação', async () => {
    const t = await openPage(browser, server.url);
    await login(t, admin.email, admin.password);
    const { page } = t;
    await page.getByRole('link', { name: 'Configurações' }).click();
    const section = page.getByRole('region', { name: 'Chaves de API' });
    await section.waitFor();
    // The seeded keys are listed, by name, without the key itself.
    await section.getByRole('row').filter({ hasText: 'leitura' }).first().waitFor();
    expect(await page.getByText(admin.readKey).count()).toBe(0);

    await section.getByRole('button', { name: 'Criar chave' }).click();
    await section.getByText('Dê um nome à chave (ex.: ERP, planilha, site).').waitFor();
    await section.getByLabel(/^Nome da chave/).fill('Integração ERP');
    await section.getByLabel('Permissão').selectOption('WRITE');
    await section.getByRole('button', { name: 'Criar chave' }).click();

    const keyField = section.getByRole('textbox', { name: 'Nova chave de API', exact: true });
    await keyField.waitFor();
    const key = await keyField.inputValue();
    expect(key).toMatch(/^svk_/);
    expect((await gql(server.url, '{ caller { kind canWrite } }', {}, key)).data).toEqual({ caller: { kind: 'API_KEY', canWrite: true } });
    const row = section.getByRole('row').filter({ hasText: 'Integração ERP' });
    await row.waitFor();
    expect(await row.textContent()).toContain('Leitura e escrita');
    expect(await row.textContent()).toContain(key.slice(0, 10));
    expect(await unlabelledControls(page)).toEqual([]);
    await screenshot(page, 'chaves-de-api-criada');

    await section.getByRole('button', { name: 'Já copiei' }).click();
    await expectCount(keyField, 0);
    expect(await page.getByText(key).count()).toBe(0);

    // Used once above: a reload shows when.
    await page.reload();
    await page.getByRole('region', { name: 'Chaves de API' }).waitFor();
    const usedRow = page.getByRole('region', { name: 'Chaves de API' }).getByRole('row').filter({ hasText: 'Integração ERP' });
    await usedRow.waitFor();
    expect(await usedRow.textContent()).not.toContain('nunca usada');
    expect(await page.getByText(key).count()).toBe(0);

    // Revoking asks first; "Voltar" keeps the key.
    await usedRow.getByRole('button', { name: 'Revogar' }).click();
    const dialog = page.getByRole('dialog', { name: 'Revogar chave de API?' });
    await dialog.waitFor();
    await dialog.getByRole('button', { name: 'Voltar' }).click();
    await expectCount(dialog, 0);
    expect((await gql(server.url, '{ caller { kind } }', {}, key)).data).toEqual({ caller: { kind: 'API_KEY' } });

    await usedRow.getByRole('button', { name: 'Revogar' }).click();
    await dialog.getByRole('button', { name: 'Revogar chave' }).click();
    await page.getByRole('status').filter({ hasText: 'Chave "Integração ERP" revogada.' }).waitFor();
    await expectCount(page.getByRole('region', { name: 'Chaves de API' }).getByRole('row').filter({ hasText: 'Integração ERP' }), 0);
    expect((await gql(server.url, '{ caller { kind } }', {}, key)).errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');

    await page.setViewportSize(MOBILE);
    expect(await horizontalOverflow(page)).toBeLessThanOrEqual(0);
    await screenshot(page, 'chaves-de-api-360');
    t.expectNoConsoleErrors();
    await t.close();
  });
});
