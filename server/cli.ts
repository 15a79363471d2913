import 'reflect-metadata';
import { SYSTEM_ACTOR } from './audit/audit.service.js';
import { AuthService } from './auth/auth.service.js';
import { OutboundGuard } from './platform/outbound-guard.js';
import { CompanyService, type CompanySettings } from './companies/company.service.js';
import { WHATSAPP_PROVIDER_NAMES } from './companies/whatsapp-provider.js';
import { isUuid } from './shared/ids.js';
import { SecretBox } from './companies/secret-box.js';
import { ConfigError, loadConfig, type Config } from './config.js';
import { migrate, resolveDatabase } from './platform/database.js';
import { openOrm } from './wiring/database.js';
import { DomainError, domainError } from './platform/errors.js';
import { CalcomGateway } from './calcom/calcom.gateway.js';
import { ServiceCatalog } from './catalog/service-catalog.service.js';
import { mapService } from './catalog/service.types.js';
import { createMetrics } from './platform/metrics.js';

export class UsageError extends Error {
  override name = 'UsageError';
}

export const USAGE = `Uso: npm run cli -- <comando>
  company create --name N [--timezone TZ] [--cal-api-url U] [--cal-api-key K] [--cal-default-user-id ID]
                 [--cal-event-type-id ID] [--cal-webhook-secret S] [--whaticket-url U] [--whaticket-token T]
                 [--whatsapp-provider whaticket|evolution|cloud]
                 [--evolution-url U] [--evolution-api-key K] [--evolution-instance NOME] [--evolution-api-version 1|2]
                 [--cloud-api-url U] [--cloud-api-version v23.0] [--cloud-phone-number-id ID] [--cloud-access-token T]
                 [--cloud-app-secret S] [--cloud-verify-token T] [--cloud-reminder-template NOME] [--cloud-template-language pt_BR]
                 [--reminder-offsets 1440,120] [--quiet-hours 21:00-08:00]  ("" desliga)
  company update <id> [as mesmas opções]
  admin create --company ID --email E --password P [--name N]
  apikey create --company ID [--scope read|write] [--name N]
  apikey list --company ID
  apikey revoke <id>
  service sync --company ID      (importa os tipos de evento do Cal.com como serviços)
  service list --company ID
  migrate`;

const COMPANY_FLAGS = {
  name: 'name',
  timezone: 'timezone',
  'cal-api-url': 'calApiUrl',
  'cal-api-key': 'calApiKey',
  'cal-default-user-id': 'calDefaultUserId',
  'cal-event-type-id': 'calEventTypeId',
  'cal-webhook-secret': 'calWebhookSecret',
  'whaticket-url': 'whaticketUrl',
  'whaticket-token': 'whaticketToken',
  'whatsapp-provider': 'whatsappProvider',
  'evolution-url': 'evolutionUrl',
  'evolution-api-key': 'evolutionApiKey',
  'evolution-instance': 'evolutionInstance',
  'evolution-api-version': 'evolutionApiVersion',
  'cloud-api-url': 'cloudApiUrl',
  'cloud-api-version': 'cloudApiVersion',
  'cloud-phone-number-id': 'cloudPhoneNumberId',
  'cloud-access-token': 'cloudAccessToken',
  'cloud-app-secret': 'cloudAppSecret',
  'cloud-verify-token': 'cloudVerifyToken',
  'cloud-reminder-template': 'cloudReminderTemplate',
  'cloud-template-language': 'cloudTemplateLanguage',
  // Reminders (issue 18): "1440,120" ("" = off) and "21:00-08:00" ("" = no quiet hours).
  'reminder-offsets': 'reminderOffsetsMinutes',
  'quiet-hours': 'quietHours',
} as const;

export type Command =
  | { kind: 'company.create'; settings: CompanySettings & { name: string } }
  | { kind: 'company.update'; id: string; settings: CompanySettings }
  | { kind: 'admin.create'; companyId: string; email: string; password: string; name?: string }
  | { kind: 'apikey.create'; companyId: string; scope: 'read' | 'write'; name?: string }
  | { kind: 'apikey.list'; companyId: string }
  | { kind: 'apikey.revoke'; id: string }
  | { kind: 'service.sync'; companyId: string }
  | { kind: 'service.list'; companyId: string }
  | { kind: 'migrate' };

