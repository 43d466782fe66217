export interface BenchRow {
  metric: string;
  mailroom: number;
  baseline: number | null;
  ratio: number | null;
  unit: string;
}

export interface BenchResult {
  title: string;
  rows: BenchRow[];
  /** Flat snake_case keys, each a number: the contract's benchmark output. */
  json: Record<string, number>;
}

export type Bench = (opts: { quick?: boolean }) => Promise<BenchResult>;

export function percentile(values: number[], p: number): number {
  if (!values.length) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const idx = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[idx]!;
}

export const round = (n: number, digits = 2) => Math.round(n * 10 ** digits) / 10 ** digits;
