/**
 * The typed client is only as true as `src/client/schema.ts`. These tests regenerate it from the document the app
 * serves and compare: a route, schema or description changed without `npm run client:generate` fails here.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildOpenApiDocument } from '../../infra/client/document';
import { SCHEMA_FILE, schemaSource } from '../../infra/client/schema-source';

const committed = () => readFile(join(__dirname, '../..', SCHEMA_FILE), 'utf8');

describe('the committed client types', () => {
  it('are exactly what the served /openapi.json generates (else run npm run client:generate)', async () => {
    const expected = await schemaSource(await buildOpenApiDocument());
    // Not toBe: a diff of 5,000 lines is unreadable; the first differing line says which route moved.
    const actual = await committed();
    const lines = { expected: expected.split('\n'), actual: actual.split('\n') };
    const at = lines.expected.findIndex((line, i) => line !== lines.actual[i]);
    expect(
      at === -1 && lines.expected.length === lines.actual.length
        ? 'in step'
        : `${SCHEMA_FILE} differs from the served document at line ${at + 1}: run npm run client:generate`,
    ).toBe('in step');
  });

  it('would fail the check above when a route is added without regenerating', async () => {
    const document = await buildOpenApiDocument();
    const paths = document.paths as Record<string, unknown>;
    paths['/workers/{name}/pause'] = {
      post: { operationId: 'pauseWorker', responses: { 204: { description: 'Paused' } } },
    };

    expect(await schemaSource(document)).not.toBe(await committed());
  });
});
