import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CalcomSandbox, DEFAULT_API_KEY, DEFAULT_EVENT_TYPE_ID, type SandboxTenantOptions } from '../test/fakes/calcom-sandbox.js';
import { DEFAULT_GLOBAL_KEY, EvolutionSandbox } from '../test/fakes/evolution-sandbox.js';
import { GraphApiSandbox } from '../test/fakes/graph-api-sandbox.js';
import { WhaticketSandbox } from '../test/fakes/whaticket-sandbox.js';
import { startApp } from './app.js';
import { SYSTEM_ACTOR } from './audit/audit.service.js';
import { Company } from './companies/company.entity.js';
import type { CompanySettings } from './companies/company.service.js';
import { WHATSAPP_PROVIDER_NAMES, type WhatsappProviderId } from './companies/whatsapp-provider.js';
import { loadConfig } from './config.js';

/**
 * A WhatsApp provider sandbox for the demo (`DEMO_WHATSAPP_PROVIDER`): started on its own port, it
 * gives the company settings that point at it, and may need our inbound URL and token once they are
 * known (Evolution's webhook), or our webhook URL (the Cloud API's Graph sandbox).
 */
interface DemoProvider {
  name: string;
  url: string;
  settings: CompanySettings;
  /** Points the sandbox at our inbound route (when it posts there itself). */
  connect?(inboundUrl: string, inboundToken: string): Promise<void>;
  /** Points the sandbox at our webhook when it authenticates itself (Cloud API: app secret, verify token). */
  subscribe?(ourUrl: string, companyId: string): Promise<void>;
  stop(): Promise<void>;
}

/** The demo business number's id in the Graph API sandbox. */
const DEMO_PHONE_NUMBER_ID = '100000000000001';

async function startDemoProvider(provider: WhatsappProviderId): Promise<DemoProvider> {
  if (provider === 'EVOLUTION') {
    const evolution = new EvolutionSandbox({ instances: [{ name: 'demo' }] });
    const { url } = await evolution.start({ port: Number(process.env.DEMO_EVOLUTION_PORT ?? 0) });
    return {
      name: 'Evolution API',
      url,
      settings: { whatsappProvider: 'EVOLUTION', evolutionUrl: url, evolutionApiKey: DEFAULT_GLOBAL_KEY, evolutionInstance: 'demo', evolutionApiVersion: 2 },
      // The webhook the panel tells an admin to set, set here with the token when the demo knows it.
      connect: async (inboundUrl, inboundToken) => {
        const webhook = { enabled: true, url: inboundUrl, headers: { authorization: `Bearer ${inboundToken}` }, byEvents: false, base64: false, events: ['MESSAGES_UPSERT', 'MESSAGES_UPDATE'] };
        await fetch(`${url}/webhook/set/demo`, { method: 'POST', headers: { 'content-type': 'application/json', apikey: DEFAULT_GLOBAL_KEY }, body: JSON.stringify({ webhook }) });
      },
      stop: () => evolution.stop(),
    };
  }
  if (provider === 'CLOUD_API') {
    // Meta's side, faked: one business number, an approved reminder template, statuses after each send.
    const phoneNumberId = DEMO_PHONE_NUMBER_ID;
    const keys = { accessToken: `EAAG-demo-${randomBytes(12).toString('base64url')}`, appSecret: randomBytes(16).toString('hex'), verifyToken: randomBytes(12).toString('base64url') };
    const graph = new GraphApiSandbox({
      phoneNumbers: [{ id: phoneNumberId, accessToken: keys.accessToken, displayPhoneNumber: '+55 11 4000-0000', verifiedName: 'Clínica Demonstração' }],
      templates: [{ name: 'lembrete_consulta', language: 'pt_BR', bodyParameters: 3 }],
      autoStatuses: true,
    });
    const { url } = await graph.start({ port: Number(process.env.DEMO_GRAPH_API_PORT ?? 0) });
    return {
      name: 'WhatsApp Cloud API',
      url,
      settings: {
        whatsappProvider: 'CLOUD_API',
        cloudApiUrl: url,
        cloudApiVersion: 'v23.0',
        cloudPhoneNumberId: phoneNumberId,
        cloudAccessToken: keys.accessToken,
        cloudAppSecret: keys.appSecret,
        cloudVerifyToken: keys.verifyToken,
        cloudReminderTemplate: 'lembrete_consulta',
        cloudTemplateLanguage: 'pt_BR',
      },
      // What an admin does in the Meta app: callback URL, verify token ("Verificar e salvar").
      subscribe: async (ourUrl, companyId) => {
        graph.subscribe(phoneNumberId, { callbackUrl: `${ourUrl}/api/whatsapp/cloud/${companyId}`, appSecret: keys.appSecret, verifyToken: keys.verifyToken });
        const verified = await graph.verifyWebhook(phoneNumberId);
        if (verified.status !== 200) throw new Error(`Cloud API sandbox: verificação do webhook respondeu ${verified.status}`);
      },
      stop: () => graph.stop(),
    };
  }
  return { name: 'Whaticket', url: '', settings: { whatsappProvider: 'WHATICKET' }, stop: async () => {} };
}

