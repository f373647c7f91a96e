import { describe, expect, it } from 'vitest';
import { formatWait, noticeText } from './notice-text.js';

describe('noticeText', () => {
  it('states the messages ahead and the estimated wait as numbers', () => {
    expect(noticeText(37, 0.3)).toBe('前面还有 37 条消息，预计约 2 分钟后回答。');
    expect(noticeText(0, 2)).toBe('你的消息排在队列最前面，预计约 1 秒后回答。');
    expect(noticeText(29, 0.2)).toBe('前面还有 29 条消息，预计约 2.5 分钟后回答。');
  });

  it('says only where the message stands when nothing was answered lately', () => {
    expect(noticeText(12, undefined)).toBe('前面还有 12 条消息，轮到时会立即回答，请稍候。');
    expect(noticeText(12, 0)).toBe('前面还有 12 条消息，轮到时会立即回答，请稍候。');
  });
});

describe('formatWait', () => {
  it.each([
    [0.4, '1 秒'],
    [7.4, '7 秒'],
    [12, '10 秒'],
    [13, '15 秒'],
    [57, '55 秒'],
    [58, '1 分钟'],
    [100, '1.5 分钟'],
    [150, '2.5 分钟'],
    [600, '10 分钟'],
    [119 * 60, '119 分钟'],
    [150 * 60, '2.5 小时'],
  ])('says %s s as %s', (seconds, said) => {
    expect(formatWait(seconds)).toBe(said);
  });
});
