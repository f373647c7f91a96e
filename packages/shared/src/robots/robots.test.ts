import { describe, expect, it } from 'vitest';
import { conflictingAppKeys, findRobot, robotsFromConfig } from './robots.js';

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
