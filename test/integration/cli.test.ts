import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, queryOnce } from '../support/database.js';
import { TEST_APP_SECRET } from '../support/app.js';

const run = promisify(execFile);
const CLI = 'dist/server/cli.js';

// Each test starts the built CLI up to five times (a cold `node` process loading the ORM each time):
// several seconds of CPU, more than the default 30 s per test on a slow or busy machine.
describe('operator CLI (built, against a real database)', { timeout: 120_000 }, () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  const env = () => ({ ...process.env, DATABASE_URL: db.url, APP_SECRET: TEST_APP_SECRET, LOG_LEVEL: 'silent' });
  const cli = async (...args: string[]) => {
    try {
      const { stdout, stderr } = await run('node', [CLI, ...args], { env: env() });
      return { code: 0, stdout, stderr };
    } catch (error) {
      const e = error as { code: number; stdout: string; stderr: string };
      return { code: e.code, stdout: e.stdout, stderr: e.stderr };
    }
  };
  const count = async (table: string) => Number((await queryOnce<{ count: string }>(db.url, `select count(*) from ${table}`))[0]!.count);

  beforeAll(async () => {
    expect(existsSync(CLI), 'run `npm run build` first (npm test does)').toBe(true);
    db = await createTestDatabase('cli');
  });
  afterAll(async () => db?.drop());

  it('creates a company, an admin and API keys, printing one JSON line each', async () => {
    const company = await cli('company', 'create', '--name', 'Clínica Sorriso', '--cal-api-key', 'cal_live_1234567890', '--cal-event-type-id', '42');
    expect(company.code).toBe(0);
    expect(company.stdout.trim().split('\n')).toHaveLength(1);
    const { id, whaticketInboundToken } = JSON.parse(company.stdout);
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    expect(whaticketInboundToken).toMatch(/^swi_/);

    const admin = await cli('admin', 'create', '--company', id, '--email', 'Dona@Clinica.com.br', '--password', 'senha-forte-1');
    expect(admin.code).toBe(0);
    expect(JSON.parse(admin.stdout)).toEqual({ id: expect.any(String) });

    const key = await cli('apikey', 'create', '--company', id, '--scope', 'write', '--name', 'ERP');
    expect(key.code).toBe(0);
    expect(JSON.parse(key.stdout)).toEqual({ id: expect.any(String), key: expect.stringMatching(/^svk_/) });

    const updated = await cli('company', 'update', id, '--timezone', 'America/Manaus');
    expect(updated.code).toBe(0);
    expect(JSON.parse(updated.stdout)).toEqual({ id });

    const [row] = await queryOnce<{ timezone: string; cal_api_key: string }>(db.url, 'select timezone, cal_api_key from companies where id = $1', [id]);
    expect(row.timezone).toBe('America/Manaus');
    expect(row.cal_api_key).not.toContain('cal_live_1234567890'); // encrypted at rest
  });

  it('sets the WhatsApp provider and its settings (secrets encrypted), and a new Evolution URL clears the old key', async () => {
    const created = await cli('company', 'create', '--name', 'Clínica Evolução', '--whatsapp-provider', 'evolution', '--evolution-url', 'https://evo.example.com',
      '--evolution-api-key', 'evo-key-123456789', '--evolution-instance', 'clinica', '--evolution-api-version', '1',
      '--cloud-access-token', 'EAAG-token-987654321', '--cloud-app-secret', 'app-secret-1234', '--cloud-verify-token', 'verifica-5678',
      '--cloud-phone-number-id', '106540352242922', '--cloud-api-version', 'v24.0', '--cloud-reminder-template', 'lembrete_consulta', '--cloud-template-language', 'en_US');
    expect(created.code, created.stderr).toBe(0);
    const { id } = JSON.parse(created.stdout);
    const select = `select whatsapp_provider, evolution_url, evolution_api_key, evolution_instance, evolution_api_version, cloud_api_url, cloud_api_version,
      cloud_phone_number_id, cloud_access_token, cloud_app_secret, cloud_verify_token, cloud_reminder_template, cloud_template_language from companies where id = $1`;
    const [row] = await queryOnce<Record<string, unknown>>(db.url, select, [id]);
    expect(row).toMatchObject({
      whatsapp_provider: 'EVOLUTION', evolution_url: 'https://evo.example.com', evolution_instance: 'clinica', evolution_api_version: 1,
      cloud_api_url: 'https://graph.facebook.com', cloud_api_version: 'v24.0', cloud_phone_number_id: '106540352242922',
      cloud_reminder_template: 'lembrete_consulta', cloud_template_language: 'en_US',
    });
    for (const [column, plain] of [['evolution_api_key', 'evo-key'], ['cloud_access_token', 'EAAG'], ['cloud_app_secret', 'app-secret'], ['cloud_verify_token', 'verifica']]) {
      expect(row[column!], column).toMatch(/^v1:/);
      expect(row[column!], column).not.toContain(plain);
    }

    const moved = await cli('company', 'update', id, '--evolution-url', 'https://evo2.example.com', '--whatsapp-provider', 'cloud');
    expect(moved.code, moved.stderr).toBe(0);
    const [after] = await queryOnce<Record<string, unknown>>(db.url, select, [id]);
    expect(after).toMatchObject({ whatsapp_provider: 'CLOUD_API', evolution_url: 'https://evo2.example.com', evolution_api_key: null });
    expect(after.cloud_access_token).toBe(row.cloud_access_token);
  });

  it.each([
    [['company', 'create'], /--name é obrigatório/, 64],
    [['company', 'create', '--name', 'X', '--whatsapp-provider', 'sms'], /--whatsapp-provider deve ser whaticket, evolution ou cloud/, 64],
    [['company', 'create', '--name', 'X', '--cloud-api-version', '23'], /cloudApiVersion deve ser escrita como nas URLs da Meta/, 65],
    [['company', 'create', '--name', 'X', '--evolution-url', 'http://169.254.169.254/'], /endereço interno ou reservado/, 65],
    [['company', 'create', '--name', 'X', '--timezone', 'Mars/Olympus'], /Fuso horário desconhecido/, 65],
    [['company', 'create', '--name', 'X', '--cal-api-url', 'ftp://x'], /http/, 65],
    [['company', 'create', '--name', 'X', '--cal-api-url', 'http://169.254.169.254/latest'], /endereço interno ou reservado/, 65],
    [['company', 'create', '--name', 'X', '--whaticket-url', 'http://[::ffff:127.0.0.1]:5432'], /endereço interno ou reservado/, 65],
    [['admin', 'create', '--company', '0b7f4a52-5d55-4f0e-9a0a-3c9d8f1e2a11', '--email', 'a@b.co', '--password', 'senha-forte-1'], /não encontrada/, 65],
    [['apikey', 'create', '--company', 'nope'], /uuid/, 64],
    [['bogus'], /comando desconhecido/, 64],
  ])('rejects %j with a message, a non-zero exit and no writes', async (args, message, code) => {
    const before = { companies: await count('companies'), users: await count('users'), keys: await count('api_keys') };
    const result = await cli(...args);
    expect(result.code).toBe(code);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(message);
    expect({ companies: await count('companies'), users: await count('users'), keys: await count('api_keys') }).toEqual(before);
  });

  it('lists API keys (revoked ones too) and revokes one by id, once', async () => {
    const { id } = JSON.parse((await cli('company', 'create', '--name', 'Chaves')).stdout);
    const created = JSON.parse((await cli('apikey', 'create', '--company', id, '--scope', 'read', '--name', 'BI')).stdout);
    const listed = await cli('apikey', 'list', '--company', id);
    expect(listed.code).toBe(0);
    expect(JSON.parse(listed.stdout).keys).toEqual([
      { id: created.id, name: 'BI', scope: 'read', prefix: created.key.slice(0, 10), createdAt: expect.any(String), lastUsedAt: null, revokedAt: null },
    ]);
    expect(listed.stdout).not.toContain(created.key);

    const revoked = await cli('apikey', 'revoke', created.id);
    expect(revoked.code).toBe(0);
    expect(JSON.parse(revoked.stdout)).toEqual({ id: created.id, revoked: true });
    expect(JSON.parse((await cli('apikey', 'list', '--company', id)).stdout).keys[0].revokedAt).toEqual(expect.any(String));
    const again = await cli('apikey', 'revoke', created.id);
    expect(again.code).toBe(65);
    expect(again.stderr).toMatch(/não encontrada/);
  });

  it('refuses a second admin with the same e-mail', async () => {
    const { id } = JSON.parse((await cli('company', 'create', '--name', 'Outra')).stdout);
    expect((await cli('admin', 'create', '--company', id, '--email', 'dup@x.com', '--password', 'senha-forte-1')).code).toBe(0);
    const again = await cli('admin', 'create', '--company', id, '--email', 'DUP@x.com', '--password', 'senha-forte-1');
    expect(again.code).toBe(65);
    expect(again.stderr).toMatch(/Já existe/);
  });
});
