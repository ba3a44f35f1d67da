/**
 * Setup of every in-process test: no name may be resolved but localhost, so
 * that no test reaches (or even asks DNS about) anything outside this machine
 * by mistake — a probe whose target a test forgot to point at a fake fails
 * loudly instead. Tests that need names use an injected resolver.
 */
import dns from 'node:dns';
import { syncBuiltinESMExports } from 'node:module';
import { isIP } from 'node:net';

const LOCAL = new Set(['localhost', 'localhost.']);
/** Names that need no DNS: localhost, and address literals (looked up as themselves). */
const isLocal = (hostname: string) => LOCAL.has(hostname) || isIP(hostname) !== 0;
const refuse = (hostname: string) => new Error(`a test tried to resolve ${JSON.stringify(hostname)}: tests never leave loopback (inject a resolver)`);

const lookup = dns.lookup;
dns.lookup = ((hostname: string, ...rest: unknown[]) => {
  if (!isLocal(hostname)) {
    const callback = rest[rest.length - 1] as (error: Error) => void;
    process.nextTick(() => callback(refuse(hostname)));
    return {} as never;
  }
  return (lookup as (...args: unknown[]) => unknown)(hostname, ...rest);
}) as typeof dns.lookup;

const promisesLookup = dns.promises.lookup;
dns.promises.lookup = ((hostname: string, ...rest: unknown[]) =>
  isLocal(hostname) ? (promisesLookup as (...args: unknown[]) => unknown)(hostname, ...rest) : Promise.reject(refuse(hostname))) as typeof dns.promises.lookup;

syncBuiltinESMExports();
