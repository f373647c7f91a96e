import type { Robot } from '@dtbot/shared';
import { RobotStream, type RobotStreamDeps, type RobotStreamOptions } from './robot-stream.js';

export interface StreamIngress {
  /** Every robot has an open Stream connection. */
  isUp(): boolean;
  /** Stops taking frames, ACKs those in flight, closes the sockets. */
  stop(): Promise<void>;
}

/** DingTalk's Stream mode: one connection per robot, each message through the accept path. */
export function startStreamIngress(robots: readonly Robot[], deps: RobotStreamDeps, options: RobotStreamOptions = {}): StreamIngress {
  const streams = robots.map((robot) => new RobotStream(robot, deps, options));
  for (const stream of streams) stream.start();
  return {
    isUp: () => streams.every((stream) => stream.isUp),
    stop: async () => {
      await Promise.all(streams.map((stream) => stream.stop()));
    },
  };
}
