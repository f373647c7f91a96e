import type { CredentialPair } from '../config/env-types.js';
import type { MemoryScope } from '../jobs/order-key.js';

/** What may differ from one robot to the next; today every robot takes the deployment's settings. */
export interface RobotOptions {
  /** Whose turns share memory, and so which messages are answered one after another. */
  memoryScope: MemoryScope;
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
}

export interface RobotSettings {
  DINGTALK_APP_KEY?: string | undefined;
  DINGTALK_APP_SECRET?: string | undefined;
  DINGTALK_CREDENTIALS?: CredentialPair[] | undefined;
  MEMORY_SCOPE: MemoryScope;
}

/**
 * The robots of this deployment, built once from the settings: the `DINGTALK_APP_KEY` /
 * `DINGTALK_APP_SECRET` pair first, then each `DINGTALK_CREDENTIALS` pair. A pair given twice is
 * one robot.
 */
export function robotsFromConfig(settings: RobotSettings): Robot[] {
  const options: RobotOptions = { memoryScope: settings.MEMORY_SCOPE };
  const robots: Robot[] = [];
  const add = (appKey: string | undefined, appSecret: string) => {
    if (robots.some((robot) => robot.appKey === appKey && robot.appSecret === appSecret)) return;
    robots.push({ robotCode: appKey, appKey, appSecret, options: { ...options } });
  };
  if (settings.DINGTALK_APP_SECRET) add(settings.DINGTALK_APP_KEY, settings.DINGTALK_APP_SECRET);
  for (const pair of settings.DINGTALK_CREDENTIALS ?? []) add(pair.appKey, pair.appSecret);
  return robots;
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
