import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gql, login as apiLogin, seedCompany, startTestServer, type TestServer } from '../support/app.js';
import { launchBrowser, login, openPage, screenshot, unlabelledControls, MOBILE } from './support/browser.js';

/** Chrome logs every non-2xx response; a wrong password or a revoked session answers 401 on purpose. */
const EXPECTED_401 = /Failed to load resource: the server responded with a status of 401/;

describe('Login e sessão', () => {
  let server: TestServer;
  let browser: Browser;
  let admin: Awaited<ReturnType<typeof seedCompany>>;

  beforeAll(async () => {
    server = await startTestServer('e2e_auth');
    admin = await seedCompany(server.app, 'Clínica Boa Saúde');
    browser = await launchBrowser();
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('recusa senha errada com mensagem clara e entra com a senha certa, só pelo teclado', async () => {
    const t = await openPage(browser, server.url);
    const { page } = t;
    await page.goto('/');
    await page.getByRole('heading', { name: 'Entrar no painel' }).waitFor();
    expect(await page.title()).toBe('Entrar — Secretaria Virtual');
    // Focus starts on the e-mail field.
    expect(await page.evaluate(() => document.activeElement?.getAttribute('type'))).toBe('email');
    expect(await unlabelledControls(page)).toEqual([]);

    // Client-side validation first.
    await page.keyboard.press('Enter');
    await page.getByText('Informe seu e-mail.').waitFor();

    await page.keyboard.type(admin.email);
    await page.keyboard.press('Tab');
    await page.keyboard.type('senha-errada');
    await page.keyboard.press('Enter');
    const alert = page.getByRole('alert');
    await alert.getByText('E-mail ou senha incorretos.').waitFor();
    await screenshot(page, 'login-erro');

    await page.getByLabel(/^Senha/).fill(admin.password);
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { level: 1, name: 'Agenda' }).waitFor();
    expect(await page.title()).toBe('Agenda — Secretaria Virtual');
    await page.getByText('Clínica Boa Saúde').waitFor();
    t.expectNoConsoleErrors([EXPECTED_401]);
    await t.close();
  });

  it('mantém a sessão ao recarregar e sai com "Sair"', async () => {
    const t = await openPage(browser, server.url);
    const { page } = t;
    await login(t, admin.email, admin.password);
    const token = await page.evaluate(() => JSON.parse(localStorage.getItem('secretaria.session') ?? '{}').token as string);
    expect(token).toMatch(/\S{20,}/);

    await page.reload();
    await page.getByRole('heading', { level: 1, name: 'Agenda' }).waitFor();

    // The logout's answer arrives late (a slow network): the server has already ended the session
    // and closed the live socket (4403) by then, which must not send the panel asking whether its
    // session is still valid (a refused request, a "sessão expirou" notice).
    await page.route('**/graphql', async (route) => {
      if (!route.request().postData()?.includes('logout')) return route.continue();
      const response = await route.fetch();
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      await route.fulfill({ response });
    });
    await page.getByRole('button', { name: 'Sair' }).click();
    await page.getByRole('heading', { name: 'Entrar no painel' }).waitFor();
    expect(await page.evaluate(() => localStorage.getItem('secretaria.session'))).toBeNull();
    await expect(page.getByText('Sua sessão expirou').count()).resolves.toBe(0);
    // The server ended the session too.
    const probe = await gql(server.url, '{ me { id } }', {}, token);
    expect(probe.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    t.expectNoConsoleErrors();
    await t.close();
  });

  it('volta ao login com aviso quando a sessão deixa de valer', async () => {
    const t = await openPage(browser, server.url, { viewport: MOBILE });
    const { page } = t;
    await login(t, admin.email, admin.password);
    const token = await page.evaluate(() => JSON.parse(localStorage.getItem('secretaria.session') ?? '{}').token as string);

    // Revoked elsewhere (e.g. signed out on another device).
    const revoked = await gql(server.url, 'mutation($t:String!){logout(token:$t)}', { t: token }, await apiLogin(server.url, admin.email, admin.password));
    expect(revoked.data?.logout).toBe(true);

    // The server closes the panel's live socket when the session ends: it signs out by itself.
    await page.getByRole('heading', { name: 'Entrar no painel' }).waitFor({ timeout: 10_000 });
    await page.getByText('Sua sessão expirou ou não é mais válida. Entre novamente para continuar.').waitFor();
    await screenshot(page, 'login-sessao-expirada-360');

    await login(t, admin.email, admin.password);
    t.expectNoConsoleErrors([EXPECTED_401]);
    await t.close();
  });

  it('trata sessão local inválida ao abrir o painel', async () => {
    const t = await openPage(browser, server.url);
    const { page } = t;
    await page.goto('/');
    await page.evaluate(() =>
      localStorage.setItem(
        'secretaria.session',
        JSON.stringify({
          token: 'svs_invalido',
          expiresAt: new Date(Date.now() + 3_600_000).toISOString(),
          user: { id: 'x', email: 'x@example.com', name: '', role: 'admin', companyId: 'x' },
        }),
      ),
    );
    await page.reload();
    await page.getByText('Sua sessão expirou ou não é mais válida. Entre novamente para continuar.').waitFor();
    t.expectNoConsoleErrors([EXPECTED_401]);
    await t.close();
  });
});