interface DemoState {
  companyId: string;
  email: string;
  password: string;
  webhookSecret: string;
  whaticketToken: string;
}

/**
 * `npm run demo`: the whole product on one machine. Embedded PostgreSQL, the Cal.com and Whaticket
 * sandboxes (the same fakes the tests use), and a demo company whose admin can log in at once.
 */
async function main(): Promise<void> {
  const loaded = loadConfig();
  const whaticketToken = 'whaticket-demo-token';
  const state = readState(loaded.dataDir) ?? {
    companyId: '',
    email: 'admin@demo.secretaria.dev',
    password: randomBytes(6).toString('base64url'),
    webhookSecret: randomBytes(18).toString('base64url'),
    whaticketToken,
  };

  const choice = (process.env.DEMO_WHATSAPP_PROVIDER ?? 'whaticket').trim().toLowerCase();
  const providerId = WHATSAPP_PROVIDER_NAMES.get(choice);
  if (!providerId) throw new Error(`DEMO_WHATSAPP_PROVIDER deve ser whaticket, evolution ou cloud (recebido "${choice}").`);
  const provider = await startDemoProvider(providerId);

  const cal = new CalcomSandbox({ minimumNoticeMinutes: 60, tenants: [DEMO_CALENDAR] });
  const calcom = await cal.start({ port: Number(process.env.DEMO_CALCOM_PORT ?? 0) });
  const whaticket = new WhaticketSandbox({ tokens: [state.whaticketToken] });
  const wt = await whaticket.start({ port: Number(process.env.DEMO_WHATICKET_PORT ?? 0) });

  // The sandboxes listen on loopback: allowed past the outbound guard (their ports only), as an
  // operator would list a self-hosted Cal.com in OUTBOUND_ALLOWED_HOSTS.
  const sandboxHosts = [calcom.url, wt.url, ...(provider.url ? [provider.url] : [])].map((u) => ({ host: new URL(u).hostname, port: Number(new URL(u).port) }));
  const config = { ...loaded, role: 'all' as const, outboundAllowedHosts: [...loaded.outboundAllowedHosts, ...sandboxHosts] };
  const app = await startApp(config);
  const em = app.orm.em.fork();
  const settings = {
    calApiUrl: calcom.url,
    calApiKey: DEFAULT_API_KEY,
    calEventTypeId: DEFAULT_EVENT_TYPE_ID,
    calWebhookSecret: state.webhookSecret,
    whaticketUrl: wt.url,
    whaticketToken: state.whaticketToken,
    ...provider.settings,
  };
  let inboundToken: string | undefined;
  if (state.companyId && (await em.findOne(Company, { id: state.companyId }))) {
    // Sandboxes get new ports on every run: point the company at them again.
    await app.services.companies.update(em, state.companyId, settings, { type: 'SYSTEM', id: null, label: 'demo' });
  } else {
    const created = await app.services.companies.create(em, { ...settings, name: 'Clínica Demonstração' });
    state.companyId = created.company.id;
    inboundToken = created.inboundToken;
    await app.services.auth.createAdmin(em, { companyId: state.companyId, email: state.email, password: state.password, name: 'Administrador' });
    writeState(config.dataDir, state);
  }
  if (provider.connect) {
    // The sandbox starts empty on every run: its webhook needs the token, which only exists hashed.
    inboundToken ??= await app.services.companies.newInboundToken(em, state.companyId, { type: 'SYSTEM', id: null, label: 'demo' });
    await provider.connect(`${app.url}/api/whatsapp/evolution/${state.companyId}`, inboundToken);
  }
  await provider.subscribe?.(app.url!, state.companyId);
  cal.tenant().webhook = { url: `${app.url}/api/agenda/webhook/cal`, secret: state.webhookSecret, companyId: state.companyId };
  // The sandbox's event types become the "Serviços" (as the panel's "Sincronizar com o Cal.com"
  // does), before the seeded bookings' webhooks so that they name their service; names, keywords
  // and "Ativo" edited in the panel stay across runs.
  const { services } = await app.services.catalog.syncCompany(app.orm.em.fork(), state.companyId, SYSTEM_ACTOR);
  seedBookings(cal);

  console.log(`
  Secretaria Virtual — demonstração
  ─────────────────────────────────
  Painel:        ${app.url}
  E-mail:        ${state.email}
  Senha:         ${state.password}
  Empresa (id):  ${state.companyId}
  Cal.com (sandbox):   ${calcom.url}
  Whaticket (sandbox): ${wt.url}${provider.url ? `\n  ${provider.name} (sandbox): ${provider.url}` : ''}
  WhatsApp em uso:     ${provider.name} (DEMO_WHATSAPP_PROVIDER=whaticket|evolution|cloud)${inboundToken ? `\n  Token de entrada do WhatsApp: ${inboundToken}` : ''}
  Serviços ativos:     ${services.filter((s) => s.active).map((s) => `${s.name} (${s.durationMinutes} min${s.hosts.length > 1 ? `, equipe: ${s.hosts.map((h) => h.name).join(' e ')}` : ''})`).join('; ')}

  Experimente a aba "Simulador WhatsApp": "quero marcar uma limpeza amanhã à tarde", depois "1".
  Sem dizer o serviço ("quero marcar amanhã à tarde"), o robô pergunta qual é; "com o Dr. Bruno" escolhe a avaliação.${provider.url && providerId === 'EVOLUTION' ? `
  Ou escreva como um cliente pela Evolution API (sandbox); a conversa aparece no Simulador com o mesmo telefone:
    curl -X POST ${provider.url}/sandbox/receive/demo -H 'apikey: ${DEFAULT_GLOBAL_KEY}' -H 'content-type: application/json' \\
      -d '{"phone":"5511987654321","name":"Ana","text":"quero marcar uma consulta amanhã à tarde"}'` : ''}${provider.url && providerId === 'CLOUD_API' ? `
  Ou escreva como um cliente pela Cloud API (sandbox da Meta; a entrega chega assinada ao webhook):
    curl -X POST ${provider.url}/sandbox/receive/${DEMO_PHONE_NUMBER_ID} -H 'content-type: application/json' \\
      -d '{"phone":"5511987654321","name":"Ana","text":"quero marcar uma consulta amanhã à tarde"}'` : ''}
  Ctrl+C encerra.
`);

  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    await app.close();
    await cal.stop();
    await whaticket.stop();
    await provider.stop();
    process.exit(0);
  };
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.removeAllListeners(signal);
    process.on(signal, () => void stop());
  }
}

