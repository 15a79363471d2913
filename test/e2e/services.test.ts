import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CalcomGateway } from '../../server/calcom/calcom.gateway.js';
import { Service } from '../../server/catalog/service.entity.js';
import { CalcomSandbox, DEFAULT_API_KEY, DEFAULT_EVENT_TYPE_ID } from '../fakes/calcom-sandbox.js';
import { seedCompany, startTestServer, type TestServer } from '../support/app.js';
import { expectCount, expectText, horizontalOverflow, launchBrowser, login, MOBILE, openPage, screenshot, unlabelledControls, type TestPage } from './support/browser.js';
import { addDays, dayIn } from './support/zoned.js';

const ZONE = 'America/Sao_Paulo';

/** Configurações → "Serviços", the Agenda's service and host filters and the manual booking's service choice. */
describe('Serviços', () => {
  let server: TestServer;
  let cal: CalcomSandbox;
  let browser: Browser;
  let admin: Awaited<ReturnType<typeof seedCompany>>;
  const tomorrow = addDays(dayIn(ZONE), 1);

  beforeAll(async () => {
    cal = new CalcomSandbox({
      minimumNoticeMinutes: 0,
      tenants: [
        {
          workingHours: { days: [0, 1, 2, 3, 4, 5, 6], start: '09:00', end: '18:00' },
          eventTypes: [
            { id: DEFAULT_EVENT_TYPE_ID, title: 'Consulta', lengthInMinutes: 30 },
            { id: 1002, title: 'Limpeza', slug: 'limpeza', lengthInMinutes: 60 },
            { id: 1003, title: 'Clareamento', slug: 'clareamento', lengthInMinutes: 90 },
            // A team event type: Cal.com books it with the first free of its two hosts.
            { id: 1004, title: 'Avaliação', slug: 'avaliacao', lengthInMinutes: 30, teamId: 88 },
          ],
          teams: [{ id: 88, name: 'Ortodontia', members: [{ id: 31, name: 'Dr. Bruno Reis' }, { id: 32, name: 'Dra. Carla Dias' }] }],
        },
      ],
    });
    await cal.start();
    server = await startTestServer('e2e_services');
    (server.app.services.calendar as CalcomGateway).clientOptions = { timeoutMs: 2_000, baseBackoffMs: 5, maxRetryWaitMs: 50 };
    admin = await seedCompany(server.app, 'Clínica Três Serviços', { timezone: ZONE, calApiUrl: cal.url, calApiKey: DEFAULT_API_KEY, calEventTypeId: DEFAULT_EVENT_TYPE_ID });
    browser = await launchBrowser();
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await cal?.stop();
  });

  const stored = () => server.app.orm.em.fork().find(Service, { companyId: admin.company.id }, { orderBy: { calEventTypeId: 'asc' } });

  it('importa do Cal.com, marca o padrão e guarda nome, palavras-chave e "Ativo" de cada serviço', async () => {
    const t = await openPage(browser, server.url);
    await login(t, admin.email, admin.password);
    const { page } = t;
    await page.getByRole('link', { name: 'Configurações' }).click();
    const section = page.getByRole('region', { name: 'Serviços' });
    await section.getByText('Nenhum serviço importado ainda', { exact: false }).waitFor();

    await section.getByRole('button', { name: 'Sincronizar com o Cal.com' }).click();
    await section.getByRole('status').filter({ hasText: 'Sincronizado: 4 serviços.' }).waitFor();
    await expectCount(section.getByRole('form'), 4);
    const consulta = section.getByRole('form', { name: 'Serviço Consulta' });
    await expectText(consulta.locator('.services__meta'), /Consulta · 30 min Padrão/);
    await expectCount(section.getByText('Padrão', { exact: true }), 1);

    const limpeza = section.getByRole('form', { name: 'Serviço Limpeza' });
    await limpeza.getByLabel(/^Nome exibido/).fill('Limpeza dental');
    await limpeza.getByLabel(/^Palavras-chave/).fill('profilaxia, tártaro');
    await limpeza.getByRole('button', { name: 'Salvar serviço' }).click();
    await limpeza.getByRole('status').filter({ hasText: 'Serviço “Limpeza dental” salvo.' }).waitFor();

    const clareamento = section.getByRole('form', { name: 'Serviço Clareamento' });
    await clareamento.getByRole('checkbox', { name: /Ativo/ }).uncheck();
    await clareamento.getByRole('button', { name: 'Salvar serviço' }).click();
    await clareamento.getByRole('status').filter({ hasText: 'salvo' }).waitFor();

    // A bad name is refused next to the field, nothing sent.
    await consulta.getByLabel(/^Nome exibido/).fill('   ');
    await consulta.getByRole('button', { name: 'Salvar serviço' }).click();
    await consulta.getByText('O nome deve ter entre 1 e 100 caracteres.').waitFor();

    const rows = await stored();
    expect(rows.map((s) => [s.calEventTypeId, s.name, s.keywords, s.active])).toEqual([
      [DEFAULT_EVENT_TYPE_ID, 'Consulta', [], true],
      [1002, 'Limpeza dental', ['profilaxia', 'tártaro'], true],
      [1003, 'Clareamento', [], false],
      [1004, 'Avaliação', [], true],
    ]);

    // Sync again: local edits stay.
    await section.getByRole('button', { name: 'Sincronizar com o Cal.com' }).click();
    await section.getByRole('status').filter({ hasText: 'Sincronizado: 4 serviços.' }).waitFor();
    expect((await stored()).map((s) => s.name)).toEqual(['Consulta', 'Limpeza dental', 'Clareamento', 'Avaliação']);

    expect(await unlabelledControls(page)).toEqual([]);
    await screenshot(page, 'servicos-desktop');
    await page.setViewportSize(MOBILE);
    expect(await horizontalOverflow(page)).toBeLessThanOrEqual(0);
    t.expectNoConsoleErrors();
    await t.close();
  });

  it('o agendamento manual escolhe o serviço primeiro; a Agenda mostra serviço e profissional e filtra por ambos', async () => {
    const t = await openPage(browser, server.url);
    await login(t, admin.email, admin.password);
    const { page } = t;
    const form = page.getByRole('region', { name: 'Criar agendamento manualmente' });
    // The Agenda opens on the week (issue 18); these steps are about one day.
    await page.getByRole('button', { name: 'Dia', exact: true }).click();
    await page.getByLabel('Data', { exact: true }).fill(tomorrow);
    await page.getByRole('button', { name: 'Criar manualmente' }).click();
    await form.waitFor();
    // Inactive services are not offered.
    const options = await form.getByLabel(/^Serviço/).locator('option').allTextContents();
    expect(options).toEqual(['Avaliação (30 min)', 'Consulta (30 min)', 'Limpeza dental (60 min)']);
    await form.getByLabel(/^Dia/).fill(tomorrow);

    const book = async (service: string, name: string, time: string) => {
      await form.getByLabel(/^Serviço/).selectOption({ label: service });
      await form.getByLabel(/^Nome do cliente/).fill(name);
      await form.getByLabel(/^E-mail/).fill(`${name.split(' ')[0]!.toLowerCase()}@example.com`);
      await form.getByLabel(time, { exact: true }).check();
      await form.getByRole('button', { name: 'Agendar' }).click();
      await form.getByRole('status').filter({ hasText: name }).waitFor();
    };
    // Limpeza is 60 min: its slots are on the hour only.
    await form.getByLabel(/^Serviço/).selectOption({ label: 'Limpeza dental (60 min)' });
    await expectCount(form.getByLabel('09:30', { exact: true }), 0);
    await book('Limpeza dental (60 min)', 'Paula Limpeza', '10:00');
    await book('Consulta (30 min)', 'Caio Consulta', '14:30');
    await book('Avaliação (30 min)', 'Tina Avaliação', '11:00');

    const byName = new Map(cal.bookings().map((b) => [b.attendees[0]!.name, b]));
    expect(byName.get('Paula Limpeza')).toMatchObject({ eventTypeId: 1002, duration: 60 });
    expect(byName.get('Caio Consulta')).toMatchObject({ eventTypeId: DEFAULT_EVENT_TYPE_ID, duration: 30 });
    expect(byName.get('Tina Avaliação')).toMatchObject({ eventTypeId: 1004, hosts: [expect.objectContaining({ id: 31 })] });

    const paula = page.locator('tr.appointment', { hasText: 'Paula Limpeza' });
    await expectText(paula.getByTestId('appointment-service'), 'Limpeza dental');
    await expectText(paula.locator('td[data-label="Horário"]'), '10:00 – 11:00');
    // Each row names its host: the service's one professional, or the team member Cal.com picked.
    await expectText(paula.getByTestId('appointment-host'), 'com Dra. Ana Souza');
    await expectText(page.locator('tr.appointment', { hasText: 'Tina Avaliação' }).getByTestId('appointment-host'), 'com Dr. Bruno Reis');
    await form.getByRole('button', { name: 'Fechar', exact: true }).click();

    const filters = page.getByRole('region', { name: 'Filtros da agenda' });
    await expectText(page.getByTestId('agenda-count'), '3 agendamentos');
    await filters.getByLabel('Serviço').selectOption({ label: 'Limpeza dental' });
    await expectText(page.getByTestId('agenda-count'), '1 agendamento');
    await expectCount(page.locator('tr.appointment'), 1);
    await expectCount(page.locator('tr.appointment', { hasText: 'Paula Limpeza' }), 1);
    await filters.getByLabel('Serviço').selectOption({ label: 'Consulta' });
    await expectText(page.getByTestId('agenda-count'), '1 agendamento');
    await expectCount(page.locator('tr.appointment', { hasText: 'Caio Consulta' }), 1);
    await filters.getByLabel('Serviço').selectOption({ label: 'Todos' });
    await expectText(page.getByTestId('agenda-count'), '3 agendamentos');

    // Hosts come from the services: each professional, and the team (our bookings of it hold the team's slot).
    const hostOptions = await filters.getByLabel('Profissional').locator('option').allTextContents();
    expect(hostOptions).toEqual(['Todos', 'Dr. Bruno Reis', 'Dra. Ana Souza', 'Dra. Carla Dias', 'Equipe de Avaliação']);
    await filters.getByLabel('Profissional').selectOption({ label: 'Dra. Ana Souza' });
    await expectText(page.getByTestId('agenda-count'), '2 agendamentos');
    await expectCount(page.locator('tr.appointment', { hasText: 'Tina Avaliação' }), 0);
    await filters.getByLabel('Profissional').selectOption({ label: 'Equipe de Avaliação' });
    await expectText(page.getByTestId('agenda-count'), '1 agendamento');
    await expectCount(page.locator('tr.appointment', { hasText: 'Tina Avaliação' }), 1);
    // Both filters at once: nothing of Limpeza on the team.
    await filters.getByLabel('Serviço').selectOption({ label: 'Limpeza dental' });
    await page.getByText('Nenhum agendamento encontrado com esses filtros.').waitFor();
    await filters.getByLabel('Serviço').selectOption({ label: 'Todos' });
    await filters.getByLabel('Profissional').selectOption({ label: 'Todos' });
    await expectText(page.getByTestId('agenda-count'), '3 agendamentos');
    await screenshot(page, 'agenda-filtro-servico');
    t.expectNoConsoleErrors();
    await t.close();
  });

  it('com um só serviço ativo, que não é o padrão, o agendamento manual usa esse serviço (não o padrão inativo)', async () => {
    await server.app.orm.em.fork().nativeUpdate(Service, { companyId: admin.company.id, calEventTypeId: { $in: [DEFAULT_EVENT_TYPE_ID, 1004] } }, { active: false });
    const t = await openPage(browser, server.url);
    await login(t, admin.email, admin.password);
    const { page } = t;
    const form = page.getByRole('region', { name: 'Criar agendamento manualmente' });
    await page.getByRole('button', { name: 'Criar manualmente' }).click();
    await form.waitFor();
    // Nothing to choose: no select, but the slots are Limpeza's (60 min, on the hour only).
    await expectCount(form.getByLabel(/^Serviço/), 0);
    await form.getByLabel(/^Dia/).fill(tomorrow);
    await form.getByLabel('16:00', { exact: true }).waitFor();
    await expectCount(form.getByLabel('16:30', { exact: true }), 0);
    await form.getByLabel(/^Nome do cliente/).fill('Lia Única');
    await form.getByLabel(/^E-mail/).fill('lia@example.com');
    await form.getByLabel('16:00', { exact: true }).check();
    await form.getByRole('button', { name: 'Agendar' }).click();
    await form.getByRole('status').filter({ hasText: 'Lia Única' }).waitFor();

    const lia = cal.bookings().find((b) => b.attendees[0]!.name === 'Lia Única');
    expect(lia).toMatchObject({ eventTypeId: 1002, duration: 60 });
    t.expectNoConsoleErrors();
    await t.close();
  });
});
