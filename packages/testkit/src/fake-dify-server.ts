import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { isRecord, parseJson, readBody, sendJson } from './http-json.js';
import { startLocalHttpServer } from './local-http-server.js';
import { cancellableDelays } from './cancellable-delays.js';

/** What a Dify chat app is sent (`POST /v1/chat-messages`), as the fake read it. */
export interface DifyChatRequestBody {
  query?: unknown;
  inputs?: unknown;
  response_mode?: unknown;
  conversation_id?: unknown;
  user?: unknown;
  [field: string]: unknown;
}

export interface ReceivedDifyRequest {
  body: DifyChatRequestBody;
  /** The `authorization` header as sent (`Bearer <key>`). */
  authorization: string | undefined;
  receivedAt: number;
}

/** One remembered exchange of a fake conversation. */
export interface DifyTurn {
  query: string;
  answer: string;
}

export type DifyAnswerFunction = (query: string, history: readonly DifyTurn[]) => string | Promise<string>;

export interface FakeDifyBehaviour {
  /** The app's answer; default `Dify答复(<turns before>): <query>`, so a test sees the history Dify kept. */
  answer?: DifyAnswerFunction;
  /** Answer every request with this status and Dify's error body (e.g. 401, 429, 500); unset = normal. */
  status?: number;
  /** With `status`: Dify's error code (default by status, as Dify names them). */
  code?: string;
  /** With `status: 429`: the `retry-after` header, in seconds. */
  retryAfterSeconds?: number;
  /** After this many answer pieces, an `error` event with this status and code ends the stream (200 already sent). */
  streamError?: { after: number; status: number; code: string };
  /** Agent apps stream `agent_message` events instead of `message`. */
  agent?: boolean;
  /** How the answer is streamed: in `chunks` pieces (default 4), `intervalMs` apart; `breakAfter` cuts the connection. */
  stream?: { chunks?: number; intervalMs?: number; breakAfter?: number };
  /** `message_end`'s usage; default: one token a character, priced at a millionth of a dollar a token, in USD. */
  usage?: { promptTokens: number; completionTokens: number; totalPrice?: string; currency?: string } | 'none';
  /** Delay before the response starts. */
  latencyMs?: number;
}

export interface FakeDifyOptions extends FakeDifyBehaviour {
  /** The app's API key; a request with another bearer token gets 401. Default `app-fake-dify-key`. */
  apiKey?: string;
}

export interface FakeDify {
  /** `http://127.0.0.1:<port>/v1`, Dify's API base. */
  readonly baseUrl: string;
  readonly apiKey: string;
  /** Every request to `/v1/chat-messages` that was JSON, refused or not, in arrival order. */
  readonly requests: readonly ReceivedDifyRequest[];
  /** The conversations the app knows: id → its user and turns. */
  readonly conversations: ReadonlyMap<string, { user: string; turns: readonly DifyTurn[] }>;
  /** Dify removes a conversation (its id then gets 404 Conversation Not Exists). */
  forget(conversationId: string): void;
  setBehaviour(change: FakeDifyBehaviour): void;
  close(): Promise<void>;
}

const CHAT_PATH = '/v1/chat-messages';
const DEFAULT_KEY = 'app-fake-dify-key';

/** Dify's error codes for the statuses tests ask for. */
const CODE_BY_STATUS: Record<number, string> = {
  400: 'invalid_param',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'not_found',
  429: 'too_many_requests',
  500: 'internal_server_error',
  503: 'service_unavailable',
};

const echo: DifyAnswerFunction = (query, history) => `Dify答复(${history.length}): ${query}`;

/** `answer` cut into `pieces` parts by code point, so no piece splits a character. */
function piecesOf(answer: string, pieces: number): string[] {
  const points = [...answer];
  const size = Math.max(1, Math.ceil(points.length / Math.max(1, pieces)));
  const out: string[] = [];
  for (let index = 0; index < points.length; index += size) out.push(points.slice(index, index + size).join(''));
  return out.length > 0 ? out : [''];
}

function errorBody(status: number, code: string | undefined, message: string) {
  return { code: code ?? CODE_BY_STATUS[status] ?? 'error', message, status };
}

/**
 * A real HTTP server speaking a Dify chat app's API (`POST /v1/chat-messages`, streaming answers as server-sent
 * events): it checks the bearer key, keeps conversations per user (another user's or a forgotten conversation
 * gets 404 "Conversation Not Exists.", as Dify answers), records every request, and fails on demand.
 */
