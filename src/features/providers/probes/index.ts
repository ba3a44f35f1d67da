/**
 * How each provider's credentials are checked: the probe of every provider of
 * the provider table, by its id. Offline checks first (a key parses and its
 * passphrase opens it, an id has the right form), then, where the provider has
 * an identity endpoint, one call to it through the guarded client (public
 * endpoints or allowed hosts only, with a timeout). A probe answers valid,
 * invalid (with the provider's words), or transient (the provider could not be
 * reached, or failed: timeout, DNS, 5xx), which changes nothing stored.
 *
 * A new provider with an identity endpoint: its entry in the provider table
 * (src/domain/credentials/providers/), its probe in a file of its family here,
 * and its line below (a test fails for a provider without one).
 */
import { awsProbe } from './aws.js';
import type { Probe } from './common.js';
import { azureReposProbe, bitbucketProbe, giteaProbe, githubApp, githubProbe, gitlabProbe } from './git.js';
import { googleProbe } from './google.js';
import { azure, formOnly, kubernetes, sshKey } from './offline.js';
import { registryProbe } from './registry.js';

export type { Probe, ProbeContext, ProbeOutcome, ProbeTarget } from './common.js';

export const PROBES: Readonly<Record<string, Probe>> = {
  aws: awsProbe,
  seqeracompute: awsProbe,
  s3: formOnly,
  google: googleProbe,
  github: githubProbe,
  github_app: githubApp,
  gitlab: gitlabProbe,
  bitbucket: bitbucketProbe,
  gitea: giteaProbe,
  azurerepos: azureReposProbe,
  // CodeCommit's git credentials have no identity endpoint (only git itself, signed per repository).
  codecommit: formOnly,
  ssh: sshKey,
  k8s: kubernetes,
  azure,
  azure_entra: azure,
  'azure-cloud': azure,
  'container-reg': registryProbe,
  'tw-agent': formOnly,
};

/** The providers (of `ids`) without a probe. */
export const unprobed = (ids: readonly string[]): string[] => ids.filter((id) => !(id in PROBES));

/** The probe of a provider (undefined for an id the provider table does not have). */
export const probeOf = (providerId: string): Probe | undefined => PROBES[providerId];
