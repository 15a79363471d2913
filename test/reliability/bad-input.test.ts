import { createHmac, randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { parse } from 'graphql';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type Child } from '../../bench/support/processes.js';
import { seedCompanies, WEBHOOK_SECRET, type SeededCompany } from '../../bench/support/seed.js';
import { createTestDatabase } from '../support/database.js';
import { seedFromEnv } from './support/random.js';
import { envelopeOf, WEBHOOK_PATH } from './support/webhooks.js';

/**
 * At least 5,000 generated malformed requests (fast-check) across the Cal.com webhook, the Whaticket
 * and Evolution API inbound routes, the REST shims and GraphQL, against `node dist/server/main.js` (production mode, ROLE=api). Each
 * answer must be a 4xx with a reason in JSON, the process must stay up, and no row may change
 * (every table compared after every request; api_keys.last_used_at excepted, it is a read stamp).
 */

const SEED = seedFromEnv(8_2026);
const MIB = 1024 * 1024;

type Body = string | Uint8Array;
interface Probe {
  kind: string;
  method: string;
  path: string;
  headers: Record<string, string>;
  /** Built at send time, so fast-check's counterexample stays short for megabyte bodies. */
  body?: Body | { build: () => Body; label: string };
  /** Sign the body built at send time with the company's webhook secret. */
  signAtSend?: boolean;
}

let server: Child;
let db: pg.Client;
let a: SeededCompany;
let b: SeededCompany;
let appointmentId: string;
let baseline: string;
let sent = 0;
const statuses = new Map<string, Map<number, number>>();

// ---- building blocks ------------------------------------------------------------------------------

const printable = (max = 40) => fc.string({ unit: fc.constantFrom(...'abcdefghijklmnopqrstuvwxyzABC0123456789-_.:/+= '.split('')), maxLength: max });
const headerValue = fc.stringMatching(/^[\x21-\x7e]{1,60}$/);
const anyText = fc.oneof(fc.string({ maxLength: 60 }), fc.string({ unit: 'binary', maxLength: 60 }), printable());
const notString = fc.oneof(fc.integer(), fc.double(), fc.boolean(), fc.constant(null), fc.array(fc.integer(), { maxLength: 3 }), fc.dictionary(printable(8), fc.integer(), { maxKeys: 3 }));
const nonObjectJson = fc.oneof(fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true }), fc.boolean(), fc.constant(null), fc.string({ maxLength: 20 }), fc.array(fc.jsonValue({ maxDepth: 2 }), { maxLength: 4 })).map((v) => JSON.stringify(v));
const invalidJson = fc.oneof(
  anyText.filter((t) => !parses(t)),
  fc.constantFrom('{', '{"a":', '[1,2', '{"a":1,}', "{'a':1}", '{"a":undefined}', 'NaN', '{"a":01}', '\u0000', '{"a":"\\x"}'),
  fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v)).filter((t) => t.length > 2).map((t) => t.slice(0, -1)).filter((t) => !parses(t)),
);
/** Byte sequences that are not UTF-8: stray continuation, overlong, surrogate, truncated, 0xFE/0xFF. */
const badBytes = fc.constantFrom([0xff], [0xfe], [0x80], [0xc3, 0x28], [0xc0, 0xaf], [0xe2, 0x28, 0xa1], [0xed, 0xa0, 0x80], [0xf0, 0x28, 0x8c, 0xbc], [0xf8, 0x88, 0x80, 0x80, 0x80], [0xc3]);
/** A JSON text whose string value `marker` is replaced by bytes that are not UTF-8 (everything else valid). */
const withInvalidUtf8 = (json: string, marker: string, bytes: readonly number[]) => {
  const at = json.indexOf(marker);
  return Buffer.concat([Buffer.from(json.slice(0, at)), Buffer.from('ok'), Buffer.from(bytes), Buffer.from(json.slice(at + marker.length))]);
};
const deep = (n: number, kind: 'array' | 'object') => (kind === 'array' ? '['.repeat(n) + ']'.repeat(n) : '{"a":'.repeat(n) + '1' + '}'.repeat(n));
const deepJson = fc.record({ n: fc.integer({ min: 50, max: 100_000 }), kind: fc.constantFrom<'array' | 'object'>('array', 'object') });
const huge = (prefix: string, suffix = '') => fc.integer({ min: 1, max: 64 * 1024 }).map((extra) => ({ label: `${prefix}<${MIB + extra} bytes>${suffix}`, build: () => prefix + 'x'.repeat(MIB + extra) + suffix }));
const hugeString = fc.integer({ min: 300, max: 300_000 }).map((n) => 'y'.repeat(n));
const wrongContentType = fc.constantFrom('application/xml', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'image/png', 'application/octet-stream', 'text/html');
const uuid = fc.uuid();

