/**
 * What every probe shares: its outcome (valid, invalid with the provider's
 * words, transient), what it sees of a credential, and the steps that turn a
 * provider's answer into an outcome. One file per family of providers beside
 * this one; index.ts names the probe of each provider.
 */
import { quoted } from '../../../core/text.js';
import type { AwsSts } from '../../../infra/aws-sts.js';
import { type GuardedHttp, ProbeRefused, type ProbeResponse, ProbeUnreachable } from '../../../infra/guarded-http.js';

/**
 * A valid outcome may say when the credential expires, as the provider told
 * (GitHub's token expiration header), and who the provider says it is (the
 * AWS identity: stored as the validation's message).
 */
export type ProbeOutcome =
  | { result: 'valid'; expiresAt?: Date; identity?: string }
  | { result: 'invalid'; message: string }
  | { result: 'transient'; message: string };

/** What a probe sees of a credential: its provider, every key field (secret ones opened), its base URL. */
export interface ProbeTarget {
  provider: string;
  keys: Readonly<Record<string, string | boolean | null | undefined>>;
  baseUrl: string | null;
}

export interface ProbeContext {
  http: GuardedHttp;
  /** AWS STS (AWS_STS_ENDPOINT; default the global endpoint), through the same guarded client. */
  sts: AwsSts;
  /** A federated credential's check: the exchange of a fresh ID token a delivery would make (absent: nothing to check online). */
  federatedCheck?: () => Promise<string>;
}

export type Probe = (target: ProbeTarget, ctx: ProbeContext) => Promise<ProbeOutcome>;

export const VALID: ProbeOutcome = { result: 'valid' };
export const invalid = (message: string): ProbeOutcome => ({ result: 'invalid', message });
export const text = (v: unknown) => (v === undefined || v === null ? '' : String(v));

/** A probe's network step, with the guard's refusals as INVALID and unreachable providers as transient. */
export async function guarded(step: () => Promise<ProbeOutcome>): Promise<ProbeOutcome> {
  try {
    return await step();
  } catch (error) {
    if (error instanceof ProbeRefused) return invalid(error.message);
    if (error instanceof ProbeUnreachable) return { result: 'transient', message: error.message };
    throw error;
  }
}

/** The provider's own words from an error answer (JSON `message`, `error_description`…, else the start of the text). */
export function providerMessage(response: ProbeResponse): string {
  try {
    const body = JSON.parse(response.body) as Record<string, unknown>;
    const errors = body.errors as { message?: string; detail?: string }[] | undefined;
    const found =
      body.message ??
      body.error_description ??
      (body.error as { message?: string } | undefined)?.message ??
      body.error ??
      errors?.[0]?.message ??
      errors?.[0]?.detail;
    if (found) return String(found);
  } catch {
    /* not JSON */
  }
  return response.body.trim().slice(0, 300) || `HTTP ${response.status}`;
}

/** A 2xx is valid; 401 or 403 the provider's refusal; 5xx (or 429) transient; any other answer invalid. */
export function verdict(response: ProbeResponse, what: string): ProbeOutcome {
  if (response.status >= 200 && response.status < 300) return VALID;
  if (response.status >= 500 || response.status === 429) return { result: 'transient', message: `${what} answered ${response.status}` };
  return invalid(`${what} refused the credentials (${response.status}): ${providerMessage(response)}`);
}

export const basic = (user: string, secret: string) => `Basic ${Buffer.from(`${user}:${secret}`).toString('base64')}`;

/**
 * The base URL of a git provider, defaulting to its cloud. A stored value that
 * is no http(s) URL (accepted before the rule was checked on create) is the
 * credential's problem: INVALID, never a failure of the service.
 */
export function baseOf(target: ProbeTarget, cloud: string): URL {
  let url: URL;
  try {
    url = new URL(target.baseUrl || cloud);
  } catch {
    throw new ProbeRefused(`baseUrl ${quoted(target.baseUrl)} is not a URL`);
  }
  if ((url.protocol !== 'https:' && url.protocol !== 'http:') || url.hostname === '') {
    throw new ProbeRefused(`baseUrl ${quoted(target.baseUrl)} is not an http or https URL`);
  }
  return url;
}
