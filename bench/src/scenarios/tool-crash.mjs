import { JOB_LOCK_MS } from '@dtbot/queue';
import { startFakeMcpServer } from '@dtbot/testkit';
import { waitForAnswers } from '../answers.mjs';
import { trackedMessage } from '../callbacks.mjs';
import { progress, sleep } from '../progress.mjs';
import { non2xx, sendSteady } from '../send.mjs';
import { round } from '../stats.mjs';
import { withSystem } from '../system.mjs';
import { toolAskingModel } from '../tool-asking-model.mjs';

const MESSAGES = 40;
const PER_SECOND = 20;
const MODEL_LATENCY_MS = 500;
const TOOL_LATENCY_MS = 1500;
/**
 * The kill lands once this many tool calls have returned (and a moment for their results to be recorded): the
 * first messages are then in their second model call, their tool's result recorded, and most others inside their
 * tool call. Counted rather than timed, since a busy machine moves when the calls start.
 */
const KILL_AFTER_RETURNED = 8;
const RECORD_MS = 100;
const DEADLINE_AFTER_KILL_MS = 120_000;
/** A dead worker's lock runs out no sooner than half a lock after the kill (it was renewed every half lock). */
const TAKEN_OVER_AFTER_MS = JOB_LOCK_MS / 2;

/** The tool's text names the message it served; read back from the tool ledger's `result.*` fields. */
const resultText = (token) => `found ${token};`;
const RESULT_TOKEN = /found (\S+);/;

