/**
 * The wire credential as JSON text (the shape `credentialsRead` in schemas.ts
 * documents): every returned key field in the provider table's order (null when
 * unset), every secret field as null, the discriminator, then the dates. Written
 * by a writer compiled once per provider rather than built as an object and
 * stringified: about 1 µs a credential instead of 5, which is most of a list's
 * cost. Strings go through JSON.stringify; timestamps are ISO text already.
 */
import type { Timestamp } from '../core/time.js';
import { type ProviderSpec, providers, returnedFields, secretFields } from '../credentials/providers.js';
import type { CredentialPage, CredentialView } from '../credentials/view.js';

const quote = JSON.stringify;
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

const keysWriters = new Map([...providers.values()].map((spec) => [spec.id, compileKeys(spec)]));

/** One credential as the wire's JSON object. */
export function credentialJson(view: CredentialView): string {
  return (
    `{"id":"${view.id}","name":${quote(view.name)},"description":${text(view.description)},"provider":"${view.provider}",` +
    `"baseUrl":${text(view.baseUrl)},"category":${text(view.category)},"keys":${keysWriters.get(view.provider)!(view.keys)},"deleted":null,` +
    `"lastUsed":${instant(view.lastUsed)},"dateCreated":"${view.dateCreated}","lastUpdated":"${view.lastUpdated}",` +
    `"status":"${view.status}","message":${text(view.message)},"lastValidated":${instant(view.lastValidated)}}`
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
    json = '{"credentials":[';
    for (let i = 0; i < page.items.length; i++) json += (i === 0 ? '' : ',') + credentialJson(page.items[i]!.credential);
    json += ']}';
    written.set(page, json);
  }
  return json;
}
