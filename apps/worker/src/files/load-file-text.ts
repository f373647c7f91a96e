import type { MessageFile, MessageJob } from '@dtbot/shared';
import type { WorkerDeps } from '../deps.js';
import { downloadAttachment, DownloadCodeRefused } from '../attachments/download-attachment.js';
import { WorkerFailure } from '../failures/worker-failure.js';
import type { ExtractedText } from './extract-file-text.js';
import { fileKindOf } from './file-kind.js';
import { FileUnreadable } from './file-unreadable.js';

export type LoadFileDeps = Pick<WorkerDeps, 'dingtalk' | 'robotApp' | 'pictureBudget' | 'fileReader'> & {
  settings: Pick<WorkerDeps['settings'], 'fileMaxBytes'>;
};

/**
 * The text of a file a user sent or quoted: a kind we read (by its name, before anything is downloaded),
 * downloaded with the robot's own app up to `FILE_MAX_BYTES` (its bytes held from the process' download budget,
 * which pictures share, until its text is read), then read in the file reader's thread. Throws `FileUnreadable`
 * saying why not; a network or storage failure is the job's to retry.
 */
export async function loadFileText(deps: LoadFileDeps, data: Pick<MessageJob, 'robotCode'>, file: MessageFile): Promise<ExtractedText> {
  if (!fileKindOf(file.fileName)) throw new FileUnreadable('unsupported');
  const app = deps.robotApp(data.robotCode);
  // readMessage reads files only for a robot with an app to download them with.
  if (!app) throw new WorkerFailure('no_app_credentials', 'no AppKey/AppSecret is set for this robot to download files with');
  const cap = Math.min(deps.settings.fileMaxBytes, deps.pictureBudget.capacity);
  const held = await deps.pictureBudget.reserve(cap);
  try {
    const downloaded = await downloadAttachment(deps, app, data.robotCode, file.downloadCode, cap).catch((error: unknown) => {
      throw error instanceof DownloadCodeRefused ? new FileUnreadable('expired') : error;
    });
    if ('tooLarge' in downloaded) throw new FileUnreadable('too_large');
    held.shrinkTo(downloaded.bytes.length);
    return await deps.fileReader.read(downloaded.bytes, file.fileName);
  } finally {
    held.release();
  }
}
