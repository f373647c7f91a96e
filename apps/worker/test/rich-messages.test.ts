import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MessageJob } from '@dtbot/shared';
import { FAKE_PNG, type ChatCompletionRequest, type DingTalkCallbackPayload } from '@dtbot/testkit';
import { toDingTalkMarkdown } from '../src/delivery/dingtalk-markdown.js';
import {
  apology,
  PICTURES_NOT_READ,
  pictureUnusable,
  picturesNotReadNotice,
  picturesOverTotalNotice,
  UNRECOGNIZED_AUDIO,
  unsupportedKind,
} from '../src/replies/canned-replies.js';
import { startWorkerHarness, type WorkerHarness } from './worker-harness.js';

// Messages other than plain text, in-process: pictures (with and without a vision model), rich text,
// voice, files and videos, quotes, and jobs stored by a version that read none of these.
const JPEG = Buffer.concat([Buffer.from('ffd8ffe000104a464946', 'hex'), Buffer.alloc(64, 1)]);
const MAX_BYTES = 4096;
// All pictures of one question together; small, so that two pictures under MAX_BYTES pass it.
const QUESTION_SHARE = 6000;

let seeing: WorkerHarness;
let blind: WorkerHarness;

beforeAll(async () => {
  const answer = (body: ChatCompletionRequest) => {
    const content = body.messages?.at(-1)?.content;
    const parts = Array.isArray(content) ? content : [{ type: 'text', text: String(content) }];
    const pictures = parts.filter((part) => (part as { type?: string }).type === 'image_url').length;
    const text = parts.map((part) => (part as { text?: string }).text ?? '').join('');
    return `答复(${pictures} 图): ${text}`;
  };
  [seeing, blind] = await Promise.all([
    startWorkerHarness({
      label: 'rich-seeing',
      openai: { answer },
      // The fake DingTalk is the API base, so its origin is where downloads may come from.
      env: { OPENAI_VISION: 'true' },
      tuning: { pictureMaxBytes: MAX_BYTES },
      settings: { pictureBytesPerQuestion: QUESTION_SHARE },
    }),
    startWorkerHarness({ label: 'rich-blind', openai: { answer } }),
  ]);
});

afterAll(async () => {
  await Promise.all([seeing?.close(), blind?.close()]);
});

const sessionOf = (message: DingTalkCallbackPayload) => new URL(message.sessionWebhook).searchParams.get('session');
const repliesTo = (harness: WorkerHarness, message: DingTalkCallbackPayload) =>
  harness.dingtalk.delivered().filter((m) => m.target === sessionOf(message)).map((m) => m.text);

async function answer(harness: WorkerHarness, message: DingTalkCallbackPayload, stamped?: Partial<MessageJob>): Promise<string[]> {
  const { settled } = await harness.send(message, stamped);
  expect(await settled).toBe('completed');
  return repliesTo(harness, message);
}

const picture = (harness: WorkerHarness, downloadCode: string, staff: string) =>
  harness.message({ msgtype: 'picture', content: { downloadCode, pictureDownloadCode: downloadCode }, senderStaffId: staff });

