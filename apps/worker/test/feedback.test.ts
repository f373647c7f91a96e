import { afterEach, describe, expect, it } from 'vitest';
import { FEEDBACK_CHANGED, FEEDBACK_SAME, FEEDBACK_THANKS, NOTHING_TO_RATE } from '../src/replies/canned-replies.js';
import { startWorkerHarness, type WorkerHarness } from './worker-harness.js';

// Feedback words against a real Redis and BullMQ: one vote per person and answer, kept per robot, model and persona.
let harness: WorkerHarness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

const lastReply = (h: WorkerHarness) => h.dingtalk.delivered().at(-1)?.text;

describe('feedback words', () => {
  it('rate the asker\'s last answer once: the same word again changes nothing, the other word changes the vote', async () => {
    const h = (harness = await startWorkerHarness({ label: 'feedback-words', env: { ADMIN_USERS: 'boss', OPENAI_MODEL: 'gpt-4o-mini' } }));
    const ask = async (text: string, senderStaffId = 'rater') => {
      expect(await (await h.send(h.message({ text, senderStaffId }))).settled).toBe('completed');
      return lastReply(h);
    };
    expect(await ask('/good')).toBe(NOTHING_TO_RATE);
    await ask('what is Redis?');
    expect(await ask('/good')).toBe(FEEDBACK_THANKS);
    expect(await ask('👍')).toBe(FEEDBACK_SAME);
    expect(await ask('👎')).toBe(FEEDBACK_CHANGED);

    // The tally holds the person's latest vote once.
    expect(await h.deps.feedback.tally(h.message().robotCode ?? '')).toEqual([{ model: 'gpt-4o-mini', persona: 'default', up: 0, down: 1 }]);
    // Prometheus: by robot and model only.
    const good = (await h.deps.metrics.feedbackGood.get()).values;
    const bad = (await h.deps.metrics.feedbackBad.get()).values;
    expect(good.map((value) => [Object.keys(value.labels).sort(), value.value])).toEqual([[['model', 'robot'], 1]]);
    expect(bad.map((value) => value.value)).toEqual([1]);
    // An admin sees it in /usage; no model was asked for any of the words.
    expect(await ask('/usage', 'boss')).toContain('评价：gpt-4o-mini（default）👍 0 👎 1');
    expect(h.openai.requests).toHaveLength(1);
  });

  it('rate the answer a reply quotes, whoever sends it: another member in the group, not their own last answer', async () => {
    const h = (harness = await startWorkerHarness({ label: 'feedback-quote', env: { OPENAI_MODEL: 'gpt-4o-mini' } }));
    const group = { conversationTitle: '评价群' };
    const settle = async (text: string, senderStaffId: string, quote?: string) => {
      const sent = await h.send(h.groupMessage({ text, senderStaffId, ...group }), quote ? { quote } : {});
      expect(await sent.settled).toBe('completed');
      return lastReply(h);
    };
    await settle('first question', 'asker');
    await settle('second question', 'asker');
    // DingTalk shows the quoted answer without its markup and @-mention.
    expect(await settle('/bad', 'member', '答复: first question')).toContain(FEEDBACK_THANKS);
    expect(await settle('/bad', 'member', '答复: first question')).toContain(FEEDBACK_SAME);
    expect(await settle('/good', 'member', 'something nobody said')).toContain(NOTHING_TO_RATE);
    const votes = await h.deps.redis.hgetall(h.sharedKeys.feedbackTally(h.groupMessage().robotCode ?? ''));
    expect(votes).toEqual({ 'down|gpt-4o-mini|default': '1' });
  });
});
