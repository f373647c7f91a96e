import type { IncomingMessage, ServerResponse } from 'node:http';
import { isRecord, parseJson, readBody, sendJson } from './http-json.js';
import { startLocalHttpServer } from './local-http-server.js';
import {
  chatCompletion,
  completionChunks,
  estimateTokens,
  lastUserText,
  toolCallChunks,
  toolCallCompletion,
  type ChatCompletionRequest,
  type FakeModelReply,
} from './openai-completion-body.js';
import { maxTokensUnsupportedBody, openAIErrorBody } from './openai-error-body.js';
import {
  FAKE_PNG,
  imageFormatFor,
  imagesResponse,
  refusesResponseFormat,
  type ImageFormat,
  type ImageGenerationRequest,
} from './openai-image-body.js';
import { rateLimitHeaders } from './openai-rate-limit-headers.js';
import { SlidingWindow } from './sliding-window.js';
import { cancellableDelays } from './cancellable-delays.js';

/** The model's reply to a request: an answer, or (when it was offered tools) the function calls it asks for. */
export type AnswerFunction = (body: ChatCompletionRequest) => FakeModelReply | Promise<FakeModelReply>;

export interface FakeOpenAIBehaviour {
  /** The assistant's answer; default `答复: <last user message>`. A throw becomes a 500. */
  answer?: AnswerFunction;
  /** Delay before every response except 429s (a provider refuses over-limit calls at once). */
  latencyMs?: number;
  /** Requests admitted per rolling window (60 s unless `rateWindowMs`); past it: 429 with retry headers. */
  rpmLimit?: number;
  /** Every n-th admitted request fails with `status` (counted after the rate limit). */
  failEvery?: { n: number; status: number };
  /** Answer every request with this status and an OpenAI error body (e.g. 401); 200 or unset = normal. */
  status?: number;
  /**
   * Behave like OpenAI's o-series and gpt-5 models: a request with `max_tokens` gets 400
   * `unsupported_parameter` (they take `max_completion_tokens` only).
   */
  refuseMaxTokens?: boolean;
  /**
   * Reasoning the model writes before every answer, in `<think>…</think>`, as DeepSeek-R1 or Qwen3
   * do when served by vLLM or Ollama.
   */
  think?: string;
  /** Return generated images this way whatever was asked (compatible providers that only give URLs). */
  imageFormat?: ImageFormat;
  /** Answer without `usage`, streamed or not, as some compatible providers do. */
  omitUsage?: boolean;
  /**
   * Send this as the answer's `usage`, streamed or not, instead of the true counts: what a broken or hostile
   * compatible server may send (negative or textual counts, a total smaller than its parts).
   */
  usage?: unknown;
  /**
   * How a streamed answer (`stream: true`) is paced: in `chunks` pieces (default 4), `intervalMs`
   * apart (default 0: all at once), like a model writing. With `breakAfter`, the connection is
   * cut after that many chunks, as a provider that dies mid-answer.
   */
  stream?: { chunks?: number; intervalMs?: number; breakAfter?: number };
}

export interface FakeOpenAIOptions extends FakeOpenAIBehaviour {
  /** Length of the rate-limit window; shorter than a minute lets tests see a 429 storm pass quickly. */
  rateWindowMs?: number;
}

export interface ReceivedChatRequest {
  body: ChatCompletionRequest;
  receivedAt: number;
  /** The `authorization` header as sent (`Bearer <key>`). */
  authorization: string | undefined;
  /** The `api-key` header as sent (Azure OpenAI's way of passing the key). */
  apiKey: string | undefined;
  /** Set when the request came by Azure OpenAI's path `/openai/deployments/<deployment>/chat/completions`. */
  azure: { deployment: string; apiVersion: string } | undefined;
}

export interface ReceivedImageRequest extends Omit<ReceivedChatRequest, 'body'> {
  body: ImageGenerationRequest;
}

