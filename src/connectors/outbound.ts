// Which hosts this server may send requests to (DESIGN.md 5.7). A URL is allowed when its host (or
// host:port) is on the operator's allow-list (COMMERCE_SYNC_ALLOWED_HOSTS: sandboxes, staging), or when it
// is https and every address its name resolves to is a public unicast address. Loopback, link-local
// (cloud metadata), private, carrier-grade NAT and every other special range are refused: a connection's
// settings are written by API callers, and without this the server would fetch its own internal services
// for them.
//
// The same policy object answers the API's validation of settings and the HTTP client at the moment of
// sending. For sending, the addresses are checked when the socket connects (the lookup of the dispatcher),
// not in a separate resolution beforehand, so a name whose DNS answer changes between a check and the
// connection cannot slip through.
import { lookup as dnsLookup, type LookupAddress, type LookupAllOptions, type LookupOptions } from 'node:dns';
import { isIP, type LookupFunction } from 'node:net';
import ipaddr from 'ipaddr.js';
import { Agent, type Dispatcher } from 'undici';
import { isSyncError, SyncError } from '../core/errors.js';

export const ALLOWED_HOSTS_ENV = 'COMMERCE_SYNC_ALLOWED_HOSTS';
const CHECK_LOOKUP_TIMEOUT_MS = 3_000;

/** dns.lookup with `all: true`; replaceable in tests. */
export type LookupAll = (hostname: string, options: LookupAllOptions, callback: (err: NodeJS.ErrnoException | null, addresses: LookupAddress[]) => void) => void;

interface HostEntry {
  host: string;
  /** Absent: any port of the host. */
  port?: number;
}

const HOST_NAME = /^(?=.{1,253}$)[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9])?(?:\.[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9])?)*$/;

/** Lower case, no brackets, no trailing dot; IP addresses in one normal form so that spellings compare equal. */
function normalizeHost(host: string): string {
  const bare = host.trim().toLowerCase().replace(/^\[(.*)\]$/, '$1').replace(/\.$/, '');
  return isIP(bare) ? ipaddr.process(bare).toString() : bare;
}

function parseEntry(raw: string): HostEntry {
  const text = raw.trim().toLowerCase();
  let host = text;
  let port: string | undefined;
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(text);
  if (bracketed) [, host = '', port] = bracketed;
  else if ((text.match(/:/g) ?? []).length === 1) [host = '', port] = text.split(':');
  const badEntry = () => new Error(`"${raw.trim()}" is not a host name, an IP address or host:port`);
  if (!(isIP(host) || HOST_NAME.test(host))) throw badEntry();
  if (port === undefined) return { host: normalizeHost(host) };
  const n = Number(port);
  if (!/^\d{1,5}$/.test(port) || n < 1 || n > 65535) throw badEntry();
  return { host: normalizeHost(host), port: n };
}

/** Comma-separated (or listed) `host` / `host:port` / `[v6]:port` entries, checked and normalised; throws on a bad one. */
export function parseAllowedHosts(value: string | readonly string[]): string[] {
  const items = typeof value === 'string' ? value.split(',') : value.flatMap((v) => v.split(','));
  return items.filter((s) => s.trim() !== '').map((s) => {
    const e = parseEntry(s);
    const host = e.host.includes(':') ? `[${e.host}]` : e.host;
    return e.port === undefined ? host : `${host}:${e.port}`;
  });
}

/** True only for public unicast addresses; IPv4-mapped IPv6 is judged as the IPv4 address it carries. */
export function isPublicAddress(address: string): boolean {
  if (!ipaddr.isValid(address)) return false;
  return ipaddr.process(address).range() === 'unicast';
}

function refused(what: string, reason: string): SyncError {
  return new SyncError('host_not_allowed', `${what} ${reason}; an operator can allow a host with ${ALLOWED_HOSTS_ENV}`);
}

/** The refusal inside a failed fetch (undici wraps the lookup's error as the cause), if that is why it failed. */
export function refusalOf(err: unknown): SyncError | undefined {
  for (let e: unknown = err, depth = 0; e !== undefined && e !== null && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    if (isSyncError(e) && e.code === 'host_not_allowed') return e;
  }
  return undefined;
}

export interface OutboundPolicyOptions {
  /** Entries as parseAllowedHosts takes them; default none. */
  allowedHosts?: string | readonly string[];
  lookup?: LookupAll;
}

export class OutboundPolicy {
  readonly allowedHosts: readonly string[];
  private readonly entries: HostEntry[];
  private readonly lookup: LookupAll;
  private guarded: Agent | undefined;

