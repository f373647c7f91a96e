import { isReadableKind, type MessageJob } from '@dtbot/shared';
import type { WorkerSettings } from '../deps.js';
import { recognizeCommand } from '../replies/recognize-command.js';
import { recognizeImageRequest } from '../replies/recognize-image-request.js';
import type { Reply } from '../replies/reply.js';

/**
 * Decides what this message gets, before anything is produced or sent. The order is the policy:
 * commands first (they never reach the model), then what cannot be asked (a kind we cannot read,
 * an empty question, an image request that cannot be served), then a picture or the model.
 */
export async function decideReply(
  deps: { settings: Pick<WorkerSettings, 'resetCommands' | 'helpCommands' | 'imageCommands' | 'imageModel'> },
  data: Pick<MessageJob, 'msgtype' | 'prompt'>,
): Promise<Reply> {
  const command = recognizeCommand(data.prompt, deps.settings);
  if (command) return { kind: 'command', command };
  if (!isReadableKind(data.msgtype)) return { kind: 'note', note: 'unreadable_kind', msgtype: data.msgtype };
  if (data.prompt === '') return { kind: 'note', note: 'empty_question', msgtype: data.msgtype };
  const image = recognizeImageRequest(data.prompt, deps.settings);
  if (image && !deps.settings.imageModel) return { kind: 'note', note: 'images_unavailable', msgtype: data.msgtype };
  if (image && image.prompt === '') return { kind: 'note', note: 'empty_image_prompt', msgtype: data.msgtype };
  if (image) return { kind: 'image', prompt: image.prompt };
  return { kind: 'model', question: data.prompt };
}
