import { createQueueWorker, nextTickAfter, scheduleTickOf, type Job } from '@dtbot/queue';
import { PLAYGROUND_ROBOT_CODE, playgroundWebhookOf, type MessageJob } from '@dtbot/shared';
import { redisUrlForTests, waitFor, type DingTalkCallbackPayload } from '@dtbot/testkit';
import { Redis } from 'ioredis';
import { processMessage } from '../src/process-message.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMINS_ONLY } from '../src/replies/canned-replies.js';
import type { ScheduleDefinition } from '../src/schedules/schedule-definition.js';
import { storeTick } from '../src/schedules/schedule-worker.js';
import { storeScheduledMessage } from '../src/schedules/scheduled-message.js';
import { syncSchedulesFile } from '../src/schedules/sync-schedules-file.js';
import { openPlaygroundSession, playgroundAnswers } from './playground-sink.js';
import { startWorkerHarness, type WorkerHarness } from './worker-harness.js';

// Scheduled prompts through the real worker: admins' commands, the ticks BullMQ makes, each stored as a message of
// its chat and answered once through the OpenAPI. Real Redis, fake model, fake DingTalk.
const ADMIN = 'sched-admin';
let harness: WorkerHarness;

beforeAll(async () => {
  harness = await startWorkerHarness({
    label: 'schedules',
    env: { ADMIN_USERS: `${ADMIN},limit-admin,denied-admin`, ACCESS_DENY_USERS: 'denied-admin', SCHEDULES_PER_CHAT: '2', QUOTA_TIMEZONE: 'Asia/Shanghai' },
  });
});

afterAll(async () => {
  await harness?.close();
});

const sessionOf = (webhook: string) => new URL(webhook).searchParams.get('session');

/** Sends a command and gives the one reply its webhook got. */
async function command(message: DingTalkCallbackPayload): Promise<string> {
  const { settled } = await harness.send(message);
  expect(await settled).toBe('completed');
  const replies = harness.dingtalk.delivered().filter((m) => m.target === sessionOf(message.sessionWebhook));
  expect(replies).toHaveLength(1);
  return replies[0]!.text;
}

const group = (title: string, text: string, staffId = ADMIN) => harness.groupMessage({ conversationTitle: title, text, senderStaffId: staffId });
const idIn = (reply: string) => /已添加定时任务 `([a-z0-9]+)`/.exec(reply)?.[1];
const openApiPostsTo = (target: string) => harness.dingtalk.delivered().filter((m) => m.route === 'openapi' && m.target === target);

/** The pending tick of a schedule (BullMQ keeps exactly one). */
async function pendingTick(id: string): Promise<Job<ScheduleDefinition>> {
  const ticks = (await scheduleQueue().getDelayed()).filter((job) => scheduleTickOf(job)?.scheduleId === id);
  expect(ticks).toHaveLength(1);
  return ticks[0]! as Job<ScheduleDefinition>;
}

const scheduleQueue = () => harness.deps.schedules.queue;

/** Waits until the messages stored for a schedule's runs are settled (at least `runs` of them), and gives their jobs. */
async function answeredRun(scheduleId: string, runs = 1): Promise<Job[]> {
  const settledRuns = async () =>
    (await harness.queue.getJobs(['completed', 'failed'])).filter((job) => job.data.schedule === scheduleId && job.finishedOn !== undefined);
  await waitFor(async () => (await settledRuns()).length >= runs, { timeoutMs: 15_000, message: `a settled run of ${scheduleId}` });
  return settledRuns();
}

