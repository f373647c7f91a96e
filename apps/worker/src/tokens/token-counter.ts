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
  /** The longest start of `text` that is at most `maxTokens` tokens of text (framing not counted); `text` when it fits. */
  cut(text: string, maxTokens: number): string;
}

/** Every chat message costs a few tokens besides its text: role and separators (OpenAI's cookbook counts 3 + 1). */
export const MESSAGE_FRAMING_TOKENS = 4;
/** Every request primes the assistant's reply with 3 more. */
export const REPLY_PRIMING_TOKENS = 3;

type Encoding = {
  countTokens(text: string, options: { disallowedSpecial: Set<string> }): number;
};

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
    return { method: 'estimate', message: (text) => estimateTokens(text) + MESSAGE_FRAMING_TOKENS, cut: cutByEstimate };
  }
  const encoding = ENCODINGS[encodingName]();
  const count = (text: string) => segmentsOf(text).reduce((sum, segment) => sum + encoding.countTokens(segment, AS_PLAIN_TEXT), 0);
  return {
    method: encodingName,
    message: (text) => count(text) + MESSAGE_FRAMING_TOKENS,
    cut: (text, maxTokens) => {
      const tokensOf = (part: string) => encoding.countTokens(part, AS_PLAIN_TEXT);
      let used = 0;
      let kept = '';
      for (const segment of segmentsOf(text)) {
        const tokens = tokensOf(segment);
        if (used + tokens <= maxTokens) {
          kept += segment;
          used += tokens;
          continue;
        }
        return kept + longestStartWithin(segment, maxTokens - used, tokensOf);
      }
      return text;
    },
  };
}

/**
 * The longest start of `segment`, in whole characters, of at most `budget` tokens: a binary search on the count
 * (not a decode of the first tokens: gpt-tokenizer's decoder carries half a character from one call to the next).
 */
function longestStartWithin(segment: string, budget: number, tokensOf: (part: string) => number): string {
  const chars = [...segment];
  let fits = 0;
  let over = chars.length;
  while (over - fits > 1) {
    const middle = Math.floor((fits + over) / 2);
    if (tokensOf(chars.slice(0, middle).join('')) <= budget) fits = middle;
    else over = middle;
  }
  return chars.slice(0, fits).join('');
}

/** Longest run of spaces, or of other characters, the tokenizer is given whole. */
const MAX_RUN = 64;
/** A segment ends before the first space after this many characters: a cut searches within one segment. */
const SEGMENT_CHARS = 512;

/**
 * The text in segments the tokenizer handles quickly. BPE is quadratic in the length of a word, and a run without
 * spaces or punctuation (Chinese without punctuation, a base64 blob, one character repeated), or of spaces alone,
 * is one word: 48,000 CJK characters take o200k_base 47 s whole, milliseconds in runs of 64, so a longer run is
 * counted in pieces of 64 (within a token or so per piece of the count of the whole). Other text is cut before a
 * space once a segment has 512 characters, where the tokenizer's own pre-split nearly always puts a word boundary
 * anyway: 35,000 tokens of mixed prose count 0.15% more in segments than whole. `cut` then searches one short segment.
 *
 * Each boundary depends only on the text before it and the piece that starts there, so a text's start is cut into
 * the same segments as the text (its last one shorter): what `cut` keeps counts, in `message`, as `cut` counted it.
 */
function segmentsOf(text: string): string[] {
  const segments: string[] = [];
  let current = '';
  let last: { space: boolean; full: boolean } | undefined;
  for (const piece of text.match(/\s{1,64}|\S{1,64}/gu) ?? []) {
    const space = /^\s/u.test(piece);
    const runGoesOn = last?.full === true && last.space === space;
    if (current !== '' && (runGoesOn || (space && current.length >= SEGMENT_CHARS))) {
      segments.push(current);
      current = '';
    }
    current += piece;
    last = { space, full: [...piece].length === MAX_RUN };
  }
  if (current !== '') segments.push(current);
  return segments;
}

/** `cut` for models without a known tokenizer: characters taken while `estimateTokens` stays within the bound. */
function cutByEstimate(text: string, maxTokens: number): string {
  if (estimateTokens(text) <= maxTokens) return text;
  let cjk = 0;
  let other = 0;
  let end = 0;
  for (const char of text) {
    const code = char.codePointAt(0) ?? 0;
    // As estimateTokens counts: a CJK character is one token, its other UTF-16 unit (if astral) counts as other text.
    if (code >= 0x2e80) {
      cjk += 1;
      other += char.length - 1;
    } else other += char.length;
    if (cjk + Math.ceil(other / 4) > maxTokens) break;
    end += char.length;
  }
  return text.slice(0, end);
}
