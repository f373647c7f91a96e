import type Router from '@koa/router';
import type { Middleware } from 'koa';
import type { Logger } from '@dtbot/shared';
import { Refusal } from '../accept/refusal.js';
import { callbackError, refusalAsHttpError } from '../callback/callback-errors.js';
import type { CallbackState } from '../callback/callback-state.js';
import { HttpError } from '../http-error.js';
import { readBody } from '../middleware/read-body.js';
import { PLAYGROUND_LIMITS } from './playground-limits.js';
import { PAGE_SECURITY_HEADERS, type PageFile, type PlaygroundPage } from './playground-page.js';
import { playgroundQuestionSchema, SESSION_ID } from './playground-question.js';
import type { PlaygroundSessions } from './playground-sessions.js';
import type { AllSessionsLimits, AllSessionsVerdict } from './all-sessions-limits.js';
import { submitQuestion, type SubmitDeps } from './submit-question.js';
import { transcriptEvents } from './transcript-events.js';
import type { TranscriptHub } from './transcript-hub.js';

/** The words the page's buttons send; a button whose word is not configured is not shown. */
export interface PlaygroundWords {
  stop: string | undefined;
  good: string | undefined;
  bad: string | undefined;
}

export interface Playground {
  page: PlaygroundPage;
  words: PlaygroundWords;
  sessions: PlaygroundSessions;
  /** Questions per minute and per day of all sessions together, every gateway counted. */
  allSessions: AllSessionsLimits;
  hub: TranscriptHub;
  submit: SubmitDeps;
  logger: Logger;
}

/** The playground's paths; when it is off none is registered, so everything under `/playground` is 404. */
export const PLAYGROUND_PATH = '/playground';

function parseJson(text: string | undefined): unknown {
  try {
    return JSON.parse(text || '{}');
  } catch (error) {
    throw callbackError('malformed_json', undefined, error);
  }
}

const sessionGone = () => new HttpError(404, 'session_not_found', 'this playground session does not exist (any more): open a new one');

/** The 429 of a question past a limit of all sessions together, saying which and when it lifts. */
function allSessionsRefusal(limits: AllSessionsLimits, verdict: Extract<AllSessionsVerdict, { allowed: false }>): HttpError {
  const { questionsPerMinute, questionsPerDay } = limits.options;
  if (verdict.limit === 'minute') {
    return new HttpError(
      429,
      'playground_busy',
      `the playground takes at most ${questionsPerMinute} questions a minute from all its visitors together; wait ${verdict.retryAfterSeconds} s`,
    );
  }
  const hours = Math.ceil(verdict.retryAfterSeconds / 3600);
  return new HttpError(
    429,
    'playground_daily_limit',
    `the playground has taken the ${questionsPerDay} questions it takes a day from all its visitors together; it takes more after 00:00 UTC (in about ${hours} h)`,
  );
}

/**
 * The page and its API (open a session, send a question, follow the transcript). Answers come from the workers
 * through Redis (`deliverPlaygroundAnswer`), not over HTTP.
 */
export function registerPlaygroundRoutes(router: Router, playground: Playground): void {
  const { sessions } = playground;
  const serve = (file: PageFile): Middleware => (ctx) => {
    ctx.set(PAGE_SECURITY_HEADERS);
    ctx.set('cache-control', 'no-cache');
    ctx.type = file.type;
    ctx.body = file.body;
  };
  router.get(PLAYGROUND_PATH, serve(playground.page.html));
  router.get(`${PLAYGROUND_PATH}/assets/:file`, (ctx, next) => {
    const file = playground.page.asset(ctx.params.file ?? '');
    return file ? serve(file)(ctx, next) : undefined;
  });

  router.post(`${PLAYGROUND_PATH}/api/sessions`, readBody(1024), async (ctx: Parameters<Middleware<CallbackState>>[0]) => {
    const body = parseJson(ctx.state.body) as { resume?: unknown };
    const resume = typeof body.resume === 'string' && SESSION_ID.test(body.resume) ? body.resume : undefined;
    const opened = await sessions.open(resume);
    if (opened.opened === 'full') {
      ctx.set('retry-after', '60');
      throw new HttpError(503, 'playground_full', 'the playground has as many sessions as it may keep; try again later');
    }
    ctx.body = { session: opened.sessionId, resumed: opened.opened === 'resumed', words: playground.words };
  });

  router.get(`${PLAYGROUND_PATH}/api/sessions/:session/events`, transcriptEvents({ sessions, hub: playground.hub, logger: playground.logger }));

  router.post(
    `${PLAYGROUND_PATH}/api/sessions/:session/questions`,
    readBody(PLAYGROUND_LIMITS.questionBodyBytes),
    async (ctx: Parameters<Middleware<CallbackState>>[0]) => {
      const sessionId = ctx.params.session ?? '';
      if (!SESSION_ID.test(sessionId) || !(await sessions.touch(sessionId))) throw sessionGone();
      const parsed = playgroundQuestionSchema.safeParse(parseJson(ctx.state.body));
      if (!parsed.success) {
        const problems = parsed.error.issues.map((issue) => `${issue.path.join('.') || '(body)'}: ${issue.message}`);
        throw new HttpError(400, 'invalid_question', `check ${problems.join('; ')}`);
      }
      const quota = await sessions.countQuestion(sessionId);
      if (!quota.allowed) {
        ctx.set('retry-after', String(quota.retryAfterSeconds));
        throw new HttpError(429, 'too_many_questions', `at most ${sessions.options.questionsPerMinute} questions a minute; wait ${quota.retryAfterSeconds} s`);
      }
      const shared = await playground.allSessions.count();
      if (!shared.allowed) {
        ctx.set('retry-after', String(shared.retryAfterSeconds));
        throw allSessionsRefusal(playground.allSessions, shared);
      }
      try {
        ctx.body = await submitQuestion(playground.submit, sessionId, parsed.data);
      } catch (error) {
        if (error instanceof Refusal) throw refusalAsHttpError(error);
        throw error;
      }
    },
  );
}
