import type { Cluster } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRedisCluster, type RedisCluster } from '@dtbot/redis-server';
import { conversationKeyFor, shardIndexFor } from '@dtbot/shared';
import { DEFAULT_ROBOT_CODE, escapeRedisGlob, waitFor, type DingTalkCallbackPayload } from '@dtbot/testkit';
import { System } from '../harness/start-system.js';
import type { RunningApp } from '../harness/spawn-app.js';

// The built gateways and workers on a real 3-master Redis Cluster, with one queue shard and with three.
let cluster: RedisCluster;

beforeAll(async () => {
  cluster = await startRedisCluster({ masters: 3 });
}, 30_000);

afterAll(async () => {
  await cluster?.stop();
});

/** Model requests per rolling minute, all workers and shards together; the last test of each run uses it up. */
const RPM = 30;
const USERS = 6;
const QUESTIONS = 3;

describe.each([1, 3])('%i queue shard(s) on a 3-master Redis Cluster, two gateways, two workers', (shards) => {
  let system: System;
  let otherGateway: RunningApp;

  beforeAll(async () => {
    system = await System.start({
      label: `cluster-${shards}-shards`,
      workers: 2,
      redisClusterNodes: cluster.nodeList,
      queueShards: shards,
      workerEnv: { OPENAI_RPM: String(RPM) },
    });
    otherGateway = await system.addGateway();
  }, 60_000);

  afterAll(async () => {
    // The last test uses the minute's requests up: a worker stopped with SIGTERM would drain its rate-limited jobs
    // for its whole deadline (30 s). The tests are over, so the workers are killed instead.
    await Promise.all((system?.workers ?? []).map((worker) => worker.stop('SIGKILL')));
    await system?.close();
  });

  const shardOf = (message: DingTalkCallbackPayload) =>
    shardIndexFor(conversationKeyFor({ robotCode: DEFAULT_ROBOT_CODE, conversationId: message.conversationId }), shards);
  const answersTo = (text: string) => system.dingtalk.delivered().filter((m) => m.text === `答复: ${text}`);

  /** Private chats of `count` users spread over every shard (users are tried in turn until each shard has some). */
  function users(count: number, label: string): string[] {
    const chosen: string[] = [];
    const perShard = new Map<number, number>();
    for (let i = 0; chosen.length < count; i += 1) {
      const user = `${label}-${i}`;
      const shard = shardOf(system.message({ senderStaffId: user }));
      if ((perShard.get(shard) ?? 0) >= Math.ceil(count / shards)) continue;
      perShard.set(shard, (perShard.get(shard) ?? 0) + 1);
      chosen.push(user);
    }
    return chosen;
  }

  it('answers each message once, each thread in order, however often and to whichever gateway DingTalk redelivers', async () => {
    const askers = users(USERS, 'asker');
    expect(new Set(askers.map((user) => shardOf(system.message({ senderStaffId: user })))).size).toBe(shards);
    const questions = askers.map((user) => Array.from({ length: QUESTIONS }, (_, n) => system.message({ senderStaffId: user, text: `${user} q${n + 1}` })));
    // Each user asks one question after another; every question reaches one gateway and is redelivered to the other.
    await Promise.all(
      questions.map(async (thread) => {
        for (const [n, message] of thread.entries()) {
          const [first, second] = n % 2 === 0 ? [system.gateway, otherGateway] : [otherGateway, system.gateway];
          expect((await system.post(message, undefined, first)).status).toBe(200);
          expect((await system.post(message, undefined, second)).status).toBe(200);
        }
      }),
    );
    const texts = questions.flat().map((message) => message.text!.content);
    await waitFor(() => texts.every((text) => answersTo(text).length > 0), { timeoutMs: 20_000 });
    // Once more after the answers went out, to both gateways at once.
    for (const message of questions.flat()) {
      const acks = await Promise.all([system.post(message), system.post(message, undefined, otherGateway)]);
      expect(acks.map((ack) => ack.status)).toEqual([200, 200]);
    }
    // A new question of every thread proves the redeliveries left no gap in its turns, and flushes late answers.
    const last = askers.map((user) => system.message({ senderStaffId: user, text: `${user} last` }));
    for (const message of last) expect((await system.post(message)).status).toBe(200);
    await waitFor(() => last.every((message) => answersTo(message.text!.content).length > 0), { timeoutMs: 20_000 });

    for (const text of texts) expect(answersTo(text), text).toHaveLength(1);
    expect(await system.jobCount()).toBe(askers.length * (QUESTIONS + 1));
    for (const [i, user] of askers.entries()) {
      const delivered = system.dingtalk.delivered().filter((m) => m.text.startsWith(`答复: ${user} `)).map((m) => m.text);
      expect(delivered).toEqual([...questions[i]!.map((message) => `答复: ${message.text!.content}`), `答复: ${user} last`]);
      // The thread's last question was asked with every earlier turn of that thread as memory.
      const request = system.openai.requests.find((r) => r.body.messages?.at(-1)?.content === `${user} last`);
      expect(request?.body.messages?.filter((m) => m.role === 'user').map((m) => m.content)).toEqual([
        ...questions[i]!.map((message) => message.text!.content),
        `${user} last`,
      ]);
    }
  }, 60_000);

  it('has every worker serving every shard, as the gateways report it', async () => {
    const metrics = (await system.get('/metrics', system.gateway.metricsPort)).body;
    for (let shard = 0; shard < shards; shard += 1) {
      expect(metrics).toContain(`dtbot_queue_workers{queue="messages",shard="${shard}"} 2`);
    }
    expect(metrics).not.toContain(`shard="${shards}"`);
  });

  it(shards === 1 ? 'keeps every key on one master' : 'spreads the keys over the three masters, one shard on each', async () => {
    const masters = (system.redis as Cluster).nodes('master');
    // Every key of this run: the shards' prefixes are the configured one with something added inside its braces.
    const pattern = `${escapeRedisGlob(system.prefix.slice(0, -1))}*`;
    const prefixesOn = await Promise.all(
      masters.map(async (master) => {
        const keys: string[] = [];
        let cursor = '0';
        do {
          const [next, batch] = await master.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
          keys.push(...batch);
          cursor = next;
        } while (cursor !== '0');
        return { keys: keys.length, prefixes: new Set(keys.map((key) => key.slice(0, key.indexOf('}') + 1))) };
      }),
    );
    const withKeys = prefixesOn.filter((master) => master.keys > 0);
    if (shards === 1) {
      expect(withKeys).toHaveLength(1);
      expect([...withKeys[0]!.prefixes]).toEqual([system.prefix]);
    } else {
      expect(withKeys).toHaveLength(3);
      for (const master of withKeys) expect(master.prefixes.size, [...master.prefixes].join(' ')).toBe(1);
      expect(new Set(withKeys.map((master) => [...master.prefixes][0])).size).toBe(3);
      // Every master carries a real share: at least a sixth of the keys (a third each, give or take the spread).
      const total = withKeys.reduce((sum, master) => sum + master.keys, 0);
      for (const master of withKeys) expect(master.keys).toBeGreaterThan(total / 6);
    }
  });

  it('keeps the model rate limit global: every shard\'s calls count in one window, the rest wait', async () => {
    const used = system.openai.requests.length;
    expect(used).toBe(USERS * (QUESTIONS + 1));
    const waiting = 8;
    const askers = users(RPM - used + waiting, 'limited');
    const messages = askers.map((user) => system.message({ senderStaffId: user, text: `${user} limited` }));
    for (const message of messages) expect((await system.post(message)).status).toBe(200);
    await waitFor(
      async () => {
        const answered = messages.filter((message) => answersTo(message.text!.content).length > 0).length;
        const paused = await Promise.all(system.queues.map((queue) => queue.getRateLimitTtl()));
        const ready = await Promise.all(system.queues.map((queue) => queue.getJobCounts('waiting', 'prioritized', 'active')));
        const parked = ready.reduce((sum, counts) => sum + (counts.waiting ?? 0) + (counts.prioritized ?? 0), 0);
        const active = ready.reduce((sum, counts) => sum + (counts.active ?? 0), 0);
        return answered === RPM - used && parked === waiting && active === 0 && paused.every((ttl) => ttl > 0);
      },
      { timeoutMs: 20_000 },
    );
    expect(system.openai.requests).toHaveLength(RPM);
    expect(system.openai.rateLimited).toBe(0);
  }, 30_000);
});

