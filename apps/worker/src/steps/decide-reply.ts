import { isReadableKind, type MessageJob } from '@dtbot/shared';
import type { WorkerSettings } from '../deps.js';
import { applyTemplate, type PersonaCatalog } from '../personas/persona-catalog.js';
import { recognizeCommand, unknownCommand, type CommandWords } from '../replies/recognize-command.js';
import { recognizeImageRequest } from '../replies/recognize-image-request.js';
import type { Reply } from '../replies/reply.js';

export interface DecideDeps {
  settings: CommandWords & Pick<WorkerSettings, 'imageCommands' | 'imageModel'>;
  personas: Pick<PersonaCatalog, 'matchTemplate'>;
}

/**
 * Decides what this message gets, before anything is produced or sent. The order is the policy:
 * commands first (they never reach the model), then what cannot be asked (a kind we cannot read,
 * an empty question), then a picture, a template (each with a note when it cannot be served or has
 * no text), an unknown `/word` (the help), and last the model.
 */
export async function decideReply(deps: DecideDeps, data: Pick<MessageJob, 'msgtype' | 'prompt'>): Promise<Reply> {
  const command = recognizeCommand(data.prompt, deps.settings);
  if (command) return { kind: 'command', ...command };
  if (!isReadableKind(data.msgtype)) return { kind: 'note', note: 'unreadable_kind', msgtype: data.msgtype };
  if (data.prompt === '') return { kind: 'note', note: 'empty_question', msgtype: data.msgtype };
  const image = recognizeImageRequest(data.prompt, deps.settings);
  if (image && !deps.settings.imageModel) return { kind: 'note', note: 'images_unavailable', msgtype: data.msgtype };
  if (image && image.prompt === '') return { kind: 'note', note: 'empty_image_prompt', msgtype: data.msgtype };
  if (image) return { kind: 'image', prompt: image.prompt };
  const called = deps.personas.matchTemplate(data.prompt);
  if (called && called.input === '') return { kind: 'note', note: 'template_without_text', template: called.template };
  if (called) return { kind: 'template', template: called.template.name, question: applyTemplate(called.template, called.input) };
  const unknown = unknownCommand(data.prompt);
  if (unknown) return { kind: 'command', command: 'unknown', argument: unknown };
  return { kind: 'model', question: data.prompt };
}
