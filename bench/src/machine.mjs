import os from 'node:os';

/** What the figures were measured on: they mean little without it. */
export async function describeMachine(redis) {
  const info = await redis.info('server');
  const field = (name) => new RegExp(`^${name}:(.*)$`, 'm').exec(info)?.[1]?.trim();
  return {
    cpu: os.cpus()[0]?.model ?? 'unknown',
    cores: os.availableParallelism(),
    memoryGiB: Math.round((os.totalmem() / 1024 ** 3) * 10) / 10,
    os: `${os.type()} ${os.release()}`,
    node: process.version,
    redis: field('redis_version') ?? 'unknown',
  };
}

/** The pid of a Redis on this machine (for its CPU use); undefined when it is not visible here. */
export async function redisProcessId(redis) {
  const info = await redis.info('server');
  const pid = Number(/^process_id:(\d+)/m.exec(info)?.[1]);
  return Number.isInteger(pid) && pid > 0 ? pid : undefined;
}
