import 'reflect-metadata';
import { readFileSync } from 'node:fs';
import pg from 'pg';
import { APPOINTMENT_VIEW_COLUMNS, appointmentTupleSql, epochMsSql } from '../server/appointments/appointment.types.js';
import { WINDOW } from './list.bench.js';
import { startCluster } from './support/cluster.js';
import { loadAppointments, seedCompanies } from './support/seed.js';

/**
 * PostgreSQL's CPU for one list page, statement by statement, without Node or HTTP in the way:
 * `node dist/bench/page-statement.js`. One connection runs each variant as a named prepared
 * statement (`force_generic_plan`, as rawRead does) PAGE_RUNS times (3,000) per round, PAGE_ROUNDS
 * rounds (3), and reads the backend's CPU time from /proc. PAGE_ROWS rows per company (500, 20
 * companies); the date filter of the list benchmark. The variants are the ones measured in
 * bench/results.md (seventh pass): the product's tuple, the floor's plain rows, and the encodings
 * that were tried instead.
 */
const perCompany = Number(process.env.PAGE_ROWS ?? 500);
const runs = Number(process.env.PAGE_RUNS ?? 3000);
const rounds = Number(process.env.PAGE_ROUNDS ?? 3);

const TIMESTAMPS = new Set(['start_at', 'end_at', 'created_at', 'updated_at']);
const FLOOR_COLUMNS = ['id', 'status', 'title', 'start_at', 'end_at', 'client_name', 'client_phone', 'client_email', 'meeting_url', 'source', 'cal_booking_uid', 'cancellation_reason', 'created_at', 'updated_at'];
const where = 'company_id = $1 and start_at >= $2 and start_at < $3';
const page = `from (select ${[...APPOINTMENT_VIEW_COLUMNS, 'company_id'].join(', ')} from appointments where ${where} order by start_at, id limit $4) p`;
const columns = (timestamp: (c: string) => string) => APPOINTMENT_VIEW_COLUMNS.map((c) => (TIMESTAMPS.has(c) ? timestamp(`p.${c}`) : `p.${c}`));
const numericEpoch = (c: string) => `floor(extract(epoch from ${c}) * 1000)::int8`;

const VARIANTS: Record<string, string> = {
  'product: json_agg(array[…]::text[])': `select coalesce(json_agg(array[${appointmentTupleSql('p')}, 'false'] order by p.start_at, p.id), '[]') as rows ${page}`,
  'floor: the 14 columns as rows': `select ${FLOOR_COLUMNS.join(', ')} from appointments where ${where} order by start_at, id limit $4`,
  'json_build_array, extract (numeric)': `select coalesce(json_agg(json_build_array(${columns(numericEpoch).join(', ')}, false) order by p.start_at, p.id), '[]') as rows ${page}`,
  'json_build_array, date_part (float8)': `select coalesce(json_agg(json_build_array(${columns(epochMsSql).join(', ')}, false) order by p.start_at, p.id), '[]') as rows ${page}`,
  'json_build_array, timestamptz': `select coalesce(json_agg(json_build_array(${columns((c) => c).join(', ')}, false) order by p.start_at, p.id), '[]') as rows ${page}`,
  'array_agg(array[…]::text[])': `select array_agg(array[${appointmentTupleSql('p')}, 'false'] order by p.start_at, p.id) as rows ${page}`,
  'json_agg of the row': `select coalesce(json_agg(q order by q.start_at, q.id), '[]') as rows from (select ${columns(epochMsSql).map((e, i) => `${e} as ${APPOINTMENT_VIEW_COLUMNS[i]}`).join(', ')} ${page}) q`,
  'string_agg with separators (unsafe)': `select string_agg(concat_ws(chr(31), ${columns(epochMsSql).join(', ')}), chr(30) order by p.start_at, p.id) as rows ${page}`,
};

const cluster = await startCluster();
try {
  const url = await cluster.createDatabase('bench_page_statement');
  const companies = await seedCompanies(url, 20);
  await loadAppointments(url, companies.map((c) => c.id), perCompany);
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query('set plan_cache_mode = force_generic_plan');
    const pid = (await client.query<{ pid: number }>('select pg_backend_pid() as pid')).rows[0]!.pid;
    const ticks = 1000 / 100; // ms per clock tick (USER_HZ is 100 on Linux)
    const cpuMs = () => {
      const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
      return (Number(fields[11]) + Number(fields[12])) * ticks;
    };
    const values = [companies[7]!.id, WINDOW.from, WINDOW.to, 51];
    const measured: Record<string, number[]> = {};
    for (let round = 0; round < rounds; round++) {
      for (const [label, text] of Object.entries(VARIANTS)) {
        const query = { name: `page_${Object.keys(VARIANTS).indexOf(label)}`, text, values };
        for (let i = 0; i < 200; i++) await client.query(query);
        const before = cpuMs();
        for (let i = 0; i < runs; i++) await client.query(query);
        (measured[label] ??= []).push((cpuMs() - before) / runs);
      }
    }
    console.log(`PostgreSQL backend CPU per statement (ms), ${runs} runs × ${rounds} rounds, ${perCompany * 20} rows:`);
    for (const [label, ms] of Object.entries(measured)) console.log(`${label.padEnd(40)} ${ms.map((m) => m.toFixed(3)).join('  ')}`);
  } finally {
    await client.end();
  }
} finally {
  await cluster.stop();
}
