import { describe, expect, it } from 'vitest';
import { ConfigError, loadGatewayConfig, loadWorkerConfig } from './load-config.js';

describe('loadWorkerConfig', () => {
  it('applies the documented defaults', () => {
    const { config } = loadWorkerConfig({ OPENAI_API_KEY: 'sk-test' });
    expect(config.REDIS_URL).toBe('redis://127.0.0.1:6379');
    expect(config.SESSION_TTL_SECONDS).toBe(600);
    expect(config.WORKER_CONCURRENCY).toBe(20);
    expect(config.OPENAI_RPM).toBe(0);
    expect(config.RESET_COMMANDS).toEqual(['/reset', '重置', '清空会话']);
    expect(config.DINGTALK_WEBHOOK_ORIGINS).toEqual(['https://oapi.dingtalk.com', 'https://api.dingtalk.com']);
    expect(config.MEMORY_SCOPE).toBe('user');
  });

  it('names every bad variable in one error, and never the secret values', () => {
    let error: unknown;
    try {
      loadWorkerConfig({ WORKER_CONCURRENCY: 'many', OPENAI_BASE_URL: 'nope', LOG_LEVEL: 'loud' });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const message = (error as ConfigError).message;
    for (const name of ['OPENAI_API_KEY: is required', 'WORKER_CONCURRENCY', 'OPENAI_BASE_URL', 'LOG_LEVEL']) {
      expect(message).toContain(name);
    }
  });

  it('reads chatgpt-dingtalk names, ours winning when both are set', () => {
    const { config, aliasesUsed } = loadWorkerConfig({
      APIKEY: 'sk-theirs',
      BASE_URL: 'https://example.com',
      SESSION_TIMEOUT: '10m',
      DEFAULT_MODE: '单聊',
      MODEL: 'their-model',
      OPENAI_MODEL: 'our-model',
      SESSION_CLEAR_TOKEN: '新话题',
    });
    expect(config.OPENAI_API_KEY).toBe('sk-theirs');
    expect(config.OPENAI_BASE_URL).toBe('https://example.com/v1');
    expect(config.SESSION_TTL_SECONDS).toBe(600);
    expect(config.MEMORY_SCOPE).toBe('none');
    expect(config.OPENAI_MODEL).toBe('our-model');
    expect(config.RESET_COMMANDS).toContain('新话题');
    expect(aliasesUsed.map((alias) => alias.theirs)).toContain('APIKEY');
  });
});

describe('loadGatewayConfig', () => {
  it('requires an AppSecret in HTTP mode', () => {
    expect(() => loadGatewayConfig({})).toThrow(/DINGTALK_APP_SECRET: is required/);
    expect(loadGatewayConfig({ DINGTALK_APP_SECRET: 's' }).config.PORT).toBe(8090);
  });

  it('reads DINGTALK_CREDENTIALS as pairs, and refuses one AppKey with two AppSecrets', () => {
    const { config } = loadGatewayConfig({ DINGTALK_CREDENTIALS: 'dingone:s1, dingtwo:s2' });
    expect(config.DINGTALK_CREDENTIALS).toEqual([
      { appKey: 'dingone', appSecret: 's1' },
      { appKey: 'dingtwo', appSecret: 's2' },
    ]);
    expect(() => loadGatewayConfig({ DINGTALK_APP_KEY: 'dingone', DINGTALK_APP_SECRET: 's1', DINGTALK_CREDENTIALS: 'dingone:other' })).toThrow(
      /DINGTALK_CREDENTIALS: AppKey dingone is given with two different AppSecrets/,
    );
  });

  it('does not echo a malformed credential pair', () => {
    expect(() => loadGatewayConfig({ DINGTALK_CREDENTIALS: 'secretwithoutkey' })).toThrow(/item 1 is not appKey:appSecret/);
    expect(() => loadGatewayConfig({ DINGTALK_CREDENTIALS: 'a:1,:secretwithoutkey,b:' })).toThrow(
      /item 2 is not appKey:appSecret[\s\S]*item 3 is not appKey:appSecret/,
    );
    try {
      loadGatewayConfig({ DINGTALK_CREDENTIALS: 'secretwithoutkey' });
    } catch (error) {
      expect(String(error)).not.toContain('secretwithoutkey');
    }
  });
});
