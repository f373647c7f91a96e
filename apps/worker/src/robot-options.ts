import type { Robot, RobotOptions, WorkerConfig } from '@dtbot/shared';
import { MEMORY_MAX_TOKENS } from './memory/conversation-memory.js';
import { CARD_CALLBACK_ROUTE_KEY, CARD_CONTENT_KEY } from './delivery/card/card-requests.js';

/**
 * A robot's options as the worker uses them: what `ROBOTS_FILE` lists for it, the deployment's
 * settings for the rest. `deps.robotOptions(robotCode)` is the one place a step reads them.
 */
export interface WorkerRobotOptions extends RobotOptions {
  /** Model name (`OPENAI_MODEL`). */
  model: string;
  /** Whether pictures users send reach the model (`OPENAI_VISION`). */
  vision: boolean;
  /** Token budget of a thread's remembered turns (`MEMORY_MAX_TOKENS`). */
  memoryMaxTokens: number;
  /** The card template's markdown variable the answer streams into (`CARD_CONTENT_KEY`). */
  cardContentKey: string;
}

/** The model a robot's answers are asked of, and its sampling settings. */
export type ModelChoice = Pick<WorkerRobotOptions, 'model' | 'maxTokens' | 'temperature'>;

/**
 * Each robot's options, resolved once. A message of a robot the list lacks (one known only by its
 * secret, whose code came with the message) gets the deployment's, as the gateway gave it.
 */
export function robotOptionsFor(config: WorkerConfig, robots: readonly Robot[]): (robotCode: string) => WorkerRobotOptions {
  const deployment: WorkerRobotOptions = {
    memoryScope: config.MEMORY_SCOPE,
    model: config.OPENAI_MODEL,
    systemPrompt: config.SYSTEM_PROMPT,
    temperature: config.OPENAI_TEMPERATURE,
    maxTokens: config.OPENAI_MAX_TOKENS,
    vision: config.OPENAI_VISION,
    cardTemplateId: config.DINGTALK_CARD_TEMPLATE_ID,
    memoryMaxTokens: MEMORY_MAX_TOKENS,
    cardContentKey: CARD_CONTENT_KEY,
    cardCallbackRouteKey: CARD_CALLBACK_ROUTE_KEY,
  };
  const resolved = new Map<string, WorkerRobotOptions>();
  for (const robot of robots) {
    if (robot.robotCode === undefined) continue;
    const listed = Object.fromEntries(Object.entries(robot.options).filter(([, value]) => value !== undefined));
    resolved.set(robot.robotCode, { ...deployment, ...listed });
  }
  return (robotCode) => resolved.get(robotCode) ?? deployment;
}

/** The model settings of a robot's options. */
export function modelChoice(options: WorkerRobotOptions): ModelChoice {
  return { model: options.model, maxTokens: options.maxTokens, temperature: options.temperature };
}
