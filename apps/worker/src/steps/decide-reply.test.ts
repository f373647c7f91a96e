import { describe, expect, it } from 'vitest';
import { decideReply } from './decide-reply.js';

const deps = {
  settings: { resetCommands: ['/reset', '重置'], helpCommands: ['/help', '帮助'], imageCommands: ['/image', '#图片'], imageModel: 'gpt-image-1' },
};
const withoutImages = { settings: { ...deps.settings, imageModel: undefined } };
const message = (msgtype: string, prompt: string) => ({ msgtype, prompt });

describe('decideReply', () => {
  it.each([
    [message('text', '/reset'), { kind: 'command', command: 'reset' }],
    [message('audio', '帮助'), { kind: 'command', command: 'help' }],
    [message('picture', ''), { kind: 'note', note: 'unreadable_kind', msgtype: 'picture' }],
    [message('file', ''), { kind: 'note', note: 'unreadable_kind', msgtype: 'file' }],
    [message('text', ''), { kind: 'note', note: 'empty_question', msgtype: 'text' }],
    [message('audio', ''), { kind: 'note', note: 'empty_question', msgtype: 'audio' }],
    [message('richText', '这张图是什么？'), { kind: 'model', question: '这张图是什么？' }],
    [message('text', '怎么重置密码？'), { kind: 'model', question: '怎么重置密码？' }],
    [message('text', '/image 一只猫'), { kind: 'image', prompt: '一只猫' }],
    [message('text', '#图片日落'), { kind: 'image', prompt: '日落' }],
    [message('text', '/image'), { kind: 'note', note: 'empty_image_prompt', msgtype: 'text' }],
  ])('gives %j the reply %j', async (data, reply) => {
    expect(await decideReply(deps, data)).toEqual(reply);
  });

  it('declines an image request when no image model is configured, before anything else is asked', async () => {
    expect(await decideReply(withoutImages, message('text', '/image 一只猫'))).toEqual({ kind: 'note', note: 'images_unavailable', msgtype: 'text' });
    expect(await decideReply(withoutImages, message('text', '/image'))).toEqual({ kind: 'note', note: 'images_unavailable', msgtype: 'text' });
  });
});