function parses(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

const sign = (body: Body) => createHmac('sha256', WEBHOOK_SECRET).update(body).digest('hex');

// ---- Cal.com webhook --------------------------------------------------------------------------------

const validEnvelope = () => JSON.stringify(envelopeOf({ trigger: 'BOOKING_CREATED', uid: `bad-${randomUUID()}`, start: new Date(Date.UTC(2034, 0, 2, 12)), at: new Date() }));
const webhookPost = (kind: string, body: Probe['body'], headers: Record<string, string>): Probe => ({ kind, method: 'POST', path: WEBHOOK_PATH, headers, body });
const signedPost = (kind: string, body: Body, contentType = 'application/json') =>
  webhookPost(kind, body, { 'content-type': contentType, 'x-cal-company': a.id, 'x-cal-signature-256': sign(body) });
const bookingPayloadMutations: Array<[string, fc.Arbitrary<Record<string, unknown>>]> = [
  ['payload missing', fc.constant({ payload: undefined })],
  ['payload not an object', notString.map((payload) => ({ payload }))],
  ['uid missing', fc.constant({ uid: undefined })],
  ['uid not a string', notString.map((uid) => ({ uid }))],
  ['uid blank', fc.constantFrom('', '   ', '\t').map((uid) => ({ uid }))],
  ['uid huge', hugeString.map((uid) => ({ uid }))],
  ['startTime invalid', fc.oneof(anyText.filter((t) => Number.isNaN(new Date(t).getTime())), notString).map((startTime) => ({ startTime }))],
  ['endTime invalid', fc.oneof(anyText.filter((t) => Number.isNaN(new Date(t).getTime())), notString).map((endTime) => ({ endTime }))],
  ['end not after start', fc.integer({ min: 0, max: 10_000 }).map((back) => ({ startTime: '2034-01-02T12:00:00Z', endTime: new Date(Date.UTC(2034, 0, 2, 12) - back * 60_000).toISOString() }))],
];

const webhookProbes: fc.Arbitrary<Probe> = fc.oneof(
  fc.record({ body: anyText, ct: fc.option(wrongContentType) }).map(({ body, ct }) => webhookPost('unsigned', body, { 'content-type': ct ?? 'application/json', 'x-cal-company': a.id })),
  fc.record({ sig: fc.oneof(headerValue, fc.stringMatching(/^[0-9a-f]{64}$/), fc.constant('no-secret-provided'), fc.constant(sign('outro corpo'))), header: fc.constantFrom('x-cal-signature-256', 'x-cal-signature') }).map(({ sig, header }) =>
    webhookPost('bad signature', validEnvelope(), { 'content-type': 'application/json', 'x-cal-company': a.id, [header]: sig })),
  fc.constant(null).map(() => {
    const body = validEnvelope();
    return webhookPost("another company's secret", body, { 'content-type': 'application/json', 'x-cal-company': b.id, 'x-cal-signature-256': createHmac('sha256', 'segredo-errado').update(body).digest('hex') });
  }),
  fc.oneof(uuid, headerValue).map((company) => {
    const body = validEnvelope();
    return webhookPost('unknown company', body, { 'content-type': 'application/json', 'x-cal-company': company, 'x-cal-signature-256': sign(body) });
  }),
  fc.constant(null).map(() => {
    const body = validEnvelope();
    return webhookPost('no company header', body, { 'content-type': 'application/json', 'x-cal-signature-256': sign(body) });
  }),
  invalidJson.map((body) => signedPost('invalid JSON (signed)', body)),
  nonObjectJson.map((body) => signedPost('not an object (signed)', body)),
  fc.oneof(fc.constant({}), notString.map((triggerEvent) => ({ triggerEvent })), fc.constantFrom('', '  ').map((triggerEvent) => ({ triggerEvent }))).map((o) => signedPost('bad triggerEvent (signed)', JSON.stringify({ ...o, createdAt: new Date().toISOString() }))),
  fc.oneof(...bookingPayloadMutations.map(([label, patch]) => fc.record({ label: fc.constant(label), patch, trigger: fc.constantFrom('BOOKING_CREATED', 'BOOKING_RESCHEDULED', 'BOOKING_CANCELLED') }))).map(({ label, patch, trigger }) => {
    const envelope = envelopeOf({ trigger, uid: `bad-${randomUUID()}`, start: new Date(Date.UTC(2034, 0, 2, 12)), at: new Date(), rescheduleUid: 'x' }) as unknown as { payload: Record<string, unknown> } & Record<string, unknown>;
    const body = 'payload' in patch && patch.payload !== undefined ? { ...envelope, payload: patch.payload } : 'payload' in patch ? { ...envelope, payload: undefined } : { ...envelope, payload: { ...envelope.payload, ...patch } };
    return signedPost(`booking ${label} (signed)`, JSON.stringify(body));
  }),
  fc.oneof(anyText.filter((t) => Number.isNaN(new Date(t).getTime())), notString).map((createdAt) => signedPost('createdAt invalid (signed)', JSON.stringify({ ...envelopeOf({ trigger: 'BOOKING_CREATED', uid: `bad-${randomUUID()}`, start: new Date(Date.UTC(2034, 0, 2, 12)), at: new Date() }), createdAt }))),
  fc.record({ bytes: badBytes, trigger: fc.constantFrom('PING', 'BOOKING_CREATED') }).map(({ bytes, trigger }) => {
    const json = trigger === 'PING' ? JSON.stringify({ triggerEvent: 'PING', createdAt: new Date().toISOString(), payload: { note: 'MARK' } }) : JSON.stringify(envelopeOf({ trigger: 'BOOKING_CREATED', uid: `bad-${randomUUID()}`, start: new Date(Date.UTC(2034, 0, 2, 12)), at: new Date() })).replace('Carlos Sá', 'MARK');
    return signedPost(`invalid UTF-8 in a ${trigger} (signed)`, withInvalidUtf8(json, 'MARK', bytes));
  }),
  deepJson.map(({ n, kind }) => ({ ...signedPost('deep nesting (signed)', ''), signAtSend: true, body: { label: `deep ${kind} ${n}`, build: () => `{"triggerEvent":"BOOKING_CREATED","createdAt":"2034-01-01T00:00:00Z","payload":${deep(n, kind)}}` } })),
  huge('{"triggerEvent":"PING","pad":"', '"}').map((body) => webhookPost('over 1 MiB', body, { 'content-type': 'application/json', 'x-cal-company': a.id, 'x-cal-signature-256': '0'.repeat(64) })),
  fc.constantFrom('GET', 'PUT', 'DELETE', 'PATCH').map((method) => ({ kind: 'wrong method', method, path: WEBHOOK_PATH, headers: { 'x-cal-company': a.id } })),
);

// ---- Whaticket inbound ------------------------------------------------------------------------------

const inboundPath = (companyId: string) => `/api/whaticket/inbound/${encodeURIComponent(companyId)}`;
const validMessage = () => ({ number: '5511987650000', body: 'quero marcar', messageId: `bad-${randomUUID()}`, name: 'Teste' });
const inbound = (kind: string, body: Probe['body'], headers: Record<string, string> = {}, companyId = a.id): Probe => ({
  kind,
  method: 'POST',
  path: inboundPath(companyId),
  headers: { 'content-type': 'application/json', authorization: `Bearer ${a.inboundToken}`, ...headers },
  body,
});
const invalidJid = fc.record({ user: fc.stringMatching(/^[a-z]{1,12}$/), server: fc.constantFrom('s.whatsapp.net', 'c.us', 'example.org', 'whatsapp.com') }).map(({ user, server }) => `${user}@${server}`);
const baileys = (key: Record<string, unknown>) => ({ key, pushName: 'Teste', message: { conversation: 'oi' } });

const inboundProbes: fc.Arbitrary<Probe> = fc.oneof(
  fc.record({ body: anyText }).map(({ body }) => ({ ...inbound('no token', body), headers: { 'content-type': 'application/json' } })),
  fc.oneof(headerValue.map((t) => `Bearer ${t}`), headerValue.map((t) => `Basic ${t}`), headerValue, fc.constant(null).map(() => `Bearer ${b.inboundToken}`)).map((authorization) => inbound('wrong token', JSON.stringify(validMessage()), { authorization })),
  fc.oneof(uuid, printable(30).filter((s) => s.trim().length > 0)).map((companyId) => inbound('wrong company in the path', JSON.stringify(validMessage()), {}, companyId)),
  fc.constant(null).map(() => inbound('token of another company', JSON.stringify(validMessage()), {}, b.id)),
  invalidJson.filter((t) => t.trim().length > 0).map((body) => inbound('invalid JSON', body)),
  nonObjectJson.map((body) => inbound('not an object', body)),
  fc.dictionary(printable(10).filter((k) => k !== 'key' && k !== 'number' && k !== '__proto__'), fc.jsonValue({ maxDepth: 1 }), { maxKeys: 4 }).map((o) => inbound('unknown shape', JSON.stringify(o))),
  fc.oneof(
    notString.filter((k) => typeof k !== 'object' || k === null || Array.isArray(k)).map((key) => ({ key })),
    fc.oneof(notString, fc.constantFrom('', '   ')).map((remoteJid) => baileys({ remoteJid, id: 'ABC', fromMe: false })),
    invalidJid.map((remoteJid) => baileys({ remoteJid, id: 'ABC', fromMe: false })),
    fc.oneof(notString, fc.constantFrom('', '  '), fc.integer({ min: 201, max: 5000 }).map((n) => 'i'.repeat(n))).map((id) => baileys({ remoteJid: '5511987650000@s.whatsapp.net', id, fromMe: false })),
    fc.constant(baileys({ remoteJid: '5511987650000@s.whatsapp.net', fromMe: false })),
  ).map((body) => inbound('malformed Baileys message', JSON.stringify(body))),
  fc.oneof(
    fc.oneof(fc.constantFrom('', '  ', null), fc.array(fc.integer(), { maxLength: 2 }), fc.stringMatching(/^[a-z]{1,15}$/), fc.boolean()).map((number) => ({ ...validMessage(), number })),
    fc.oneof(fc.constant(undefined), fc.constantFrom('', '  '), fc.integer(), fc.integer({ min: 201, max: 5000 }).map((n) => 'm'.repeat(n))).map((messageId) => ({ ...validMessage(), messageId })),
    fc.oneof(fc.integer(), fc.boolean(), fc.array(fc.string(), { maxLength: 2 }), fc.dictionary(printable(5), fc.string(), { maxKeys: 2 })).map((body) => ({ ...validMessage(), body })),
  ).map((body) => inbound('malformed simple message', JSON.stringify(body))),
  wrongContentType.map((ct) => inbound('wrong content type', JSON.stringify(validMessage()), { 'content-type': ct })),
  fc.constant(null).map(() => inbound('text/plain body', JSON.stringify(validMessage()), { 'content-type': 'text/plain' })),
  fc.constant(null).map(() => {
    const probe = inbound('no content type', new TextEncoder().encode(JSON.stringify(validMessage())));
    delete probe.headers['content-type'];
    return probe;
  }),
  fc.record({ bytes: badBytes, form: fc.constantFrom('simple', 'baileys') }).map(({ bytes, form }) => {
    const message = form === 'simple' ? { ...validMessage(), body: 'MARK' } : baileys({ remoteJid: '5511987650000@s.whatsapp.net', id: `bad-${randomUUID()}`, fromMe: false, x: 'y' });
    const json = JSON.stringify(message).replace('"oi"', '"MARK"');
    return inbound(`invalid UTF-8 in a ${form} message`, withInvalidUtf8(json, 'MARK', bytes));
  }),
  deepJson.map(({ n, kind }) => ({ ...inbound('deep nesting', ''), body: { label: `deep ${kind} ${n}`, build: () => `{"number":${deep(n, kind)},"messageId":"x","body":"oi"}` } })),
  huge('{"number":"5511987650000","messageId":"big","body":"', '"}').map((body) => inbound('over 1 MiB', body)),
);

// ---- Evolution API inbound ------------------------------------------------------------------------

const evolutionPath = (companyId: string) => `/api/whatsapp/evolution/${encodeURIComponent(companyId)}`;
const evolutionUpsert = (data: unknown) => ({ event: 'messages.upsert', instance: 'clinica', data, sender: '5511900000000@s.whatsapp.net', apikey: null });
const validUpsert = () => evolutionUpsert(baileys({ remoteJid: '5511987650000@s.whatsapp.net', id: `bad-${randomUUID()}`, fromMe: false }));
const evolution = (kind: string, body: Probe['body'], headers: Record<string, string> = {}, companyId = a.id): Probe => ({
  kind: `evolution: ${kind}`,
  method: 'POST',
  path: evolutionPath(companyId),
  headers: { 'content-type': 'application/json', authorization: `Bearer ${a.inboundToken}`, ...headers },
  body,
});

const evolutionProbes: fc.Arbitrary<Probe> = fc.oneof(
  fc.record({ body: anyText }).map(({ body }) => ({ ...evolution('no token', body), headers: { 'content-type': 'application/json' } })),
  fc.oneof(headerValue.map((t) => `Bearer ${t}`), headerValue, fc.constant(null).map(() => `Bearer ${b.inboundToken}`)).map((authorization) => evolution('wrong token', JSON.stringify(validUpsert()), { authorization })),
  fc.oneof(uuid, printable(30).filter((s) => s.trim().length > 0 && !s.includes('/'))).map((companyId) => evolution('wrong company in the path', JSON.stringify(validUpsert()), {}, companyId)),
  fc.constant(null).map(() => evolution('token of another company', JSON.stringify(validUpsert()), {}, b.id)),
  invalidJson.filter((t) => t.trim().length > 0).map((body) => evolution('invalid JSON', body)),
  nonObjectJson.map((body) => evolution('not an object', body)),
  fc.dictionary(printable(10).filter((k) => k !== 'event' && k !== '__proto__'), fc.jsonValue({ maxDepth: 1 }), { maxKeys: 4 }).map((o) => evolution('no event', JSON.stringify(o))),
  fc.oneof(fc.constantFrom(null, 'oi', 42, true), fc.constant([])).map((data) => evolution('data not an object', JSON.stringify(evolutionUpsert(data)))),
  fc.oneof(
    fc.oneof(notString, fc.constantFrom('', '   ')).map((remoteJid) => baileys({ remoteJid, id: 'ABC', fromMe: false })),
    invalidJid.map((remoteJid) => baileys({ remoteJid, id: 'ABC', fromMe: false })),
    fc.oneof(notString, fc.constantFrom('', '  '), fc.integer({ min: 201, max: 5000 }).map((n) => 'i'.repeat(n))).map((id) => baileys({ remoteJid: '5511987650000@s.whatsapp.net', id, fromMe: false })),
  ).map((data) => evolution('malformed Baileys message in data', JSON.stringify(evolutionUpsert(data)))),
  wrongContentType.map((ct) => evolution('wrong content type', JSON.stringify(validUpsert()), { 'content-type': ct })),
  fc.record({ bytes: badBytes }).map(({ bytes }) => {
    const json = JSON.stringify(validUpsert()).replace('"oi"', '"MARK"');
    return evolution('invalid UTF-8 in a message', withInvalidUtf8(json, 'MARK', bytes));
  }),
  huge('{"event":"messages.upsert","data":{"key":{"remoteJid":"5511987650000@s.whatsapp.net","id":"big"},"message":{"conversation":"', '"}}}').map((body) => evolution('over 1 MiB', body)),
);

// ---- REST shims -------------------------------------------------------------------------------------

const rest = (kind: string, method: string, path: string, token: string | null, body?: Probe['body'], contentType: string | null = 'application/json'): Probe => ({
  kind,
  method,
  path,
  headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(contentType && body !== undefined ? { 'content-type': contentType } : {}) },
  body,
});
const future = () => new Date(Date.now() + 7 * 86_400_000).toISOString();
const bookBody = () => ({ start: future(), clientName: 'Cliente Teste', clientEmail: 'c@example.com' });
const credentials = fc.oneof(fc.constant(null), headerValue.map((t) => `svk_${t}`), headerValue.map((t) => `svs_${t}`));
const badDate = fc.oneof(fc.constantFrom('amanhã', '2034-13-01T00:00:00Z', '2034-01-01', 'now', '1700000000'), printable(20).filter((t) => Number.isNaN(Date.parse(t))));