/**
 * The demo clinic's Cal.com: three services, Consulta (the company's default event type) and Limpeza
 * run by the account owner, and a team event type with two hosts and its own hours.
 */
const DEMO_CALENDAR = {
  host: { name: 'Dra. Ana Souza' },
  eventTypes: [
    { id: DEFAULT_EVENT_TYPE_ID, title: 'Consulta', slug: 'consulta', lengthInMinutes: 30 },
    { id: DEFAULT_EVENT_TYPE_ID + 1, title: 'Limpeza', slug: 'limpeza', lengthInMinutes: 60 },
    { id: DEFAULT_EVENT_TYPE_ID + 2, title: 'Avaliação ortodôntica', slug: 'avaliacao-ortodontica', lengthInMinutes: 45, teamId: 90, workingHours: { days: [1, 2, 3, 4, 5], start: '13:00', end: '18:00' } },
  ],
  teams: [{ id: 90, name: 'Ortodontia', members: [{ id: 31, name: 'Dr. Bruno Reis' }, { id: 32, name: 'Dra. Carla Dias' }] }],
} satisfies SandboxTenantOptions;

/** A few meetings booked "directly in Cal.com", so the agenda is not empty; they arrive by webhook. */
function seedBookings(cal: CalcomSandbox): void {
  const people = [
    { name: 'Ana Luíza Prado', email: 'ana.prado@example.com', phoneNumber: '+5511987650001' },
    { name: 'João Conceição', email: 'joao.c@example.com', phoneNumber: '+5521976540002' },
    { name: 'Márcia Antunes', email: 'marcia@example.com', phoneNumber: '+5531965430003' },
  ];
  const day = new Date();
  let placed = 0;
  for (let offset = 1; offset < 10 && placed < people.length; offset++) {
    const date = new Date(day.getTime() + offset * 86_400_000);
    if ([0, 6].includes(date.getUTCDay())) continue;
    date.setUTCHours(13 + placed * 2, 0, 0, 0); // 10h, 12h, 14h in São Paulo
    try {
      cal.createBookingDirectly({ start: date, attendee: people[placed]! });
      placed += 1;
    } catch {
      // slot not available in the sandbox hours; try the next day
    }
  }
}

function readState(dataDir: string): DemoState | undefined {
  const file = join(dataDir, 'demo.json');
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as DemoState) : undefined;
}

function writeState(dataDir: string, state: DemoState): void {
  mkdirSync(dataDir, { recursive: true });
  writeFileSync(join(dataDir, 'demo.json'), JSON.stringify(state, null, 2) + '\n', { mode: 0o600 });
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
