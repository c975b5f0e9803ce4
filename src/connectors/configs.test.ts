import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import type { Platform } from '../core/records.js';
import { ALL_SECRET_FIELDS, PLATFORM_CONFIGS, validateConnectionConfig } from './configs.js';
import { DEFAULT_API_VERSION } from './shopify/config.js';

interface Example {
  settings: Record<string, unknown>;
  credentials: Record<string, unknown>;
  /** A required credential to delete in the "missing credential" case. */
  requiredCredential: string;
  /** Settings after defaults are applied. */
  expectedSettings: Record<string, unknown>;
}

const examples: Record<Platform, Example> = {
  shopify: {
    settings: { shopDomain: 'my-shop.myshopify.com' },
    credentials: { accessToken: 'shpat_0123456789abcdef', apiSecret: 'app-client-secret' },
    requiredCredential: 'accessToken',
    expectedSettings: { shopDomain: 'my-shop.myshopify.com', apiVersion: '2026-07', mode: 'graphql' },
  },
  woocommerce: {
    settings: { siteUrl: 'https://shop.example.com', baseUrl: 'http://127.0.0.1:4020' },
    credentials: { consumerKey: 'ck_abc', consumerSecret: 'cs_def', webhookSecret: 'whsec' },
    requiredCredential: 'consumerSecret',
    expectedSettings: { siteUrl: 'https://shop.example.com', baseUrl: 'http://127.0.0.1:4020', queryStringAuth: false },
  },
  printful: {
    settings: { storeId: 123456 },
    credentials: { token: 'pf-token', webhookSecret: '0123456789abcdef0123456789ABCDEF' },
    requiredCredential: 'token',
    expectedSettings: { storeId: 123456, apiVersion: 'v1' },
  },
  emag: {
    settings: { account: 'fbe', country: 'bg' },
    credentials: { username: 'seller@example.com', password: 'hunter2' },
    requiredCredential: 'password',
    expectedSettings: { account: 'fbe', country: 'bg', autoAcknowledge: false },
  },
  'jtl-ffn': {
    settings: { warehouseId: 'WH01', baseUrl: 'http://localhost:4050/api', oauthUrl: 'http://localhost:4050' },
    credentials: { clientId: 'client', clientSecret: 'secret', refreshToken: 'rt-1' },
    requiredCredential: 'clientSecret',
    expectedSettings: {
      environment: 'sandbox',
      warehouseId: 'WH01',
      baseUrl: 'http://localhost:4050/api',
      oauthUrl: 'http://localhost:4050',
      shippingType: 'Standard',
    },
  },
};

const platforms = Object.keys(examples) as Platform[];

function issuePaths(result: ReturnType<typeof validateConnectionConfig>): string[] {
  return result.ok ? [] : result.issues.map((i) => i.path);
}

describe.each(platforms)('%s connection config', (platform) => {
  const example = examples[platform];

  it('accepts a valid example and applies defaults', () => {
    const result = validateConnectionConfig(platform, example.settings, example.credentials);
    expect(result).toEqual({ ok: true, settings: example.expectedSettings, credentials: example.credentials });
  });

  it('rejects a missing credential', () => {
    const { [example.requiredCredential]: _removed, ...credentials } = example.credentials;
    const result = validateConnectionConfig(platform, example.settings, credentials);
    expect(issuePaths(result)).toEqual([`credentials.${example.requiredCredential}`]);
  });

  it('rejects an unknown setting by name', () => {
    const result = validateConnectionConfig(platform, { ...example.settings, shopUrl: 'x' }, example.credentials);
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.issues).toHaveLength(1);
      expect(result.issues[0]?.path).toBe('settings.shopUrl');
      expect(result.issues[0]?.message).toMatch(/unknown setting "shopUrl"; allowed: .*baseUrl/);
    }
  });

  it('rejects an unknown credential', () => {
    const result = validateConnectionConfig(platform, example.settings, { ...example.credentials, apiKey: 'k' });
    expect(issuePaths(result)).toEqual(['credentials.apiKey']);
  });

  it.each([
    ['not a URL', 'localhost:4000'],
    ['another scheme', 'ftp://example.com'],
    ['embedded credentials', 'https://user:pass@example.com'],
    ['a query string', 'https://example.com/?token=x'],
  ])('rejects a baseUrl with %s', (_case, baseUrl) => {
    const result = validateConnectionConfig(platform, { ...example.settings, baseUrl }, example.credentials);
    expect(issuePaths(result)).toEqual(['settings.baseUrl']);
  });

  it('accepts an http or https baseUrl', () => {
    for (const baseUrl of ['http://127.0.0.1:8080', 'https://staging.example.com/api']) {
      expect(validateConnectionConfig(platform, { ...example.settings, baseUrl }, example.credentials).ok).toBe(true);
    }
  });

  it('never echoes secret values', () => {
    const marker = 'SECRET-VALUE-123';
    for (const value of [marker, [marker], { marker }, '']) {
      const credentials = Object.fromEntries(PLATFORM_CONFIGS[platform].secretFields.map((field) => [field, value]));
      const result = validateConnectionConfig(platform, example.settings, { ...credentials, extra: marker });
      expect(result.ok).toBe(false);
      const messages = result.ok ? '' : result.issues.map((i) => `${i.path} ${i.message}`).join('\n');
      expect(messages).toContain('credentials.extra');
      expect(messages).not.toContain(marker);
    }
  });

  it('reports non-objects at the root', () => {
    expect(issuePaths(validateConnectionConfig(platform, null, 'token'))).toEqual(['settings', 'credentials']);
  });
});

