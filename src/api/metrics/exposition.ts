/**
 * The Prometheus text exposition format (version 0.0.4), just what `/metrics` writes: HELP and TYPE lines, label
 * values escaped, histograms as cumulative `_bucket{le}` lines with `_sum` and `_count`.
 *
 * @module
 */

export type Labels = Record<string, string>;

/** The content type Prometheus asks for and accepts. */
export const EXPOSITION_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

/** Backslash, double quote and newline are the three characters a label value must escape. */
const escapeLabel = (value: string): string =>
  value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');

const escapeHelp = (text: string): string => text.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');

const labelText = (labels: Labels): string => {
  const pairs = Object.entries(labels).map(([key, value]) => `${key}="${escapeLabel(value)}"`);
  return pairs.length ? `{${pairs.join(',')}}` : '';
};

const numberText = (value: number): string =>
  Number.isFinite(value) ? String(value) : value > 0 ? '+Inf' : value < 0 ? '-Inf' : 'NaN';

/** Collects metric families in the order they are declared; `text()` renders them. */
export class Exposition {
  private readonly lines: string[] = [];

  /** A family of gauges or counters; one sample per entry of `samples`. */
  family(
    name: string,
    type: 'gauge' | 'counter',
    help: string,
    samples: readonly { labels?: Labels; value: number }[],
  ): this {
    this.lines.push(`# HELP ${name} ${escapeHelp(help)}`, `# TYPE ${name} ${type}`);
    for (const sample of samples) {
      this.lines.push(`${name}${labelText(sample.labels ?? {})} ${numberText(sample.value)}`);
    }
    return this;
  }

  /** A histogram over `observations`, with the given upper bounds (`+Inf` is added). */
  histogram(
    name: string,
    help: string,
    bounds: readonly number[],
    series: readonly { labels?: Labels; observations: readonly number[] }[],
  ): this {
    this.lines.push(`# HELP ${name} ${escapeHelp(help)}`, `# TYPE ${name} histogram`);
    for (const { labels = {}, observations } of series) {
      for (const bound of [...bounds, Number.POSITIVE_INFINITY]) {
        const count = observations.filter((value) => value <= bound).length;
        this.lines.push(`${name}_bucket${labelText({ ...labels, le: numberText(bound) })} ${count}`);
      }
      const sum = observations.reduce((total, value) => total + value, 0);
      this.lines.push(`${name}_sum${labelText(labels)} ${numberText(sum)}`);
      this.lines.push(`${name}_count${labelText(labels)} ${observations.length}`);
    }
    return this;
  }

  text(): string {
    return `${this.lines.join('\n')}\n`;
  }
}
