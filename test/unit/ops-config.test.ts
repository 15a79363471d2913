import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join, posix, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { createMetrics } from '../../server/platform/metrics.js';

/**
 * The deployment files reference each other by service names, ports, paths, datasource uids and metric
 * names. Nothing fails at build time when one of them drifts: Grafana shows an empty panel, Prometheus a
 * down target. These tests read the files the way docker compose, Prometheus and Grafana do, and follow
 * every reference to its other end.
 */

const root = fileURLToPath(new URL('../..', import.meta.url));
const repoFile = (path: string) => resolve(root, path);
const readText = (path: string) => readFileSync(repoFile(path), 'utf8');
// Compose accepts YAML merge keys (`<<: *anchor`); the yaml package needs them enabled explicitly.
const readYaml = (path: string): any => parseYaml(readText(path), { merge: true });

type Service = Record<string, any>;
interface Mount {
  source: string;
  target: string;
  bind: boolean;
}

const compose = readYaml('docker-compose.yml');
const services: Record<string, Service> = compose.services ?? {};

// ---------------------------------------------------------------------------------------------------
// Readers: small, literal parsers of the formats involved (each is exercised on bad input at the end).

/** Variables docker compose interpolates in any string of the parsed file (`$$` is a literal `$`). */
function composeVariables(node: unknown, found = new Map<string, { required: boolean }>()) {
  if (typeof node === 'string') {
    const text = node.replace(/\$\$/g, '');
    for (const m of text.matchAll(/\$\{([A-Za-z_]\w*)(:?\?)?|\$([A-Za-z_]\w*)/g)) {
      const name = (m[1] ?? m[3])!;
      const required = Boolean(m[2]) || Boolean(found.get(name)?.required);
      found.set(name, { required });
    }
  } else if (Array.isArray(node)) {
    for (const item of node) composeVariables(item, found);
  } else if (node && typeof node === 'object') {
    for (const [key, value] of Object.entries(node)) {
      composeVariables(key, found);
      composeVariables(value, found);
    }
  }
  return found;
}

function parseEnvFile(text: string): Map<string, string> {
  const vars = new Map<string, string>();
  for (const line of text.split('\n')) {
    const m = /^\s*([A-Za-z_]\w*)\s*=(.*)$/.exec(line);
    if (m) vars.set(m[1]!, m[2]!.trim());
  }
  return vars;
}

function environmentOf(service: Service): Record<string, string> {
  const env = service.environment ?? {};
  if (!Array.isArray(env)) return Object.fromEntries(Object.entries(env).map(([k, v]) => [k, String(v ?? '')]));
  return Object.fromEntries(env.map((entry: string) => [entry.split('=')[0], entry.split('=').slice(1).join('=')]));
}

function mountsOf(service: Service): Mount[] {
  return (service.volumes ?? []).map((volume: string | Record<string, string>) => {
    if (typeof volume !== 'string') {
      return { source: volume.source!, target: volume.target!, bind: volume.type === 'bind' };
    }
    const [source, target] = volume.split(':');
    return { source: source!, target: target!, bind: /^[./~]/.test(source!) };
  });
}

/** Container side of each `ports:` entry ("4000", "4000:4000", "127.0.0.1:9090:9090", long syntax). */
function containerPorts(service: Service): number[] {
  const fromPorts = (service.ports ?? []).map((port: string | number | { target: number }) =>
    typeof port === 'object' ? Number(port.target) : Number(String(port).split(':').at(-1)!.split('/')[0]),
  );
  const fromExpose = (service.expose ?? []).map((port: string | number) => Number(String(port).split('/')[0]));
  return [...fromPorts, ...fromExpose];
}

/** The port our process listens on, by role (ARCHITECTURE §6; METRICS_PORT for ROLE=worker). */
function listeningPort(service: Service): number {
  const env = environmentOf(service);
  return env.ROLE === 'worker' ? Number(env.METRICS_PORT) : Number(env.PORT || 4000);
}

/**
 * Where /metrics is served (ARCHITECTURE §11): METRICS_PORT for a worker, and for the API in
 * production without METRICS_TOKEN; else the public port.
 */
function metricsPort(service: Service): number {
  const env = environmentOf(service);
  const offPublicPort = env.ROLE === 'worker' || (env.NODE_ENV === 'production' && !env.METRICS_TOKEN);
  return offPublicPort ? Number(env.METRICS_PORT || 9464) : Number(env.PORT || 4000);
}

function mountedFrom(service: Service, target: string): Mount | undefined {
  return mountsOf(service).find((m) => m.bind && posix.normalize(m.target) === posix.normalize(target));
}

/** Host path of a container path, through the bind mount that contains it. */
function hostPathOf(service: Service, containerPath: string): string | undefined {
  for (const m of mountsOf(service).filter((m) => m.bind)) {
    const rel = posix.relative(m.target, containerPath);
    if (rel === '' || (!rel.startsWith('..') && !posix.isAbsolute(rel))) return repoFile(join(m.source, rel));
  }
  return undefined;
}

interface Instruction {
  keyword: string;
  args: string;
}

/** Dockerfile instructions, continuation lines joined, comments dropped, grouped by stage. */
function dockerfileStages(text: string): Instruction[][] {
  const instructions: Instruction[] = [];
  let buffer = '';
  for (const line of text.split('\n')) {
    if (/^\s*#/.test(line)) continue;
    if (line.trimEnd().endsWith('\\')) {
      buffer += line.trimEnd().slice(0, -1) + ' ';
      continue;
    }
    buffer += line;
    const m = /^\s*(\w+)\s+([\s\S]*)$/.exec(buffer);
    if (m) instructions.push({ keyword: m[1]!.toUpperCase(), args: m[2]!.trim() });
    buffer = '';
  }
  const stages: Instruction[][] = [];
  for (const instruction of instructions) {
    if (instruction.keyword === 'FROM') stages.push([]);
    stages.at(-1)?.push(instruction);
  }
  return stages;
}

const PROMQL_WORDS = new Set(['by', 'without', 'on', 'ignoring', 'group_left', 'group_right', 'and', 'or', 'unless', 'bool', 'offset', 'inf', 'nan']);
const STRING = /"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'/g;

/** Metric names of a PromQL expression: identifiers that are not functions, keywords or label lists. */
function promqlMetricNames(expr: string): string[] {
  const bare = expr
    .replace(STRING, ' ')
    .replace(/\{[^}]*\}/g, ' ')
    .replace(/\[[^\]]*\]/g, ' ')
    .replace(/\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ')
    .replace(/\$\{?\w+\}?/g, ' ');
  const names = new Set<string>();
  for (const m of bare.matchAll(/(?<![\w.:])[A-Za-z_:][\w:]*/g)) {
    const isCall = /^\s*\(/.test(bare.slice(m.index! + m[0].length));
    if (!isCall && !PROMQL_WORDS.has(m[0].toLowerCase())) names.add(m[0]);
  }
  return [...names];
}

/** `metric{label="…", …}` selectors with the label names they match on. */
function promqlSelectors(expr: string): { metric: string; labels: string[] }[] {
  return [...expr.matchAll(/([A-Za-z_:][\w:]*)\s*\{([^}]*)\}/g)].map((m) => ({
    metric: m[1]!,
    labels: [...m[2]!.replace(STRING, '""').matchAll(/([A-Za-z_]\w*)\s*(?:=~|!~|!=|=)/g)].map((l) => l[1]!),
  }));
}

/** Labels named in `by (…)`, `without (…)`, `on (…)`, `ignoring (…)`. */
function promqlGroupingLabels(expr: string): string[] {
  return [...expr.replace(STRING, ' ').matchAll(/\b(?:by|without|on|ignoring)\s*\(([^)]*)\)/g)].flatMap((m) =>
    m[1]!.split(',').map((l) => l.trim()).filter(Boolean),
  );
}

