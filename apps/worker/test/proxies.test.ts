import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startForwardProxy, type ForwardProxy } from '@dtbot/testkit';
import { startWorkerHarness, type WorkerHarness } from './worker-harness.js';

// Outgoing requests through a real forward proxy on 127.0.0.1: the model call and every DingTalk request.
let proxy: ForwardProxy;
const harnesses: WorkerHarness[] = [];

beforeAll(async () => {
  proxy = await startForwardProxy();
});

afterAll(async () => {
  await Promise.all(harnesses.map((harness) => harness.close()));
  await proxy.close();
});

async function ask(harness: WorkerHarness, text: string): Promise<void> {
  harnesses.push(harness);
  const message = harness.message({ text, senderStaffId: 'proxied' });
  expect(await (await harness.send(message)).settled).toBe('completed');
  expect(harness.dingtalk.delivered().map((m) => m.text)).toEqual([`答复: ${text}`]);
}

describe('HTTP_PROXY', () => {
  it('carries the model call and the DingTalk reply through the proxy', async () => {
    const harness = await startWorkerHarness({ label: 'proxy-all', env: { HTTP_PROXY: proxy.url } });
    await ask(harness, 'through the proxy');
    expect(proxy.requestsTo(harness.openai.baseURL).length).toBeGreaterThan(0);
    expect(proxy.requestsTo(harness.dingtalk.origin).length).toBeGreaterThan(0);
  });

  it('reaches what NO_PROXY (lower-case here) names directly, the rest through the proxy', async () => {
    const harness = await startWorkerHarness({
      label: 'proxy-bypass',
      env: ({ dingtalk }) => ({ http_proxy: proxy.url, no_proxy: new URL(dingtalk.origin).host }),
    });
    await ask(harness, 'model proxied, DingTalk direct');
    expect(proxy.requestsTo(harness.openai.baseURL).length).toBeGreaterThan(0);
    expect(proxy.requestsTo(harness.dingtalk.origin)).toEqual([]);
  });
});
