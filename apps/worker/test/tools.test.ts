import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { requestStop } from '@dtbot/shared';
import {
  DEFAULT_ROBOT_CODE,
  startFakeMcpServer,
  waitFor,
  type ChatCompletionRequest,
  type FakeMcpServer,
  type FakeModelReply,
} from '@dtbot/testkit';
import { STOP_DONE } from '../src/replies/canned-replies.js';
import { STOPPED_MARK } from '../src/steps/watch-stop.js';
import { answerWithTools } from '../src/tools/answer-with-tools.js';
import { ToolLedger } from '../src/tools/tool-ledger.js';
import { countedAskerFor } from './counted-asker-for.js';
import { startWorkerHarness, type HarnessOptions, type WorkerHarness } from './worker-harness.js';

// The tool loop through the real worker: a real MCP server (the SDK's, over Streamable HTTP), the fake model
// asking for tool calls, real Redis, the fake DingTalk.
let weather: FakeMcpServer;
/** Calls of the `wait` tool running now, and the most at once. */
const waiting = { now: 0, most: 0 };
let harness: WorkerHarness | undefined;
const directory = mkdtempSync(join(tmpdir(), 'dtbot-tools-'));

beforeAll(async () => {
  weather = await startFakeMcpServer({
    name: 'weather',
    tools: [
      {
        name: 'forecast',
        description: 'The weather of a city',
        inputSchema: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
        run: ({ city }) => `${String(city)}: 晴, 25°C`,
      },
      { name: 'broken', run: () => Promise.reject(new Error('the station is down')) },
      { name: 'slow', run: () => new Promise((resolve) => setTimeout(() => resolve('slow but sure'), 400)) },
      {
        name: 'wait',
        run: async () => {
          waiting.now += 1;
          waiting.most = Math.max(waiting.most, waiting.now);
          await new Promise((resolve) => setTimeout(resolve, 100));
          waiting.now -= 1;
          return 'waited';
        },
      },
    ],
  });
});

afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

afterAll(async () => {
  await weather.close();
  rmSync(directory, { recursive: true, force: true });
});

type Message = { role: string; content?: unknown; tool_calls?: { id: string; function: { name: string } }[]; tool_call_id?: string };
const messagesOf = (body: ChatCompletionRequest) => (body.messages ?? []) as Message[];
const toolResults = (body: ChatCompletionRequest) => messagesOf(body).filter((message) => message.role === 'tool');
const offered = (body: ChatCompletionRequest) => ((body.tools ?? []) as { function: { name: string } }[]).map((tool) => tool.function.name);

/** A model that asks for `calls` while it has seen no tool result, then answers with what the tools said. */
function modelCalling(calls: { name: string; arguments: Record<string, unknown> | string }[]) {
  return (body: ChatCompletionRequest): FakeModelReply => {
    const results = toolResults(body);
    if (results.length === 0 && body.tool_choice !== 'none') return { toolCalls: calls };
    return `答: ${results.map((result) => String(result.content)).join(' | ')}`;
  };
}

async function start(label: string, options: Partial<HarnessOptions> = {}): Promise<WorkerHarness> {
  harness = await startWorkerHarness({
    label,
    ...options,
    env: { MCP_SERVERS: `weather=${weather.url}`, MEMORY_SCOPE: 'user', ...(options.env as Record<string, string>) },
  });
  return harness;
}