const restProbes: fc.Arbitrary<Probe> = fc.oneof(
  fc.record({ token: credentials, route: fc.constantFrom('book', 'list', 'cancel') }).map(({ token, route }) =>
    route === 'book' ? rest('book without valid credentials', 'POST', '/api/agenda/book', token, JSON.stringify(bookBody()))
    : route === 'list' ? rest('list without valid credentials', 'GET', '/api/agenda/appointments', token)
    : rest('cancel without valid credentials', 'POST', `/api/agenda/appointments/${appointmentId}/cancel`, token, '{}')),
  fc.constant(null).map(() => rest('book with a read key', 'POST', '/api/agenda/book', a.readKey, JSON.stringify(bookBody()))),
  fc.constant(null).map(() => rest('cancel with a read key', 'POST', `/api/agenda/appointments/${appointmentId}/cancel`, a.readKey, '{}')),
  fc.constant(null).map(() => rest("cancel another company's appointment", 'POST', `/api/agenda/appointments/${appointmentId}/cancel`, b.writeKey, '{}')),
  fc.oneof(
    invalidJson,
    nonObjectJson,
    fc.constant('{}'),
    fc.record({ start: fc.oneof(badDate, notString) }).map((p) => JSON.stringify({ ...bookBody(), ...p })),
    fc.record({ clientName: fc.oneof(notString, fc.integer({ min: 201, max: 100_000 }).map((n) => 'n'.repeat(n)), fc.constantFrom('', '   ')) }).map((p) => JSON.stringify({ ...bookBody(), ...p })),
    fc.record({ clientEmail: fc.oneof(notString, printable(20).filter((t) => !t.includes('@'))) }).map((p) => JSON.stringify({ ...bookBody(), ...p })),
    fc.record({ clientPhone: fc.oneof(notString, fc.stringMatching(/^[a-z]{3,20}$/)) }).map((p) => JSON.stringify({ ...bookBody(), clientEmail: undefined, ...p })),
    fc.record({ notes: fc.oneof(notString, fc.integer({ min: 2001, max: 50_000 }).map((n) => 'z'.repeat(n))) }).map((p) => JSON.stringify({ ...bookBody(), ...p })),
    fc.record({ extra: printable(10).filter((k) => !['start', 'clientName', 'clientPhone', 'clientEmail', 'notes', '__proto__', ''].includes(k)), value: fc.jsonValue({ maxDepth: 1 }) }).map(({ extra, value }) => JSON.stringify({ ...bookBody(), [extra]: value ?? 1 })),
    fc.integer({ min: 1, max: 3650 }).map((days) => JSON.stringify({ ...bookBody(), start: new Date(Date.now() - days * 86_400_000).toISOString() })),
  ).map((body) => rest('malformed booking', 'POST', '/api/agenda/book', a.writeKey, body)),
  wrongContentType.map((ct) => rest('booking with a wrong content type', 'POST', '/api/agenda/book', a.writeKey, JSON.stringify(bookBody()), ct)),
  fc.record({ bytes: badBytes }).map(({ bytes }) => rest('booking with invalid UTF-8', 'POST', '/api/agenda/book', a.writeKey, withInvalidUtf8(JSON.stringify({ ...bookBody(), clientName: 'MARK' }), 'MARK', bytes))),
  deepJson.map(({ n, kind }) => ({ ...rest('booking with deep nesting', 'POST', '/api/agenda/book', a.writeKey, ''), body: { label: `deep ${kind} ${n}`, build: () => `{"start":${deep(n, kind)},"clientName":"x"}` } })),
  huge('{"start":"2034-01-01T10:00:00Z","clientName":"', '"}').map((body) => rest('booking over 1 MiB', 'POST', '/api/agenda/book', a.writeKey, body)),
  fc.oneof(
    // Fastify coerces query strings ("+5", "0x10" and "" are numbers to it): only clearly bad values.
    fc.oneof(fc.integer({ max: -1 }).map(String), fc.integer({ min: 201 }).map(String), fc.stringMatching(/^[a-z]{1,6}$/), fc.constantFrom('1.5', '2.25')).map((first) => ({ first })),
    badDate.map((from) => ({ from })),
    badDate.map((to) => ({ to })),
    printable(30).filter((t) => t.length > 0).map((after) => ({ after: Buffer.from(after).toString('base64url') })),
    fc.stringMatching(/^[A-Z]{3,12}$/).filter((s) => !['PENDING', 'CONFIRMED', 'RESCHEDULED', 'CANCELLED'].includes(s)).map((status) => ({ status })),
    fc.integer({ min: 201, max: 2000 }).map((n) => ({ search: 's'.repeat(n) })),
    fc.constant({ from: '2034-02-01T00:00:00Z', to: '2034-01-01T00:00:00Z' }),
  ).map((query) => rest('list with a malformed query', 'GET', `/api/agenda/appointments?${new URLSearchParams(query as Record<string, string>)}`, a.readKey)),
  fc.oneof(printable(30).filter((s) => s.trim().length > 0).map(encodeURIComponent), uuid).map((id) => rest('cancel an unknown appointment', 'POST', `/api/agenda/appointments/${id}/cancel`, a.writeKey, '{}')),
  // Not numbers, booleans or extra keys: Fastify coerces the first two to strings and drops the
  // third, which makes a valid cancellation (a real change), not a malformed request.
  fc.oneof(invalidJson, fc.dictionary(printable(5), fc.integer(), { minKeys: 1, maxKeys: 3 }).map((reason) => JSON.stringify({ reason })), fc.integer({ min: 501, max: 20_000 }).map((n) => JSON.stringify({ reason: 'r'.repeat(n) })))
    .map((body) => rest('cancel with a malformed body', 'POST', `/api/agenda/appointments/${appointmentId}/cancel`, a.writeKey, body)),
  fc.stringMatching(/^[a-z]{1,12}$/).filter((s) => !['book', 'appointments', 'webhook'].includes(s)).map((segment) => rest('unknown REST route', 'GET', `/api/agenda/${segment}`, a.readKey)),
);

