import type { WorkerDeps } from '../deps.js';
import { helpText, RESET_DONE } from './canned-replies.js';
import type { Reply, ReplyContext } from './reply.js';

/** Carries out a command and says what it did. Running it twice (a retried job) does no harm. */
export async function commandReply(
  deps: Pick<WorkerDeps, 'memory' | 'settings'>,
  context: ReplyContext,
  reply: Extract<Reply, { kind: 'command' }>,
): Promise<string> {
  switch (reply.command) {
    case 'reset':
      await deps.memory.clear(context.data.orderKey);
      return RESET_DONE;
    case 'help':
      return helpText(deps.settings);
  }
}
