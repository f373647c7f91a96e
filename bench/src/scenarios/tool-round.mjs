import { startFakeMcpServer } from '@dtbot/testkit';
import { tallyAnswers, waitForAnswers } from '../answers.mjs';
import { trackedMessage } from '../callbacks.mjs';
import { progress } from '../progress.mjs';
import { non2xx, sendBurst, sendSteady } from '../send.mjs';
import { percentile, round } from '../stats.mjs';
import { withSystem } from '../system.mjs';
import { hasToolResult, tokenOf, toolAskingModel } from '../tool-asking-model.mjs';

const MODEL_LATENCY_MS = 100;
const TOOL_LATENCY_MS = 50;
const MESSAGES = 200;
/** `BENCH_TOOLS_PER_SECOND` changes it, to tell a round's own cost from queueing on a busy machine. */
const PER_SECOND = Number(process.env.BENCH_TOOLS_PER_SECOND ?? 10);
const WARMUP_MESSAGES = 10;


/**
 * 15. Tool round: each message makes the model ask for one MCP tool call (a real MCP server in this process, over
 * Streamable HTTP), then answer from its result. What the worker adds to a round beyond the model's and the tool's
 * own time: from the first model request's arrival to the second's, minus the model's latency and the tool's run
 * time as the server measured it (parsing the turn, the spend record, the tool ledger writes, the MCP client).
 */
export async function toolRound(ctx) {
  const ran = new Map();
  const mcp = await startFakeMcpServer({
    tools: [
      {
        name: 'lookup',
        inputSchema: { type: 'object', properties: { token: { type: 'string' } }, required: ['token'] },
        run: async ({ token }) => {
          const startedAt = performance.now();
          await new Promise((resolve) => setTimeout(resolve, TOOL_LATENCY_MS));
          ran.set(String(token), performance.now() - startedAt);
          return `found ${String(token)}`;
        },
      },
    ],
  });
  try {
    const openai = toolAskingModel(MODEL_LATENCY_MS);
    return await withSystem(ctx, { label: 'tools', openai, workers: 1, workerEnv: { MCP_SERVERS: `bench=${mcp.url}` } }, async (system) => {
      const warmup = Array.from({ length: WARMUP_MESSAGES }, (_, index) => trackedMessage(system.dingtalk, 'toolwarm', index));
      await sendBurst(system.gateway.port, warmup, 4);
      await waitForAnswers(system.dingtalk, warmup.map((message) => message.token), { deadline: Date.now() + 20_000, settleMs: 0 });

      const messages = Array.from({ length: MESSAGES }, (_, index) => trackedMessage(system.dingtalk, 'tool', index));
      const tokens = messages.map((message) => message.token);
      progress(`tools: sending ${MESSAGES} messages at ${PER_SECOND}/s (model ${MODEL_LATENCY_MS} ms, tool ${TOOL_LATENCY_MS} ms, 1 worker)`);
      const { statuses } = await sendSteady(system.gateway.port, messages, PER_SECOND);
      const tally = await waitForAnswers(system.dingtalk, tokens, { deadline: Date.now() + 60_000 });
      const warm = tallyAnswers(system.dingtalk, warmup.map((message) => message.token));

      const asked = new Map();
      for (const request of system.openai.requests) {
        const token = tokenOf(request.body);
        if (!token) continue;
        const times = asked.get(token) ?? {};
        if (hasToolResult(request.body)) times.second ??= request.receivedAt;
        else times.first ??= request.receivedAt;
        asked.set(token, times);
      }
      const overheads = tokens.flatMap((token) => {
        const times = asked.get(token);
        const tool = ran.get(token);
        if (!times?.first || !times.second || tool === undefined) return [];
        return [times.second - times.first - MODEL_LATENCY_MS - tool];
      });
      const toolCalls = mcp.calls.filter((call) => String(call.args.token ?? '').startsWith('tool-')).length;
      const result = {
        messages: MESSAGES,
        perSecond: PER_SECOND,
        modelLatencyMs: MODEL_LATENCY_MS,
        toolLatencyMs: TOOL_LATENCY_MS,
        measured: overheads.length,
        roundOverheadMs: { p50: round(percentile(overheads, 50)), p99: round(percentile(overheads, 99)), max: round(percentile(overheads, 100)) },
        toolCalls,
        non2xx: non2xx(statuses),
        lost: tally.lost + warm.lost,
        duplicated: tally.duplicated + warm.duplicated,
        failed: tally.failed + warm.failed,
      };
      progress(
        `tools: a round adds p50 ${result.roundOverheadMs.p50} ms, p99 ${result.roundOverheadMs.p99} ms beyond model and tool; ` +
          `${toolCalls} tool calls for ${MESSAGES} messages, lost ${result.lost}, duplicated ${result.duplicated}, failed ${result.failed}`,
      );
      return result;
    });
  } finally {
    await mcp.close();
  }
}
