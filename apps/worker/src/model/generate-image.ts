import type OpenAI from 'openai';
import type { WorkerDeps } from '../deps.js';
import { callProvider, type CallProviderDeps } from './providers/call-provider.js';
import type { ChatTokens } from '../tokens/chat-tokens.js';
import { WorkerFailure } from '../failures/worker-failure.js';
import { reportedUsage } from './reported-usage.js';

/** What the images API gave: the picture itself, or where the provider keeps it. */
export type GeneratedImage = { kind: 'bytes'; bytes: Buffer } | { kind: 'url'; url: string };

/** A picture, the model that drew it and where, and the tokens the images API says it used (gpt-image models do; DALL·E does not). */
export interface Generated {
  image: GeneratedImage;
  model: string;
  /** The base URL of the provider that drew it (it tells one provider's price of a model from another's). */
  apiUrl: string;
  tokens: ChatTokens | undefined;
}

/**
 * The size pictures are asked at: none, so each model draws at its own default (gpt-image-1 `auto`, DALL·E 3
 * 1024x1024). A fixed size would be refused by the models that do not offer it.
 */
export const IMAGE_SIZE: OpenAI.Images.ImageGenerateParams['size'] = undefined;

export type GenerateImageDeps = CallProviderDeps & Pick<WorkerDeps, 'settings'>;

/**
 * One picture from the images API of a provider that draws (a `PROVIDERS_FILE` entry's image model),
 * under that provider's rate limit: it counts as one request. DALL·E models are asked
 * for base64 when the picture can be uploaded to DingTalk, for a URL otherwise; gpt-image models
 * always answer base64 (and refuse `response_format`); other providers answer as they do.
 */
export async function generateImage(
  deps: GenerateImageDeps,
  prompt: string,
  options: { canUpload: boolean; onSent?: () => void },
): Promise<Generated> {
  if (!deps.settings.draws) throw new WorkerFailure('no_image_model', 'no provider draws pictures');
  const requestFor = (imageModel: string): OpenAI.Images.ImageGenerateParamsNonStreaming => ({
    model: imageModel,
    prompt,
    n: 1,
    ...(IMAGE_SIZE ? { size: IMAGE_SIZE } : {}),
    ...(/^dall-e/i.test(imageModel) ? { response_format: options.canUpload ? 'b64_json' : 'url' } : {}),
  });
  // An image costs no tokens of the chat model's minute, only a request.
  const { result: response, provider } = await callProvider(
    deps,
    'images',
    0,
    ({ images }) => images.client.images.generate(requestFor(images.model)),
    { onSent: options.onSent },
  );

  // The provider that answered serves pictures: it was chosen for it.
  const images = provider.images!;
  const drawn = {
    model: images.model,
    apiUrl: images.client.baseURL,
    tokens: response.usage && reportedUsage(response.usage.input_tokens, response.usage.output_tokens)?.tokens,
  };
  const image = response.data?.[0];
  if (image?.b64_json) return { image: { kind: 'bytes', bytes: Buffer.from(image.b64_json, 'base64') }, ...drawn };
  if (image?.url && /^https?:\/\//i.test(image.url)) return { image: { kind: 'url', url: image.url }, ...drawn };
  throw new WorkerFailure('model_no_image', 'the images API answered without an image');
}

/** The type of a picture by its first bytes (the API does not say): PNG unless JPEG or WebP. */
export function imageFileOf(bytes: Buffer): { contentType: string; filename: string } {
  if (bytes[0] === 0xff && bytes[1] === 0xd8) return { contentType: 'image/jpeg', filename: 'image.jpg' };
  if (bytes.subarray(0, 4).toString('latin1') === 'RIFF' && bytes.subarray(8, 12).toString('latin1') === 'WEBP') {
    return { contentType: 'image/webp', filename: 'image.webp' };
  }
  return { contentType: 'image/png', filename: 'image.png' };
}
