import { describe, expect, it } from 'vitest';
import { daysEndingOn, localDay, localMinute } from './local-day.js';

describe('localDay', () => {
  it('counts the day in the zone: 16:00 UTC is already tomorrow in Shanghai', () => {
    const now = Date.UTC(2026, 11, 1, 16, 0, 0);
    expect(localDay('Asia/Shanghai', now)).toEqual({ day: '2026-12-02', msToMidnight: 24 * 3600_000 });
    expect(localDay('UTC', now)).toEqual({ day: '2026-12-01', msToMidnight: 8 * 3600_000 });
  });

  it('gives the time left until the local midnight, to the millisecond', () => {
    const now = Date.UTC(2026, 11, 1, 15, 59, 59, 250); // 23:59:59.250 in Shanghai
    expect(localDay('Asia/Shanghai', now)).toEqual({ day: '2026-12-01', msToMidnight: 750 });
  });

  it('follows the zone across a daylight-saving change', () => {
    expect(localDay('America/New_York', Date.UTC(2026, 2, 8, 4, 30)).day).toBe('2026-03-07');
    expect(localDay('America/New_York', Date.UTC(2026, 2, 8, 5, 30)).day).toBe('2026-03-08');
  });
});

describe('localMinute', () => {
  it('reads the moment in the zone, to the minute, on a 24-hour clock', () => {
    expect(localMinute(Date.UTC(2026, 11, 7, 16, 5, 59), 'Asia/Shanghai')).toBe('2026-12-08 00:05');
    expect(localMinute(Date.UTC(2026, 11, 7, 16, 5, 59), 'UTC')).toBe('2026-12-07 16:05');
  });
});

describe('daysEndingOn', () => {
  it('lists the days back from the given one, oldest first, across months and leap days', () => {
    expect(daysEndingOn('2026-12-03', 3)).toEqual(['2026-12-01', '2026-12-02', '2026-12-03']);
    expect(daysEndingOn('2028-03-01', 3)).toEqual(['2028-02-28', '2028-02-29', '2028-03-01']);
    expect(daysEndingOn('2027-01-01', 2)).toEqual(['2026-12-31', '2027-01-01']);
  });
});
