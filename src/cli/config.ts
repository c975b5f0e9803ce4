// Process configuration: one zod schema; CLI flags > environment > config file > defaults.
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { z } from 'zod';
import { ALLOWED_HOSTS_ENV, parseAllowedHosts } from '../connectors/outbound.js';

export const configSchema = z.object({
  databaseUrl: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// or postgresql:// URL')
    .optional()
    .describe('PostgreSQL connection string; absent => embedded PGlite in dataDir'),
  dataDir: z.string().min(1).default('./.commerce-sync').describe('embedded database and generated master key'),
  masterKey: z.string().optional().describe('32-byte key (hex or base64) encrypting credentials at rest'),
  previousMasterKeys: z
    .union([z.string(), z.array(z.string())])
    .transform((value) => (typeof value === 'string' ? value.split(',') : value).map((k) => k.trim()).filter((k) => k !== ''))
    .default([])
    .describe('keys secrets may still be encrypted under while the master key is rotated (comma-separated)'),
  host: z.string().default('127.0.0.1'),
  port: z.coerce.number({ error: 'must be a port number (0-65535)' }).int().min(0).max(65535).default(3000),
  metricsPort: z.coerce
    .number({ error: 'must be a port number (0-65535)' })
    .int()
    .min(0)
    .max(65535)
    .optional()
    .describe('port of a second listener serving only GET /metrics (Prometheus), without authentication; absent => none'),
  metricsPublic: z
    .union([z.boolean(), z.enum(['1', '0', 'true', 'false'])])
    .transform((v) => v === true || v === '1' || v === 'true')
    .optional()
    .describe('serve GET /metrics on the API port too, without authentication (default off: 404)'),
  logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  logFormat: z.enum(['pretty', 'json']).optional().describe('log lines: pretty or json; absent => pretty on a terminal, json otherwise'),
  publicUrl: z.url({ protocol: /^https?$/ }).optional().describe('the URL platforms reach this server at (OAuth redirects, webhook addresses)'),
  shopifyApiKey: z.string().min(1).optional().describe('client id of the Shopify app, for OAuth installs'),
  shopifyApiSecret: z.string().min(1).optional().describe('client secret of the Shopify app: OAuth and webhook signatures'),
  allowedHosts: z
    .union([z.string(), z.array(z.string())])
    .transform((value, ctx) => {
      try {
        return parseAllowedHosts(value);
      } catch (err) {
        ctx.addIssue({ code: 'custom', message: (err as Error).message });
        return z.NEVER;
      }
    })
    .default([])
    .describe('hosts (or host:port) connectors may call besides public https hosts: sandboxes, staging'),
});

export type Config = z.infer<typeof configSchema>;

/** Environment variable for each config key (the table in README.md). */
export const ENV_VARS: Record<keyof Config, string> = {
  databaseUrl: 'DATABASE_URL',
  dataDir: 'COMMERCE_SYNC_DATA_DIR',
  masterKey: 'COMMERCE_SYNC_MASTER_KEY',
  previousMasterKeys: 'COMMERCE_SYNC_PREVIOUS_MASTER_KEYS',
  host: 'HOST',
  port: 'PORT',
  metricsPort: 'COMMERCE_SYNC_METRICS_PORT',
  metricsPublic: 'COMMERCE_SYNC_METRICS_PUBLIC',
  logLevel: 'LOG_LEVEL',
  logFormat: 'LOG_FORMAT',
  publicUrl: 'COMMERCE_SYNC_PUBLIC_URL',
  shopifyApiKey: 'SHOPIFY_API_KEY',
  shopifyApiSecret: 'SHOPIFY_API_SECRET',
  allowedHosts: ALLOWED_HOSTS_ENV,
};

export class ConfigError extends Error {}

export function loadConfig(
  flags: Partial<Record<keyof Config, unknown>> = {},
  env: NodeJS.ProcessEnv = process.env,
  configFile = env.COMMERCE_SYNC_CONFIG ?? 'commerce-sync.config.json',
): Config {
  let fromFile: Record<string, unknown> = {};
  const path = resolve(configFile);
  if (existsSync(path)) {
    try {
      fromFile = JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
    } catch (err) {
      throw new ConfigError(`config file ${path} is not valid JSON: ${(err as Error).message}`);
    }
    if (typeof fromFile !== 'object' || fromFile === null || Array.isArray(fromFile)) {
      throw new ConfigError(`config file ${path} must hold a JSON object`);
    }
  }
  const fromEnv: Record<string, unknown> = {};
  for (const [key, name] of Object.entries(ENV_VARS)) {
    const v = env[name];
    if (v !== undefined && v !== '') fromEnv[key] = v;
  }
  // An empty value (e.g. DATABASE_URL= exported empty) counts as unset, as for the environment.
  const fromFlags = Object.fromEntries(Object.entries(flags).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = configSchema.strict().safeParse({ ...fromFile, ...fromEnv, ...fromFlags });
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => {
      const key = i.path.join('.');
      const env = ENV_VARS[key as keyof Config];
      return `  ${key}${env ? ` (${env})` : ''}: ${i.message}`;
    });
    throw new ConfigError(`invalid configuration:\n${lines.join('\n')}`);
  }
  return parsed.data;
}
