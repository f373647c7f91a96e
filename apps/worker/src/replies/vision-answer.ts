import type { WorkerDeps } from '../deps.js';
import { loadPictures, pictureCap, PictureUnusable, type LoadedPictures, type LoadPicturesDeps } from '../pictures/load-pictures.js';
import { pictureUnusable, picturesOverTotalNotice, picturesSkippedNotice } from './canned-replies.js';
import { askModel, type ModelAnswerDeps } from './model-answer.js';
import type { Reply, ReplyContext } from './reply.js';

export type VisionAnswerDeps = ModelAnswerDeps & LoadPicturesDeps & Pick<WorkerDeps, 'logger' | 'settings'>;

/**
 * A question with pictures, asked of a robot whose model reads them: the pictures are downloaded
 * when the model is asked (not again for a retry that finds the answer made). A picture that cannot
 * be read (too large, not an image, its code expired) gets a note saying why instead of an answer.
 * The pictures' bytes are held from the process' picture budget until the model has answered.
 */
export async function visionAnswer(deps: VisionAnswerDeps, context: ReplyContext, reply: Extract<Reply, { kind: 'vision' }>): Promise<string> {
  let answer: string;
  let loaded: LoadedPictures | undefined;
  try {
    answer = await askModel(deps, context, reply.question, async () => {
      loaded = await loadPictures(deps, context.data, reply.pictures);
      return loaded.urls;
    });
  } catch (error) {
    if (!(error instanceof PictureUnusable)) throw error;
    context.started();
    deps.logger.info({ msgId: context.data.msgId, jobId: context.jobId, reason: error.reason }, 'a picture could not be read; told the user');
    return pictureUnusable(error.reason, pictureCap(deps.settings));
  } finally {
    loaded?.held.release();
  }
  const notices = [
    ...(loaded?.overTotal ? [picturesOverTotalNotice(loaded.overTotal, deps.settings.pictureBytesPerQuestion)] : []),
    ...(reply.picturesSkipped ? [picturesSkippedNotice(reply.pictures.length, reply.picturesSkipped)] : []),
  ];
  return [answer, ...notices].join('\n\n');
}