  constructor(opts: OutboundPolicyOptions = {}) {
    this.allowedHosts = parseAllowedHosts(opts.allowedHosts ?? []);
    this.entries = this.allowedHosts.map(parseEntry);
    this.lookup = opts.lookup ?? (dnsLookup as LookupAll);
  }

  /** The URL's host (and port) is on the allow-list. */
  isAllowListed(url: URL): boolean {
    const host = normalizeHost(url.hostname);
    const port = Number(url.port || (url.protocol === 'https:' ? 443 : 80));
    return this.entries.some((e) => e.host === host && (e.port === undefined || e.port === port));
  }

  /**
   * What can be decided from the URL alone, for sending: throws host_not_allowed, or returns the
   * dispatcher to send with (undefined = the default one, for allow-listed hosts). A host name is sent
   * through a dispatcher that checks the addresses it resolves to before connecting.
   */
  dispatcherFor(url: string | URL, what = 'the request URL'): Dispatcher | undefined {
    const u = parse(url, what);
    if (this.isAllowListed(u)) return undefined;
    if (u.protocol !== 'https:') throw refused(`${what} (${u.host})`, 'must use https');
    const host = normalizeHost(u.hostname);
    if (isIP(host)) {
      if (!isPublicAddress(host)) throw refused(`${what} (${u.host})`, 'is not a public address');
      return undefined;
    }
    this.guarded ??= new Agent({ connect: { lookup: this.guardedLookup() } });
    return this.guarded;
  }

  /**
   * For validating settings: the URL rule above, and the addresses the name resolves to now. A name that
   * does not resolve (or not within a few seconds) is accepted here, as it reaches nothing yet; sending
   * re-checks it on connect.
   */
  async check(url: string | URL, what = 'the URL'): Promise<void> {
    const u = parse(url, what);
    if (!this.dispatcherFor(u, what)) return;
    const addresses = await new Promise<LookupAddress[]>((resolve) => {
      const timer = setTimeout(() => resolve([]), CHECK_LOOKUP_TIMEOUT_MS);
      this.lookup(normalizeHost(u.hostname), { all: true }, (err, found) => {
        clearTimeout(timer);
        resolve(err ? [] : found);
      });
    });
    const bad = addresses.find((a) => !isPublicAddress(a.address));
    if (bad) throw refused(`${what} (${u.host})`, `resolves to ${bad.address}, which is not a public address`);
  }

  private guardedLookup(): LookupFunction {
    return (hostname: string, options: LookupOptions, callback: (...args: never[]) => void): void => {
      const done = callback as (...args: unknown[]) => void;
      this.lookup(hostname, { ...options, all: true }, (err, addresses) => {
        if (err) return done(err);
        if (addresses.length === 0) return done(Object.assign(new Error(`no address for ${hostname}`), { code: 'ENOTFOUND' }));
        const bad = addresses.find((a) => !isPublicAddress(a.address));
        if (bad) return done(refused(`the host ${hostname}`, `resolves to ${bad.address}, which is not a public address`));
        if (options.all) return done(null, addresses);
        return done(null, addresses[0]!.address, addresses[0]!.family);
      });
    };
  }
}

function parse(url: string | URL, what: string): URL {
  if (url instanceof URL) return url;
  try {
    return new URL(url);
  } catch {
    throw new SyncError('validation_failed', `${what} is not an absolute URL`);
  }
}

/** No allow-list: only public https hosts. What an engine or app uses unless the operator says otherwise. */
export const PUBLIC_ONLY = new OutboundPolicy();

/** Settings that name a host the connector sends to: every `...Url` setting, and Shopify's shopDomain. */
export function hostSettings(settings: Record<string, unknown>): { path: string; url: string }[] {
  const out: { path: string; url: string }[] = [];
  for (const [key, value] of Object.entries(settings)) {
    if (typeof value !== 'string') continue;
    if (/url$/i.test(key)) out.push({ path: `settings.${key}`, url: value });
    else if (key === 'shopDomain') out.push({ path: `settings.${key}`, url: `https://${value}` });
  }
  return out;
}

/** Throws host_not_allowed (naming the setting) for the first setting whose host may not be called. */
export async function checkSettingsHosts(policy: OutboundPolicy, settings: Record<string, unknown>): Promise<void> {
  for (const { path, url } of hostSettings(settings)) {
    // A value that is not a URL at all is left to the settings validation, which says what is wrong with it.
    if (!URL.canParse(url)) continue;
    try {
      await policy.check(url, path);
    } catch (err) {
      if (isSyncError(err) && err.code === 'host_not_allowed') throw new SyncError('host_not_allowed', err.message, { details: { path } });
      throw err;
    }
  }
}
