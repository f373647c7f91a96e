import { retryAfterMs } from '../retry-after.js';
import type { DifyApp } from '../providers/model-provider.js';
import { DifyError } from './dify-error.js';
import { DifyStream, type DifyAnswer } from './dify-stream.js';

/** A refusal's body is read this far for its error code; the rest is not needed. */
const REFUSAL_BYTES = 16 * 1024;

export interface DifyQuestion {
  query: string;
  /** Dify's `user`: the asker's staff id, else their sender id. */
  user: string;
  /** The conversation to continue; `undefined` starts a new one. */
  conversationId: string | undefined;
}

/**
 * One question to a Dify app's chat API, its answer streamed (`response_mode: "streaming"`): the app keeps the
 * history, so only the question goes, with no inputs. `onAnswer` is told the answer so far as it grows. A
 * redirect is not followed (the key would go with it): any answer but a 2xx event stream is a `DifyError` with
 * Dify's status and error code. When `stop` ends the call, the answer written so far is the answer.
 */
export async function askDify(
  app: DifyApp,
  question: DifyQuestion,
  signal: AbortSignal,
  stop: AbortSignal | undefined,
  onAnswer?: (answer: string) => void,
): Promise<DifyAnswer> {
  const response = await reaching(signal, () => app.fetch(`${app.baseUrl.replace(/\/+$/, '')}/chat-messages`, {
    method: 'POST',
    headers: { authorization: `Bearer ${app.apiKey}`, 'content-type': 'application/json', accept: 'text/event-stream' },
    body: JSON.stringify({
      inputs: {},
      query: question.query,
      response_mode: 'streaming',
      conversation_id: question.conversationId ?? '',
      user: question.user,
    }),
    redirect: 'manual',
    signal,
  }));
  if (!response.ok) throw await refusal(response);
  if (!response.body || !/^text\/event-stream\b/i.test(response.headers.get('content-type') ?? '')) {
    await response.body?.cancel().catch(() => undefined);
    throw new DifyError(response.status, 'not_an_event_stream');
  }
  const stream = new DifyStream(onAnswer);
  try {
    for await (const chunk of response.body) stream.push(chunk);
  } catch (error) {
    if (stop?.aborted) return stream.soFar();
    if (error instanceof DifyError || signal.aborted) throw error;
    throw DifyError.unreachable(error);
  }
  return stream.finish();
}

/** A request that never got an answer: unreachable, unless it was ended on purpose (the timeout, a stop). */
async function reaching<T>(signal: AbortSignal, send: () => Promise<T>): Promise<T> {
  try {
    return await send();
  } catch (error) {
    if (signal.aborted) throw error;
    throw DifyError.unreachable(error);
  }
}

/** Dify's error (`{ code, message, status }`) as a `DifyError`: its code kept, its message not. */
async function refusal(response: Response): Promise<DifyError> {
  const wait = response.status === 429 ? retryAfterMs(response.headers) : undefined;
  return new DifyError(response.status, codeOf(await readSome(response)), { retryAfterMs: wait });
}

async function readSome(response: Response): Promise<string> {
  if (!response.body) return '';
  const decoder = new TextDecoder();
  let text = '';
  try {
    for await (const chunk of response.body) {
      text += decoder.decode(chunk, { stream: true });
      if (text.length >= REFUSAL_BYTES) break;
    }
  } catch {
    // A refusal whose body broke off is still a refusal.
  }
  return text;
}

function codeOf(body: string): string | undefined {
  try {
    const parsed: unknown = JSON.parse(body);
    if (typeof parsed === 'object' && parsed !== null && 'code' in parsed && typeof parsed.code === 'string') return parsed.code;
  } catch {
    // Not Dify's JSON (a proxy's page): the status says enough.
  }
  return undefined;
}
