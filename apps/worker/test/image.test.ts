import { afterEach, describe, expect, it } from 'vitest';
import { FAKE_PNG, type FakeDingTalk, type FakeOpenAI } from '@dtbot/testkit';
import { apology, emptyImagePrompt, IMAGES_UNAVAILABLE } from '../src/replies/canned-replies.js';
import { picturesOnly } from './providers-file-for-tests.js';
import { startWorkerHarness, type HarnessOptions, type WorkerHarness } from './worker-harness.js';

// Image generation through the real worker: the fake images API and the fake DingTalk media upload
// over real HTTP, real Redis.
let harness: WorkerHarness | undefined;

afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

// The fake DingTalk is the harness's API base, so it is the legacy OpenAPI (media upload) too. Pictures are drawn
// by a PROVIDERS_FILE entry that only draws, on the harness' fake OpenAI.
const drawingWith = (imageModel: string, extra: Record<string, unknown> = {}): Pick<HarnessOptions, 'providers'> => ({
  providers: ({ openai }) => [picturesOnly(openai, imageModel, extra)],
});

async function draw(options: HarnessOptions, text: string, overrides: { conversationType?: '1' | '2' } = {}) {
  harness = await startWorkerHarness(options);
  const message = overrides.conversationType === '2' ? harness.groupMessage({ text }) : harness.message({ text });
  const { jobId, settled } = await harness.send(message);
  const outcome = await settled;
  const session = new URL(message.sessionWebhook).searchParams.get('session');
  const replies = harness.dingtalk.delivered().filter((delivered) => delivered.target === session);
  return { harness, jobId, outcome, replies };
}

