import { randomBytes } from 'node:crypto';
import { isRecord } from './http-json.js';

export interface ChatCompletionMessage {
  role: string;
  content?: unknown;
}

/** The part of a chat.completions request the fake reads; everything else is kept as sent. */
export interface ChatCompletionRequest {
  model?: string;
  messages?: ChatCompletionMessage[];
  stream?: boolean;
  stream_options?: { include_usage?: boolean };
  [key: string]: unknown;
}

const DEFAULT_MODEL = 'fake-model';
const DEFAULT_CHUNKS_PER_STREAM = 4;

/** Message content is either a string or an array of parts (`{type:'text', text}` among images). */
export function messageText(content: unknown): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  return content.map((part) => (isRecord(part) && typeof part.text === 'string' ? part.text : '')).join('');
}

export function lastUserText(body: ChatCompletionRequest): string {
  const users = (body.messages ?? []).filter((message) => message.role === 'user');
  return messageText(users.at(-1)?.content);
}

/**
 * Rough token count: CJK characters are about one token each, Latin text about four characters
 * per token. Good enough for token budgets in tests, which need plausible numbers, not exact ones.
 */
export function estimateTokens(text: string): number {
  let ascii = 0;
  let other = 0;
  for (const character of text) {
    if (character.codePointAt(0)! < 128) ascii += 1;
    else other += 1;
  }
  return other + Math.ceil(ascii / 4);
}

function usage(body: ChatCompletionRequest, answer: string) {
  // OpenAI adds a few tokens of framing per message.
  const prompt_tokens = (body.messages ?? []).reduce((sum, m) => sum + 4 + estimateTokens(messageText(m.content)), 0);
  const completion_tokens = estimateTokens(answer);
  return { prompt_tokens, completion_tokens, total_tokens: prompt_tokens + completion_tokens };
}

function envelope(body: ChatCompletionRequest) {
  return {
    id: `chatcmpl-fake${randomBytes(12).toString('hex')}`,
    created: Math.floor(Date.now() / 1000),
    model: body.model ?? DEFAULT_MODEL,
  };
}

export function chatCompletion(body: ChatCompletionRequest, answer: string) {
  return {
    ...envelope(body),
    object: 'chat.completion',
    choices: [{ index: 0, message: { role: 'assistant', content: answer }, logprobs: null, finish_reason: 'stop' }],
    usage: usage(body, answer),
  };
}

/** Splits by code point so no chunk ends inside a surrogate pair. */
function splitIntoPieces(text: string, pieces: number): string[] {
  const characters = Array.from(text);
  const size = Math.max(1, Math.ceil(characters.length / pieces));
  const result: string[] = [];
  for (let start = 0; start < characters.length; start += size) {
    result.push(characters.slice(start, start + size).join(''));
  }
  return result.length > 0 ? result : [''];
}

/**
 * The `chat.completion.chunk` events of a streamed answer, in order, without the final `[DONE]`:
 * the role, the answer in `pieces` parts, the finish reason, and the usage when asked for.
 */
export function completionChunks(body: ChatCompletionRequest, answer: string, pieces = DEFAULT_CHUNKS_PER_STREAM): object[] {
  const base = { ...envelope(body), object: 'chat.completion.chunk' };
  const chunk = (delta: object, finish_reason: string | null) => ({
    ...base,
    choices: [{ index: 0, delta, logprobs: null, finish_reason }],
  });
  const chunks: object[] = [chunk({ role: 'assistant', content: '' }, null)];
  for (const piece of splitIntoPieces(answer, pieces)) chunks.push(chunk({ content: piece }, null));
  chunks.push(chunk({}, 'stop'));
  if (body.stream_options?.include_usage) chunks.push({ ...base, choices: [], usage: usage(body, answer) });
  return chunks;
}

/** A reply of the fake model that asks for function calls instead of answering (after `content`, if any). */
export interface FakeToolCallReply {
  toolCalls: { id?: string; name: string; arguments: string | Record<string, unknown> }[];
  content?: string;
}

/** The fake model's reply: an answer, or function calls. */
export type FakeModelReply = string | FakeToolCallReply;

interface WireToolCall {
  id: string;
  type: 'function';
  function: { name: string; arguments: string };
}

function wireToolCalls(reply: FakeToolCallReply): WireToolCall[] {
  return reply.toolCalls.map((call) => ({
    id: call.id ?? `call_${randomBytes(8).toString('hex')}`,
    type: 'function',
    function: { name: call.name, arguments: typeof call.arguments === 'string' ? call.arguments : JSON.stringify(call.arguments) },
  }));
}

/** A non-streamed completion whose message asks for the reply's function calls (`finish_reason: tool_calls`). */
export function toolCallCompletion(body: ChatCompletionRequest, reply: FakeToolCallReply) {
  const toolCalls = wireToolCalls(reply);
  return {
    ...envelope(body),
    object: 'chat.completion',
    choices: [
      { index: 0, message: { role: 'assistant', content: reply.content ?? null, tool_calls: toolCalls }, logprobs: null, finish_reason: 'tool_calls' },
    ],
    usage: usage(body, JSON.stringify(toolCalls) + (reply.content ?? '')),
  };
}

/**
 * The chunks of a streamed reply asking for function calls, as OpenAI sends them: any content first, then per
 * call a delta with its index, id and name, and its arguments in two more deltas.
 */
export function toolCallChunks(body: ChatCompletionRequest, reply: FakeToolCallReply): object[] {
  const base = { ...envelope(body), object: 'chat.completion.chunk' };
  const chunk = (delta: object, finish_reason: string | null) => ({ ...base, choices: [{ index: 0, delta, logprobs: null, finish_reason }] });
  const toolCalls = wireToolCalls(reply);
  const chunks: object[] = [chunk({ role: 'assistant', content: reply.content ?? '' }, null)];
  toolCalls.forEach((call, index) => {
    const args = call.function.arguments;
    const half = Math.ceil(args.length / 2);
    chunks.push(chunk({ tool_calls: [{ index, id: call.id, type: 'function', function: { name: call.function.name, arguments: '' } }] }, null));
    chunks.push(chunk({ tool_calls: [{ index, function: { arguments: args.slice(0, half) } }] }, null));
    chunks.push(chunk({ tool_calls: [{ index, function: { arguments: args.slice(half) } }] }, null));
  });
  chunks.push(chunk({}, 'tool_calls'));
  if (body.stream_options?.include_usage) chunks.push({ ...base, choices: [], usage: usage(body, JSON.stringify(toolCalls) + (reply.content ?? '')) });
  return chunks;
}
