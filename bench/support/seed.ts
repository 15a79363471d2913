import 'reflect-metadata';
import { AuthService } from '../../server/auth/auth.service.js';
import { OutboundGuard } from '../../server/platform/outbound-guard.js';
import { CompanyService, type CompanySettings } from '../../server/companies/company.service.js';
import { SecretBox } from '../../server/companies/secret-box.js';
import { migrate } from '../../server/platform/database.js';
import { openOrm } from '../../server/wiring/database.js';
import { withClient } from './cluster.js';

/** The server processes of the bench share this secret, so the seeded company secrets decrypt. */
export const BENCH_APP_SECRET = 'bench-secret-bench-secret-bench-secret-0123456789';
export const WEBHOOK_SECRET = 'segredo-do-webhook-bench';

export interface SeededCompany {
  id: string;
  name: string;
  inboundToken: string;
  readKey: string;
  writeKey: string;
}

/**
 * Applies the product's migrations to `url` and creates `count` companies (with a webhook secret and
 * API keys) through the product's own services, as the CLI does.
 */
export async function seedCompanies(url: string, count: number, settings: CompanySettings = {}, firstNumber = 1): Promise<SeededCompany[]> {
  const orm = await openOrm(url, 4);
  try {
    await migrate(orm);
    // The bench's fakes listen on loopback.
    const companies = new CompanyService(new SecretBox(BENCH_APP_SECRET), new OutboundGuard([{ host: '127.0.0.1', port: undefined }]));
    const auth = new AuthService();
    const seeded: SeededCompany[] = [];
    for (let i = 0; i < count; i++) {
      const em = orm.em.fork();
      const name = `Empresa ${String(i + firstNumber).padStart(2, '0')}`;
      const { company, inboundToken } = await companies.create(em, { calWebhookSecret: WEBHOOK_SECRET, ...settings, name });
      const read = await auth.createApiKey(em, { companyId: company.id, scope: 'read', name: 'bench-read' });
      const write = await auth.createApiKey(em, { companyId: company.id, scope: 'write', name: 'bench-write' });
      seeded.push({ id: company.id, name, inboundToken, readKey: read.token, writeKey: write.token });
    }
    return seeded;
  } finally {
    await orm.close(true);
  }
}

/** End of the generated history; the list benchmark's window is the 14 days before it. */
export const HISTORY_END = new Date('2030-07-01T00:00:00.000Z');
/** One appointment every 90 minutes per company: the same density whatever the table size. */
export const SPACING_MINUTES = 90;

/**
 * Bulk-loads `perCompany` appointments for each company with one INSERT … SELECT over
 * generate_series (not the ORM), ending at HISTORY_END, 10% cancelled, then VACUUM ANALYZE so the
 * planner and the visibility map see the real table.
 */
export async function loadAppointments(url: string, companyIds: string[], perCompany: number): Promise<{ rows: number; seconds: number }> {
  const started = performance.now();
  await withClient(url, async (client) => {
    await client.query(
      `insert into appointments (id, company_id, status, title, start_at, end_at, client_name, client_phone, client_email,
                                 meeting_url, source, cal_booking_uid, cal_booking_id, search_text, created_at, updated_at)
       select gen_random_uuid(), c.id,
              case when k % 10 = 0 then 'CANCELLED' else 'CONFIRMED' end,
              'Reunião com Cliente ' || k,
              $2::timestamptz - ($3::int - k) * make_interval(mins => $4::int),
              $2::timestamptz - ($3::int - k) * make_interval(mins => $4::int) + interval '30 minutes',
              'Cliente ' || k,
              '55119' || lpad((k % 100000000)::text, 8, '0'),
              'cliente' || k || '@example.com',
              'https://app.cal.com/video/bench-' || c.n || '-' || k,
              'CALCOM',
              'bench-' || c.n || '-' || k,
              k,
              'cliente ' || k || ' 55119' || lpad((k % 100000000)::text, 8, '0') || ' cliente' || k || '@example.com',
              now(), now()
         from unnest($1::uuid[]) with ordinality as c(id, n)
        cross join generate_series(0, $3::int - 1) as k`,
      [companyIds, HISTORY_END.toISOString(), perCompany, SPACING_MINUTES],
    );
    await client.query('vacuum analyze appointments');
  });
  return { rows: companyIds.length * perCompany, seconds: (performance.now() - started) / 1000 };
}