/** Labels Prometheus attaches to every scraped series. */
const TARGET_LABELS = ['job', 'instance'];

/**
 * Problems of one PromQL expression against the series the registry exposes (`series` maps a sample
 * name, e.g. `x_bucket`, to its label names).
 */
function promqlProblems(expr: string, series: Map<string, string[]>, legend = ''): string[] {
  const problems: string[] = [];
  const names = promqlMetricNames(expr);
  if (names.length === 0) problems.push(`no metric in "${expr}"`);
  for (const name of names) if (!series.has(name)) problems.push(`unknown metric ${name} in "${expr}"`);
  for (const { metric, labels } of promqlSelectors(expr)) {
    const known = series.get(metric);
    if (!known) continue;
    for (const label of labels) if (!known.includes(label)) problems.push(`${metric} has no label "${label}"`);
  }
  const available = new Set([...TARGET_LABELS, ...names.flatMap((n) => series.get(n) ?? [])]);
  for (const label of promqlGroupingLabels(expr)) {
    if (!available.has(label)) problems.push(`grouping by unknown label "${label}" in "${expr}"`);
  }
  for (const m of legend.matchAll(/\{\{\s*(\w+)\s*\}\}/g)) {
    if (!available.has(m[1]!)) problems.push(`legend uses unknown label "${m[1]}" for "${expr}"`);
  }
  return problems;
}

