import 'reflect-metadata';
import { startApp, type App, type StartOptions } from '../../server/app.js';
import type { CompanySettings } from '../../server/companies/company.service.js';
import type { Config } from '../../server/config.js';
import { createTestDatabase } from './database.js';

export const TEST_APP_SECRET = 'test-secret-test-secret-test-secret-0123456789';

export function testConfig(databaseUrl: string, overrides: Partial<Config> = {}): Config {
  return {
    port: 0,
    host: '127.0.0.1',
    databaseUrl,
    dataDir: '.data-test',
    appSecret: TEST_APP_SECRET,
    role: 'all',
    logLevel: (process.env.TEST_LOG_LEVEL as Config['logLevel']) ?? 'silent',
    production: false,
    publicUrl: undefined,
    calBookingsApiVersion: '2026-02-25',
    corsOrigins: [],
    metricsPort: 0,
    metricsToken: undefined,
    publicMetrics: true,
    metricsListener: false,
    trustProxy: false,
    // The fakes (Cal.com, Whaticket) listen on loopback.
    outboundAllowedHosts: [{ host: '127.0.0.1', port: undefined }, { host: 'localhost', port: undefined }],
    publicRateLimit: 0,
    ...overrides,
  };
}

export interface TestServer {
  app: App;
  url: string;
  databaseUrl: string;
  close(): Promise<void>;
}

/** A real server on a random port, on its own fresh database. */
export async function startTestServer(label: string, overrides: Partial<Config> = {}, options: StartOptions = {}): Promise<TestServer> {
  const db = await createTestDatabase(label);
  const app = await startApp(testConfig(db.url, overrides), options);
  return {
    app,
    url: app.url!,
    databaseUrl: db.url,
    close: async () => {
      await app.close();
      await db.drop();
    },
  };
}

export interface GraphQLResult<T = Record<string, any>> {
  status: number;
  data: T | null;
  errors?: Array<{ message: string; extensions?: { code?: string } & Record<string, unknown> }>;
}

export async function gql<T = Record<string, any>>(url: string, query: string, variables: Record<string, unknown> = {}, token?: string): Promise<GraphQLResult<T>> {
  const response = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await response.json()) as { data?: T; errors?: GraphQLResult['errors'] };
  return { status: response.status, data: body.data ?? null, errors: body.errors };
}

/** Creates a company with an admin (and optional API keys) through the services, like the CLI does. */
export async function seedCompany(app: App, name: string, options: Omit<CompanySettings, 'name'> = {}) {
  const em = app.orm.em.fork();
  const { company, inboundToken } = await app.services.companies.create(em, { name, ...options });
  const email = `admin-${company.id.slice(0, 8)}@example.com`;
  const password = 'senha-segura-123';
  await app.services.auth.createAdmin(em, { companyId: company.id, email, password });
  const read = await app.services.auth.createApiKey(em, { companyId: company.id, scope: 'read', name: 'leitura' });
  const write = await app.services.auth.createApiKey(em, { companyId: company.id, scope: 'write', name: 'escrita' });
  return { company, inboundToken, email, password, readKey: read.token, writeKey: write.token, readKeyId: read.key.id };
}

export async function login(url: string, email: string, password: string): Promise<string> {
  const result = await gql<{ login: { token: string } }>(url, 'mutation($e:String!,$p:String!){login(email:$e,password:$p){token}}', { e: email, p: password });
  if (!result.data) throw new Error(`login failed: ${JSON.stringify(result.errors)}`);
  return result.data.login.token;
}
