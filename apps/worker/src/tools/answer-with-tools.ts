import type OpenAI from 'openai';
import type { WorkerDeps } from '../deps.js';
import type { CountedAsker } from '../counting/counted-as.js';
import { WorkerFailure } from '../failures/worker-failure.js';
import { requestCompletion, type Completion, type CompletionRequest, type RequestCompletionDeps } from '../model/request-completion.js';
import type { ModelToolCall } from '../model/model-output.js';
import { recordSpend, type RecordSpendDeps } from '../usage/record-spend.js';
import type { ToolSet } from './mcp-toolbox.js';
import { toolArguments } from './tool-arguments.js';
import { ToolLedger, type ToolTurn } from './tool-ledger.js';
import { cutToTokens } from './tool-result-text.js';

export type AnswerWithToolsDeps = RequestCompletionDeps & RecordSpendDeps & Pick<WorkerDeps, 'redis' | 'keys' | 'metrics' | 'tokens'>;

/** The tools an answer may use, and how many model↔tool rounds it may take (`TOOLS_MAX_STEPS`). */
export interface AnswerTools {
  set: ToolSet;
  maxSteps: number;
}

/** Told when a round's tools start (the servers being asked) and when they are done. */
export interface ToolProgress {
  onTools?: (servers: readonly string[]) => void;
  onToolsDone?: () => void;
}

/** The label of a call the model made to a function that was not offered: it names no configured server. */
const NO_SERVER = '(unknown)';

/**
 * The model's final answer to a prompt. Every model call made for it goes through `requestCompletion` (rate
 * limit, providers) and is recorded in the usage ledger right after it returns.
 *
 * With tools, the model is offered them and its calls are run (a round's calls in parallel) and fed back
 * until it answers in words, or `maxSteps` rounds are spent and it is asked once more with the tools shown but
 * not callable. Each model turn that asks for tools, and each call's result, is recorded in the job's tool
 * ledger before the next model call: a retried or taken-over job replays what it finds (the same turn, the same
 * results) and asks or calls only what is missing, so a tool call that returned is never made twice.
 */
export async function answerWithTools(
  deps: AnswerWithToolsDeps,
  jobId: string,
  asker: CountedAsker,
  request: CompletionRequest,
  tools?: AnswerTools,
  progress: ToolProgress = {},
): Promise<Completion> {
  const ask = async (changes: Partial<CompletionRequest>): Promise<Completion> => {
    const completion = await requestCompletion(deps, { ...request, ...changes });
    const { model, apiUrl, tokens, costUsd } = completion;
    // Not awaited: the record leaves in one round trip with what the caller writes next on the same connection (the
    // kept answer, the round's turn in the ledger), and Redis runs them in the order sent, so nothing is kept before
    // its call was counted. recordSpend never rejects: a record that fails is logged there.
    void recordSpend(deps, jobId, asker, { kind: 'chat', model, apiUrl, tokens, costUsd });
    return completion;
  };
  if (!tools) return ask({});

  const ledger = await ToolLedger.open(deps.redis, deps.keys.toolRounds(jobId));
  const messages = [...request.messages];
  const answerRoom = request.estimatedTokens - request.promptTokens;
  let promptTokens = request.promptTokens + deps.tokens.message(JSON.stringify(tools.set.functions));
  const askWithTools = (toolChoice: 'auto' | 'none') =>
    ask({ messages: [...messages], tools: tools.set.functions, toolChoice, promptTokens, estimatedTokens: promptTokens + answerRoom });

  let last: Completion | undefined;
  for (let round = 0; round < tools.maxSteps; round += 1) {
    let turn = ledger.turn(round);
    if (!turn) {
      const completion = await askWithTools('auto');
      if (!completion.toolCalls || completion.stopped) return completion;
      last = completion;
      turn = { content: completion.text, toolCalls: completion.toolCalls };
      await ledger.recordTurn(round, turn);
    }
    // Stopped between rounds, or while a retry read its recorded rounds: no tool of this round is started, and
    // the words the model wrote so far stand.
    if (request.signal?.aborted) return { ...(last ? withoutToolCalls(last) : replayedOnly(request)), text: turn.content, stopped: true };
    messages.push(assistantTurn(turn));
    promptTokens += deps.tokens.message(turn.content + JSON.stringify(turn.toolCalls));
    const results = await runRound(deps, tools.set, ledger, round, turn.toolCalls, progress);
    turn.toolCalls.forEach((call, index) => {
      messages.push({ role: 'tool', tool_call_id: call.id, content: results[index]! });
      promptTokens += deps.tokens.message(results[index]!);
    });
  }
  const final = await askWithTools('none');
  // A model that asks for tools even when told it may not has given no answer.
  if (!final.text && !final.stopped) throw new WorkerFailure('model_empty_answer', 'the model asked for tools after its last round instead of answering');
  return withoutToolCalls(final);
}