// ---- GraphQL ----------------------------------------------------------------------------------------

const gqlPost = (kind: string, body: Probe['body'], token: string | null = a.readKey, contentType: string | null = 'application/json'): Probe => ({
  kind,
  method: 'POST',
  path: '/graphql',
  headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(contentType ? { 'content-type': contentType } : {}) },
  body,
});
const LIST = 'query($first: Int!, $filter: AppointmentFilter, $after: String) { appointments(first: $first, filter: $filter, after: $after) { totalCount } }';
const AVAILABILITY = 'query($from: DateTime!, $to: DateTime!) { availability(from: $from, to: $to) { start } }';
const unparseable = fc
  .oneof(anyText, fc.constantFrom('{', '{ me { id }', 'query {', 'mutation', '{ appointments(first: ) { totalCount } }', '}{', 'fragment on on on', '{ "a" }', 'query($x: ) { me { id } }', 'subscription {'))
  .filter((q) => {
    try {
      parse(q);
      return false;
    } catch {
      return true;
    }
  });
const invalidQueries = fc.constantFrom(
  '{ nope }',
  '{ appointments { nope } }',
  '{ appointments(first: "x") { totalCount } }',
  '{ appointments(bogus: 1) { totalCount } }',
  '{ appointment { id } }',
  '{ availability(from: "ontem", to: "hoje") { start } }',
  '{ appointments(filter: { status: [NOPE] }) { totalCount } }',
  'query A { me { id } } query A { me { id } }',
  '{ me }',
  '{ company { id ...F } } fragment F on Company { ...F }',
  'query($x: Int) { me { id } }',
  '{ appointments(first: 10) { edges { node { id } } } } { me { id } }',
);
const wrongVariables = fc.oneof(
  fc.record({ first: fc.oneof(fc.string({ maxLength: 10 }), fc.double({ min: 0.1, max: 1e6, noInteger: true }), fc.boolean(), fc.constant(null), fc.array(fc.integer(), { maxLength: 2 }), fc.constantFrom(2 ** 31, 2 ** 40, -(2 ** 31) - 1)) }).map((variables) => ({ query: LIST, variables })),
  fc.record({ first: fc.constant(10), filter: fc.oneof(notString.filter((v) => v !== null && (typeof v !== 'object' || Array.isArray(v))), fc.record({ from: fc.oneof(badDate, fc.integer(), fc.boolean()) }), fc.record({ status: fc.oneof(fc.constant(['NOPE']), fc.integer()) }), fc.record({ bogus: fc.integer() })) }).map((variables) => ({ query: LIST, variables })),
  fc.record({ from: fc.oneof(badDate, fc.integer(), fc.constant(null)), to: fc.oneof(badDate, fc.constant(undefined)) }).map((variables) => ({ query: AVAILABILITY, variables })),
  fc.constant({ query: AVAILABILITY, variables: {} }),
  notString.filter((v) => v !== null && (typeof v !== 'object' || Array.isArray(v))).map((variables) => ({ query: LIST, variables })),
);

