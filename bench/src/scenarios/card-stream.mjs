import { trackedMessage } from '../callbacks.mjs';
import { firstWords } from '../card-first-words.mjs';
import { DISTURBED_CORES, watchCpu } from '../cpu-usage.mjs';
import { progress, sleep } from '../progress.mjs';
import { non2xx, sendBurst } from '../send.mjs';
import { maxInWindow, percentile, round } from '../stats.mjs';
import { withSystem } from '../system.mjs';

const MESSAGES = 20;
/** A burst the budget has room for (6 creations and 6 first drafts fit in a second of 20 calls), before the big one. */
const SMALL_BURST = 6;
const WORKERS = 2;
/** The worker's card call budget (`CARD_CALLS_PER_SECOND`), for the report. */
const CARD_QPS = 20;
const UPDATE_MS = 300;
/** DingTalk's documented limit: the fake refuses past it, so an overshoot would show as 403s too. */
const DINGTALK_QPS = 40;
/** The model writes each answer in this many pieces, this far apart: about 6 s of writing. */
const CHUNKS = 40;
const CHUNK_MS = 150;
const DEADLINE_MS = 120_000;

/**
 * An answer long enough to be worth streaming, naming its question so every card can be told apart.
 * When the model was asked is kept: the fake streams a first empty chunk at once and the first text
 * CHUNK_MS later, so that is when the model's first token leaves.
 */
function slowAnswer(askedAt) {
  return (body) => {
    const question = (body.messages ?? []).filter((message) => message.role === 'user').at(-1)?.content;
    const text = typeof question === 'string' ? question : '';
    if (!askedAt.has(text)) askedAt.set(text, Date.now());
    return `答复: ${text}\n\n${'这是一段逐渐写出的回答。'.repeat(20)}`;
  };
}

/**
 * 12. AI cards: a burst of N questions (private chats of distinct users) answered as AI cards by two worker processes (20 card calls
 * a second, DINGTALK_CARD_UPDATE_MS = 300), the model writing each answer over about 6 s: the cards stream at
 * once and want more updates (20 cards × one every 300 ms) than the budget allows, yet each can get several. The fake DingTalk runs in a process
 * of its own and counts arrivals by its clock: updates per card, the shortest gap between two updates of
 * one card (target: never under DINGTALK_CARD_UPDATE_MS), card API calls in any rolling second across
 * both workers (target: never above 20) and in each calendar second, and the QpsLimit
 * refusals DingTalk's own limit of 40 would have given. The reference is what an unthrottled streamer
 * would send: one update per piece the model wrote. Before that burst, a burst of 6 the budget has room for;
 * for both, how long after the model's first token each card showed its first words (target with room: 300 ms).
 */
export async function cardStream(ctx) {
  const askedAt = new Map();
  const firstTokenAt = (question) => (askedAt.has(question) ? askedAt.get(question) + CHUNK_MS : undefined);
  const options = {
    label: 'cards',
    openai: { answer: slowAnswer(askedAt), stream: { chunks: CHUNKS, intervalMs: CHUNK_MS } },
    dingtalkProcess: { cardQps: DINGTALK_QPS },
    workers: WORKERS,
    workerEnv: {
      DINGTALK_CARD_TEMPLATE_ID: 'bench-card.schema',
      DINGTALK_CARD_UPDATE_MS: String(UPDATE_MS),
    },
  };
  return withSystem(ctx, options, async (system) => {
    const pids = [...system.workers.map((worker) => worker.pid), system.gateway.pid, system.dingtalk.pid, ctx.redisPid ?? 0, process.pid];
    const small = await burst(system, 'card6', SMALL_BURST, new Set());
    const smallFirstWords = firstWords(small.report.cards, firstTokenAt);
    progress(`cards: ${SMALL_BURST} at once: first words after the model's first token p50 ${smallFirstWords.p50Ms} ms, max ${smallFirstWords.maxMs} ms`);
    const watch = watchCpu(pids);
    const big = await burst(system, 'card', MESSAGES, new Set(small.report.cards.map((card) => card.outTrackId)), small.callsBefore);
    const result = summarise(big.report, big.statuses, big.ranSeconds, watch.stop().otherCores);
    result.firstWords = { [SMALL_BURST]: { ...smallFirstWords, finished: small.report.cards.filter(isFinished).length }, [MESSAGES]: firstWords(big.report.cards, firstTokenAt) };
    progress(`cards: ${MESSAGES} at once: first words after the model's first token p50 ${result.firstWords[MESSAGES].p50Ms} ms, max ${result.firstWords[MESSAGES].maxMs} ms`);
    return result;
  });
}

