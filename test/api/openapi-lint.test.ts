/**
 * The served `/openapi.json` passes Redocly's linter (`@redocly/cli lint`) with the committed rules
 * (`test/api/redocly.yaml`): not one error, not one warning. The document is the one every function composes
 * into the emulator (all routes), built in-process as `npm run client:generate` builds it.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { buildOpenApiDocument } from '../../infra/client/document';

const ROOT = join(__dirname, '../..');
const REDOCLY = join(ROOT, 'node_modules/.bin/redocly');
const CONFIG = join(__dirname, 'redocly.yaml');

interface LintReport {
  totals: { errors: number; warnings: number };
  problems: { ruleId: string; severity: string; message: string; location: { pointer: string }[] }[];
}

function lint(file: string): Promise<LintReport> {
  return new Promise((resolve, reject) => {
    execFile(
      REDOCLY,
      ['lint', file, '--config', CONFIG, '--format', 'json'],
      // Redocly asks no questions and sends nothing home when told so.
      {
        cwd: ROOT,
        env: { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true' },
      },
      (error, stdout) => {
        try {
          resolve(JSON.parse(stdout) as LintReport);
        } catch {
          reject(error ?? new Error(`redocly printed no JSON report: ${stdout.slice(0, 500)}`));
        }
      },
    );
  });
}

describe('the OpenAPI document under Redocly’s linter', () => {
  let dir: string | undefined;
  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('has no error and no warning', async () => {
    dir = await mkdtemp(join(tmpdir(), 'openapi-lint-'));
    const file = join(dir, 'openapi.json');
    await writeFile(file, JSON.stringify(await buildOpenApiDocument()));
    const report = await lint(file);
    const problems = report.problems.map(
      (p) => `${p.severity} ${p.ruleId} at ${p.location[0]?.pointer}: ${p.message}`,
    );
    expect(problems).toEqual([]);
    expect(report.totals).toMatchObject({ errors: 0, warnings: 0 });
  }, 60_000);

  it('would report a document that breaks a rule (an operation without a 4xx answer)', async () => {
    dir ??= await mkdtemp(join(tmpdir(), 'openapi-lint-'));
    const document = await buildOpenApiDocument();
    const paths = document.paths as Record<string, Record<string, { responses: Record<string, unknown> }>>;
    paths['/healthz']!.get!.responses = { 200: { description: 'Healthy' } };
    const file = join(dir, 'broken.json');
    await writeFile(file, JSON.stringify(document));
    const report = await lint(file);
    expect(report.problems.map((p) => p.ruleId)).toContain('operation-4xx-response');
    expect(report.totals.errors).toBeGreaterThan(0);
  }, 60_000);
});
