import { describe, expect, it } from 'vitest';
import { conflictingAppKeys, findRobot, robotsFromConfig, robotsWithoutSecret } from './robots.js';

describe('robotsFromConfig', () => {
  it('lists the AppKey/AppSecret pair first, then each DINGTALK_CREDENTIALS pair, each with the settings as options', () => {
    const robots = robotsFromConfig({
      DINGTALK_APP_KEY: 'dingone',
      DINGTALK_APP_SECRET: 'secret-one',
      DINGTALK_CREDENTIALS: [{ appKey: 'dingtwo', appSecret: 'secret-two' }],
      MEMORY_SCOPE: 'group',
    });
    expect(robots).toEqual([
      { robotCode: 'dingone', appKey: 'dingone', appSecret: 'secret-one', options: { memoryScope: 'group' } },
      { robotCode: 'dingtwo', appKey: 'dingtwo', appSecret: 'secret-two', options: { memoryScope: 'group' } },
    ]);
  });

  it('knows a robot with only an AppSecret, whose robot code then comes from its messages', () => {
    expect(robotsFromConfig({ DINGTALK_APP_SECRET: 's', MEMORY_SCOPE: 'user' })).toEqual([
      { robotCode: undefined, appKey: undefined, appSecret: 's', options: { memoryScope: 'user' } },
    ]);
  });

  it('counts a pair given both ways once, and has no robot without a secret', () => {
    const robots = robotsFromConfig({
      DINGTALK_APP_KEY: 'dingone',
      DINGTALK_APP_SECRET: 'secret-one',
      DINGTALK_CREDENTIALS: [{ appKey: 'dingone', appSecret: 'secret-one' }],
      MEMORY_SCOPE: 'user',
    });
    expect(robots).toHaveLength(1);
    expect(robotsFromConfig({ DINGTALK_APP_KEY: 'dingone', MEMORY_SCOPE: 'user' })).toEqual([]);
  });

  it('names an AppKey configured with two different AppSecrets', () => {
    const robots = robotsFromConfig({
      DINGTALK_APP_KEY: 'dingone',
      DINGTALK_APP_SECRET: 'secret-one',
      DINGTALK_CREDENTIALS: [{ appKey: 'dingone', appSecret: 'another' }],
      MEMORY_SCOPE: 'user',
    });
    expect(conflictingAppKeys(robots)).toEqual(['dingone']);
  });
});

describe('findRobot', () => {
  it('finds a robot by its robot code', () => {
    const robots = robotsFromConfig({ DINGTALK_CREDENTIALS: [{ appKey: 'a', appSecret: '1' }, { appKey: 'b', appSecret: '2' }], MEMORY_SCOPE: 'user' });
    expect(findRobot(robots, 'b')?.appSecret).toBe('2');
    expect(findRobot(robots, 'c')).toBeUndefined();
  });
});

describe('robotsFromConfig with ROBOTS_FILE', () => {
  const file = {
    robots: [
      { appKey: 'dingsales', appSecret: 'sales-secret', name: '销售助手', model: 'gpt-4o', memoryScope: 'group' as const, memoryMaxTokens: 6000 },
      { appKey: 'dinghr', systemPrompt: '你是人事助手', temperature: 0.2, maxTokens: 300, cardTemplateId: 'tpl.schema' },
    ],
  };

  it('adds the robots the file carries secrets for, with the options it lists; others keep the deployment\'s', () => {
    const robots = robotsFromConfig({
      DINGTALK_APP_KEY: 'dinghr',
      DINGTALK_APP_SECRET: 'hr-secret',
      DINGTALK_CREDENTIALS: [{ appKey: 'dingplain', appSecret: 'plain-secret' }],
      MEMORY_SCOPE: 'user',
      ROBOTS_FILE: file,
    });
    expect(robots.map((robot) => [robot.appKey, robot.options])).toEqual([
      ['dinghr', { memoryScope: 'user', systemPrompt: '你是人事助手', temperature: 0.2, maxTokens: 300, cardTemplateId: 'tpl.schema' }],
      ['dingplain', { memoryScope: 'user' }],
      ['dingsales', { memoryScope: 'group', name: '销售助手', model: 'gpt-4o', memoryMaxTokens: 6000 }],
    ]);
    expect(robots.find((robot) => robot.appKey === 'dingsales')?.appSecret).toBe('sales-secret');
  });

  it('names the listed robots that have no AppSecret anywhere', () => {
    expect(robotsWithoutSecret({ MEMORY_SCOPE: 'user', ROBOTS_FILE: file })).toEqual(['dinghr']);
    expect(robotsWithoutSecret({ MEMORY_SCOPE: 'user', ROBOTS_FILE: file, DINGTALK_CREDENTIALS: [{ appKey: 'dinghr', appSecret: 's' }] })).toEqual([]);
  });

  it('sees an AppKey given two secrets across the environment and the file', () => {
    const robots = robotsFromConfig({ DINGTALK_CREDENTIALS: [{ appKey: 'dingsales', appSecret: 'other' }], MEMORY_SCOPE: 'user', ROBOTS_FILE: file });
    expect(conflictingAppKeys(robots)).toEqual(['dingsales']);
  });
});
