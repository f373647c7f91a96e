import { describe, expect, it } from 'vitest';
import { PersonaCatalog } from '../personas/persona-catalog.js';
import type { WorkerRobotOptions } from '../robot-options.js';
import { readMessage, SUMMARY_REQUEST, type ReadDeps } from './decide-reply.js';

const weekly = { name: '周报', aliases: ['weekly'], description: '周报', prompt: '整理成周报：\n{{input}}' };
const robot: WorkerRobotOptions = { memoryScope: 'user', model: 'm', vision: false, memoryMaxTokens: 3000, cardContentKey: 'content' };
const deps: ReadDeps = {
  robotOptions: () => robot,
  robotApp: () => ({ appKey: 'k', appSecret: 's' }),
  settings: {
    resetCommands: ['/reset', '重置'],
    helpCommands: ['/help', '帮助'],
    settingsCommands: ['/settings'],
    personaCommands: ['/persona', '角色'],
    usageCommands: ['/usage'],
    stopCommands: ['/stop', '停止'],
    feedbackCommands: ['/good', '/bad', '👍', '👎'],
    imageCommands: ['/image', '#图片'],
    draws: true,
    scheduleCommands: ['/schedule', '定时'],
  },
  personas: new PersonaCatalog([], [weekly]),
};
const withoutImages = { ...deps, settings: { ...deps.settings, draws: false } };
const seeing: ReadDeps = { ...deps, robotOptions: () => ({ ...robot, vision: true }) };
const seeingWithoutApp: ReadDeps = { ...seeing, robotApp: () => undefined };
const message = (msgtype: string, prompt: string, extra: { pictures?: string[]; quote?: string; file?: { downloadCode: string; fileName: string; quoted?: boolean } } = {}) => ({ msgtype, prompt, robotCode: 'k', ...extra });

describe('readMessage', () => {
  it.each([
    [message('text', '/reset'), { kind: 'command', command: 'reset' }],
    [message('audio', '帮助'), { kind: 'command', command: 'help' }],
    [message('text', '/schedule 0 9 * * * 早报'), { kind: 'schedule', command: { action: 'add', pattern: '0 9 * * *', prompt: '早报' } }],
    [message('text', '定时'), { kind: 'schedule', command: { action: 'list' } }],
    [message('text', '定时提醒怎么设'), { kind: 'model', question: '定时提醒怎么设' }],
    [message('text', '角色 翻译官'), { kind: 'command', command: 'persona', argument: '翻译官' }],
    [message('text', '/nope'), { kind: 'command', command: 'unknown', argument: '/nope' }],
    [message('picture', ''), { kind: 'note', note: 'pictures_not_read', msgtype: 'picture' }],
    [message('picture', '', { pictures: ['p1'] }), { kind: 'note', note: 'pictures_not_read', msgtype: 'picture' }],
    [message('richText', '这是什么？', { pictures: ['p1', 'p2'] }), { kind: 'model', question: '这是什么？', picturesNotRead: 2 }],
    [message('file', ''), { kind: 'note', note: 'unreadable_kind', msgtype: 'file', readsPictures: false, readsFiles: true }],
    [message('video', ''), { kind: 'note', note: 'unreadable_kind', msgtype: 'video', readsPictures: false, readsFiles: true }],
    [message('text', ''), { kind: 'note', note: 'empty_question', msgtype: 'text' }],
    [message('audio', ''), { kind: 'note', note: 'unrecognized_audio', msgtype: 'audio' }],
    [message('text', '什么意思？', { quote: '明天放假' }), { kind: 'model', question: '> 引用的消息：\n> 明天放假\n\n什么意思？' }],
    [message('text', '', { quote: '第一行\n第二行' }), { kind: 'model', question: '> 引用的消息：\n> 第一行\n> 第二行' }],
    [message('text', '#周报 修了缺陷', { quote: '本周记录' }), { kind: 'template', template: '周报', question: '> 引用的消息：\n> 本周记录\n\n整理成周报：\n修了缺陷' }],
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

  it.each([
    [message('picture', '', { pictures: ['p1'] }), { kind: 'vision', question: '', pictures: ['p1'] }],
    [message('richText', '比较一下', { pictures: ['a', 'b'], quote: '原图说明' }), { kind: 'vision', question: '> 引用的消息：\n> 原图说明\n\n比较一下', pictures: ['a', 'b'] }],
    [
      message('richText', '都看看', { pictures: ['1', '2', '3', '4', '5', '6'] }),
      { kind: 'vision', question: '都看看', pictures: ['1', '2', '3', '4'], picturesSkipped: 2 },
    ],
    [message('text', '/reset', { pictures: ['p1'] }), { kind: 'command', command: 'reset' }],
    [message('file', ''), { kind: 'note', note: 'unreadable_kind', msgtype: 'file', readsPictures: true, readsFiles: true }],
  ])('with OPENAI_VISION, gives %j the reply %j', (data, reply) => {
    expect(readMessage(seeing, data)).toEqual(reply);
  });

  it('does not send pictures to the model of a robot without the AppKey/AppSecret to download them', () => {
    expect(readMessage(seeingWithoutApp, message('picture', '', { pictures: ['p1'] }))).toEqual({ kind: 'note', note: 'pictures_not_read', msgtype: 'picture' });
  });

  it('reads a file the message carries or quotes, asking for a summary when nothing was written', () => {
    const sent = { downloadCode: 'f1', fileName: '报价单.xlsx' };
    const quoted = { ...sent, quoted: true };
    expect(readMessage(deps, message('file', '', { file: sent }))).toEqual({ kind: 'file', question: SUMMARY_REQUEST, file: sent });
    expect(readMessage(deps, message('text', '苹果多少钱？', { file: quoted, quote: '[文件] 报价单.xlsx' }))).toEqual({
      kind: 'file',
      question: '苹果多少钱？',
      file: quoted,
    });
    expect(readMessage(deps, message('text', '', { file: quoted, quote: '[文件] 报价单.xlsx' }))).toEqual({ kind: 'file', question: SUMMARY_REQUEST, file: quoted });
    expect(readMessage(deps, message('text', '/reset', { file: quoted }))).toEqual({ kind: 'command', command: 'reset' });
    // Without an app to download with: the note for a file message, the quote's name for a question quoting one.
    const noApp: ReadDeps = { ...deps, robotApp: () => undefined };
    expect(readMessage(noApp, message('file', '', { file: sent }))).toEqual({ kind: 'note', note: 'unreadable_kind', msgtype: 'file', readsPictures: false, readsFiles: false });
    expect(readMessage(noApp, message('text', '多少钱？', { file: quoted, quote: '[文件] 报价单.xlsx' }))).toEqual({
      kind: 'model',
      question: '> 引用的消息：\n> [文件] 报价单.xlsx\n\n多少钱？',
    });
  });

  it('declines an image request when no image model is configured, before anything else is asked', async () => {
    expect(readMessage(withoutImages, message('text', '/image 一只猫'))).toEqual({ kind: 'note', note: 'images_unavailable', msgtype: 'text' });
    expect(readMessage(withoutImages, message('text', '/image'))).toEqual({ kind: 'note', note: 'images_unavailable', msgtype: 'text' });
  });
});
