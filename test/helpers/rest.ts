/** A REST client for tests that validates every response against the served OpenAPI document. */
import Ajv2020 from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { expect } from 'vitest';
import { openApiDocument } from '../../src/doors/rest/openapi.js';
import { REST_COMPONENTS, REST_ROUTES } from '../../src/wiring/rest-api.js';
import { send } from './http.js';

const document = openApiDocument(REST_ROUTES, REST_COMPONENTS) as any;
const ajv = new (Ajv2020 as unknown as typeof Ajv2020.default)({ strict: false, allErrors: true });
(addFormats as unknown as typeof addFormats.default)(ajv);
ajv.addSchema({ $id: 'openapi.json', components: document.components }, 'openapi.json');

/** Each path template of the document with the pattern of the paths it stands for. */
const templates = Object.keys(document.paths).map((template) => ({ template, pattern: new RegExp(`^${template.replace(/\{[^}]+\}/g, '[^/]+')}$`) }));
/** One compiled validator per referenced schema (Ajv compiles anew for each new schema object). */
const validators = new Map<string, ReturnType<typeof ajv.compile>>();

function responseSchema(method: string, path: string, status: number): object | undefined | null {
  const template = templates.find((t) => t.pattern.test(path))?.template;
  if (!template) return null;
  const operation = document.paths[template][method.toLowerCase()];
  if (!operation) return null;
  const response = operation.responses[String(status)];
  if (!response) return null;
  return response.content?.['application/json']?.schema;
}

export interface RestResult {
  status: number;
  headers: Headers;
  text: string;
  body: any;
}

/**
 * Calls the API and checks the answer is one the OpenAPI document declares for
 * that operation and status, with a body its schema accepts.
 */
export async function rest(
  server: { url: string },
  token: string | undefined,
  method: string,
  pathAndQuery: string,
  body?: unknown,
  options: { raw?: string; contentType?: string; validate?: boolean } = {},
): Promise<RestResult> {
  const { status, headers, text } = await send(`${server.url}${pathAndQuery}`, {
    method,
    headers: {
      'content-type': options.contentType ?? 'application/json',
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    body: options.raw ?? (body === undefined ? undefined : JSON.stringify(body)),
  });
  const result = { status, headers, text, body: text ? JSON.parse(text) : undefined };
  const path = pathAndQuery.split('?')[0]!;
  if (options.validate !== false && /^\/api\/(credentials|pipeline-secrets)(\/|$)/.test(path)) expectDeclaredResponse(method, path, result);
  return result;
}

/** The response is one the OpenAPI document declares for the operation and status, with a body its schema accepts. */
export function expectDeclaredResponse(method: string, path: string, result: { status: number; text: string; body: unknown }): void {
  const schema = responseSchema(method, path, result.status);
  expect(schema, `${method} ${path} → ${result.status} is declared in the OpenAPI document`).not.toBeNull();
  if (schema) {
    const ref = `openapi.json${(schema as { $ref: string }).$ref}`;
    const validate = validators.get(ref) ?? ajv.compile({ $ref: ref });
    validators.set(ref, validate);
    const valid = validate(result.body);
    expect(valid, `${method} ${path} → ${result.status}: ${ajv.errorsText(validate.errors)}\n${result.text.slice(0, 500)}`).toBe(true);
  } else {
    expect(result.text, `${method} ${path} → ${result.status} has an empty body`).toBe('');
  }
}
