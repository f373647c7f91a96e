/**
 * Every Redis key of the project is built here, in two families:
 *
 * - **Shared keys** (`redisKeys`), under the configured prefix (default `{dtbot}`): what all conversations share,
 *   such as the model's rate windows, access tokens and daily quotas. They stay under that one prefix however
 *   many queue shards there are, so limits and counts are global.
 * - **A queue shard's keys** (`shardKeys`), under the shard's own prefix (`queue-shards.ts`): the BullMQ queue and
 *   everything of the conversations it holds (turns, load, memory, persona) and of its jobs (answers, delivery
 *   records). With one shard its prefix is the configured one, so every key is where it always was.
 *
 * The braces of a prefix are a Redis Cluster hash tag: every key under one prefix lands in one slot, so a script
 * may touch several of them, and each shard (a tag of its own) can live on another master.
 */
export function redisKeys(prefix: string) {
  return {
    /** Questions counted today per user (hash user → count), per group, and their display names; one set per robot and local day. */
    quotaUsers: (robotCode: string, day: string) => `${prefix}:quota:${robotCode}:${day}:users`,
    quotaGroups: (robotCode: string, day: string) => `${prefix}:quota:${robotCode}:${day}:groups`,
    quotaNames: (robotCode: string, day: string) => `${prefix}:quota:${robotCode}:${day}:names`,
    /**
     * The local day a job's question was counted on (or `refunded`), so a retried job is counted once. A shared key
     * although it belongs to a job: the quota script writes it together with the day's counts.
     */
    quotaCounted: (jobId: string) => `${prefix}:quota-counted:${jobId}`,
    /** Card API calls of one app in the last second (zset), all workers together, and the pause after a QpsLimit. */
    cardCalls: (appKey: string) => `${prefix}:card-calls:${appKey}`,
    cardCallsPaused: (appKey: string) => `${prefix}:card-calls:${appKey}:paused`,
    /**
     * Token usage and estimated cost of one robot on one local day, kept `USAGE_RETENTION_DAYS`: one hash whose
     * fields are `m|<model>`, `u|<user>` and `g|<group>` (each "in out calls images costNano unpriced", so a call
     * updates a row with one write, not one HINCRBY per figure) and `n|<id>` (a user's or group's display name).
     */
    usageDay: (robotCode: string, day: string) => `${prefix}:usage:${robotCode}:${day}`,
    /**
     * The layout of the days recorded before `usageDay`: per model, user and group (hashes `<metric>|<id>` →
     * count), and the display names. Only read, so that a day recorded partly in each layout still sums exactly.
     */
    usageModels: (robotCode: string, day: string) => `${prefix}:usage:${robotCode}:${day}:models`,
    usageUsers: (robotCode: string, day: string) => `${prefix}:usage:${robotCode}:${day}:users`,
    usageGroups: (robotCode: string, day: string) => `${prefix}:usage:${robotCode}:${day}:groups`,
    usageNames: (robotCode: string, day: string) => `${prefix}:usage:${robotCode}:${day}:names`,
    /** Estimated spend of every robot on one local day (hash robot → nano-dollars): what the daily budgets read. */
    usageSpent: (day: string) => `${prefix}:usage-spent:${day}`,
    /**
     * The mark of one model call whose usage was recorded, so a script sent again after a lost reply counts
     * nothing twice. A shared key although it belongs to a job: the usage script writes it together with the day's
     * figures. (A set per job of its calls' ids before, `usage-counted:<jobId>`: one command more per call.)
     */
    usageCounted: (jobId: string, callId: string) => `${prefix}:usage-counted:${jobId}:${callId}`,
    /**
     * Sliding-window counters of a model provider's rate limits. The first provider (no name given)
     * keeps the keys it had before there were several, so an upgrade keeps its windows.
     */
    rateRequests: (provider?: string) => `${prefix}:rate:${providerSegment(provider)}requests`,
    rateTokens: (provider?: string) => `${prefix}:rate:${providerSegment(provider)}tokens`,
    /** A provider's shared congestion state after upstream 429s (pause, window) and its calls in flight. */
    rateCongestion: (provider?: string) => `${prefix}:rate:${providerSegment(provider)}congestion`,
    rateInFlight: (provider?: string) => `${prefix}:rate:${providerSegment(provider)}inflight`,
    /** A model provider's circuit: consecutive failures while closed, and until when it is open. */
    providerCircuit: (provider: string) => `${prefix}:provider:${provider}:circuit`,
    /** The one probe request allowed through a provider's circuit once its cool-down is over (a lease). */
    providerProbe: (provider: string) => `${prefix}:provider:${provider}:probe`,
    /** model → the field that caps its answers, where a provider refused the usual `max_tokens`. */
    answerLimits: () => `${prefix}:model:answer-limits`,
    /** Cached DingTalk access tokens. */
    accessToken: (appKey: string) => `${prefix}:token:${appKey}`,
    /** Cached tokens of DingTalk's legacy `oapi` endpoints (media upload), per app. */
    legacyAccessToken: (appKey: string) => `${prefix}:legacy-token:${appKey}`,
    /** Live playground sessions: session id → when it expires (ms since epoch); counted to bound them. */
    playgroundSessions: () => `${prefix}:playground:sessions`,
    /** A playground session's transcript: a stream of its questions and answers, trimmed, expiring with it. */
    playgroundTranscript: (sessionId: string) => `${prefix}:playground:transcript:${sessionId}`,
    /** staff id → nick of everyone a playground session spoke as, so an answer's @-mention shows the nick. */
    playgroundUsers: (sessionId: string) => `${prefix}:playground:users:${sessionId}`,
    /** Questions a playground session sent in the current minute. */
    playgroundRate: (sessionId: string) => `${prefix}:playground:rate:${sessionId}`,
    /** Questions all playground sessions sent in the current minute, every gateway counted. */
    playgroundRateOfAll: () => `${prefix}:playground:all-rate`,
    /** Questions all playground sessions sent on one UTC day (`YYYY-MM-DD`), every gateway counted. */
    playgroundDayOfAll: (day: string) => `${prefix}:playground:all-day:${day}`,
    /** Pub/sub channel (not a key): a session id is published on it whenever that session's transcript grows. */
    playgroundChannel: () => `${prefix}:playground:transcripts`,
    /** Failed dashboard logins of one client address, counted over the lockout window. */
    dashboardAuthFailures: (address: string) => `${prefix}:dashboard:auth-failures:${address}`,
    /** The ids of the scheduled prompts of one chat (set), so a chat lists and counts its own (`SCHEDULES_PER_CHAT`). */
    chatSchedules: (conversationKey: string) => `${prefix}:schedules:chat:${conversationKey}`,
    /** The ids of the scheduled prompts `SCHEDULES_FILE` declared at the last start (set): one gone from it is removed. */
    fileSchedules: () => `${prefix}:schedules:file`,
    /**
     * A model's answer, found by its AI card (`outTrackId`; hash jobId, robotCode, asker, group, state, and once
     * written its persona and model, for a press of stop or 👍/👎). Shared keys: the gateway that receives a card
     * press does not know the job's queue shard.
     */
    cardAnswer: (outTrackId: string) => `${prefix}:card-answer:${outTrackId}`,
    /**
     * The last answer that ended for an asker in a group (JSON of job, persona, model: what a feedback word alone
     * rates). In a private chat the conversation's newest `recentAnswers` entry is its asker's last answer.
     */
    lastAnswer: (robotCode: string, conversationId: string, user: string) => `${prefix}:last-answer:${robotCode}:${conversationId}:${user}`,
    /** Set when someone allowed to stop a job's answer asked to; the worker writing it checks it when the job is taken again. */
    stopMark: (jobId: string) => `${prefix}:stop:${jobId}`,
    /**
     * The last stop word of an asker in a conversation (JSON, as published on `stopWordChannel`), kept a while: a
     * worker whose subscriber was away reads it when it is back.
     */
    stopWordMark: (robotCode: string, conversationId: string, user: string) => `${prefix}:stop-word-mark:${robotCode}:${conversationId}:${user}`,
    /**
     * A conversation's latest model answers (list, newest first: JSON of job, persona, model, opening words), for a
     * quoting feedback word; in a private chat also its asker's answers that ended unwritten (opening words empty).
     */
    recentAnswers: (robotCode: string, conversationId: string) => `${prefix}:recent-answers:${robotCode}:${conversationId}`,
    /** Each person's rating of one answer (hash user → up | down): one vote per person, changed in place. */
    feedbackVotes: (jobId: string) => `${prefix}:feedback:votes:${jobId}`,
    /** A robot's current ratings (hash `up|down` `|model|persona` → count), what `/usage` shows. */
    feedbackTally: (robotCode: string) => `${prefix}:feedback:tally:${robotCode}`,
    /** Pub/sub channel (not a key): a job id is published on it when its answer is to stop. */
    stopChannel: () => `${prefix}:answer-stops`,
    /** Pub/sub channel (not a key): a stop word, for whichever worker writes its asker's answer in that conversation. */
    stopWordChannel: () => `${prefix}:stop-words`,
    /** Settings every gateway and worker must hold alike (hash name → value), kept while any of them runs. */
    agreedSettings: () => `${prefix}:agreed-settings`,
  };
}