/** Parses argv (without node and script) into a command; every mistake is a UsageError with the reason. */
export function parseCommand(argv: string[]): Command {
  const [noun, verb, ...rest] = argv;
  if (noun === 'migrate' && verb === undefined) return { kind: 'migrate' };
  const key = `${noun ?? ''} ${verb ?? ''}`.trim();
  switch (key) {
    case 'company create': {
      const { flags } = parseFlags(rest, Object.keys(COMPANY_FLAGS), 0);
      if (!flags.name?.trim()) throw new UsageError('company create: --name é obrigatório');
      return { kind: 'company.create', settings: { ...companySettings(flags), name: flags.name } };
    }
    case 'company update': {
      const { flags, positional } = parseFlags(rest, Object.keys(COMPANY_FLAGS), 1);
      const id = positional[0];
      if (!id || !isUuid(id)) throw new UsageError(`company update: informe o id (uuid) da empresa${id ? `; "${id}" não é um uuid` : ''}`);
      if (Object.keys(flags).length === 0) throw new UsageError('company update: nada para alterar; passe ao menos uma opção');
      return { kind: 'company.update', id, settings: companySettings(flags) };
    }
    case 'admin create': {
      const { flags } = parseFlags(rest, ['company', 'email', 'password', 'name'], 0);
      const companyId = requireUuid(flags, 'company', 'admin create');
      if (!flags.email) throw new UsageError('admin create: --email é obrigatório');
      if (!flags.password) throw new UsageError('admin create: --password é obrigatório');
      return { kind: 'admin.create', companyId, email: flags.email, password: flags.password, name: flags.name };
    }
    case 'apikey create': {
      const { flags } = parseFlags(rest, ['company', 'scope', 'name'], 0);
      const companyId = requireUuid(flags, 'company', 'apikey create');
      const scope = flags.scope ?? 'read';
      if (scope !== 'read' && scope !== 'write') throw new UsageError(`apikey create: --scope deve ser read ou write (recebido "${scope}")`);
      return { kind: 'apikey.create', companyId, scope, name: flags.name };
    }
    case 'apikey list': {
      const { flags } = parseFlags(rest, ['company'], 0);
      return { kind: 'apikey.list', companyId: requireUuid(flags, 'company', 'apikey list') };
    }
    case 'apikey revoke': {
      const { positional } = parseFlags(rest, [], 1);
      const id = positional[0];
      if (!id || !isUuid(id)) throw new UsageError(`apikey revoke: informe o id (uuid) da chave${id ? `; "${id}" não é um uuid` : ''}`);
      return { kind: 'apikey.revoke', id };
    }
    case 'service sync':
    case 'service list': {
      const { flags } = parseFlags(rest, ['company'], 0);
      return { kind: verb === 'sync' ? 'service.sync' : 'service.list', companyId: requireUuid(flags, 'company', key) };
    }
    default:
      throw new UsageError(argv.length ? `comando desconhecido: "${argv.join(' ')}"` : 'nenhum comando informado');
  }
}

function parseFlags(args: string[], allowed: string[], positionals: number) {
  const flags: Record<string, string> = {};
  const positional: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (!arg.startsWith('--')) {
      positional.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    const name = eq > 0 ? arg.slice(2, eq) : arg.slice(2);
    if (!allowed.includes(name)) throw new UsageError(`opção desconhecida: --${name} (válidas: ${allowed.map((a) => `--${a}`).join(', ')})`);
    if (name in flags) throw new UsageError(`opção repetida: --${name}`);
    const value = eq > 0 ? arg.slice(eq + 1) : args[++i];
    if (value === undefined || (eq < 0 && value.startsWith('--'))) throw new UsageError(`a opção --${name} precisa de um valor`);
    flags[name] = value;
  }
  if (positional.length > positionals) throw new UsageError(`argumento inesperado: "${positional[positionals]}"`);
  return { flags, positional };
}

function companySettings(flags: Record<string, string>): CompanySettings {
  const settings: CompanySettings = {};
  for (const [flag, value] of Object.entries(flags)) {
    const field = COMPANY_FLAGS[flag as keyof typeof COMPANY_FLAGS];
    if (field === 'calEventTypeId') {
      if (!/^\d+$/.test(value) || Number(value) <= 0) throw new UsageError(`--cal-event-type-id deve ser um inteiro positivo (recebido "${value}")`);
      settings.calEventTypeId = Number(value);
    } else if (field === 'whatsappProvider') {
      const provider = WHATSAPP_PROVIDER_NAMES.get(value.trim().toLowerCase());
      if (!provider) throw new UsageError(`--whatsapp-provider deve ser whaticket, evolution ou cloud (recebido "${value}")`);
      settings.whatsappProvider = provider;
    } else if (field === 'evolutionApiVersion') {
      if (value !== '1' && value !== '2') throw new UsageError(`--evolution-api-version deve ser 1 ou 2 (recebido "${value}")`);
      settings.evolutionApiVersion = Number(value);
    } else if (field === 'reminderOffsetsMinutes') {
      settings.reminderOffsetsMinutes = reminderOffsets(value);
    } else if (field === 'quietHours') {
      Object.assign(settings, quietHours(value));
    } else {
      settings[field] = value;
    }
  }
  return settings;
}

