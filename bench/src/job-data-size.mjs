/**
 * The median size in bytes of the job data stored on a redis-server (BullMQ keeps a job as a hash
 * with its data as JSON in the `data` field), read from up to `sample` job hashes. Only for a
 * redis-server of the bench's own: it scans every key.
 */
export async function jobDataBytes(redis, sample = 200) {
  const sizes = [];
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'COUNT', 1000);
    cursor = next;
    const pipeline = redis.pipeline();
    for (const key of keys) pipeline.hget(key, 'data');
    // Keys of other types answer WRONGTYPE: not jobs.
    for (const [error, data] of (await pipeline.exec()) ?? []) if (!error && typeof data === 'string') sizes.push(Buffer.byteLength(data));
  } while (cursor !== '0' && sizes.length < sample);
  if (sizes.length === 0) return undefined;
  sizes.sort((a, b) => a - b);
  return sizes[Math.floor(sizes.length / 2)];
}
