import type { IncomingMessage, ServerResponse } from 'node:http';

/**
 * Far above anything DingTalk or OpenAI accept, so size-limit tests see the real body size,
 * yet a runaway client cannot exhaust the test process' memory.
 */
const HARD_BODY_LIMIT_BYTES = 5 * 1024 * 1024;

export async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buffer = Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk));
    size += buffer.length;
    if (size > HARD_BODY_LIMIT_BYTES) throw new Error(`request body larger than ${HARD_BODY_LIMIT_BYTES} bytes`);
    chunks.push(buffer);
  }
  return Buffer.concat(chunks);
}

/** `undefined` means "not JSON": a parsed JSON value is never undefined. */
export function parseJson(raw: Buffer | string): unknown {
  try {
    return JSON.parse(typeof raw === 'string' ? raw : raw.toString('utf8'));
  } catch {
    return undefined;
  }
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  // The client may have gone away (or the fake was closed) while a simulated delay ran.
  if (res.destroyed || res.writableEnded) return;
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers });
  res.end(JSON.stringify(body));
}
