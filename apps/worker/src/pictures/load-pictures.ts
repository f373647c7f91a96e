import { BotError, type MessageJob } from '@dtbot/shared';
import type { WorkerDeps } from '../deps.js';
import { DingTalkError } from '../dingtalk/dingtalk-error.js';
import { imageTypeOf } from './image-type.js';

/** A picture a user sent that cannot be given to the model; the user is told why, nothing is retried. */
export class PictureUnusable extends Error {
  override readonly name = 'PictureUnusable';

  constructor(readonly reason: 'too_large' | 'not_an_image' | 'expired') {
    super(`picture not usable: ${reason}`);
  }
}

/**
 * The pictures of a message as data URLs a vision model reads: each downloaded with the robot's own
 * app (`downloadMessageFile`: allowed origins, bounded size), its type read from its bytes. A picture
 * too large, not an image, or whose download code DingTalk no longer knows is a `PictureUnusable`;
 * a network or storage failure is the job's to retry.
 */
export async function loadPictures(
  deps: Pick<WorkerDeps, 'dingtalk' | 'robotApp'>,
  data: Pick<MessageJob, 'robotCode'>,
  downloadCodes: readonly string[],
): Promise<string[]> {
  const app = deps.robotApp(data.robotCode);
  // readMessage sends pictures to the model only for a robot with an app to download them with.
  if (!app) throw new BotError('fatal', 'no AppKey/AppSecret is set for this robot to download pictures with');
  return Promise.all(
    downloadCodes.map(async (code) => {
      let file: Awaited<ReturnType<WorkerDeps['dingtalk']['downloadMessageFile']>>;
      try {
        file = await deps.dingtalk.downloadMessageFile(app, data.robotCode, code);
      } catch (error) {
        if (refusedDownloadCode(error)) throw new PictureUnusable('expired');
        throw error;
      }
      if ('tooLarge' in file) throw new PictureUnusable('too_large');
      const type = imageTypeOf(file.bytes);
      if (!type) throw new PictureUnusable('not_an_image');
      return `data:${type};base64,${file.bytes.toString('base64')}`;
    }),
  );
}

/** DingTalk refused the code itself (HTTP 400: unknown or expired): asking again will not help. */
function refusedDownloadCode(error: unknown): boolean {
  return error instanceof BotError && error.cause instanceof DingTalkError && error.cause.answer.api === 'openapi' && error.cause.answer.status === 400;
}
