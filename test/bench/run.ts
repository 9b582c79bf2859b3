/**
 * `npm run bench`: every benchmark, printed as JSON (for machines) and tables (for people). Speed and memory are
 * measured here, never asserted in tests.
 */
import { benchApiOnFs } from './api-fs';
import { printTable } from './measure';

const report: Record<string, unknown> = { node: process.version, at: new Date().toISOString() };

const api = await benchApiOnFs();
report.api_fs = api;
printTable('API in process, fs store (ms)', api.results as unknown as Record<string, unknown>[]);
printTable(
  'Orchestrator ÷ raw store',
  Object.entries(api.ratios).map(([what, ratio]) => ({ what, ratio })),
);

console.log('\nJSON');
console.log(JSON.stringify(report, null, 2));
