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

/**
 * Each zone's last second read: the fields hold whole seconds, and every answer reads the same second twice or more
 * (its quota, its usage), and a `formatToParts` costs several µs.
 */
const lastSecond = new Map<string, { second: number; parts: Readonly<Record<string, string>> }>();

/** The moment's calendar and clock fields in the zone (year, month, day, hour, minute, second), zero-padded. */
function localParts(timeZone: string, at: number): Readonly<Record<string, string>> {
  const second = Math.floor(at / 1000);
  const last = lastSecond.get(timeZone);
  if (last?.second === second) return last.parts;
  const parts: Record<string, string> = {};
  for (const part of formatFor(timeZone).formatToParts(at)) parts[part.type] = part.value;
  lastSecond.set(timeZone, { second, parts });
  return parts;
}

export function localDay(timeZone: string, now: number): LocalDay {
  const parts = localParts(timeZone, now);
  const elapsed = ((Number(parts.hour) * 60 + Number(parts.minute)) * 60 + Number(parts.second)) * 1000 + (now % 1000);
  // A day that gains or loses an hour to daylight saving is off by that hour here, which only
  // moves the "about n hours" a refusal mentions; the day itself comes from Intl.
  return { day: `${parts.year}-${parts.month}-${parts.day}`, msToMidnight: 86_400_000 - elapsed };
}

/** A moment as a chat in the zone reads it, to the minute: `YYYY-MM-DD HH:MM`. */
export function localMinute(at: number, timeZone: string): string {
  const parts = localParts(timeZone, at);
  return `${parts.year}-${parts.month}-${parts.day} ${parts.hour}:${parts.minute}`;
}

/** The `count` calendar days that end with `day` (`YYYY-MM-DD`), oldest first: calendar arithmetic, no zone involved. */
export function daysEndingOn(day: string, count: number): string[] {
  const [year, month, date] = day.split('-').map(Number) as [number, number, number];
  return Array.from({ length: count }, (_, index) =>
    new Date(Date.UTC(year, month - 1, date - (count - 1 - index))).toISOString().slice(0, 10),
  );
}
