import { randomBytes } from 'node:crypto';
import { estimateTokens } from './openai-completion-body.js';

/** A 2×2 PNG: what the fake "draws" for every prompt, small enough to compare byte for byte. */
export const FAKE_PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAIAAAACCAIAAAD91JpzAAAAEklEQVR4nGP4zwAE/0Ho/38GAB7vBPzpVsU+AAAAAElFTkSuQmCC',
  'base64',
);

/** The part of an images.generate request the fake reads; everything else is kept as sent. */
export interface ImageGenerationRequest {
  model?: string;
  prompt?: string;
  n?: number;
  size?: string;
  response_format?: string;
  [key: string]: unknown;
}

export type ImageFormat = 'url' | 'b64_json';

/**
 * How OpenAI returns an image: gpt-image models always as base64 (and refuse `response_format`),
 * DALL·E as a URL unless asked for base64.
 */
export function imageFormatFor(body: ImageGenerationRequest): ImageFormat {
  if (body.response_format === 'url' || body.response_format === 'b64_json') return body.response_format;
  return (body.model ?? '').startsWith('dall-e') ? 'url' : 'b64_json';
}

/** gpt-image models answer `response_format` with 400 `unknown_parameter`. */
export function refusesResponseFormat(body: ImageGenerationRequest): boolean {
  return (body.model ?? '').startsWith('gpt-image') && body.response_format !== undefined;
}

/** What a gpt-image model charges for one picture at the default size and quality: OpenAI's image output tokens. */
export const IMAGE_OUTPUT_TOKENS = 4160;

/**
 * `{ created, data: [...] }`, one image per `n`; a URL image is kept under a new id by `store`.
 * gpt-image models also report their token usage (`usage`), as OpenAI's do; DALL·E does not.
 */
export function imagesResponse(body: ImageGenerationRequest, format: ImageFormat, urlOf: (id: string) => string) {
  const count = Math.max(1, Math.min(10, Number(body.n ?? 1)));
  const data = Array.from({ length: count }, () =>
    format === 'b64_json'
      ? { b64_json: FAKE_PNG.toString('base64') }
      : { url: urlOf(randomBytes(8).toString('hex')), revised_prompt: body.prompt },
  );
  const response = { created: Math.floor(Date.now() / 1000), data };
  if (!(body.model ?? '').startsWith('gpt-image')) return response;
  const input = estimateTokens(body.prompt ?? '');
  const output = IMAGE_OUTPUT_TOKENS * count;
  return {
    ...response,
    usage: {
      input_tokens: input,
      input_tokens_details: { text_tokens: input, image_tokens: 0 },
      output_tokens: output,
      total_tokens: input + output,
    },
  };
}
