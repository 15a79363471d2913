import Fastify from 'fastify';
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import pg from 'pg';

/**
 * The baselines of the benchmarks: bare Fastify routes doing the same database work as the product
 * with plain `pg` and nothing else (no auth, GraphQL, ORM, logging, metrics or security headers).
 * Same pool size as the product's ORM (`ORM_POOL_MAX`, 16; not imported, so this process loads no
 * ORM). Run as its own process, like the server.
 */
const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: 16 });
const secret = process.env.WEBHOOK_SECRET ?? '';
const app = Fastify({ logger: false, bodyLimit: 1024 * 1024 });

await pool.query(`create table if not exists bench_webhook_rows (id bigserial primary key, company_id uuid not null, body_hash text not null, received_at timestamptz not null default now())`);
await pool.query(`create table if not exists bench_inbound_rows (id bigserial primary key, company_id uuid not null, message_id text not null, body jsonb not null, received_at timestamptz not null default now())`);

app.get('/healthz', async () => ({ ok: true }));

/** The columns `LIST_QUERY` selects (bench/list.bench.ts), in its order, and nothing else. */
const PAGE_COLUMNS = 'id, status, title, start_at, end_at, client_name, client_phone, client_email, meeting_url, source, cal_booking_uid, cancellation_reason, created_at, updated_at';

interface ListQuery {
  company: string;
  from?: string;
  to?: string;
  first?: string;
  /** '1': also count the filter, as `totalCount` asks. */
  count?: string;
}

function pageWhere(query: ListQuery): { where: string; params: unknown[] } {
  return query.from && query.to
    ? { where: 'company_id = $1 and start_at >= $2 and start_at < $3', params: [query.company, query.from, query.to] }
    : { where: 'company_id = $1', params: [query.company] };
}

function listAnswer(rows: Array<Record<string, unknown>>, first: number, totalCount: number | undefined) {
  const edges = rows.slice(0, first).map((r) => ({
    cursor: Buffer.from(`${(r.start_at as Date).toISOString()}|${r.id as string}`).toString('base64url'),
    node: {
      id: r.id, status: r.status, title: r.title, startAt: (r.start_at as Date).toISOString(), endAt: (r.end_at as Date).toISOString(), clientName: r.client_name,
      clientPhone: r.client_phone, clientEmail: r.client_email, meetingUrl: r.meeting_url, source: r.source, calBookingUid: r.cal_booking_uid,
      cancellationReason: r.cancellation_reason, createdAt: (r.created_at as Date).toISOString(), updatedAt: (r.updated_at as Date).toISOString(),
    },
  }));
  const pageInfo = { hasNextPage: rows.length > first, endCursor: edges.at(-1)?.cursor ?? null };
  return { data: { appointments: totalCount === undefined ? { pageInfo, edges } : { totalCount, pageInfo, edges } } };
}

/**
 * The floor of the list: one prepared statement selecting only the page's columns (plus, only when
 * `count=1`, a prepared count on another pooled connection at the same time), mapped to the same
 * JSON as the GraphQL answer, byte for byte (the bench checks it).
 */
app.get<{ Querystring: ListQuery }>('/list', async (req) => {
  const first = Number(req.query.first ?? 50);
  const { where, params } = pageWhere(req.query);
  const named = params.length === 3 ? 'range' : 'all';
  const page = pool.query({ name: `page-${named}`, text: `select ${PAGE_COLUMNS} from appointments where ${where} order by start_at, id limit $${params.length + 1}`, values: [...params, first + 1] });
  const count = req.query.count === '1' ? pool.query<{ n: string }>({ name: `count-${named}`, text: `select count(*) as n from appointments where ${where}`, values: params }) : undefined;
  const [rows, counted] = await Promise.all([page, count]);
  return listAnswer(rows.rows, first, counted ? Number(counted.rows[0]!.n) : undefined);
});

/**
 * The previous baseline, kept as a labelled extra line: a replica of an old product version (count
 * and `select *`, two unprepared statements one after the other), not a floor.
 */
app.get<{ Querystring: ListQuery }>('/list-two-statements', async (req) => {
  const first = Number(req.query.first ?? 50);
  const { where, params } = pageWhere(req.query);
  const count = await pool.query<{ n: string }>(`select count(*) as n from appointments where ${where}`, params);
  const rows = await pool.query(`select * from appointments where ${where} order by start_at, id limit $${params.length + 1}`, [...params, first + 1]);
  return listAnswer(rows.rows, first, Number(count.rows[0]!.n));
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

/** companyId → SHA-256 of its inbound token / its Cloud API app secret (the bench passes them). */
const inboundTokenHashes = new Map(Object.entries(JSON.parse(process.env.BENCH_INBOUND_TOKENS ?? '{}') as Record<string, string>).map(([id, token]) => [id, sha256(token)]));
const cloudSecrets = new Map(Object.entries(JSON.parse(process.env.BENCH_CLOUD_SECRETS ?? '{}') as Record<string, string>));

function sha256(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}

/**
 * The Evolution floor: the Bearer token compared (as SHA-256, in constant time, like the product)
 * with the company's, held in memory, then the message inserted as one row.
 */
app.post<{ Params: { companyId: string }; Body: { data?: { key?: { id?: string } } } }>('/inbound-evolution/:companyId', async (req, reply) => {
  const expected = inboundTokenHashes.get(req.params.companyId);
  const auth = req.headers.authorization ?? '';
  if (!expected || !auth.startsWith('Bearer ') || !timingSafeEqual(sha256(auth.slice(7)), expected)) return reply.code(401).send({ error: 'token inválido' });
  await pool.query('insert into bench_inbound_rows (company_id, message_id, body) values ($1, $2, $3)', [req.params.companyId, String(req.body.data?.key?.id ?? ''), req.body]);
  return { ok: true };
});

/**
 * The Cloud API floor: `X-Hub-Signature-256` checked over the raw bytes with the company's app
 * secret (held in memory), the body parsed only then, the first message inserted as one row.
 */
await app.register(async (scope) => {
  scope.removeAllContentTypeParsers();
  scope.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));
  scope.post<{ Params: { companyId: string } }>('/inbound-cloud/:companyId', async (req, reply) => {
    const raw = req.body as Buffer;
    const appSecret = cloudSecrets.get(req.params.companyId);
    const given = Buffer.from(String(req.headers['x-hub-signature-256'] ?? ''));
    const expected = appSecret === undefined ? undefined : Buffer.from(`sha256=${createHmac('sha256', appSecret).update(raw).digest('hex')}`);
    if (!expected || given.length !== expected.length || !timingSafeEqual(given, expected)) return reply.code(401).send({ error: 'assinatura inválida' });
    const body = JSON.parse(raw.toString('utf8')) as { entry?: Array<{ changes?: Array<{ value?: { messages?: Array<{ id?: string }> } }> }> };
    const messageId = String(body.entry?.[0]?.changes?.[0]?.value?.messages?.[0]?.id ?? '');
    await pool.query('insert into bench_inbound_rows (company_id, message_id, body) values ($1, $2, $3)', [req.params.companyId, messageId, body]);
    return { ok: true };
  });
});

await app.listen({ port: Number(process.env.PORT ?? 0), host: '127.0.0.1' });
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.on(signal, () => {
    void app.close().then(() => pool.end()).then(() => process.exit(0));
  });
}