/** Sample names of a registry as Prometheus stores them (histograms: `_bucket` with `le`, `_sum`, `_count`). */
async function seriesOf(registry: ReturnType<typeof createMetrics>['registry']): Promise<Map<string, string[]>> {
  const series = new Map<string, string[]>();
  for (const { name, type: metricType } of await registry.getMetricsAsJSON()) {
    // prom-client types `type` as an enum its runtime does not export; the value is the plain string.
    const type = String(metricType);
    const metric = registry.getSingleMetric(name) as unknown as { labelNames?: readonly string[] };
    const labels = [...(metric.labelNames ?? [])];
    if (type === 'histogram' || type === 'summary') {
      series.set(`${name}_sum`, labels);
      series.set(`${name}_count`, labels);
      if (type === 'histogram') series.set(`${name}_bucket`, [...labels, 'le']);
      else series.set(name, [...labels, 'quantile']);
    } else {
      series.set(name, labels);
    }
  }
  return series;
}

interface Panel {
  id: number;
  type: string;
  title: string;
  datasource?: { type?: string; uid?: string } | string | null;
  gridPos: { x: number; y: number; w: number; h: number };
  targets?: { expr?: string; legendFormat?: string; datasource?: { uid?: string }; refId: string }[];
  panels?: Panel[];
}

function allPanels(panels: Panel[]): Panel[] {
  return panels.flatMap((p) => [p, ...allPanels(p.panels ?? [])]);
}

function variableQuery(variable: { query?: string | { query?: string }; definition?: string }): string {
  return typeof variable.query === 'string' ? variable.query : (variable.query?.query ?? variable.definition ?? '');
}

// ---------------------------------------------------------------------------------------------------