const graphqlProbes: fc.Arbitrary<Probe> = fc.oneof(
  invalidJson.map((body) => gqlPost('invalid JSON', body)),
  nonObjectJson.map((body) => gqlPost('body not an operation object', body)),
  fc.oneof(fc.constant({}), notString.map((query) => ({ query })), fc.constant({ variables: { first: 1 } })).map((o) => gqlPost('query missing or not a string', JSON.stringify(o))),
  unparseable.map((query) => gqlPost('syntax error', JSON.stringify({ query }))),
  invalidQueries.map((query) => gqlPost('invalid against the schema', JSON.stringify({ query }))),
  wrongVariables.map((o) => gqlPost('variables of the wrong type', JSON.stringify(o))),
  fc.record({ n: fc.integer({ min: 50, max: 100_000 }), kind: fc.constantFrom<'array' | 'object'>('array', 'object') }).map(({ n, kind }) => ({ ...gqlPost('deep nesting in variables', ''), body: { label: `deep ${kind} ${n}`, build: () => `{"query":${JSON.stringify(LIST)},"variables":{"first":1,"filter":{"from":${deep(n, kind)}}}}` } })),
  fc.integer({ min: 20, max: 20_000 }).map((n) => ({ ...gqlPost('deep selection set', ''), body: { label: `depth ${n}`, build: () => JSON.stringify({ query: `{ appointments ${'{ edges '.repeat(n)}${'}'.repeat(n)} }` }) } })),
  fc.oneof(fc.constant(null), headerValue.map((t) => `svk_${t}`)).map((token) => gqlPost('no valid credentials', JSON.stringify({ query: '{ appointments { totalCount } }' }), token)),
  fc.constantFrom('text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/xml', null).map((ct) => gqlPost('wrong or missing content type', JSON.stringify({ query: '{ appointments { totalCount } }' }), a.readKey, ct)),
  badBytes.map((bytes) => gqlPost('invalid UTF-8', withInvalidUtf8(JSON.stringify({ query: '{ appointments(filter: { search: "MARK" }) { totalCount } }' }), 'MARK', bytes))),
  huge('{"query":"{ appointments { totalCount } }","pad":"', '"}').map((body) => gqlPost('over 1 MiB', body)),
  fc.constantFrom('mutation { logout(token: "x") }', '{ appointments { totalCount } }').map((query) => ({
    kind: 'GET: mutation or no preflight header',
    method: 'GET',
    path: `/graphql?query=${encodeURIComponent(query)}`,
    headers: { authorization: `Bearer ${a.writeKey}`, ...(query.startsWith('mutation') ? { 'apollo-require-preflight': '1' } : {}) },
  })),
  fc.record({ operationName: printable(10).filter((s) => s !== 'List') }).map(({ operationName }) => gqlPost('unknown operationName', JSON.stringify({ query: 'query List { appointments { totalCount } }', operationName }))),
);

