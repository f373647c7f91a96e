import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { gatewaySchema, workerSchema } from '@dtbot/shared';
import { alertRules, dashboard, monitoringQueries } from '../src/monitoring.js';
import { monitoringFile, monitoringPath } from '../src/monitoring.js';
import { metricNamesIn, promqlErrors } from '../src/promql.js';

const root = new URL('../../', import.meta.url);
const readme = readFileSync(new URL('README.md', root), 'utf8');
const compose = parse(readFileSync(new URL('docker-compose.yml', root), 'utf8'), { merge: true }) as {
  services: Record<string, { profiles?: string[]; volumes?: string[]; ports?: string[]; image?: string }>;
};

// promtool is the authority on Prometheus files; CI installs it (Debian's prometheus package). Where it is missing
// the PromQL is still parsed below with Prometheus's own grammar (lezer-promql).
const promtool = spawnSync('promtool', ['--version']).status === 0;

describe('Prometheus', () => {
  const config = parse(monitoringFile('prometheus/prometheus.yml')) as {
    rule_files: string[];
    scrape_configs: { job_name: string; dns_sd_configs: { names: string[]; port: number }[] }[];
  };

  it('scrapes every gateway and every worker replica on the ports they listen on by default', () => {
    const jobs = Object.fromEntries(config.scrape_configs.map((job) => [job.job_name, job.dns_sd_configs[0]]));
    expect(jobs['dtbot-gateway']).toMatchObject({ names: ['gateway'], port: gatewaySchema.shape.METRICS_PORT.parse(undefined) });
    expect(jobs['dtbot-worker']).toMatchObject({ names: ['worker'], port: workerSchema.shape.METRICS_PORT.parse(undefined) });
  });

  it('loads the alert rules', () => {
    expect(config.rule_files).toEqual(['alerts.yml']);
  });

  it.each(monitoringQueries())('$where is valid PromQL', ({ expr }) => {
    expect(promqlErrors(expr)).toEqual([]);
  });

  it('every alert pages or opens a ticket, waits before firing, says what to do and is explained in the README', () => {
    const alerts = alertRules().filter((rule) => rule.alert);
    expect(alerts.length).toBeGreaterThanOrEqual(8);
    for (const rule of alerts) {
      expect(['page', 'ticket'], rule.alert).toContain(rule.labels?.severity);
      expect(rule.for, rule.alert).toMatch(/^\d+m$/);
      expect(rule.annotations?.summary, rule.alert).toBeTruthy();
      expect(rule.annotations?.description, rule.alert).toBeTruthy();
      expect(readme, `README names ${rule.alert}`).toContain(`\`${rule.alert}\``);
    }
  });

  it.runIf(promtool || process.env.CI)('promtool accepts the config and the rules, and the rules pass their unit tests', () => {
    for (const args of [
      ['check', 'config', monitoringPath('prometheus/prometheus.yml')],
      ['test', 'rules', monitoringPath('prometheus/alerts.test.yml')],
    ]) {
      const run = spawnSync('promtool', args, { encoding: 'utf8' });
      expect(run.error, 'promtool is not installed (apt-get install prometheus)').toBeUndefined();
      expect(`${run.stdout}${run.stderr}`, `promtool ${args.join(' ')}`).toContain('SUCCESS');
      expect(run.status, `${run.stdout}${run.stderr}`).toBe(0);
    }
  });
});

describe('Grafana', () => {
  const board = dashboard();
  const datasources = parse(monitoringFile('grafana/provisioning/datasources/prometheus.yml')) as {
    datasources: { uid: string; url: string }[];
  };
  const providers = parse(monitoringFile('grafana/provisioning/dashboards/dtbot.yml')) as {
    providers: { options: { path: string } }[];
  };

  it('every panel queries the provisioned Prometheus, and none overlaps another', () => {
    const uid = datasources.datasources[0]!.uid;
    expect(datasources.datasources[0]!.url).toBe('http://prometheus:9090');
    const cells = new Set<string>();
    for (const panel of board.panels) {
      if (panel.type === 'row') continue;
      expect(panel.datasource?.uid, panel.title).toBe(uid);
      expect(panel.targets?.length, panel.title).toBeGreaterThan(0);
      for (const target of panel.targets ?? []) expect(target.datasource?.uid ?? uid).toBe(uid);
      const { x, y, w, h } = panel.gridPos;
      expect(x + w, panel.title).toBeLessThanOrEqual(24);
      for (let row = y; row < y + h; row += 1) {
        for (let column = x; column < x + w; column += 1) {
          expect(cells.has(`${row},${column}`), `${panel.title} overlaps at ${row},${column}`).toBe(false);
          cells.add(`${row},${column}`);
        }
      }
    }
    expect(new Set(board.panels.map((panel) => panel.id)).size).toBe(board.panels.length);
  });

  it('shows queue depth, throughput, latency percentiles, errors and 429s', () => {
    const used = new Set(monitoringQueries().filter((query) => query.where.startsWith('dtbot.json')).flatMap((query) => metricNamesIn(query.expr)));
    for (const name of [
      'dtbot_queue_jobs',
      'dtbot_queue_oldest_waiting_seconds',
      'dtbot_gateway_callbacks_total',
      'dtbot_worker_jobs_total',
      'dtbot_gateway_ack_seconds_bucket',
      'dtbot_worker_answer_seconds_bucket',
      'dtbot_worker_model_requests_total',
    ]) {
      expect(used, name).toContain(name);
    }
    const percentiles = monitoringQueries().filter((query) => query.expr.startsWith('histogram_quantile(0.99'));
    expect(percentiles.length).toBeGreaterThanOrEqual(3);
  });

  it('docker compose --profile monitoring mounts the provisioning and the dashboards where Grafana looks', () => {
    const grafana = compose.services.grafana!;
    expect(grafana.profiles).toEqual(['monitoring']);
    const mounts = Object.fromEntries((grafana.volumes ?? []).map((volume) => volume.split(':').slice(0, 2).reverse()));
    expect(mounts['/etc/grafana/provisioning']).toBe('./deploy/monitoring/grafana/provisioning');
    expect(mounts[providers.providers[0]!.options.path]).toBe('./deploy/monitoring/grafana/dashboards');
    expect(existsSync(new URL('deploy/monitoring/grafana/dashboards/dtbot.json', root))).toBe(true);
  });

  it('docker compose --profile monitoring runs Prometheus on its config, and neither UI is published beyond loopback', () => {
    const prometheus = compose.services.prometheus!;
    expect(prometheus.profiles).toEqual(['monitoring']);
    expect(prometheus.volumes).toContain('./deploy/monitoring/prometheus:/etc/prometheus:ro');
    for (const name of ['prometheus', 'grafana']) {
      for (const port of compose.services[name]!.ports ?? []) expect(port).toMatch(/^127\.0\.0\.1:/);
    }
    // Without the profile, `docker compose up` starts only Redis, gateway and worker.
    const always = Object.entries(compose.services).filter(([, service]) => !service.profiles).map(([name]) => name);
    expect(always.sort()).toEqual(['gateway', 'redis', 'worker']);
  });
});
