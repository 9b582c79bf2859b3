/**
 * `npm run client:generate`: writes `src/client/schema.ts` from the document the app serves, built in-process
 * (no running server needed).
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { buildOpenApiDocument } from './document';
import { SCHEMA_FILE, schemaSource } from './schema-source';

const root = join(import.meta.dirname, '../..');
const source = await schemaSource(await buildOpenApiDocument());
await writeFile(join(root, SCHEMA_FILE), source);
process.stdout.write(`wrote ${SCHEMA_FILE} (${source.split('\n').length} lines)\n`);