describe('platform-specific rules', () => {
  const cases: [string, Platform, Record<string, unknown>, Record<string, unknown>, string][] = [
    ['Shopify shop domain with scheme', 'shopify', { shopDomain: 'https://x.myshopify.com' }, examples.shopify.credentials, 'settings.shopDomain'],
    ['Shopify non-quarterly version', 'shopify', { shopDomain: 'x.myshopify.com', apiVersion: '2025-02' }, examples.shopify.credentials, 'settings.apiVersion'],
    ['Shopify unknown mode', 'shopify', { shopDomain: 'x.myshopify.com', mode: 'soap' }, examples.shopify.credentials, 'settings.mode'],
    ['Woo consumer key prefix', 'woocommerce', examples.woocommerce.settings, { consumerKey: 'abc', consumerSecret: 'cs_x' }, 'credentials.consumerKey'],
    ['Woo consumer secret prefix', 'woocommerce', examples.woocommerce.settings, { consumerKey: 'ck_x', consumerSecret: 'ck_x' }, 'credentials.consumerSecret'],
    ['Woo missing site URL', 'woocommerce', {}, examples.woocommerce.credentials, 'settings.siteUrl'],
    ['Printful non-hex webhook secret', 'printful', {}, { token: 't', webhookSecret: 'xyz' }, 'credentials.webhookSecret'],
    ['Printful zero store id', 'printful', { storeId: 0 }, { token: 't' }, 'settings.storeId'],
    ['Printful v3', 'printful', { apiVersion: 'v3' }, { token: 't' }, 'settings.apiVersion'],
    ['eMAG missing account', 'emag', {}, examples.emag.credentials, 'settings.account'],
    ['eMAG unknown country', 'emag', { account: 'main', country: 'pl' }, examples.emag.credentials, 'settings.country'],
    ['JTL unknown environment', 'jtl-ffn', { environment: 'staging' }, examples['jtl-ffn'].credentials, 'settings.environment'],
    ['JTL bad OAuth URL', 'jtl-ffn', { oauthUrl: 'oauth2' }, examples['jtl-ffn'].credentials, 'settings.oauthUrl'],
  ];

  it.each(cases)('rejects %s', (_name, platform, settings, credentials, path) => {
    expect(issuePaths(validateConnectionConfig(platform, settings, credentials))).toEqual([path]);
  });

  it('accepts the Shopify unstable version and REST mode', () => {
    const result = validateConnectionConfig('shopify', { shopDomain: 'x.myshopify.com', apiVersion: 'unstable', mode: 'rest' }, examples.shopify.credentials);
    expect(result.ok).toBe(true);
  });

  it('accepts JTL credentials before the OAuth grant has run', () => {
    expect(validateConnectionConfig('jtl-ffn', {}, { clientId: 'c', clientSecret: 's' }).ok).toBe(true);
  });
});

describe('validateConnectionConfig', () => {
  it('rejects an unknown platform', () => {
    const result = validateConnectionConfig('magento', {}, {});
    expect(result).toEqual({ ok: false, issues: [{ path: 'platform', message: expect.stringContaining('jtl-ffn') }] });
  });

  it('reports settings and credential problems together', () => {
    expect(issuePaths(validateConnectionConfig('emag', {}, {}))).toEqual(['settings.account', 'credentials.username', 'credentials.password']);
  });
});

describe('PLATFORM_CONFIGS', () => {
  it('lists every credential field as secret and no setting', () => {
    for (const config of Object.values(PLATFORM_CONFIGS)) {
      expect([...config.secretFields].sort()).toEqual(Object.keys(config.credentials.shape).sort());
      expect(Object.keys(config.settings.shape)).toContain('baseUrl');
    }
    expect(ALL_SECRET_FIELDS).toEqual(expect.arrayContaining(['accessToken', 'consumerSecret', 'password', 'refreshToken', 'webhookSecret']));
  });
});

describe('documented defaults', () => {
  it('docs/api.md and docs/connectors/shopify.md state the Shopify apiVersion the code defaults to', () => {
    for (const doc of ['docs/api.md', 'docs/connectors/shopify.md']) {
      const text = readFileSync(new URL(`../../${doc}`, import.meta.url), 'utf8');
      expect(text, doc).toContain(`\`apiVersion\` (default \`${DEFAULT_API_VERSION}\``);
    }
  });
});
