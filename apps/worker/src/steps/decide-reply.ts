import { isReadableKind, type MessageJob } from '@dtbot/shared';
import type { WorkerSettings } from '../deps.js';
import { recognizeCommand } from '../replies/recognize-command.js';
import type { Reply } from '../replies/reply.js';

/**
 * Decides what this message gets, before anything is produced or sent. The order is the policy:
 * commands first (they never reach the model), then what cannot be asked (a kind we cannot read,
 * an empty question), then the model.
 */
export async function decideReply(
  deps: { settings: Pick<WorkerSettings, 'resetCommands' | 'helpCommands'> },
  data: Pick<MessageJob, 'msgtype' | 'prompt'>,
): Promise<Reply> {
  const command = recognizeCommand(data.prompt, deps.settings);
  if (command) return { kind: 'command', command };
  if (!isReadableKind(data.msgtype)) return { kind: 'note', note: 'unreadable_kind', msgtype: data.msgtype };
  if (data.prompt === '') return { kind: 'note', note: 'empty_question', msgtype: data.msgtype };
  return { kind: 'model', question: data.prompt };
}
