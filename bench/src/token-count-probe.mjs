// Child process of the token-count scenario: loads the worker's token counter for one model in a
// fresh process (so load time and memory are its own) and times counting, printing one JSON line.
// argv: model, the memory budget in tokens.
import { performance } from 'node:perf_hooks';

const [model, budgetArg] = process.argv.slice(2);
const budget = Number(budgetArg);

const SENTENCES = [
  '请帮我总结一下今天的会议内容，重点是项目进度和下周的计划。',
  '这个接口在高峰期偶尔超时，日志里看到连接池被占满了，应该怎么排查？',
  'Could you rewrite this paragraph so that it sounds less formal?',
  '把下面这段话翻译成英文：我们计划在第三季度上线新的审批流程。',
  'What is the difference between a mutex and a semaphore, with an example in Go?',
  '- 第一步：确认数据库的慢查询日志\n- 第二步：检查索引是否命中\n- 第三步：评估是否需要分库分表',
  '```ts\nconst total = items.reduce((sum, item) => sum + item.price * item.quantity, 0);\n```',
  'The quarterly report shows revenue up 12 % while costs stayed flat; margins improved accordingly.',
  '周报：本周完成了用户中心的重构，修复了 3 个线上问题，下周开始做权限模块。',
  'Sure! Here are three ideas for the team offsite, each with a rough budget and schedule.',
];

let seed = 42;
const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
const pick = () => SENTENCES[Math.floor(random() * SENTENCES.length)];
const textOf = (sentences, index) => `${Array.from({ length: sentences }, pick).join(' ')} (${index})`;

const rssBefore = process.memoryUsage().rss;
const loadStarted = performance.now();
const { createTokenCounter } = await import('../../apps/worker/dist/tokens/token-counter.js');
const { estimateTokens } = await import('../../apps/worker/dist/tokens/estimate-tokens.js');
const counter = createTokenCounter(model);
const loadMs = performance.now() - loadStarted;
const rssAfterLoadMB = (process.memoryUsage().rss - rssBefore) / 1e6;

// A typical message: a question of two sentences and an answer of twelve.
const messages = Array.from({ length: 2000 }, (_, index) => [textOf(2, index), textOf(12, index)]);
// A history filling the memory budget, as a conversation's 20th message would carry.
const history = [];
for (let index = 0, used = 0; used < budget; index += 1) {
  const turn = textOf(index % 2 === 0 ? 2 : 12, index);
  used += counter.message(turn);
  history.push(turn);
}

/** µs per call of `fn` over the samples, after a warm-up pass. */
function timePerCall(samples, fn) {
  for (const sample of samples.slice(0, 200)) fn(sample);
  const started = performance.now();
  for (const sample of samples) fn(sample);
  return ((performance.now() - started) * 1000) / samples.length;
}

const perMessageUs = timePerCall(messages, ([question, answer]) => counter.message(question) + counter.message(answer));
const estimatePerMessageUs = timePerCall(messages, ([question, answer]) => estimateTokens(question) + estimateTokens(answer));
const historyRecountUs = timePerCall(Array.from({ length: 100 }, () => history), (turns) => turns.reduce((sum, turn) => sum + counter.message(turn), 0));

process.stdout.write(
  `${JSON.stringify({
    model,
    method: counter.method,
    loadMs,
    loadRssMB: rssAfterLoadMB,
    perMessageUs,
    estimatePerMessageUs,
    historyTurns: history.length,
    historyRecountUs,
    sampleQuestion: { chars: messages[0][0].length, tokens: counter.message(messages[0][0]), estimate: estimateTokens(messages[0][0]) + 4 },
    sampleAnswer: { chars: messages[0][1].length, tokens: counter.message(messages[0][1]), estimate: estimateTokens(messages[0][1]) + 4 },
  })}\n`,
);
