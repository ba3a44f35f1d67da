/**
 * The environment the container image runs the service with: the Dockerfile's ENV lines, read from the Dockerfile
 * itself, so that the release check (.ci/release-smoke.mjs) and the benches start the release as the image does.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Every variable the Dockerfile's ENV sets.
 * @param {string} root the project's directory
 * @returns {Record<string, string>}
 */
export function imageEnvironment(root) {
  const dockerfile = readFileSync(join(root, 'Dockerfile'), 'utf8');
  return Object.fromEntries([...dockerfile.matchAll(/^\s*(?:ENV )?([A-Z_]+)=(\S+?)(?: \\)?$/gm)].map((m) => [m[1], m[2]]));
}

/**
 * The image's settings of the C library's memory allocator (GLIBC_TUNABLES): not the service's settings, the
 * process's; the benches measure memory with them, as deployed.
 * @param {string} root the project's directory
 * @returns {Record<string, string>}
 */
export function allocatorEnvironment(root) {
  const { GLIBC_TUNABLES } = imageEnvironment(root);
  return GLIBC_TUNABLES ? { GLIBC_TUNABLES } : {};
}
