/** The upstream platform's own OpenAPI fragment (vendored verbatim): does an answer keep its shape? */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import { parse as parseYaml } from 'yaml';

/** The upstream schemas (verbatim): every property answered must be one of the schema's, of its type. */
export const upstream = parseYaml(readFileSync(join(import.meta.dirname, '..', 'fixtures', 'seqera-platform-extra-openapi.yaml'), 'utf8'));

export function conforms(value: unknown, schema: any, path: string): void {
  if (schema.$ref) {
    conforms(value, upstream.components.schemas[schema.$ref.split('/').pop()], path);
  } else if (schema.allOf) {
    conforms(value, schema.allOf[0], path);
  } else if (value === null) {
    expect(schema.nullable, `${path} is null`).toBe(true);
  } else if (schema.type === 'object') {
    expect(typeof value, path).toBe('object');
    for (const [key, inner] of Object.entries(value as object)) {
      expect(schema.properties, `${path}.${key} is in the upstream schema`).toHaveProperty(key);
      conforms(inner, schema.properties[key], `${path}.${key}`);
    }
  } else if (schema.type === 'array') {
    expect(Array.isArray(value), path).toBe(true);
    for (const item of value as unknown[]) conforms(item, schema.items, `${path}[]`);
  } else if (schema.type === 'integer') {
    expect(Number.isInteger(value), path).toBe(true);
  } else {
    expect(typeof value, path).toBe(schema.type);
    if (schema.format === 'date-time') expect(Number.isNaN(Date.parse(value as string)), path).toBe(false);
  }
}
