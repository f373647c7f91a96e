import { hash } from 'node:crypto';

/**
 * How a robot is named in metric labels: its `name` from ROBOTS_FILE when it has one, else `robot-` and the first
 * 8 hex digits of the SHA-256 of its robot code. An internal app's robot code is its AppKey, which identifies the
 * app to DingTalk; a scrape, a dashboard or a screenshot of one should not hand it out. 8 hex digits keep a
 * deployment's few robots apart (a collision among 10 robots has odds of about 1 in 100 million) and stay the
 * same across restarts and replicas, so series continue.
 */
export function robotMetricLabel(robotCode: string, name?: string): string {
  const given = name?.trim();
  if (given) return given;
  return `robot-${hash('sha256', robotCode, 'hex').slice(0, 8)}`;
}
