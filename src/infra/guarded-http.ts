/**
 * The only way a validation probe reaches the network. A probe calls a
 * provider's public endpoints, or hosts an operator allowed
 * (VALIDATION_ALLOWED_HOSTS, `host[:port]`; plain http only for those).
 * Anything else is refused without connecting: another host, an address
 * literal, or a name that resolves to a loopback, private, link-local,
 * metadata or otherwise non-public address. The check applies to the address
 * actually connected to: the name is resolved first, the addresses checked,
 * and the connection made to the checked address (so DNS cannot answer one
 * address to the check and another to the connection). Every request has a
 * timeout, no redirect is followed, and answers are read up to 64 KiB.
 */
import { lookup } from 'node:dns/promises';
import { request as httpRequest, type IncomingMessage, type RequestOptions } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { BlockList, isIP, type Socket } from 'node:net';

export interface ProbeResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** The URL may not be called: refused without connecting (the probe says so: INVALID). */
export class ProbeRefused extends Error {}

/** The provider could not be reached (timeout, DNS, connection): a transient failure. */
export class ProbeUnreachable extends Error {}

/** Which hosts a probe may call: exact names, or patterns for families of hosts (`*.azurecr.io`). */
export type PublicHosts = readonly (string | RegExp)[];

export interface ResolvedAddress {
  address: string;
  family: 4 | 6;
}

export interface GuardOptions {
  /** `host` or `host:port` entries an operator allowed (plain http too, any address). */
  allowedHosts: readonly string[];
  /** The setting that lists them, for messages (default VALIDATION_ALLOWED_HOSTS). */
  allowedHostsSetting?: string;
  timeoutMs: number;
  /** The resolver (tests inject one); by default the system's. */
  resolve?: (host: string) => Promise<ResolvedAddress[]>;
  /** Opens the connection to a checked address (tests inject one); by default Node's own, to that address. */
  connect?: (target: { host: string; address: string; family: 4 | 6; port: number; tls: boolean }) => Socket;
  /**
   * One wording for every host that is not public or does not resolve (webhooks: whoever makes one must not learn
   * which internal names exist, nor their addresses); else the reason, address included (probes, for operators).
   */
  uniformRefusals?: boolean;
}

const MAX_BODY = 64 * 1024;