describe('tools over MCP', () => {
  it('offers the server\'s tools as functions, runs the call, feeds the result back and delivers and remembers the answer only', async () => {
    const h = await start('tools-basic', { openai: { answer: modelCalling([{ name: 'weather__forecast', arguments: { city: '杭州' } }]) } });
    const before = weather.calls.length;
    const { reply, outcome, jobId } = await h.ask(h.message({ text: '杭州天气?' }));
    // Both model calls of the loop took the usual path: each admitted by the limiter and recorded in the ledger.
    expect((await h.deps.usage.report(DEFAULT_ROBOT_CODE, 1)).today.total.calls).toBe(2);

    expect(outcome).toBe('completed');
    expect(reply).toContain('答: 杭州: 晴, 25°C');
    expect(weather.calls.slice(before)).toEqual([expect.objectContaining({ tool: 'forecast', args: { city: '杭州' } })]);
    const [first, second] = h.openai.requests.map((request) => request.body);
    expect(offered(first!)).toEqual(['weather__forecast', 'weather__broken', 'weather__slow', 'weather__wait']);
    // The second call carries the model's turn as it asked, then the result under its call id.
    const asked = messagesOf(second!).at(-2)!;
    expect(asked.role).toBe('assistant');
    expect(toolResults(second!)).toEqual([{ role: 'tool', tool_call_id: asked.tool_calls![0]!.id, content: '杭州: 晴, 25°C' }]);
    // Memory keeps the question and the final answer, not the tool rounds: the next question sees only those.
    h.openai.setBehaviour({ answer: undefined });
    await h.ask(h.message({ text: 'and tomorrow?' }));
    const next = messagesOf(h.openai.requests.at(-1)!.body);
    expect(next.map(({ role }) => role)).toEqual(['user', 'assistant', 'user']);
    expect(next[1]!.content).toBe('答: 杭州: 晴, 25°C');
    expect(await h.deps.redis.exists(h.deps.keys.toolRounds(jobId))).toBe(1);
    const { values } = await h.deps.metrics.registry.getSingleMetric('dtbot_worker_tool_calls_total')!.get();
    expect(values).toContainEqual(expect.objectContaining({ labels: { server: 'weather', outcome: 'ok' }, value: 1 }));
  });

  it('runs the several calls of one turn in parallel, a tool error going back to the model as its result', async () => {
    const h = await start('tools-parallel', {
      openai: {
        answer: modelCalling([
          { name: 'weather__forecast', arguments: { city: '北京' } },
          { name: 'weather__broken', arguments: {} },
          { name: 'weather__nope', arguments: {} },
          { name: 'weather__forecast', arguments: 'not json' },
        ]),
      },
    });
    const { reply, outcome } = await h.ask(h.message({ text: '北京天气?' }));
    expect(outcome).toBe('completed');
    expect(reply).toContain('答: 北京: 晴, 25°C | error: the station is down | error: there is no tool named "weather__nope" | error: the arguments must be a JSON object');
  });

  it('runs the calls of one turn at the same time', async () => {
    const wait = { name: 'weather__wait', arguments: {} };
    const h = await start('tools-at-once', { openai: { answer: modelCalling([wait, wait, wait]) } });
    waiting.most = 0;
    const { reply } = await h.ask(h.message({ text: 'three at once' }));
    expect(reply).toContain('答: waited | waited | waited');
    expect(waiting.most).toBe(3);
  });

  it('stops offering tools after TOOLS_MAX_STEPS rounds and asks once more for a final answer', async () => {
    let asked = 0;
    const h = await start('tools-max-steps', {
      env: { TOOLS_MAX_STEPS: '2' },
      openai: {
        answer: (body) => {
          asked += 1;
          return body.tool_choice === 'none' ? `最终答复 after ${toolResults(body).length} results` : { toolCalls: [{ name: 'weather__forecast', arguments: { city: `c${asked}` } }] };
        },
      },
    });
    const { reply } = await h.ask(h.message({ text: 'loop forever' }));
    expect(reply).toContain('最终答复 after 2 results');
    expect(asked).toBe(3);
    expect(h.openai.requests.at(-1)?.body).toMatchObject({ tool_choice: 'none' });
  });

  it('gives robots and personas only the servers that allow them, and only the allow-listed tools', async () => {
    const file = join(directory, 'servers.yaml');
    writeFileSync(
      file,
      `servers:\n  - name: kb\n    url: ${weather.url}\n    headers: { Authorization: Bearer kb-secret }\n    tools: [forecast]\n  - name: other\n    url: ${weather.url}\n    robots: [someone-else]\n`,
    );
    const h = await start('tools-allowed', { env: { MCP_SERVERS: '', MCP_SERVERS_FILE: file }, openai: { answer: modelCalling([{ name: 'kb__forecast', arguments: { city: '上海' } }]) } });
    const { reply } = await h.ask(h.message({ text: '上海?' }));
    expect(reply).toContain('上海: 晴');
    expect(offered(h.openai.requests[0]!.body)).toEqual(['kb__forecast']);
    expect(weather.headers.at(-1)?.authorization).toBe('Bearer kb-secret');
  });

  it('calls a tool once and answers once when the job fails after the result was recorded, replaying the model\'s turn as recorded', async () => {
    let failOnce = true;
    const h = await start('tools-exactly-once', {
      attempts: 3,
      openai: {
        answer: (body) => {
          // The call after the first tool round fails once: the attempt ends after the result was recorded.
          if (toolResults(body).length > 0 && failOnce) {
            failOnce = false;
            throw new Error('model down');
          }
          return modelCalling([{ name: 'weather__forecast', arguments: { city: '深圳' } }])(body);
        },
      },
    });
    const before = weather.calls.length;
    const message = h.message({ text: '深圳天气?' });
    const { reply, outcome, jobId } = await h.ask(message);

    expect(outcome).toBe('completed');
    expect(reply).toContain('答: 深圳: 晴, 25°C');
    expect(weather.calls.length - before).toBe(1);
    // Asked for tools once, failed once, answered once: the retry replayed the recorded turn.
    const bodies = h.openai.requests.map((request) => request.body);
    expect(bodies).toHaveLength(3);
    expect(bodies[1]!.messages).toEqual(bodies[2]!.messages);
    expect(h.dingtalk.delivered().filter((delivered) => delivered.text.includes('深圳: 晴'))).toHaveLength(1);
    const ledger = await h.deps.redis.hgetall(h.deps.keys.toolRounds(jobId));
    expect(Object.keys(ledger).sort()).toEqual(['result.0.0', 'turn.0']);
    expect(await h.deps.redis.ttl(h.deps.keys.toolRounds(jobId))).toBeGreaterThan(80_000);
  });

  it('shows the tool step as an AI card\'s draft, then streams the answer over it', async () => {
    const template = 'tools-card.schema';
    const h = await start('tools-card', {
      env: { DINGTALK_CARD_TEMPLATE_ID: template, DINGTALK_CARD_UPDATE_MS: '0' },
      dingtalk: { cardTemplates: [template] },
      openai: { stream: { chunks: 4 }, answer: modelCalling([{ name: 'weather__slow', arguments: {} }]) },
    });
    const { outcome } = await h.ask(h.groupMessage({ text: 'card with tools' }));
    expect(outcome).toBe('completed');
    const [card] = h.dingtalk.cards();
    expect(card).toMatchObject({ finalized: true, params: { content: '答: slow but sure' } });
    const shown = card!.updates.map((update) => update.content);
    expect(shown).toContain('正在查询 weather…');
    expect(shown.indexOf('正在查询 weather…')).toBeLessThan(shown.indexOf('答: slow but sure'));
    // Both model calls were streamed, the first one's tool call read from its deltas.
    expect(h.openai.requests.map((request) => request.body.stream)).toEqual([true, true]);
  });

  it('without a card, sends one short progress line only when the tools take longer than the notice delay', async () => {
    const h = await start('tools-slow-line', {
      tuning: { toolNoticeAfterMs: 100 },
      openai: { answer: modelCalling([{ name: 'weather__slow', arguments: {} }]) },
    });
    const texts = () => h.dingtalk.delivered().map((message) => message.text);
    const { reply } = await h.ask(h.message({ text: 'slow one' }));
    expect(reply).toContain('答: slow but sure');
    const progress = texts().filter((text) => text.includes('正在查询 weather…'));
    expect(progress).toHaveLength(1);
    expect(texts().findIndex((text) => text.includes('正在查询'))).toBeLessThan(texts().findIndex((text) => text.includes('答: slow but sure')));

    // A quick tool adds no line.
    h.openai.setBehaviour({ answer: modelCalling([{ name: 'weather__forecast', arguments: { city: '广州' } }]) });
    const quick = await h.ask(h.message({ text: 'fast one', senderStaffId: 'fast-user' }));
    expect(quick.reply).toContain('答: 广州: 晴');
    expect(texts().filter((text) => text.includes('正在查询'))).toHaveLength(1);
  });

  it('answers without tools, as before, when the server cannot be reached', async () => {
    const h = await start('tools-unreachable', { env: { MCP_SERVERS: 'gone=http://127.0.0.1:9/mcp' } });
    const { reply, outcome } = await h.ask(h.message({ text: 'still there?' }));
    expect(outcome).toBe('completed');
    expect(reply).toContain('答复: still there?');
    expect(h.openai.requests[0]!.body.tools).toBeUndefined();
  });
});

