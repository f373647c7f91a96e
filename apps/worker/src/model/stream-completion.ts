import type OpenAI from 'openai';
import type { ModelOutput, ModelToolCall } from './model-output.js';
import { stripReasoning } from './strip-reasoning.js';
import { WorkerFailure } from '../failures/worker-failure.js';

/**
 * One answer read as the model writes it (`stream: true`), each new draft handed to `onText` as a
 * function giving its text (reasoning removed; empty while the model is still thinking), computed
 * only for the drafts that are shown. The usage comes in the stream's
 * last chunk (`stream_options.include_usage`), so the rate limiter is corrected as for a plain call.
 *
 * The SDK's own timeout ends when the answer starts; `timeoutMs` bounds the whole stream. An
 * aborted stream ends the SDK's iteration without an error, so the abort is checked afterwards.
 * `stop` ends the request at once (the provider stops writing, and billing, when the connection
 * closes): what was written until then is returned, marked `stopped`, not thrown.
 */
export async function streamCompletion(
  openai: OpenAI,
  body: OpenAI.Chat.ChatCompletionCreateParamsNonStreaming,
  onText: (draft: () => string) => void,
  timeoutMs: number,
  stop?: AbortSignal,
): Promise<ModelOutput> {
  const timeout = AbortSignal.timeout(timeoutMs);
  const signal = stop ? AbortSignal.any([timeout, stop]) : timeout;
  let content = '';
  let usage: OpenAI.CompletionUsage | undefined;
  // A call's id and name come in its first delta, its arguments in pieces after, all under its index.
  const toolCalls: ModelToolCall[] = [];
  try {
    const stream = await openai.chat.completions.create({ ...body, stream: true, stream_options: { include_usage: true } }, { signal });
    for await (const chunk of stream) {
      if (chunk.usage) usage = chunk.usage;
      for (const call of chunk.choices[0]?.delta?.tool_calls ?? []) {
        const known = (toolCalls[call.index] ??= { id: '', name: '', arguments: '' });
        if (call.id) known.id = call.id;
        if (call.function?.name) known.name += call.function.name;
        if (call.function?.arguments) known.arguments += call.function.arguments;
      }
      const delta = chunk.choices[0]?.delta?.content;
      if (!delta) continue;
      content += delta;
      const written = content;
      onText(() => stripReasoning(written).trim());
    }
  } catch (error) {
    if (!stop?.aborted) throw error;
  }
  // A stopped turn's calls are dropped, half written or not: nothing is called after a stop.
  if (stop?.aborted) return { content, usage, stopped: true };
  if (timeout.aborted) throw new WorkerFailure('model_too_slow', `the model's answer did not end within ${timeoutMs} ms`);
  const called = toolCalls.filter((call) => call !== undefined);
  return called.length > 0 ? { content, usage, toolCalls: called } : { content, usage };
}
