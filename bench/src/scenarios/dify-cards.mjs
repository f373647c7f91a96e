import { startFakeDify } from '@dtbot/testkit';
import { trackedMessage } from '../callbacks.mjs';
import { firstWords } from '../card-first-words.mjs';
import { progress, sleep } from '../progress.mjs';
import { non2xx, sendBurst } from '../send.mjs';
import { withSystem } from '../system.mjs';

/** Questions at once: a burst the card budget has room for, as scenario 12's small one. */
const MESSAGES = 6;
const UPDATE_MS = 300;
/** The Dify app writes each answer in this many pieces, this far apart: about 3 s of writing. */
const CHUNKS = 20;
const CHUNK_MS = 150;
const DEADLINE_MS = 60_000;

/**
 * 15. A Dify app in AI cards: 6 questions at once, answered by one worker process with `OPENAI_PROVIDER=dify`
 * through the fake Dify chat API (in this process), which starts its answer 150 ms after it is asked (as scenario
 * 12's model does) and writes it in 20 pieces 150 ms apart. How long after the app's first piece each card showed its first words
 * (target, as for a model's stream with room in the budget: at most 300 ms), and cards finished.
 */
export async function difyCards(ctx) {
  const askedAt = new Map();
  const dify = await startFakeDify({
    // Answers start by naming their question (`答复: <question>`), so each card is matched to when it was asked.
    // Called as the first piece is written.
    answer: (query) => {
      if (!askedAt.has(query)) askedAt.set(query, Date.now());
      return `答复: ${query}\n\n${'知识库里逐段写出的回答。'.repeat(20)}`;
    },
    stream: { chunks: CHUNKS, intervalMs: CHUNK_MS },
    // Retrieval and the model's first token take a while, as scenario 12's model does: the card is created meanwhile.
    latencyMs: CHUNK_MS,
  });
  const options = {
    label: 'dify',
    dingtalkProcess: { cardQps: 40 },
    workers: 1,
    workerEnv: {
      OPENAI_PROVIDER: 'dify',
      DIFY_BASE_URL: dify.baseUrl,
      DIFY_API_KEY: dify.apiKey,
      DINGTALK_CARD_TEMPLATE_ID: 'bench-card.schema',
      DINGTALK_CARD_UPDATE_MS: String(UPDATE_MS),
    },
  };
  try {
    return await withSystem(ctx, options, async (system) => {
      const messages = Array.from({ length: MESSAGES }, (_, index) => trackedMessage(system.dingtalk, 'dify', index));
      const started = Date.now();
      const statuses = await sendBurst(system.gateway.port, messages, 16);
      let report = await system.dingtalk.report();
      while (finished(report) < MESSAGES && Date.now() - started < DEADLINE_MS) {
        await sleep(250);
        report = await system.dingtalk.report();
      }
      const words = firstWords(report.cards, (question) => askedAt.get(question));
      const result = {
        messages: MESSAGES,
        cardsFinished: finished(report),
        difyRequests: dify.requests.length,
        firstWords: words,
        updatesPerCard: report.cards.map((card) => card.updates.length),
        non2xx: non2xx(statuses),
      };
      progress(`dify: ${result.cardsFinished}/${MESSAGES} cards finished; first words after the app's first piece p50 ${words.p50Ms} ms, max ${words.maxMs} ms`);
      return result;
    });
  } finally {
    await dify.close();
  }
}

const finished = (report) => report.cards.filter((card) => card.finalized && card.params.flowStatus === '3').length;
