import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
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
    expect(config.QUEUE_NOTICE_AFTER_MS).toBe(5000);
    expect(config.DINGTALK_CARD_UPDATE_MS).toBe(300);
    expect(loadGatewayConfig({ DINGTALK_APP_SECRET: 's' }).config).toMatchObject({ QUEUE_NOTICE_AFTER_MS: 5000 });
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

  it('reads chatgpt-dingtalk access lists, with VIP_USERS and ADMIN_USERS under the same names', () => {
    const { config, aliasesUsed } = loadWorkerConfig({
      OPENAI_API_KEY: 'k',
      ALLOW_GROUPS: 'cid-a, cid-b',
      ALLOW_USERS: 'alice',
      DENY_USERS: 'mallory',
      ACCESS_DENY_USERS: 'eve',
      VIP_USERS: 'carol',
      ADMIN_USERS: 'boss,deputy',
    });
    expect(config).toMatchObject({
      ACCESS_ALLOW_GROUPS: ['cid-a', 'cid-b'],
      ACCESS_ALLOW_USERS: ['alice'],
      ACCESS_DENY_USERS: ['eve'],
      ACCESS_DENY_GROUPS: [],
      VIP_USERS: ['carol'],
      ADMIN_USERS: ['boss', 'deputy'],
    });
    expect(aliasesUsed.map((alias) => alias.theirs).sort()).toEqual(['ALLOW_GROUPS', 'ALLOW_USERS']);
  });

  it('reads daily quotas (MAX_REQUEST is chatgpt-dingtalk\'s per-user one) in a time zone Intl knows', () => {
    const { config } = loadWorkerConfig({ OPENAI_API_KEY: 'k', MAX_REQUEST: '20', QUOTA_GROUP_DAILY: '100' });
    expect(config).toMatchObject({ QUOTA_USER_DAILY: 20, QUOTA_GROUP_DAILY: 100, QUOTA_TIMEZONE: 'Asia/Shanghai' });
    expect(loadWorkerConfig({ OPENAI_API_KEY: 'k', QUOTA_USER_DAILY: '5', MAX_REQUEST: '20' }).config.QUOTA_USER_DAILY).toBe(5);
    expect(() => loadWorkerConfig({ OPENAI_API_KEY: 'k', QUOTA_TIMEZONE: 'Beijing' })).toThrow(/QUOTA_TIMEZONE: must be an IANA time zone/);
    expect(() => loadWorkerConfig({ OPENAI_API_KEY: 'k', QUOTA_USER_DAILY: '-1' })).toThrow(/QUOTA_USER_DAILY/);
  });

  it('reads usage settings: a retention of a week or more, a daily budget in dollars, and MODEL_PRICES for chat and image models', () => {
    expect(loadWorkerConfig({ OPENAI_API_KEY: 'k' }).config).toMatchObject({ USAGE_RETENTION_DAYS: 30, BUDGET_DAILY_USD: 0, MODEL_PRICES: {} });
    const { config } = loadWorkerConfig({
      OPENAI_API_KEY: 'k',
      USAGE_RETENTION_DAYS: '90',
      BUDGET_DAILY_USD: '12.5',
      MODEL_PRICES: 'qwen-plus=0.11/0.28, deepseek-ai/DeepSeek-V3=0.27/1.1,dall-e-3=0.04/image',
    });
    expect(config).toMatchObject({ USAGE_RETENTION_DAYS: 90, BUDGET_DAILY_USD: 12.5 });
    expect(config.MODEL_PRICES).toEqual({
      'qwen-plus': { kind: 'tokens', inputPerMillion: 0.11, outputPerMillion: 0.28 },
      'deepseek-ai/DeepSeek-V3': { kind: 'tokens', inputPerMillion: 0.27, outputPerMillion: 1.1 },
      'dall-e-3': { kind: 'image', perImage: 0.04 },
    });
  });

  it('names each bad usage setting: a retention under a week, a negative budget, a price it cannot read or a model priced twice', () => {
    const problems = (env: Record<string, string>) => {
      try {
        loadWorkerConfig({ OPENAI_API_KEY: 'k', ...env });
      } catch (error) {
        return (error as ConfigError).problems;
      }
      return [];
    };
    expect(problems({ USAGE_RETENTION_DAYS: '3' })).toEqual([expect.stringMatching(/^USAGE_RETENTION_DAYS: /)]);
    expect(problems({ BUDGET_DAILY_USD: '-1' })).toEqual([expect.stringMatching(/^BUDGET_DAILY_USD: /)]);
    expect(problems({ BUDGET_DAILY_USD: 'ten' })).toEqual([expect.stringMatching(/^BUDGET_DAILY_USD: /)]);
    expect(problems({ MODEL_PRICES: 'a=1/2,b=cheap,c=1,=1/2,d=1/2/3,a=3/4' })).toEqual([
      'MODEL_PRICES: item 2 (b=cheap) is not model=inputPerMillion/outputPerMillion or model=pricePerImage/image',
      'MODEL_PRICES: item 3 (c=1) is not model=inputPerMillion/outputPerMillion or model=pricePerImage/image',
      'MODEL_PRICES: item 4 (=1/2) is not model=inputPerMillion/outputPerMillion or model=pricePerImage/image',
      'MODEL_PRICES: item 5 (d=1/2/3) is not model=inputPerMillion/outputPerMillion or model=pricePerImage/image',
      'MODEL_PRICES: item 6 (a=3/4) prices a a second time',
    ]);
  });
});

