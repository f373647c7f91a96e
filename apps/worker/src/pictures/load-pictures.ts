import type { MessageJob } from '@dtbot/shared';
import type { WorkerDeps, WorkerSettings } from '../deps.js';
import type { DownloadedFile, RobotApp } from '../dingtalk/dingtalk-client.js';
import { downloadAttachment, DownloadCodeRefused } from '../attachments/download-attachment.js';
import { imageTypeOf } from './image-type.js';
import type { PictureReservation } from './picture-budget.js';
import { WorkerFailure } from '../failures/worker-failure.js';

/** A picture a user sent that cannot be given to the model; the user is told why, nothing is retried. */
export class PictureUnusable extends Error {
  override readonly name = 'PictureUnusable';

  constructor(readonly reason: 'too_large' | 'not_an_image' | 'expired') {
    super(`picture not usable: ${reason}`);
  }
}

/** The pictures of a question as the model reads them, and the bytes they hold until it has answered. */
export interface LoadedPictures {
  /** Data URLs, in the order sent. */
  urls: string[];
  /** Pictures not read because the question's pictures together would pass `pictureBytesPerQuestion`. */
  overTotal: number;
  /** Held from the process' picture budget; released by the caller once the model has answered. */
  held: PictureReservation;
}

/** The largest one picture may be: the configured download cap, and never more than a question may bring. */
export function pictureCap(settings: Pick<WorkerSettings, 'pictureMaxBytes' | 'pictureBytesPerQuestion'>): number {
  return Math.min(settings.pictureMaxBytes, settings.pictureBytesPerQuestion);
}

export type LoadPicturesDeps = Pick<WorkerDeps, 'dingtalk' | 'robotApp' | 'pictureBudget' | 'settings'>;

/**
 * The pictures of a message as data URLs a vision model reads: each downloaded with the robot's own
 * app (`downloadMessageFile`: allowed origins, bounded size), its type read from its bytes. A picture
 * too large, not an image, or whose download code DingTalk no longer knows is a `PictureUnusable`;
 * a network or storage failure is the job's to retry.
 *
 * What a question may bring is reserved from the process' picture budget before the first download (waiting
 * for room), and shrunk to what was downloaded. The pictures are downloaded one after the other, each bounded by
 * what is left of the question's share, so a picture that would pass it is not read (`overTotal`) instead.
 */
export async function loadPictures(
  deps: LoadPicturesDeps,
  data: Pick<MessageJob, 'robotCode'>,
  downloadCodes: readonly string[],
): Promise<LoadedPictures> {
  const app = deps.robotApp(data.robotCode);
  // readMessage sends pictures to the model only for a robot with an app to download them with.
  if (!app) throw new WorkerFailure('no_app_credentials', 'no AppKey/AppSecret is set for this robot to download pictures with');
  const share = deps.settings.pictureBytesPerQuestion;
  const cap = pictureCap(deps.settings);
  const held = await deps.pictureBudget.reserve(share);
  try {
    const urls: string[] = [];
    let used = 0;
    let overTotal = 0;
    for (const code of downloadCodes) {
      const limit = Math.min(cap, share - used);
      const file = limit > 0 ? await download(deps, app, data.robotCode, code, limit) : ({ tooLarge: true } as const);
      if ('tooLarge' in file) {
        // Over the cap on its own: the user is told; over only what is left of the share: skipped, and said so.
        if (limit === cap) throw new PictureUnusable('too_large');
        overTotal += 1;
        continue;
      }
      const type = imageTypeOf(file.bytes);
      if (!type) throw new PictureUnusable('not_an_image');
      used += file.bytes.length;
      urls.push(`data:${type};base64,${file.bytes.toString('base64')}`);
    }
    held.shrinkTo(used);
    return { urls, overTotal, held };
  } catch (error) {
    held.release();
    throw error;
  }
}

async function download(deps: Pick<WorkerDeps, 'dingtalk'>, app: RobotApp, robotCode: string, code: string, limit: number): Promise<DownloadedFile> {
  try {
    return await downloadAttachment(deps, app, robotCode, code, limit);
  } catch (error) {
    if (error instanceof DownloadCodeRefused) throw new PictureUnusable('expired');
    throw error;
  }
}
