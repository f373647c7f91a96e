/** How long (seconds) and how many finished jobs of one kind a queue shard keeps. */
export interface KeptJobs {
  age: number;
  count: number;
}

export interface JobRetention {
  completed: KeptJobs;
  failed: KeptJobs;
}

/**
 * How long finished jobs stay, and how many at most, in each queue shard. Redis runs with `noeviction`, so an age
 * alone is no bound: a day of DingTalk refusing every answer would keep every failed job of a week. Measured on
 * Redis 7 with `MEMORY USAGE … SAMPLES 0`: a failed job with a 2.2 KB message and three attempts' stack traces
 * takes about 7.7 KB, so 5,000 failed jobs hold about 40 MB per shard; a completed job, without stack traces, about
 * 3.5 KB, so 10,000 of them about 35 MB. The newest failures are kept, which are those an operator retries; older
 * ones past the count are the same outage over again. The worker keeps a job's card and delivered parts for as
 * long as a failed job (`JOB_RETENTION.failed.age`), so a retry finds them.
 */
export const JOB_RETENTION: JobRetention = {
  completed: { age: 3600, count: 10_000 },
  failed: { age: 7 * 86_400, count: 5_000 },
};
