import { cardCallbackData, signedHeaders } from '@dtbot/testkit';
import { APP_SECRET, trackedMessage } from '../callbacks.mjs';
import { progress, sleep } from '../progress.mjs';
import { non2xx, sendBurst } from '../send.mjs';
import { percentile, round } from '../stats.mjs';
import { withSystem } from '../system.mjs';

const MESSAGES = 20;
const WORKERS = 2;
const UPDATE_MS = 300;
/** The model would write each answer over about 12 s: every card is stopped well before that. */
const CHUNKS = 80;
const CHUNK_MS = 150;
const DEADLINE_MS = 60_000;
/** Where a card shows the question it answers: the bench's answers start by naming it. */
const questionOf = (text) => /^答复: (问题 \S+)/.exec(text ?? '')?.[1];

/**
 * 20. Stop: 20 answers streaming into AI cards from two worker processes (the gateway in HTTP mode), then the stop
 * button of every card pressed at once (`POST /dingtalk/card-callback`, signed, by the asker). For each card: from
 * the press to the model's stream closed (as the fake OpenAI saw its connection end; target: 1 s), and to the
 * card's last update (its final streaming update, by the fake DingTalk's clock), p50 and p99; that each card
 * ends with what it showed and （已停止）; and the output tokens not generated thanks to the stops (each answer is
 * written in known pieces, and the fake records how many it sent before the connection closed).
 */
export async function cardStop(ctx) {
  const options = {
    label: 'stop',
    openai: { answer: longAnswer, stream: { chunks: CHUNKS, intervalMs: CHUNK_MS } },
    dingtalkProcess: { cardQps: 40 },
    workers: WORKERS,
    workerEnv: { DINGTALK_CARD_TEMPLATE_ID: 'bench-card.schema', DINGTALK_CARD_UPDATE_MS: String(UPDATE_MS) },
  };
  return withSystem(ctx, options, async (system) => {
    const messages = Array.from({ length: MESSAGES }, (_, index) => trackedMessage(system.dingtalk, 'stop', index));
    progress(`stop: ${MESSAGES} answers streaming into cards from ${WORKERS} workers`);
    const statuses = await sendBurst(system.gateway.port, messages, 16);
    const started = Date.now();
    let cards = [];
    while (Date.now() - started < DEADLINE_MS) {
      cards = (await system.dingtalk.report()).cards.filter((card) => card.updates.some((update) => update.content.trim() !== ''));
      if (cards.length >= MESSAGES) break;
      await sleep(100);
    }
    progress(`stop: ${cards.length} cards show words; pressing every stop button at once`);
    const pressedAt = new Map();
    const answers = await Promise.all(
      cards.map(async (card) => {
        const body = cardCallbackData({ outTrackId: card.outTrackId, userId: card.target, actionId: 'stop', spaceType: 'IM_ROBOT' });
        pressedAt.set(card.outTrackId, Date.now());
        const response = await fetch(`http://127.0.0.1:${system.gateway.port}/dingtalk/card-callback`, { method: 'POST', headers: signedHeaders(APP_SECRET), body });
        return { status: response.status, outcome: (await response.json()).outcome };
      }),
    );
    const finishedBy = Date.now() + 15_000;
    let report = await system.dingtalk.report();
    while (Date.now() < finishedBy && report.cards.filter((card) => card.params.flowStatus === '3').length < cards.length) {
      await sleep(100);
      report = await system.dingtalk.report();
    }
    const toAbort = [];
    const toLastUpdate = [];
    const closedStreams = [];
    let endedStopped = 0;
    for (const card of report.cards) {
      const pressed = pressedAt.get(card.outTrackId);
      if (pressed === undefined) continue;
      const last = card.updates.at(-1);
      const question = questionOf(last?.content);
      const aborted = system.openai.abandonments.find((entry) => entry.question === question);
      if (aborted) {
        toAbort.push(aborted.at - pressed);
        closedStreams.push(aborted);
      }
      if (last?.isFinalize) toLastUpdate.push(last.receivedAt - pressed);
      if (card.params.stopped === 'true' && last?.content.endsWith('（已停止）')) endedStopped += 1;
    }
    const result = {
      messages: MESSAGES,
      workers: WORKERS,
      pressed: cards.length,
      stopped: answers.filter((answer) => answer.status === 200 && answer.outcome === 'stopped').length,
      modelStreamsClosed: toAbort.length,
      cardsEndedStopped: endedStopped,
      pressToAbortMs: { p50: round(percentile(toAbort, 50)), p99: round(percentile(toAbort, 99)), max: round(Math.max(...toAbort)) },
      pressToLastUpdateMs: { p50: round(percentile(toLastUpdate, 50)), p99: round(percentile(toLastUpdate, 99)), max: round(Math.max(...toLastUpdate)) },
      tokens: tokensSaved(closedStreams),
      non2xx: non2xx(statuses),
    };
    progress(
      `stop: ${result.stopped}/${result.pressed} stopped, ${result.modelStreamsClosed} model streams closed, ${result.cardsEndedStopped} cards ended stopped; ` +
        `press → model stream closed p50 ${result.pressToAbortMs.p50} ms, p99 ${result.pressToAbortMs.p99} ms; ` +
        `press → card's last update p50 ${result.pressToLastUpdateMs.p50} ms, p99 ${result.pressToLastUpdateMs.p99} ms; ` +
        `tokens: ${result.tokens.wouldHaveWritten} would have been written, ${result.tokens.written} were, ${result.tokens.notGenerated} not generated`,
    );
    return result;
  });
}

/**
 * The output tokens the stops saved, summed over the stopped answers whose stream the fake saw closed: what the
 * model would have written (the whole answer, in its known pieces) against what it wrote before the close, both
 * as the fake bills them.
 */
function tokensSaved(closedStreams) {
  const wouldHaveWritten = closedStreams.reduce((sum, entry) => sum + entry.tokens.whole, 0);
  const written = closedStreams.reduce((sum, entry) => sum + entry.tokens.sent, 0);
  const pieces = closedStreams.reduce((sum, entry) => sum + entry.pieces, 0);
  const piecesSent = closedStreams.reduce((sum, entry) => sum + entry.piecesSent, 0);
  return {
    answers: closedStreams.length,
    wouldHaveWritten,
    written,
    notGenerated: wouldHaveWritten - written,
    notGeneratedPercent: wouldHaveWritten === 0 ? undefined : round((100 * (wouldHaveWritten - written)) / wouldHaveWritten),
    pieces,
    piecesSent,
  };
}

function longAnswer(body) {
  const question = (body.messages ?? []).filter((message) => message.role === 'user').at(-1)?.content;
  return `答复: ${typeof question === 'string' ? question : ''}\n\n${'这是一段逐渐写出的回答。'.repeat(40)}`;
}
