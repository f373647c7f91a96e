import { describe, expect, it } from 'vitest';
import { PriceTable } from './price-table.js';

const million = { input: 1_000_000, output: 1_000_000 };

describe('PriceTable', () => {
  it('prices OpenAI models from the bundled table, dated names included, with no network', () => {
    const table = new PriceTable({});
    const openai = 'https://api.openai.com/v1';
    expect(table.chat('gpt-4o-mini', million, openai)).toBeCloseTo(0.15 + 0.6, 9);
    expect(table.chat('gpt-4o-mini-2024-07-18', { input: 2000, output: 1000 }, openai)).toBeCloseTo((2000 * 0.15 + 1000 * 0.6) / 1e6, 12);
    // Tokens read from the prompt cache cost less than fresh ones.
    expect(table.chat('gpt-4o-mini', { ...million, cachedInput: 500_000 }, openai)).toBeLessThan(0.75);
  });

  it('tells providers apart by their address, and falls back to the model name for an address it does not know', () => {
    const table = new PriceTable({});
    expect(table.chat('deepseek-chat', million, 'https://api.deepseek.com/v1')).toBeGreaterThan(0);
    expect(table.chat('gpt-4o-mini', million, 'https://my-proxy.example.com/v1')).toBeCloseTo(0.75, 9);
    // One model priced differently by two providers: Azure's address finds Azure's entry.
    expect(table.chat('gpt-4o-mini', million, 'https://contoso.openai.azure.com/openai')).toBeGreaterThan(0);
  });

  it('takes MODEL_PRICES over the table and for models it lacks, per million tokens or per picture', () => {
    const table = new PriceTable(
      {
        'gpt-4o-mini': { kind: 'tokens', inputPerMillion: 0.1, outputPerMillion: 0.2 },
        'qwen-plus': { kind: 'tokens', inputPerMillion: 0.11, outputPerMillion: 0.28 },
        'dall-e-3': { kind: 'image', perImage: 0.04 },
      },
    );
    expect(table.chat('gpt-4o-mini', million)).toBeCloseTo(0.3, 9);
    expect(table.chat('qwen-plus', { input: 10_000, output: 5_000 })).toBeCloseTo((10_000 * 0.11 + 5_000 * 0.28) / 1e6, 12);
    expect(table.image('dall-e-3', { images: 2 })).toBeCloseTo(0.08, 9);
  });

  it('prices a picture by the tokens the images API reported when no per-picture price is set (gpt-image models)', () => {
    const table = new PriceTable({});
    expect(table.image('gpt-image-1', { images: 1, tokens: { input: 50, output: 4160 } })).toBeCloseTo((50 * 5 + 4160 * 40) / 1e6, 9);
    expect(table.image('dall-e-3', { images: 1 })).toBeUndefined();
  });

  it('has no price for a model nobody priced, and says which models it can price', () => {
    const table = new PriceTable({ 'dall-e-3': { kind: 'image', perImage: 0.04 } });
    expect(table.chat('my-local-llama', million)).toBeUndefined();
    expect(table.knows('my-local-llama', 'chat')).toBe(false);
    expect(table.knows('gpt-4o-mini', 'chat')).toBe(true);
    expect(table.knows('dall-e-3', 'image')).toBe(true);
    expect(table.knows('dall-e-3', 'chat')).toBe(false);
  });
});
