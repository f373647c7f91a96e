import { afterEach, describe, expect, it } from 'vitest';
import { sleep } from '@dtbot/shared';
import { waitFor } from '@dtbot/testkit';
import { noticeText } from '../src/notices/notice-text.js';
import { startWorkerHarness, type HarnessOptions, type WorkerHarness } from './worker-harness.js';

// Queue notices in-process: the real processor and sweeper on real Redis, the fake model and DingTalk. The notice
// delay is long (a minute), so the running sweepers never find a notice due by themselves: each test sweeps the
// moment it wants, `sweep(later)`, and nothing depends on the clock.
const AFTER_MS = 60_000;
const later = () => Date.now() + AFTER_MS + 1000;

let harness: WorkerHarness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

async function start(label: string, options: Partial<HarnessOptions> = {}): Promise<WorkerHarness> {
  harness = await startWorkerHarness({
    label,
    ...options,
    env: { QUEUE_NOTICE_AFTER_MS: String(AFTER_MS), ...(options.env as Record<string, string>) },
  });
  return harness;
}

const sessionOf = (webhook: string) => new URL(webhook).searchParams.get('session');
const textsTo = (h: WorkerHarness, webhook: string) => h.dingtalk.delivered().filter((m) => m.target === sessionOf(webhook)).map((m) => m.text);

/**
 * Logs one answer start each second from `secondsAgo` ago to a few seconds ahead, each of a message that had waited
 * since before the first: a drain of 1 a second.
 */
async function drainedOnePerSecond(h: WorkerHarness, secondsAgo: number): Promise<void> {
  const now = Date.now();
  for (let s = -secondsAgo; s <= 3; s += 1) await h.deps.notices!.answerStarted(`earlier-${s}`, now + s * 1000, now - (secondsAgo + 1) * 1000);
}

const SAID_WAIT = /预计约 ([\d.]+) (秒|分钟)后回答/;
const UNIT_SECONDS: Record<string, number> = { 秒: 1, 分钟: 60 };

/** Resolves at the next moment `phaseMs` into a wall-clock second: a test that needs its burst to begin late in one. */
function clockPhase(phaseMs: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, (phaseMs - (Date.now() % 1000) + 1000) % 1000));
}

