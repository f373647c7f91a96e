import { describe, expect, it } from 'vitest';
import { callbackSchema } from './callback-schema.js';
import { extractPictures, MAX_PICTURES } from './extract-pictures.js';

const message = (msgtype: string, content: Record<string, unknown>) =>
  callbackSchema.parse({
    msgtype,
    content,
    msgId: 'm',
    createAt: 1,
    conversationType: '1',
    conversationId: 'c',
    senderId: 's',
    sessionWebhook: 'https://oapi.dingtalk.com/robot/sendBySession?session=x',
    sessionWebhookExpiredTime: 2,
  });

describe('extractPictures', () => {
  it.each([
    ['a picture', message('picture', { downloadCode: 'pic-1', pictureDownloadCode: 'alt' }), ['pic-1']],
    ['a picture with only pictureDownloadCode', message('picture', { pictureDownloadCode: 'alt-1' }), ['alt-1']],
    [
      'pictures inside rich text, in order, once each',
      message('richText', {
        richText: [{ text: '看' }, { type: 'picture', downloadCode: 'a' }, { text: '和' }, { type: 'picture', pictureDownloadCode: 'b' }, { type: 'picture', downloadCode: 'a' }],
      }),
      ['a', 'b'],
    ],
    ['rich text without pictures', message('richText', { richText: [{ text: 'only words' }] }), []],
    ['a picture without a code', message('picture', { downloadCode: ' ' }), []],
    ['a file', message('file', { downloadCode: 'f', fileName: 'a.zip' }), []],
  ])('reads %s', (_name, input, codes) => {
    expect(extractPictures(input)).toEqual(codes);
  });

  it(`keeps at most ${MAX_PICTURES}`, () => {
    const richText = Array.from({ length: 12 }, (_, i) => ({ type: 'picture', downloadCode: `p${i}` }));
    expect(extractPictures(message('richText', { richText }))).toHaveLength(MAX_PICTURES);
  });
});