/** A stopped answer whose every model turn was replayed from the ledger: this attempt asked the model nothing, and spent nothing. */
function replayedOnly(request: CompletionRequest): Completion {
  return { text: '', model: request.model.model, apiUrl: '', tokens: { input: 0, output: 0 }, counted: 'tokenizer', stopped: true };
}

function withoutToolCalls(completion: Completion): Completion {
  const { toolCalls: _ignored, ...answer } = completion;
  return answer;
}

/** The model's turn as the chat API takes it back: its words (if any) and the calls it asked for, as recorded. */
function assistantTurn(turn: ToolTurn): OpenAI.Chat.ChatCompletionAssistantMessageParam {
  return {
    role: 'assistant',
    content: turn.content || null,
    tool_calls: turn.toolCalls.map((call) => ({ id: call.id, type: 'function' as const, function: { name: call.name, arguments: call.arguments } })),
  };
}

/**
 * The results of one round's calls, in the order asked: those recorded are replayed, the others run at once
 * and each recorded as soon as it returns (so a crash keeps every result that came back).
 */
async function runRound(
  deps: AnswerWithToolsDeps,
  set: ToolSet,
  ledger: ToolLedger,
  round: number,
  calls: readonly ModelToolCall[],
  progress: ToolProgress,
): Promise<string[]> {
  const pending = calls.flatMap((call, index) => (ledger.result(round, index) === undefined ? [{ call, index }] : []));
  const servers = [...new Set(pending.flatMap(({ call }) => set.resolve(call.name)?.server ?? []))];
  if (servers.length > 0) progress.onTools?.(servers);
  try {
    const ran = await Promise.all(
      pending.map(async ({ call, index }) => {
        const text = cutToTokens(deps.tokens, await runCall(deps, set, call));
        await ledger.recordResult(round, index, text);
        return [index, text] as const;
      }),
    );
    const fresh = new Map(ran);
    return calls.map((_, index) => ledger.result(round, index) ?? fresh.get(index)!);
  } finally {
    if (servers.length > 0) progress.onToolsDone?.();
  }
}

/** One call, whatever becomes of it, as the text the model is told. */
async function runCall(deps: Pick<WorkerDeps, 'metrics'>, set: ToolSet, call: ModelToolCall): Promise<string> {
  const target = set.resolve(call.name);
  if (!target) {
    deps.metrics.toolCalls.inc({ server: NO_SERVER, outcome: 'refused' });
    return `error: there is no tool named ${JSON.stringify(call.name)}`;
  }
  const args = toolArguments(call.arguments);
  if (!args) {
    deps.metrics.toolCalls.inc({ server: target.server, outcome: 'refused' });
    return 'error: the arguments must be a JSON object';
  }
  const stop = deps.metrics.toolSeconds.startTimer({ server: target.server });
  const { text, outcome } = await set.call(target.server, target.tool, args);
  stop();
  deps.metrics.toolCalls.inc({ server: target.server, outcome });
  return text;
}