describe('proxy settings', () => {
  it('reads HTTP_PROXY, HTTPS_PROXY and NO_PROXY in either case, lower-case winning as in curl', () => {
    const { config } = loadGatewayConfig({
      DINGTALK_APP_SECRET: 's',
      http_proxy: 'http://lower.proxy:3128',
      HTTP_PROXY: 'http://upper.proxy:3128',
      HTTPS_PROXY: 'http://tls.proxy:3129',
      no_proxy: 'localhost, .corp  10.0.0.0/8',
    });
    expect(config).toMatchObject({
      HTTP_PROXY: 'http://lower.proxy:3128',
      HTTPS_PROXY: 'http://tls.proxy:3129',
      NO_PROXY: ['localhost', '.corp', '10.0.0.0/8'],
    });
  });

  it('refuses a SOCKS proxy by name, without echoing the URL and its password', () => {
    expect(() => loadWorkerConfig({ OPENAI_API_KEY: 'k', HTTPS_PROXY: 'socks5://user:hunter2@proxy:1080' })).toThrow(
      /HTTPS_PROXY: must be an http:\/\/ or https:\/\/ proxy URL/,
    );
    expect(() => loadWorkerConfig({ OPENAI_API_KEY: 'k', HTTPS_PROXY: 'socks5://user:hunter2@proxy:1080' })).not.toThrow(/hunter2/);
  });
});