// ---- the property -----------------------------------------------------------------------------------

/** Every table's content as md5s (order-independent), plus the WhatsApp job queue. */
async function snapshot(): Promise<string> {
  const tables = (await db.query<{ table_name: string }>(`select table_name from information_schema.tables where table_schema = 'public' and table_type = 'BASE TABLE' order by 1`)).rows.map((r) => r.table_name);
  const parts = tables.map((t) =>
    t === 'api_keys'
      ? `select 'api_keys' as t, md5(coalesce(string_agg((k.id, k.company_id, k.name, k.scope, k.key_hash, k.prefix, k.created_at, k.revoked_at)::text, '|' order by k.id), '')) as h from api_keys k`
      : `select '${t}' as t, md5(coalesce(string_agg(x::text, '|' order by x::text), '')) as h from ${pg.escapeIdentifier(t)} x`,
  );
  parts.push(`select 'jobs' as t, count(*)::text as h from pgboss.job where name in ('whatsapp.inbound', 'whatsapp.send')`);
  return (await db.query<{ t: string; h: string }>(parts.join(' union all '))).rows.map((r) => `${r.t}:${r.h}`).join(' ');
}

async function send(probe: Probe): Promise<{ status: number; text: string; contentType: string }> {
  const body = probe.body === undefined ? undefined : typeof probe.body === 'object' && 'build' in probe.body ? probe.body.build() : probe.body;
  const headers = probe.signAtSend && body !== undefined ? { ...probe.headers, 'x-cal-signature-256': sign(body) } : probe.headers;
  const response = await fetch(server.url + probe.path, { method: probe.method, headers, body });
  return { status: response.status, text: await response.text(), contentType: response.headers.get('content-type') ?? '' };
}

