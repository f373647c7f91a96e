import { PassThrough } from 'node:stream';
import type { Middleware } from 'koa';
import type { Logger } from '@dtbot/shared';
import { HttpError } from '../http-error.js';
import type { PlaygroundSessions } from './playground-sessions.js';
import { SESSION_ID } from './playground-question.js';
import { renderAnswer } from './render-answer.js';
import type { TranscriptEntry } from './transcript-entry.js';
import type { TranscriptHub, TranscriptListener } from './transcript-hub.js';

export interface TranscriptEventsDeps {
  sessions: PlaygroundSessions;
  hub: TranscriptHub;
  logger: Logger;
  /** How often an idle stream is pinged (proxies close silent connections) and its session checked. */
  heartbeatMs?: number;
}

const BATCH = 50;
const STREAM_ID = /^\d+-\d+$/;

/** What the page gets for an entry: an answer comes rendered, with its mentions' nicks. */
function toEvent(entry: TranscriptEntry, nicks: Record<string, string>): Record<string, unknown> {
  if (entry.kind !== 'answer') return entry;
  const { text, format, ...rest } = entry;
  return { ...rest, html: renderAnswer(text, format, { atUserIds: entry.atUserIds, nicks }) };
}

/**
 * `GET /playground/api/sessions/<id>/events`: the session's transcript as server-sent events,
 * from the start (or after `Last-Event-ID`, which the browser sends when it reconnects), then
 * each entry as it is added, by any gateway. One read at a time per stream; a wake-up during a
 * read makes it read again, so no entry is missed or sent twice.
 */
export function transcriptEvents(deps: TranscriptEventsDeps): Middleware {
  const heartbeatMs = deps.heartbeatMs ?? 15_000;
  return async (ctx) => {
    const sessionId = String(ctx.params?.session ?? '');
    if (!SESSION_ID.test(sessionId) || !(await deps.sessions.touch(sessionId))) {
      throw new HttpError(404, 'session_not_found', 'this playground session does not exist (any more): open a new one');
    }
    const resumeFrom = ctx.get('last-event-id');
    let lastId = STREAM_ID.test(resumeFrom) ? resumeFrom : undefined;
    const stream = new PassThrough();
    let reading = false;
    let again = false;
    let closed = false;

    const pump = async (): Promise<void> => {
      if (reading) {
        again = true;
        return;
      }
      reading = true;
      try {
        do {
          again = false;
          let batch;
          do {
            batch = await deps.sessions.readAfter(sessionId, lastId, BATCH);
            const nicks = batch.some(({ entry }) => entry.kind === 'answer') ? await deps.sessions.users(sessionId) : {};
            for (const { id, entry } of batch) {
              if (closed) return;
              stream.write(`id: ${id}\ndata: ${JSON.stringify(toEvent(entry, nicks))}\n\n`);
              lastId = id;
            }
          } while (batch.length === BATCH);
        } while (again && !closed);
      } catch (error) {
        // Redis away for a moment: the next wake-up or heartbeat reads again.
        deps.logger.warn({ err: (error as Error).message }, 'playground transcript read failed');
      } finally {
        reading = false;
      }
    };

    const listener: TranscriptListener = { sessionId, wake: () => void pump(), end: () => finish() };
    if (!deps.hub.add(listener)) {
      throw new HttpError(429, 'too_many_streams', 'too many open playground pages: close one and reload');
    }
    const heartbeat = setInterval(() => {
      void deps.sessions.isAlive(sessionId).then(
        (alive) => {
          if (alive) {
            stream.write(': ping\n\n');
            void pump();
          } else {
            stream.write('event: expired\ndata: {}\n\n');
            finish();
          }
        },
        () => stream.write(': ping\n\n'),
      );
    }, heartbeatMs);
    heartbeat.unref();
    function finish(): void {
      if (closed) return;
      closed = true;
      clearInterval(heartbeat);
      deps.hub.remove(listener);
      stream.end();
    }
    ctx.req.on('close', finish);

    ctx.req.socket.setTimeout(0);
    ctx.req.socket.setNoDelay(true);
    ctx.set({ 'cache-control': 'no-cache, no-transform', 'x-accel-buffering': 'no' });
    ctx.type = 'text/event-stream; charset=utf-8';
    ctx.status = 200;
    ctx.body = stream;
    stream.write('retry: 2000\n\n');
    void pump();
  };
}
