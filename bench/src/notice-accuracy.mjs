import { readFileSync } from 'node:fs';
import { openQueue } from './queue-check.mjs';
import { sleep } from './progress.mjs';
import { percentile, round } from './stats.mjs';
import { non2xx } from './send.mjs';

/** Estimates are judged on messages that still had this long to wait after their notice: below it, rounding rules. */
const MIN_WAIT_JUDGED_MS = 2000;
/**
 * Places are judged relative to the truth from this many messages ahead; below it, by how many they are off: a
 * job or two either way is more than 10 % of a small place.
 */
const MIN_PLACE_JUDGED = 20;

const NOTICE = /(?:前面还有 (\d+) 条消息|你的消息排在队列最前面)，(?:预计约 ([\d.]+) (秒|分钟|小时)后回答|轮到时会立即回答)/;
const UNIT_SECONDS = { 秒: 1, 分钟: 60, 小时: 3600 };

/** What each worker logged of the notices it sent: msgId → place and unrounded estimate. */
function loggedNotices(workers) {
  const logged = new Map();
  for (const worker of workers) {
    for (const line of readFileSync(worker.logFile, 'utf8').split('\n')) {
      if (!line.includes('queue notice sent')) continue;
      try {
        const entry = JSON.parse(line);
        logged.set(entry.msgId, { ahead: entry.ahead, countedAt: entry.countedAt, estimateSeconds: entry.estimateSeconds, state: entry.state });
      } catch {
        // A line cut by the process's end.
      }
    }
  }
  return logged;
}

const errorStats = (errors) =>
  errors.length === 0 ? undefined : { p50Percent: round(100 * percentile(errors, 50)), maxPercent: round(100 * Math.max(...errors)), count: errors.length };

/**
 * Waits until every message of `backlog` (sent to `system`, tokens starting with `tokenPrefix`) is answered, then
 * judges each queue notice against what happened. For each message told its place, the truth is read off what
 * happened next: the jobs the queue served (took off it) after the worker counted the message's place and before
 * its own (the place); as the asker reads it, the model calls that started after the notice arrived and before its
 * own (model calls of jobs taken together may pass each other); and the time from the notice's arrival to its own
 * model call (the wait).
 */
