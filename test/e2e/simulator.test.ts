import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Appointment } from '../../server/appointments/appointment.entity.js';
import type { CalcomGateway } from '../../server/calcom/calcom.gateway.js';
import { CalcomSandbox, DEFAULT_API_KEY, DEFAULT_EVENT_TYPE_ID } from '../fakes/calcom-sandbox.js';
import { seedCompany, startTestServer, type TestServer } from '../support/app.js';
import { expectCount, expectText, horizontalOverflow, launchBrowser, login, MOBILE, openPage, screenshot, unlabelledControls } from './support/browser.js';

describe('Simulador WhatsApp', () => {
  let server: TestServer;
  let cal: CalcomSandbox;
  let browser: Browser;
  let admin: Awaited<ReturnType<typeof seedCompany>>;

  beforeAll(async () => {
    cal = new CalcomSandbox({ minimumNoticeMinutes: 0, tenants: [{ workingHours: { days: [0, 1, 2, 3, 4, 5, 6], start: '09:00', end: '18:00' } }] });
    await cal.start();
    server = await startTestServer('e2e_simulator');
    (server.app.services.calendar as CalcomGateway).clientOptions = { timeoutMs: 2_000, baseBackoffMs: 5, maxRetryWaitMs: 50 };
    admin = await seedCompany(server.app, 'Clínica Conversa', {
      timezone: 'America/Sao_Paulo',
      calApiUrl: cal.url,
      calApiKey: DEFAULT_API_KEY,
      calEventTypeId: DEFAULT_EVENT_TYPE_ID,
    });
    browser = await launchBrowser();
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await cal?.stop();
  });

  it('conversa com o bot como um contato de teste e mostra as respostas', async () => {
    const t = await openPage(browser, server.url);
    await login(t, admin.email, admin.password);
    const { page } = t;
    await page.getByRole('link', { name: 'Simulador WhatsApp' }).click();
    await page.getByRole('heading', { level: 1, name: 'Simulador WhatsApp' }).waitFor();
    expect(await page.getByLabel('Telefone do contato').inputValue()).toBe('+55 11 90000-0001');
    await page.getByText('Nenhuma mensagem ainda. Comece com, por exemplo, “Quero marcar uma reunião”.').waitFor();
    expect(await unlabelledControls(page)).toEqual([]);

    const log = page.getByRole('log', { name: 'Conversa' });
    const incoming = log.locator('li[data-direction="IN"]');
    const outgoing = log.locator('li[data-direction="OUT"]');
    const message = page.getByLabel('Mensagem', { exact: true });

    // A question the bot cannot answer stays with the human agents: the wait ends and the bubble says so.
    await message.fill('Qual o endereço de vocês?');
    await message.press('Enter');
    await expectText(incoming.last(), 'Qual o endereço de vocês?');
    expect(await message.inputValue()).toBe('');
    await expectText(incoming.last().locator('.bubble__meta'), 'sem resposta do bot');
    await expectCount(log.locator('.bubble--typing'), 0);
    expect(await outgoing.count()).toBe(0);

    // A suggestion fills the box; the bot offers slots from Cal.com.
    await page.getByRole('button', { name: 'Quero marcar uma reunião' }).click();
    expect(await message.inputValue()).toBe('Quero marcar uma reunião');
    await page.getByRole('button', { name: /Enviar/ }).click();
    await expectText(incoming.last(), 'Quero marcar uma reunião');
    await expectText(outgoing.last(), /Tenho estes horários disponíveis:[\s\S]*1\)/, 20_000);
    await expectText(outgoing.last().locator('.bubble__meta'), 'simulada');

    // Choosing option 1 books for real: the reply confirms and the appointment exists.
    await message.fill('1');
    await message.press('Enter');
    await expectText(outgoing.last(), /Reunião confirmada/, 20_000);
    await expect
      .poll(async () => (await server.app.orm.em.fork().find(Appointment, { companyId: admin.company.id })).map((a) => [a.source, a.status]))
      .toEqual([['WHATSAPP', 'CONFIRMED']]);
    await expectCount(log.locator('.bubble--typing'), 0);
    await screenshot(page, 'simulador-desktop');

    await page.setViewportSize(MOBILE);
    expect(await horizontalOverflow(page)).toBeLessThanOrEqual(0);
    await screenshot(page, 'simulador-360');

    // The transcript comes from the server: a fresh page shows the same conversation.
    const again = await openPage(browser, server.url);
    await login(again, admin.email, admin.password);
    await again.page.goto('/simulador');
    await expectText(again.page.getByRole('log', { name: 'Conversa' }).locator('li[data-direction="OUT"]').last(), /Reunião confirmada/);
    again.expectNoConsoleErrors();
    await again.close();
    t.expectNoConsoleErrors();
    await t.close();
  });
});
