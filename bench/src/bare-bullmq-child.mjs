// The baseline's worker process: a BullMQ Worker whose processor returns at once (or, paced, after
// PROCESSOR_MS, as long as the drain's fake model takes to answer), so what it costs is BullMQ's own.
// It says "ready" once connected (the parent starts measuring then), starts on "run" and says "done"
// when JOBS jobs have completed; with EACH=1 it also says "completed" for each job (one-at-a-time.mjs). See
// bare-bullmq.mjs.
import { Worker } from 'bullmq';
import { Redis } from 'ioredis';

const jobs = Number(process.env.JOBS);
const connection = new Redis(process.env.REDIS_URL, { maxRetriesPerRequest: null });
const processorMs = Number(process.env.PROCESSOR_MS ?? 0);
const each = process.env.EACH === '1';
const processor = processorMs > 0 ? () => new Promise((resolve) => setTimeout(resolve, processorMs)) : async () => undefined;
const worker = new Worker(process.env.QUEUE, processor, {
  connection,
  concurrency: Number(process.env.CONCURRENCY),
  autorun: false,
});
let completed = 0;
worker.on('completed', () => {
  completed += 1;
  if (each) process.send({ type: 'completed' });
  if (completed === jobs) process.send({ type: 'done' });
});
worker.on('error', (error) => process.stderr.write(`bare BullMQ worker: ${error.message}\n`));
process.on('message', (message) => {
  if (message === 'run') void worker.run();
});
// The parent going away (a crash of the bench) takes this process with it.
process.on('disconnect', () => process.exit(0));
await worker.waitUntilReady();
process.send({ type: 'ready' });