describe('stopping an answer that uses tools', () => {
  const forecast = { name: 'weather__forecast', arguments: { city: '成都' } };
  const apologies = (h: WorkerHarness) => [...h.dingtalk.delivered().map((message) => message.text), ...h.dingtalk.cards().flatMap((card) => card.updates.map((update) => update.content))].filter((text) => text.includes('抱歉'));

  it('a stop while the model streams its turn asking for a tool: the tool is never called, the card ends stopped, the call is counted', async () => {
    const template = 'tools-stop.schema';
    const h = await start('tools-stop-card', {
      env: { DINGTALK_CARD_TEMPLATE_ID: template, DINGTALK_CARD_UPDATE_MS: '0' },
      dingtalk: { cardTemplates: [template] },
      // The turn asking for the call is written over about 1.6 s: the stop, sent as it starts, lands in the middle
      // of it even on a busy machine.
      openai: { stream: { intervalMs: 400 }, answer: modelCalling([forecast]) },
    });
    const before = weather.calls.length;
    const sent = await h.send(h.groupMessage({ text: '成都天气?', senderStaffId: 'asker' }));
    await waitFor(() => h.openai.requests.length === 1, { message: 'the model is asked, with the tools' });
    await requestStop(h.deps.redis, h.sharedKeys, sent.jobId);
    expect(await sent.settled).toBe('completed');

    expect(weather.calls.length - before).toBe(0);
    expect(h.openai.requests).toHaveLength(1);
    // The model's stream was closed before its call was written out.
    await waitFor(() => h.openai.abandoned === 1, { message: 'the turn\'s stream is closed' });
    expect(h.openai.abandonments[0]).toMatchObject({ question: '成都天气?', pieces: 3 });
    expect(h.openai.abandonments[0]!.piecesSent).toBeLessThan(3);
    const [card] = h.dingtalk.cards();
    expect(card).toMatchObject({ finalized: true, params: { content: STOPPED_MARK, stopped: 'true' } });
    expect(card!.updates.map((update) => update.content)).not.toContain('正在查询 weather…');
    expect(apologies(h)).toEqual([]);
    expect(await h.deps.redis.exists(h.deps.keys.toolRounds(sent.jobId))).toBe(0);
    // The one model call made is in the ledger, as every call is.
    expect((await h.deps.usage.report(DEFAULT_ROBOT_CODE, 1)).today.total.calls).toBe(1);
  });

  it('a stop word while the model, without a card, takes its time over a turn asking for a tool: the tool is never called', async () => {
    const h = await start('tools-stop-word', { openai: { latencyMs: 3000, answer: modelCalling([forecast]) } });
    const before = weather.calls.length;
    const question = h.message({ text: '成都天气?', senderStaffId: 'writer' });
    const sent = await h.send(question);
    await waitFor(() => h.openai.requests.length === 1, { message: 'the model is asked, with the tools' });
    // The model is asked only once the answer is watched: a stop word finds it from then on.
    const word = await h.send(h.message({ text: '/stop', senderStaffId: 'writer', conversationId: question.conversationId }));
    expect(await sent.settled).toBe('completed');
    expect(await word.settled).toBe('completed');

    expect(weather.calls.length - before).toBe(0);
    expect(h.openai.served).toBe(0);
    expect(h.openai.requests).toHaveLength(1);
    expect(h.dingtalk.delivered().map((message) => message.text)).toEqual([STOP_DONE]);
    expect(apologies(h)).toEqual([]);
    expect((await h.deps.usage.report(DEFAULT_ROBOT_CODE, 1)).today.total.calls).toBe(1);
  });

  it('a retry that replays a recorded turn asking for a tool, stopped meanwhile, starts no tool and asks the model nothing', async () => {
    const h = await start('tools-stop-replay', { openai: { answer: modelCalling([forecast]) } });
    const before = weather.calls.length;
    const asker = countedAskerFor(DEFAULT_ROBOT_CODE)('replayer');
    const set = await h.deps.tools!.forAsker({ robotCode: DEFAULT_ROBOT_CODE, robotName: 'robot', persona: '' });
    const jobId = `replay-${Date.now()}`;
    // An earlier attempt recorded the model's turn and ended before its call ran.
    const ledger = await ToolLedger.open(h.deps.redis, h.deps.keys.toolRounds(jobId));
    await ledger.recordTurn(0, { content: '我查一下', toolCalls: [{ id: 'call-1', name: 'weather__forecast', arguments: '{"city":"成都"}' }] });
    const stop = new AbortController();
    stop.abort();

    const completion = await answerWithTools(
      { ...h.deps, providers: h.deps.providersFor(DEFAULT_ROBOT_CODE) },
      jobId,
      asker,
      { model: { model: 'gpt-test' }, messages: [{ role: 'user', content: '成都天气?' }], estimatedTokens: 100, promptTokens: 10, signal: stop.signal },
      { set: set!, maxSteps: 3 },
    );
    expect(completion).toMatchObject({ text: '我查一下', stopped: true, tokens: { input: 0, output: 0 } });
    expect(completion.toolCalls).toBeUndefined();
    expect(weather.calls.length - before).toBe(0);
    expect(h.openai.requests).toHaveLength(0);
    expect(Object.keys(await h.deps.redis.hgetall(h.deps.keys.toolRounds(jobId)))).toEqual(['turn.0']);
    expect((await h.deps.usage.report(DEFAULT_ROBOT_CODE, 1)).today.total.calls).toBe(0);
  });
});
