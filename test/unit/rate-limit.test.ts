import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import { rateLimitHook } from '../../server/platform/rate-limit.js';

describe(rateLimitHook.name, () => {
  it('answers 429 with Retry-After past the per-minute budget, then lets the next window through', async () => {
    let now = 0;
    const app = Fastify();
    app.addHook('onRequest', rateLimitHook(3, () => now));
    app.get('/', async () => ({ ok: true }));
    const statuses = [];
    for (let i = 0; i < 5; i++) statuses.push((await app.inject({ method: 'GET', url: '/' })).statusCode);
    expect(statuses).toEqual([200, 200, 200, 429, 429]);
    const limited = await app.inject({ method: 'GET', url: '/' });
    expect(limited.headers['retry-after']).toBe('60');
    expect(limited.json()).toMatchObject({ code: 'RATE_LIMITED' });
    now = 60_001;
    expect((await app.inject({ method: 'GET', url: '/' })).statusCode).toBe(200);
  });

  it('is off at 0', async () => {
    const app = Fastify();
    app.addHook('onRequest', rateLimitHook(0));
    app.get('/', async () => ({ ok: true }));
    for (let i = 0; i < 20; i++) expect((await app.inject({ method: 'GET', url: '/' })).statusCode).toBe(200);
  });
});

describe('redactQuery', () => {
  it('hides secrets passed in the query string, keeping the rest of the URL', async () => {
    const { redactQuery } = await import('../../server/platform/logger.js');
    expect(redactQuery('/api/whaticket/inbound/abc?token=s3cr3t&x=1')).toBe('/api/whaticket/inbound/abc?token=[redacted]&x=1');
    expect(redactQuery('/x?a=1&apiKey=k')).toBe('/x?a=1&apiKey=[redacted]');
    expect(redactQuery('/api/agenda/appointments?search=ana')).toBe('/api/agenda/appointments?search=ana');
  });
});

describe('rateLimitHook keys', () => {
  it('counts made-up company ids against the sender IP (only known companies get their own budget)', async () => {
    const known = '11111111-1111-4111-8111-111111111111';
    const app = Fastify();
    app.addHook('onRequest', rateLimitHook(3, Date.now, async (req) => {
      const { companyId } = req.params as { companyId: string };
      return companyId === known ? companyId : undefined;
    }));
    app.post('/in/:companyId', async () => ({ ok: true }));
    const post = (id: string) => app.inject({ method: 'POST', url: `/in/${id}` });
    const statuses = [];
    for (let i = 0; i < 4; i++) statuses.push((await post(`00000000-0000-4000-8000-00000000000${i}`)).statusCode);
    expect(statuses).toEqual([200, 200, 200, 429]);
    // A known company (one Whaticket server for many tenants) still has a budget of its own.
    expect((await post(known)).statusCode).toBe(200);
  });
});
