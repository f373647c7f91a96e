import type { CredentialPair } from '../config/env-types.js';
import type { MessageSource } from '../jobs/message-source.js';
import type { MemoryScope } from '../jobs/order-key.js';
import type { RobotEntry, RobotsFile } from './robots-file.js';

/**
 * What may differ from one robot to the next (`ROBOTS_FILE`). The memory scope is resolved here
 * because the gateway needs it too; the rest are the worker's, unset meaning the deployment's setting.
 */
export interface RobotOptions {
  /** Whose turns share memory, and so which messages are answered one after another. */
  memoryScope: MemoryScope;
  /** A name for logs. */
  name?: string | undefined;
  /** Model name (`OPENAI_MODEL`). */
  model?: string | undefined;
  /** The default persona's system prompt (`SYSTEM_PROMPT`). */
  systemPrompt?: string | undefined;
  temperature?: number | undefined;
  maxTokens?: number | undefined;
  /** The AI-card template the robot's model answers stream into; unset = answers go out as messages. */
  cardTemplateId?: string | undefined;
  /** The template's markdown variable the answer streams into; unset = the worker's `CARD_CONTENT_KEY` (`content`). */
  cardContentKey?: string | undefined;
  /** HTTP mode: the route key registered for `POST /dingtalk/card-callback`; unset = card presses come over Stream. */
  cardCallbackRouteKey?: string | undefined;
  /** Whether the robot's model is sent the pictures users send (`OPENAI_VISION`). */
  vision?: boolean | undefined;
  /** A Dify app that answers this robot's questions instead of the deployment's providers (`app`: its name in usage). */
  dify?: { baseUrl: string; apiKey: string; app?: string | undefined } | undefined;
  /** Estimated model spend per local day after which only admins are answered by this robot; unset or 0 = none of its own. */
  budgetDailyUsd?: number | undefined;
  /** Token budget of a thread's remembered turns; unset = the worker's `MEMORY_MAX_TOKENS`. */
  memoryMaxTokens?: number | undefined;
}

/** One DingTalk robot this deployment answers for. */
export interface Robot {
  /**
   * The robot's code in messages, dedupe, memory and OpenAPI calls. An enterprise-internal app's
   * robot code is its AppKey. Unset when only an AppSecret is configured: the message's own
   * `robotCode` is used then.
   */
  robotCode: string | undefined;
  /** AppKey / Client ID: opens the Stream connection, gets access tokens. */
  appKey: string | undefined;
  /** AppSecret / Client Secret: verifies HTTP callbacks, opens the Stream connection, gets access tokens. */
  appSecret: string;
  options: RobotOptions;
  /** Where this robot's messages come from; absent means DingTalk (the playground's robot says `playground`). */
  source?: MessageSource;
}

export interface RobotSettings {
  DINGTALK_APP_KEY?: string | undefined;
  DINGTALK_APP_SECRET?: string | undefined;
  DINGTALK_CREDENTIALS?: CredentialPair[] | undefined;
  MEMORY_SCOPE: MemoryScope;
  /** Worker only: the deployment's AI-card template (a robot's own in `ROBOTS_FILE` wins). */
  DINGTALK_CARD_TEMPLATE_ID?: string | undefined;
  /** The parsed `ROBOTS_FILE`. */
  ROBOTS_FILE?: RobotsFile | undefined;
}

/**
 * The robots of this deployment, built once from the settings: the `DINGTALK_APP_KEY` /
 * `DINGTALK_APP_SECRET` pair first, then each `DINGTALK_CREDENTIALS` pair, then each robot of
 * `ROBOTS_FILE` that carries its AppSecret. A pair given twice is one robot. A robot listed in
 * `ROBOTS_FILE` takes the options it lists there; every other robot, the deployment's.
 */
export function robotsFromConfig(settings: RobotSettings): Robot[] {
  const entries = settings.ROBOTS_FILE?.robots ?? [];
  const robots: Robot[] = [];
  const add = (appKey: string | undefined, appSecret: string) => {
    if (robots.some((robot) => robot.appKey === appKey && robot.appSecret === appSecret)) return;
    const entry = entries.find((listed) => listed.appKey === appKey);
    robots.push({ robotCode: appKey, appKey, appSecret, options: optionsOf(entry, settings) });
  };
  if (settings.DINGTALK_APP_SECRET) add(settings.DINGTALK_APP_KEY, settings.DINGTALK_APP_SECRET);
  for (const pair of settings.DINGTALK_CREDENTIALS ?? []) add(pair.appKey, pair.appSecret);
  for (const entry of entries) if (entry.appSecret) add(entry.appKey, entry.appSecret);
  return robots;
}

/** A robot's options: what its `ROBOTS_FILE` entry lists, the deployment's memory scope and card template otherwise. */
function optionsOf(entry: RobotEntry | undefined, settings: RobotSettings): RobotOptions {
  const deployment: RobotOptions = { memoryScope: settings.MEMORY_SCOPE, cardTemplateId: settings.DINGTALK_CARD_TEMPLATE_ID };
  if (!entry) return deployment;
  const { appKey: _appKey, appSecret: _appSecret, ...listed } = entry;
  return { ...deployment, ...Object.fromEntries(Object.entries(listed).filter(([, value]) => value !== undefined)) };
}

/**
 * AppKeys listed in `ROBOTS_FILE` with no AppSecret there or in the environment: options for a
 * robot this deployment cannot verify or answer as.
 */
export function robotsWithoutSecret(settings: RobotSettings): string[] {
  const robots = robotsFromConfig(settings);
  return (settings.ROBOTS_FILE?.robots ?? [])
    .filter((entry) => !robots.some((robot) => robot.appKey === entry.appKey))
    .map((entry) => entry.appKey);
}

/** AppKeys configured with more than one AppSecret: which one would a message belong to? */
export function conflictingAppKeys(robots: readonly Robot[]): string[] {
  const seen = new Set<string>();
  const conflicts = new Set<string>();
  for (const { appKey } of robots) {
    if (appKey === undefined) continue;
    if (seen.has(appKey)) conflicts.add(appKey);
    seen.add(appKey);
  }
  return [...conflicts];
}

export function findRobot(robots: readonly Robot[], robotCode: string): Robot | undefined {
  return robots.find((robot) => robot.robotCode === robotCode);
}
