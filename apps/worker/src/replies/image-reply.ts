import type { WorkerDeps } from '../deps.js';
import { generateImage, imageFileOf, type GeneratedImage, type GenerateImageDeps } from '../model/generate-image.js';
import { recordSpend, type RecordSpendDeps } from '../usage/record-spend.js';
import type { Reply, ReplyContext } from './reply.js';
import { WorkerFailure } from '../failures/worker-failure.js';

const ANSWER_TTL_SECONDS = 86_400;
/** A generated picture waits this long for its upload; past it, a retry draws a new one. */
const IMAGE_TTL_SECONDS = 3600;

export type ImageReplyDeps = GenerateImageDeps & RecordSpendDeps & Pick<WorkerDeps, 'redis' | 'keys' | 'dingtalk' | 'robotApp'>;

/**
 * A generated picture as a markdown image. Pictures that arrive as bytes are uploaded to DingTalk's
 * media store and shown by their `media_id` (chat clients may not reach the provider's hosts);
 * one that arrives as a URL is shown by its URL. The picture is kept until it is uploaded and the
 * reply per job, so a retried job (a failed upload or delivery) pays for no second picture; the
 * picture's cost is recorded before it is kept.
 */
export async function imageReply(
  deps: ImageReplyDeps,
  context: ReplyContext,
  reply: Extract<Reply, { kind: 'image' }>,
): Promise<string> {
  const answerKey = deps.keys.answer(context.jobId);
  const cached = await deps.redis.get(answerKey);
  if (cached) return cached;

  const app = deps.robotApp(context.data.robotCode);
  const imageKey = deps.keys.generatedImage(context.jobId);
  const kept = await deps.redis.getBuffer(imageKey);
  let image: GeneratedImage;
  if (kept) image = { kind: 'bytes', bytes: kept };
  else {
    const generated = await generateImage(deps, reply.prompt, { canUpload: app !== undefined, onSent: context.started });
    image = generated.image;
    await recordSpend(deps, context.jobId, context.data, { kind: 'image', model: generated.model, apiUrl: generated.apiUrl, images: 1, tokens: generated.tokens });
    if (image.kind === 'bytes') await deps.redis.set(imageKey, image.bytes, 'EX', IMAGE_TTL_SECONDS);
  }

  let source: string;
  if (image.kind === 'url') source = image.url;
  else {
    if (!app) throw new WorkerFailure('no_app_credentials', 'the picture came as bytes, and uploading it to DingTalk needs the robot\'s AppKey/AppSecret');
    source = await deps.dingtalk.uploadMedia(app, 'image', { bytes: image.bytes, ...imageFileOf(image.bytes) });
  }
  // Markdown ends a link target at a space or a parenthesis.
  const text = `![](${source.replace(/[\s()]/g, (character) => encodeURIComponent(character))})`;
  await deps.redis.set(answerKey, text, 'EX', ANSWER_TTL_SECONDS);
  await deps.redis.del(imageKey);
  return text;
}
