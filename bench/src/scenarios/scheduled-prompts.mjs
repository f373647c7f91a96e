import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { progress, sleep } from '../progress.mjs';
import { percentile, round } from '../stats.mjs';
import { withSystem } from '../system.mjs';

const SCHEDULES = 200;
const WORKERS = 3;
/** Time for the gateway and the workers to start (each worker puts the file's schedules in place) before the tick. */
const LEAD_MS = 30_000;
const MODEL_LATENCY_MS = 1000;
/** Into the tick: the victim holds ticks being stored and answers being written. */
const KILL_AFTER_TICK_MS = 300;
const DEADLINE_AFTER_TICK_MS = 120_000;

/**
 * 15. Scheduled prompts: `SCHEDULES_FILE` declares 200 schedules of 200 groups, all due in the same minute; 3 workers
 * run them, and one is SIGKILLed just after the tick (a replacement starts at once). Every group must get exactly
 * one post through the OpenAPI; the figures are the posts, the duplicates and how the posts spread after the tick.
 */
export async function scheduledPrompts(ctx) {
  const tickAt = Math.ceil((Date.now() + LEAD_MS) / 60_000) * 60_000;
  const due = new Date(tickAt);
  const cron = `${due.getUTCMinutes()} ${due.getUTCHours()} * * *`;
  const chats = Array.from({ length: SCHEDULES }, (_, index) => `cidBenchSchedule${index}==`);
  const file = path.join(ctx.logDir, 'bench-schedules.yaml');
  const entries = chats.map(
    (chat, index) =>
      `  - id: bench-${index}\n    cron: "${cron}"\n    timezone: UTC\n    chat: { conversationId: "${chat}", group: true }\n    sender: bench-admin\n    prompt: scheduled-${index}\n`,
  );
  writeFileSync(file, `schedules:\n${entries.join('')}`);
  const env = { SCHEDULES_FILE: file, OPENAI_RPM: '0', OPENAI_TPM: '0' };
  return withSystem(ctx, { label: 'schedules', openai: { latencyMs: MODEL_LATENCY_MS }, workers: WORKERS, workerEnv: env }, async (system) => {
    progress(`schedules: ${SCHEDULES} schedules due at ${due.toISOString()} on ${WORKERS} workers; SIGKILL of one ${KILL_AFTER_TICK_MS} ms after`);
    await sleep(Math.max(0, tickAt + KILL_AFTER_TICK_MS - Date.now()));
    const [victim] = system.workers;
    system.killWorker(victim);
    await victim.exited;
    await system.addWorker();
    const posts = () => system.dingtalk.delivered().filter((message) => message.route === 'openapi' && chats.includes(message.target));
    for (;;) {
      const reached = new Set(posts().map((post) => post.target));
      if (reached.size >= SCHEDULES || Date.now() >= tickAt + DEADLINE_AFTER_TICK_MS) break;
      await sleep(100);
    }
    // Late duplicates (a taken-over tick or answer) would come within a lock's expiry and a stall check.
    await sleep(3000);
    const byChat = new Map(chats.map((chat) => [chat, []]));
    for (const post of posts()) byChat.get(post.target)?.push(post);
    const lost = [...byChat.values()].filter((list) => list.length === 0).length;
    const duplicated = [...byChat.values()].filter((list) => list.length > 1).length;
    const wrong = [...byChat.entries()].filter(([chat, list]) => list.length > 0 && !list[0].text.includes(`scheduled-${chats.indexOf(chat)}`)).length;
    const after = [...byChat.values()].flatMap((list) => (list[0] ? [(list[0].receivedAt - tickAt) / 1000] : []));
    const result = {
      schedules: SCHEDULES,
      workers: WORKERS,
      posts: posts().length,
      lost,
      duplicated,
      wrong,
      postSecondsAfterTick: { first: round(Math.min(...after), 2), p50: round(percentile(after, 50), 2), p99: round(percentile(after, 99), 2), last: round(Math.max(...after), 2) },
    };
    progress(
      `schedules: ${result.posts} posts for ${SCHEDULES} schedules (lost ${lost}, duplicated ${duplicated}); ` +
        `after the tick: first ${result.postSecondsAfterTick.first} s, p50 ${result.postSecondsAfterTick.p50} s, last ${result.postSecondsAfterTick.last} s`,
    );
    return result;
  });
}
