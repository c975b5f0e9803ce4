// The connectors this build ships, by platform. Platform connectors are added here as they are built;
// a connection whose platform has none yet answers `connection_unusable` when a sync is requested.
import { printfulConnector } from './printful/index.js';
import { emagConnector } from './emag/index.js';
import { shopifyConnector } from './shopify/index.js';
import { jtlConnector } from './jtl-ffn/index.js';
import { wooConnector } from './woocommerce/index.js';
import type { Connector } from './types.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function builtInConnectors(): Connector<any>[] {
  return [printfulConnector, shopifyConnector, emagConnector, wooConnector, jtlConnector];
}
