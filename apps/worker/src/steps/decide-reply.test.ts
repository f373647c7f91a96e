import { describe, expect, it } from 'vitest';
import { decideReply } from './decide-reply.js';

const deps = { settings: { resetCommands: ['/reset', '重置'], helpCommands: ['/help', '帮助'] } };
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
  ])('gives %j the reply %j', async (data, reply) => {
    expect(await decideReply(deps, data)).toEqual(reply);
  });
});
