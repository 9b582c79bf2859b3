/**
 * The README's price table is the bench's: generated from `prices.ts`, so a price changed in one place and not
 * the other fails here. And the cost model, fed the operations measured before the lean-functions work, gives
 * the AWS figures that work started from (API Gateway ≈ $44, S3 reads ≈ $35, S3 writes ≈ $44 a month).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { awakeFleetCost } from './cost';
import { PRICES, priceTableMarkdown } from './prices';

const README = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');

describe('prices', () => {
  it('are the table the README shows between its prices markers', () => {
    const block = /<!-- prices:begin -->\n([\s\S]*?)\n<!-- prices:end -->/.exec(README)?.[1];
    expect(block).toBe(priceTableMarkdown());
  });

  it('each name a source, and a date or "assumed"', () => {
    for (const p of PRICES) {
      expect(p.source.length, p.id).toBeGreaterThan(10);
      expect(p.as_of, p.id).toMatch(/^(\d{4}-\d{2}(-\d{2})?|assumed)$/);
    }
  });

  it('price the operations measured before the work as the figures that work started from', () => {
    const lines = awakeFleetCost({
      readsPerHeartbeat: 2,
      writesPerWorkerHour: 12,
      warmHeartbeatMs: 0,
      sweeperOpsPerRun: 16,
    });
    const usd = (what: string) => lines.find((l) => l.cloud === 'AWS' && l.what === what)!.usd_per_month;
    expect(Math.round(usd('API Gateway HTTP API requests'))).toBe(44);
    expect(Math.round(usd('S3 GET requests'))).toBe(35);
    expect(Math.round(usd('S3 PUT requests'))).toBe(44);
  });
});
