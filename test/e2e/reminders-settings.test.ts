import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedCompany, startTestServer, type TestServer } from '../support/app.js';
import { launchBrowser, login, MOBILE, horizontalOverflow, openPage, screenshot, unlabelledControls } from './support/browser.js';

describe('Configurações › Lembretes', () => {
  let server: TestServer;
  let browser: Browser;
  let admin: Awaited<ReturnType<typeof seedCompany>>;

  beforeAll(async () => {
    server = await startTestServer('e2e_reminders_settings');
    admin = await seedCompany(server.app, 'Clínica Lembretes', { timezone: 'America/Sao_Paulo' });
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  const settings = async () =>
    (await server.app.orm.em.fork().getConnection().execute('select reminder_offsets_minutes, quiet_hours_start, quiet_hours_end from companies where id = ?', [admin.company.id]))[0] as {
      reminder_offsets_minutes: number[];
      quiet_hours_start: string;
      quiet_hours_end: string;
    };

  it('mostra os padrões, recusa valores inválidos ao lado do campo e salva antecedências e horário de silêncio', async () => {
    const t = await openPage(browser, server.url);
    await login(t, admin.email, admin.password);
    const { page } = t;
    await page.getByRole('link', { name: 'Configurações' }).click();
    const section = page.getByRole('region', { name: 'Lembretes' });
    const offsets = section.getByLabel('Enviar lembretes (minutos antes do início)');
    expect(await offsets.inputValue()).toBe('1440, 120');
    await section.getByText('O cliente recebe 2 lembretes pelo WhatsApp: 24 h e 2 h antes do início.').waitFor();
    expect(await section.getByLabel('Sem lembretes a partir de').inputValue()).toBe('21:00');
    expect(await section.getByLabel('Até').inputValue()).toBe('08:00');
    expect(await unlabelledControls(page)).toEqual([]);

    await offsets.fill('1440, 3');
    await section.getByRole('button', { name: 'Salvar lembretes' }).click();
    await section.getByText('Cada antecedência deve ficar entre 5 e 10080 minutos (7 dias).').waitFor();
    expect((await settings()).reminder_offsets_minutes).toEqual([1440, 120]);

    await offsets.fill('60, 2880');
    await section.getByLabel('Sem lembretes a partir de').fill('22:30');
    await section.getByLabel('Até').fill('07:00');
    await section.getByRole('button', { name: 'Salvar lembretes' }).click();
    await section.getByRole('status').filter({ hasText: 'Lembretes salvos.' }).waitFor();
    expect(await settings()).toEqual({ reminder_offsets_minutes: [2880, 60], quiet_hours_start: '22:30', quiet_hours_end: '07:00' });
    expect(await offsets.inputValue()).toBe('2880, 60');

    // Turning both off: empty offsets, no quiet hours.
    await offsets.fill('');
    await section.getByRole('checkbox').uncheck();
    await section.getByText('Nenhum lembrete será enviado.').waitFor();
    await section.getByRole('button', { name: 'Salvar lembretes' }).click();
    await section.getByRole('status').filter({ hasText: 'Lembretes salvos.' }).waitFor();
    expect(await settings()).toEqual({ reminder_offsets_minutes: [], quiet_hours_start: '', quiet_hours_end: '' });

    await page.setViewportSize(MOBILE);
    expect(await horizontalOverflow(page)).toBeLessThanOrEqual(0);
    await screenshot(page, 'configuracoes-lembretes-360');
    t.expectNoConsoleErrors();
    await t.close();
  });

  it('mostra ao lado do campo o erro que o servidor devolve em extensions.fields', async () => {
    // The form already refuses every offset the server would (same bounds), so the server's refusal is
    // played by the route: a validation error naming the field, with a general message.
    const fieldText = 'Esta antecedência não é aceita para esta empresa.';
    const t = await openPage(browser, server.url);
    await login(t, admin.email, admin.password);
    const { page } = t;
    let refused = 0;
    await page.route('**/graphql', async (route) => {
      if (!route.request().postData()?.includes('UpdateCompanySettings')) return route.continue();
      refused += 1;
      await route.fulfill({
        status: 200,
        contentType: 'application/json',
        body: JSON.stringify({
          data: null,
          errors: [{ message: 'Revise os campos destacados.', extensions: { code: 'BAD_USER_INPUT', fields: { reminderOffsetsMinutes: fieldText } } }],
        }),
      });
    });
    await page.getByRole('link', { name: 'Configurações' }).click();
    const section = page.getByRole('region', { name: 'Lembretes' });
    const offsets = section.getByLabel('Enviar lembretes (minutos antes do início)');
    const before = await settings();
    await offsets.fill('4320');
    await section.getByRole('button', { name: 'Salvar lembretes' }).click();
    await section.getByText(fieldText).waitFor();
    expect(refused).toBe(1);
    expect(await offsets.getAttribute('aria-invalid')).toBe('true');
    const description = await offsets.evaluate((input) =>
      (input.getAttribute('aria-describedby') ?? '')
        .split(' ')
        .map((id) => document.getElementById(id)?.textContent ?? '')
        .join(' '),
    );
    expect(description).toContain(fieldText);
    // Next to the field, not as the general failure under the button.
    expect(await section.getByText('Revise os campos destacados.').count()).toBe(0);
    expect(await settings()).toEqual(before);
    t.expectNoConsoleErrors();
    await t.close();
  });
});