describe('stop words on a 3-master Redis Cluster with 3 queue shards', () => {
  const shards = 3;
  let system: System;

  beforeAll(async () => {
    // The model takes its time, so each answer is being written when its asker's stop word comes.
    system = await System.start({ label: 'cluster-stop-words', workers: 2, redisClusterNodes: cluster.nodeList, queueShards: shards, openai: { latencyMs: 4000 } });
  }, 60_000);

  afterAll(async () => {
    await system?.close();
  });

  it('stop the answer being written in every shard, and each stop word\'s reply says it stopped', async () => {
    const shardOf = (message: DingTalkCallbackPayload) =>
      shardIndexFor(conversationKeyFor({ robotCode: DEFAULT_ROBOT_CODE, conversationId: message.conversationId }), shards);
    const questions: DingTalkCallbackPayload[] = [];
    for (let i = 0; new Set(questions.map(shardOf)).size < shards; i += 1) {
      const question = system.message({ senderStaffId: `stopper-${i}`, text: `stopper-${i} writes at length` });
      if (!questions.some((asked) => shardOf(asked) === shardOf(question))) questions.push(question);
    }
    for (const question of questions) expect((await system.post(question)).status).toBe(200);
    await waitFor(() => system.openai.requests.length === shards, { timeoutMs: 10_000, message: 'every answer is being written' });
    const words = questions.map((question) => system.message({ senderStaffId: question.senderStaffId, conversationId: question.conversationId, text: '/stop' }));
    for (const word of words) expect((await system.post(word)).status).toBe(200);
    const textsTo = (message: DingTalkCallbackPayload) =>
      system.dingtalk.delivered().filter((m) => m.target === new URL(message.sessionWebhook).searchParams.get('session')).map((m) => m.text);
    await waitFor(() => words.every((word) => textsTo(word).length > 0), { timeoutMs: 15_000, message: 'every stop word is answered' });
    // Each question's job ends once its stopped answer is recorded; a late answer would show up here.
    await waitFor(async () => (await Promise.all(system.queues.map((queue) => queue.getJobCounts('completed')))).reduce((sum, c) => sum + (c.completed ?? 0), 0) === 2 * shards, { timeoutMs: 15_000 });
    // The stopped answers send nothing (nothing had been written), each stop word's reply says it stopped.
    expect(words.map((word) => `shard ${shardOf(word)}: ${textsTo(word).join(' / ')}`).sort()).toEqual(
      Array.from({ length: shards }, (_, shard) => `shard ${shard}: 好的，已停止正在生成的回答。`),
    );
    expect(questions.flatMap(textsTo)).toEqual([]);
    expect(system.openai.served).toBe(0);
  }, 40_000);
});
