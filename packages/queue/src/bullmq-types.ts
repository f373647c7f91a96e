// The BullMQ types the apps hold, under this package's name so no app imports 'bullmq'. Types only: queues and
// workers are built here (`createQueue`, `createQueueWorker`), and a job's fate is told with `job-fates.ts`.
export type { DefaultJobOptions, Job, Queue, QueueEvents, Worker } from 'bullmq';