export async function startFakeDify(options: FakeDifyOptions = {}): Promise<FakeDify> {
  const { apiKey = DEFAULT_KEY, ...initial } = options;
  let behaviour: FakeDifyBehaviour = initial;
  const requests: ReceivedDifyRequest[] = [];
  const conversations = new Map<string, { user: string; turns: DifyTurn[] }>();
  const { delay, cancelAll: cancelDelays } = cancellableDelays();


  const write = (res: ServerResponse, event: object) => res.write(`data: ${JSON.stringify(event)}\n\n`);

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const path = new URL(req.url ?? '/', 'http://fake').pathname;
    if (path !== CHAT_PATH) return sendJson(res, 404, errorBody(404, 'not_found', 'The requested URL was not found on the server.'));
    if (req.method !== 'POST') return sendJson(res, 405, errorBody(405, 'method_not_allowed', 'Method not allowed'));
    const body = parseJson(await readBody(req));
    if (!isRecord(body)) return sendJson(res, 400, errorBody(400, 'invalid_param', 'The browser (or proxy) sent a request that this server could not understand.'));
    requests.push({ body, authorization: req.headers.authorization, receivedAt: Date.now() });

    const current = behaviour;
    if (req.headers.authorization !== `Bearer ${apiKey}`) {
      return sendJson(res, 401, errorBody(401, 'unauthorized', 'Access token is invalid'));
    }
    if (current.status !== undefined && current.status !== 200) {
      const headers: Record<string, string> = current.retryAfterSeconds === undefined ? {} : { 'retry-after': String(current.retryAfterSeconds) };
      return sendJson(res, current.status, errorBody(current.status, current.code, `fake Dify refuses with ${current.status}`), headers);
    }
    const { query, user, conversation_id: given, response_mode: mode } = body;
    if (typeof query !== 'string' || typeof user !== 'string' || !isRecord(body.inputs)) {
      return sendJson(res, 400, errorBody(400, 'invalid_param', 'query, user and inputs are required'));
    }
    if (mode !== 'streaming') return sendJson(res, 400, errorBody(400, 'invalid_param', 'this fake streams only'));
    let conversationId = typeof given === 'string' ? given : '';
    const known = conversationId ? conversations.get(conversationId) : undefined;
    // Dify looks a conversation up by its id and its user: another user's is not found either.
    if (conversationId && known?.user !== user) return sendJson(res, 404, errorBody(404, 'not_found', 'Conversation Not Exists.'));
    const conversation = known ?? { user, turns: [] };
    if (!conversationId) conversationId = randomUUID();

    if (current.latencyMs && !(await delay(current.latencyMs))) return;
    let answer: string;
    try {
      answer = await (current.answer ?? echo)(query, conversation.turns);
    } catch (error) {
      return sendJson(res, 500, errorBody(500, 'internal_server_error', `fake answer failed: ${String(error)}`));
    }
    if (res.destroyed) return;

    const messageId = randomUUID();
    const common = { task_id: randomUUID(), message_id: messageId, id: messageId, conversation_id: conversationId, created_at: Math.floor(Date.now() / 1000) };
    res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache' });
    res.write('event: ping\n\n');
    const { chunks = 4, intervalMs = 0, breakAfter } = current.stream ?? {};
    const pieces = piecesOf(answer, chunks);
    for (const [index, piece] of pieces.entries()) {
      if (index > 0 && intervalMs > 0 && !(await delay(intervalMs))) return void res.destroy();
      if (res.destroyed) return;
      if (breakAfter !== undefined && index >= breakAfter) {
        await new Promise<void>((resolve) => res.write('', () => resolve()));
        return void res.destroy();
      }
      if (current.streamError && index >= current.streamError.after) {
        const { status, code } = current.streamError;
        write(res, { event: 'error', ...common, status, code, message: `fake Dify stream error ${code}` });
        return void res.end();
      }
      write(res, { event: current.agent ? 'agent_message' : 'message', ...common, answer: piece });
    }
    conversation.turns.push({ query, answer });
    conversations.set(conversationId, conversation);
    const usage = current.usage === 'none' ? undefined : usageOf(current.usage, query, answer);
    write(res, { event: 'message_end', ...common, metadata: usage ? { usage } : {} });
    res.end();
  };

  const http = await startLocalHttpServer(handle);
  return {
    baseUrl: `${http.origin}/v1`,
    apiKey,
    requests,
    conversations,
    forget(conversationId) {
      conversations.delete(conversationId);
    },
    setBehaviour(change) {
      behaviour = { ...behaviour, ...change };
    },
    close() {
      cancelDelays();
      return http.close();
    },
  };
}

function usageOf(given: Exclude<FakeDifyBehaviour['usage'], 'none'>, query: string, answer: string) {
  const prompt = given?.promptTokens ?? [...query].length;
  const completion = given?.completionTokens ?? [...answer].length;
  const price = given?.totalPrice ?? ((prompt + completion) / 1_000_000).toFixed(7);
  return {
    prompt_tokens: prompt,
    completion_tokens: completion,
    total_tokens: prompt + completion,
    total_price: price,
    currency: given?.currency ?? 'USD',
    latency: 0.1,
  };
}
