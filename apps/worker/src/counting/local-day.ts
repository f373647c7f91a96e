/**
 * The calendar day and the time left until the next midnight in a time zone, from `Intl` (the
 * zone's own rules, daylight saving included), never from a hand-written offset.
 */
export interface LocalDay {
  /** `YYYY-MM-DD` in the zone: the quotas' counting day. */
  day: string;
  /** Milliseconds until the zone's next midnight. */
  msToMidnight: number;
}

const formats = new Map<string, Intl.DateTimeFormat>();

function formatFor(timeZone: string): Intl.DateTimeFormat {
  let format = formats.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-CA', {
      timeZone,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
      hourCycle: 'h23',
    });
    formats.set(timeZone, format);
  }
  return format;
}

export function localDay(timeZone: string, now: number): LocalDay {
  const parts: Record<string, string> = {};
  for (const part of formatFor(timeZone).formatToParts(now)) parts[part.type] = part.value;
  const elapsed = ((Number(parts.hour) * 60 + Number(parts.minute)) * 60 + Number(parts.second)) * 1000 + (now % 1000);
  // A day that gains or loses an hour to daylight saving is off by that hour here, which only
  // moves the "about n hours" a refusal mentions; the day itself comes from Intl.
  return { day: `${parts.year}-${parts.month}-${parts.day}`, msToMidnight: 86_400_000 - elapsed };
}

/** The `count` calendar days that end with `day` (`YYYY-MM-DD`), oldest first: calendar arithmetic, no zone involved. */
export function daysEndingOn(day: string, count: number): string[] {
  const [year, month, date] = day.split('-').map(Number) as [number, number, number];
  return Array.from({ length: count }, (_, index) =>
    new Date(Date.UTC(year, month - 1, date - (count - 1 - index))).toISOString().slice(0, 10),
  );
}