/** Addresses that are not the public internet: loopback, private, link-local (the metadata services among them), and the rest. */
const NOT_PUBLIC = new BlockList();
for (const [network, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.0.2.0', 24],
  ['192.88.99.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['198.51.100.0', 24],
  ['203.0.113.0', 24],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const)
  NOT_PUBLIC.addSubnet(network, prefix, 'ipv4');
for (const [network, prefix] of [
  ['::', 128],
  ['::1', 128],
  ['100::', 64],
  ['2001::', 32],
  ['2001:db8::', 32],
  ['2002::', 16],
  ['fc00::', 7],
  ['fe80::', 10],
  ['ff00::', 8],
] as const)
  NOT_PUBLIC.addSubnet(network, prefix, 'ipv6');

/** True when `address` is on the public internet (an IPv4 address mapped or translated into IPv6 is judged as IPv4). */
export function isPublicAddress(address: string): boolean {
  const version = isIP(address);
  if (version === 0) return false;
  if (version === 6) {
    const embedded = /^(?:::ffff:|64:ff9b::)(\d+\.\d+\.\d+\.\d+)$/i.exec(address)?.[1];
    if (embedded) return isPublicAddress(embedded);
    if (/^(?:::ffff:|64:ff9b::)/i.test(address)) return false;
  }
  return !NOT_PUBLIC.check(address, version === 4 ? 'ipv4' : 'ipv6');
}

/** An allowed `host[:port]` entry (`[::1]:8443` for IPv6) as `host port`, or `host` for any port. */
function allowedEntry(entry: string): string {
  const match = /^(?:\[([^\]]+)\]|([^:]+))(?::(\d+))?$/.exec(entry.trim().toLowerCase());
  if (!match) throw new Error(`Not a host[:port] entry: ${entry}`);
  const host = match[1] ?? match[2]!;
  return match[3] ? `${host} ${Number(match[3])}` : host;
}

/** Any host name on the public internet (a webhook's receiver): never an address literal, never a non-public address. */
export const ANY_PUBLIC_HOST: PublicHosts = [/^/];

const matches = (host: string, hosts: PublicHosts) => hosts.some((h) => (typeof h === 'string' ? h === host : h.test(host)));

export class GuardedHttp {
  readonly #allowed: ReadonlySet<string>;

  constructor(
    private readonly options: GuardOptions,
    /** When every request of this client must be over (epoch ms): one deadline for a probe's several calls. */
    private readonly deadline?: number,
  ) {
    this.#allowed = new Set(options.allowedHosts.map(allowedEntry));
  }

  get timeoutMs(): number {
    return this.options.timeoutMs;
  }

  /** The same guard, with every request over by `deadline` (epoch ms). */
  withDeadline(deadline: number): GuardedHttp {
    return new GuardedHttp(this.options, deadline);
  }

  /** Milliseconds a request may still take. */
  #remaining(host: string): number {
    const left = Math.min(this.options.timeoutMs, this.deadline === undefined ? Infinity : this.deadline - Date.now());
    if (left <= 0) throw new ProbeUnreachable(`no answer from ${host} within ${this.options.timeoutMs} ms`);
    return left;
  }

  /** The one wording of a host that is not public, or does not resolve (uniformRefusals). */
  #notPublic(host: string): string {
    return `${host} is not a public host this service can reach: an operator may allow it with ${this.options.allowedHostsSetting ?? 'VALIDATION_ALLOWED_HOSTS'}`;
  }

  /** Why `url` may not be called (the probe's INVALID message), or undefined when it may, as far as its name tells. */
  refusal(url: URL, publicHosts: PublicHosts): string | undefined {
    const host = url.hostname.replace(/^\[|\]$/g, '').toLowerCase();
    const setting = this.options.allowedHostsSetting ?? 'VALIDATION_ALLOWED_HOSTS';
    if (this.#isAllowed(url)) return undefined;
    // No public host at all (a pairing call): only what the operator allowed.
    if (publicHosts.length === 0) return `${url.protocol}//${url.host} is not allowed: an operator may allow it with ${setting}`;
    if (url.protocol !== 'https:') {
      const to = publicHosts === ANY_PUBLIC_HOST ? 'public hosts' : "a provider's public endpoints";
      return `${url.protocol}//${url.host} is refused: only https to ${to}, unless an operator allows ${url.host} with ${setting}`;
    }
    if (isIP(host) || !matches(host, publicHosts)) {
      if (this.options.uniformRefusals) return this.#notPublic(url.host);
      return `${url.host} is not a public endpoint${publicHosts === ANY_PUBLIC_HOST ? '' : ' of the provider'}: an operator may allow it with ${setting}`;
    }
    return undefined;
  }

  /**
   * Why `url` may not be called, judged as a request would judge it (its name
   * resolved, and every address checked), without connecting; undefined: it may.
   */
  async check(url: URL, publicHosts: PublicHosts): Promise<string | undefined> {
    try {
      await this.#target(url, publicHosts);
      return undefined;
    } catch (error) {
      if (error instanceof ProbeRefused || error instanceof ProbeUnreachable) return error.message;
      throw error;
    }
  }

  /** Calls `url` if the guard lets it; ProbeRefused when it does not, ProbeUnreachable when it cannot be reached. */
  async request(url: URL, init: { method?: string; headers?: Record<string, string>; body?: string; publicHosts: PublicHosts }): Promise<ProbeResponse> {
    return this.#send(url, init, await this.#target(url, init.publicHosts));
  }

  /** The checked address to connect to for `url`; ProbeRefused or ProbeUnreachable when there is none. */
  async #target(url: URL, publicHosts: PublicHosts): Promise<ResolvedAddress> {
    const refusal = this.refusal(url, publicHosts);
    if (refusal) throw new ProbeRefused(refusal);
    const host = url.hostname.replace(/^\[|\]$/g, '');
    const allowed = this.#isAllowed(url);
    const uniform = this.options.uniformRefusals === true && !allowed;
    let addresses: ResolvedAddress[];
    try {
      addresses = isIP(host) ? [{ address: host, family: isIP(host) as 4 | 6 }] : await this.#resolve(host, this.#remaining(host));
    } catch (error) {
      if (uniform) throw new ProbeUnreachable(this.#notPublic(host));
      if (error instanceof ProbeUnreachable) throw error;
      throw new ProbeUnreachable(`${host} could not be resolved: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
    }
    if (addresses.length === 0) throw new ProbeUnreachable(uniform ? this.#notPublic(host) : `${host} has no address`);
    if (!allowed) {
      const inside = addresses.find((a) => !isPublicAddress(a.address));
      if (inside) throw new ProbeRefused(uniform ? this.#notPublic(host) : `${host} resolves to a non-public address (${inside.address}): refused`);
    }
    return addresses[0]!;
  }

  #isAllowed(url: URL): boolean {
    const host = url.hostname.replace(/^\[|\]$/g, '').toLowerCase();
    const port = url.port || (url.protocol === 'https:' ? '443' : '80');
    return this.#allowed.has(`${host} ${port}`) || this.#allowed.has(host);
  }

  async #resolve(host: string, withinMs: number): Promise<ResolvedAddress[]> {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new ProbeUnreachable(`${host} could not be resolved within ${this.options.timeoutMs} ms`)), withinMs);
    });
    try {
      return await Promise.race([this.options.resolve ? this.options.resolve(host) : (lookup(host, { all: true }) as Promise<ResolvedAddress[]>), late]);
    } finally {
      clearTimeout(timer);
    }
  }

  #send(url: URL, init: { method?: string; headers?: Record<string, string>; body?: string }, target: ResolvedAddress): Promise<ProbeResponse> {
    const tls = url.protocol === 'https:';
    const host = url.hostname.replace(/^\[|\]$/g, '');
    const port = Number(url.port || (tls ? 443 : 80));
    const options: RequestOptions & { servername?: string } = {
      method: init.method ?? 'GET',
      host,
      port,
      path: `${url.pathname}${url.search}`,
      headers: { ...init.headers, host: url.host, ...(init.body !== undefined ? { 'content-length': String(Buffer.byteLength(init.body)) } : {}) },
      // Connect to the address that was checked, whatever a second resolution would say.
      lookup: ((_name: string, opts: { all?: boolean }, callback: (...args: unknown[]) => void) =>
        opts.all ? callback(null, [target]) : callback(null, target.address, target.family)) as unknown as RequestOptions['lookup'],
      ...(tls ? { servername: host } : {}),
      ...(this.options.connect ? { createConnection: () => this.options.connect!({ host, address: target.address, family: target.family, port, tls }) } : {}),
      signal: AbortSignal.timeout(this.#remaining(host)),
    };
    return new Promise((resolve, reject) => {
      const fail = (error: Error) =>
        reject(
          error instanceof ProbeRefused || error instanceof ProbeUnreachable
            ? error
            : new ProbeUnreachable(
                error.name === 'AbortError' || error.name === 'TimeoutError'
                  ? `no answer from ${host} within ${this.options.timeoutMs} ms`
                  : `${host}: ${(error as NodeJS.ErrnoException).code ?? error.message}`,
              ),
        );
      const req = (tls ? httpsRequest : httpRequest)(options, (response: IncomingMessage) => {
        const chunks: Buffer[] = [];
        let size = 0;
        const done = () => resolve({ status: response.statusCode ?? 0, headers: response.headers, body: Buffer.concat(chunks).toString('utf8') });
        response.on('data', (chunk: Buffer) => {
          chunks.push(chunk.subarray(0, MAX_BODY - size));
          size += chunk.length;
          // Enough to judge: stop reading (a provider answer is small; a larger one is not read into memory).
          if (size >= MAX_BODY) {
            done();
            req.destroy();
          }
        });
        response.on('end', done);
        response.on('error', fail);
      });
      req.on('error', fail);
      req.end(init.body);
    });
  }
}
