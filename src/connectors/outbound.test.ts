import type { LookupAddress } from 'node:dns';
import { describe, expect, it } from 'vitest';
import { checkSettingsHosts, isPublicAddress, type LookupAll, OutboundPolicy, parseAllowedHosts, refusalOf } from './outbound.js';

/** A resolver that knows a few names, the way an attacker's DNS would answer them. */
function fakeDns(table: Record<string, string[]>): LookupAll {
  return (hostname, _options, callback) => {
    const found = table[hostname];
    if (!found) return callback(Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' }), []);
    callback(null, found.map((address): LookupAddress => ({ address, family: address.includes(':') ? 6 : 4 })));
  };
}

const dns = fakeDns({
  'rebind.example.com': ['93.184.215.14', '127.0.0.1'],
  'metadata.example.com': ['169.254.169.254'],
  'intranet.example.com': ['10.20.30.40'],
  'shop.example.com': ['93.184.215.14'],
  localhost: ['127.0.0.1', '::1'],
});

async function refusal(p: Promise<unknown>): Promise<string> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  const r = refusalOf(err);
  if (!r) throw new Error(`expected host_not_allowed, got ${String(err)}`);
  return r.message;
}

describe('outbound policy', () => {
  it('parses the allow-list: hosts, host:port, IPv6 in brackets; bad entries are named', () => {
    expect(parseAllowedHosts(' 127.0.0.1, Sandbox.Local:4020,[::1]:8080 , ::1,')).toEqual(['127.0.0.1', 'sandbox.local:4020', '[::1]:8080', '[::1]']);
    expect(parseAllowedHosts(['a.example', 'b.example:1'])).toEqual(['a.example', 'b.example:1']);
    expect(() => parseAllowedHosts('https://x.example')).toThrow(/"https:\/\/x.example" is not a host name/);
    expect(() => parseAllowedHosts('x.example:0')).toThrow(/x.example:0/);
  });

  it.each([
    ['127.0.0.1', false], ['127.1.2.3', false], ['10.0.0.1', false], ['172.16.5.4', false], ['192.168.1.1', false],
    ['169.254.169.254', false], ['100.64.0.1', false], ['0.0.0.0', false], ['255.255.255.255', false], ['224.0.0.1', false],
    ['::1', false], ['::', false], ['fe80::1', false], ['fd00::1', false], ['::ffff:127.0.0.1', false], ['::ffff:10.0.0.1', false],
    ['8.8.8.8', true], ['93.184.215.14', true], ['2606:4700:4700::1111', true], ['not-an-ip', false],
  ])('%s is public: %s', (address, expected) => {
    expect(isPublicAddress(address)).toBe(expected);
  });

  it('without an allow-list: https to public hosts only; literal private addresses refused before any lookup', async () => {
    const p = new OutboundPolicy({ lookup: dns });
    await expect(p.check('https://shop.example.com/api')).resolves.toBeUndefined();
    await expect(p.check('https://93.184.215.14/')).resolves.toBeUndefined();
    expect(await refusal(p.check('http://shop.example.com/'))).toMatch(/must use https/);
    expect(await refusal(p.check('https://127.0.0.1:8443/'))).toMatch(/127\.0\.0\.1:8443.*not a public address/);
    expect(await refusal(p.check('https://[::1]/'))).toMatch(/not a public address/);
    expect(await refusal(p.check('https://169.254.169.254/latest/meta-data'))).toMatch(/not a public address/);
    // URL parsing normalises the spellings people use to sneak loopback past a string check.
    expect(await refusal(p.check('https://2130706433/'))).toMatch(/127\.0\.0\.1.*not a public address/);
    expect(await refusal(p.check('https://0x7f.1/'))).toMatch(/not a public address/);
    expect(await refusal(p.check('https://[::ffff:7f00:1]/'))).toMatch(/not a public address/);
  });

  it('resolves names: a public-looking name that resolves to a private address is refused', async () => {
    const p = new OutboundPolicy({ lookup: dns });
    expect(await refusal(p.check('https://localhost/'))).toMatch(/resolves to 127\.0\.0\.1/);
    expect(await refusal(p.check('https://rebind.example.com/'))).toMatch(/resolves to 127\.0\.0\.1/);
    expect(await refusal(p.check('https://metadata.example.com/'))).toMatch(/169\.254\.169\.254/);
    expect(await refusal(p.check('https://intranet.example.com/'))).toMatch(/10\.20\.30\.40/);
    // Nothing to reach yet: accepted when written, checked again when a request connects.
    await expect(p.check('https://not-registered.example.com/')).resolves.toBeUndefined();
  });

  it('an allow-listed host (or host:port) may be anything, http included; nothing else is', async () => {
    const p = new OutboundPolicy({ allowedHosts: '127.0.0.1:4020, localhost, [::1]', lookup: dns });
    await expect(p.check('http://127.0.0.1:4020/')).resolves.toBeUndefined();
    await expect(p.check('http://localhost:9999/x')).resolves.toBeUndefined();
    await expect(p.check('http://[::1]:1234/')).resolves.toBeUndefined();
    expect(await refusal(p.check('http://127.0.0.1:4021/'))).toMatch(/must use https/);
    expect(await refusal(p.check('https://127.0.0.1:4021/'))).toMatch(/not a public address/);
    expect(p.isAllowListed(new URL('http://LOCALHOST.:80/'))).toBe(true);
  });

  it('sends a host name through a dispatcher that refuses private addresses on connect', async () => {
    const p = new OutboundPolicy({ lookup: dns });
    expect(p.dispatcherFor('https://93.184.215.14/')).toBeUndefined();
    const dispatcher = p.dispatcherFor('https://rebind.example.com/');
    expect(dispatcher).toBeDefined();
    const err = await fetch('https://rebind.example.com/', { dispatcher } as RequestInit).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(refusalOf(err)?.message).toMatch(/rebind\.example\.com resolves to 127\.0\.0\.1/);
  });

  it('checks the host settings of a connection, naming the setting', async () => {
    const p = new OutboundPolicy({ lookup: dns });
    const err = await checkSettingsHosts(p, { shopDomain: 'shop.example.com', baseUrl: 'https://localhost:8443' }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'host_not_allowed', details: { path: 'settings.baseUrl' } });
    await expect(checkSettingsHosts(p, { shopDomain: 'intranet.example.com' })).rejects.toMatchObject({ details: { path: 'settings.shopDomain' } });
    await expect(checkSettingsHosts(p, { siteUrl: 'http://shop.example.com' })).rejects.toMatchObject({ details: { path: 'settings.siteUrl' } });
    await expect(checkSettingsHosts(p, { baseUrl: 'not a url', storeId: 5 })).resolves.toBeUndefined();
  });
});