/** "1440,120" → [1440, 120]; "" → [] (reminders off). Range checks are the service's. */
function reminderOffsets(value: string): number[] {
  const parts = value.split(',').map((p) => p.trim()).filter(Boolean);
  for (const part of parts) {
    if (!/^\d+$/.test(part)) throw new UsageError(`--reminder-offsets: use minutos separados por vírgula, ex.: 1440,120 (recebido "${value}")`);
  }
  return parts.map(Number);
}

/** "21:00-08:00" → start and end; "" → both empty (no quiet hours). Format checks are the service's. */
function quietHours(value: string): { quietHoursStart: string; quietHoursEnd: string } {
  if (!value.trim()) return { quietHoursStart: '', quietHoursEnd: '' };
  const match = /^\s*([^-\s]+)\s*-\s*([^-\s]+)\s*$/.exec(value);
  if (!match) throw new UsageError(`--quiet-hours: use início-fim, ex.: 21:00-08:00 (recebido "${value}")`);
  return { quietHoursStart: match[1]!, quietHoursEnd: match[2]! };
}

function requireUuid(flags: Record<string, string>, name: string, command: string): string {
  const value = flags[name];
  if (!value) throw new UsageError(`${command}: --${name} é obrigatório`);
  if (!isUuid(value)) throw new UsageError(`${command}: --${name} deve ser um uuid (recebido "${value}")`);
  return value;
}

export async function runCommand(command: Command, config: Config): Promise<Record<string, unknown>> {
  const db = await resolveDatabase(config, () => {});
  const orm = await openOrm(db.url, 2);
  // One guard for every tenant URL this command checks or calls; its connection pool closes with it.
  const outbound = new OutboundGuard(config.outboundAllowedHosts);
  try {
    const applied = await migrate(orm);
    const em = orm.em.fork();
    const companies = new CompanyService(new SecretBox(config.appSecret), outbound);
    const auth = new AuthService();
    switch (command.kind) {
      case 'migrate':
        return { applied };
      case 'company.create': {
        const { company, inboundToken } = await companies.create(em, command.settings);
        return { id: company.id, whaticketInboundToken: inboundToken };
      }
      case 'company.update': {
        const company = await companies.update(em, command.id, command.settings, SYSTEM_ACTOR);
        return { id: company.id };
      }
      case 'admin.create': {
        await requireCompany(companies, em, command.companyId);
        const user = await auth.createAdmin(em, command);
        return { id: user.id };
      }
      case 'apikey.create': {
        await requireCompany(companies, em, command.companyId);
        const { key, token } = await auth.createApiKey(em, command);
        return { id: key.id, key: token };
      }
      case 'apikey.list': {
        await requireCompany(companies, em, command.companyId);
        const keys = await auth.listApiKeys(em, command.companyId, { includeRevoked: true });
        return {
          keys: keys.map((k) => ({ id: k.id, name: k.name, scope: k.scope, prefix: k.prefix, createdAt: k.createdAt, lastUsedAt: k.lastUsedAt, revokedAt: k.revokedAt })),
        };
      }
      case 'service.sync':
      case 'service.list': {
        await requireCompany(companies, em, command.companyId);
        const metrics = createMetrics();
        const catalog = new ServiceCatalog(companies, new CalcomGateway({ metrics, config, outbound }), metrics);
        const { services, defaultEventTypeId } =
          command.kind === 'service.sync'
            ? await catalog.syncCompany(em, command.companyId, SYSTEM_ACTOR)
            : await catalog.list(em, { companyId: command.companyId });
        return { services: services.map((s) => mapService(s, defaultEventTypeId)) };
      }
      case 'apikey.revoke': {
        // Every running instance is told (NOTIFY) and stops accepting the key within moments.
        if (!(await auth.revokeApiKey(em, undefined, command.id))) throw domainError('API_KEY_NOT_FOUND', { id: command.id });
        return { id: command.id, revoked: true };
      }
    }
  } finally {
    await outbound.close();
    await orm.close(true);
    await db.stop();
  }
}

async function requireCompany(companies: CompanyService, em: Parameters<CompanyService['integrations']>[0], id: string) {
  if (!(await companies.integrations(em, id))) throw domainError('COMPANY_ID_NOT_FOUND', { id });
}

async function main(): Promise<void> {
  let command: Command;
  try {
    command = parseCommand(process.argv.slice(2));
  } catch (error) {
    if (error instanceof UsageError) {
      console.error(`Erro: ${error.message}\n\n${USAGE}`);
      process.exit(64); // EX_USAGE
    }
    throw error;
  }
  try {
    const result = await runCommand(command, loadConfig());
    process.stdout.write(JSON.stringify(result) + '\n');
  } catch (error) {
    if (error instanceof ConfigError || error instanceof DomainError) {
      console.error(`Erro: ${error.message}`);
      process.exit(error instanceof ConfigError ? 78 : 65);
    }
    console.error(error);
    process.exit(70);
  }
}

if (process.argv[1] && import.meta.url === new URL(`file://${process.argv[1]}`).href) {
  await main();
}
