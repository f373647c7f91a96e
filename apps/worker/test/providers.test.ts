import { afterEach, describe, expect, it } from 'vitest';
import { AnswerLimits } from '../src/model/answer-limits.js';
import { REPLY_PRIMING_TOKENS } from '../src/tokens/token-counter.js';
import { startWorkerHarness, type HarnessOptions, type WorkerHarness } from './worker-harness.js';

// Each provider through the real worker: deps built from the environment as main.ts builds them,
// the fake model over real HTTP, real Redis.
let harness: WorkerHarness | undefined;

afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

async function ask(options: HarnessOptions, text: string, senderStaffId = 'asker') {
  harness = await startWorkerHarness(options);
  const message = harness.message({ text, senderStaffId });
  const outcome = await (await harness.send(message)).settled;
  const session = new URL(message.sessionWebhook).searchParams.get('session');
  const replies = harness.dingtalk.delivered().filter((delivered) => delivered.target === session).map((delivered) => delivered.text);
  return { harness, outcome, replies };
}

describe('providers', () => {
  it('OpenAI-compatible: any base URL, the key as a bearer token, the model by name', async () => {
    const { harness, outcome, replies } = await ask(
      { label: 'provider-compatible', env: { OPENAI_MODEL: 'deepseek-chat', OPENAI_API_KEY: 'sk-deepseek' } },
      '你好',
    );
    expect(outcome).toBe('completed');
    expect(replies).toEqual(['答复: 你好']);
    expect(harness.openai.requests).toMatchObject([{ authorization: 'Bearer sk-deepseek', azure: undefined, body: { model: 'deepseek-chat' } }]);
  });

  it('Azure OpenAI: the deployment path, the api-version and the api-key header', async () => {
    const { harness, outcome, replies } = await ask(
      {
        label: 'provider-azure',
        env: ({ openai }) => ({
          OPENAI_PROVIDER: 'azure',
          AZURE_OPENAI_ENDPOINT: `${openai.azureEndpoint}/`,
          AZURE_OPENAI_API_KEY: 'azure-key',
          AZURE_OPENAI_DEPLOYMENT: 'gpt4o-prod',
          OPENAI_API_VERSION: '2024-10-21',
          OPENAI_MODEL: 'gpt-4o',
        }),
      },
      'hello azure',
    );
    expect(outcome).toBe('completed');
    expect(replies).toEqual(['答复: hello azure']);
    expect(harness.openai.requests).toMatchObject([
      { apiKey: 'azure-key', authorization: undefined, azure: { deployment: 'gpt4o-prod', apiVersion: '2024-10-21' } },
    ]);
  });

  it('Azure OpenAI from chatgpt-dingtalk\'s names', async () => {
    const { harness, outcome } = await ask(
      {
        label: 'provider-azure-aliases',
        env: ({ openai }) => ({
          AZURE_ON: 'true',
          AZURE_OPENAI_ENDPOINT: openai.azureEndpoint,
          AZURE_DEPLOYMENT_NAME: 'their-deployment',
          AZURE_API_VERSION: '2024-06-01',
          AZURE_OPENAI_TOKEN: 'their-key',
        }),
      },
      'hello',
    );
    expect(outcome).toBe('completed');
    expect(harness.openai.requests).toMatchObject([{ apiKey: 'their-key', azure: { deployment: 'their-deployment', apiVersion: '2024-06-01' } }]);
  });

  it('strips a thinking model\'s reasoning from the answer and from memory', async () => {
    const { harness, replies } = await ask({ label: 'provider-think', openai: { think: '用户在问候，我应该友好地回答。' } }, '你好', 'thinker');
    expect(replies).toEqual(['答复: 你好']);
    await (await harness.send(harness.message({ text: '再说一遍', senderStaffId: 'thinker' }))).settled;
    expect(harness.openai.requests[1]?.body.messages).toEqual([
      { role: 'user', content: '你好' },
      { role: 'assistant', content: '答复: 你好' },
      { role: 'user', content: '再说一遍' },
    ]);
  });

  it('sends max_completion_tokens, not max_tokens, to the o-series and gpt-5 by name', async () => {
    const { harness } = await ask({ label: 'provider-o-series', env: { OPENAI_MODEL: 'o4-mini', OPENAI_MAX_TOKENS: '300' } }, 'hi');
    expect(harness.openai.requests.map((request) => request.body)).toMatchObject([{ model: 'o4-mini', max_completion_tokens: 300 }]);
    expect(harness.openai.requests[0]?.body).not.toHaveProperty('max_tokens');
  });

  it('asks again with max_completion_tokens once a provider refuses max_tokens, and every worker remembers', async () => {
    const options = { label: 'provider-refuses', openai: { refuseMaxTokens: true }, env: { OPENAI_MODEL: 'new-reasoner', OPENAI_MAX_TOKENS: '300' } };
    const { harness, outcome, replies } = await ask(options, 'first');
    expect(outcome).toBe('completed');
    expect(replies).toEqual(['答复: first']);
    await (await harness.send(harness.message({ text: 'second', senderStaffId: 'other' }))).settled;
    const sent = harness.openai.requests.map((request) => (request.body.max_tokens !== undefined ? 'max_tokens' : 'max_completion_tokens'));
    expect(sent).toEqual(['max_tokens', 'max_completion_tokens', 'max_completion_tokens']);
    // Another worker process, with nothing learned locally, reads it from Redis.
    expect(await new AnswerLimits(harness.deps.redis, harness.sharedKeys).for('new-reasoner')).toBe('max_completion_tokens');
  });

  it('fails another 400 at once, without asking again', async () => {
    harness = await startWorkerHarness({ label: 'provider-too-large', env: { OPENAI_MAX_TOKENS: '300' }, attempts: 1 });
    harness.openai.setBehaviour({ status: 400 });
    const { settled } = await harness.send(harness.message({ text: 'x' }));
    expect(await settled).toBe('failed');
    expect(harness.openai.requests).toHaveLength(1);
  });

  it('feeds the TPM window the same count as memory uses, before the call', async () => {
    let windowDuringCall: string[] = [];
    harness = await startWorkerHarness({
      label: 'provider-tpm',
      env: { OPENAI_MODEL: 'gpt-4o-mini', OPENAI_TPM: '100000' },
      openai: {
        // The fake runs in this process: it reads the window while the worker waits for it.
        answer: async () => {
          windowDuringCall = await harness!.deps.redis.zrange(harness!.sharedKeys.rateTokens(), 0, -1);
          return 'ok';
        },
      },
    });
    await (await harness.send(harness.message({ text: 'how many tokens is this?' }))).settled;
    const expected = harness.deps.tokens.message('how many tokens is this?') + REPLY_PRIMING_TOKENS + 512;
    expect(windowDuringCall).toHaveLength(1);
    expect(windowDuringCall[0]).toMatch(new RegExp(`\\|${expected}$`));
  });
});
