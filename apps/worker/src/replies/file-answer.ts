import type { WorkerDeps } from '../deps.js';
import { displayFileName, fileTurn } from '../files/file-turn.js';
import { FileUnreadable } from '../files/file-unreadable.js';
import { loadFileText, type LoadFileDeps } from '../files/load-file-text.js';
import { fileUnreadable } from './canned-replies.js';
import { askModel, type ModelAnswerDeps } from './model-answer.js';
import type { Produced, Reply, ReplyContext } from './reply.js';

export type FileAnswerDeps = ModelAnswerDeps & LoadFileDeps & Pick<WorkerDeps, 'logger' | 'quotas' | 'tokens'> & {
  settings: Pick<WorkerDeps['settings'], 'fileMaxBytes' | 'fileMaxTokens'>;
};

/**
 * A file the user sent or quoted: read (downloaded and its text extracted, each time the model is asked: a retry
 * reads it again), then asked about as the user's turn `[文件] <name>\n<text>` with their words after it; that turn
 * is what memory keeps, so a follow-up question sees the file. A file that cannot be read gets one line naming it
 * and why; the model is not asked, nothing is remembered, and the day's quota is given back.
 */
export async function fileAnswer(deps: FileAnswerDeps, context: ReplyContext, reply: Extract<Reply, { kind: 'file' }>): Promise<Produced> {
  const name = displayFileName(reply.file.fileName);
  let read: Awaited<ReturnType<typeof loadFileText>>;
  try {
    read = await loadFileText(deps, context.data, reply.file);
  } catch (error) {
    if (!(error instanceof FileUnreadable)) throw error;
    context.started();
    deps.logger.info({ msgId: context.data.msgId, jobId: context.jobId, reason: error.reason, detail: error.message }, 'a file could not be read; told the user');
    await deps.quotas
      .refund(context.jobId, context.data)
      .catch((refusal: unknown) => deps.logger.warn({ jobId: context.jobId, err: refusal }, 'quota could not be given back'));
    return { text: fileUnreadable(name, error.reason, deps.settings.fileMaxBytes), asked: undefined };
  }
  const asked = fileTurn(deps.tokens, { fileName: reply.file.fileName, ...read }, deps.settings.fileMaxTokens, reply.question);
  return { text: await askModel(deps, context, asked), asked };
}