describe('image generation', () => {
  it('uploads a generated picture to DingTalk and sends it as a markdown image, under the rate limit', async () => {
    const { harness, jobId, outcome, replies } = await draw(
      { label: 'image-upload', ...drawingWith('gpt-image-1', { rpm: 100 }), env: { OPENAI_RPM: '100' } },
      '/image 一只在雪地里奔跑的柴犬',
    );
    expect(outcome).toBe('completed');
    const [upload] = harness.dingtalk.uploadedMedia;
    expect(upload).toMatchObject({ type: 'image', contentType: 'image/png', filename: 'image.png' });
    expect(upload!.bytes).toEqual(FAKE_PNG);
    expect(replies.map((reply) => reply.text)).toEqual([`![](${upload!.mediaId})`]);
    // No size is asked (IMAGE_SIZE): the model draws at its own default.
    expect(harness.openai.imageRequests.map((request) => request.body)).toEqual([
      { model: 'gpt-image-1', prompt: '一只在雪地里奔跑的柴犬', n: 1 },
    ]);
    expect(harness.openai.requests).toHaveLength(0);
    // Under the limit of the entry that drew it, not the environment's provider's.
    expect(await harness.deps.redis.zcard(harness.sharedKeys.rateRequests('pictures'))).toBe(1);
    expect(await harness.deps.redis.zcard(harness.sharedKeys.rateRequests())).toBe(0);
    // Nothing of the picture is left behind once it is delivered.
    expect(await harness.deps.redis.exists(harness.deps.keys.generatedImage(jobId))).toBe(0);
    expect(await harness.deps.redis.get(harness.deps.keys.answer(jobId))).toBe(replies[0]?.text);
  });

  it('asks DALL·E for base64 when it can upload, and titles a group reply [图片] with the asker @-mentioned', async () => {
    const { harness, replies } = await draw({ label: 'image-dalle', ...drawingWith('dall-e-3') }, '#图片日落时的海边', {
      conversationType: '2',
    });
    expect(harness.openai.imageRequests[0]?.body).toMatchObject({ model: 'dall-e-3', prompt: '日落时的海边', response_format: 'b64_json' });
    expect(replies).toHaveLength(1);
    expect(replies[0]?.title).toBe('[图片]');
    expect(replies[0]?.text).toMatch(/^!\[\]\(@lA[\w-]+\)\n\n@/);
  });

  it('shows a picture the provider gives only by URL by that URL, without uploading', async () => {
    const { harness, replies } = await draw(
      { label: 'image-url', openai: { imageFormat: 'url' }, ...drawingWith('wanx-v1') },
      '/image a lighthouse',
    );
    const url = /^!\[\]\((.+)\)$/.exec(replies[0]?.text ?? '')?.[1];
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/v1\/images\/files\/[0-9a-f]+\.png$/);
    expect(Buffer.from(await (await fetch(url!)).arrayBuffer())).toEqual(FAKE_PNG);
    expect(harness.dingtalk.uploadedMedia).toHaveLength(0);
    expect(harness.dingtalk.legacyTokenRequests).toBe(0);
  });

  it('declines politely when no provider draws (a retired OPENAI_IMAGE_MODEL turns nothing on), and asks for a description when none is given', async () => {
    harness = await startWorkerHarness({ label: 'image-declined', env: { OPENAI_IMAGE_MODEL: 'gpt-image-1' } });
    expect(harness.deps.settings.draws).toBe(false);
    const declined = harness.message({ text: '/image 一只猫', senderStaffId: 'a' });
    const empty = harness.message({ text: '#图片', senderStaffId: 'b' });
    await (await harness.send(declined)).settled;
    harness.deps.settings.draws = true;
    await (await harness.send(empty)).settled;
    const textOf = (webhook: string) => harness!.dingtalk.delivered().filter((m) => webhook.endsWith(m.target)).map((m) => m.text);
    expect(textOf(declined.sessionWebhook)).toEqual([IMAGES_UNAVAILABLE]);
    expect(textOf(empty.sessionWebhook)).toEqual([emptyImagePrompt(harness.deps.settings)]);
    expect(harness.openai.imageRequests).toHaveLength(0);
  });

  it('retries a refused upload with a fresh token and the same picture: one picture paid for, one reply', async () => {
    harness = await startWorkerHarness({ label: 'image-retry', ...drawingWith('gpt-image-1') });
    harness.dingtalk.refuseNext('media', { errcode: 40014, errmsg: '不合法的access_token' });
    const message = harness.message({ text: '/image 一只猫' });
    expect(await (await harness.send(message)).settled).toBe('completed');
    expect(harness.openai.imageRequests).toHaveLength(1);
    expect(harness.dingtalk.legacyTokenRequests).toBe(2);
    expect(harness.dingtalk.uploadedMedia).toHaveLength(1);
    expect(harness.dingtalk.delivered().map((m) => m.text)).toEqual([`![](${harness.dingtalk.uploadedMedia[0]!.mediaId})`]);
  });

  it('draws with the image deployment on Azure, and does not remember pictures', async () => {
    harness = await startWorkerHarness({
      label: 'image-azure',
      env: ({ openai, dingtalk }) => ({
        OPENAI_PROVIDER: 'azure',
        AZURE_OPENAI_ENDPOINT: openai.azureEndpoint,
        AZURE_OPENAI_API_KEY: 'azure-key',
        AZURE_OPENAI_DEPLOYMENT: 'chat-deployment',
      }),
      providers: ({ openai }) => [
        { name: 'pictures', type: 'azure', endpoint: openai.azureEndpoint, apiKey: 'azure-key', imageDeployment: 'image-deployment', chat: false },
      ],
    });
    await (await harness.send(harness.message({ text: '/image 一只猫', senderStaffId: 'same' }))).settled;
    await (await harness.send(harness.message({ text: '刚才画了什么？', senderStaffId: 'same' }))).settled;
    expect(harness.openai.imageRequests[0]).toMatchObject({ apiKey: 'azure-key', azure: { deployment: 'image-deployment' } });
    expect(harness.openai.requests[0]).toMatchObject({ azure: { deployment: 'chat-deployment' } });
    expect(harness.openai.requests[0]?.body.messages).toEqual([{ role: 'user', content: '刚才画了什么？' }]);
  });

  it('apologises when a picture came as bytes and the robot has no AppKey to upload it with', async () => {
    const { harness, jobId, outcome, replies } = await draw(
      { label: 'image-no-app', attempts: 1, ...drawingWith('gpt-image-1'), env: { DINGTALK_APP_KEY: '' } },
      '/image 一只猫',
    );
    expect(outcome).toBe('failed');
    expect(replies.map((reply) => reply.text)).toEqual([apology(jobId)]);
    expect(harness.dingtalk.uploadedMedia).toHaveLength(0);
  });

  it('is on with nothing but a PROVIDERS_FILE entry that draws: /help lists it and the entry draws, answers stay with the environment\'s provider', async () => {
    harness = await startWorkerHarness({
      label: 'image-file-only',
      // An entry that answers too (chat is not false): it draws; answers go to the first provider, as ever.
      providers: ({ openai }) => [{ name: 'both', type: 'openai', baseUrl: openai.baseURL, apiKey: 'sk-both', imageModel: 'gpt-image-1' }],
    });
    expect(harness.deps.settings.draws).toBe(true);
    const help = await harness.ask(harness.message({ text: '/help', senderStaffId: 'h' }));
    expect(help.reply).toContain('`/image 画面描述` `#图片 画面描述`：生成一张图片');
    const drawn = await harness.ask(harness.message({ text: '/image 一只猫', senderStaffId: 'd' }));
    expect(drawn.reply).toBe(`![](${harness.dingtalk.uploadedMedia[0]?.mediaId})`);
    expect(harness.openai.imageRequests).toMatchObject([{ authorization: 'Bearer sk-both', body: { model: 'gpt-image-1', prompt: '一只猫' } }]);
    await harness.ask(harness.message({ text: '你好', senderStaffId: 'q' }));
    expect(harness.openai.requests.map((request) => request.authorization)).toEqual(['Bearer sk-worker-test']);
  });
});