describe('docker-compose.yml', () => {
  it('declares postgres, app, worker, prometheus and grafana', () => {
    expect(Object.keys(services)).toEqual(expect.arrayContaining(['postgres', 'app', 'worker', 'prometheus', 'grafana']));
  });

  it.each(['app', 'worker'])('builds %s from the Dockerfile in the repository', (name) => {
    const build = services[name]!.build;
    expect(build, `${name} has no build section`).toBeTypeOf('object');
    const context = repoFile(build.context);
    expect(context).toBe(root.replace(/\/$/, ''));
    expect(build.dockerfile).toBe('server/ops/Dockerfile');
    expect(existsSync(join(context, build.dockerfile))).toBe(true);
  });

  it('runs app as ROLE=api on the published port 4000 and worker as ROLE=worker without published ports', () => {
    expect(environmentOf(services.app!).ROLE).toBe('api');
    expect(listeningPort(services.app!)).toBe(4000);
    expect(containerPorts(services.app!)).toContain(4000);
    expect(environmentOf(services.worker!).ROLE).toBe('worker');
    expect(services.worker!.ports ?? []).toEqual([]);
    expect(environmentOf(services.worker!).METRICS_PORT).toMatch(/^\d+$/);
  });

  it.each(['app', 'worker'])('starts %s only once postgres is healthy', (name) => {
    expect(services[name]!.depends_on?.postgres?.condition).toBe('service_healthy');
  });

  it('checks postgres with pg_isready and app readiness with /readyz', () => {
    expect(JSON.stringify(services.postgres!.healthcheck?.test)).toContain('pg_isready');
    expect(JSON.stringify(services.app!.healthcheck?.test)).toContain('/readyz');
  });

  it.each(['app', 'worker'])('points DATABASE_URL of %s at the postgres service', (name) => {
    const url = environmentOf(services[name]!).DATABASE_URL!;
    const m = /^postgres(?:ql)?:\/\/[^@]+@([^:/]+):(\d+)\//.exec(url);
    expect(m, `DATABASE_URL of ${name}: ${url}`).not.toBeNull();
    expect(services[m![1]!]?.image).toMatch(/^postgres:/);
    expect(Number(m![2])).toBe(5432);
  });

  it('mounts only files and folders that exist, and declares every named volume', () => {
    const problems: string[] = [];
    for (const [name, service] of Object.entries(services)) {
      for (const mount of mountsOf(service)) {
        if (mount.bind && !existsSync(repoFile(mount.source))) problems.push(`${name}: ${mount.source} does not exist`);
        if (!mount.bind && !(mount.source in (compose.volumes ?? {}))) problems.push(`${name}: volume ${mount.source} is not declared`);
      }
    }
    expect(problems).toEqual([]);
    expect(mountsOf(services.postgres!).some((m) => !m.bind && m.target === '/var/lib/postgresql/data')).toBe(true);
  });

  it('defines every interpolated variable in .env.example and commits no value for required secrets', () => {
    const example = parseEnvFile(readText('.env.example'));
    const used = composeVariables(compose);
    expect(used.size).toBeGreaterThan(0);
    expect([...used.keys()].filter((name) => !example.has(name))).toEqual([]);
    const required = [...used].filter(([, v]) => v.required).map(([name]) => name);
    expect(required).toEqual(expect.arrayContaining(['APP_SECRET', 'POSTGRES_PASSWORD', 'GRAFANA_ADMIN_PASSWORD']));
    for (const name of required) expect(example.get(name), `${name} must be left empty in .env.example`).toBe('');
  });

  it('keeps .env out of git and out of the Docker build context', () => {
    expect(readText('.gitignore').split('\n').map((l) => l.trim())).toContain('.env');
    const ignored = readText('.dockerignore').split('\n').map((l) => l.trim());
    expect(ignored).toEqual(expect.arrayContaining(['.env', 'node_modules', 'dist', 'web/dist', '.git', '.data*', 'test/e2e/screenshots']));
  });
});

