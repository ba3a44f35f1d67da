/** Seqera's service-info, as this service answers it (GET /api/service-info, public). */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Pairings } from '../features/delivery/use-cases/pairings.js';
import type { BrowserSignIn } from '../features/sign-in/use-cases/browser.js';
import { projectRoot } from '../infra/project.js';

/** Seqera's ServiceInfo, as far as this service can fill it truthfully. */
export interface ServiceInfo {
  version: string;
  apiVersion: string;
  authTypes: string[];
  waveEnabled: boolean;
  userWorkspaceEnabled: boolean;
  seqeraCloud: boolean;
  allowInstanceCredentials: boolean;
}

/** How long service-info's answer of whether Wave is paired is kept. */
const ABOUT_CACHE_MS = 20_000;

/** The Seqera Platform API version whose paths the REST door keeps (../shared/reference). */
const SEQERA_API_VERSION = '1.187.0';
const VERSION = (JSON.parse(readFileSync(join(projectRoot(), 'package.json'), 'utf8')) as { version: string }).version;

/** What the service is: its version, the API it keeps, whether Wave is paired (read at most every 20 s, however often it is asked). */
export function serviceInfo(pairings: Pick<Pairings, 'list'>, signIn: Pick<BrowserSignIn, 'enabled'>, clock: () => number): () => Promise<ServiceInfo> {
  const waveSeen = { at: Number.NEGATIVE_INFINITY, value: false };
  return async () => {
    if (clock() - waveSeen.at > ABOUT_CACHE_MS) {
      waveSeen.value = (await pairings.list()).some((p) => p.kind === 'wave');
      waveSeen.at = clock();
    }
    return {
      version: VERSION,
      apiVersion: SEQERA_API_VERSION,
      authTypes: signIn.enabled ? ['oidc'] : [],
      waveEnabled: waveSeen.value,
      userWorkspaceEnabled: true,
      seqeraCloud: false,
      allowInstanceCredentials: false,
    };
  };
}
