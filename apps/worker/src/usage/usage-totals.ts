/** What a robot's model calls used over some time, for one model, user or group, or all of them. */
export interface UsageTotals {
  tokensIn: number;
  tokensOut: number;
  /** Chat calls (questions and templates). */
  calls: number;
  /** Pictures generated. */
  images: number;
  /** Estimated cost in US dollars of the calls whose model has a price. */
  costUsd: number;
  /** Calls that could not be priced (their model is in no price table). */
  unpriced: number;
}

export interface UsageRow extends UsageTotals {
  /** A model's name, a user's staff id or a group's conversation id. */
  id: string;
  /** The display name last seen (users, groups); the id when none was. */
  name: string;
}

export const NO_USAGE: UsageTotals = { tokensIn: 0, tokensOut: 0, calls: 0, images: 0, costUsd: 0, unpriced: 0 };

/** Costs are kept in Redis as whole nano-dollars, so that sums are exact (to 9 million dollars a day). */
export const NANO_USD = 1e9;

/** Hash fields are `<metric>|<id>`; the metric never holds `|`, an id may. */
const METRICS: Record<string, keyof UsageTotals> = {
  in: 'tokensIn',
  out: 'tokensOut',
  calls: 'calls',
  images: 'images',
  cost: 'costUsd',
  unpriced: 'unpriced',
};

/** Adds one day's hash (`in|alice` → 120, …) into per-id totals. */
export function addDay(rows: Map<string, UsageTotals>, hash: Record<string, string>): void {
  for (const [field, value] of Object.entries(hash)) {
    const separator = field.indexOf('|');
    const metric = METRICS[field.slice(0, separator)];
    if (separator < 0 || metric === undefined) continue;
    const id = field.slice(separator + 1);
    const row = rows.get(id) ?? { ...NO_USAGE };
    row[metric] += metric === 'costUsd' ? Number(value) / NANO_USD : Number(value);
    rows.set(id, row);
  }
}

export function sumOf(rows: Iterable<UsageTotals>): UsageTotals {
  const total = { ...NO_USAGE };
  for (const row of rows) for (const key of Object.keys(total) as (keyof UsageTotals)[]) total[key] += row[key];
  return total;
}

/** Rows by estimated cost, then tokens, most first; ties by id so a report reads the same twice. */
export function ranked(rows: Map<string, UsageTotals>, names: Record<string, string> = {}): UsageRow[] {
  return [...rows]
    .map(([id, totals]) => ({ id, name: names[id] ?? id, ...totals }))
    .sort((a, b) => b.costUsd - a.costUsd || b.tokensIn + b.tokensOut - (a.tokensIn + a.tokensOut) || b.images - a.images || a.id.localeCompare(b.id));
}
