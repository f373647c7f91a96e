import { createLogger, type Robot } from '@dtbot/shared';
import { startFakeDingTalkStream, type FakeDingTalkStream, type FakeDingTalkStreamOptions } from '@dtbot/testkit';
import { createGatewayMetrics, type GatewayMetrics } from '../src/metrics.js';
import type { RobotStreamDeps, RobotStreamOptions } from '../src/stream/robot-stream.js';
import { startStreamIngress, type StreamIngress } from '../src/stream/stream-ingress.js';
import type { AcceptDeps } from '../src/accept/accept-message.js';

/** Short waits, so reconnects happen within a test's time. */
export const QUICK: RobotStreamOptions = { backoff: { baseMs: 20, maxMs: 400 }, healthyAfterMs: 60_000 };

export interface StreamGateway {
  ingress: StreamIngress;
  metrics: GatewayMetrics;
  /** Every log line the gateway wrote, as text. */
  logs: string[];
}

/** One gateway's Stream ingress, in-process, over the accept stack, connected to the fake. */
export function startStreamGateway(
  accept: AcceptDeps,
  fake: FakeDingTalkStream,
  robots: readonly Robot[],
  options: RobotStreamOptions = QUICK,
  outbound: Pick<RobotStreamDeps, 'fetch' | 'proxy'> = {},
): StreamGateway {
  const logs: string[] = [];
  const logger = createLogger('stream-test', 'debug', { write: (line: string) => void logs.push(line) });
  const metrics = createGatewayMetrics();
  const ingress = startStreamIngress(robots, { accept, logger, metrics, apiBaseUrl: fake.apiBaseURL, ...outbound }, options);
  return { ingress, metrics, logs };
}

export function startFake(robots: readonly Robot[], options: Omit<FakeDingTalkStreamOptions, 'credentials'> = {}) {
  const credentials = Object.fromEntries(robots.map((robot) => [robot.appKey ?? '', robot.appSecret]));
  return startFakeDingTalkStream({ credentials, ...options });
}

/** A counter's or gauge's value for these labels (0 when never touched). */
export async function metricValue(metrics: GatewayMetrics, name: keyof GatewayMetrics, labels: Record<string, string> = {}): Promise<number> {
  const metric = metrics[name];
  if (!('get' in metric)) throw new Error(`${name} is not a metric`);
  const { values } = await metric.get();
  const match = values.find((value) => Object.entries(labels).every(([key, wanted]) => (value.labels as Record<string, unknown>)[key] === wanted));
  return match?.value ?? 0;
}
