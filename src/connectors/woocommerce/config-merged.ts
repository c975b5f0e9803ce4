// The connector's view of a connection: settings and credentials validated together.
import type { z } from 'zod';
import { credentialsSchema, settingsSchema } from './config.js';

export const wooConfig = settingsSchema.extend(credentialsSchema.shape);
export type WooConfig = z.infer<typeof wooConfig>;

/** The REST namespace every call goes to (platforms/woocommerce.md section 1). */
export const API_PREFIX = '/wp-json/wc/v3';

const trim = (url: string) => url.replace(/\/+$/, '');

/** `{store}/wp-json/wc/v3`, where the store is the baseUrl override (sandbox, proxy) or the site URL. */
export function wooBaseUrl(cfg: WooConfig): string {
  return `${trim(cfg.baseUrl ?? cfg.siteUrl)}${API_PREFIX}`;
}

/**
 * The URL OAuth 1.0a signs: WooCommerce rebuilds it from the store's home URL, not from what the client
 * typed (platforms/woocommerce.md section 1), so it is the site URL even when baseUrl points elsewhere.
 */
export function signedBaseUrl(cfg: WooConfig): string {
  return `${trim(cfg.siteUrl)}${API_PREFIX}`;
}

/** Basic auth only counts over https (WooCommerce checks is_ssl()); plain http needs OAuth 1.0a. */
export const usesOAuth = (cfg: WooConfig): boolean => new URL(cfg.baseUrl ?? cfg.siteUrl).protocol === 'http:';
