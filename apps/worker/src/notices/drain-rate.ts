/**
 * One answer's start, as the start log keeps it (epoch ms): when it started, and since when its message waited for
 * a slot of a running worker (its arrival, or the moment the worker that started it came up, if later).
 */
export interface AnswerStart {
  startedAt: number;
  waitingSince: number;
}

/** Starts this recent are read: older ones describe a queue that may have drained at another pace. */
export const DRAIN_WINDOW_MS = 60_000;

/**
 * A message that started at least this long after it arrived waited for a slot: a free slot takes a message in
 * tens of milliseconds (pick-up and the turn check), and any answer takes longer than this. Set low, the starts
 * that fill idle slots at once would count as drain; set high, only samples of very fast answers are lost, which
 * leaves the estimate as it is (an interval left out takes its time with it).
 */
export const WAITED_FOR_A_SLOT_MS = 250;

/**
 * Answers started per second while every slot was busy, from the recent starts (any order): `undefined` when no
 * such stretch was seen in the last `DRAIN_WINDOW_MS`. The interval between two consecutive starts measures the
 * drain when the later message waited for a slot: no start happened in between, so slots only freed up, and the
 * message found none free, so all were busy the whole interval. Idle time (a quiet hour before a burst, a slot
 * filling the moment its message arrives, a time with no worker up) is thus left out, whatever its length, and
 * the rate is counted over drain time only. When the last start is longer ago than the longest drain interval
 * seen, the drain has slowed (the model got slower, a worker stopped): the excess counts as drain time without a
 * start.
 */
export function drainRate(starts: readonly AnswerStart[], now: number): number | undefined {
  const times = starts.filter((start) => Number.isFinite(start.startedAt) && Number.isFinite(start.waitingSince));
  times.sort((a, b) => a.startedAt - b.startedAt);
  let intervals = 0;
  let drainMs = 0;
  let longestMs = 0;
  for (let i = 1; i < times.length; i += 1) {
    const { startedAt, waitingSince } = times[i]!;
    if (startedAt < now - DRAIN_WINDOW_MS || startedAt - waitingSince < WAITED_FOR_A_SLOT_MS) continue;
    const length = startedAt - times[i - 1]!.startedAt;
    intervals += 1;
    drainMs += length;
    longestMs = Math.max(longestMs, length);
  }
  if (intervals === 0 || !(drainMs > 0)) return undefined;
  const sinceLastMs = now - times[times.length - 1]!.startedAt;
  const rate = (intervals * 1000) / (drainMs + Math.max(0, sinceLastMs - longestMs));
  return Number.isFinite(rate) && rate > 0 ? rate : undefined;
}

/** Milliseconds since the latest start at `now`; 0 with no start, or a latest start ahead of this clock. */
export function sinceLastStartMs(starts: readonly AnswerStart[], now: number): number {
  let last = Number.NEGATIVE_INFINITY;
  for (const { startedAt } of starts) if (startedAt > last) last = startedAt;
  const since = now - last;
  return Number.isFinite(since) && since > 0 ? since : 0;
}
