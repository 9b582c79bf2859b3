/**
 * What makes `/openapi.json` a usable reference beyond what the linter checks: the shapes a client names are named
 * components, and every field, parameter and component says what it is and shows an example.
 */
import { describe, expect, it } from 'vitest';
import { buildOpenApiDocument } from '../../infra/client/document';

type Schema = {
  $ref?: string;
  description?: string;
  example?: unknown;
  properties?: Record<string, Schema>;
  items?: Schema;
  additionalProperties?: Schema | boolean;
  anyOf?: Schema[];
  oneOf?: Schema[];
  allOf?: Schema[];
};
type Operation = {
  parameters?: { name: string; in: string; description?: string; example?: unknown; schema?: Schema }[];
  requestBody?: { content: Record<string, { schema: Schema }> };
  responses: Record<string, { content?: Record<string, { schema: Schema }> }>;
};
type Document = {
  components: { schemas: Record<string, Schema> };
  paths: Record<string, Record<string, Operation>>;
};

/** Every property (at any depth) that lacks a description or an example, as `where.field`. */
function undocumentedFields(schema: Schema, where: string, found: string[] = []): string[] {
  for (const [name, field] of Object.entries(schema.properties ?? {})) {
    if (!field.$ref && (field.description === undefined || field.example === undefined))
      found.push(`${where}.${name}`);
    undocumentedFields(field, `${where}.${name}`, found);
  }
  if (schema.items) undocumentedFields(schema.items, `${where}[]`, found);
  if (typeof schema.additionalProperties === 'object')
    undocumentedFields(schema.additionalProperties, `${where}{}`, found);
  for (const part of [...(schema.anyOf ?? []), ...(schema.oneOf ?? []), ...(schema.allOf ?? [])])
    undocumentedFields(part, where, found);
  return found;
}

describe('the OpenAPI document', () => {
  it('declares the request headers each route honours: Idempotency-Key, If-Match, If-None-Match, and the 412', async () => {
    const doc = (await buildOpenApiDocument()) as unknown as {
      paths: Record<
        string,
        Record<string, { parameters?: { name: string; in: string }[]; responses: object }>
      >;
    };
    const headers = (path: string, method: string) =>
      (doc.paths[path]?.[method]?.parameters ?? []).filter((p) => p.in === 'header').map((p) => p.name);
    expect(headers('/workers/{name}', 'patch')).toEqual(['If-Match']);
    expect(doc.paths['/workers/{name}']?.patch?.responses).toHaveProperty('412');
    expect(headers('/workers', 'post')).toEqual(['Idempotency-Key', 'If-None-Match']);
    expect(headers('/workers/{name}', 'delete')).toEqual(['Idempotency-Key', 'If-Match']);
    expect(headers('/api/v1/workers/{name}', 'put')).toEqual(['If-Match']);
    expect(headers('/workers/{name}', 'get')).toEqual([]);
    expect(headers('/api/v1/credentials/sts', 'post')).toEqual([]);
  });

  it('names the shapes a client uses as components', async () => {
    const doc = (await buildOpenApiDocument()) as unknown as Document;
    expect(Object.keys(doc.components.schemas)).toEqual(
      expect.arrayContaining([
        'Worker',
        'WorkerList',
        'CreateWorkerInput',
        'UpdateWorkerInput',
        'Error',
        'WorkerNotFound',
        'WorkerEvent',
        'Health',
        'StsCredentials',
        'Team',
        'TeamKey',
        'SweepReport',
        'V1Worker',
        'V1Error',
      ]),
    );
    const created = doc.paths['/workers']!.post!;
    expect(created.requestBody!.content['application/json']!.schema.$ref).toBe(
      '#/components/schemas/CreateWorkerInput',
    );
    expect(created.responses['201']!.content!['application/json']!.schema.$ref).toBe(
      '#/components/schemas/Worker',
    );
  });

  it('describes every field and shows an example of it, in components and inline alike', async () => {
    const doc = (await buildOpenApiDocument()) as unknown as Document;
    const missing: string[] = [];
    for (const [name, schema] of Object.entries(doc.components.schemas)) {
      if (schema.description === undefined || schema.example === undefined) missing.push(`component ${name}`);
      undocumentedFields(schema, name, missing);
    }
    for (const [path, operations] of Object.entries(doc.paths)) {
      for (const [method, operation] of Object.entries(operations)) {
        const at = `${method.toUpperCase()} ${path}`;
        for (const parameter of operation.parameters ?? []) {
          const example = parameter.example ?? parameter.schema?.example;
          if (parameter.description === undefined || example === undefined)
            missing.push(`${at} ${parameter.in} parameter ${parameter.name}`);
        }
        for (const media of Object.values(operation.requestBody?.content ?? {}))
          undocumentedFields(media.schema, `${at} body`, missing);
        for (const [status, response] of Object.entries(operation.responses))
          for (const media of Object.values(response.content ?? {}))
            undocumentedFields(media.schema, `${at} ${status}`, missing);
      }
    }
    expect(missing).toEqual([]);
  });
});
