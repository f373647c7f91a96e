import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createLogger } from '@dtbot/shared';
import { signedHeaders } from '@dtbot/testkit';
import { buildApp } from '../src/app.js';
import { CALLBACK_PATHS } from '../src/callback/callback-paths.js';
import { createGatewayMetrics } from '../src/metrics.js';
import { ROBOT, type AcceptStack } from './contract/accept-stack.js';
import { ingressContract, type Heard, type IngressDriver } from './contract/ingress-contract.js';

/** 200 is taken, 503 asks for a resend, any other refusal is for good. */
function heardFromStatus(status: number): Heard {
  if (status === 200) return 'acknowledged';
  if (status === 503) return 'not_acknowledged';
  if (status >= 400 && status < 500) return 'refused';
  throw new Error(`unexpected HTTP status ${status}`);
}

async function startHttpDriver(stack: AcceptStack, path: string): Promise<IngressDriver> {
  const app = buildApp({
    ...stack.accept,
    logger: createLogger('http-contract', 'silent'),
    redis: stack.redis,
    metrics: createGatewayMetrics(),
    robots: [ROBOT],
    maxBodyBytes: 64 * 1024,
    isDraining: () => false,
  });
  const server = createServer(app.callback()).listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}${path}`;
  return {
    async deliver(json) {
      const response = await fetch(url, { method: 'POST', headers: signedHeaders(ROBOT.appSecret), body: json });
      await response.arrayBuffer();
      return heardFromStatus(response.status);
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

// Both callback routes, ours and chatgpt-dingtalk's `/`, answer alike.
for (const path of CALLBACK_PATHS) ingressContract(`HTTP callback on ${path}`, (stack) => startHttpDriver(stack, path), { bodyAuthenticated: false });
