import { describe, expect, it } from 'vitest';
import { LanePolicy } from './lane.js';

const policy = new LanePolicy({
  admins: ['boss'],
  vips: ['carol', '$:LWCP_v1:$guest'],
  commandWords: {
    resetCommands: ['/reset', '重置'],
    helpCommands: ['/help', '帮助'],
    settingsCommands: ['/settings'],
    personaCommands: ['/persona', '角色'],
    usageCommands: ['/usage'],
    stopCommands: ['/stop'],
    feedbackCommands: ['/good', '/bad'],
  },
});
const from = (senderStaffId: string | undefined, prompt = '今天天气怎么样？', source: 'dingtalk' | 'playground' | undefined = undefined) =>
  [{ senderStaffId, senderId: `$:LWCP_v1:$${senderStaffId ?? 'guest'}`, source }, prompt] as const;

describe('LanePolicy', () => {
  it.each([
    ['an admin\'s question', from('boss'), 'priority'],
    ['a VIP\'s question', from('carol'), 'priority'],
    ['a VIP of another organisation, listed by sender id', from(undefined), 'priority'],
    ['anyone\'s command', from('alice', ' /RESET '), 'priority'],
    ['a command with its argument', from('alice', '角色 翻译官'), 'priority'],
    ['anyone else\'s question', from('alice'), 'normal'],
    ['a question that starts with a command word', from('alice', '重置 密码怎么办'), 'normal'],
    ['an unknown /word (answered with the help, but no command of ours)', from('alice', '/weather'), 'normal'],
  ] as const)('sends %s to the %s lane', (_, message, lane) => {
    expect(policy.laneOf(...message)).toBe(lane);
  });

  it.each([
    ['anyone\'s command', from('alice', '/help')],
    ['anyone else\'s question', from('alice')],
    ['an admin\'s question', from('boss')],
    ['a playground "boss"\'s question', from('boss', '今天天气怎么样？', 'playground')],
  ] as const)('gives %s the same lane when the caller passes isCommand\'s answer along', (_, message) => {
    expect(policy.laneOf(...message, policy.isCommand(message[1]))).toBe(policy.laneOf(...message));
  });

  it('takes the lists\' word only for a sender the transport vouched for: a playground "boss" asks in the normal lane', () => {
    expect(policy.laneOf(...from('boss', '今天天气怎么样？', 'playground'))).toBe('normal');
    expect(policy.laneOf(...from('boss', '/help', 'playground'))).toBe('priority');
    expect(policy.laneOf(...from('boss', '今天天气怎么样？', 'dingtalk'))).toBe('priority');
  });
});
