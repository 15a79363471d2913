import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CalcomSandbox, DEFAULT_API_KEY, DEFAULT_EVENT_TYPE_ID } from '../fakes/calcom-sandbox.js';
import { seedCompany, startTestServer, type TestServer } from '../support/app.js';
import { webhooksApplied } from '../support/webhooks.js';
import { expectCount, expectText, launchBrowser, login, openPage, screenshot, type TestPage } from './support/browser.js';
import { addDays, at, dayIn } from './support/zoned.js';

const ZONE = 'America/Sao_Paulo';
const SECRET = 'segredo-webhook-sobreposto';

/** Issue 17: a booking Cal.com accepted on top of another of the same host is shown with a warning, never hidden. */
describe('Horário sobreposto', () => {
  let server: TestServer;
  let cal: CalcomSandbox;
  let browser: Browser;
  let admin: Awaited<ReturnType<typeof seedCompany>>;
  const tomorrow = addDays(dayIn(ZONE), 1);

  beforeAll(async () => {
    cal = new CalcomSandbox({ minimumNoticeMinutes: 0, tenants: [{ workingHours: { days: [0, 1, 2, 3, 4, 5, 6], start: '09:00', end: '18:00' } }] });
    await cal.start();
    server = await startTestServer('e2e_overlaps');
    admin = await seedCompany(server.app, 'Clínica Sobreposta', {
      timezone: ZONE,
      calApiUrl: cal.url,
      calApiKey: DEFAULT_API_KEY,
      calEventTypeId: DEFAULT_EVENT_TYPE_ID,
      calWebhookSecret: SECRET,
    });
    cal.tenant().webhook = { url: `${server.url}/api/agenda/webhook/cal`, secret: SECRET, companyId: admin.company.id };
    browser = await launchBrowser();
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await cal?.stop();
  });

  const row = (t: TestPage, name: string) => t.page.locator('tr.appointment', { hasText: name });
  const badge = (t: TestPage, name: string) => row(t, name).locator('.badge--overlap');

  it('mostra "Horário sobreposto" nos dois agendamentos, ao vivo, e conta-os no Diagnóstico', async () => {
    const start = at(ZONE, tomorrow, '10:00');
    cal.createBookingDirectly({ start, attendee: { name: 'Paula Reis', email: 'paula@example.com' } });
    cal.createBookingDirectly({ start: at(ZONE, tomorrow, '11:00'), attendee: { name: 'Sem Conflito', email: 'livre@example.com' } });
    await cal.flushWebhooks();
    await webhooksApplied(server.app, admin.company.id);

    const t = await openPage(browser, server.url);
    await login(t, admin.email, admin.password);
    const { page } = t;
    // The Agenda opens on the week (issue 18); these steps are about one day.
    await page.getByRole('button', { name: 'Dia', exact: true }).click();
    await page.getByLabel('Data', { exact: true }).fill(tomorrow);
    await expectCount(page.locator('tr.appointment'), 2);
    expect(await page.locator('.badge--overlap').count()).toBe(0);

    // Cal.com accepts a second booking of the same professional at 10:00 (a seated event, a race of its own).
    cal.createOverlappingBooking({ start, attendee: { name: 'Rafael Costa', email: 'rafael@example.com' } });
    await cal.flushWebhooks();
    await expectCount(page.locator('tr.appointment'), 3);
    // Both rows warn, the one already on screen too (its change is pushed with the new booking).
    await expectText(badge(t, 'Rafael Costa'), 'Horário sobreposto');
    await expectText(badge(t, 'Paula Reis'), 'Horário sobreposto');
    expect(await badge(t, 'Sem Conflito').count()).toBe(0);
    expect(await badge(t, 'Paula Reis').getAttribute('title')).toBe('Outro agendamento de Dra. Ana Souza ocupa parte deste horário no Cal.com.');
    // The explanation is read by screen readers too, not only shown on hover.
    expect(await badge(t, 'Paula Reis').locator('.visually-hidden').textContent()).toContain('Dra. Ana Souza');
    await screenshot(page, 'agenda-horario-sobreposto');

    await page.getByRole('link', { name: 'Configurações' }).click();
    const section = page.getByRole('region', { name: 'Horários sobrepostos' });
    await expectText(section.getByTestId('overlaps-total'), '2 agendamentos com horário sobreposto.');
    await expectText(section.getByRole('list', { name: 'Agendamentos com horário sobreposto' }), /Paula Reis[\s\S]*Rafael Costa|Rafael Costa[\s\S]*Paula Reis/);
    t.expectNoConsoleErrors();
    await t.close();
  });
});