describe('ROBOTS_FILE', () => {
  const dir = mkdtempSync(join(tmpdir(), 'dtbot-robots-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const write = (name: string, text: string) => {
    const path = join(dir, name);
    writeFileSync(path, text);
    return path;
  };
  const problemsOf = (load: () => unknown): string[] => {
    try {
      load();
    } catch (error) {
      if (error instanceof ConfigError) return error.problems;
      throw error;
    }
    return [];
  };

  it('reads YAML and JSON alike, and the robots it carries secrets for are the gateway\'s robots', () => {
    const yaml = write('robots.yaml', 'robots:\n  - appKey: dingsales\n    appSecret: sales-secret\n    model: gpt-4o\n    memoryScope: group\n');
    const json = write('robots.json', JSON.stringify({ robots: [{ appKey: 'dingsales', appSecret: 'sales-secret', model: 'gpt-4o', memoryScope: 'group' }] }));
    for (const path of [yaml, json]) {
      const { config } = loadGatewayConfig({ ROBOTS_FILE: path });
      expect(config.ROBOTS_FILE?.robots).toEqual([{ appKey: 'dingsales', appSecret: 'sales-secret', model: 'gpt-4o', memoryScope: 'group' }]);
    }
  });

  it.each([
    ['a file that is not there', () => join(dir, 'missing.yaml'), /missing\.yaml: cannot be read \(ENOENT\)/],
    ['a file that is not YAML', () => write('broken.yaml', 'robots: [\n  appSecret: "hunter2'), /broken\.yaml: is not valid JSON or YAML/],
    ['no robots', () => write('empty.yaml', 'robots: []\n'), /empty\.yaml: robots: lists no robot/],
    ['a misspelt option', () => write('typo.yaml', 'robots:\n  - appKey: a\n    appSecret: hunter2\n    memory_scope: group\n'), /typo\.yaml: robots\.0: Unrecognized key: "memory_scope"/],
    ['a bad memory scope', () => write('scope.yaml', 'robots:\n  - appKey: a\n    appSecret: hunter2\n    memoryScope: team\n'), /scope\.yaml: robots\.0\.memoryScope/],
    ['a memory budget under 100 tokens', () => write('budget.yaml', 'robots:\n  - appKey: a\n    appSecret: hunter2\n    memoryMaxTokens: 50\n'), /budget\.yaml: robots\.0\.memoryMaxTokens/],
    ['a robot listed twice', () => write('twice.yaml', 'robots:\n  - { appKey: a, appSecret: hunter2 }\n  - { appKey: a, model: m }\n'), /twice\.yaml: robots\.1\.appKey: a is listed twice/],
    ['a robot without a secret anywhere', () => write('nosecret.yaml', 'robots:\n  - appKey: dinglonely\n'), /ROBOTS_FILE: robot dinglonely has no AppSecret/],
    ['a Dify app without its key', () => write('dify-nokey.yaml', 'robots:\n  - appKey: a\n    appSecret: hunter2\n    dify: { baseUrl: "https://api.dify.ai/v1" }\n'), /dify-nokey\.yaml: robots\.0\.dify\.apiKey/],
    ['a Dify app with a bad base URL', () => write('dify-url.yaml', 'robots:\n  - appKey: a\n    appSecret: hunter2\n    dify: { baseUrl: nowhere, apiKey: hunter2 }\n'), /dify-url\.yaml: robots\.0\.dify\.baseUrl/],
    ['a misspelt Dify key', () => write('dify-typo.yaml', 'robots:\n  - appKey: a\n    appSecret: hunter2\n    dify: { baseURL: "https://x/v1", apiKey: hunter2 }\n'), /dify-typo\.yaml: robots\.0\.dify: Unrecognized key: "baseURL"/],
  ])('stops both apps on %s, naming the problem and never a secret', (_name, file, expected) => {
    const path = file();
    for (const load of [() => loadGatewayConfig({ DINGTALK_APP_SECRET: 's', ROBOTS_FILE: path }), () => loadWorkerConfig({ OPENAI_API_KEY: 'k', ROBOTS_FILE: path })]) {
      const problems = problemsOf(load);
      expect(problems.join('\n')).toMatch(expected);
      expect(problems.join('\n')).not.toContain('hunter2');
    }
  });

  it('takes a robot\'s own Dify app: base URL, key and the name its calls are counted under', () => {
    const path = write('dify.yaml', 'robots:\n  - appKey: dingkb\n    appSecret: kb-secret\n    dify:\n      baseUrl: https://dify.example.com/v1\n      apiKey: app-kb\n      app: hr-kb\n');
    const { config } = loadWorkerConfig({ OPENAI_API_KEY: 'k', ROBOTS_FILE: path });
    expect(config.ROBOTS_FILE?.robots[0]?.dify).toEqual({ baseUrl: 'https://dify.example.com/v1', apiKey: 'app-kb', app: 'hr-kb' });
  });

  it('refuses an AppKey whose secret in the file differs from the environment\'s', () => {
    const path = write('conflict.yaml', 'robots:\n  - appKey: dingsales\n    appSecret: from-file\n');
    expect(problemsOf(() => loadGatewayConfig({ DINGTALK_CREDENTIALS: 'dingsales:from-env', ROBOTS_FILE: path }))).toEqual([
      expect.stringContaining('AppKey dingsales is given with two different AppSecrets'),
    ]);
  });
});

describe('loadWorkerConfig: providers', () => {
  it('takes Azure OpenAI settings and then needs no OPENAI_API_KEY', () => {
    const { config } = loadWorkerConfig({
      OPENAI_PROVIDER: 'azure',
      AZURE_OPENAI_ENDPOINT: 'https://contoso.openai.azure.com',
      AZURE_OPENAI_API_KEY: 'azure-key',
      AZURE_OPENAI_DEPLOYMENT: 'gpt-4o-prod',
    });
    expect(config).toMatchObject({ OPENAI_PROVIDER: 'azure', AZURE_OPENAI_DEPLOYMENT: 'gpt-4o-prod', OPENAI_API_VERSION: '2024-10-21' });
    expect(config.OPENAI_API_KEY).toBeUndefined();
  });

  it('names the Azure settings it lacks, and an unknown provider', () => {
    expect(() => loadWorkerConfig({ OPENAI_PROVIDER: 'azure' })).toThrow(
      /AZURE_OPENAI_ENDPOINT: is required with OPENAI_PROVIDER=azure\n.*AZURE_OPENAI_API_KEY: is required with OPENAI_PROVIDER=azure/,
    );
    expect(() => loadWorkerConfig({ OPENAI_PROVIDER: 'anthropic', OPENAI_API_KEY: 'k' })).toThrow(/OPENAI_PROVIDER/);
    expect(() =>
      loadWorkerConfig({ OPENAI_PROVIDER: 'azure', AZURE_OPENAI_ENDPOINT: 'https://x.openai.azure.com', AZURE_OPENAI_API_KEY: 'k', OPENAI_API_VERSION: 'latest' }),
    ).toThrow(/OPENAI_API_VERSION: a date like 2024-10-21/);
  });

  it('takes a Dify app (base URL and key) and then needs no OPENAI_API_KEY; names what it lacks, never the key', () => {
    const { config } = loadWorkerConfig({ OPENAI_PROVIDER: 'dify', DIFY_BASE_URL: 'https://api.dify.ai/v1', DIFY_API_KEY: 'app-secret' });
    expect(config).toMatchObject({ OPENAI_PROVIDER: 'dify', DIFY_BASE_URL: 'https://api.dify.ai/v1', DIFY_API_KEY: 'app-secret' });
    expect(config.OPENAI_API_KEY).toBeUndefined();
    expect(() => loadWorkerConfig({ OPENAI_PROVIDER: 'dify' })).toThrow(
      /DIFY_BASE_URL: is required with OPENAI_PROVIDER=dify\n.*DIFY_API_KEY: is required with OPENAI_PROVIDER=dify/,
    );
    const refused = () => loadWorkerConfig({ OPENAI_PROVIDER: 'dify', DIFY_BASE_URL: 'not a url', DIFY_API_KEY: 'app-never-echoed' });
    expect(refused).toThrow(/DIFY_BASE_URL/);
    expect(refused).not.toThrow(/app-never-echoed/);
  });

  it('takes a fallback provider as a base URL with its key, and names the half of it that is missing', () => {
    const { config } = loadWorkerConfig({
      OPENAI_API_KEY: 'k',
      OPENAI_FALLBACK_BASE_URL: 'https://api.deepseek.com/v1',
      OPENAI_FALLBACK_API_KEY: 'sk-fallback',
      OPENAI_FALLBACK_MODEL: 'deepseek-chat',
    });
    expect(config).toMatchObject({ OPENAI_FALLBACK_MODEL: 'deepseek-chat' });
    expect(() => loadWorkerConfig({ OPENAI_API_KEY: 'k', OPENAI_FALLBACK_BASE_URL: 'https://api.deepseek.com/v1' })).toThrow(
      /OPENAI_FALLBACK_API_KEY: is required with OPENAI_FALLBACK_BASE_URL/,
    );
    expect(() => loadWorkerConfig({ OPENAI_API_KEY: 'k', OPENAI_FALLBACK_MODEL: 'deepseek-chat' })).toThrow(
      /OPENAI_FALLBACK_BASE_URL: is required with OPENAI_FALLBACK_MODEL/,
    );
    const refused = () => loadWorkerConfig({ OPENAI_API_KEY: 'k', OPENAI_FALLBACK_API_KEY: 'sk-never-echoed', OPENAI_TEMPERATURE: '5' });
    expect(refused).toThrow(/OPENAI_FALLBACK_BASE_URL: is required with OPENAI_FALLBACK_API_KEY/);
    expect(refused).toThrow(/OPENAI_TEMPERATURE/);
    expect(refused).not.toThrow(/sk-never-echoed/);
  });

  it('reads chatgpt-dingtalk\'s Azure names, ours winning when both are set', () => {
    const { config, aliasesUsed } = loadWorkerConfig({
      AZURE_ON: 'true',
      AZURE_RESOURCE_NAME: 'contoso',
      AZURE_DEPLOYMENT_NAME: 'their-deployment',
      AZURE_OPENAI_DEPLOYMENT: 'our-deployment',
      AZURE_API_VERSION: '2024-06-01',
      AZURE_OPENAI_TOKEN: 'their-key',
    });
    expect(config).toMatchObject({
      OPENAI_PROVIDER: 'azure',
      AZURE_OPENAI_ENDPOINT: 'https://contoso.openai.azure.com',
      AZURE_OPENAI_DEPLOYMENT: 'our-deployment',
      OPENAI_API_VERSION: '2024-06-01',
      AZURE_OPENAI_API_KEY: 'their-key',
    });
    expect(aliasesUsed.map((alias) => alias.theirs).sort()).toEqual(['AZURE_API_VERSION', 'AZURE_ON', 'AZURE_OPENAI_TOKEN', 'AZURE_RESOURCE_NAME']);
  });

  it('stays on OpenAI when chatgpt-dingtalk\'s AZURE_ON is false', () => {
    const { config, aliasesUsed } = loadWorkerConfig({ AZURE_ON: 'false', OPENAI_API_KEY: 'k' });
    expect(config.OPENAI_PROVIDER).toBe('openai');
    expect(aliasesUsed).toEqual([]);
  });
});

describe('loadGatewayConfig', () => {
  it('requires an AppSecret in HTTP mode in production, or with the playground turned off', () => {
    expect(() => loadGatewayConfig({ NODE_ENV: 'production' })).toThrow(
      /DINGTALK_APP_SECRET: is required in HTTP mode \(or set DINGTALK_CREDENTIALS; with NODE_ENV=production the playground does not stand in for it\)/,
    );
    expect(() => loadGatewayConfig({ PLAYGROUND: 'false' })).toThrow(/DINGTALK_APP_SECRET: is required .*leave PLAYGROUND unset/);
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

  it('reads DINGTALK_MODE (and RUN_MODE, its chatgpt-dingtalk alias)', () => {
    const both = { DINGTALK_APP_KEY: 'dingone', DINGTALK_APP_SECRET: 's' };
    expect(loadGatewayConfig(both).config.DINGTALK_MODE).toBe('http');
    expect(loadGatewayConfig({ ...both, DINGTALK_MODE: 'both' }).config.DINGTALK_MODE).toBe('both');
    expect(loadGatewayConfig({ ...both, RUN_MODE: 'stream' }).config.DINGTALK_MODE).toBe('stream');
    expect(() => loadGatewayConfig({ ...both, DINGTALK_MODE: 'websocket' })).toThrow(/DINGTALK_MODE/);
  });

  it.each([
    [{ DINGTALK_MODE: 'stream' }, /DINGTALK_APP_KEY and DINGTALK_APP_SECRET: are required in stream mode \(or set DINGTALK_CREDENTIALS\)/],
    [{ DINGTALK_MODE: 'stream', DINGTALK_APP_SECRET: 's' }, /DINGTALK_APP_KEY: is required with DINGTALK_APP_SECRET in stream mode/],
    [{ DINGTALK_MODE: 'both', DINGTALK_APP_KEY: 'dingone' }, /DINGTALK_APP_SECRET: is required with DINGTALK_APP_KEY in both mode/],
    [{ DINGTALK_MODE: 'both' }, /DINGTALK_APP_KEY and DINGTALK_APP_SECRET: are required in both mode/],
    [{ DINGTALK_MODE: 'http', DINGTALK_APP_KEY: 'dingone' }, /DINGTALK_APP_SECRET: is required in HTTP mode/],
    [
      { DINGTALK_MODE: 'stream', DINGTALK_APP_KEY: 'k', DINGTALK_APP_SECRET: 's', DINGTALK_API_BASE_URL: 'http://api.example.com' },
      /DINGTALK_API_BASE_URL: must be https in stream mode/,
    ],
  ])('stops a bad combination of mode and robot settings: %j', (env, message) => {
    expect(() => loadGatewayConfig(env)).toThrow(message);
  });

  it('accepts Stream mode with an AppKey and AppSecret for every robot, and a loopback API base for tests', () => {
    expect(loadGatewayConfig({ DINGTALK_MODE: 'stream', DINGTALK_APP_KEY: 'k', DINGTALK_APP_SECRET: 's' }).config.DINGTALK_MODE).toBe('stream');
    expect(loadGatewayConfig({ DINGTALK_MODE: 'stream', DINGTALK_CREDENTIALS: 'a:1,b:2' }).config.DINGTALK_CREDENTIALS).toHaveLength(2);
    const local = { DINGTALK_MODE: 'both', DINGTALK_APP_KEY: 'k', DINGTALK_APP_SECRET: 's', DINGTALK_API_BASE_URL: 'http://127.0.0.1:8080' };
    expect(loadGatewayConfig(local).config.DINGTALK_API_BASE_URL).toBe('http://127.0.0.1:8080');
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

describe('loadGatewayConfig: dashboard', () => {
  const base = { DINGTALK_APP_SECRET: 'secret' };

  it('is off by default, and on with both credentials, read-write unless DASHBOARD_READ_ONLY is true', () => {
    const off = loadGatewayConfig(base).config;
    expect(off.DASHBOARD_USERNAME).toBeUndefined();
    expect(off.DASHBOARD_READ_ONLY).toBe(false);
    const { config } = loadGatewayConfig({ ...base, DASHBOARD_USERNAME: 'ops', DASHBOARD_PASSWORD: 'a long passphrase', DASHBOARD_READ_ONLY: 'true', DASHBOARD_PORT: '9090' });
    expect(config).toMatchObject({ DASHBOARD_USERNAME: 'ops', DASHBOARD_READ_ONLY: true, DASHBOARD_PORT: 9090 });
  });

  it.each([
    [{ DASHBOARD_USERNAME: 'ops' }, 'DASHBOARD_PASSWORD: is required when DASHBOARD_USERNAME is set'],
    [{ DASHBOARD_PASSWORD: 'a long passphrase' }, 'DASHBOARD_USERNAME: is required when DASHBOARD_PASSWORD is set'],
    [{ DASHBOARD_USERNAME: 'ops', DASHBOARD_PASSWORD: 'short' }, 'DASHBOARD_PASSWORD: must be at least 12 characters'],
    [{ DASHBOARD_READ_ONLY: 'maybe' }, 'DASHBOARD_READ_ONLY: must be true or false'],
    [{ DASHBOARD_PORT: '70000' }, 'DASHBOARD_PORT:'],
  ])('%j stops the start with "%s", never echoing the password', (env, message) => {
    let error: unknown;
    try {
      loadGatewayConfig({ ...base, ...env });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).message).toContain(message);
    expect((error as ConfigError).message).not.toContain('short');
  });
});

describe('playground settings', () => {
  it('is off by default with DingTalk credentials, and on when PLAYGROUND is true', () => {
    expect(loadGatewayConfig({ DINGTALK_APP_SECRET: 's' }).config.PLAYGROUND).toBe(false);
    expect(loadGatewayConfig({ DINGTALK_APP_SECRET: 's', PLAYGROUND: 'true' }).config.PLAYGROUND).toBe(true);
    expect(loadGatewayConfig({ DINGTALK_APP_SECRET: 's', NODE_ENV: 'production', PLAYGROUND: 'true' }).config.PLAYGROUND).toBe(true);
    expect(() => loadGatewayConfig({ DINGTALK_APP_SECRET: 's', PLAYGROUND: 'maybe' })).toThrow(/PLAYGROUND: must be true or false/);
  });

  it('turns the playground on instead of stopping when no DingTalk credentials are set, outside production', () => {
    const { config } = loadGatewayConfig({});
    expect(config.PLAYGROUND).toBe(true);
    expect(loadGatewayConfig({ NODE_ENV: 'development' }).config.PLAYGROUND).toBe(true);
    // Half a robot is a mistake, not a newcomer: it still stops.
    expect(() => loadGatewayConfig({ DINGTALK_APP_KEY: 'dingone' })).toThrow(/DINGTALK_APP_SECRET: is required in HTTP mode/);
    expect(() => loadGatewayConfig({ DINGTALK_MODE: 'stream' })).toThrow(/DINGTALK_APP_KEY and DINGTALK_APP_SECRET: are required/);
  });

  it('refuses DingTalk webhook origins that include the playground\'s, in both apps', () => {
    const overlap = { DINGTALK_WEBHOOK_ORIGINS: 'https://oapi.dingtalk.com,https://playground.invalid/' };
    const message = /DINGTALK_WEBHOOK_ORIGINS: must not include https:\/\/playground.invalid, the playground's/;
    expect(() => loadGatewayConfig({ DINGTALK_APP_SECRET: 's', ...overlap })).toThrow(message);
    expect(() => loadWorkerConfig({ OPENAI_API_KEY: 'k', ...overlap })).toThrow(message);
  });
});

describe('QUEUE_SHARDS', () => {
  const gateway = { DINGTALK_APP_SECRET: 'secret' };
  const worker = { OPENAI_API_KEY: 'sk-test' };

  it('is 1 by default, and takes more shards with a hash-tagged prefix in both apps', () => {
    expect(loadGatewayConfig(gateway).config.QUEUE_SHARDS).toBe(1);
    expect(loadWorkerConfig(worker).config.QUEUE_SHARDS).toBe(1);
    expect(loadGatewayConfig({ ...gateway, QUEUE_SHARDS: '3' }).config.QUEUE_SHARDS).toBe(3);
    expect(loadWorkerConfig({ ...worker, QUEUE_SHARDS: '6', REDIS_PREFIX: 'bot-{robots}' }).config.QUEUE_SHARDS).toBe(6);
    // One shard needs no hash tag: the keys stay under the prefix as they are.
    expect(loadWorkerConfig({ ...worker, REDIS_PREFIX: 'plain' }).config.REDIS_PREFIX).toBe('plain');
  });

  it.each([
    ['0', 'QUEUE_SHARDS:'],
    ['65', 'QUEUE_SHARDS:'],
    ['1.5', 'QUEUE_SHARDS:'],
    ['three', 'QUEUE_SHARDS:'],
  ])('refuses QUEUE_SHARDS=%s by name', (value, message) => {
    expect(() => loadGatewayConfig({ ...gateway, QUEUE_SHARDS: value })).toThrow(message);
    expect(() => loadWorkerConfig({ ...worker, QUEUE_SHARDS: value })).toThrow(message);
  });

  it('refuses several shards under a prefix without a hash tag, in both apps', () => {
    const message = 'REDIS_PREFIX: needs a {hash tag} (such as {dtbot}) when QUEUE_SHARDS is more than 1';
    for (const prefix of ['dtbot', 'dtbot{}', 'dtbot{']) {
      expect(() => loadGatewayConfig({ ...gateway, QUEUE_SHARDS: '2', REDIS_PREFIX: prefix })).toThrow(message);
      expect(() => loadWorkerConfig({ ...worker, QUEUE_SHARDS: '2', REDIS_PREFIX: prefix })).toThrow(message);
    }
  });
});
