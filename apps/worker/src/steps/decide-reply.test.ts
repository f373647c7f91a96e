import { describe, expect, it } from 'vitest';
import { PersonaCatalog } from '../personas/persona-catalog.js';
import { readMessage } from './decide-reply.js';

const weekly = { name: '周报', aliases: ['weekly'], description: '周报', prompt: '整理成周报：\n{{input}}' };
const deps = {
  settings: {
    resetCommands: ['/reset', '重置'],
    helpCommands: ['/help', '帮助'],
    settingsCommands: ['/settings'],
    personaCommands: ['/persona', '角色'],
    usageCommands: ['/usage'],
    imageCommands: ['/image', '#图片'],
    imageModel: 'gpt-image-1',
  },
  personas: new PersonaCatalog([], [weekly]),
};
const withoutImages = { ...deps, settings: { ...deps.settings, imageModel: undefined } };
const message = (msgtype: string, prompt: string) => ({ msgtype, prompt });

describe('readMessage', () => {
  it.each([
    [message('text', '/reset'), { kind: 'command', command: 'reset' }],
    [message('audio', '帮助'), { kind: 'command', command: 'help' }],
    [message('text', '角色 翻译官'), { kind: 'command', command: 'persona', argument: '翻译官' }],
    [message('text', '/nope'), { kind: 'command', command: 'unknown', argument: '/nope' }],
    [message('picture', ''), { kind: 'note', note: 'unreadable_kind', msgtype: 'picture' }],
    [message('file', ''), { kind: 'note', note: 'unreadable_kind', msgtype: 'file' }],
    [message('text', ''), { kind: 'note', note: 'empty_question', msgtype: 'text' }],
    [message('audio', ''), { kind: 'note', note: 'empty_question', msgtype: 'audio' }],
    [message('text', '#周报'), { kind: 'note', note: 'template_without_text', template: weekly }],
    [message('text', '#周报 修了两个缺陷'), { kind: 'template', template: '周报', question: '整理成周报：\n修了两个缺陷' }],
    [message('text', '#WEEKLY fixed $& two bugs'), { kind: 'template', template: '周报', question: '整理成周报：\nfixed $& two bugs' }],
    [message('text', '#weeklyish notes'), { kind: 'model', question: '#weeklyish notes' }],
    [message('text', '#话题 随便聊聊'), { kind: 'model', question: '#话题 随便聊聊' }],
    [message('richText', '这张图是什么？'), { kind: 'model', question: '这张图是什么？' }],
    [message('text', '怎么重置密码？'), { kind: 'model', question: '怎么重置密码？' }],
    [message('text', '/image 一只猫'), { kind: 'image', prompt: '一只猫' }],
    [message('text', '#图片日落'), { kind: 'image', prompt: '日落' }],
    [message('text', '/image'), { kind: 'note', note: 'empty_image_prompt', msgtype: 'text' }],
  ])('gives %j the reply %j', async (data, reply) => {
    expect(readMessage(deps, data)).toEqual(reply);
  });

  it('declines an image request when no image model is configured, before anything else is asked', async () => {
    expect(readMessage(withoutImages, message('text', '/image 一只猫'))).toEqual({ kind: 'note', note: 'images_unavailable', msgtype: 'text' });
    expect(readMessage(withoutImages, message('text', '/image'))).toEqual({ kind: 'note', note: 'images_unavailable', msgtype: 'text' });
  });
});
