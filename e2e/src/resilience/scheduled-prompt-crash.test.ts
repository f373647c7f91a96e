import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createQueue, scheduleTickOf, type Job, type Queue } from '@dtbot/queue';
import { SCHEDULE_QUEUE_NAME, type MessageJob } from '@dtbot/shared';
import { lastUserText, waitFor } from '@dtbot/testkit';
import { System } from '../harness/start-system.js';
import type { RunningApp } from '../harness/spawn-app.js';

// `id` is the file's; the worker keeps a file's schedule as `file-<id>`, apart from those added in a chat.
const CRASH = { id: 'tick-crash', stored: 'file-tick-crash', chat: 'cidTickCrash==', prompt: '被打断的定时问题' };
const CALM = { id: 'tick-calm', stored: 'file-tick-calm', chat: 'cidTickCalm==', prompt: '平静的定时问题' };

/**
 * Scheduled prompts with built workers: a tick is asked as a message of its group and posted there through the
 * OpenAPI exactly once, also when the worker answering it is SIGKILLed mid-answer and another takes the job over.
 * The schedules come from SCHEDULES_FILE with a far-off pattern; the test makes a tick due at once by promoting
 * the pending tick BullMQ keeps for it, instead of waiting for a minute to turn.
 */
describe('a scheduled prompt\'s tick with built workers', () => {
  let system: System;
  let schedules: Queue;
  let dir: string;
  /** The first model request of CRASH is held until its worker is dead: the kill lands mid-answer. */
  let victimGone = false;
  let heldOne = false;

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'dtbot-e2e-schedules-'));
    const file = path.join(dir, 'schedules.yaml');
    const entry = ({ id, chat, prompt }: typeof CRASH) =>
      `  - id: ${id}\n    cron: "0 3 1 1 *"\n    timezone: UTC\n    chat: { conversationId: "${chat}", group: true }\n    sender: tick-admin\n    prompt: ${prompt}\n`;
    writeFileSync(file, `schedules:\n${entry(CRASH)}${entry(CALM)}`);
    system = await System.start({
      label: 'schedule-crash',
      workers: 1,
      // Production's locks: the takeover comes within JOB_LOCK_MS + STALL_CHECK_INTERVAL_MS (15 s) of the kill.
      workerEnv: { SCHEDULES_FILE: file },
      openai: {
        answer: async (body) => {
          const question = lastUserText(body);
          if (question === CRASH.prompt && !heldOne) {
            heldOne = true;
            await waitFor(() => victimGone, { timeoutMs: 30_000 });
          }
          return `答复: ${question}`;
        },
      },
    });
    schedules = createQueue(SCHEDULE_QUEUE_NAME, { connection: system.redis, prefix: system.prefix });
  });

  afterAll(async () => {
    victimGone = true;
    await schedules?.close();
    await system?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const liveWorkers = () => system.workers.filter((worker) => worker.process.exitCode === null && worker.process.signalCode === null);
  const asked = (prompt: string) => system.openai.requests.filter((request) => lastUserText(request.body) === prompt).length;
  const postsTo = (chat: string) => system.dingtalk.delivered().filter((message) => message.route === 'openapi' && message.target === chat);

  /** Makes the schedule's one pending tick due now; gives its job id. */
  async function fireTick(id: string): Promise<string> {
    const ticks = (await schedules.getDelayed()).filter((job) => scheduleTickOf(job)?.scheduleId === id);
    expect(ticks).toHaveLength(1);
    await ticks[0]!.promote();
    return ticks[0]!.id!;
  }

  /** Waits until the tick's job is done and the one message it stored is settled; gives that message's job. */
  async function settledRun(tickJobId: string, scheduleId: string): Promise<Job> {
    await waitFor(async () => (await schedules.getJobState(tickJobId)) === 'completed', { timeoutMs: 20_000, message: `tick ${tickJobId} completed` });
    const runs = async () =>
      (await system.queue.getJobs(['waiting', 'prioritized', 'active', 'delayed', 'completed', 'failed'])).filter(
        (job) => (job.data as Partial<MessageJob>).schedule === scheduleId,
      );
    await waitFor(async () => (await runs()).some((job) => job.finishedOn !== undefined), { timeoutMs: 30_000, message: `a settled run of ${scheduleId}` });
    const all = await runs();
    expect(all).toHaveLength(1);
    return all[0]!;
  }

  const answeredBy = (worker: RunningApp, jobId: string | undefined) => worker.logs.some((line) => line.msg === 'answered' && line.jobId === jobId);

  it('whose worker is SIGKILLed mid-answer is taken over by a second worker and posted once, with no apology', async () => {
    expect(liveWorkers()).toHaveLength(1);
    const victim = liveWorkers()[0]!;
    const tickJobId = await fireTick(CRASH.stored);
    // The victim took the tick, stored it as a message and is now waiting for the model's answer.
    await waitFor(() => asked(CRASH.prompt) === 1, { timeoutMs: 10_000, message: 'the model asked by the victim' });
    const rescuer = await system.addWorker();
    expect(await victim.stop('SIGKILL')).toBeNull();
    victimGone = true;

    const run = await settledRun(tickJobId, CRASH.stored);
    expect(await run.getState()).toBe('completed');
    // Taken over through BullMQ's stalled check once the dead worker's lock ran out, then answered by the rescuer.
    expect(run.stalledCounter).toBe(1);
    expect(run.attemptsStarted).toBe(2);
    // The job is completed in Redis a moment before its worker's log line reaches us (stdout is written
    // asynchronously): wait for the line rather than read the logs at once.
    await waitFor(() => answeredBy(rescuer, run.id), { timeoutMs: 5000, message: 'the rescuer\'s "answered" line' });
    expect(answeredBy(victim, run.id)).toBe(false);
    // The victim's request was cut; the rescuer asked again.
    expect(asked(CRASH.prompt)).toBe(2);
    expect(postsTo(CRASH.chat).map((post) => post.text)).toEqual([`答复: ${CRASH.prompt}`]);
    // Nothing else reached DingTalk at all: no apology, no notice, nothing by a session webhook.
    expect(system.dingtalk.delivered()).toHaveLength(1);
    expect((await system.queue.getJobCounts('failed')).failed).toBe(0);
  }, 60_000);

  it('with two workers and no crash is stored once and posted once', async () => {
    while (liveWorkers().length < 2) await system.addWorker();
    const before = system.dingtalk.delivered().length;
    const tickJobId = await fireTick(CALM.stored);

    const run = await settledRun(tickJobId, CALM.stored);
    expect(await run.getState()).toBe('completed');
    expect(run.attemptsStarted).toBe(1);
    expect(asked(CALM.prompt)).toBe(1);
    expect(postsTo(CALM.chat).map((post) => post.text)).toEqual([`答复: ${CALM.prompt}`]);
    expect(system.dingtalk.delivered().length - before).toBe(1);
    // One of the two workers took the tick; neither stored it twice.
    const stored = liveWorkers().flatMap((worker) => worker.logs.filter((line) => line.msg === 'scheduled prompt stored' && line.schedule === CALM.stored));
    expect(stored.map((line) => line.stored)).toEqual(['new']);
  }, 30_000);
});
