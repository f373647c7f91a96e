import { waitForAnswers } from '../answers.mjs';
import { trackedMessage } from '../callbacks.mjs';
import { progress } from '../progress.mjs';
import { non2xx, sendBurst } from '../send.mjs';
import { maxInWindow, round } from '../stats.mjs';
import { withSystem } from '../system.mjs';
import { queueFigures, scrape, workerFigures } from '../scrape.mjs';

const RPM = 600;
const MESSAGES = Math.round(1.5 * RPM);
const MODEL_LATENCY_MS = 50;
const RUN_MS = 90_000;
const WINDOW_MS = 60_000;
/** When the operator's scrape is taken: the limit has held the backlog back for a while. */
const SCRAPE_AT_MS = 30_000;

/**
 * 3. Rate-limit utilisation: workers limited to OPENAI_RPM=R, the fake provider refusing (429 with
 * retry headers) past R per rolling minute, a burst of 1.5 × R messages. Within 90 s (cut short
 * once all are answered), the most model calls the provider admitted in any rolling 60 s shows how
 * much of R was used (that is what the limit counts; answers lag their calls by varying latencies,
 * so a window of answers can hold a little more than R), and the provider's 429s show how often the
 * workers overshot. What an operator's Prometheus would read is scraped too: the gateway's queue gauges
 * 30 s in (a backlog held back by the limit), and the workers' stored-to-started and 429 counts at the end.
 */
export async function rateLimit(ctx) {
  const options = {
    label: 'ratelimit',
    // The provider counts arrivals by its own clock, in a process the load generator cannot delay.
    openai: { latencyMs: MODEL_LATENCY_MS, rpmLimit: RPM },
    openaiProcess: true,
    workers: 2,
    workerEnv: { OPENAI_RPM: String(RPM) },
  };
  return withSystem(ctx, options, async (system) => {
    const messages = Array.from({ length: MESSAGES }, (_, index) => trackedMessage(system.dingtalk, 'rpm', index));
    const tokens = messages.map((message) => message.token);
    progress(`rate limit: burst of ${MESSAGES} messages, OPENAI_RPM=${RPM}, provider limit ${RPM}/min, 2 workers`);
    const started = Date.now();
    const statuses = await sendBurst(system.gateway.port, messages, 64);
    progress(`rate limit: stored in ${Date.now() - started} ms; waiting (at most ${RUN_MS / 1000} s) for the answers`);
    const midRun = new Promise((resolve) => setTimeout(resolve, Math.max(0, started + SCRAPE_AT_MS - Date.now()))).then(
      async () => ({ atSeconds: round((Date.now() - started) / 1000), ...queueFigures(await scrape(system.gateway.metricsPort)) }),
    );
    const tally = await waitForAnswers(system.dingtalk, tokens, {
      deadline: started + RUN_MS,
      onProgress: (count) => progress(`rate limit: ${count}/${MESSAGES} answered after ${Math.round((Date.now() - started) / 1000)} s`),
    });
    const operatorScrape = {
      midRun: await midRun,
      end: workerFigures(await Promise.all(system.workers.map((worker) => scrape(worker.port)))),
    };
    const provider = await system.openai.report();
    const bestMinute = maxInWindow(provider.admittedAt, WINDOW_MS);
    const bestMinuteAnswers = maxInWindow([...tally.firstAnswerAt.values()], WINDOW_MS);
    const modelCalls = provider.requests;
    const result = {
      rpm: RPM,
      messages: MESSAGES,
      modelLatencyMs: MODEL_LATENCY_MS,
      ranSeconds: round((Date.now() - started) / 1000),
      answered: tally.answered,
      bestMinuteCalls: bestMinute,
      utilisationPercent: round((100 * bestMinute) / RPM),
      bestMinuteAnswers,
      modelCalls,
      rateLimited: provider.rateLimited,
      rateLimitedPercent: round(modelCalls === 0 ? 0 : (100 * provider.rateLimited) / modelCalls, 2),
      non2xx: non2xx(statuses),
      lost: tally.lost,
      duplicated: tally.duplicated,
      failed: tally.failed,
      operatorScrape,
    };
    progress(
      `rate limit: best 60 s window ${bestMinute} model calls = ${result.utilisationPercent} % of ${RPM} (${bestMinuteAnswers} answers); ` +
        `429s ${result.rateLimited}/${modelCalls} = ${result.rateLimitedPercent} %; lost ${result.lost}, duplicated ${result.duplicated}`,
    );
    return result;
  });
}
