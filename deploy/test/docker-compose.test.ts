import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { DRAIN_DEADLINE_MS, gatewaySchema, NODE_FLAGS, workerSchema } from '@dtbot/shared';

// `docker compose config` needs Docker; these checks need none and catch what drifts: a renamed setting, a port,
// a grace period shorter than the drain it must cover.
const root = new URL('../../', import.meta.url);
const compose = parse(readFileSync(new URL('docker-compose.yml', root), 'utf8'), { merge: true }) as {
  services: Record<string, Service>;
};
const dockerfile = readFileSync(new URL('Dockerfile', root), 'utf8');

interface Service {
  image?: string;
  build?: unknown;
  command?: string[];
  environment?: Record<string, string>;
  ports?: string[];
  healthcheck?: { test: string[] };
  stop_grace_period?: string;
  profiles?: string[];
  depends_on?: Record<string, { condition: string }>;
}

const apps = {
  gateway: { schema: gatewaySchema, main: 'apps/gateway/dist/main.js', port: 'PORT' },
  worker: { schema: workerSchema, main: 'apps/worker/dist/main.js', port: 'METRICS_PORT' },
} as const;

function seconds(duration: string): number {
  const match = /^(\d+)(ms|s|m)$/.exec(duration);
  if (!match) throw new Error(`not a compose duration: ${duration}`);
  return Number(match[1]) / { ms: 1000, s: 1, m: 1 / 60 }[match[2] as 'ms' | 's' | 'm'];
}

describe('docker-compose.yml', () => {
  it.each(Object.entries(apps))('%s runs the built entry point from the one image, with its node flags, after Redis is healthy', (name, app) => {
    const service = compose.services[name]!;
    expect(service.build).toBe('.');
    expect(service.command).toEqual(['node', ...NODE_FLAGS[name as keyof typeof NODE_FLAGS], app.main]);
    expect(service.depends_on).toEqual({ redis: { condition: 'service_healthy' } });
  });

  it.each(Object.entries(apps))('%s sets only settings its config schema knows', (name, app) => {
    const names = Object.keys(compose.services[name]!.environment ?? {});
    expect(names.length).toBeGreaterThan(0);
    expect(names.filter((variable) => !(variable in app.schema.shape))).toEqual([]);
  });

  it.each(Object.entries(apps))('%s checks its health on the port it listens on', (name, app) => {
    const service = compose.services[name]!;
    const port = service.environment?.[app.port] ?? String(app.schema.shape[app.port as keyof typeof app.schema.shape]);
    expect(service.healthcheck?.test.join(' ')).toContain(`http://127.0.0.1:${port}/healthz`);
  });

  it.each(Object.keys(apps))('%s gets longer to stop than its own drain deadline', (name) => {
    const drainMs = DRAIN_DEADLINE_MS[name as keyof typeof DRAIN_DEADLINE_MS];
    expect(seconds(compose.services[name]!.stop_grace_period!) * 1000).toBeGreaterThan(drainMs);
  });

  it('keeps Redis from evicting queue keys and persists it', () => {
    const command = compose.services.redis!.command!.join(' ');
    expect(command).toContain('--maxmemory-policy noeviction');
    expect(command).toContain('--appendonly yes');
  });

  it('publishes the gateway port, the dashboard port on loopback only, and no worker port, so workers scale without collisions', () => {
    expect(compose.services.gateway!.ports).toEqual(['8090:8090', `127.0.0.1:${compose.services.gateway!.environment!.DASHBOARD_PORT}:8091`]);
    expect(compose.services.worker!.ports).toBeUndefined();
  });

  it('keeps the gateway\'s /metrics on its own port, unpublished, where deploy/monitoring\'s Prometheus scrapes it', () => {
    const metricsPort = compose.services.gateway!.environment!.METRICS_PORT;
    expect(metricsPort).toBe(String(gatewaySchema.shape.METRICS_PORT.parse(undefined)));
    expect(metricsPort).not.toBe(compose.services.gateway!.environment!.PORT);
    expect(compose.services.gateway!.ports!.some((port) => port.split(':').includes(metricsPort!))).toBe(false);
  });
});

describe('Dockerfile', () => {
  it('exposes the default gateway, gateway metrics and worker ports, and runs the gateway by default, with its node flags, as a non-root user', () => {
    const ports = [gatewaySchema.shape.PORT, gatewaySchema.shape.METRICS_PORT, workerSchema.shape.METRICS_PORT].map((port) => port.parse(undefined));
    expect(dockerfile).toMatch(new RegExp(`^EXPOSE ${ports.join(' ')}$`, 'm'));
    expect(dockerfile).toMatch(/^CMD \[.*\]$/m);
    expect(JSON.parse(/^CMD (\[.*\])$/m.exec(dockerfile)![1]!)).toEqual(['node', ...NODE_FLAGS.gateway, 'apps/gateway/dist/main.js']);
    expect(dockerfile).toMatch(/^USER node$/m);
  });

  it('installs from the lockfile only', () => {
    expect(dockerfile).toContain('pnpm install --frozen-lockfile');
  });
});