export async function judgeNotices(ctx, system, backlog, { tokenPrefix, statuses, answeredWithinMs = 120_000 }) {
  const questions = backlog.filter((message) => !message.command);
  const tokens = new Set(backlog.map((message) => message.token));
  const answered = () => new Set(system.dingtalk.delivered().filter((m) => tokens.has(m.target) && !NOTICE.test(m.text)).map((m) => m.target)).size;
  const deadline = Date.now() + answeredWithinMs;
  while (Date.now() < deadline && answered() < tokens.size) await sleep(100);

  const startedAt = new Map();
  for (const request of system.openai.requests) {
    const token = /问题 (notice-[\w-]+)/.exec(JSON.stringify(request.body.messages?.at(-1) ?? ''))?.[1];
    if (token && !startedAt.has(token)) startedAt.set(token, request.receivedAt);
  }
  const notices = new Map();
  let duplicates = 0;
  for (const message of system.dingtalk.delivered()) {
    const said = NOTICE.exec(message.text);
    if (!said || !tokens.has(message.target)) continue;
    if (notices.has(message.target)) duplicates += 1;
    else notices.set(message.target, { at: message.receivedAt, ahead: Number(said[1] ?? 0), saidSeconds: said[2] ? Number(said[2]) * UNIT_SECONDS[said[3]] : undefined });
  }
  const logged = loggedNotices(system.workers);
  // When a worker took each job off the queue (its last take, for a job parked behind its thread): the id of
  // BullMQ's `active` event, which Redis stamps as it runs the move, on the clock the worker's count also reads
  // (`countedAt`). That is the order the queue served them in, which is what a place counts; model calls of jobs
  // taken together may pass each other.
  const takenAt = new Map();
  const queue = openQueue(ctx.redis, system.prefix);
  try {
    const tokenOf = new Map();
    for (const job of await queue.getJobs(['completed'], 0, -1)) tokenOf.set(job.id, job.data.msgId.replace('msgbench.', ''));
    for (const [id, fields] of await ctx.redis.xrange(queue.toKey('events'), '-', '+')) {
      const event = Object.fromEntries(fields.flatMap((value, index) => (index % 2 === 0 ? [[value, fields[index + 1]]] : [])));
      if (event.event !== 'active' || !tokenOf.has(event.jobId)) continue;
      // In microseconds, to compare with the count's Redis time: the event's millisecond, and its sequence for
      // the order of takes within it (workers often take several in one). Exact integers, under 2^53.
      const [ms, sequence] = id.split('-').map(Number);
      takenAt.set(tokenOf.get(event.jobId), ms * 1000 + sequence);
    }
  } finally {
    await queue.close();
  }

  const placeErrors = [];
  const arrivalPlaceErrors = [];
  const placeOff = [];
  const saidErrors = [];
  const estimateErrors = [];
  // Signed (estimate - wait) / wait: whether the estimate leans long or short.
  const estimateLean = [];
  const deliveryMs = [];
  const worst = [];
  let afterStart = 0;
  let withoutEstimate = 0;
  let unlogged = 0;
  // Messages of the backlog whose time in `times` is in [from, to).
  // Commands count too, as a place counts every message ahead; they make no model call, so they only count where
  // the times are takes.
  const between = (times, from, to, except) =>
    backlog.filter((other) => other.token !== except && (times.get(other.token) ?? Infinity) >= from && times.get(other.token) < to).length;
  const relative = (said, truth) => Math.abs(said - truth) / truth;
  for (const { token } of questions) {
    const notice = notices.get(token);
    const started = startedAt.get(token);
    if (!notice || started === undefined) continue;
    if (started < notice.at) afterStart += 1;
    const log = logged.get(`msgbench.${token}`);
    if (!log) unlogged += 1;
    // The place as counted (against the jobs the queue served after the count and before this one), and as the
    // asker read it (the model calls that started after the notice arrived and before this one's).
    const truth = log && takenAt.has(token) ? between(takenAt, log.countedAt * 1000, takenAt.get(token), token) : undefined;
    const truthOnArrival = between(startedAt, notice.at, started, token);
    if (log) deliveryMs.push(notice.at - log.countedAt);
    if (truth !== undefined) {
      placeOff.push(Math.abs(notice.ahead - truth));
      worst.push({ token: token.replace(tokenPrefix, ''), said: notice.ahead, truth, truthOnArrival, state: log.state });
      if (truth >= MIN_PLACE_JUDGED) placeErrors.push(relative(notice.ahead, truth));
    }
    if (truthOnArrival >= MIN_PLACE_JUDGED) arrivalPlaceErrors.push(relative(notice.ahead, truthOnArrival));
    const waitedMs = started - notice.at;
    if (notice.saidSeconds === undefined) withoutEstimate += 1;
    if (waitedMs < MIN_WAIT_JUDGED_MS) continue;
    if (notice.saidSeconds !== undefined) saidErrors.push(Math.abs(notice.saidSeconds * 1000 - waitedMs) / waitedMs);
    if (log?.estimateSeconds !== undefined) {
      estimateErrors.push(Math.abs(log.estimateSeconds * 1000 - waitedMs) / waitedMs);
      estimateLean.push((log.estimateSeconds * 1000 - waitedMs) / waitedMs);
    }
  }
  return {
    noticed: notices.size,
    duplicates,
    toCommands: backlog.filter((message) => message.command && notices.has(message.token)).length,
    afterStart,
    withoutEstimate,
    largestPlace: Math.max(0, ...[...notices.values()].map((notice) => notice.ahead)),
    unlogged,
    place: errorStats(placeErrors),
    placeOnArrival: errorStats(arrivalPlaceErrors),
    deliveryMs: { p50: percentile(deliveryMs, 50), max: deliveryMs.length ? Math.max(...deliveryMs) : undefined },
    placeOffMax: Math.max(0, ...placeOff),
    judgedWorst: worst.filter((w) => w.truth >= MIN_PLACE_JUDGED).sort((a, b) => Math.abs(b.said - b.truth) / b.truth - Math.abs(a.said - a.truth) / a.truth).slice(0, 8),
    worstPlaces: worst.sort((a, b) => Math.abs(b.said - b.truth) / Math.max(b.truth, 1) - Math.abs(a.said - a.truth) / Math.max(a.truth, 1)).slice(0, 5),
    estimate: errorStats(estimateErrors),
    estimateLeanP50Percent: estimateLean.length ? round(100 * percentile(estimateLean, 50)) : undefined,
    said: errorStats(saidErrors),
    non2xx: non2xx(statuses),
    lost: backlog.length - answered(),
  };
}
