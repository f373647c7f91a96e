import type { Logger } from '@dtbot/shared';
import type { AnswerDelivery } from '../delivery/answer-delivery.js';
import type { ToolProgress } from './answer-with-tools.js';

/** How long tools may run before a chat without a card is told the answer is on its way. */
export const TOOL_NOTICE_AFTER_MS = 4000;

/** The line that says which tool servers are being asked. */
export function toolStepText(servers: readonly string[]): string {
  return `正在查询 ${servers.join('、')}…`;
}

/**
 * Shows the tool rounds of an answer as they happen. A card shows each round as its draft (the answer then
 * streams over it). Messages show at most one short line, and only when a round's tools take longer than
 * `afterMs`: sent as the job's held notice, so a retry, or a queue notice already sent, means none is sent.
 */
export function toolProgress(delivery: AnswerDelivery, logger: Logger, afterMs = TOOL_NOTICE_AFTER_MS): ToolProgress {
  if (delivery.showsProgress) {
    return { onTools: (servers) => delivery.progress(() => toolStepText(servers)) };
  }
  let timer: NodeJS.Timeout | undefined;
  let held = false;
  return {
    onTools: (servers) => {
      if (held) return;
      timer = setTimeout(() => {
        held = true;
        delivery.hold(toolStepText(servers)).catch((error: unknown) => logger.warn({ err: error instanceof Error ? error.message : String(error) }, 'tool progress line not sent'));
      }, afterMs);
    },
    onToolsDone: () => clearTimeout(timer),
  };
}