describe('server/ops/Dockerfile', () => {
  const stages = dockerfileStages(readText('server/ops/Dockerfile'));
  const runtime = stages.at(-1) ?? [];
  const last = (keyword: string) => runtime.filter((i) => i.keyword === keyword).at(-1)?.args;

  it('builds on node:20-bookworm-slim in two stages', () => {
    expect(stages.length).toBeGreaterThanOrEqual(2);
    for (const stage of stages) expect(stage[0]!.args).toMatch(/^node:20-bookworm-slim\b/);
    const build = stages[0]!.filter((i) => i.keyword === 'RUN').map((i) => i.args).join('\n');
    expect(build).toMatch(/npm ci/);
    expect(build).toMatch(/npm run build/);
    expect(build).toMatch(/npm prune --omit=dev/);
  });

  it('copies only the build output, production dependencies and package.json into the runtime stage', () => {
    const copied = runtime
      .filter((i) => i.keyword === 'COPY')
      .map((i) => i.args.replace(/--\S+\s+/g, '').split(/\s+/)[0]!.replace(/^\/app\//, ''));
    expect(copied.sort()).toEqual(['dist', 'node_modules', 'package.json', 'web/dist']);
  });

  it('runs as a non-root user', () => {
    const user = last('USER');
    expect(user, 'the runtime stage has no USER').toBeDefined();
    expect(user!.split(':')[0]).not.toMatch(/^(root|0)$/);
  });

  it('exposes the app port, starts dist/server/main.js in production and probes /healthz', () => {
    expect(last('EXPOSE')?.split(/\s+/)).toContain(String(listeningPort(services.app!)));
    expect(JSON.parse(last('CMD')!)).toEqual(['node', 'dist/server/main.js']);
    expect(last('ENV')).toMatch(/NODE_ENV=production/);
    expect(last('HEALTHCHECK')).toMatch(/\/healthz/);
    expect(last('HEALTHCHECK')).not.toMatch(/\bcurl\b/);
  });
});

describe('Prometheus configuration', () => {
  const prometheus = services.prometheus!;
  const configFlag = (prometheus.command ?? []).find((a: string) => a.startsWith('--config.file='));
  const configPath = configFlag?.split('=')[1] ?? '/etc/prometheus/prometheus.yml';
  const mount = mountedFrom(prometheus, configPath);
  const config = mount ? parseYaml(readFileSync(repoFile(mount.source), 'utf8')) : undefined;

  const targets = (): { job: string; host: string; port: number; path: string }[] =>
    (config?.scrape_configs ?? []).flatMap((job: any) => {
      const path = job.metrics_path ?? '/metrics';
      const statics = (job.static_configs ?? []).flatMap((c: any) => c.targets as string[]);
      const dns = (job.dns_sd_configs ?? []).flatMap((c: any) => (c.names as string[]).map((n) => `${n}:${c.port}`));
      return [...statics, ...dns].map((t: string) => {
        const [host, port] = t.split(':');
        return { job: job.job_name, host: host!, port: Number(port), path };
      });
    });

  it('is the mounted server/ops/prometheus/prometheus.yml', () => {
    expect(mount, `nothing is mounted at ${configPath}`).toBeDefined();
    expect(posix.normalize(mount!.source)).toBe('server/ops/prometheus/prometheus.yml');
  });

  it('scrapes every 15s', () => {
    const intervals = (config.scrape_configs as any[]).map((j) => j.scrape_interval ?? config.global?.scrape_interval);
    expect(intervals.length).toBeGreaterThan(0);
    for (const interval of intervals) expect(interval).toBe('15s');
  });

  it('scrapes /metrics of compose services on the port each one listens on', () => {
    const problems: string[] = [];
    for (const t of targets()) {
      const service = services[t.host];
      if (!service) {
        problems.push(`${t.job}: ${t.host} is not a compose service`);
        continue;
      }
      if (t.port !== metricsPort(service)) problems.push(`${t.job}: ${t.host} serves /metrics on ${metricsPort(service)}, not ${t.port}`);
      if (!containerPorts(service).includes(t.port)) problems.push(`${t.job}: ${t.host} declares no port ${t.port}`);
      if (t.path !== '/metrics') problems.push(`${t.job}: path ${t.path}`);
    }
    expect(problems).toEqual([]);
    expect(targets().map((t) => `${t.host}:${t.port}`).sort()).toEqual(['app:9464', 'worker:9464']);
  });

  it('never scrapes metrics through a published port (they list every tenant)', () => {
    for (const name of ['app', 'worker']) {
      const published = (services[name]!.ports ?? []).map((port: string | number | { target: number }) =>
        typeof port === 'object' ? Number(port.target) : Number(String(port).split(':').at(-1)!.split('/')[0]),
      );
      expect(published, name).not.toContain(metricsPort(services[name]!));
    }
  });
});

describe('Grafana provisioning', () => {
  const grafana = services.grafana!;
  const provisioningPath = environmentOf(grafana).GF_PATHS_PROVISIONING || '/etc/grafana/provisioning';
  const provisioning = mountedFrom(grafana, provisioningPath);
  const yamlFilesIn = (dir: string) =>
    existsSync(dir) ? readdirSync(dir).filter((f) => /\.ya?ml$/.test(f)).map((f) => parseYaml(readFileSync(join(dir, f), 'utf8'))) : [];
  const datasources = provisioning
    ? yamlFilesIn(repoFile(join(provisioning.source, 'datasources'))).flatMap((f) => f.datasources ?? [])
    : [];
  const providers = provisioning ? yamlFilesIn(repoFile(join(provisioning.source, 'dashboards'))).flatMap((f) => f.providers ?? []) : [];

  it('mounts server/ops/grafana/provisioning where Grafana reads provisioning', () => {
    expect(provisioning, `nothing is mounted at ${provisioningPath}`).toBeDefined();
    expect(posix.normalize(provisioning!.source)).toBe('server/ops/grafana/provisioning');
  });

  it('provisions one Prometheus datasource with uid "prometheus" at the prometheus service', () => {
    expect(datasources).toHaveLength(1);
    const [ds] = datasources;
    expect(ds.uid).toBe('prometheus');
    expect(ds.type).toBe('prometheus');
    const url = new URL(ds.url);
    expect(services[url.hostname]?.image).toMatch(/^prom\/prometheus\b/);
    expect(containerPorts(services[url.hostname]!)).toContain(Number(url.port));
  });

  it('loads dashboards from the folder mounted from server/ops/grafana/dashboards', () => {
    expect(providers.length).toBeGreaterThan(0);
    for (const provider of providers) {
      expect(provider.type).toBe('file');
      const mount = mountedFrom(grafana, provider.options.path);
      expect(mount, `provider path ${provider.options.path} is not a mount target`).toBeDefined();
      expect(posix.normalize(mount!.source)).toBe('server/ops/grafana/dashboards');
      expect(statSync(repoFile(mount!.source)).isDirectory()).toBe(true);
    }
  });

  it('opens on a home dashboard that is actually mounted', () => {
    const home = environmentOf(grafana).GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH;
    if (home === undefined) return;
    const hostPath = hostPathOf(grafana, home);
    expect(hostPath && existsSync(hostPath), `${home} is not inside a mounted folder`).toBe(true);
  });
});

describe('Grafana dashboard "Agenda Inteligente"', () => {
  const grafana = services.grafana!;
  const providerDirs = readdirSync(repoFile('server/ops/grafana/provisioning/dashboards'))
    .filter((f) => /\.ya?ml$/.test(f))
    .flatMap((f) => parseYaml(readText(`server/ops/grafana/provisioning/dashboards/${f}`)).providers ?? [])
    .map((p: { options: { path: string } }) => hostPathOf(grafana, p.options.path))
    .filter((dir: string | undefined): dir is string => Boolean(dir && existsSync(dir)));
  const dashboards = providerDirs.flatMap((dir: string) =>
    readdirSync(dir)
      .filter((f) => f.endsWith('.json'))
      .map((f) => ({ file: relative(root, join(dir, f)), json: JSON.parse(readFileSync(join(dir, f), 'utf8')) })),
  );
  const entry = dashboards.find((d) => d.json.uid === 'agenda-inteligente');
  const dashboard = entry?.json;
  const panels: Panel[] = allPanels(dashboard?.panels ?? []);
  const queries = panels.flatMap((p) => (p.targets ?? []).map((t) => ({ panel: p.title, ...t })));
  const datasourceUid: string = parseYaml(readText('server/ops/grafana/provisioning/datasources/prometheus.yml')).datasources[0].uid;
  let series = new Map<string, string[]>();

  beforeAll(async () => {
    series = await seriesOf(createMetrics().registry);
  });

  it('is provisioned from the mounted dashboards folder with its fixed title and uid', () => {
    expect(entry?.file).toBe('server/ops/grafana/dashboards/agenda-inteligente.json');
    expect(dashboard.title).toBe('Agenda Inteligente');
  });

  it('filters by a multi-value "company" variable with All', () => {
    const company = dashboard.templating.list.find((v: { name: string }) => v.name === 'company');
    expect(company).toBeDefined();
    expect(company.multi).toBe(true);
    expect(company.includeAll).toBe(true);
    expect(variableQuery(company).replace(/\s+/g, '')).toBe('label_values(secretaria_appointments_total,company)');
    expect(company.datasource?.uid).toBe(datasourceUid);
  });

  it('uses the provisioned datasource uid on every panel and every query', () => {
    expect(panels.length).toBeGreaterThan(0);
    const wrong = [
      ...panels.filter((p) => typeof p.datasource !== 'object' || p.datasource?.uid !== datasourceUid).map((p) => `panel ${p.title}`),
      ...queries.filter((q) => q.datasource?.uid !== datasourceUid).map((q) => `query ${q.refId} of ${q.panel}`),
    ];
    expect(wrong).toEqual([]);
  });

  it('queries only metrics and labels of the registry built by createMetrics()', () => {
    expect(queries.length).toBeGreaterThan(0);
    const problems = queries.flatMap((q) =>
      q.expr ? promqlProblems(q.expr, series, q.legendFormat).map((p) => `${q.panel}: ${p}`) : [`${q.panel}: query ${q.refId} has no expr`],
    );
    for (const variable of dashboard.templating.list) {
      const m = /^label_values\(\s*([\w:]+)\s*,\s*(\w+)\s*\)$/.exec(variableQuery(variable));
      if (!m) continue;
      if (!series.get(m[1]!)?.includes(m[2]!)) problems.push(`variable ${variable.name}: ${m[1]} has no label ${m[2]}`);
    }
    expect(problems).toEqual([]);
  });

  it('filters every tenant-labelled metric by $company', () => {
    const unfiltered = queries.flatMap((q) =>
      promqlMetricNames(q.expr ?? '')
        .filter((name) => series.get(name)?.includes('company'))
        .filter((name) => !new RegExp(`${name}\\{[^}]*\\bcompany=~"\\$company"`).test(q.expr!))
        .map((name) => `${q.panel}: ${name}`),
    );
    expect(unfiltered).toEqual([]);
  });

  it('covers what operators asked for', () => {
    const used = new Set(queries.flatMap((q) => promqlMetricNames(q.expr ?? '')));
    expect([...used]).toEqual(
      expect.arrayContaining([
        'secretaria_appointments_total',
        'secretaria_appointments_confirmed_total',
        'secretaria_appointments_cancelled_total',
        'secretaria_appointments_latency_seconds_bucket',
        'secretaria_webhook_deliveries_total',
        'secretaria_whatsapp_inbound_total',
        'secretaria_whatsapp_outbound_total',
        'secretaria_graphql_active_subscriptions',
        'secretaria_job_queue_depth',
        'secretaria_jobs_failed_total',
        'secretaria_http_request_duration_seconds_bucket',
        'secretaria_diagnostics_total',
        'secretaria_reminders_total',
        'secretaria_attendance_total',
      ]),
    );
    const exprs = queries.map((q) => q.expr ?? '');
    expect(exprs.some((e) => /histogram_quantile\(0\.5,[^]*secretaria_appointments_latency_seconds_bucket/.test(e))).toBe(true);
    expect(exprs.some((e) => /histogram_quantile\(0\.95,[^]*secretaria_appointments_latency_seconds_bucket/.test(e))).toBe(true);
    expect(exprs.some((e) => /secretaria_appointments_confirmed_total[^]*\/[^]*secretaria_appointments_total/.test(e))).toBe(true);
    expect(exprs.some((e) => /by \([^)]*\bvia\b[^)]*\)[^]*secretaria_appointments_cancelled_total/.test(e))).toBe(true);
  });

  it('lays panels out on the 24-column grid with unique ids and no overlap', () => {
    const ids = panels.map((p) => p.id);
    expect(new Set(ids).size).toBe(ids.length);
    const overlaps: string[] = [];
    for (const [i, a] of panels.entries()) {
      expect(a.gridPos.x + a.gridPos.w, a.title).toBeLessThanOrEqual(24);
      for (const b of panels.slice(i + 1)) {
        const apart =
          a.gridPos.x + a.gridPos.w <= b.gridPos.x || b.gridPos.x + b.gridPos.w <= a.gridPos.x ||
          a.gridPos.y + a.gridPos.h <= b.gridPos.y || b.gridPos.y + b.gridPos.h <= a.gridPos.y;
        if (!apart) overlaps.push(`${a.title} / ${b.title}`);
      }
    }
    expect(overlaps).toEqual([]);
  });
});

// The checks above are only as good as these readers: each must reject what it exists to catch.
describe('the readers used by these checks', () => {
  const series = new Map([
    ['secretaria_appointments_total', ['company', 'source']],
    ['secretaria_appointments_latency_seconds_bucket', ['company', 'outcome', 'le']],
  ]);

  it('reports unknown metrics, labels and legend labels, and accepts valid PromQL', () => {
    const ok = 'histogram_quantile(0.95, sum by (le) (rate(secretaria_appointments_latency_seconds_bucket{company=~"$company"}[$__rate_interval])))';
    expect(promqlProblems(ok, series, 'p95 {{instance}}')).toEqual([]);
    expect(promqlProblems('sum(rate(secretaria_appointment_total[5m]))', series)).toEqual([
      'unknown metric secretaria_appointment_total in "sum(rate(secretaria_appointment_total[5m]))"',
    ]);
    expect(promqlProblems('sum(secretaria_appointments_total{tenant="x"})', series)).toEqual([
      'secretaria_appointments_total has no label "tenant"',
    ]);
    expect(promqlProblems('sum by (via) (secretaria_appointments_total)', series, '{{phone}}')).toHaveLength(2);
    expect(promqlMetricNames('sum(increase(a_total{x="y z"}[1h] offset 5m)) / on(company) group_left b > 0')).toEqual(['a_total', 'b']);
  });

  it('finds interpolated variables but not escaped $$', () => {
    const found = composeVariables({ a: '${A:?x} $B ${C:-d} $${D} ${E-e}', b: ['${F?msg}'] });
    expect([...found.keys()].sort()).toEqual(['A', 'B', 'C', 'E', 'F']);
    expect([...found].filter(([, v]) => v.required).map(([k]) => k).sort()).toEqual(['A', 'F']);
  });

  it('reads the last USER of the last Dockerfile stage', () => {
    const stages = dockerfileStages('FROM a AS b\nUSER node\nFROM c\nRUN x \\\n  # comment\n  && y\nUSER root\n');
    expect(stages).toHaveLength(2);
    expect(stages[1]!.map((i) => `${i.keyword} ${i.args}`)).toEqual(['FROM c', 'RUN x    && y', 'USER root']);
  });

  it('reads published and exposed container ports', () => {
    expect(containerPorts({ ports: ['127.0.0.1:${P:-9090}:9090', 4000, { target: 3000 }], expose: ['9464/tcp'] })).toEqual([9090, 4000, 3000, 9464]);
  });
});