describe('the /schedule command', () => {
  it('a non-admin gets the usual admins-only reply, and nothing is added', async () => {
    const title = 'not-admin group';
    expect(await command(group(title, '/schedule 0 9 * * 1-5 总结', 'someone'))).toContain(ADMINS_ONLY);
    expect(await harness.deps.schedules.list({ robotCode: 'dingtestrobot', conversationId: group(title, '').conversationId })).toEqual([]);
  });

  it('adds one bound to this group, lists it with its id and next run, removes it', async () => {
    const title = 'add-list-remove';
    const before = Date.now();
    const added = await command(group(title, '/schedule 0 9 * * 1-5 总结昨天的待办'));
    const id = idIn(added);
    expect(id).toMatch(/^[a-z0-9]{6}$/);
    const next = nextTickAfter({ pattern: '0 9 * * 1-5', timeZone: 'Asia/Shanghai' }, before);
    const local = new Date(next + 8 * 3_600_000).toISOString().slice(0, 16).replace('T', ' ');
    expect(added).toContain(`下次运行 ${local}`);
    expect(added).toContain('`总结昨天的待办`');

    const listed = await command(group(title, '定时'));
    expect(listed).toContain(`\`${id}\``);
    expect(listed).toContain(`下次 ${local}`);
    expect(listed).toContain('`0 9 * * 1-5`');
    // Another chat sees none of it, and cannot remove it.
    expect(await command(group('another group', '/schedule'))).toContain('本会话还没有定时任务');
    expect(await command(group('another group', `/schedule remove ${id}`))).toContain('本会话没有定时任务');

    expect(await command(group(title, `/schedule remove ${id}`))).toContain(`已删除定时任务 \`${id}\`。`);
    expect(await command(group(title, '/schedule'))).toContain('本会话还没有定时任务');
    expect(await scheduleQueue().getJobScheduler(id!)).toBeUndefined();
  });

  it.each([
    ['/schedule 61 9 * * * 早报', '不是有效的 cron'],
    ['/schedule 0 9 * * 早报', '不是有效的 cron'],
    ['/schedule */10 * * * * * 早报', '有 6 段'],
    ['/schedule 0 9 * *', '有 4 段'],
    ['/schedule 0 9 * * *', '请在五段 cron 之后写上'],
    ['/schedule 0 9 * * * /schedule list', '不能是定时命令本身'],
    ['/schedule remove', '定时任务用法'],
  ])('%j → a clear answer, nothing added', async (text, answer) => {
    const title = `bad ${text}`;
    const reply = await command(group(title, text));
    expect(reply).toContain(answer);
    expect(await command(group(title, '/schedule'))).toContain('本会话还没有定时任务');
  });

  it('says a bad pattern back only as an echo: masked, on one line, as inline code', async () => {
    const reply = await command(group('echo', '/schedule `x`](http://evil) 9 * * 早报'));
    expect(reply.split('\n')[0]).toBe('定时格式不对：`ˋxˋ](http://evil) 9 * * 早报` 不是有效的 cron（分 0-59，时 0-23，日 1-31，月 1-12，周 0-7）。');
  });

  it(`keeps a chat to SCHEDULES_PER_CHAT (2) schedules`, async () => {
    const title = 'limit';
    expect(idIn(await command(group(title, '/schedule 0 9 * * * 一', 'limit-admin')))).toBeDefined();
    expect(idIn(await command(group(title, '/schedule 0 10 * * * 二', 'limit-admin')))).toBeDefined();
    expect(await command(group(title, '/schedule 0 11 * * * 三', 'limit-admin'))).toContain('本会话的定时任务已达上限（2 个），请先删除不需要的再添加。');
    const listed = await command(group(title, '/schedule', 'limit-admin'));
    expect(listed).toContain('（2 个）');
    expect(listed).not.toContain('三');
  });
});

