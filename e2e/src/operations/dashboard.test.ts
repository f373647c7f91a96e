import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { launchBrowser, waitFor } from '@dtbot/testkit';
import { spawnApp } from '../harness/spawn-app.js';
import { System } from '../harness/start-system.js';

const USER = 'operator';
const PASSWORD = 'correct horse battery';

/** The operator's view: the built gateway with the dashboard on, a real Chromium, a message that failed for good. */
describe('queue dashboard in a browser', () => {
  let system: System;
  let browser: Browser;
  let dashboard: string;

  beforeAll(async () => {
    system = await System.start({ label: 'dashboard', workers: 1, gatewayEnv: { DASHBOARD_USERNAME: USER, DASHBOARD_PASSWORD: PASSWORD } });
    browser = await launchBrowser();
    dashboard = `http://127.0.0.1:${system.gateway.port}/admin/queues`;
  });

  afterAll(async () => {
    await browser?.close();
    await system?.close();
  });

  it('is refused without credentials', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    const challenges: string[] = [];
    page.on('response', (response) => challenges.push(`${response.status()} ${response.headers()['www-authenticate']}`));
    // A headless browser cannot ask for a password: the navigation fails on the 401 challenge.
    await expect(page.goto(dashboard)).rejects.toThrow(/ERR_INVALID_AUTH_CREDENTIALS/);
    expect(challenges).toContain('401 Basic realm="dtbot dashboard", charset="UTF-8"');
    await context.close();
  });

  it('shows a failed job with its session token masked, retries it, and the answer then arrives once', async () => {
    expect(system.gateway.logs.some((line) => line.msg === 'queue dashboard listening' && line.path === '/admin/queues')).toBe(true);

    // The model refuses (401): the asker gets an apology, the job stays failed.
    system.openai.setBehaviour({ status: 401 });
    const message = system.message({ text: 'answer me after the fix', senderStaffId: 'dashboard' });
    const session = new URL(message.sessionWebhook).searchParams.get('session')!;
    expect((await system.post(message)).status).toBe(200);
    await waitFor(async () => (await system.queue.getJobCounts('failed')).failed === 1, { timeoutMs: 10_000 });
    const [failed] = await system.queue.getFailed();
    system.openai.setBehaviour({ status: undefined });

    const context = await browser.newContext({ httpCredentials: { username: USER, password: PASSWORD }, viewport: { width: 1280, height: 800 } });
    const page = await context.newPage();
    expect((await page.goto(`${dashboard}/queue/messages?status=failed`))?.status()).toBe(200);
    await page.getByText(failed!.id!).waitFor();
    await page.locator('button', { hasText: /^Data$/ }).click();
    await page.getByText('session=***').waitFor();
    expect(await page.content()).not.toContain(session);
    if (process.env.DASHBOARD_SCREENSHOT) await page.screenshot({ path: process.env.DASHBOARD_SCREENSHOT });

    await page.locator('button:not(:has-text("Retry all")):has(svg.lucide-refresh-cw)').click();
    await page.getByRole('button', { name: 'Confirm' }).click();
    await waitFor(() => system.dingtalk.delivered().some((m) => m.text === '答复: answer me after the fix'), { timeoutMs: 10_000 });
    await waitFor(async () => (await system.queue.getJobState(failed!.id!)) === 'completed', { timeoutMs: 5000 });
    const replies = system.dingtalk.delivered().filter((m) => m.target === session).map((m) => m.text);
    expect(replies.filter((text) => text === '答复: answer me after the fix')).toHaveLength(1);
    expect(replies.filter((text) => text.startsWith('抱歉'))).toHaveLength(1);
    expect(replies).toHaveLength(2);
    await context.close();
  }, 30_000);

  it('with DASHBOARD_PORT listens there alone: the callback port has no dashboard', async () => {
    const env = { ...system.env, PORT: '0', DASHBOARD_USERNAME: USER, DASHBOARD_PASSWORD: PASSWORD, DASHBOARD_PORT: '0' };
    const gateway = await spawnApp('gateway', env, /gateway listening/);
    try {
      await waitFor(() => gateway.logs.some((line) => line.msg === 'queue dashboard listening'));
      const { port } = gateway.logs.find((line) => line.msg === 'queue dashboard listening') as { port: number };
      expect(port).not.toBe(gateway.port);
      const authorization = `Basic ${Buffer.from(`${USER}:${PASSWORD}`).toString('base64')}`;
      expect((await fetch(`http://127.0.0.1:${gateway.port}/admin/queues`, { headers: { authorization } })).status).toBe(404);
      expect((await fetch(`http://127.0.0.1:${port}/admin/queues`, { headers: { authorization } })).status).toBe(200);
      expect((await fetch(`http://127.0.0.1:${port}/admin/queues`)).status).toBe(401);
      // Nothing else is served there.
      expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).toBe(404);
    } finally {
      await gateway.stop();
    }
  });

  it('is off, and says so at start, without DASHBOARD_USERNAME and DASHBOARD_PASSWORD', async () => {
    const gateway = await spawnApp('gateway', { ...system.env, PORT: '0' }, /gateway listening/);
    try {
      await waitFor(() => gateway.logs.some((line) => String(line.msg).startsWith('queue dashboard off')));
      expect((await fetch(`http://127.0.0.1:${gateway.port}/admin/queues`)).status).toBe(404);
    } finally {
      await gateway.stop();
    }
  });
});
