/**
 * The seconds until a message's answer starts, estimated from the messages ahead of it and the recent drain rate:
 * `ahead + 1` starts away (the ones ahead, then its own), the first of them already under way for
 * `sinceLastStartMs` (the time since the last start): with one slot the answer running now ends that much sooner.
 * By one interval at most, since with many slots the last start says little of when the next comes. `undefined`
 * without a rate (nothing was answered recently) or with one that is not a positive finite number.
 */
export function estimatedWaitSeconds(ahead: number, startsPerSecond: number | undefined, sinceLastStartMs = 0): number | undefined {
  // A rate read back as NaN, Infinity or a denormal makes no estimate, not a notice saying "NaN" or "Infinity".
  if (startsPerSecond === undefined || !Number.isFinite(startsPerSecond) || !(startsPerSecond > 0)) return undefined;
  const interval = 1 / startsPerSecond;
  if (!Number.isFinite(interval)) return undefined;
  const underWay = Number.isFinite(sinceLastStartMs) ? Math.min(Math.max(0, sinceLastStartMs / 1000), interval) : 0;
  const seconds = (ahead + 1) * interval - underWay;
  return Number.isFinite(seconds) ? seconds : undefined;
}

/**
 * The queue notice, in the robot's language: the messages ahead as a number and, when it can be estimated, the
 * wait. Without an estimate it says only where the message stands.
 */
export function noticeText(ahead: number, startsPerSecond: number | undefined, sinceLastStartMs = 0): string {
  const place = ahead === 0 ? '你的消息排在队列最前面' : `前面还有 ${ahead} 条消息`;
  const wait = estimatedWaitSeconds(ahead, startsPerSecond, sinceLastStartMs);
  if (wait === undefined) return `${place}，轮到时会立即回答，请稍候。`;
  return `${place}，预计约 ${formatWait(wait)}后回答。`;
}

/**
 * A wait as people say it, rounded by at most an eighth of it from two seconds on, so the figure the asker reads
 * keeps the estimate's accuracy: half seconds under five (one at least), whole seconds under 20, fives under a
 * minute, tens under two minutes, half minutes under five, whole minutes under two hours, then half hours.
 */
export function formatWait(seconds: number): string {
  if (seconds < 4.75) return `${Math.max(1, Math.round(seconds * 2) / 2)} 秒`;
  if (seconds < 19.5) return `${Math.round(seconds)} 秒`;
  if (seconds < 57.5) return `${Math.round(seconds / 5) * 5} 秒`;
  if (seconds < 115) return `${Math.round(seconds / 10) * 10} 秒`;
  if (seconds < 285) return `${Math.round(seconds / 30) / 2} 分钟`;
  const minutes = Math.round(seconds / 60);
  if (minutes < 120) return `${minutes} 分钟`;
  return `${Math.round(minutes / 30) / 2} 小时`;
}
