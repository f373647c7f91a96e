import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { metricNamesIn, monitoringQueries, recordedNames, scalerQueries } from '@dtbot/deploy';
import { System } from '../harness/start-system.js';

/** Series names a /metrics page declares, with the suffixes Prometheus derives from histograms and summaries. */
function declaredNames(text: string): Set<string> {
  const names = new Set<string>();
  for (const match of text.matchAll(/^# TYPE (\S+) (\w+)$/gm)) {
    const [, name, type] = match as unknown as [string, string, string];
    names.add(name);
    if (type === 'histogram') for (const suffix of ['_bucket', '_sum', '_count']) names.add(name + suffix);
    if (type === 'summary') for (const suffix of ['_sum', '_count']) names.add(name + suffix);
  }
  return names;
}

// The alerts, the dashboard and the autoscaler are only as good as the names they query: scrape the built apps
// and check each one.
describe('monitoring and autoscaling queries', () => {
  let system: System;
  let registered: Set<string>;
  let declared: string[];

  beforeAll(async () => {
    system = await System.start({ label: 'metric-names', workers: 1 });
    const pages = await Promise.all([system.get('/metrics', system.gateway.metricsPort), system.get('/metrics', system.workers[0]!.port)]);
    registered = new Set(pages.flatMap((page) => [...declaredNames(String(page.body))]));
    declared = pages.flatMap((page) => [...String(page.body).matchAll(/^# TYPE (\S+) /gm)].map((match) => match[1]!));
  });

  afterAll(async () => {
    await system?.close();
  });

  it('the built gateway serves /metrics on its metrics port only: the callback port answers 404', async () => {
    expect(system.gateway.metricsPort).not.toBe(system.gateway.port);
    expect((await system.get('/metrics')).status).toBe(404);
    expect(registered.has('dtbot_gateway_callbacks_total')).toBe(true);
  });

  it('use only metrics the gateway and the worker register', () => {
    // `up` is Prometheus's own; recorded names come from the rules themselves.
    const ours = (name: string) => name !== 'up' && !recordedNames().has(name);
    const unknown = [...monitoringQueries(), ...scalerQueries()].flatMap(({ where, expr }) =>
      metricNamesIn(expr)
        .filter((name) => ours(name) && !registered.has(name))
        .map((name) => `${where}: ${name}`),
    );
    expect(unknown).toEqual([]);
    expect(registered).toContain('dtbot_queue_jobs');
  });

  it('are all documented in the README, apart from Node.js default process metrics', () => {
    const readme = readFileSync(new URL('../../../README.md', import.meta.url), 'utf8');
    const ours = declared.filter((name) => !/^dtbot_(gateway|worker)_(process|nodejs)_/.test(name));
    expect(ours.length).toBeGreaterThan(10);
    expect(ours.filter((name) => !readme.includes(`\`${name}`))).toEqual([]);
  });
});