/** A streamed answer whose reader closed the connection before its last chunk. */
export interface Abandonment {
  /** The last user message's text. */
  question: string;
  at: number;
  /** The pieces the whole answer is written in (its content, or its tool calls' deltas), and those sent before the close. */
  pieces: number;
  piecesSent: number;
  /** The answer's output tokens as the fake bills them (`usage.completion_tokens`): all of it, and the pieces sent. */
  tokens: { whole: number; sent: number };
}

export interface FakeOpenAI {
  /** `http://127.0.0.1:<port>/v1`, ready for the OpenAI SDK's `baseURL`. */
  readonly baseURL: string;
  /** `http://127.0.0.1:<port>`, ready for the `AzureOpenAI` client's `endpoint`. */
  readonly azureEndpoint: string;
  /** Every parsed request, including refused and failed ones, in arrival order. */
  readonly requests: readonly ReceivedChatRequest[];
  /** Every parsed `images/generations` request, in arrival order. */
  readonly imageRequests: readonly ReceivedImageRequest[];
  /** 200 answers sent (plain and streamed chat, images). */
  readonly served: number;
  /** Streamed answers whose reader closed the connection before their last chunk (a stopped answer). */
  readonly abandoned: number;
  /** Each of those: the question it answered, when the fake saw it closed, and how much of it was sent. */
  readonly abandonments: readonly Abandonment[];
  /** 429 answers sent. */
  readonly rateLimited: number;
  /** Error answers sent because of `status`, `failEvery` or a throwing `answer`. */
  readonly failed: number;
  /** Merges into the current behaviour; set a key to `undefined` to drop it. */
  setBehaviour(change: FakeOpenAIBehaviour): void;
  close(): Promise<void>;
}

const OPENAI_PATH = /^(?:\/v1)?\/(chat\/completions|images\/generations)$/;
const AZURE_PATH = /^\/openai\/deployments\/([^/]+)\/(chat\/completions|images\/generations)$/;
const IMAGE_FILE_PATH = /^\/v1\/images\/files\/([0-9a-f]+)\.png$/;
const RPM_WINDOW_MS = 60_000;

type Operation = 'chat' | 'image';
type Route =
  | { kind: Operation; azure: ReceivedChatRequest['azure'] }
  | { kind: 'imageFile'; id: string }
  | { kind: 'none'; status: number; message: string };

const operationOf = (path: string): Operation => (path === 'chat/completions' ? 'chat' : 'image');

/** OpenAI's paths, or Azure's, which also need an `api-version` (Azure answers 404 without one). */
function routeOf(url: URL): Route {
  const openai = OPENAI_PATH.exec(url.pathname);
  if (openai) return { kind: operationOf(openai[1]!), azure: undefined };
  const file = IMAGE_FILE_PATH.exec(url.pathname);
  if (file) return { kind: 'imageFile', id: file[1]! };
  const azure = AZURE_PATH.exec(url.pathname);
  if (!azure) return { kind: 'none', status: 404, message: `Unknown path ${url.pathname}` };
  const apiVersion = url.searchParams.get('api-version');
  if (!apiVersion) return { kind: 'none', status: 404, message: 'Resource not found' };
  return { kind: operationOf(azure[2]!), azure: { deployment: decodeURIComponent(azure[1]!), apiVersion } };
}

/** The text a chunk carries when it is a piece of the answer (words or a tool call's delta); `undefined` otherwise. */
function pieceText(chunk: object): string | undefined {
  const delta = (chunk as { choices?: { delta?: { content?: string; tool_calls?: unknown[] } }[] }).choices?.[0]?.delta;
  if (delta?.tool_calls) return JSON.stringify(delta.tool_calls);
  return delta?.content || undefined;
}

const echoAnswer: AnswerFunction = (body) => `答复: ${lastUserText(body)}`;

/** Streams the fake itself cut short (closing, or `breakAfter`): not abandoned by their reader. */
const cutByServer = new WeakSet<ServerResponse>();

function cut(res: ServerResponse): void {
  cutByServer.add(res);
  res.destroy();
}