const providerSegment = (provider: string | undefined) => (provider === undefined ? '' : `${provider}:`);

export type RedisKeys = ReturnType<typeof redisKeys>;

/** The keys of one queue shard, under its prefix. A conversation's keys are all in the shard of its conversation. */
export function shardKeys(prefix: string) {
  return {
    /** Prefix handed to BullMQ (its `prefix` option): the shard's queue lives under it. */
    bullPrefix: prefix,
    /** Last sequence number given to a conversation's messages (gateway INCR). */
    orderSeq: (orderKey: string) => `${prefix}:order:${orderKey}:seq`,
    /** Highest sequence number whose turn is over. */
    orderDone: (orderKey: string) => `${prefix}:order:${orderKey}:done`,
    /** Sequence numbers that will never get a job (redeliveries, refused messages). */
    orderSkipped: (orderKey: string) => `${prefix}:order:${orderKey}:skipped`,
    /** seq → job id of jobs parked until their turn comes. */
    orderWaiters: (orderKey: string) => `${prefix}:order:${orderKey}:waiters`,
    /** How many messages of a conversation are stored and not yet answered (fair scheduling). */
    conversationLoad: (conversationKey: string) => `${prefix}:load:${conversationKey}`,
    /** A conversation's remembered turns (JSON). */
    memory: (orderKey: string) => `${prefix}:memory:${orderKey}`,
    /**
     * A memory thread's conversations in a Dify app, which keeps their history itself (hash asker → Dify's
     * `conversation_id`: Dify ties a conversation to the user who started it); expires and resets with the memory.
     */
    difyConversations: (orderKey: string) => `${prefix}:dify:${orderKey}`,
    /** The persona a memory thread chose (`/persona`); absent = the default persona. */
    persona: (orderKey: string) => `${prefix}:persona:${orderKey}`,
    /** The model's answer to one message, kept so a retry re-sends it instead of asking again. */
    answer: (jobId: string) => `${prefix}:answer:${jobId}`,
    /**
     * The tool rounds of one message's answer (hash: the model's tool-call turn of each round, each call's result),
     * so a retried job replays them instead of calling a tool again.
     */
    toolRounds: (jobId: string) => `${prefix}:tools:${jobId}`,
    /** Which parts of an answer were delivered (`label.index=route` lines; a hash before, still read). */
    delivered: (jobId: string) => `${prefix}:delivered:${jobId}`,
    /** The AI card a job's answer streams into (hash: outTrackId, state, text shown), so a retry finishes the same card. */
    card: (jobId: string) => `${prefix}:card:${jobId}`,
    /** What a stop word's job found when it asked to stop its sender's answer: `stopped` or `nothing`. */
    stopWord: (jobId: string) => `${prefix}:stop-word:${jobId}`,
    /** How often a job has waited out a rate limit of its own (DingTalk throttling); its waits grow. */
    jobDelays: (jobId: string) => `${prefix}:delays:${jobId}`,
    /** A generated image (base64) not yet uploaded, so a retried job does not pay for another. */
    generatedImage: (jobId: string) => `${prefix}:image:${jobId}`,
    /** Messages to tell where they stand if their answer has not started by then (zset job id → due time, ms). */
    noticeDue: () => `${prefix}:notice:due`,
    /** Where one message's queue notice stands: `sending`, `sent`, `skipped`, or `started` (its answer began first). */
    notice: (jobId: string) => `${prefix}:notice:job:${jobId}`,
    /** The latest answer starts (list, newest first, "startedAt waitingSince" in ms): the drain a notice estimates from. */
    answerStarts: () => `${prefix}:notice:starts`,
  };
}

export type ShardKeys = ReturnType<typeof shardKeys>;
