import type { WorkerDeps } from '../deps.js';
import { displayFileName, fileTurn } from '../files/file-turn.js';
import { FileUnreadable } from '../files/file-unreadable.js';
import { loadFileText, type LoadFileDeps } from '../files/load-file-text.js';
import { fileUnreadable, SENSITIVE_QUESTION } from './canned-replies.js';
import { echoUserText } from './echo-user-text.js';
import { askModel, type ModelAnswerDeps } from './model-answer.js';
import type { Produced, Reply, ReplyContext } from './reply.js';

export type FileAnswerDeps = ModelAnswerDeps & LoadFileDeps & Pick<WorkerDeps, 'logger' | 'quotas' | 'tokens'> & {
  settings: Pick<WorkerDeps['settings'], 'fileMaxBytes' | 'fileMaxTokens'>;
};

/**
 * A file the user sent or quoted: read (downloaded and its text extracted, each time the model is asked: a retry
 * reads it again), then asked about as the user's turn `[文件] <name>\n<text>` with their words after it; that turn
 * is what memory keeps, so a follow-up question sees the file. A file that cannot be read gets one line naming it
 * and why; the model is not asked, nothing is remembered, and the day's quota is given back. So does a file whose
 * text holds a sensitive word: what reaches the model is checked, and a file must not be a way around the check.
 */
export async function fileAnswer(deps: FileAnswerDeps, context: ReplyContext, reply: Extract<Reply, { kind: 'file' }>): Promise<Produced> {
  let read: Awaited<ReturnType<typeof loadFileText>>;
  try {
    read = await loadFileText(deps, context.data, reply.file);
  } catch (error) {
    if (!(error instanceof FileUnreadable)) throw error;
    deps.logger.info({ msgId: context.data.msgId, jobId: context.jobId, reason: error.reason, detail: error.message }, 'a file could not be read; told the user');
    const name = echoUserText(displayFileName(reply.file.fileName), deps.sensitiveWords);
    return notAsked(deps, context, fileUnreadable(name, error.reason, deps.settings.fileMaxBytes));
  }
  const asked = fileTurn(deps.tokens, { fileName: reply.file.fileName, ...read }, deps.settings.fileMaxTokens, reply.question);
  if (deps.sensitiveWords.contains(asked)) {
    deps.logger.info({ msgId: context.data.msgId, jobId: context.jobId }, 'refused: the file contains a sensitive word');
    return notAsked(deps, context, SENSITIVE_QUESTION);
  }
  return { text: await askModel(deps, context, asked), asked };
}

/** A reply without the model: nothing to remember, and the question it was counted as given back. */
async function notAsked(deps: Pick<FileAnswerDeps, 'quotas' | 'logger'>, context: ReplyContext, text: string): Promise<Produced> {
  context.started();
  await deps.quotas
    .refund(context.jobId, context.data)
    .catch((error: unknown) => deps.logger.warn({ jobId: context.jobId, err: error }, 'quota could not be given back'));
  return { text, asked: undefined };
}
