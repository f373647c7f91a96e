import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { escapeRedisGlob, signedHeaders, waitFor, type ChatCompletionRequest } from '@dtbot/testkit';
import { System } from '../harness/start-system.js';

const APP_KEY = 'dingchatgptrobot';
const APP_SECRET = 'chatgpt-dingtalk-secret';
const lastUserText = (body: ChatCompletionRequest) => String(body.messages?.at(-1)?.content);

/**
 * A chatgpt-dingtalk user's deployment, started with exactly the settings of its README's `docker run`:
 *   docker run -itd --name chatgpt -p 8090:8090 -e APIKEY=换成你的key -e SESSIONTIMEOUT=60s -e MODEL=text-davinci-003
 *     -e MAX_TOKENS=512 -e TEMPREATURE=0.9 -e SESSION_CLEAR_TOKEN=清空会话 …
 * with the BASE_URL, DEFAULT_MODE and DINGTALK_CREDENTIALS its later README adds, and the robot's console still
 * posting to its address, `POST /`. Nothing of ours is set but Redis and where the fakes are.
 */
describe('drop-in for chatgpt-dingtalk users', () => {
  let system: System;
  const dockerRun = {
    APIKEY: 'sk-from-their-docker-run',
    SESSIONTIMEOUT: '60s',
    MODEL: 'text-davinci-003',
    MAX_TOKENS: '512',
    TEMPREATURE: '0.9',
    SESSION_CLEAR_TOKEN: '清空会话',
    DEFAULT_MODE: '串聊',
    DINGTALK_CREDENTIALS: `${APP_KEY}:${APP_SECRET}`,
  };

  beforeAll(async () => {
    system = await System.start({
      label: 'dropin',
      settings: 'plumbing',
      env: dockerRun,
      workers: 0,
      dingtalk: { credentials: { [APP_KEY]: APP_SECRET } },
    });
    // Their BASE_URL is the API's address without /v1; the fake's is known once it runs.
    await system.addWorker({ BASE_URL: new URL(system.openai.baseURL).origin });
  });

  afterAll(async () => {
    await system?.close();
  });

  /** Posts to `POST /`, signed with the robot's AppSecret from DINGTALK_CREDENTIALS, and waits for the answer. */
  async function ask(text: string, staff = 'their-user'): Promise<string> {
    const message = system.message({ text, senderStaffId: staff, robotCode: APP_KEY });
    expect((await system.post(message, signedHeaders(APP_SECRET), system.gateway, '/')).status).toBe(200);
    const session = new URL(message.sessionWebhook).searchParams.get('session');
    await waitFor(() => system.dingtalk.delivered().some((m) => m.target === session), { timeoutMs: 10_000 });
    return system.dingtalk.delivered().find((m) => m.target === session)!.text;
  }

  const requestAsking = (question: string) => system.openai.requests.find((r) => lastUserText(r.body) === question);

  it('calls the model with their key, model, max tokens and temperature', async () => {
    expect(await ask('你好')).toBe('答复: 你好');
    const request = requestAsking('你好')!;
    expect(request.authorization).toBe('Bearer sk-from-their-docker-run');
    expect(request.body).toMatchObject({ model: 'text-davinci-003', max_tokens: 512, temperature: 0.9 });
  });

  it('keeps context (串聊), and forgets it after SESSIONTIMEOUT: the memory lives 60 s', async () => {
    await ask('我叫小李', 'context-user');
    await ask('我叫什么？', 'context-user');
    expect(requestAsking('我叫什么？')?.body.messages?.map((m) => m.content)).toEqual(['我叫小李', '答复: 我叫小李', '我叫什么？']);
    const memories = await system.redis.keys(`${escapeRedisGlob(system.prefix)}:memory:*`);
    expect(memories.length).toBeGreaterThan(0);
    for (const key of memories) {
      const ttl = await system.redis.pttl(key);
      expect(ttl).toBeGreaterThan(0);
      expect(ttl).toBeLessThanOrEqual(60_000);
    }
  });

  it('clears the conversation on their clear word, without asking the model', async () => {
    await ask('记住：暗号是蓝色', 'clear-user');
    const requestsBefore = system.openai.requests.length;
    expect(await ask('清空会话', 'clear-user')).toContain('清空');
    expect(system.openai.requests.length).toBe(requestsBefore);
    await ask('暗号是什么？', 'clear-user');
    expect(requestAsking('暗号是什么？')?.body.messages?.map((m) => m.content)).toEqual(['暗号是什么？']);
  });

  it('says at start which of their names it read as ours', async () => {
    const logged = (app: { logs: Record<string, unknown>[] }) => app.logs.map((line) => line.msg).filter((msg) => String(msg).startsWith('using '));
    expect(logged(system.workers[0]!)).toEqual(
      expect.arrayContaining([
        'using APIKEY as OPENAI_API_KEY',
        'using BASE_URL as OPENAI_BASE_URL',
        'using MODEL as OPENAI_MODEL',
        'using MAX_TOKENS as OPENAI_MAX_TOKENS',
        'using TEMPREATURE as OPENAI_TEMPERATURE',
        'using SESSIONTIMEOUT as SESSION_TTL_SECONDS',
        'using DEFAULT_MODE as MEMORY_SCOPE',
        'using SESSION_CLEAR_TOKEN as RESET_COMMANDS',
      ]),
    );
    expect(logged(system.gateway)).toContain('using DEFAULT_MODE as MEMORY_SCOPE');
  });
});
