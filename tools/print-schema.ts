/** `npm run schema`: writes the printed schema to schema.graphql. */
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { printSchema } from 'graphql';
import { schema } from '../src/wiring/graphql-schema.js';

export const SCHEMA_FILE = resolve(import.meta.dirname, '../schema.graphql');
export const printedSchema = () => `${printSchema(schema)}\n`;

if (process.argv[1] && resolve(process.argv[1]) === resolve(import.meta.filename)) {
  writeFileSync(SCHEMA_FILE, printedSchema());
  console.log(`wrote ${SCHEMA_FILE}`);
}
