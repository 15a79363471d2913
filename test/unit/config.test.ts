import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../server/config.js';

const dataDir = () => mkdtempSync(join(tmpdir(), 'sv-config-'));

describe(loadConfig.name, () => {
  it('applies defaults and generates a persistent development secret', () => {
    const dir = dataDir();
    const sut = loadConfig({ DATA_DIR: dir });
    expect(sut).toMatchObject({ port: 4000, host: '127.0.0.1', role: 'all', logLevel: 'info', databaseUrl: undefined, production: false, dataDir: dir });
    expect(sut.appSecret).toMatch(/^[0-9a-f]{64}$/);
    expect(readFileSync(join(dir, 'app-secret'), 'utf8').trim()).toBe(sut.appSecret);
    expect(loadConfig({ DATA_DIR: dir }).appSecret).toBe(sut.appSecret);
  });

  it('reads every variable', () => {
    const sut = loadConfig({
      PORT: '8080', HOST: '0.0.0.0', DATABASE_URL: 'postgres://u:p@db:5432/app', DATA_DIR: dataDir(),
      APP_SECRET: 'x'.repeat(40), ROLE: 'worker', LOG_LEVEL: 'debug',
    });
    expect(sut).toMatchObject({ port: 8080, host: '0.0.0.0', databaseUrl: 'postgres://u:p@db:5432/app', role: 'worker', logLevel: 'debug', appSecret: 'x'.repeat(40) });
  });

  it.each([
    [{ PORT: 'abc' }, 'PORT must be an integer'],
    [{ PORT: '70000' }, 'PORT must be an integer'],
    [{ ROLE: 'admin' }, 'ROLE must be one of all, api, worker'],
    [{ LOG_LEVEL: 'verbose' }, 'LOG_LEVEL must be one of'],
    [{ DATABASE_URL: 'mysql://x' }, 'DATABASE_URL must start with postgres://'],
    [{ APP_SECRET: 'short' }, 'APP_SECRET must be at least 32 characters'],
    [{ NODE_ENV: 'production' }, 'APP_SECRET is required when NODE_ENV=production'],
    [{ METRICS_TOKEN: 'curto' }, 'METRICS_TOKEN must be at least 16 characters'],
    [{ TRUST_PROXY: 'true' }, 'TRUST_PROXY must be a hop count or a comma-separated list'],
    [{ TRUST_PROXY: '10.0.0.0/8,proxy.example.com' }, 'TRUST_PROXY must be a hop count'],
    [{ OUTBOUND_ALLOWED_HOSTS: 'http://cal.interno' }, 'OUTBOUND_ALLOWED_HOSTS: "http://cal.interno" is not a host or host:port'],
    [{ OUTBOUND_ALLOWED_HOSTS: 'cal.interno:99999' }, 'is not a host or host:port'],
  ])('rejects %o with a clear message', (env, message) => {
    expect(() => loadConfig({ DATA_DIR: dataDir(), ...env })).toThrow(ConfigError);
    expect(() => loadConfig({ DATA_DIR: dataDir(), ...env })).toThrow(message);
  });

  it('reports every problem at once and never echoes a database password', () => {
    try {
      loadConfig({ DATA_DIR: dataDir(), PORT: 'x', ROLE: 'y', DATABASE_URL: 'mysql://user:hunter2@h/db' });
      expect.unreachable();
    } catch (error) {
      const message = (error as Error).message;
      expect(message).toContain('PORT');
      expect(message).toContain('ROLE');
      expect(message).toContain('DATABASE_URL');
      expect(message).not.toContain('hunter2');
    }
  });

  it('reads the security settings: /metrics exposure, TRUST_PROXY and OUTBOUND_ALLOWED_HOSTS', () => {
    const secret = { APP_SECRET: 'x'.repeat(40), DATA_DIR: dataDir() };
    // Development: /metrics on the public port, no separate listener, socket addresses, no allowed hosts.
    expect(loadConfig(secret)).toMatchObject({ publicMetrics: true, metricsListener: false, metricsToken: undefined, trustProxy: false, outboundAllowedHosts: [] });
    // Production without a token: only on METRICS_PORT.
    expect(loadConfig({ ...secret, NODE_ENV: 'production' })).toMatchObject({ publicMetrics: false, metricsListener: true, metricsPort: 9464 });
    // Production with a token: on the public port, behind the token.
    expect(loadConfig({ ...secret, NODE_ENV: 'production', METRICS_TOKEN: 't'.repeat(24) })).toMatchObject({ publicMetrics: true, metricsListener: false, metricsToken: 't'.repeat(24) });
    expect(loadConfig({ ...secret, METRICS_PORT: '9100' })).toMatchObject({ metricsListener: true, metricsPort: 9100 });
    expect(loadConfig({ ...secret, TRUST_PROXY: '2' }).trustProxy).toBe(2);
    expect(loadConfig({ ...secret, TRUST_PROXY: '10.0.0.0/8, 127.0.0.1, loopback' }).trustProxy).toEqual(['10.0.0.0/8', '127.0.0.1', 'loopback']);
    expect(loadConfig({ ...secret, OUTBOUND_ALLOWED_HOSTS: 'Cal.Interno, wa.interno:8080, [::1]:9000, 10.0.0.5' }).outboundAllowedHosts).toEqual([
      { host: 'cal.interno', port: undefined },
      { host: 'wa.interno', port: 8080 },
      { host: '::1', port: 9000 },
      { host: '10.0.0.5', port: undefined },
    ]);
  });
});
