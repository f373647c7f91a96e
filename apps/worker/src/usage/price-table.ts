import { calcPrice, type PriceOptions, type Usage } from '@pydantic/genai-prices';
import type { ModelPrice } from '@dtbot/shared';
import type { ChatTokens } from '../tokens/chat-tokens.js';

/** One call to the images API: how many pictures, and the tokens it reported (gpt-image models do). */
export interface ImageCall {
  images: number;
  tokens?: ChatTokens | undefined;
}

/**
 * Estimated prices in US dollars. `MODEL_PRICES` wins where it names the model (an operator's own
 * contract, a model the table lacks); otherwise pydantic's genai-prices table, which ships inside
 * the package and is never updated over the network here. The table is asked first with the
 * provider's address, which tells a DeepSeek or Azure price from OpenAI's, then by the model's
 * name alone (an address the table does not know, such as a proxy). `undefined` = no price known.
 */
export class PriceTable {
  /** How the table found each provider's model: the options that matched, or `null` when nothing did. */
  private readonly lookups = new Map<string, PriceOptions | null>();

  constructor(private readonly overrides: Readonly<Record<string, ModelPrice>>) {}

  /**
   * What a chat call cost, or `undefined` when no price is known for its model. `apiUrl` is the
   * base URL of the provider that answered, for the table's provider matching.
   */
  chat(model: string, tokens: ChatTokens, apiUrl?: string): number | undefined {
    const own = this.overrides[model];
    if (own?.kind === 'tokens') return perMillion(tokens.input, own.inputPerMillion) + perMillion(tokens.output, own.outputPerMillion);
    return this.fromTable(model, tokens, apiUrl);
  }

  /**
   * What a call to the images API cost: per picture where `MODEL_PRICES` says so, else by the
   * tokens it reported (gpt-image models), priced as a chat call would be.
   */
  image(model: string, call: ImageCall, apiUrl?: string): number | undefined {
    const own = this.overrides[model];
    if (own?.kind === 'image') return call.images * own.perImage;
    return call.tokens ? this.chat(model, call.tokens, apiUrl) : undefined;
  }

  /** Whether a model's calls of this kind can be priced at all (checked at start when a budget is set). */
  knows(model: string, kind: 'chat' | 'image', apiUrl?: string): boolean {
    const own = this.overrides[model];
    if (own) return kind === 'image' || own.kind === 'tokens';
    return this.fromTable(model, { input: 1, output: 1 }, apiUrl) !== undefined;
  }

  private fromTable(model: string, tokens: ChatTokens, apiUrl: string | undefined): number | undefined {
    const usage: Usage = { input_tokens: tokens.input, output_tokens: tokens.output, cache_read_tokens: tokens.cachedInput };
    const key = `${apiUrl ?? ''} ${model}`;
    let options = this.lookups.get(key);
    if (options === undefined) {
      options = [{ providerApiUrl: apiUrl }, {}].find((tried) => calcPrice(usage, model, tried) !== null) ?? null;
      this.lookups.set(key, options);
    }
    if (options === null) return undefined;
    return calcPrice(usage, model, options)?.total_price;
  }
}

const perMillion = (tokens: number, price: number) => (tokens * price) / 1_000_000;