describe('queue notices', () => {
  it('tell each waiting message once how many messages are ahead of it, commands included, then answer it', async () => {
    const h = await start('notice-backlog', { paused: true, concurrency: 1 });
    const command = h.message({ text: '/help' });
    await h.send(command);
    const questions = [0, 1, 2, 3].map((i) => h.message({ text: `question ${i}`, senderStaffId: `asker-${i}` }));
    const sent = [];
    for (const question of questions) sent.push(await h.send(question));

    const results = await h.sweepers[0]!.sweep(later());
    expect(results).toEqual(['sent', 'sent', 'sent', 'sent']);
    // The command waits on BullMQ's plain list, served before every question; it gets no notice.
    expect(questions.map((question) => textsTo(h, question.sessionWebhook))).toEqual([1, 2, 3, 4].map((ahead) => [noticeText(ahead, undefined)]));
    expect(textsTo(h, command.sessionWebhook)).toEqual([]);
    expect(noticeText(4, undefined)).toBe('前面还有 4 条消息，轮到时会立即回答，请稍候。');
    // Taken off the schedule: a second look finds nothing due.
    expect(await h.sweepers[0]!.sweep(later())).toEqual([]);

    h.resume();
    expect(await Promise.all(sent.map((message) => message.settled))).toEqual(['completed', 'completed', 'completed', 'completed']);
    questions.forEach((question, i) => {
      expect(textsTo(h, question.sessionWebhook)).toEqual([noticeText(i + 1, undefined), `答复: question ${i}`]);
    });
    expect(await h.deps.metrics.queueNotices.get()).toMatchObject({ values: [{ labels: { result: 'sent' }, value: 4 }] });
  });

  it('estimate the wait from the recent drain rate', async () => {
    const h = await start('notice-estimate', { paused: true, concurrency: 1 });
    await drainedOnePerSecond(h, 20);
    const questions = Array.from({ length: 3 }, (_, i) => h.message({ text: `q${i}`, senderStaffId: `waiting-${i}` }));
    for (const question of questions) await h.send(question);

    expect(await h.sweepers[0]!.sweep(later())).toEqual(['sent', 'sent', 'sent']);
    expect(questions.map((question) => textsTo(h, question.sessionWebhook))).toEqual([0, 1, 2].map((ahead) => [noticeText(ahead, 1)]));
    expect(textsTo(h, questions[2]!.sessionWebhook)).toEqual(['前面还有 2 条消息，预计约 3 秒后回答。']);
  });

  it('burst of 40 after a quiet spell, one slot, notice after 1 s: each wait of 2 s or more is told within 30 %', async () => {
    const questions = 40;
    const h = await start('notice-burst', { concurrency: 1, openai: { latencyMs: 150 }, env: { QUEUE_NOTICE_AFTER_MS: '1000' } });
    // One answer first, so the burst meets a warm process (connections open, code compiled) as in production.
    expect((await h.ask(h.message({ text: 'warm-up', senderStaffId: 'warm-up' }))).reply).toBe('答复: warm-up');
    // The burst's first answer starts late in a wall-clock second, as it did where whole-second start counts read
    // half the drain rate: the only finished second with a start was mostly idle.
    await clockPhase(850);
    const burst = Array.from({ length: questions }, (_, i) => h.message({ text: `burst ${i}`, senderStaffId: `burst-${i}` }));
    const questionOf = new Map(burst.map((message, i) => [sessionOf(message.sessionWebhook), i]));
    const sent = await Promise.all(burst.map((message) => h.send(message)));
    expect(new Set(await Promise.all(sent.map((message) => message.settled)))).toEqual(new Set(['completed']));

    const modelCalledAt = new Map<number, number>();
    for (const request of h.openai.requests) {
      const asked = /burst (\d+)/.exec(JSON.stringify(request.body))?.[1];
      if (asked !== undefined && !modelCalledAt.has(Number(asked))) modelCalledAt.set(Number(asked), request.receivedAt);
    }
    const judged: { question: number; saidSeconds: number; waitedSeconds: number }[] = [];
    let told = 0;
    for (const notice of h.dingtalk.delivered()) {
      const question = questionOf.get(notice.target);
      if (question === undefined || notice.text.startsWith('答复')) continue;
      told += 1;
      const said = SAID_WAIT.exec(notice.text);
      expect(said, notice.text).not.toBeNull();
      const waitedSeconds = (modelCalledAt.get(question)! - notice.receivedAt) / 1000;
      if (waitedSeconds >= 2) judged.push({ question, saidSeconds: Number(said![1]) * UNIT_SECONDS[said![2]!]!, waitedSeconds });
    }
    expect(told).toBeGreaterThan(questions / 2);
    expect(judged.length).toBeGreaterThanOrEqual(15);
    const off = judged.filter(({ saidSeconds, waitedSeconds }) => Math.abs(saidSeconds - waitedSeconds) / waitedSeconds > 0.3);
    expect(off).toEqual([]);
  }, 30_000);

  it('are not sent once the answer started, nor for a message that is gone', async () => {
    const h = await start('notice-started');
    const { reply, jobId } = await h.ask(h.message({ text: 'quick one' }));
    expect(reply).toBe('答复: quick one');
    // Its start took it off the schedule: nothing is due, however late.
    expect(await h.sweepers[0]!.sweep(later())).toEqual([]);
    // Scheduled by hand as a late sweeper would find it: the started answer still wins. Due a minute from now, as
    // every notice here, so that only this test's sweep finds it, not the harness' running sweepers.
    const dueLater = () => Date.now() + AFTER_MS;
    await h.deps.notices!.reschedule(jobId, dueLater());
    expect(await h.sweepers[0]!.sweep(later())).toEqual(['skipped']);
    await h.deps.notices!.reschedule('no-such-job.1', dueLater());
    expect(await h.sweepers[0]!.sweep(later())).toEqual(['skipped']);
    expect(h.dingtalk.delivered().map((m) => m.text)).toEqual(['答复: quick one']);
  });

  it('hold the answer back while a notice is on its way, so the notice always comes first', async () => {
    const h = await start('notice-race', { paused: true });
    const question = h.message({ text: 'racing' });
    const { jobId, settled } = await h.send(question);
    // A sweeper elsewhere has claimed the notice and is still delivering it.
    expect(await h.deps.notices!.takeDue(later(), 10)).toEqual([jobId]);
    expect(await h.deps.notices!.claim(jobId)).toBe(true);
    h.resume();
    await waitFor(async () => (await h.queue.getJobState(jobId)) === 'active');
    await sleep(300);
    expect(h.openai.requests).toHaveLength(0);
    await h.deps.notices!.settle(jobId, 'sent');
    expect(await settled).toBe('completed');
    expect(textsTo(h, question.sessionWebhook)).toEqual(['答复: racing']);
  });

  it('show in the answer\'s own AI card, which the answer then replaces: one card, no message', async () => {
    const template = 'answer-card.schema';
    const h = await start('notice-card', {
      paused: true,
      env: { QUEUE_NOTICE_AFTER_MS: String(AFTER_MS), DINGTALK_CARD_TEMPLATE_ID: template, DINGTALK_CARD_UPDATE_MS: '50' },
      dingtalk: { cardTemplates: [template] },
    });
    const question = h.groupMessage({ text: 'card please', senderStaffId: 'carded', senderNick: '小王' });
    const { settled } = await h.send(question);
    expect(await h.sweepers[0]!.sweep(later())).toEqual(['sent']);
    expect(h.dingtalk.cards()).toHaveLength(1);
    expect(h.dingtalk.cards()[0]!.updates.map((update) => [update.content, update.isFinalize])).toEqual([[noticeText(0, undefined), false]]);

    h.resume();
    expect(await settled).toBe('completed');
    const [card] = h.dingtalk.cards();
    expect(h.dingtalk.cards()).toHaveLength(1);
    expect(card).toMatchObject({ finalized: true, params: { content: '答复: card please', flowStatus: '3' } });
    expect(h.dingtalk.delivered()).toEqual([]);
  });

  it('go to a group through the session webhook with the asker @-mentioned, or through the OpenAPI once it expired', async () => {
    const h = await start('notice-routes', { paused: true, concurrency: 1 });
    const fresh = h.groupMessage({ text: 'fresh webhook', senderStaffId: 'fresh', conversationId: 'cid-notice-routes' });
    const stale = h.groupMessage({
      text: 'expired webhook',
      senderStaffId: 'stale',
      conversationId: 'cid-notice-routes',
      sessionWebhookExpiredTime: Date.now() - 1000,
    });
    const sent = [await h.send(fresh), await h.send(stale)];
    expect(await h.sweepers[0]!.sweep(later())).toEqual(['sent', 'sent']);

    const [toFresh, toStale] = h.dingtalk.delivered();
    expect(toFresh).toMatchObject({ route: 'webhook', target: sessionOf(fresh.sessionWebhook), atUserIds: ['fresh'] });
    expect(toFresh!.text).toContain(noticeText(0, undefined));
    expect(toStale).toMatchObject({ route: 'openapi', kind: 'sampleMarkdown', target: 'cid-notice-routes', text: `${noticeText(1, undefined)}\n\n@stale` });

    h.resume();
    expect(await Promise.all(sent.map((message) => message.settled))).toEqual(['completed', 'completed']);
    const routes = h.dingtalk.delivered().map((m) => [m.route, m.text.split('\n')[0]]);
    expect(routes).toEqual([
      ['webhook', noticeText(0, undefined)],
      ['openapi', noticeText(1, undefined)],
      ['webhook', '答复: fresh webhook'],
      ['openapi', '答复: expired webhook'],
    ]);
  });

  it('are off with QUEUE_NOTICE_AFTER_MS=0: nothing is scheduled and no sweeper runs', async () => {
    const h = await start('notice-off', { env: { QUEUE_NOTICE_AFTER_MS: '0' } });
    expect(h.sweepers).toEqual([]);
    expect(h.deps.notices).toBeUndefined();
    const { reply } = await h.ask(h.message({ text: 'no notice' }));
    expect(reply).toBe('答复: no notice');
    expect(await h.deps.redis.exists(h.deps.keys.noticeDue())).toBe(0);
  });
});
