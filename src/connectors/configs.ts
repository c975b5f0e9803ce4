// The connection configuration of every platform in one place, for the API and CLI that create and edit
// connections. Settings are stored in plain text; credentials are encrypted at rest and never logged or
// echoed, which is why validation messages name fields but never repeat their values.
import type { z } from 'zod';
import { formatIssuePath, Platform } from '../core/records.js';
import * as emag from './emag/config.js';
import * as jtlFfn from './jtl-ffn/config.js';
import * as printful from './printful/config.js';
import * as shopify from './shopify/config.js';
import * as woocommerce from './woocommerce/config.js';

export interface PlatformConfigSpec {
  settings: z.ZodObject;
  credentials: z.ZodObject;
  /** Credential field names, for log redaction and for masking values in API responses. */
  secretFields: readonly string[];
}

function spec<S extends z.ZodObject, C extends z.ZodObject>(settings: S, credentials: C) {
  return { settings, credentials, secretFields: Object.keys(credentials.shape) } as const;
}

export const PLATFORM_CONFIGS = {
  shopify: spec(shopify.settingsSchema, shopify.credentialsSchema),
  woocommerce: spec(woocommerce.settingsSchema, woocommerce.credentialsSchema),
  printful: spec(printful.settingsSchema, printful.credentialsSchema),
  emag: spec(emag.settingsSchema, emag.credentialsSchema),
  'jtl-ffn': spec(jtlFfn.settingsSchema, jtlFfn.credentialsSchema),
} as const satisfies Record<Platform, PlatformConfigSpec>;

/**
 * The schedule a connection gets when it is created without one. JTL-FFN has no webhooks: its stock and
 * outbound feeds are polled, every 2 minutes by default (platforms/jtl-ffn.md section 6).
 */
export const DEFAULT_SCHEDULES: Partial<Record<Platform, { everyMinutes: number; streams?: string[] }>> = {
  'jtl-ffn': { everyMinutes: 2, streams: ['stock', 'outbounds'] },
};

export type SettingsOf<P extends Platform> = z.output<(typeof PLATFORM_CONFIGS)[P]['settings']>;
export type CredentialsOf<P extends Platform> = z.output<(typeof PLATFORM_CONFIGS)[P]['credentials']>;

/** Every secret field name of every platform, e.g. for pino's redact paths. */
export const ALL_SECRET_FIELDS: readonly string[] = [
  ...new Set(Object.values(PLATFORM_CONFIGS).flatMap((c) => c.secretFields)),
];

export interface ConfigIssue {
  /** `platform`, `settings`, `settings.<field>` or `credentials.<field>`. */
  path: string;
  message: string;
}

export type ConnectionConfigResult<P extends Platform> =
  | { ok: true; settings: SettingsOf<P>; credentials: CredentialsOf<P> }
  | { ok: false; issues: ConfigIssue[] };

export function validateConnectionConfig<P extends Platform>(
  platform: P,
  settings: unknown,
  credentials: unknown,
): ConnectionConfigResult<P>;
export function validateConnectionConfig(
  platform: string,
  settings: unknown,
  credentials: unknown,
): ConnectionConfigResult<Platform>;
/**
 * Validates both halves of a connection's configuration and reports every problem at once, with paths
 * relative to the request body (`settings.shopDomain`, `credentials.accessToken`). Never throws.
 */
export function validateConnectionConfig(
  platform: string,
  settings: unknown,
  credentials: unknown,
): ConnectionConfigResult<Platform> {
  const known = Platform.safeParse(platform);
  if (!known.success) {
    return {
      ok: false,
      issues: [{ path: 'platform', message: `platform must be one of ${Platform.options.join(', ')}` }],
    };
  }
  const config: PlatformConfigSpec = PLATFORM_CONFIGS[known.data];
  const parsedSettings = config.settings.safeParse(settings);
  const parsedCredentials = config.credentials.safeParse(credentials);
  const issues = [
    ...(parsedSettings.success ? [] : toConfigIssues('settings', 'setting', config.settings, parsedSettings.error.issues)),
    ...(parsedCredentials.success
      ? []
      : toConfigIssues('credentials', 'credential', config.credentials, parsedCredentials.error.issues)),
  ];
  if (!parsedSettings.success || !parsedCredentials.success) return { ok: false, issues };
  return { ok: true, settings: parsedSettings.data, credentials: parsedCredentials.data } as ConnectionConfigResult<Platform>;
}

function toConfigIssues(
  root: 'settings' | 'credentials',
  noun: string,
  schema: z.ZodObject,
  issues: readonly z.core.$ZodIssue[],
): ConfigIssue[] {
  const out: ConfigIssue[] = [];
  const allowed = Object.keys(schema.shape).join(', ');
  for (const issue of issues) {
    const sub = formatIssuePath(issue.path);
    const base = sub === '' ? root : `${root}.${sub}`;
    if (issue.code === 'unrecognized_keys') {
      // One issue per key so that each can be pointed at; key names are not secret, values are not shown.
      for (const key of issue.keys) {
        out.push({ path: `${base}.${key}`, message: `unknown ${noun} "${key}"; allowed: ${allowed}` });
      }
    } else if (issue.code === 'invalid_type' && issue.path.length === 0) {
      out.push({ path: root, message: `${root} must be an object` });
    } else {
      out.push({ path: base, message: issue.message });
    }
  }
  return out;
}
