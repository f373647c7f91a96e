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

/** The rows of a day's hash by their field's kind: `m|<model>`, `u|<user>`, `g|<group>`. */
export interface PackedRows {
  m: Map<string, UsageTotals>;
  u: Map<string, UsageTotals>;
  g: Map<string, UsageTotals>;
}

/** The figures of a packed row, in the order the usage script writes them. */
const PACKED: readonly (keyof UsageTotals)[] = ['tokensIn', 'tokensOut', 'calls', 'images', 'costUsd', 'unpriced'];

/**
 * Adds one day's hash of packed rows (`u|alice` → "120 30 1 0 45000 0") into per-id totals, and its names
 * (`n|alice` → a display name) into `names`. A field of another kind, or a figure that is not a number, is left out.
 */
export function addPackedDay(rows: PackedRows, names: Record<string, string>, hash: Record<string, string>): void {
  for (const [field, value] of Object.entries(hash)) {
    const kind = field.slice(0, 2);
    const id = field.slice(2);
    if (kind === 'n|') {
      names[id] = value;
      continue;
    }
    const into = kind === 'm|' ? rows.m : kind === 'u|' ? rows.u : kind === 'g|' ? rows.g : undefined;
    const figures = value.split(' ').map(Number);
    if (into === undefined || figures.length !== PACKED.length || figures.some((figure) => !Number.isFinite(figure))) continue;
    const row = into.get(id) ?? { ...NO_USAGE };
    PACKED.forEach((metric, index) => {
      row[metric] += metric === 'costUsd' ? figures[index]! / NANO_USD : figures[index]!;
    });
    into.set(id, row);
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
