import type OpenAI from 'openai';
import { BotError } from '@dtbot/shared';
import type { WorkerDeps } from '../deps.js';
import { callUnderLimit } from './call-under-limit.js';

/** What the images API gave: the picture itself, or where the provider keeps it. */
export type GeneratedImage = { kind: 'bytes'; bytes: Buffer } | { kind: 'url'; url: string };

/**
 * One picture from the images API (`OPENAI_IMAGE_MODEL`), under the same global rate limit as the
 * chat model: it counts as one request. DALL·E models are asked for base64 when the picture can
 * be uploaded to DingTalk, for a URL otherwise; gpt-image models always answer base64 (and refuse
 * `response_format`); other providers answer as they do.
 */
export async function generateImage(
  deps: Pick<WorkerDeps, 'imageClient' | 'limiter' | 'metrics' | 'settings'>,
  prompt: string,
  options: { canUpload: boolean; onSent?: () => void },
): Promise<GeneratedImage> {
  const { imageModel, imageSize } = deps.settings;
  if (!imageModel) throw new BotError('fatal', 'no image model is configured');
  const request: OpenAI.Images.ImageGenerateParamsNonStreaming = {
    model: imageModel,
    prompt,
    n: 1,
    ...(imageSize ? { size: imageSize } : {}),
    ...(/^dall-e/i.test(imageModel) ? { response_format: options.canUpload ? 'b64_json' : 'url' } : {}),
  };
  // An image costs no tokens of the chat model's minute, only a request.
  const { result: response } = await callUnderLimit(deps, 0, () => deps.imageClient.images.generate(request), options.onSent);

  const image = response.data?.[0];
  if (image?.b64_json) return { kind: 'bytes', bytes: Buffer.from(image.b64_json, 'base64') };
  if (image?.url && /^https?:\/\//i.test(image.url)) return { kind: 'url', url: image.url };
  throw new BotError('retryable', 'the images API answered without an image');
}

/** The type of a picture by its first bytes (the API does not say): PNG unless JPEG or WebP. */
export function imageFileOf(bytes: Buffer): { contentType: string; filename: string } {
  if (bytes[0] === 0xff && bytes[1] === 0xd8) return { contentType: 'image/jpeg', filename: 'image.jpg' };
  if (bytes.subarray(0, 4).toString('latin1') === 'RIFF' && bytes.subarray(8, 12).toString('latin1') === 'WEBP') {
    return { contentType: 'image/webp', filename: 'image.webp' };
  }
  return { contentType: 'image/png', filename: 'image.png' };
}
