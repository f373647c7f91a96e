import OpenAI from 'openai';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadWorkerConfig } from '@dtbot/shared';
import { assertBudgetsPriced, unpricedModels } from './budget-prices.js';
import { PriceTable } from './price-table.js';

const client = (baseURL: string) => new OpenAI({ apiKey: 'k', baseURL });
const openai = { model: undefined, client: client('https://api.openai.com/v1'), images: undefined, chats: true };

function unpricedIn(env: Record<string, string>, providers: Parameters<typeof unpricedModels>[2] = [openai]) {
  const { config } = loadWorkerConfig({ OPENAI_API_KEY: 'k', DINGTALK_APP_KEY: 'dingone', DINGTALK_APP_SECRET: 's', ...env });
  return unpricedModels(config, new PriceTable(config.MODEL_PRICES), providers);
}
const drawing = (model: string) => ({ ...openai, images: { model, client: openai.client } });

describe('unpricedModels and assertBudgetsPriced', () => {
  it('finds nothing to say when every model has a price', () => {
    expect(unpricedIn({ OPENAI_MODEL: 'gpt-4o-mini', BUDGET_DAILY_USD: '5' }, [drawing('gpt-image-1')])).toEqual([]);
    expect(unpricedIn({ OPENAI_MODEL: 'local-llama', MODEL_PRICES: 'local-llama=0.1/0.2', BUDGET_DAILY_USD: '5' })).toEqual([]);
  });

  it('lists unpriced models without a budget, for a warning only', () => {
    const unpriced = unpricedIn({ OPENAI_MODEL: 'local-llama' }, [drawing('dall-e-3')]);
    expect(unpriced).toEqual([
      { model: 'local-llama', kind: 'chat', budget: undefined },
      { model: 'dall-e-3', kind: 'image', budget: undefined },
    ]);
    expect(() => assertBudgetsPriced(unpriced)).not.toThrow();
  });

  it("looks at each provider's own model: a fallback's model needs a price as much as the robot's", () => {
    const fallback = { model: 'qwen-max', client: client('https://dashscope.aliyuncs.com/compatible-mode/v1'), images: undefined, chats: true };
    expect(unpricedIn({ OPENAI_MODEL: 'gpt-4o-mini', BUDGET_DAILY_USD: '5' }, [openai, fallback])).toEqual([
      { model: 'qwen-max', kind: 'chat', budget: 'BUDGET_DAILY_USD' },
    ]);
  });

  it('asks no price of the chat models of a provider that only draws: it is never asked for answers', () => {
    const picturesOnly = { ...drawing('gpt-image-1'), model: 'qwen-max', chats: false };
    expect(unpricedIn({ OPENAI_MODEL: 'gpt-4o-mini', BUDGET_DAILY_USD: '5' }, [openai, picturesOnly])).toEqual([]);
    expect(unpricedIn({ OPENAI_MODEL: 'local-llama' }, [{ ...openai, model: 'gpt-4o-mini' }, { ...picturesOnly, model: undefined }])).toEqual([]);
  });

  it('refuses to start a budget over a model it cannot price, naming the budget, the model and the fix', () => {
    let error: unknown;
    try {
      assertBudgetsPriced(unpricedIn({ OPENAI_MODEL: 'local-llama', BUDGET_DAILY_USD: '5' }, [drawing('dall-e-3')]));
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems).toEqual([
      'BUDGET_DAILY_USD: the model local-llama has no price, so the budget would not count its calls; add it to MODEL_PRICES (local-llama=inputPerMillion/outputPerMillion)',
      'BUDGET_DAILY_USD: the image model dall-e-3 has no price, so the budget would not count its calls; add it to MODEL_PRICES (dall-e-3=pricePerImage/image)',
    ]);
  });
});
