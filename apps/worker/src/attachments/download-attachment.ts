import type { WorkerDeps } from '../deps.js';
import type { DownloadedFile, RobotApp } from '../dingtalk/dingtalk-client.js';
import { DingTalkError } from '../dingtalk/dingtalk-error.js';

/** DingTalk no longer knows the download code (unknown or expired): asking again will not help. */
export class DownloadCodeRefused extends Error {
  override readonly name = 'DownloadCodeRefused';

  constructor(options?: { cause?: unknown }) {
    super('DingTalk refused the download code', options);
  }
}

/**
 * An attachment of a message (a picture, a file), by its download code, with the robot's own app: allowed
 * origins only, redirects checked hop by hop, at most `limit` bytes (`DingTalkClient.downloadMessageFile`).
 * A code DingTalk refuses is a `DownloadCodeRefused`; a network or storage failure is the job's to retry.
 */
export async function downloadAttachment(
  deps: Pick<WorkerDeps, 'dingtalk'>,
  app: RobotApp,
  robotCode: string,
  code: string,
  limit: number,
): Promise<DownloadedFile> {
  try {
    return await deps.dingtalk.downloadMessageFile(app, robotCode, code, limit);
  } catch (error) {
    if (refusedDownloadCode(error)) throw new DownloadCodeRefused({ cause: error });
    throw error;
  }
}

/** DingTalk refused the code itself (HTTP 400: unknown or expired). */
function refusedDownloadCode(error: unknown): boolean {
  return error instanceof DingTalkError && error.answer.api === 'openapi' && error.answer.status === 400;
}
