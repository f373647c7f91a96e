import { ConfigError, robotsFromConfig, type WorkerConfig } from '@dtbot/shared';
import type { OpenAIProvider } from '../model/providers/model-provider.js';
import { robotOptionsFor } from '../robot-options.js';
import type { PriceTable } from './price-table.js';

export interface UnpricedModel {
  model: string;
  kind: 'chat' | 'image';
  /** The budget that cannot count this model's calls, named by its setting; undefined when no budget applies. */
  budget: string | undefined;
}

/**
 * The models this deployment may call that no price table knows, on the provider that serves them:
 * each provider's own model, or (for a provider asked for the robot's model) the deployment's and
 * each robot's (not for a provider that only draws); and each provider's image model. A budget over such a model would never be reached
 * by its calls, so `assertBudgetsPriced` refuses to start; without a budget they are only logged.
 */
export function unpricedModels(
  config: WorkerConfig,
  prices: Pick<PriceTable, 'knows'>,
  providers: readonly Pick<OpenAIProvider, 'model' | 'client' | 'images' | 'chats'>[],
): UnpricedModel[] {
  const robots = robotsFromConfig(config);
  const optionsOf = robotOptionsFor(config, robots);
  const deploymentBudget = config.BUDGET_DAILY_USD > 0 ? 'BUDGET_DAILY_USD' : undefined;
  const robotModels = [
    { model: config.OPENAI_MODEL, budget: deploymentBudget },
    ...robots.flatMap(({ robotCode }) => {
      if (!robotCode) return [];
      const options = optionsOf(robotCode);
      const own = (options.budgetDailyUsd ?? 0) > 0 ? `ROBOTS_FILE: ${robotCode}: budgetDailyUsd` : undefined;
      return [{ model: options.model, budget: deploymentBudget ?? own }];
    }),
  ];
  // A provider's own model and its pictures serve every robot, so any budget covers them.
  const anyBudget = robotModels.find(({ budget }) => budget)?.budget;
  const uses = providers.flatMap((provider) => [
    // A picture-only provider is never asked for answers: its chat models cost nothing.
    ...(!provider.chats ? [] : provider.model ? [{ model: provider.model, budget: anyBudget }] : robotModels).map((use) => ({
      ...use,
      kind: 'chat' as const,
      apiUrl: provider.client.baseURL,
    })),
    ...(provider.images ? [{ model: provider.images.model, budget: anyBudget, kind: 'image' as const, apiUrl: provider.images.client.baseURL }] : []),
  ]);
  // One line per model, naming a budget over it if there is one.
  const found = new Map<string, UnpricedModel>();
  for (const { model, kind, budget, apiUrl } of uses) {
    if (prices.knows(model, kind, apiUrl)) continue;
    const key = `${kind}:${model}`;
    if (!found.get(key)?.budget) found.set(key, { model, kind, budget });
  }
  return [...found.values()];
}

/** Stops the start (one message naming each) when a budget is set over a model that has no price. */
export function assertBudgetsPriced(unpriced: readonly UnpricedModel[]): void {
  const problems = unpriced.flatMap(({ model, kind, budget }) =>
    budget
      ? [`${budget}: ${kind === 'chat' ? 'the model' : 'the image model'} ${model} has no price, so the budget would not count its calls; ` +
          `add it to MODEL_PRICES (${kind === 'chat' ? `${model}=inputPerMillion/outputPerMillion` : `${model}=pricePerImage/image`})`]
      : [],
  );
  if (problems.length > 0) throw new ConfigError(problems);
}
