/**
 * The wire credential as JSON text (the shape `credentialsRead` in schemas.ts
 * documents): every returned key field in the provider table's order (null when
 * unset), every secret field as null, the discriminator, then the dates. Written
 * by a writer compiled once per provider rather than built as an object and
 * stringified: about 1 µs a credential instead of 5, which is most of a list's
 * cost. Strings are escaped as JSON.stringify does; timestamps are ISO text already.
 */
import type { Timestamp } from '../../../../core/time.js';
import { type ProviderSpec, providers, returnedFields, secretFields } from '../../../providers/index.js';
import type { CredentialPage, CredentialView } from '../../rules/view.js';
import { restSpec } from './legacy.js';

/** What JSON.stringify escapes in a string: quote, backslash, controls, surrogates (escaped when lone). */
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are exactly what JSON must escape.
const ESCAPED = /[\u0000-\u001f"\\\ud800-\udfff]/;
/** A JSON string: most values need no escaping and are quoted as they are (half the time of JSON.stringify). */
const quote = (value: string | boolean): string => (typeof value === 'string' && !ESCAPED.test(value) ? `"${value}"` : JSON.stringify(value));
const text = (value: string | null) => (value === null ? 'null' : quote(value));
const instant = (value: Timestamp | null) => (value === null ? 'null' : `"${value}"`);

type KeysWriter = (keys: CredentialView['keys']) => string;

function compileKeys(spec: ProviderSpec): KeysWriter {
  const returned = returnedFields(spec).map((name) => [name, `${quote(name)}:`] as const);
  const tail = `${secretFields(spec)
    .map((name) => `${quote(name)}:null,`)
    .join('')}"discriminator":${quote(spec.id)}}`;
  return (keys) => {
    let json = '{';
    for (const [name, prefix] of returned) {
      const value = keys[name];
      json += `${prefix}${value === undefined || value === null ? 'null' : quote(value)},`;
    }
    return json + tail;
  };
}

const keysWriters = new Map([...providers.values()].map((spec) => [spec.id, compileKeys(restSpec(spec))]));

/** One credential as the wire's JSON object. */
export function credentialJson(view: CredentialView): string {
  return (
    `{"id":"${view.id}","name":${quote(view.name)},"description":${text(view.description)},"provider":"${view.provider}",` +
    `"baseUrl":${text(view.baseUrl)},"category":${text(view.category)},"keys":${keysWriters.get(view.provider)!(view.keys)},"deleted":null,` +
    `"lastUsed":${instant(view.lastUsed)},"dateCreated":"${view.dateCreated}","lastUpdated":"${view.lastUpdated}",` +
    `"status":"${view.status}","message":${text(view.message)},"lastValidated":${instant(view.lastValidated)},` +
    `"expiresAt":${instant(view.expiresAt)},"expiresAtSource":${view.expiresAtSource === null ? 'null' : `"${view.expiresAtSource}"`}}`
  );
}

/** GET /api/credentials/{id}: the credential, and its setup snippet when it has one. */
export function describeJson(view: CredentialView): string {
  const snippet = view.setupSnippet === null ? '' : `,"setupSnippet":${quote(view.setupSnippet)}`;
  return `{"credentials":${credentialJson(view)}${snippet}}`;
}

// A page's text is kept with the page: the domain serves the same page object while the owner's
// credentials are unchanged (it checks their version on every request), and the text goes with it.
const written = new WeakMap<CredentialPage, string>();

/** GET /api/credentials: the page's credentials, written once per page the domain reads. */
export function listJson(page: CredentialPage): string {
  let json = written.get(page);
  if (json === undefined) {
    json = writeList(page);
    written.set(page, json);
  }
  return json;
}

/** The list's JSON, written anew. */
export function writeList(page: CredentialPage): string {
  return `{"credentials":[${page.items.map((item) => credentialJson(item.credential)).join(',')}]}`;
}
