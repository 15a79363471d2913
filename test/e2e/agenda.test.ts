import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedCompany, startTestServer, type TestServer } from '../support/app.js';
import { findAppointment, insertAppointment, type AppointmentSeed } from './support/appointments.js';
import {
  expectCount,
  expectText,
  horizontalOverflow,
  launchBrowser,
  login,
  MOBILE,
  openPage,
  screenshot,
  unlabelledControls,
  type TestPage,
} from './support/browser.js';
import { addDays, at, brDate, dayIn, mondayOf } from './support/zoned.js';

/** UTC−4 all year; the browser runs in Tokyo, so only company-zone rendering gets the hours right. */
const ZONE = 'America/Manaus';

describe('Agenda', () => {
  let server: TestServer;
  let browser: Browser;
  let admin: Awaited<ReturnType<typeof seedCompany>>;
  const today = dayIn(ZONE);
  const nextMonday = addDays(mondayOf(today), 7);
  const pagingDay = addDays(today, 20);
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    server = await startTestServer('e2e_agenda');
    admin = await seedCompany(server.app, 'Clínica Boa Saúde', { timezone: ZONE });
    const companyId = admin.company.id;
    const seed = async (key: string, data: AppointmentSeed) => {
      ids[key] = (await insertAppointment(server.app, companyId, data)).id;
    };
    await seed('joao', {
      start: at(ZONE, today, '10:00'),
      clientName: 'João da Silva',
      clientPhone: '5511987654321',
      clientEmail: 'joao@example.com',
      status: 'CONFIRMED',
      source: 'WHATSAPP',
      meetingUrl: 'https://cal.example/video/abc',
    });
    await seed('maria', { start: at(ZONE, today, '11:00'), clientName: 'Maria Oliveira', clientPhone: '5521912345678', status: 'PENDING', source: 'ADMIN' });
    await seed('ana', { start: at(ZONE, today, '15:30'), clientName: 'Ana Souza', clientEmail: 'ana@example.com', status: 'RESCHEDULED', source: 'CALCOM' });
    await seed('carlos', {
      start: at(ZONE, today, '16:00'),
      clientName: 'Carlos Pereira',
      clientPhone: '5531999990000',
      status: 'CANCELLED',
      source: 'API',
      cancellationReason: 'Imprevisto',
    });
    await seed('beatriz', { start: at(ZONE, nextMonday, '09:00'), clientName: 'Beatriz Lima', clientPhone: '5511955554444' });
    // Another company's appointment on the same day must never show up.
    const other = await seedCompany(server.app, 'Outra Empresa', { timezone: ZONE });
    await insertAppointment(server.app, other.company.id, { start: at(ZONE, today, '12:00'), clientName: 'Cliente de Outra Empresa' });
    // A long day for paging: 60 appointments, 10 minutes apart.
    for (let i = 0; i < 60; i++) {
      const minutes = 6 * 60 + i * 10;
      const time = `${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`;
      await insertAppointment(server.app, companyId, { start: at(ZONE, pagingDay, time), minutes: 10, clientName: `Paciente ${String(i + 1).padStart(2, '0')}` });
    }
    browser = await launchBrowser();
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  const rows = (t: TestPage) => t.page.locator('tr.appointment');
  const row = (t: TestPage, name: string) => t.page.locator('tr.appointment', { hasText: name });

  it('mostra o dia no fuso da empresa, com status distinguíveis sem cor, link e origem', async () => {
    const t = await openPage(browser, server.url, { timezoneId: 'Asia/Tokyo' });
    await login(t, admin.email, admin.password);
    const { page } = t;
    await page.getByText('Horários no fuso da empresa: America/Manaus (UTC−04:00)').waitFor();
    await expectCount(rows(t), 4);
    await expectText(page.getByTestId('agenda-count'), '4 agendamentos');
    expect(await rows(t).locator('td[data-label="Cliente"] .appointment__name').allTextContents()).toEqual([
      'João da Silva',
      'Maria Oliveira',
      'Ana Souza',
      'Carlos Pereira',
    ]);
    const joao = row(t, 'João da Silva');
    await expectText(joao.locator('td[data-label="Horário"]'), '10:00 – 10:30');
    await expectText(joao.locator('td[data-label="Telefone"]'), '+55 (11) 98765-4321');
    await expectText(joao.locator('td[data-label="Status"]'), 'Confirmado');
    await expectText(joao.locator('td[data-label="Origem"]'), 'WhatsApp');
    expect(await joao.getByRole('link', { name: /Abrir reunião/ }).getAttribute('href')).toBe('https://cal.example/video/abc');
    await expectText(row(t, 'Maria Oliveira').locator('td[data-label="Status"]'), 'Pendente');
    await expectText(row(t, 'Maria Oliveira').locator('td[data-label="Origem"]'), 'Painel');
    await expectText(row(t, 'Ana Souza').locator('td[data-label="Status"]'), 'Reagendado');
    await expectText(row(t, 'Carlos Pereira').locator('td[data-label="Status"]'), /Cancelado\s*Motivo: Imprevisto/);
    // Every badge carries an icon and a word, not only a colour.
    expect(await page.locator('.badge[data-status] svg').count()).toBe(4);
    // Cancelled appointments cannot be cancelled again.
    expect(await row(t, 'Carlos Pereira').getByRole('button', { name: /Cancelar/ }).count()).toBe(0);
    expect(await page.getByText('Cliente de Outra Empresa').count()).toBe(0);
    expect(await unlabelledControls(page)).toEqual([]);
    await screenshot(page, 'agenda-dia-desktop');
    t.expectNoConsoleErrors();
    await t.close();
  });

  it('filtra por semana, período personalizado, busca por nome ou telefone e status', async () => {
    const t = await openPage(browser, server.url);
    await login(t, admin.email, admin.password);
    const { page } = t;
    await expectCount(rows(t), 4);

    await page.getByRole('button', { name: 'Semana', exact: true }).click();
    await expectText(page.locator('.summary__range'), `Semana de ${brDate(mondayOf(today), false)} a ${brDate(addDays(mondayOf(today), 6))}`);
    await expectCount(rows(t), 4);
    await page.getByRole('button', { name: 'Próxima semana' }).click();
    await expectCount(rows(t), 1);
    await expectText(rows(t), 'Beatriz Lima');
    await expectText(rows(t).locator('td[data-label="Horário"]'), '09:00 – 09:30');

    await page.getByRole('button', { name: 'Período personalizado' }).click();
    await page.getByLabel('De', { exact: true }).fill(today);
    await page.getByLabel('Até', { exact: true }).fill(nextMonday);
    await expectCount(rows(t), 5);
    // An inverted period is explained, not sent.
    await page.getByLabel('De', { exact: true }).fill(addDays(nextMonday, 1));
    await page.getByRole('alert').getByText('A data inicial deve ser anterior ou igual à data final.').waitFor();
    await page.getByLabel('De', { exact: true }).fill(today);
    await expectCount(rows(t), 5);

    const search = page.getByLabel('Buscar cliente');
    await search.fill('joao');
    await expectCount(rows(t), 1);
    await expectText(rows(t), 'João da Silva');
    await search.fill('(21) 91234-5678');
    await expectCount(rows(t), 1);
    await expectText(rows(t), 'Maria Oliveira');
    await search.fill('5544');
    await expectCount(rows(t), 1);
    await expectText(rows(t), 'Beatriz Lima');
    await search.fill('ninguém com esse nome');
    await page.getByText('Nenhum agendamento encontrado com esses filtros.').waitFor();
    await search.fill('');
    await expectCount(rows(t), 5);

    await page.getByLabel('Status').selectOption({ label: 'Cancelado' });
    await expectCount(rows(t), 1);
    await expectText(rows(t), 'Carlos Pereira');
    t.expectNoConsoleErrors();
    await t.close();
  });

  it('pagina períodos longos com "Carregar mais"', async () => {
    const t = await openPage(browser, server.url);
    await login(t, admin.email, admin.password);
    const { page } = t;
    // The Agenda opens on the week (issue 18); these steps are about one day.
    await page.getByRole('button', { name: 'Dia', exact: true }).click();
    await page.getByLabel('Data', { exact: true }).fill(pagingDay);
    await expectCount(rows(t), 25);
    await page.getByText('Mostrando 25 de 60').waitFor();
    await page.getByRole('button', { name: 'Carregar mais' }).click();
    await expectCount(rows(t), 50);
    await page.getByRole('button', { name: 'Carregar mais' }).click();
    await expectCount(rows(t), 60);
    expect(await page.getByRole('button', { name: 'Carregar mais' }).count()).toBe(0);
    const names = await rows(t).locator('.appointment__name').allTextContents();
    expect(names).toEqual(Array.from({ length: 60 }, (_, i) => `Paciente ${String(i + 1).padStart(2, '0')}`));
    await expectText(page.getByTestId('agenda-count'), '60 agendamentos');
    t.expectNoConsoleErrors();
    await t.close();
  });

  it('cancela com confirmação acessível e motivo opcional', async () => {
    const t = await openPage(browser, server.url);
    await login(t, admin.email, admin.password);
    const { page } = t;
    const cancelButton = page.getByRole('button', { name: 'Cancelar agendamento de Maria Oliveira' });
    await cancelButton.click();
    const dialog = page.getByRole('dialog', { name: 'Cancelar agendamento' });
    await dialog.waitFor();
    // Focus moves into the dialog (the reason field) and Escape closes it, returning focus.
    expect(await page.evaluate(() => document.activeElement?.tagName)).toBe('TEXTAREA');
    expect(await page.evaluate(() => Boolean(document.activeElement?.closest('dialog')))).toBe(true);
    await page.keyboard.press('Escape');
    await expectCount(page.getByRole('dialog'), 0);
    expect(await cancelButton.evaluate((el) => el === document.activeElement)).toBe(true);
    expect((await findAppointment(server.app, ids.maria!))?.status).toBe('PENDING');

    await cancelButton.click();
    await dialog.waitFor();
    await expectText(dialog, 'Maria Oliveira');
    await dialog.getByLabel('Motivo (opcional)').fill('Cliente pediu para remarcar');
    await screenshot(page, 'agenda-cancelar-dialogo');
    await dialog.getByRole('button', { name: 'Cancelar agendamento' }).click();
    await expectCount(page.getByRole('dialog'), 0);
    const maria = row(t, 'Maria Oliveira');
    await expectText(maria.locator('td[data-label="Status"]'), /Cancelado\s*Motivo: Cliente pediu para remarcar/);
    await expectText(page.getByTestId('live-announcer'), 'Agendamento de Maria Oliveira cancelado.');
    const stored = await findAppointment(server.app, ids.maria!);
    expect(stored?.status).toBe('CANCELLED');
    expect(stored?.cancellationReason).toBe('Cliente pediu para remarcar');
    t.expectNoConsoleErrors();
    await t.close();
  });

  it('mostra o histórico de um agendamento com ações em português', async () => {
    const t = await openPage(browser, server.url);
    await login(t, admin.email, admin.password);
    const { page } = t;
    await page.getByRole('button', { name: 'Cancelar agendamento de João da Silva' }).click();
    const dialog = page.getByRole('dialog', { name: 'Cancelar agendamento' });
    await dialog.getByLabel('Motivo (opcional)').fill('Agenda cheia');
    await dialog.getByRole('button', { name: 'Cancelar agendamento' }).click();
    await expectText(row(t, 'João da Silva').locator('td[data-label="Status"]'), 'Cancelado');

    const historyButton = page.getByRole('button', { name: 'Histórico de João da Silva' });
    await historyButton.click();
    expect(await historyButton.getAttribute('aria-expanded')).toBe('true');
    const history = page.getByRole('region', { name: 'Histórico de João da Silva' });
    const entry = history.locator('li[data-action="appointment.cancelled"]');
    await expectText(entry, 'Agendamento cancelado');
    await expectText(entry, 'por Administrador');
    await expectText(entry, 'Motivo: Agenda cheia');
    await expectText(entry, 'Via: painel');
    await screenshot(page, 'agenda-historico');
    t.expectNoConsoleErrors();
    await t.close();
  });

  it('vira cartões em 360 px, sem rolagem horizontal', async () => {
    const t = await openPage(browser, server.url, { viewport: MOBILE });
    await login(t, admin.email, admin.password);
    const { page } = t;
    await expectCount(rows(t), 4);
    expect(await page.locator('table.appointments thead').evaluate((el) => el.getBoundingClientRect().height)).toBeLessThanOrEqual(1);
    const card = row(t, 'Ana Souza');
    expect(await card.evaluate((el) => getComputedStyle(el).display)).toBe('block');
    expect(await horizontalOverflow(page)).toBeLessThanOrEqual(0);
    await screenshot(page, 'agenda-dia-360');
    await page.getByRole('button', { name: 'Criar manualmente' }).click();
    await page.getByRole('heading', { name: 'Criar agendamento manualmente' }).waitFor();
    expect(await horizontalOverflow(page)).toBeLessThanOrEqual(0);
    await screenshot(page, 'agenda-criar-360');
    t.expectNoConsoleErrors();
    await t.close();
  });
});
