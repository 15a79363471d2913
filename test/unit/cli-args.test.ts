import { describe, expect, it } from 'vitest';
import { parseCommand, UsageError } from '../../server/cli.js';

const ID = '0b7f4a52-5d55-4f0e-9a0a-3c9d8f1e2a11';

describe(parseCommand.name, () => {
  it('parses company create with every flag', () => {
    expect(
      parseCommand(['company', 'create', '--name', 'Clínica Sorriso', '--timezone', 'America/Recife', '--cal-api-url', 'https://cal.example.com',
        '--cal-api-key', 'cal_live_x', '--cal-default-user-id', '7', '--cal-event-type-id', '123', '--cal-webhook-secret', 's',
        '--whaticket-url', 'https://wt.example.com', '--whaticket-token', 't']),
    ).toEqual({
      kind: 'company.create',
      settings: {
        name: 'Clínica Sorriso', timezone: 'America/Recife', calApiUrl: 'https://cal.example.com', calApiKey: 'cal_live_x',
        calDefaultUserId: '7', calEventTypeId: 123, calWebhookSecret: 's', whaticketUrl: 'https://wt.example.com', whaticketToken: 't',
      },
    });
  });

  it('parses the WhatsApp provider flags of every provider (ARCHITECTURE §10)', () => {
    expect(
      parseCommand(['company', 'update', ID, '--whatsapp-provider', 'evolution', '--evolution-url', 'https://evo.example.com', '--evolution-api-key', 'k',
        '--evolution-instance', 'clinica', '--evolution-api-version', '1', '--cloud-api-url', 'https://graph.example.com', '--cloud-api-version', 'v24.0',
        '--cloud-phone-number-id', '106540352242922', '--cloud-access-token', 'EAAG', '--cloud-app-secret', 'app', '--cloud-verify-token', 'vt',
        '--cloud-reminder-template', 'lembrete_consulta', '--cloud-template-language', 'pt_BR']),
    ).toEqual({
      kind: 'company.update',
      id: ID,
      settings: {
        whatsappProvider: 'EVOLUTION', evolutionUrl: 'https://evo.example.com', evolutionApiKey: 'k', evolutionInstance: 'clinica', evolutionApiVersion: 1,
        cloudApiUrl: 'https://graph.example.com', cloudApiVersion: 'v24.0', cloudPhoneNumberId: '106540352242922', cloudAccessToken: 'EAAG',
        cloudAppSecret: 'app', cloudVerifyToken: 'vt', cloudReminderTemplate: 'lembrete_consulta', cloudTemplateLanguage: 'pt_BR',
      },
    });
    expect(parseCommand(['company', 'update', ID, '--whatsapp-provider', 'cloud'])).toMatchObject({ settings: { whatsappProvider: 'CLOUD_API' } });
    expect(parseCommand(['company', 'create', '--name', 'X', '--whatsapp-provider', 'Whaticket'])).toMatchObject({ settings: { whatsappProvider: 'WHATICKET' } });
  });

  it('accepts --flag=value', () => {
    expect(parseCommand(['apikey', 'create', `--company=${ID}`, '--scope=write'])).toEqual({ kind: 'apikey.create', companyId: ID, scope: 'write', name: undefined });
  });

  it('parses company update, admin create and apikey create', () => {
    expect(parseCommand(['company', 'update', ID, '--timezone', 'UTC'])).toEqual({ kind: 'company.update', id: ID, settings: { timezone: 'UTC' } });
    expect(parseCommand(['admin', 'create', '--company', ID, '--email', 'a@b.co', '--password', 'segredo123'])).toMatchObject({ kind: 'admin.create', companyId: ID, email: 'a@b.co' });
    expect(parseCommand(['apikey', 'create', '--company', ID])).toMatchObject({ kind: 'apikey.create', scope: 'read' });
  });

  it('parses apikey list and apikey revoke', () => {
    expect(parseCommand(['apikey', 'list', '--company', ID])).toEqual({ kind: 'apikey.list', companyId: ID });
    expect(parseCommand(['apikey', 'revoke', ID])).toEqual({ kind: 'apikey.revoke', id: ID });
  });

  it.each([
    [[], 'nenhum comando informado'],
    [['company', 'delete'], 'comando desconhecido'],
    [['company', 'create'], '--name é obrigatório'],
    [['company', 'create', '--name', 'X', '--whatsapp-provider', 'telegram'], '--whatsapp-provider deve ser whaticket, evolution ou cloud'],
    [['company', 'create', '--name', 'X', '--evolution-api-version', '3'], '--evolution-api-version deve ser 1 ou 2'],
    [['company', 'create', '--name'], 'precisa de um valor'],
    [['company', 'create', '--name', 'A', '--nme', 'B'], 'opção desconhecida: --nme'],
    [['company', 'create', '--name', 'A', '--name', 'B'], 'opção repetida'],
    [['company', 'create', '--name', 'A', '--cal-event-type-id', 'abc'], 'inteiro positivo'],
    [['company', 'create', '--name', 'A', 'extra'], 'argumento inesperado'],
    [['company', 'update', 'not-a-uuid', '--name', 'A'], 'não é um uuid'],
    [['company', 'update', ID], 'nada para alterar'],
    [['admin', 'create', '--company', ID, '--email', 'a@b.co'], '--password é obrigatório'],
    [['admin', 'create', '--email', 'a@b.co', '--password', 'x'], '--company é obrigatório'],
    [['apikey', 'create', '--company', 'abc'], 'deve ser um uuid'],
    [['apikey', 'create', '--company', ID, '--scope', 'admin'], '--scope deve ser read ou write'],
    [['apikey', 'list'], '--company é obrigatório'],
    [['apikey', 'revoke'], 'informe o id (uuid) da chave'],
    [['apikey', 'revoke', 'svk_abc'], 'não é um uuid'],
    [['apikey', 'revoke', ID, '--company', ID], 'opção desconhecida: --company'],
  ])('rejects %j', (argv, message) => {
    expect(() => parseCommand(argv)).toThrow(UsageError);
    expect(() => parseCommand(argv)).toThrow(message);
  });
});