/** Messages whose tool result the worker had recorded in its tool ledger (Redis) at this moment. */
async function recordedResults(redis, prefix) {
  const recorded = new Set();
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*:tools:*`, 'COUNT', 1000);
    cursor = next;
    for (const key of keys) {
      const fields = await redis.hgetall(key);
      for (const [field, value] of Object.entries(fields)) {
        const token = field.startsWith('result.') ? RESULT_TOKEN.exec(value)?.[1] : undefined;
        if (token) recorded.add(token);
      }
    }
  } while (cursor !== '0');
  return recorded;
}

/**
 * 19. Tool loop under a crash: 2 workers run tool loops (model 500 ms, an MCP tool of 1.5 s, model again) for 40
 * messages sent at 20/s; one worker is SIGKILLed once 8 tool calls have returned, while several of its jobs are inside a tool call or
 * between the tool's result and the second model call, and a replacement starts at once. The tool ledger is read
 * right after the kill: a call whose result was recorded there must never run again (the taken-over job replays
 * it); a call still running at the kill may run again, its result never having been recorded. Every message must
 * be answered once. Lock timings are the shipped defaults, so the takeover time is production's.
 */
export async function toolCrash(ctx) {
  const runs = [];
  const mcp = await startFakeMcpServer({
    tools: [
      {
        name: 'lookup',
        inputSchema: { type: 'object', properties: { token: { type: 'string' } }, required: ['token'] },
        run: async ({ token }) => {
          const entry = { token: String(token), startedAt: Date.now(), finishedAt: undefined };
          runs.push(entry);
          await new Promise((resolve) => setTimeout(resolve, TOOL_LATENCY_MS));
          entry.finishedAt = Date.now();
          return resultText(entry.token);
        },
      },
    ],
  });
  try {
    const openai = toolAskingModel(MODEL_LATENCY_MS);
    return await withSystem(ctx, { label: 'toolcrash', openai, workers: 2, workerEnv: { MCP_SERVERS: `bench=${mcp.url}` } }, async (system) => {
      const messages = Array.from({ length: MESSAGES }, (_, index) => trackedMessage(system.dingtalk, 'tcrash', index));
      const tokens = messages.map((message) => message.token);
      progress(
        `toolCrash: sending ${MESSAGES} messages at ${PER_SECOND}/s (model ${MODEL_LATENCY_MS} ms, tool ${TOOL_LATENCY_MS} ms, 2 workers), ` +
          `SIGKILL of one worker once ${KILL_AFTER_RETURNED} tool calls have returned`,
      );
      const sentAt = Date.now();
      const sending = sendSteady(system.gateway.port, messages, PER_SECOND);
      while (runs.filter((run) => run.finishedAt !== undefined).length < KILL_AFTER_RETURNED && Date.now() < sentAt + 30_000) await sleep(5);
      await sleep(RECORD_MS);
      const [victim] = system.workers;
      system.killWorker(victim);
      const killedAt = Date.now();
      await victim.exited;
      const recordedAtKill = await recordedResults(ctx.redis, system.prefix);
      const answeredAtKill = new Set(system.dingtalk.delivered().filter((message) => message.receivedAt <= killedAt).map((message) => message.target));
      progress('toolCrash: worker killed; starting a replacement');
      await system.addWorker();
      const { statuses } = await sending;
      const tally = await waitForAnswers(system.dingtalk, tokens, {
        deadline: killedAt + DEADLINE_AFTER_KILL_MS,
        settleMs: 3000,
        onProgress: (count) => progress(`toolCrash: ${count}/${MESSAGES} answered ${Math.round((Date.now() - killedAt) / 1000)} s after the kill`),
      });
      const recordedAtEnd = await recordedResults(ctx.redis, system.prefix);

      const ours = new Set(tokens);
      const calls = runs.filter((run) => ours.has(run.token));
      const callsOf = new Map();
      for (const call of calls) callsOf.set(call.token, [...(callsOf.get(call.token) ?? []), call]);
      let repeatedAfterRecorded = 0;
      let interruptedRunAgain = 0;
      for (const [token, made] of callsOf) {
        const again = made.length - 1;
        if (again <= 0) continue;
        if (recordedAtKill.has(token)) repeatedAfterRecorded += again;
        else interruptedRunAgain += again;
      }
      const inCallAtKill = calls.filter((call) => call.startedAt <= killedAt && (call.finishedAt === undefined || call.finishedAt > killedAt)).length;
      const betweenResultAndAnswer = [...recordedAtKill].filter((token) => ours.has(token) && !answeredAtKill.has(token)).length;
      const answerTimes = [...tally.firstAnswerAt.values()];
      // The survivor answers its own within a few seconds; answers this long after the kill are taken over once the
      // victim's locks expired (JOB_LOCK_MS, 10 s, renewed every 5 s).
      const takenOver = tokens.filter((token) => (tally.firstAnswerAt.get(token) ?? 0) > killedAt + TAKEN_OVER_AFTER_MS);
      const result = {
        messages: MESSAGES,
        perSecond: PER_SECOND,
        modelLatencyMs: MODEL_LATENCY_MS,
        toolLatencyMs: TOOL_LATENCY_MS,
        killAfterReturned: KILL_AFTER_RETURNED,
        killedAfterMs: killedAt - sentAt,
        atKill: { inToolCall: inCallAtKill, resultRecordedNotAnswered: betweenResultAndAnswer, answered: answeredAtKill.size },
        takenOver: takenOver.length,
        takenOverPastResult: takenOver.filter((token) => recordedAtKill.has(token)).length,
        toolCalls: calls.length,
        toolCallsFinished: calls.filter((call) => call.finishedAt !== undefined).length,
        resultsRecorded: [...recordedAtEnd].filter((token) => ours.has(token)).length,
        repeatedAfterRecorded,
        interruptedRunAgain,
        allAnsweredAfterKillSeconds: tally.answered === MESSAGES ? round((Math.max(...answerTimes) - killedAt) / 1000) : undefined,
        answeredOnce: tokens.length - tally.lost - tally.duplicated - tally.failed,
        non2xx: non2xx(statuses),
        lost: tally.lost,
        duplicated: tally.duplicated,
        failed: tally.failed,
      };
      progress(
        `toolCrash: at the kill ${inCallAtKill} in a tool call, ${betweenResultAndAnswer} between result and answer; ` +
          `${result.takenOver} taken over (${result.takenOverPastResult} past their recorded result); ${result.toolCalls} calls made, ${result.resultsRecorded} results recorded, ${interruptedRunAgain} interrupted calls run again, ` +
          `${repeatedAfterRecorded} repeated after their result was recorded; all answered ${result.allAnsweredAfterKillSeconds ?? '—'} s after the kill; ` +
          `lost ${result.lost}, duplicated ${result.duplicated}, apologies ${result.failed}`,
      );
      return result;
    });
  } finally {
    await mcp.close();
  }
}