describe('the chat limit', () => {
  it('holds when admins add at once: of three adds to a chat with room for two, two are added', async () => {
    const base = (id: string): ScheduleDefinition => ({
      id,
      robotCode: 'dingtestrobot',
      conversationId: 'cidRaceGroup==',
      group: true,
      senderId: ADMIN,
      senderStaffId: ADMIN,
      senderNick: ADMIN,
      prompt: `问题 ${id}`,
      pattern: '0 9 * * *',
      timeZone: 'UTC',
      origin: 'chat',
    });
    const results = await Promise.all(['race1', 'race2', 'race3'].map((id) => harness.deps.schedules.add(base(id))));
    expect(results.filter((result) => result.added)).toHaveLength(2);
    expect(results.filter((result) => !result.added)).toEqual([{ added: false, reason: 'chat_full', limit: 2 }]);
    expect(await harness.deps.schedules.list({ robotCode: 'dingtestrobot', conversationId: 'cidRaceGroup==' })).toHaveLength(2);
    // Adding one already there again (a retried command) keeps its place and adds nothing.
    const kept = results.findIndex((result) => result.added);
    expect(await harness.deps.schedules.add(base(`race${kept + 1}`))).toEqual({ added: true });
    expect(await harness.deps.schedules.list({ robotCode: 'dingtestrobot', conversationId: 'cidRaceGroup==' })).toHaveLength(2);
  });
});

describe('a tick', () => {
  it('missed while no worker ran: stored and answered exactly once into the group by the OpenAPI when two workers start', async () => {
    const title = 'tick group';
    const id = idIn(await command(group(title, '/schedule * * * * * 今日天气')))!;
    const conversationId = group(title, '').conversationId;
    const tick = await pendingTick(id);
    // Its time comes and goes while no worker runs (as after any length of outage); then two start.
    await tick.promote();
    await harness.startScheduleWorker();
    await harness.startScheduleWorker();
    const [run] = await answeredRun(id);
    expect(run!.finishedOn).toBeDefined();
    const posts = openApiPostsTo(conversationId);
    // Posted as the answer alone: nobody asked just now, so nobody is @-mentioned.
    expect(posts.map((post) => post.text)).toEqual(['答复: 今日天气']);
    // The next tick is pending already, one of it, in the future: no catching up.
    const next = await pendingTick(id);
    expect(scheduleTickOf(next)!.dueAt).toBeGreaterThan(scheduleTickOf(tick)!.dueAt);
    // A worker that died after storing it: the tick is taken over and stored again, under the same name.
    const again = await storeTick(harness.shards, tick);
    expect(again.stored).toBe('duplicate');
    expect(await answeredRun(id)).toHaveLength(1);
    expect(openApiPostsTo(conversationId)).toHaveLength(1);
  });

  it('whose sender the access lists now refuse is skipped: nothing stored, nothing posted', async () => {
    const definition: ScheduleDefinition = {
      id: 'denied1',
      robotCode: 'dingtestrobot',
      conversationId: 'cidDeniedGroup==',
      group: true,
      senderId: 'denied-admin',
      senderStaffId: 'denied-admin',
      senderNick: 'denied-admin',
      prompt: '不该发出的问题',
      pattern: '0 9 * * *',
      timeZone: 'UTC',
      origin: 'chat',
    };
    await harness.deps.schedules.add(definition);
    const tick = await pendingTick('denied1');
    expect(await storeTick(harness.shards, tick)).toEqual({ stored: 'refused' });
    const stored = (await harness.queue.getJobs(['waiting', 'prioritized', 'active', 'completed', 'failed'])).filter((job) => job.data.schedule === 'denied1');
    expect(stored).toEqual([]);
    expect(openApiPostsTo('cidDeniedGroup==')).toEqual([]);
  });

  it('of a private chat is answered to the admin who set it up, by their staff id', async () => {
    const message = harness.message({ text: '/schedule 0 8 * * * 早安问候', senderStaffId: ADMIN });
    const id = idIn(await command(message))!;
    const tick = await pendingTick(id);
    const stored = await storeTick(harness.shards, tick);
    expect(stored.stored).toBe('new');
    await answeredRun(id);
    expect(openApiPostsTo(ADMIN).map((post) => post.text)).toEqual([expect.stringContaining('答复: 早安问候')]);
  });

  it('an admin runs one now with `/schedule run <id>`; a retried command runs it once', async () => {
    const title = 'run now';
    const id = idIn(await command(group(title, '/schedule 0 3 1 1 * 年度总结')))!;
    const conversationId = group(title, '').conversationId;
    const runCommand = group(title, `/schedule run ${id}`);
    const run = await harness.send(runCommand);
    expect(await run.settled).toBe('completed');
    const toCommand = harness.dingtalk.delivered().filter((m) => m.target === sessionOf(runCommand.sessionWebhook));
    expect(toCommand.map((m) => m.text)).toEqual([expect.stringContaining(`已开始运行定时任务 \`${id}\`，回答稍后发到这里。`)]);
    await answeredRun(id);
    expect(openApiPostsTo(conversationId).map((post) => post.text)).toEqual([expect.stringContaining('答复: 年度总结')]);
    // The command's job run again (a retry) stores the run under the same name: nothing new.
    const found = await harness.deps.schedules.findInChat({ robotCode: 'dingtestrobot', conversationId }, id);
    expect((await storeScheduledMessage(harness.deps, found!.definition, `run-${run.jobId}`)).stored).toBe('duplicate');
    expect(await answeredRun(id)).toHaveLength(1);
    expect(openApiPostsTo(conversationId)).toHaveLength(1);
    expect(await command(group(title, '/schedule run nosuch'))).toContain('本会话没有定时任务 `nosuch`');
  });
});