/**
 * Server-sent events, one per chunk, each after `pause()` (false: the fake closed, stop); `written` counts the
 * chunks written so far.
 */
async function sendStream(
  res: ServerResponse,
  chunks: object[],
  headers: Record<string, string>,
  pause: () => Promise<boolean>,
  breakAfter = Number.POSITIVE_INFINITY,
  written = { chunks: 0 },
): Promise<void> {
  if (res.destroyed || res.writableEnded) return;
  res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', ...headers });
  for (const [index, chunk] of chunks.entries()) {
    if (index > 0 && !(await pause())) return void cut(res);
    if (res.destroyed) return;
    if (index >= breakAfter) {
      // What was written reaches the reader first; then the connection drops without an end.
      await new Promise<void>((resolve) => res.write('', () => resolve()));
      return void cut(res);
    }
    res.write(`data: ${JSON.stringify(chunk)}\n\n`);
    written.chunks += 1;
  }
  res.end('data: [DONE]\n\n');
}

/** A real HTTP server speaking OpenAI's chat.completions protocol, with faults on demand. */
export async function startFakeOpenAI(options: FakeOpenAIOptions = {}): Promise<FakeOpenAI> {
  const { rateWindowMs = RPM_WINDOW_MS, ...initial } = options;
  let behaviour: FakeOpenAIBehaviour = initial;
  const requests: ReceivedChatRequest[] = [];
  const imageRequests: ReceivedImageRequest[] = [];
  /** Images handed out by URL, served until the fake closes. */
  const imageFiles = new Set<string>();
  const window = new SlidingWindow(rateWindowMs);
  const { delay, cancelAll: cancelDelays } = cancellableDelays();
  let served = 0;
  let abandoned = 0;
  const abandonments: Abandonment[] = [];
  let rateLimited = 0;
  let failed = 0;
  let admittedCount = 0;


  const fail = (res: ServerResponse, status: number, message?: string) => {
    failed += 1;
    sendJson(res, status, openAIErrorBody(status, message));
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const route = routeOf(new URL(req.url ?? '/', 'http://fake'));
    if (route.kind === 'none') return sendJson(res, route.status, openAIErrorBody(route.status, route.message));
    if (route.kind === 'imageFile') {
      if (req.method !== 'GET' || !imageFiles.has(route.id)) return sendJson(res, 404, openAIErrorBody(404, 'No such image'));
      res.writeHead(200, { 'content-type': 'image/png', 'content-length': FAKE_PNG.length });
      return void res.end(FAKE_PNG);
    }
    if (req.method !== 'POST') return sendJson(res, 405, openAIErrorBody(405, `Method ${req.method} not allowed`));
    const parsed = parseJson(await readBody(req));
    if (!isRecord(parsed)) {
      return sendJson(res, 400, openAIErrorBody(400, 'We could not parse the JSON body of your request.'));
    }
    const apiKey = req.headers['api-key'];
    const received = {
      receivedAt: Date.now(),
      authorization: req.headers.authorization,
      apiKey: Array.isArray(apiKey) ? apiKey[0] : apiKey,
      azure: route.azure,
    };
    const body = parsed as ChatCompletionRequest & ImageGenerationRequest;
    if (route.kind === 'chat') requests.push({ ...received, body });
    else imageRequests.push({ ...received, body });

    // One snapshot per request, so a setBehaviour() during the latency cannot mix two behaviours.
    const current = behaviour;
    if (current.status !== undefined && current.status !== 200) return fail(res, current.status);
    if (route.kind === 'chat' && current.refuseMaxTokens && body.max_tokens !== undefined) {
      failed += 1;
      return sendJson(res, 400, maxTokensUnsupportedBody());
    }
    if (route.kind === 'image' && refusesResponseFormat(body)) {
      failed += 1;
      return sendJson(res, 400, openAIErrorBody(400, "Unknown parameter: 'response_format'.", { param: 'response_format', code: 'unknown_parameter' }));
    }

    // Every admitted request enters the window, so an rpmLimit set later sees the recent past.
    const limit = current.rpmLimit ?? Number.POSITIVE_INFINITY;
    const admission = window.tryAdmit(limit);
    const limitHeaders = current.rpmLimit === undefined ? {} : rateLimitHeaders(current.rpmLimit, admission);
    if (!admission.admitted) {
      rateLimited += 1;
      return sendJson(res, 429, openAIErrorBody(429), limitHeaders);
    }
    admittedCount += 1;

    if (current.latencyMs && current.latencyMs > 0 && !(await delay(current.latencyMs))) return;
    const { failEvery } = current;
    if (failEvery && failEvery.n > 0 && admittedCount % failEvery.n === 0) return fail(res, failEvery.status);

    if (route.kind === 'image') {
      if (res.destroyed) return;
      served += 1;
      const urlOf = (id: string) => {
        imageFiles.add(id);
        return `${http.origin}/v1/images/files/${id}.png`;
      };
      return sendJson(res, 200, imagesResponse(body, current.imageFormat ?? imageFormatFor(body), urlOf), limitHeaders);
    }

    let reply: FakeModelReply;
    try {
      reply = await (current.answer ?? echoAnswer)(body);
    } catch (error) {
      return fail(res, 500, `fake answer failed: ${error instanceof Error ? error.message : String(error)}`);
    }
    const { chunks: pieceCount, intervalMs = 0, breakAfter } = current.stream ?? {};
    const pause = async () => intervalMs <= 0 || (await delay(intervalMs));
    /** Streams `chunks`, noting it abandoned, with how much of it was sent, if its reader closes it first. */
    const stream = (chunks: object[]) => {
      const pieces = chunks.map(pieceText);
      const written = { chunks: 0 };
      res.on('close', () => {
        if (res.writableEnded || cutByServer.has(res)) return;
        abandoned += 1;
        const isPiece = (text: string | undefined): text is string => text !== undefined;
        const sent = pieces.slice(0, written.chunks).filter(isPiece);
        const all = pieces.filter(isPiece);
        abandonments.push({
          question: lastUserText(body),
          at: Date.now(),
          pieces: all.length,
          piecesSent: sent.length,
          tokens: { whole: estimateTokens(all.join('')), sent: estimateTokens(sent.join('')) },
        });
      });
      return sendStream(res, chunks, limitHeaders, pause, breakAfter, written);
    };
    if (typeof reply !== 'string') {
      if (res.destroyed) return;
      served += 1;
      if (body.stream !== true) return sendJson(res, 200, toolCallCompletion(body, reply), limitHeaders);
      // Tool calls are paced like an answer's pieces, so a stop can land while the model asks for them.
      const chunks = toolCallChunks(body, reply);
      return stream(chunks);
    }
    let answer = reply;
    if (current.think !== undefined) answer = `<think>\n${current.think}\n</think>\n\n${answer}`;
    if (res.destroyed) return;
    served += 1;
    if (body.stream === true) {
      const all = completionChunks(body, answer, pieceCount);
      const told = current.usage;
      const chunks = current.omitUsage
        ? all.filter((chunk) => !('usage' in chunk))
        : told === undefined
          ? all
          : all.map((chunk) => ('usage' in chunk ? { ...chunk, usage: told } : chunk));
      return stream(chunks);
    }
    const { usage, ...completion } = chatCompletion(body, answer);
    sendJson(res, 200, current.omitUsage ? completion : { ...completion, usage: current.usage ?? usage }, limitHeaders);
  };

  const http = await startLocalHttpServer(handle);
  return {
    baseURL: `${http.origin}/v1`,
    azureEndpoint: http.origin,
    requests,
    imageRequests,
    get served() {
      return served;
    },
    get abandoned() {
      return abandoned;
    },
    abandonments,
    get rateLimited() {
      return rateLimited;
    },
    get failed() {
      return failed;
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