describe('pictures, with OPENAI_VISION', () => {
  it('downloads a picture with the robot\'s token and sends it to the model as a data URL', async () => {
    seeing.dingtalk.addFile('png-1', { body: FAKE_PNG, contentType: 'application/octet-stream' });
    const message = picture(seeing, 'png-1', 'pic-1');
    expect(await answer(seeing, message)).toEqual(['答复(1 图):']);
    expect(seeing.dingtalk.fileDownloads.at(-1)).toEqual({ downloadCode: 'png-1', robotCode: message.robotCode, appKey: message.robotCode });
    const request = seeing.openai.requests.at(-1)!.body;
    expect(request.messages?.at(-1)?.content).toEqual([{ type: 'image_url', image_url: { url: `data:image/png;base64,${FAKE_PNG.toString('base64')}` } }]);
  });

  it('sends rich text\'s words and pictures together, and later turns remember that there were pictures', async () => {
    seeing.dingtalk.addFile('jpeg-1', { body: JPEG, contentType: 'image/jpeg' });
    const rich = seeing.message({
      msgtype: 'richText',
      content: { richText: [{ text: '这张图里' }, { type: 'picture', downloadCode: 'jpeg-1' }, { text: '有什么？' }] },
      senderStaffId: 'pic-2',
    });
    expect(await answer(seeing, rich)).toEqual(['答复(1 图): 这张图里有什么？']);
    expect(seeing.openai.requests.at(-1)!.body.messages?.at(-1)?.content).toEqual([
      { type: 'text', text: '这张图里有什么？' },
      { type: 'image_url', image_url: { url: `data:image/jpeg;base64,${JPEG.toString('base64')}` } },
    ]);
    await answer(seeing, seeing.message({ text: '再说一遍', senderStaffId: 'pic-2' }));
    expect(seeing.openai.requests.at(-1)!.body.messages?.slice(-3, -1)).toEqual([
      { role: 'user', content: '这张图里有什么？\n（附图 1 张）' },
      { role: 'assistant', content: '答复(1 图): 这张图里有什么？' },
    ]);
  });

  it('tells the user a picture is too large or not a picture, without asking the model', async () => {
    seeing.dingtalk.addFile('huge', { body: Buffer.concat([FAKE_PNG, Buffer.alloc(MAX_BYTES)]) });
    seeing.dingtalk.addFile('zip', { body: Buffer.from('504b030400000000', 'hex'), contentType: 'image/png' });
    const requestsBefore = seeing.openai.requests.length;
    expect(await answer(seeing, picture(seeing, 'huge', 'pic-3'))).toEqual([toDingTalkMarkdown(pictureUnusable('too_large', MAX_BYTES))]);
    expect(await answer(seeing, picture(seeing, 'zip', 'pic-4'))).toEqual([toDingTalkMarkdown(pictureUnusable('not_an_image', MAX_BYTES))]);
    expect(await answer(seeing, picture(seeing, 'never-uploaded', 'pic-5'))).toEqual([toDingTalkMarkdown(pictureUnusable('expired', MAX_BYTES))]);
    expect(seeing.openai.requests.length).toBe(requestsBefore);
  });

  it('two pictures of 3500 bytes with 6000 a question: the second is not sent to the model, the answer says so, the budget is given back', async () => {
    const jpegOf = (size: number) => Buffer.concat([JPEG, Buffer.alloc(size - JPEG.length, 2)]);
    seeing.dingtalk.addFile('share-1', { body: jpegOf(3500), contentType: 'image/jpeg' });
    seeing.dingtalk.addFile('share-2', { body: jpegOf(3500), contentType: 'image/jpeg' });
    const rich = seeing.message({
      msgtype: 'richText',
      content: { richText: [{ text: '两张图' }, { type: 'picture', downloadCode: 'share-1' }, { type: 'picture', downloadCode: 'share-2' }] },
      senderStaffId: 'pic-share',
    });
    expect(await answer(seeing, rich)).toEqual([toDingTalkMarkdown(`答复(1 图): 两张图\n\n${picturesOverTotalNotice(1, QUESTION_SHARE)}`)]);
    expect(seeing.openai.requests.at(-1)!.body.messages?.at(-1)?.content).toEqual([
      { type: 'text', text: '两张图' },
      { type: 'image_url', image_url: { url: `data:image/jpeg;base64,${jpegOf(3500).toString('base64')}` } },
    ]);
    expect(seeing.deps.pictureBudget.available).toBe(seeing.deps.pictureBudget.capacity);
  });

  it('refuses a download URL outside DingTalk\'s storage and the API\'s origin before connecting, and apologises', async () => {
    const elsewhere = seeing.dingtalk.origin.replace('127.0.0.1', 'localhost');
    seeing.dingtalk.addFile('elsewhere', { body: FAKE_PNG, downloadUrl: `${elsewhere}/files/elsewhere?Signature=x` });
    const servedBefore = seeing.dingtalk.filesServed;
    const { jobId, settled } = await seeing.send(picture(seeing, 'elsewhere', 'pic-6'));
    expect(await settled).toBe('failed');
    expect(seeing.dingtalk.filesServed).toBe(servedBefore);
    expect(seeing.dingtalk.delivered().at(-1)?.text).toBe(toDingTalkMarkdown(apology(jobId)));
  });
});

