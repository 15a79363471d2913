import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CalcomGateway } from '../../server/calcom/calcom.gateway.js';
import { CalcomSandbox, DEFAULT_API_KEY, DEFAULT_EVENT_TYPE_ID } from '../fakes/calcom-sandbox.js';
import { seedCompany, startTestServer, type TestServer } from '../support/app.js';
import { expectCount, expectText, launchBrowser, login, openPage, screenshot, type TestPage } from './support/browser.js';
import { addDays, at, brDate, dayIn } from './support/zoned.js';

const ZONE = 'America/Sao_Paulo';
const SECRET = 'segredo-webhook-e2e';

describe('Criar agendamento manualmente', () => {
  let server: TestServer;
  let cal: CalcomSandbox;
  let browser: Browser;
  let admin: Awaited<ReturnType<typeof seedCompany>>;
  let unconfigured: Awaited<ReturnType<typeof seedCompany>>;
  const tomorrow = addDays(dayIn(ZONE), 1);

  beforeAll(async () => {
    // Open every day, so the suite does not depend on the weekday it runs on.
    cal = new CalcomSandbox({ minimumNoticeMinutes: 0, tenants: [{ workingHours: { days: [0, 1, 2, 3, 4, 5, 6], start: '09:00', end: '18:00' } }] });
    await cal.start();
    server = await startTestServer('e2e_booking');
    (server.app.services.calendar as CalcomGateway).clientOptions = { timeoutMs: 2_000, baseBackoffMs: 5, maxRetryWaitMs: 50 };
    admin = await seedCompany(server.app, 'Clínica Agenda Cheia', {
      timezone: ZONE,
      calApiUrl: cal.url,
      calApiKey: DEFAULT_API_KEY,
      calEventTypeId: DEFAULT_EVENT_TYPE_ID,
      calWebhookSecret: SECRET,
    });
    cal.tenant().webhook = { url: `${server.url}/api/agenda/webhook/cal`, secret: SECRET, companyId: admin.company.id };
    unconfigured = await seedCompany(server.app, 'Clínica Sem Agenda', { timezone: ZONE });
    browser = await launchBrowser();
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await cal?.stop();
  });

  const form = (t: TestPage) => t.page.getByRole('region', { name: 'Criar agendamento manualmente' });
  const slots = (t: TestPage) => form(t).getByRole('radio');
  const row = (t: TestPage, name: string) => t.page.locator('tr.appointment', { hasText: name });

  async function openFormOn(t: TestPage, day: string): Promise<void> {
    const { page } = t;
    // The Agenda opens on the week (issue 18); the form is opened from a day.
    await page.getByRole('button', { name: 'Dia', exact: true }).click();
    await page.getByLabel('Data', { exact: true }).fill(day);
    await page.getByRole('button', { name: 'Criar manualmente' }).click();
    await form(t).waitFor();
    await form(t).getByLabel(/^Dia/).fill(day);
  }

  it('valida no navegador e no servidor, mostra horários livres no fuso da empresa e a linha nova aparece na hora', async () => {
    const t = await openPage(browser, server.url, { timezoneId: 'Europe/Lisbon' });
    await login(t, admin.email, admin.password);
    const { page } = t;
    // The Agenda opens on the week (issue 18); these steps are about one day.
    await page.getByRole('button', { name: 'Dia', exact: true }).click();
    await page.getByLabel('Data', { exact: true }).fill(tomorrow);
    await page.getByRole('button', { name: 'Criar manualmente' }).click();
    await form(t).waitFor();
    expect(await page.evaluate(() => (document.activeElement as HTMLInputElement | null)?.labels?.[0]?.textContent)).toMatch(/^Nome do cliente/);
    await form(t).getByLabel(/^Dia/).fill(tomorrow);
    await expectText(slots(t).first().locator('xpath=..'), '09:00');
    expect(await slots(t).count()).toBe(18);
    await expectText(slots(t).last().locator('xpath=..'), '17:30');

    // Client-side validation, focus on the first problem.
    await form(t).getByRole('button', { name: 'Agendar' }).click();
    await form(t).getByText('Informe o nome do cliente.').waitFor();
    await form(t).getByText('Informe o telefone ou o e-mail do cliente.').waitFor();
    await form(t).getByText('Escolha um horário livre.').waitFor();
    expect(await page.evaluate(() => document.activeElement?.getAttribute('aria-invalid'))).toBe('true');

    // A phone only the server can tell is wrong (area code 01): its message lands under the field.
    await form(t).getByLabel(/^Nome do cliente/).fill('Beatriz Gonçalves');
    await form(t).getByLabel(/^Telefone/).fill('(01) 2345-6789');
    await form(t).getByLabel('10:00').check();
    await form(t).getByRole('button', { name: 'Agendar' }).click();
    await expectText(form(t).locator('.field--invalid .field__error'), /Telefone inválido/);
    expect(await form(t).getByLabel(/^Telefone/).getAttribute('aria-invalid')).toBe('true');
    expect(cal.bookings()).toHaveLength(0);
    await screenshot(page, 'criar-validacao-servidor');

    await form(t).getByLabel(/^Telefone/).fill('+55 11 98888-7777');
    await form(t).getByLabel(/^E-mail/).fill('bia@example.com');
    await form(t).getByRole('button', { name: 'Agendar' }).click();
    await form(t).getByRole('status').filter({ hasText: 'Agendamento criado' }).waitFor();
    await expectText(form(t).locator('.alert--success'), `Beatriz Gonçalves, ${brDate(tomorrow)} às 10:00.`);

    const created = row(t, 'Beatriz Gonçalves');
    await created.waitFor();
    await expectText(created.locator('td[data-label="Horário"]'), '10:00 – 10:30');
    await expectText(created.locator('td[data-label="Status"]'), 'Confirmado');
    await expectText(created.locator('td[data-label="Origem"]'), 'Painel');
    expect(await created.getByRole('link', { name: /Abrir reunião/ }).getAttribute('href')).toMatch(/^https:\/\//);
    expect(await created.getAttribute('data-highlight')).toBe('CREATED');
    // The slot just taken is no longer offered.
    await expectCount(form(t).getByLabel('10:00'), 0);
    expect(cal.bookings().map((b) => b.attendees[0]?.name)).toEqual(['Beatriz Gonçalves']);
    await screenshot(page, 'criar-sucesso');
    t.expectNoConsoleErrors();
    await t.close();
  });

  it('explica quando o horário acabou de ser reservado e recarrega os horários', async () => {
    const t = await openPage(browser, server.url);
    await login(t, admin.email, admin.password);
    const { page } = t;
    await openFormOn(t, tomorrow);
    await form(t).getByLabel('11:00').waitFor();

    // Someone books 11:00 on the Cal.com page meanwhile (the webhook brings it to the agenda live).
    cal.createBookingDirectly({ start: at(ZONE, tomorrow, '11:00'), attendee: { name: 'Reserva Externa', email: 'externa@example.com', timeZone: ZONE } });
    await cal.flushWebhooks();
    await row(t, 'Reserva Externa').waitFor();

    await form(t).getByLabel(/^Nome do cliente/).fill('Carla Mendes');
    await form(t).getByLabel(/^E-mail/).fill('carla@example.com');
    await form(t).getByLabel('11:00').check();
    await form(t).getByRole('button', { name: 'Agendar' }).click();
    const alert = form(t).getByRole('alert').filter({ hasText: 'Horário indisponível' });
    await alert.waitFor();
    await expectText(alert, /Escolha outro horário/);
    await alert.getByRole('button', { name: 'Recarregar horários' }).waitFor();
    await expectCount(form(t).getByLabel('11:00'), 0);
    expect(await row(t, 'Carla Mendes').count()).toBe(0);
    await screenshot(page, 'criar-conflito');
    t.expectNoConsoleErrors();
    await t.close();
  });

  it('leva às Configurações quando a agenda não está configurada', async () => {
    const t = await openPage(browser, server.url);
    await login(t, unconfigured.email, unconfigured.password);
    const { page } = t;
    await page.getByRole('button', { name: 'Criar manualmente' }).click();
    const alert = form(t).getByRole('alert').filter({ hasText: 'Agenda não configurada' });
    await alert.waitFor();
    await alert.getByRole('link', { name: 'Abrir Configurações' }).click();
    await page.getByRole('heading', { level: 1, name: 'Configurações' }).waitFor();
    expect(new URL(page.url()).pathname).toBe('/configuracoes');
    await expect.poll(() => page.evaluate(() => document.activeElement?.id)).toBe('titulo-settings');
    t.expectNoConsoleErrors();
    await t.close();
  });

  it('avisa quando o Cal.com não responde e permite tentar de novo', async () => {
    const t = await openPage(browser, server.url);
    await login(t, admin.email, admin.password);
    const later = addDays(tomorrow, 2);
    cal.failNext(1_000, 503, { path: '/v2/slots' });
    await openFormOn(t, later);
    const alert = form(t).getByRole('alert').filter({ hasText: 'Cal.com indisponível' });
    await alert.waitFor();
    await expectText(alert, /Tente novamente/);
    await screenshot(t.page, 'criar-calcom-indisponivel');
    cal.reset();
    await alert.getByRole('button', { name: 'Tentar novamente' }).click();
    await form(t).getByLabel('09:00').waitFor();
    t.expectNoConsoleErrors();
    await t.close();
  });
});
