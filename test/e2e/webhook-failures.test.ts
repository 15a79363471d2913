import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildWebhook } from '../fakes/calcom-sandbox.js';
import { bookingFixture, signedHeaders, WEBHOOK_PATH } from '../reliability/support/webhooks.js';
import { seedCompany, startTestServer, type TestServer } from '../support/app.js';
import { REFUSE_POISON_SQL, webhooksApplied } from '../support/webhooks.js';
import { expectText, launchBrowser, login, openPage, screenshot } from './support/browser.js';

const SECRET = 'segredo-falhas';

/**
 * Issue 14: a Cal.com delivery that could not be applied shows as "Falhou" with its reason in
 * Configurações → Diagnóstico, and the admin reprocesses it (once the cause is gone) or discards it.
 * The cause here is a real PostgreSQL error: a trigger refuses appointments titled VENENO.
 */
describe('Diagnóstico: entregas que falharam', () => {
  let server: TestServer;
  let browser: Browser;
  let admin: Awaited<ReturnType<typeof seedCompany>>;
  const sql = <T>(query: string, params: unknown[] = []) => server.app.orm.em.getConnection().execute<T[]>(query, params);

  const send = async (uid: string, hour: number) => {
    const body = JSON.stringify(buildWebhook('BOOKING_CREATED', bookingFixture(uid, new Date(Date.UTC(2034, 8, 1, 12 + hour)), { title: 'Consulta VENENO' }), { createdAt: new Date().toISOString() }));
    const response = await fetch(`${server.url}${WEBHOOK_PATH}`, { method: 'POST', headers: signedHeaders(admin.company.id, SECRET, body), body });
    expect(response.status).toBe(200);
  };

  beforeAll(async () => {
    server = await startTestServer('e2e_webhook_failures', {}, { webhookApplier: { maxAttempts: 2, retryBaseMs: 100 } });
    admin = await seedCompany(server.app, 'Clínica Falhas', { calWebhookSecret: SECRET, timezone: 'America/Sao_Paulo' });
    for (const statement of REFUSE_POISON_SQL) await sql(statement);
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('mostra "Falhou" com o motivo e permite reprocessar ou descartar', async () => {
    await send('falha-reprocessar', 0);
    await send('falha-descartar', 1);
    await webhooksApplied(server.app, admin.company.id, 30_000);

    const t = await openPage(browser, server.url);
    await login(t, admin.email, admin.password);
    const { page } = t;
    await page.getByRole('link', { name: 'Configurações' }).click();
    const diagnostics = page.getByRole('region', { name: 'Diagnóstico de webhooks' });
    const row = (uid: string) => diagnostics.locator('tr', { hasText: uid });
    await row('falha-reprocessar').waitFor();
    await expectText(row('falha-reprocessar'), /Reserva criada\s*Falhou\s*Falha ao aplicar \(tentativa 2 de 2\): erro do banco de dados \(SQLSTATE P0001\)/);
    await expectText(row('falha-descartar'), /Falhou/);
    await screenshot(page, 'configuracoes-diagnostico-falhou');

    // The cause is fixed; reprocessing applies it.
    await sql('drop trigger refuse_poison on appointments');
    await row('falha-reprocessar').getByRole('button', { name: 'Reprocessar' }).click();
    await webhooksApplied(server.app, admin.company.id, 30_000);
    await diagnostics.getByRole('button', { name: 'Atualizar' }).click();
    await expectText(row('falha-reprocessar'), /Reserva criada\s*Aplicado/);
    expect(await sql(`select status from appointments where cal_booking_uid = 'falha-reprocessar'`)).toEqual([{ status: 'CONFIRMED' }]);

    // Discarding asks first.
    await row('falha-descartar').getByRole('button', { name: 'Descartar' }).click();
    const confirm = page.getByRole('dialog', { name: 'Descartar esta entrega?' });
    await confirm.waitFor();
    await confirm.getByRole('button', { name: 'Descartar' }).click();
    await expectText(row('falha-descartar'), /Descartado\s*Descartada por um administrador\./);
    expect(await row('falha-descartar').getByRole('button', { name: 'Reprocessar' }).count()).toBe(0);
    expect(await sql(`select outcome from webhook_deliveries where booking_uid = 'falha-descartar'`)).toEqual([{ outcome: 'discarded' }]);
    await screenshot(page, 'configuracoes-diagnostico-descartado');
    t.expectNoConsoleErrors();
    await t.close();
  });
});