function reasonOf(text: string): string | null {
  try {
    const json = JSON.parse(text) as { error?: unknown; errors?: Array<{ message?: unknown }> };
    if (typeof json.error === 'string' && json.error.trim()) return json.error;
    const message = json.errors?.[0]?.message;
    return typeof message === 'string' && message.trim() ? message : null;
  } catch {
    return null;
  }
}

async function check(target: string, probe: Probe): Promise<void> {
  sent += 1;
  const { status, text } = await send(probe);
  const key = `${target} › ${probe.kind}`;
  const byStatus = statuses.get(key) ?? new Map<number, number>();
  byStatus.set(status, (byStatus.get(status) ?? 0) + 1);
  statuses.set(key, byStatus);
  const before = baseline;
  baseline = await snapshot();
  if (server.process.exitCode !== null) throw new Error(`the server exited (${server.process.exitCode}): ${server.stderr().slice(-2000)}`);
  if (status < 400 || status > 499) throw new Error(`expected a 4xx, got ${status}: ${text.slice(0, 200)}`);
  if (!reasonOf(text)) throw new Error(`${status} without a reason in JSON: ${text.slice(0, 200)}`);
  if (baseline !== before) {
    const old = new Set(before.split(' '));
    const changed = baseline.split(' ').filter((part) => !old.has(part)).map((part) => part.split(':')[0]);
    throw new Error(`answered ${status} (${text.slice(0, 120)}) but rows changed in ${changed.join(', ')}`);
  }
}

