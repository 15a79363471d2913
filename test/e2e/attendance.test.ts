import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedCompany, startTestServer, type TestServer } from '../support/app.js';
import { insertReminder } from '../support/factories.js';
import { findAppointment, insertAppointment } from './support/appointments.js';
import { expectCount, expectText, horizontalOverflow, launchBrowser, login, MOBILE, openPage, screenshot, unlabelledControls, type TestPage } from './support/browser.js';
import { addDays, brDate, dayIn, mondayOf } from './support/zoned.js';

const ZONE = 'America/Sao_Paulo';
const HOUR = 3_600_000;

describe('Agenda: lembretes, respostas, comparecimento e Resumo (issue 18)', () => {
  let server: TestServer;
  let browser: Browser;
  let admin: Awaited<ReturnType<typeof seedCompany>>;
  const ids: Record<string, string> = {};
  const starts: Record<string, Date> = {};
  const today = dayIn(ZONE);
  /** Monday (company zone) of the week an appointment falls in. */
  const weekOf = (key: string) => mondayOf(dayIn(ZONE, starts[key]!));

  const sql = (text: string, params: unknown[]) => server.app.orm.em.getConnection().execute(text, params);
  const reminder = (appointmentId: string, offsetMinutes: number, dueAt: Date, status: 'SCHEDULED' | 'SENT' | 'FAILED' | 'SKIPPED', sentAt: Date | null = null) =>
    insertReminder(server.app, { companyId: admin.company.id, appointmentId, offsetMinutes, dueAt, status, sentAt });
  const confirmation = (id: string, value: string) => sql(`update appointments set client_confirmation = ? where id = ?`, [value, id]);

  beforeAll(async () => {
    server = await startTestServer('e2e_attendance');
    admin = await seedCompany(server.app, 'Clínica Presença', { timezone: ZONE });
    const now = Date.now();
    const seed = async (key: string, start: Date, clientName: string, clientEmail: string | null = null) => {
      starts[key] = start;
      ids[key] = (await insertAppointment(server.app, admin.company.id, { start, clientName, clientPhone: '5511988887777', clientEmail })).id;
    };
    // Started an hour ago: reminders sent, client confirmed; a phone-only Cal.com booking (placeholder e-mail).
    await seed('paula', new Date(now - HOUR), 'Paula Reis', '5511988887777@sms.cal.com');
    await reminder(ids.paula!, 1440, new Date(now - 25 * HOUR), 'SENT', new Date(now - 25 * HOUR + 1000));
    await reminder(ids.paula!, 120, new Date(now - 3 * HOUR), 'SENT', new Date(now - 3 * HOUR + 1000));
    await confirmation(ids.paula!, 'CONFIRMED');
    // Started two hours ago: the last reminder failed, the client had declined.
    await seed('rui', new Date(now - 2 * HOUR), 'Rui Barros', 'rui@example.com');
    await reminder(ids.rui!, 1440, new Date(now - 26 * HOUR), 'SENT', new Date(now - 26 * HOUR));
    await reminder(ids.rui!, 120, new Date(now - 4 * HOUR), 'FAILED');
    await confirmation(ids.rui!, 'DECLINED');
    // Tomorrow: reminders waiting, no answer yet, nothing to mark.
    await seed('vera', new Date(now + 24 * HOUR), 'Vera Lúcia');
    await reminder(ids.vera!, 1440, new Date(now), 'SKIPPED');
    await reminder(ids.vera!, 120, new Date(now + 22 * HOUR), 'SCHEDULED');
    browser = await launchBrowser();
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  const row = (t: TestPage, name: string) => t.page.locator('tr.appointment', { hasText: name });

  /** Yesterday to tomorrow: holds every seeded appointment whatever the hour the test runs. */
  async function showAroundToday(t: TestPage) {
    await t.page.getByRole('button', { name: 'Período personalizado' }).click();
    await t.page.getByLabel('De', { exact: true }).fill(addDays(today, -1));
    await t.page.getByLabel('Até', { exact: true }).fill(addDays(today, 1));
    await expectCount(t.page.locator('tr.appointment'), 3);
  }

  it('abre na semana atual e mostra o estado do lembrete e a resposta do cliente com ícone e texto', async () => {
    const t = await openPage(browser, server.url, { timezoneId: 'Asia/Tokyo' });
    await login(t, admin.email, admin.password);
    const { page } = t;
    // The Agenda opens on the current week, not on a day that is often empty.
    await expectText(page.locator('.summary__range'), `Semana de ${brDate(mondayOf(today), false)} a ${brDate(addDays(mondayOf(today), 6))}`);
    expect(await page.getByRole('button', { name: 'Semana', exact: true }).getAttribute('aria-pressed')).toBe('true');
    await showAroundToday(t);

    const cell = (name: string) => row(t, name).getByTestId('follow-up');
    await expectText(cell('Paula Reis'), /Lembrete: enviado.*Cliente: confirmou/);
    await expectText(cell('Rui Barros'), /Lembrete: falhou.*Cliente: recusou/);
    await expectText(cell('Vera Lúcia'), /Lembrete: agendado.*Cliente: sem resposta/);
    expect(await cell('Paula Reis').locator('[data-reminder="SENT"]').count()).toBe(1);
    expect(await cell('Rui Barros').locator('[data-reminder="FAILED"]').count()).toBe(1);
    expect(await cell('Vera Lúcia').locator('[data-reminder="SCHEDULED"]').count()).toBe(1);
    // Colour is never alone: every reminder and answer badge has an icon and a word.
    for (const badge of await page.locator('[data-reminder].badge, [data-confirmation]').all()) {
      expect(await badge.locator('svg').count()).toBe(1);
      expect((await badge.textContent())?.trim().length).toBeGreaterThan(3);
    }
    expect(await cell('Paula Reis').locator('[data-confirmation]').textContent()).toBe('Cliente: confirmou');
    expect(await cell('Paula Reis').locator('[data-reminder]').getAttribute('title')).toMatch(/^Lembrete de 2 h antes: enviado em /);
    // The placeholder Cal.com needs for phone-only bookings is not shown as an e-mail; a real one is.
    expect(await page.getByText('@sms.cal.com').count()).toBe(0);
    await expectText(row(t, 'Rui Barros').locator('.appointment__email'), 'rui@example.com');
    expect(await unlabelledControls(page)).toEqual([]);
    await screenshot(page, 'agenda-lembretes-respostas');
    t.expectNoConsoleErrors();
    await t.close();
  });

  it('marca "Compareceu" / "Não compareceu" só depois do início, e grava', async () => {
    const t = await openPage(browser, server.url);
    await login(t, admin.email, admin.password);
    const { page } = t;
    await showAroundToday(t);

    // Not started yet: nothing to mark.
    expect(await row(t, 'Vera Lúcia').getByRole('button', { name: /compareceu/i }).count()).toBe(0);

    const paula = row(t, 'Paula Reis');
    const noShow = paula.getByRole('button', { name: 'Não compareceu' });
    expect(await noShow.getAttribute('aria-pressed')).toBe('false');
    await noShow.click();
    await expect.poll(() => paula.locator('[data-attendance]').getAttribute('data-attendance')).toBe('NO_SHOW');
    expect(await noShow.getAttribute('aria-pressed')).toBe('true');
    expect(await paula.getByRole('button', { name: 'Compareceu', exact: true }).getAttribute('aria-pressed')).toBe('false');
    await expect.poll(async () => (await findAppointment(server.app, ids.paula!))?.attendance).toBe('NO_SHOW');
    await expectText(page.getByTestId('live-announcer'), 'Paula Reis: não compareceu.');

    const rui = row(t, 'Rui Barros');
    await rui.getByRole('button', { name: 'Compareceu', exact: true }).click();
    await expect.poll(() => rui.locator('[data-attendance]').getAttribute('data-attendance')).toBe('ATTENDED');
    await expect.poll(async () => (await findAppointment(server.app, ids.rui!))?.attendance).toBe('ATTENDED');
    // Pressing the marked one again clears the mark.
    await rui.getByRole('button', { name: 'Compareceu', exact: true }).click();
    await expect.poll(() => rui.locator('[data-attendance]').getAttribute('data-attendance')).toBe('UNKNOWN');
    await expect.poll(async () => (await findAppointment(server.app, ids.rui!))?.attendance).toBe('UNKNOWN');
    // The badges and buttons fit: no sideways scrolling, on a desktop or on a 360 px phone.
    expect(await horizontalOverflow(page)).toBe(0);
    await screenshot(page, 'agenda-comparecimento');
    await page.setViewportSize(MOBILE);
    await expect.poll(() => horizontalOverflow(page)).toBe(0);
    // The four tabs fit without scrolling the tab bar.
    expect(await page.locator('.tabs').evaluate((el) => el.scrollWidth - el.clientWidth)).toBe(0);
    await screenshot(page, 'agenda-comparecimento-celular');
    t.expectNoConsoleErrors();
    await t.close();
  });

  it('o Resumo carrega sob demanda e mostra o gráfico e os números das últimas 8 semanas', async () => {
    const t = await openPage(browser, server.url);
    const scripts: string[] = [];
    t.page.on('request', (request) => {
      if (request.resourceType() === 'script') scripts.push(new URL(request.url()).pathname);
    });
    await login(t, admin.email, admin.password);
    const { page } = t;
    await page.locator('.summary__range').waitFor();
    // The chart's code is not part of the initial bundle.
    expect(scripts.filter((s) => /SummaryPage/.test(s))).toEqual([]);

    await page.getByRole('link', { name: 'Resumo' }).click();
    await page.getByRole('heading', { level: 1, name: 'Resumo' }).waitFor();
    expect(new URL(page.url()).pathname).toBe('/resumo');
    expect(scripts.filter((s) => /SummaryPage/.test(s))).toHaveLength(1);

    const chart = page.getByTestId('summary-chart');
    await chart.waitFor();
    expect(await chart.getAttribute('role')).toBe('img');
    expect(await chart.locator('g[data-week]').count()).toBe(8);
    expect(await chart.locator('circle.chart__point').count()).toBe(8);
    const table = page.getByRole('table', { name: 'Números por semana' });
    await expectCount(table.locator('tbody tr'), 8);

    // Paula's week (normally this one, with Rui and Vera too; the keys say which fall in it whatever
    // the hour the test runs): her confirmation and her no-show; Rui's decline if he is in it.
    const week = weekOf('paula');
    const inWeek = (key: string) => weekOf(key) === week;
    const count = ['paula', 'rui', 'vera'].filter(inWeek).length;
    const started = 1 + (inWeek('rui') ? 1 : 0);
    const line = table.locator(`tbody tr[data-week="${week}"]`);
    await line.waitFor();
    expect(await line.locator('th, td').allTextContents()).toEqual([
      brDate(week, false), String(count), '1', inWeek('rui') ? '1' : '0', '0', '1', started === 2 ? '50%' : '100%',
    ]);
    expect(await chart.locator(`g[data-week="${week}"] rect[data-series="noShows"]`).getAttribute('data-value')).toBe('1');
    expect(await chart.locator(`g[data-week="${week}"] rect[data-series="appointments"]`).getAttribute('data-value')).toBe(String(count));
    // Over the 8 weeks: 1 no-show of the 2 appointments already started.
    await expectText(page.getByTestId('total-rate'), '50%');
    await expectText(page.getByTestId('total-no-shows'), '1');

    // Back in the Agenda a new mark, then the Resumo is fetched again when shown.
    await page.getByRole('link', { name: 'Agenda' }).click();
    await showAroundToday(t);
    await row(t, 'Rui Barros').getByRole('button', { name: 'Não compareceu' }).click();
    await expect.poll(() => row(t, 'Rui Barros').locator('[data-attendance]').getAttribute('data-attendance')).toBe('NO_SHOW');
    await page.getByRole('link', { name: 'Resumo' }).click();
    await expectText(page.getByTestId('total-rate'), '100%');
    await screenshot(page, 'resumo-8-semanas');
    t.expectNoConsoleErrors();
    await t.close();
  });
});
