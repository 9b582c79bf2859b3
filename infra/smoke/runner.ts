/**
 * Runs one step: its rows, a SKIP when it lacks a setting, a FAIL row when it throws, and its clean-up in every
 * case, reported as a row of its own (what was removed, or what was left behind and why).
 *
 * @module
 */
import type { Env } from '../../src/config/env';
import { describeError, type Polling, SkipStep, type SmokeStepRunner, type StepResult } from './step';

export async function runStep(
  step: SmokeStepRunner,
  base: {
    run: string;
    env: Env;
    polling: Polling;
    creators: number;
    log: (line: string) => void;
    expected: string;
  },
): Promise<StepResult[]> {
  const rows: StepResult[] = [];
  const undo: { what: string; run: () => Promise<void> }[] = [];
  const idFor = (part: string | undefined) => (part ? `${step.id}: ${part}` : step.id);
  try {
    await step.run({
      run: base.run,
      env: base.env,
      polling: base.polling,
      creators: base.creators,
      log: base.log,
      check: (part, expected, observed, pass) => rows.push({ id: idFor(part), expected, observed, pass }),
      cleanup: (what, run) => undo.push({ what, run }),
    });
  } catch (error) {
    if (error instanceof SkipStep) {
      rows.push({
        id: step.id,
        expected: base.expected,
        observed: `skipped: ${error.message}`,
        pass: false,
        skipped: true,
      });
    } else {
      rows.push({
        id: idFor('error'),
        expected: 'no error',
        observed: `error: ${describeError(error)}`,
        pass: false,
      });
    }
  }
  if (undo.length === 0) return rows;
  const removed: string[] = [];
  const left: string[] = [];
  for (const item of undo.reverse()) {
    try {
      await item.run();
      removed.push(item.what);
    } catch (error) {
      left.push(`${item.what} (${describeError(error)})`);
    }
  }
  rows.push({
    id: idFor('cleanup'),
    expected: 'everything the step created is removed',
    observed: left.length ? `LEFT BEHIND: ${left.join('; ')}` : `removed ${removed.join(', ')}`,
    pass: left.length === 0,
  });
  return rows;
}

export function table(results: StepResult[]): string {
  const rows = [
    ['step', 'expected', 'observed', 'result'],
    ...results.map((r) => [r.id, r.expected, r.observed, r.pass ? 'PASS' : r.skipped ? 'SKIP' : 'FAIL']),
  ];
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((row) => row[c]!.length)));
  return rows.map((row) => row.map((cell, c) => cell.padEnd(widths[c]!)).join(' | ')).join('\n');
}
