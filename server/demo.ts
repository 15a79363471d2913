import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CalcomSandbox, DEFAULT_API_KEY, DEFAULT_EVENT_TYPE_ID } from '../test/fakes/calcom-sandbox.js';
import { WhaticketSandbox } from '../test/fakes/whaticket-sandbox.js';
import { startApp } from './app.js';
import { Company } from './companies/company.entity.js';
import { loadConfig } from './config.js';

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

  const cal = new CalcomSandbox({ minimumNoticeMinutes: 60 });
  const calcom = await cal.start({ port: Number(process.env.DEMO_CALCOM_PORT ?? 0) });
  const whaticket = new WhaticketSandbox({ tokens: [state.whaticketToken] });
  const wt = await whaticket.start({ port: Number(process.env.DEMO_WHATICKET_PORT ?? 0) });

  // The sandboxes listen on loopback: allowed past the outbound guard (their ports only), as an
  // operator would list a self-hosted Cal.com in OUTBOUND_ALLOWED_HOSTS.
  const sandboxHosts = [calcom.url, wt.url].map((u) => ({ host: new URL(u).hostname, port: Number(new URL(u).port) }));
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
  };
  let inboundToken: string | undefined;
  if (state.companyId && (await em.findOne(Company, { id: state.companyId }))) {
    // Sandboxes get new ports on every run: point the company at them again.
    await app.services.companies.update(em, state.companyId, settings, { type: 'SYSTEM', id: null, label: 'demo' });
  } else {
    const created = await app.services.companies.create(em, { name: 'Clínica Demonstração', ...settings });
    state.companyId = created.company.id;
    inboundToken = created.inboundToken;
    await app.services.auth.createAdmin(em, { companyId: state.companyId, email: state.email, password: state.password, name: 'Administrador' });
    writeState(config.dataDir, state);
  }
  cal.tenant().webhook = { url: `${app.url}/api/agenda/webhook/cal`, secret: state.webhookSecret, companyId: state.companyId };
  seedBookings(cal);

  console.log(`
  Secretaria Virtual — demonstração
  ─────────────────────────────────
  Painel:        ${app.url}
  E-mail:        ${state.email}
  Senha:         ${state.password}
  Empresa (id):  ${state.companyId}
  Cal.com (sandbox):   ${calcom.url}
  Whaticket (sandbox): ${wt.url}${inboundToken ? `\n  Token de entrada do Whaticket: ${inboundToken}` : ''}

  Experimente a aba "Simulador WhatsApp": "quero marcar reunião amanhã à tarde", depois "1".
  Ctrl+C encerra.
`);

  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    await app.close();
    await cal.stop();
    await whaticket.stop();
    process.exit(0);
  };
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.removeAllListeners(signal);
    process.on(signal, () => void stop());
  }
}

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