describe('pictures, without OPENAI_VISION', () => {
  it('says pictures are not read, without asking the model', async () => {
    const requestsBefore = blind.openai.requests.length;
    expect(await answer(blind, picture(blind, 'any', 'blind-1'))).toEqual([PICTURES_NOT_READ]);
    expect(blind.openai.requests.length).toBe(requestsBefore);
    expect(blind.dingtalk.fileDownloads).toEqual([]);
  });

  it('answers the words of rich text and says its pictures were not read', async () => {
    const rich = blind.message({
      msgtype: 'richText',
      content: { richText: [{ text: '帮我看看' }, { type: 'picture', downloadCode: 'x' }] },
      senderStaffId: 'blind-2',
    });
    expect(await answer(blind, rich)).toEqual([toDingTalkMarkdown(`答复(0 图): 帮我看看\n\n${picturesNotReadNotice(1)}`)]);
  });
});

describe('other message kinds', () => {
  it('answers a voice message from its transcription, and says so when there is none', async () => {
    const spoken = blind.message({ msgtype: 'audio', content: { downloadCode: 'a', recognition: '明天天气怎么样' }, senderStaffId: 'voice' });
    const silent = blind.message({ msgtype: 'audio', content: { downloadCode: 'b', recognition: '' }, senderStaffId: 'voice-2' });
    expect(await answer(blind, spoken)).toEqual(['答复(0 图): 明天天气怎么样']);
    expect(await answer(blind, silent)).toEqual([UNRECOGNIZED_AUDIO]);
  });

  // Files are read (files.test.ts); a video keeps the note.
  it.each([
    ['video', { downloadCode: 'v', duration: '5', videoType: 'mp4' }],
    ['unknownMsgType', { unknownMsgType: '[互动卡片]' }],
  ])('answers a %s with what can be sent instead', async (msgtype, content) => {
    const message = seeing.message({ msgtype, content, senderStaffId: `kind-${msgtype}` });
    expect(await answer(seeing, message)).toEqual([toDingTalkMarkdown(unsupportedKind(msgtype, true, true))]);
  });

  it('names files among what can be sent, for a robot that downloads them', () => {
    expect(unsupportedKind('video', true, true)).toBe(
      '抱歉，我还读不了视频。我能看懂文字、语音、图片和图文消息，以及文件（PDF、Word、Excel、PPT、文本和代码），请换一种方式提问。',
    );
  });

  it('gives the model the quoted message before the question', async () => {
    const quoting = blind.message({
      text: { content: ' 这是什么意思？', isReplyMsg: true, repliedMsg: { msgType: 'text', content: { text: 'CPU 使用率 95%' } } } as never,
      senderStaffId: 'quote',
    });
    await answer(blind, quoting);
    expect(blind.openai.requests.at(-1)!.body.messages?.at(-1)?.content).toBe('> 引用的消息：\n> CPU 使用率 95%\n\n这是什么意思？');
  });
});

describe('jobs stored by the previous version (no pictures, no quote, no file)', () => {
  // Fields set to undefined are not stored (JSON drops them): the job is in the old shape.
  const oldShape: Partial<MessageJob> = { pictures: undefined, quote: undefined, file: undefined };

  it('answers an old text job as before', async () => {
    expect(await answer(seeing, seeing.message({ text: 'old shape', senderStaffId: 'old-1' }), oldShape)).toEqual(['答复(0 图): old shape']);
  });

  it('tells an old picture job that the picture was not read', async () => {
    expect(await answer(seeing, picture(seeing, 'old', 'old-2'), oldShape)).toEqual([PICTURES_NOT_READ]);
  });

  it('asks for an old file job\'s file again: it was stored without its download code', async () => {
    const file = seeing.message({ msgtype: 'file', content: { downloadCode: 'f', fileName: '报价.xlsx' }, senderStaffId: 'old-3' });
    expect(await answer(seeing, file, oldShape)).toEqual(['抱歉，这个文件我没能读取，请重新发送一次。']);
    expect(unsupportedKind('file', true, true)).toBe('抱歉，这个文件我没能读取，请重新发送一次。');
  });
});