describe('SCHEDULES_FILE at start', () => {
  const declared = (id: string, title: string, prompt: string): ScheduleDefinition => ({
    id,
    robotCode: 'dingtestrobot',
    conversationId: group(title, '').conversationId,
    group: true,
    senderId: 'file-sender',
    senderStaffId: 'file-sender',
    senderNick: 'file-sender',
    prompt,
    pattern: '0 7 * * *',
    timeZone: 'Europe/Berlin',
    origin: 'file',
  });

  it('upserts the file\'s schedules, removes one gone from the file, and a chat cannot remove one of them', async () => {
    const title = 'file group';
    const first = [declared('file-a', title, '早报'), declared('file-b', title, '晚报')];
    expect(await syncSchedulesFile(harness.deps, first)).toEqual({ upserted: 2, removed: 0 });
    // Every worker does it at its start: the same file again changes nothing.
    expect(await syncSchedulesFile(harness.deps, first)).toEqual({ upserted: 2, removed: 0 });
    expect(await scheduleQueue().getDelayedCount()).toBeGreaterThanOrEqual(2);
    const listed = await command(group(title, '/schedule'));
    expect(listed).toContain('`file-a`（配置文件）');
    expect(listed).toContain('`file-b`（配置文件）');
    expect(await command(group(title, '/schedule remove file-a'))).toContain('来自配置文件（SCHEDULES_FILE）');

    // The next start's file no longer has b, and a's prompt changed.
    const second = [declared('file-a', title, '新的早报')];
    expect(await syncSchedulesFile(harness.deps, second)).toEqual({ upserted: 1, removed: 1 });
    const after = await harness.deps.schedules.list({ robotCode: 'dingtestrobot', conversationId: group(title, '').conversationId });
    expect(after.map(({ definition }) => [definition.id, definition.prompt])).toEqual([['file-a', '新的早报']]);
    expect(await scheduleQueue().getJobScheduler('file-b')).toBeUndefined();

    // An entry moved to another chat is that chat's alone: the first chat neither lists nor removes it.
    const moved = { ...declared('file-a', 'other file group', '新的早报') };
    await syncSchedulesFile(harness.deps, [moved]);
    expect(await command(group(title, '/schedule'))).toContain('本会话还没有定时任务');
    expect(await command(group(title, '/schedule run file-a'))).toContain('本会话没有定时任务');
    expect(await command(group('other file group', '/schedule'))).toContain('`file-a`（配置文件）');
  });
});

