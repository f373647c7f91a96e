import { hostileText, timed } from '@dtbot/hostile-text';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DifyError } from './dify-error.js';
import { DifyStream } from './dify-stream.js';

const usage = { prompt_tokens: 12, completion_tokens: 34, total_tokens: 46, total_price: '0.0000460', currency: 'USD' };

const data = (event: object, newline = '\n') => `data: ${JSON.stringify(event)}${newline}${newline}`;

/** `text` as UTF-8, cut at each of `cuts` (byte offsets, anywhere: inside an event, inside a character). */
function chunked(text: string, cuts: readonly number[]): Uint8Array[] {
  const bytes = new TextEncoder().encode(text);
  const points = [...new Set(cuts.map((cut) => cut % (bytes.length + 1)))].sort((a, b) => a - b);
  const chunks: Uint8Array[] = [];
  let from = 0;
  for (const point of [...points, bytes.length]) {
    chunks.push(bytes.subarray(from, point));
    from = point;
  }
  return chunks;
}

function read(text: string, cuts: readonly number[] = [], seen: string[] = []) {
  const stream = new DifyStream((answer) => seen.push(answer));
  for (const chunk of chunked(text, cuts)) stream.push(chunk);
  return stream.finish();
}

function failureOf(call: () => unknown): DifyError {
  try {
    call();
  } catch (error) {
    if (error instanceof DifyError) return error;
    throw error;
  }
  throw new Error('no failure');
}

describe('DifyStream', () => {
  it('message pieces, then message_end → the whole answer, its conversation and usage; each growth told', () => {
    const seen: string[] = [];
    const body =
      'event: ping\n\n' +
      data({ event: 'message', conversation_id: 'c1', answer: '今天' }) +
      data({ event: 'message', conversation_id: 'c1', answer: '晴。' }) +
      data({ event: 'message_end', conversation_id: 'c1', metadata: { usage, retriever_resources: [] } });
    expect(read(body, [5, 40, 41, 77], seen)).toEqual({ answer: '今天晴。', conversationId: 'c1', usage });
    expect(seen).toEqual(['今天', '今天晴。']);
  });

  it('agent_message pieces count like message; agent_thought, workflow events and non-JSON data are passed over', () => {
    const body =
      data({ event: 'agent_thought', thought: 'search', conversation_id: 'c2' }) +
      data({ event: 'workflow_started', data: {} }) +
      'data: not json\n\n' +
      data({ event: 'agent_message', conversation_id: 'c2', answer: 'A' }) +
      data({ event: 'agent_message', conversation_id: 'c2', answer: 'B' }) +
      data({ event: 'message_end', conversation_id: 'c2' });
    expect(read(body)).toEqual({ answer: 'AB', conversationId: 'c2', usage: undefined });
  });

  it('message_replace (output moderation) → the answer so far is replaced', () => {
    const body =
      data({ event: 'message', answer: 'bad words' }) + data({ event: 'message_replace', answer: '***' }) + data({ event: 'message_end', conversation_id: 'c' });
    expect(read(body).answer).toBe('***');
  });

  it('an error event → DifyError with its status and code (Dify\'s message is not kept)', () => {
    const body = data({ event: 'message', answer: 'x' }) + data({ event: 'error', status: 400, code: 'provider_quota_exceeded', message: 'secret detail' });
    const failure = failureOf(() => read(body));
    expect([failure.status, failure.code]).toEqual([400, 'provider_quota_exceeded']);
    expect(failure.message).not.toContain('secret detail');
  });

  it('a body that ends before message_end → DifyError without a status (stream cut short)', () => {
    const failure = failureOf(() => read(data({ event: 'message', answer: 'half' })));
    expect([failure.status, failure.code]).toEqual([0, 'stream_cut_short']);
    expect(failureOf(() => read('')).code).toBe('stream_cut_short');
  });

  it('a last message_end without its blank line, and CRLF line ends → still read', () => {
    const body = data({ event: 'message', answer: 'x' }, '\r\n') + `data: ${JSON.stringify({ event: 'message_end', conversation_id: 'c' })}`;
    expect(read(body)).toEqual({ answer: 'x', conversationId: 'c', usage: undefined });
  });

  it('anything after message_end → ignored', () => {
    const body = data({ event: 'message', answer: 'x' }) + data({ event: 'message_end', conversation_id: 'c' }) + data({ event: 'error', status: 500 });
    expect(read(body).answer).toBe('x');
  });
});

describe('DifyStream on hostile input', () => {
  it('any answer, in any pieces, cut at any bytes, with LF or CRLF → the same answer, nothing lost; each draft a prefix of it', () => {
    fc.assert(
      fc.property(
        fc.array(hostileText({ maxLength: 5_000 }), { maxLength: 8 }),
        fc.array(fc.nat(), { maxLength: 30 }),
        fc.constantFrom('\n', '\r\n'),
        (pieces, cuts, newline) => {
          const body = pieces.map((answer) => data({ event: 'message', conversation_id: 'c', answer }, newline)).join('') + data({ event: 'message_end', conversation_id: 'c', metadata: { usage } }, newline);
          const seen: string[] = [];
          const answer = pieces.join('');
          expect(read(body, cuts, seen)).toEqual({ answer, conversationId: 'c', usage });
          expect(seen.every((draft) => answer.startsWith(draft))).toBe(true);
        },
      ),
      { numRuns: 150 },
    );
  });

  it('any bytes, cut anywhere → ends within a second, with an answer or a DifyError, nothing else', () => {
    const bytes = fc.oneof(
      fc.uint8Array({ maxLength: 100_000 }),
      hostileText().map((text) => new TextEncoder().encode(text)),
      hostileText({ maxLength: 20_000 }).map((text) => new TextEncoder().encode(`data: ${text}\n\n` + data({ event: 'message', answer: text }))),
    );
    fc.assert(
      fc.property(bytes, fc.array(fc.nat(), { maxLength: 20 }), (input, cuts) => {
        const { ms } = timed(() => {
          const stream = new DifyStream();
          try {
            let from = 0;
            for (const cut of [...cuts.map((value) => value % (input.length + 1))].sort((a, b) => a - b)) {
              stream.push(input.subarray(from, cut));
              from = cut;
            }
            stream.push(input.subarray(from));
            stream.finish();
          } catch (error) {
            expect(error).toBeInstanceOf(DifyError);
          }
        });
        expect(ms).toBeLessThan(1000);
      }),
      { numRuns: 150 },
    );
  });
});
