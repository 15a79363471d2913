import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApp, type App } from '../../server/app.js';
import { Appointment } from '../../server/appointments/appointment.entity.js';
import { gql, login as apiLogin, seedCompany, testConfig } from '../support/app.js';
import { createTestDatabase } from '../support/database.js';
import { insertAppointment, updateAppointment } from './support/appointments.js';
import { expectCount, expectText, launchBrowser, login, openPage, screenshot, type TestPage } from './support/browser.js';
import { addDays, at, dayIn } from './support/zoned.js';

const ZONE = 'America/Sao_Paulo';
/** While the server is down Chrome logs each refused WebSocket attempt; that is the scenario itself. */
const WS_REFUSED = /WebSocket connection to 'ws:\/\/127\.0\.0\.1:\d+\/graphql' failed/;
/** The session check after a refused socket answers 401 on purpose. */
const EXPECTED_401 = /Failed to load resource: the server responded with a status of 401/;

describe('Atualizações em tempo real', () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  let app: App;
  let url: string;
  let browser: Browser;
  let admin: Awaited<ReturnType<typeof seedCompany>>;
  const today = dayIn(ZONE);

  beforeAll(async () => {
    db = await createTestDatabase('e2e_live');
    app = await startApp(testConfig(db.url));
    url = app.url!;
    admin = await seedCompany(app, 'Consultório Central', { timezone: ZONE });
    browser = await launchBrowser();
  });

  afterAll(async () => {
    await browser?.close();
    await app?.close();
    await db?.drop();
  });

  const row = (t: TestPage, name: string) => t.page.locator('tr.appointment', { hasText: name });
  const indicator = (t: TestPage) => t.page.locator('.connection');

  it('mostra novos agendamentos e mudanças de status sem recarregar, destacando a linha', async () => {
    const t = await openPage(browser, url);
    await login(t, admin.email, admin.password);
    const { page } = t;
    // The Agenda opens on the week (issue 18); these steps are about one day.
    await page.getByRole('button', { name: 'Dia', exact: true }).click();
    await expectText(indicator(t), 'Conectado');
    await page.getByText('Nenhum agendamento neste período.').waitFor();

    const created = await insertAppointment(
      app,
      admin.company.id,
      { start: at(ZONE, today, '14:00'), clientName: 'Fernanda Costa', clientPhone: '5511977776666', status: 'CONFIRMED' },
      'CREATED',
    );
    const fernanda = row(t, 'Fernanda Costa');
    await fernanda.waitFor();
    expect(await fernanda.getAttribute('data-highlight')).toBe('CREATED');
    await expectText(fernanda.locator('.tag--live'), 'Novo');
    await expectText(page.getByTestId('agenda-count'), '1 agendamento');
    await expectText(page.getByTestId('live-announcer'), 'Novo agendamento: Fernanda Costa');
    await screenshot(page, 'agenda-ao-vivo-destaque');

    // Another appointment earlier the same day is inserted in order.
    await insertAppointment(app, admin.company.id, { start: at(ZONE, today, '09:00'), clientName: 'Rafael Gomes', status: 'PENDING' }, 'CREATED');
    await expectCount(page.locator('tr.appointment'), 2);
    expect(await page.locator('tr.appointment .appointment__name').allTextContents()).toEqual(['Rafael Gomes', 'Fernanda Costa']);

    // Rescheduled to a later time today: moves and changes status.
    await updateAppointment(app, created.id, { status: 'RESCHEDULED', startAt: at(ZONE, today, '16:30'), endAt: at(ZONE, today, '17:00') }, 'RESCHEDULED');
    await expectText(fernanda.locator('td[data-label="Status"]'), 'Reagendado');
    await expectText(fernanda.locator('td[data-label="Horário"]'), '16:30 – 17:00');
    expect(await fernanda.getAttribute('data-highlight')).toBe('RESCHEDULED');

    // Cancelled: status changes in place.
    await updateAppointment(app, created.id, { status: 'CANCELLED', cancellationReason: 'Cancelado pelo cliente no Cal.com' }, 'CANCELLED');
    await expectText(fernanda.locator('td[data-label="Status"]'), /Cancelado\s*Motivo: Cancelado pelo cliente no Cal.com/);

    // Moved to another day: leaves the day view.
    const rafael = await app.orm.em.fork().findOneOrFail(Appointment, { clientName: 'Rafael Gomes' });
    await updateAppointment(app, rafael.id, { startAt: at(ZONE, addDays(today, 1), '09:00'), endAt: at(ZONE, addDays(today, 1), '09:30') }, 'RESCHEDULED');
    await expectCount(page.locator('tr.appointment'), 1);
    await expectText(page.getByTestId('agenda-count'), '1 agendamento');

    // Another company's change never reaches this admin.
    const other = await seedCompany(app, 'Outra Clínica', { timezone: ZONE });
    await insertAppointment(app, other.company.id, { start: at(ZONE, today, '15:00'), clientName: 'Cliente Alheio' }, 'CREATED');
    await insertAppointment(app, admin.company.id, { start: at(ZONE, today, '15:30'), clientName: 'Marcos Teixeira' }, 'CREATED');
    await row(t, 'Marcos Teixeira').waitFor();
    expect(await page.getByText('Cliente Alheio').count()).toBe(0);
    t.expectNoConsoleErrors();
    await t.close();
  });

  it('reconecta sozinho depois que o servidor reinicia e recarrega o que perdeu', async () => {
    const t = await openPage(browser, url);
    await login(t, admin.email, admin.password);
    const { page } = t;
    await expectText(indicator(t), 'Conectado');
    await insertAppointment(app, admin.company.id, { start: at(ZONE, today, '17:00'), clientName: 'Otávio Reis' }, 'CREATED');
    await row(t, 'Otávio Reis').waitFor();
    const before = await page.locator('tr.appointment').count();
    const port = Number(new URL(url).port);

    // A second instance on the same database keeps working while the first one restarts.
    const other = await startApp(testConfig(db.url, { role: 'api' }));
    try {
      await app.close();
      await expectText(indicator(t), 'Reconectando…');
      expect(await indicator(t).getAttribute('data-state')).toBe('reconnecting');
      await screenshot(page, 'agenda-reconectando');

      // Changes while this browser is offline: nobody is there to receive them live.
      await insertAppointment(other, admin.company.id, { start: at(ZONE, today, '11:00'), clientName: 'Paulo Offline' }, 'CREATED');
      const otavio = await other.orm.em.fork().findOneOrFail(Appointment, { clientName: 'Otávio Reis' });
      await other.services.appointments.cancel(
        other.orm.em.fork(),
        { companyId: admin.company.id, actor: { type: 'SYSTEM', id: null, label: 'teste' } },
        otavio.id,
        'Cancelado enquanto offline',
        'api',
      );
      // Stay down until the browser has had a connection refused (the path graphql-ws gives up on
      // unless told otherwise), so the test covers it rather than a lucky first retry.
      await expect.poll(() => t.consoleErrors.some((text) => WS_REFUSED.test(text)), { timeout: 15_000 }).toBe(true);
    } finally {
      await other.close();
    }
    expect(await indicator(t).getAttribute('data-state')).toBe('reconnecting');

    app = await startApp(testConfig(db.url, { port }));
    await expectText(indicator(t), 'Conectado', 30_000);
    // The list was refetched after reconnecting: what happened offline is there.
    await row(t, 'Paulo Offline').waitFor();
    await expectText(row(t, 'Otávio Reis').locator('td[data-label="Status"]'), /Cancelado\s*Motivo: Cancelado enquanto offline/);
    await expectCount(page.locator('tr.appointment'), before + 1);

    // And the subscription is live again on the restarted server.
    await insertAppointment(app, admin.company.id, { start: at(ZONE, today, '18:00'), clientName: 'Depois da Volta' }, 'CREATED');
    await row(t, 'Depois da Volta').waitFor();
    t.expectNoConsoleErrors([WS_REFUSED]);
    await t.close();
  });

  it('volta ao login quando o servidor recusa o tempo real porque a sessão foi encerrada', async () => {
    const t = await openPage(browser, url);
    await login(t, admin.email, admin.password);
    const { page } = t;
    await expectText(indicator(t), 'Conectado');
    const token = await page.evaluate(() => JSON.parse(localStorage.getItem('secretaria.session') ?? '{}').token as string);
    const revoked = await gql(url, 'mutation($t:String!){logout(token:$t)}', { t: token }, await apiLogin(url, admin.email, admin.password));
    expect(revoked.data?.logout).toBe(true);

    // The server closes the open socket (4403) as soon as the session ends, without a reconnect:
    // the panel checks the session over HTTP and signs out.
    await page.getByRole('heading', { name: 'Entrar no painel' }).waitFor({ timeout: 10_000 });
    await page.getByText('Sua sessão expirou ou não é mais válida. Entre novamente para continuar.').waitFor();
    t.expectNoConsoleErrors([WS_REFUSED, EXPECTED_401]);
    await t.close();
  });

  it('mostra "Desconectado" quando o tempo real é recusado e reconecta pelo botão "Reconectar"', async () => {
    const t = await openPage(browser, url);
    const { page } = t;
    // Stand-in for a proxy that refuses the socket while the session itself is still valid.
    let refuse = true;
    await page.routeWebSocket(/\/graphql$/, (ws) => {
      if (refuse) ws.close({ code: 4403, reason: 'Forbidden' });
      else ws.connectToServer();
    });
    await login(t, admin.email, admin.password);
    await expectText(indicator(t), 'Desconectado');
    const reconnect = page.getByRole('button', { name: 'Reconectar' });
    await reconnect.waitFor();
    // The session was checked and is fine: still signed in.
    await page.getByRole('heading', { level: 1, name: 'Agenda' }).waitFor();
    await screenshot(page, 'agenda-desconectado');

    await insertAppointment(app, admin.company.id, { start: at(ZONE, today, '19:00'), clientName: 'Enquanto Desconectado' }, 'CREATED');
    refuse = false;
    await reconnect.click();
    await expectText(indicator(t), 'Conectado');
    // Reconnecting refetches what was missed.
    await row(t, 'Enquanto Desconectado').waitFor();
    t.expectNoConsoleErrors();
    await t.close();
  });
});