describe('a worker that dies at the tick', () => {
  it('after posting the answer, before finishing the job: the retry posts nothing, 0 duplicates', async () => {
    const crashing = await startWorkerHarness({ label: 'schedules-crash', paused: true });
    const connection = new Redis(redisUrlForTests(), { maxRetriesPerRequest: null });
    try {
      const definition: ScheduleDefinition = {
        id: 'crash1',
        robotCode: 'dingtestrobot',
        conversationId: 'cidCrashGroup==',
        group: true,
        senderId: 'crash-admin',
        senderStaffId: 'crash-admin',
        senderNick: 'crash-admin',
        prompt: '崩溃之前的问题',
        pattern: '* * * * *',
        timeZone: 'UTC',
        origin: 'chat',
      };
      expect(await crashing.deps.schedules.add(definition)).toEqual({ added: true });
      const [tick] = await crashing.deps.schedules.queue.getDelayed();
      const stored = await storeTick(crashing.shards, tick!);
      expect(stored.stored).toBe('new');
      const jobId = stored.jobId!;
      let attempts = 0;
      // The real processor, in a worker whose first attempt dies right after the answer was posted.
      const worker = createQueueWorker<MessageJob>(
        crashing.queue.name,
        async (job, token) => {
          attempts += 1;
          await processMessage(crashing.deps, job, token);
          if (attempts === 1) throw new Error('the worker died after posting');
        },
        { connection, prefix: crashing.deps.keys.bullPrefix, concurrency: 1, maxStalledCount: 2 },
      );
      void worker.run();
      const job = await crashing.queue.getJob(jobId);
      await job!.waitUntilFinished(crashing.events, 20_000);
      await worker.close();
      expect(attempts).toBe(2);
      const posts = crashing.dingtalk.delivered().filter((m) => m.route === 'openapi' && m.target === definition.conversationId);
      expect(posts.map((post) => post.text)).toEqual([expect.stringContaining('答复: 崩溃之前的问题')]);
      // The answer was kept with the job: the retry did not ask the model again either.
      expect(crashing.openai.requests).toHaveLength(1);
    } finally {
      await crashing.close();
      await connection.quit();
    }
  }, 30_000);
});

describe('a playground session', () => {
  it('schedules for itself without being an admin: the answer goes to its own page once, and nothing to DingTalk', async () => {
    const h = await startWorkerHarness({ label: 'schedules-playground' });
    const sessionId = await openPlaygroundSession(h.deps.redis, h.sharedKeys);
    const chatId = 'g.' + 'g'.repeat(22);
    const answers = () => playgroundAnswers(h.deps.redis, h.sharedKeys, sessionId);
    try {
      const webhook = playgroundWebhookOf({ sessionId, chatId });
      const say = async (text: string) => {
        const before = (await answers()).length;
        const message = h.groupMessage({ text, robotCode: PLAYGROUND_ROBOT_CODE, senderStaffId: 'visitor', sessionWebhook: webhook });
        expect(await (await h.send(message, { source: 'playground' })).settled).toBe('completed');
        return (await answers()).slice(before).map((entry) => entry.text).join('\n');
      };
      const added = await say('/schedule * * * * * 试玩的定时问题');
      expect(added).toContain('试玩环境：这个定时任务只在下一次到点时运行一次');
      const id = idIn(added)!;
      expect(await say('/schedule 0 9 1 1 * 太远的问题')).toContain('要在两小时内到点');

      await h.startScheduleWorker();
      const [tick] = (await h.deps.schedules.queue.getDelayed()).filter((job) => scheduleTickOf(job)?.scheduleId === id);
      await tick!.promote();
      let runs: Awaited<ReturnType<typeof answers>> = [];
      await waitFor(async () => (runs = (await answers()).filter((entry) => entry.text.includes('答复: 试玩的定时问题'))).length > 0, { timeoutMs: 15_000 });
      expect(runs.map((entry) => entry.chatId)).toEqual([chatId]);
      // It fired once and is gone: nothing pending, nothing listed.
      expect(await say('/schedule')).toContain('本会话还没有定时任务');
      expect(await h.deps.schedules.queue.getDelayedCount()).toBe(0);
      expect(h.dingtalk.requests).toBe(0);
    } finally {
      await h.close();
    }
  }, 30_000);
});
