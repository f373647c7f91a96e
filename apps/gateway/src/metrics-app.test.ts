import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGatewayMetrics } from './metrics.js';
import { buildMetricsApp } from './metrics-app.js';

let server: Server;
let base: string;

beforeAll(async () => {
  const metrics = createGatewayMetrics();
  metrics.callbacks.inc({ result: 'stored' });
  server = createServer(buildMetricsApp(metrics).callback()).listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(() => {
  server?.close();
});

describe('the metrics port', () => {
  it('GET /metrics answers Prometheus text', async () => {
    const response = await fetch(`${base}/metrics`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('text/plain');
    expect(await response.text()).toContain('dtbot_gateway_callbacks_total{result="stored"} 1');
  });

  it('any other path is 404, and a POST to /metrics is 405', async () => {
    for (const path of ['/', '/healthz', '/dingtalk/callback', '/metrics/x']) expect((await fetch(`${base}${path}`)).status).toBe(404);
    expect((await fetch(`${base}/metrics`, { method: 'POST' })).status).toBe(405);
  });
});
