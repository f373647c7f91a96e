import { waitForAnswers } from '../answers.mjs';
import { trackedMessage } from '../callbacks.mjs';
import { progress, sleep } from '../progress.mjs';
import { non2xx, sendBurst } from '../send.mjs';
import { round } from '../stats.mjs';
import { withSystem } from '../system.mjs';

const MESSAGES = 40;
const MODEL_LATENCY_MS = 2000;
const KILL_AFTER_MS = 1000;
const DEADLINE_AFTER_KILL_MS = 120_000;

/**
 * 5. Crash takeover: 2 workers hold 40 slow jobs (the model takes 2 s); one is SIGKILLed 1 s in
 * and a replacement starts at once. Its jobs must be taken over (lock expiry + stalled check) and
 * every message answered exactly once.
 */
export async function crashTakeover(ctx) {
  return withSystem(ctx, { label: 'crash', openai: { latencyMs: MODEL_LATENCY_MS }, workers: 2 }, async (system) => {
    const messages = Array.from({ length: MESSAGES }, (_, index) => trackedMessage(system.dingtalk, 'crash', index));
    const tokens = messages.map((message) => message.token);
    progress(`crash: sending ${MESSAGES} messages (model latency ${MODEL_LATENCY_MS} ms), SIGKILL of one worker after ${KILL_AFTER_MS} ms`);
    const sent = Date.now();
    const statuses = await sendBurst(system.gateway.port, messages, MESSAGES);
    await sleep(Math.max(0, sent + KILL_AFTER_MS - Date.now()));
    const [victim] = system.workers;
    system.killWorker(victim);
    const killedAt = Date.now();
    await victim.exited;
    progress('crash: worker killed; starting a replacement');
    await system.addWorker();
    const tally = await waitForAnswers(system.dingtalk, tokens, {
      deadline: killedAt + DEADLINE_AFTER_KILL_MS,
      settleMs: 3000,
      onProgress: (count) => progress(`crash: ${count}/${MESSAGES} answered ${Math.round((Date.now() - killedAt) / 1000)} s after the kill`),
    });
    const answerTimes = [...tally.firstAnswerAt.values()];
    // Answers well after the survivors' own (which come about 2 s after sending) are the victim's jobs, taken over.
    const takenOver = answerTimes.filter((at) => at > sent + MODEL_LATENCY_MS + 3000);
    const result = {
      messages: MESSAGES,
      modelLatencyMs: MODEL_LATENCY_MS,
      takenOver: takenOver.length,
      allAnsweredAfterKillSeconds: tally.answered === MESSAGES ? round((Math.max(...answerTimes) - killedAt) / 1000) : undefined,
      non2xx: non2xx(statuses),
      lost: tally.lost,
      duplicated: tally.duplicated,
      failed: tally.failed,
    };
    progress(
      `crash: ${takenOver.length} jobs taken over; all answered ${result.allAnsweredAfterKillSeconds ?? '—'} s after the kill; ` +
        `lost ${result.lost}, duplicated ${result.duplicated}`,
    );
    return result;
  });
}
