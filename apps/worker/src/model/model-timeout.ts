/**
 * One model request, start to last byte (a streamed answer included), for every provider whose `PROVIDERS_FILE`
 * entry gives no `timeoutMs` of its own. A minute covers a long answer (4,000 tokens at 100 tokens a second stream
 * in 40 s); a provider still writing after that is slower than an asker waits, and the attempt is better spent on a
 * retry or the next provider.
 */
export const MODEL_TIMEOUT_MS = 60_000;

/** A lease that outlives a request's timeout by this much belonged to a worker that died mid-request. */
export const REQUEST_LEASE_MARGIN_MS = 5000;
