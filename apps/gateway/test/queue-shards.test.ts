import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { conversationKeyFor, shardIndexFor, type StoreRequest } from '@dtbot/shared';
import { buildCallback, buildGroupCallback, type CallbackOverrides, type DingTalkCallbackPayload } from '@dtbot/testkit';
import { acceptMessage } from '../src/accept/accept-message.js';
import { ALLOWED_ORIGIN, ROBOT, startAcceptStack, type AcceptStack } from './contract/accept-stack.js';

// The accept path with three queue shards, on a real Redis: where each message is stored, and dedupe across shards.
const SHARDS = 3;
let stack: AcceptStack;
/** The conversations each shard's store script was given, call by call. */
const numbered: string[][][] = Array.from({ length: SHARDS }, () => []);

beforeAll(async () => {
  stack = await startAcceptStack('gateway-shards', { queueShards: SHARDS });
  for (const [index, store] of stack.accept.enqueue.shards.entries()) {
    const storeOne = store.messages.store.bind(store.messages);
    store.messages.store = (request: StoreRequest) => {
      numbered[index]!.push([request.conversationKey]);
      return storeOne(request);
    };
  }
});

afterAll(async () => {
  await stack?.close();
});

const webhook = () => `${ALLOWED_ORIGIN}/robot/sendBySession?session=${randomBytes(8).toString('hex')}`;
const privateMessage = (overrides: CallbackOverrides) => buildCallback({ sessionWebhook: webhook(), ...overrides });
const shardOf = (message: DingTalkCallbackPayload) =>
  shardIndexFor(conversationKeyFor({ robotCode: ROBOT.robotCode, conversationId: message.conversationId }), SHARDS);
const accept = (message: DingTalkCallbackPayload, deps = stack.accept) => acceptMessage(deps, JSON.stringify(message), ROBOT, { bodyAuthenticated: false });

describe('the gateway with three queue shards', () => {
  it('stores each message in its conversation\'s shard, numbered in arrival order there, by a store script of its own', async () => {
    const users = Array.from({ length: 12 }, (_, i) => `spread-${i}`);
    // Two questions of every user within one event-loop turn.
    const messages = users.flatMap((user) => [1, 2].map((n) => privateMessage({ text: `${user} #${n}`, senderStaffId: user })));
    for (const calls of numbered) calls.length = 0;
    const results = await Promise.all(messages.map((message) => accept(message)));
    expect(results.map((result) => result.stored)).toEqual(messages.map(() => 'new'));

    for (const message of messages) {
      const index = shardOf(message);
      const job = await stack.queues[index]!.getJob(results[messages.indexOf(message)]!.jobId);
      expect(job?.data.msgId, 'stored in the shard of its conversation').toBe(message.msgId);
      expect(job!.data.seq).toBe(message.text!.content.endsWith('#1') ? 1 : 2);
    }
    expect(new Set(messages.map(shardOf)).size, 'twelve users cover every shard').toBe(SHARDS);
    // Each shard's script calls carried its own conversations only (in a Cluster, one slot per call).
    for (const [index, calls] of numbered.entries()) {
      expect(calls.length).toBeGreaterThan(0);
      for (const call of calls) for (const conversationKey of call) expect(shardIndexFor(conversationKey, SHARDS)).toBe(index);
    }
  });

  it('puts every member\'s thread of a group in the group\'s shard', async () => {
    const members = ['ann', 'ben', 'cai', 'dai', 'eve'].map((member) =>
      buildGroupCallback({ sessionWebhook: webhook(), conversationTitle: 'one shard', senderStaffId: member, text: `from ${member}` }),
    );
    const results = await Promise.all(members.map((message) => accept(message)));
    const index = shardOf(members[0]!);
    for (const result of results) expect((await stack.queues[index]!.getJob(result.jobId))?.data.conversationTitle).toBe('one shard');
    // The group's load (fair scheduling) is counted in that shard: its fifth message is its fifth unanswered one.
    const load = stack.accept.enqueue.shards[index]!.shard.keys.conversationLoad(
      conversationKeyFor({ robotCode: ROBOT.robotCode, conversationId: members[0]!.conversationId }),
    );
    expect(await stack.redis.get(load)).toBe('5');
    expect(new Set(results.map((result) => result.jobId.split('.').slice(0, -1).join('.'))).size, 'five memory threads').toBe(5);
  });

  it('finds a redelivery in the shard its conversation maps to, through this gateway or another, and stores it once', async () => {
    const another = await stack.anotherGateway();
    const messages = Array.from({ length: 6 }, (_, i) => privateMessage({ text: `redelivered ${i}`, senderStaffId: `again-${i}` }));
    for (const message of messages) {
      const first = await accept(message);
      // DingTalk sends the same message again: to the same gateway, to another, and both at once.
      const again = await Promise.all([accept(message), accept(message, another), accept(message, another)]);
      expect(first.stored).toBe('new');
      expect(again.map((result) => [result.stored, result.jobId])).toEqual(again.map(() => ['duplicate', first.jobId]));
      expect((await stack.jobsOf(message.msgId)).map((job) => job.id)).toEqual([first.jobId]);
      expect(await stack.queues[shardOf(message)]!.getJob(first.jobId)).toBeDefined();
    }
    expect(new Set(messages.map(shardOf)).size).toBeGreaterThan(1);
  });
});
