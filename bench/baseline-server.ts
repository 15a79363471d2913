import Fastify from 'fastify';
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import pg from 'pg';

/**
 * The baselines of the benchmarks: bare Fastify routes doing the same database work as the product
 * with plain `pg` and nothing else (no auth, GraphQL, ORM, logging, metrics or security headers).
 * Same pool size as the product's ORM (10). Run as its own process, like the server.
 */
const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: 10 });
const secret = process.env.WEBHOOK_SECRET ?? '';
const app = Fastify({ logger: false, bodyLimit: 1024 * 1024 });

await pool.query(`create table if not exists bench_webhook_rows (id bigserial primary key, company_id uuid not null, body_hash text not null, received_at timestamptz not null default now())`);
await pool.query(`create table if not exists bench_inbound_rows (id bigserial primary key, company_id uuid not null, message_id text not null, body jsonb not null, received_at timestamptz not null default now())`);

app.get('/healthz', async () => ({ ok: true }));

/** The two statements of AppointmentService.list (count + page), mapped to the GraphQL shape. */
app.get<{ Querystring: { company: string; from: string; to: string; first?: string } }>('/list', async (req) => {
  const { company, from, to } = req.query;
  const first = Number(req.query.first ?? 50);
  const where = 'company_id = $1 and start_at >= $2 and start_at < $3';
  const count = await pool.query<{ n: string }>(`select count(*) as n from appointments where ${where}`, [company, from, to]);
  const rows = await pool.query(`select * from appointments where ${where} order by start_at, id limit $4`, [company, from, to, first + 1]);
  const edges = rows.rows.slice(0, first).map((r) => ({
    cursor: Buffer.from(`${(r.start_at as Date).toISOString()}|${r.id}`).toString('base64url'),
    node: {
      id: r.id, status: r.status, title: r.title, startAt: r.start_at, endAt: r.end_at, clientName: r.client_name,
      clientPhone: r.client_phone, clientEmail: r.client_email, meetingUrl: r.meeting_url, source: r.source,
      calBookingUid: r.cal_booking_uid, cancellationReason: r.cancellation_reason, createdAt: r.created_at, updatedAt: r.updated_at,
    },
  }));
  return {
    data: {
      appointments: {
        totalCount: Number(count.rows[0]!.n),
        pageInfo: { hasNextPage: rows.rows.length > first, endCursor: edges.at(-1)?.cursor ?? null },
        edges,
      },
    },
  };
});

/** Verifies the Cal.com HMAC over the raw body and inserts one row. */
await app.register(async (scope) => {
  scope.removeAllContentTypeParsers();
  scope.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));
  scope.post('/webhook', async (req, reply) => {
    const raw = req.body as Buffer;
    const company = req.headers['x-cal-company'];
    const given = Buffer.from(String(req.headers['x-cal-signature-256'] ?? ''));
    const expected = Buffer.from(createHmac('sha256', secret).update(raw).digest('hex'));
    if (typeof company !== 'string' || given.length !== expected.length || !timingSafeEqual(given, expected)) {
      return reply.code(401).send({ error: 'assinatura inválida' });
    }
    await pool.query('insert into bench_webhook_rows (company_id, body_hash) values ($1, $2)', [company, createHash('sha256').update(raw).digest('hex')]);
    return { ok: true };
  });
});

/** Inserts the inbound message as one row. */
app.post<{ Params: { companyId: string }; Body: Record<string, unknown> }>('/inbound/:companyId', async (req) => {
  const messageId = String(req.body.messageId ?? (req.body.key as { id?: string } | undefined)?.id ?? '');
  await pool.query('insert into bench_inbound_rows (company_id, message_id, body) values ($1, $2, $3)', [req.params.companyId, messageId, req.body]);
  return { ok: true };
});

await app.listen({ port: Number(process.env.PORT ?? 0), host: '127.0.0.1' });
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.on(signal, () => {
    void app.close().then(() => pool.end()).then(() => process.exit(0));
  });
}
