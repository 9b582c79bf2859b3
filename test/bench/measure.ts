/** Small measurement helpers for `npm run bench`: latency percentiles and throughput of an async operation. */

export interface LatencyResult {
  name: string;
  runs: number;
  p50_ms: number;
  p99_ms: number;
  mean_ms: number;
  ops_per_s: number;
}

const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!;

/** Runs `op` `runs` times sequentially after `warmup` runs; `op(i)` gets the iteration index. */
export async function measure(
  name: string,
  op: (i: number) => Promise<unknown>,
  options: { runs?: number; warmup?: number } = {},
): Promise<LatencyResult> {
  const runs = options.runs ?? 300;
  for (let i = 0; i < (options.warmup ?? 20); i++) await op(-1 - i);
  const samples: number[] = [];
  const started = performance.now();
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    await op(i);
    samples.push(performance.now() - t0);
  }
  const total = performance.now() - started;
  samples.sort((a, b) => a - b);
  const round = (n: number) => Math.round(n * 1000) / 1000;
  return {
    name,
    runs,
    p50_ms: round(percentile(samples, 0.5)),
    p99_ms: round(percentile(samples, 0.99)),
    mean_ms: round(total / runs),
    ops_per_s: Math.round((runs / total) * 1000),
  };
}

/** Prints rows as an aligned table. */
export function printTable(title: string, rows: Record<string, unknown>[]): void {
  if (rows.length === 0) return;
  const columns = Object.keys(rows[0]!);
  const cell = (v: unknown) => (typeof v === 'number' ? String(v) : String(v ?? ''));
  const widths = columns.map((c) => Math.max(c.length, ...rows.map((r) => cell(r[c]).length)));
  const line = (values: string[]) => values.map((v, i) => v.padEnd(widths[i]!)).join('  ');
  console.log(`\n${title}`);
  console.log(line(columns));
  console.log(line(widths.map((w) => '-'.repeat(w))));
  for (const row of rows) console.log(line(columns.map((c) => cell(row[c]))));
}