/** What a failure report shows of a request: short, readable, bodies cut. */
function describeProbe(probe: Probe): string {
  const body = probe.body === undefined ? '' : typeof probe.body === 'object' && 'build' in probe.body ? probe.body.label : typeof probe.body === 'string' ? probe.body : `bytes ${Buffer.from(probe.body).toString('utf8')}`;
  return `${probe.method} ${probe.path} ${JSON.stringify(probe.headers)} ${body.length > 160 ? `${body.slice(0, 160)}…(${body.length})` : body}`;
}

const TARGETS: Array<[string, fc.Arbitrary<Probe>, number]> = [
  ['Cal.com webhook', webhookProbes, 1400],
  ['Whaticket inbound', inboundProbes, 1400],
  ['Evolution API inbound', evolutionProbes, 600],
  ['REST shims', restProbes, 1100],
  ['GraphQL', graphqlProbes, 1300],
];

describe('malformed requests', () => {
  let cleanup: () => Promise<void> = async () => {};

  beforeAll(async () => {
    const database = await createTestDatabase('bad_input');
    [a, b] = (await seedCompanies(database.url, 2)) as [SeededCompany, SeededCompany];
    db = new pg.Client({ connectionString: database.url });
    await db.connect();
    appointmentId = randomUUID();
    await db.query(
      `insert into appointments (id, company_id, status, title, start_at, end_at, client_name, source) values ($1, $2, 'CONFIRMED', 'Reunião', $3, $4, 'Cliente', 'ADMIN')`,
      [appointmentId, a.id, new Date(Date.now() + 3 * 86_400_000), new Date(Date.now() + 3 * 86_400_000 + 1_800_000)],
    );
    // ROLE=api: the HTTP edge alone. A request wrongly accepted then shows as its own row change,
    // not as a worker's later reply landing during some other request.
    server = await startServer({ databaseUrl: database.url, logLevel: 'warn', role: 'api' });
    baseline = await snapshot();
    cleanup = async () => {
      await server?.stop();
      await db?.end();
      await database.drop();
    };
  });
  afterAll(async () => {
    const lines = [...statuses].sort().map(([k, m]) => `${k}: ${[...m].map(([s, n]) => `${s}×${n}`).join(' ')}`);
    console.log(`${sent} malformed requests (seed ${SEED}):\n${lines.join('\n')}`);
    await cleanup();
  });

  // fc.sample rather than fc.assert: every generated request runs even after a failure, and the
  // report groups failures by kind of malformation (one example each), which says more than one
  // shrunk counterexample. Seeded: RELIABILITY_SEED replays a run.
  it.each(TARGETS)('%s: every malformed request gets a 4xx with a reason and changes nothing', async (target, probes, runs) => {
    const failures = new Map<string, { count: number; example: string; error: string }>();
    for (const probe of fc.sample(probes, { numRuns: runs, seed: SEED + target.length })) {
      try {
        await check(target, probe);
      } catch (error) {
        const seen = failures.get(probe.kind);
        if (seen) seen.count += 1;
        else failures.set(probe.kind, { count: 1, example: describeProbe(probe), error: (error as Error).message });
      }
    }
    const report = [...failures].map(([kind, f]) => `${kind}: ${f.count} failed; e.g. ${f.error} ← ${f.example}`);
    expect(report, `seed ${SEED}`).toEqual([]);
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
  });

  it('answered at least 5,000 of them and is still up and ready', async () => {
    expect(sent).toBeGreaterThanOrEqual(5000);
    expect(server.process.exitCode).toBeNull();
    expect((await fetch(`${server.url}/readyz`)).status).toBe(200);
    // …and still serves a well-formed request.
    const ok = await fetch(`${server.url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${a.readKey}` }, body: JSON.stringify({ query: '{ appointments { totalCount } }' }) });
    const rows = Number((await db.query<{ n: string }>('select count(*) as n from appointments where company_id = $1', [a.id])).rows[0]!.n);
    expect(await ok.json()).toEqual({ data: { appointments: { totalCount: rows } } });
  });
});
