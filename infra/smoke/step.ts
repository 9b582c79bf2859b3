/**
 * What a smoke step is and what it reports. A step records expected-vs-observed rows as it goes (so the rows
 * before a failure survive it) and registers how to remove each thing it creates right after creating it (so a
 * step that fails half-way still leaves nothing behind).
 *
 * @module
 */
import { SaeApiError } from '../../src/backends/sae';
import type { Env } from '../../src/config/env';
import { OrchestratorError } from '../../src/errors';

export interface StepResult {
  id: string;
  expected: string;
  observed: string;
  pass: boolean;
  /** The step did not run (a setting it needs is unset): neither a pass nor a failure. */
  skipped?: boolean;
}

export interface Polling {
  /** Pause between two reads of a resource's state. */
  intervalMs: number;
  /** How long one wait (for a deploy, a scale-down...) may last before the row fails. */
  timeoutMs: number;
}

export interface StepContext {
  /** The run id: names (and tags, where the service takes tags) everything the step creates. */
  run: string;
  env: Env;
  polling: Polling;
  /** How many concurrent creators the create-race steps start (`--creators N`, default 10). */
  creators: number;
  /** One row of the table: `<step>` or `<step>: <part>`. */
  check(part: string | undefined, expected: string, observed: string, pass: boolean): void;
  /** How to remove what was just created; undone in reverse order when the step ends, whatever its outcome. */
  cleanup(what: string, undo: () => Promise<void>): void;
  /** Progress for the person watching a run that can take many minutes (not part of the table). */
  log(line: string): void;
}

export interface SmokeStepRunner {
  id: string;
  run(ctx: StepContext): Promise<void>;
}

/** Thrown before anything is created when a setting the step needs is missing: the step is reported as SKIP. */
export class SkipStep extends Error {
  override readonly name = 'SkipStep';
}

/**
 * A short, secret-free account of a failure. The product's own errors are sanitized by design (no credential,
 * header or env value in a message), so their message is shown; an SDK error is reduced to its code and status,
 * since some vendor messages echo request material.
 */
export function describeError(error: unknown): string {
  if (error instanceof OrchestratorError || error instanceof SaeApiError || error instanceof SkipStep) {
    return error.message;
  }
  const e = (error ?? {}) as {
    name?: string;
    code?: string;
    status?: number;
    statusCode?: number;
    $metadata?: { httpStatusCode?: number };
  };
  const status = e.status ?? e.statusCode ?? e.$metadata?.httpStatusCode;
  return `${e.code ?? e.name ?? 'error'}${status ? ` (HTTP ${status})` : ''}`;
}