/**
 * A burst of `count` questions, waited for until every card is finished; the fake's report cut to this
 * burst: cards not in `earlier` (outTrackIds), card calls from index `callsFrom` on.
 */
async function burst(system, label, count, earlier, callsFrom = 0) {
  const messages = Array.from({ length: count }, (_, index) => trackedMessage(system.dingtalk, label, index));
  progress(`cards: burst of ${count} questions, ${WORKERS} workers, card calls/s ${CARD_QPS}, DINGTALK_CARD_UPDATE_MS=${UPDATE_MS}`);
  const started = Date.now();
  const statuses = await sendBurst(system.gateway.port, messages, 16);
  const current = async () => {
    const full = await system.dingtalk.report();
    return { ...full, cards: full.cards.filter((card) => !earlier.has(card.outTrackId)), cardCalls: full.cardCalls.slice(callsFrom) };
  };
  let report = await current();
  let lastProgress = Date.now();
  while (finished(report) < count && Date.now() - started < DEADLINE_MS) {
    await sleep(250);
    report = await current();
    if (Date.now() - lastProgress >= 5000) {
      lastProgress = Date.now();
      progress(`cards: ${finished(report)}/${count} cards finished after ${Math.round((Date.now() - started) / 1000)} s`);
    }
  }
  await sleep(500); // late calls and stray messages
  report = await current();
  return { report, statuses, ranSeconds: (Date.now() - started) / 1000, callsBefore: callsFrom + report.cardCalls.length };
}

const isFinished = (card) => card.finalized && card.params.flowStatus === '3';
const finished = (report) => report.cards.filter(isFinished).length;

function summarise(report, statuses, ranSeconds, otherCores) {
  const { cards, cardCalls, delivered } = report;
  const updates = cards.map((card) => card.updates.length);
  const gaps = cards.flatMap((card) => card.updates.slice(1).map((update, index) => update.receivedAt - card.updates[index].receivedAt));
  const arrivals = cardCalls.map((call) => call.receivedAt);
  const perCalendarSecond = new Map();
  for (const at of arrivals) perCalendarSecond.set(Math.floor(at / 1000), (perCalendarSecond.get(Math.floor(at / 1000)) ?? 0) + 1);
  const result = {
    messages: MESSAGES,
    workers: WORKERS,
    cardQps: CARD_QPS,
    updateMs: UPDATE_MS,
    modelPiecesPerAnswer: CHUNKS,
    ranSeconds: round(ranSeconds),
    cards: cards.length,
    cardsFinished: finished(report),
    // Anything other than the cards is a second answer or an apology.
    messagesBesideCards: delivered.length,
    updatesPerCard: {
      mean: round(updates.reduce((sum, count) => sum + count, 0) / Math.max(1, updates.length), 2),
      min: Math.min(...updates),
      max: Math.max(...updates),
    },
    shortestGapMs: gaps.length > 0 ? Math.min(...gaps) : undefined,
    gapP50Ms: percentile(gaps, 50),
    cardCalls: arrivals.length,
    busiestRollingSecond: maxInWindow(arrivals, 1000),
    busiestCalendarSecond: Math.max(0, ...perCalendarSecond.values()),
    qpsLimitRefusals: cardCalls.filter((call) => call.status === 403).length,
    // Work outside the bench, and a late event loop in the fake, bunch its stamps of arrival.
    otherCores: round(otherCores, 2),
    fakeLagMs: { p99: round(report.lagMs.p99), max: round(report.lagMs.max) },
    disturbed: otherCores > DISTURBED_CORES,
    non2xx: non2xx(statuses),
  };
  progress(
    `cards: ${result.cardsFinished}/${MESSAGES} finished in ${result.ranSeconds} s; updates per card ${result.updatesPerCard.mean} ` +
      `(${result.updatesPerCard.min}–${result.updatesPerCard.max}, the model wrote ${CHUNKS} pieces); shortest gap ${result.shortestGapMs} ms; ` +
      `busiest second ${result.busiestRollingSecond} card calls (budget ${CARD_QPS}); QpsLimit ${result.qpsLimitRefusals}; other messages ${result.messagesBesideCards}; ` +
      `fake DingTalk loop lag p99/max ${result.fakeLagMs.p99}/${result.fakeLagMs.max} ms; other work ${result.otherCores} cores${result.disturbed ? ' (DISTURBED)' : ''}`,
  );
  return result;
}
