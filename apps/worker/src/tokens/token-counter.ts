import { createRequire } from 'node:module';
import { DEFAULT_ENCODING, modelToEncodingMap, type EncodingName } from 'gpt-tokenizer/mapping';
import * as knownModels from 'gpt-tokenizer/models';
import { estimateTokens } from './estimate-tokens.js';

/**
 * Counts tokens the way the configured model does: with its real tokenizer for OpenAI models
 * (gpt-tokenizer's encodings), with `estimateTokens` for everything else. One counter serves the
 * memory's token budget and the rate limiter's estimate before a call, so both agree.
 */
export interface TokenCounter {
  /** The OpenAI encoding used, or `estimate` for a model whose tokenizer is unknown. */
  readonly method: EncodingName | 'estimate';
  /** What one chat message with this text costs, its framing included. */
  message(text: string): number;
}

/** Every chat message costs a few tokens besides its text: role and separators (OpenAI's cookbook counts 3 + 1). */
export const MESSAGE_FRAMING_TOKENS = 4;
/** Every request primes the assistant's reply with 3 more. */
export const REPLY_PRIMING_TOKENS = 3;

type Encoding = { countTokens(text: string, options: { disallowedSpecial: Set<string> }) : number };

// Each encoding's ranks are megabytes of JavaScript (o200k_base: 2.4 MB of source, about 70 MB of
// memory once loaded, 150 ms to load), so only the one the model needs is loaded, synchronously at
// start-up through `require`: the worker builds its dependencies synchronously, before it takes jobs.
const require = createRequire(import.meta.url);
const ENCODINGS: Record<EncodingName, () => Encoding> = {
  o200k_base: () => require('gpt-tokenizer/encoding/o200k_base') as Encoding,
  o200k_harmony: () => require('gpt-tokenizer/encoding/o200k_harmony') as Encoding,
  cl100k_base: () => require('gpt-tokenizer/encoding/cl100k_base') as Encoding,
  p50k_base: () => require('gpt-tokenizer/encoding/p50k_base') as Encoding,
  p50k_edit: () => require('gpt-tokenizer/encoding/p50k_edit') as Encoding,
  r50k_base: () => require('gpt-tokenizer/encoding/r50k_base') as Encoding,
  gpt2: () => require('gpt-tokenizer/encoding/gpt2') as Encoding,
};

// A user may type `<|endoftext|>`; it is text to count, not a special token (which would throw).
const AS_PLAIN_TEXT = { disallowedSpecial: new Set<string>() };

/**
 * The encoding of an OpenAI model: from gpt-tokenizer's catalog, else by family for the dated and
 * newer names the catalog does not list yet (Azure writes `gpt-35-turbo`; OpenRouter prefixes
 * `openai/`). Any other model gets `undefined`: its tokenizer is not OpenAI's.
 */
export function encodingForModel(model: string): EncodingName | undefined {
  const name = model.trim().toLowerCase().replace(/^openai\//, '');
  const mapped = (modelToEncodingMap as Record<string, EncodingName | undefined>)[name];
  if (mapped) return mapped;
  if (Object.hasOwn(knownModels, name)) return DEFAULT_ENCODING;
  if (/^gpt-oss/.test(name)) return 'o200k_harmony';
  if (/^(gpt-3\.5|gpt-35|gpt-4-|gpt-4$)/.test(name)) return 'cl100k_base';
  if (/^(gpt-|chatgpt-|o\d)/.test(name)) return DEFAULT_ENCODING;
  return undefined;
}

export function createTokenCounter(model: string): TokenCounter {
  const encodingName = encodingForModel(model);
  if (!encodingName) {
    return { method: 'estimate', message: (text) => estimateTokens(text) + MESSAGE_FRAMING_TOKENS };
  }
  const encoding = ENCODINGS[encodingName]();
  return {
    method: encodingName,
    message: (text) => encoding.countTokens(text, AS_PLAIN_TEXT) + MESSAGE_FRAMING_TOKENS,
  };
}
