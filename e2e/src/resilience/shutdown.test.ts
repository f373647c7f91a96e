import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request as httpRequest } from 'node:http';
import { sleep } from '@dtbot/shared';
import { signedHeaders, waitFor } from '@dtbot/testkit';
import { APP_SECRET, System } from '../harness/start-system.js';

describe('SIGTERM drains instead of dropping work', () => {
  let system: System;

  beforeAll(async () => {
    system = await System.start({ label: 'shutdown', workers: 1, openai: { latencyMs: 1000 } });
  });

  afterAll(async () => {
    await system?.close();
  });

  it('lets a worker finish the answers in flight, then exit 0', async () => {
    const texts = Array.from({ length: 5 }, (_, i) => `drain ${i}`);
    for (const text of texts) expect((await system.post(system.message({ text, senderStaffId: text }))).status).toBe(200);
    await waitFor(() => system.openai.requests.length === 5, { timeoutMs: 5000 });

    const worker = system.workers[0]!;
    const exitCode = await worker.stop('SIGTERM');
    expect(exitCode).toBe(0);
    // Everything in flight was delivered before the process exited.
    expect(system.dingtalk.delivered().map((m) => m.text).sort()).toEqual(texts.map((t) => `答复: ${t}`).sort());
    expect(worker.logs.some((line) => line.msg === 'worker stopped')).toBe(true);
  });

  it('lets the gateway finish a callback it is reading, then exit 0 and take no more', async () => {
    const body = Buffer.from(JSON.stringify(system.message({ text: 'last one in' })));
    const jobsBefore = await system.jobCount();
    // A callback whose body is still arriving when SIGTERM comes: the gateway must not drop it.
    const request = httpRequest({
      host: '127.0.0.1',
      port: system.gateway.port,
      method: 'POST',
      path: '/dingtalk/callback',
      agent: false,
      headers: { ...signedHeaders(APP_SECRET), 'content-length': String(body.length) },
    });
    const response = new Promise<number>((resolve, reject) => {
      request.on('response', (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      request.on('error', reject);
    });
    request.write(body.subarray(0, 20));
    await sleep(200);
    const exit = system.gateway.stop('SIGTERM');
    await sleep(200);
    request.end(body.subarray(20));

    expect(await response).toBe(200);
    expect(await exit).toBe(0);
    expect(await system.jobCount()).toBe(jobsBefore + 1);
    await expect(system.post(system.message({ text: 'too late' }))).rejects.toThrow();
  });
});
