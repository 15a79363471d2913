import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedCompany, startTestServer, type TestServer } from '../support/app.js';
import { insertAppointment } from './support/appointments.js';
import { expectCount, launchBrowser, login, openPage } from './support/browser.js';
import { addDays, dayIn } from './support/zoned.js';

const ZONE = 'America/Sao_Paulo';
const MINUTE = 60_000;

/** What a browser does when the tab goes to the background or comes back (headless pages never hide). */
async function setHidden(page: Page, hidden: boolean): Promise<void> {
  await page.evaluate((value) => {
    Object.defineProperty(document, 'hidden', { configurable: true, get: () => value });
    Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => (value ? 'hidden' : 'visible') });
    document.dispatchEvent(new Event('visibilitychange'));
  }, hidden);
}

/** Lets React finish what a timer scheduled: its scheduler runs on MessageChannel tasks, queued before these. */
async function settle(page: Page): Promise<void> {
  await page.evaluate(async () => {
    for (let i = 0; i < 5; i += 1) {
      await new Promise<void>((resolve) => {
        const channel = new MessageChannel();
        channel.port1.onmessage = () => resolve();
        channel.port2.postMessage(null);
      });
    }
  });
}

describe('Agenda: o relógio da página para enquanto a aba está escondida', () => {
  let server: TestServer;
  let browser: Browser;
  let admin: Awaited<ReturnType<typeof seedCompany>>;

  beforeAll(async () => {
    server = await startTestServer('e2e_agenda_visibility');
    admin = await seedCompany(server.app, 'Clínica Aba', { timezone: ZONE });
    // Starts half an hour from now (room for a slow machine): "Compareceu" appears only once the page's
    // clock passes it.
    await insertAppointment(server.app, admin.company.id, { start: new Date(Date.now() + 30 * MINUTE), clientName: 'Lia Prado', clientPhone: '5511977776666' });
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('não atualiza a hora com a aba escondida e atualiza na hora ao voltar', async () => {
    const t = await openPage(browser, server.url);
    const { page } = t;
    // The page's clock runs normally; fastForward jumps it (a laptop lid closed for a while).
    await page.clock.install();
    await login(t, admin.email, admin.password);
    const today = dayIn(ZONE);
    await page.getByRole('button', { name: 'Período personalizado' }).click();
    await page.getByLabel('De', { exact: true }).fill(addDays(today, -1));
    await page.getByLabel('Até', { exact: true }).fill(addDays(today, 1));
    const row = page.locator('tr.appointment', { hasText: 'Lia Prado' });
    await expectCount(row, 1);
    const attended = row.getByRole('button', { name: 'Compareceu', exact: true });
    expect(await attended.count()).toBe(0);

    // Hidden for an hour: the start passes, but the hidden page keeps its last time.
    await setHidden(page, true);
    await page.clock.fastForward(60 * MINUTE);
    await settle(page);
    expect(await attended.count()).toBe(0);

    // Back in front: the time is refreshed at once, without waiting for the next tick.
    await setHidden(page, false);
    await attended.waitFor();
    t.expectNoConsoleErrors();
    await t.close();
  });
});
