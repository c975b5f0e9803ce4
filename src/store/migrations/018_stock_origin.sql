-- 018: where a stock level comes from. Stock flows only from the hub and JTL-FFN to the storefronts
-- (DESIGN.md 5.6): a level the hub set (origin 'hub', no connection) or a JTL-FFN warehouse reported is
-- the hub's stock and is pushed; a level a storefront or marketplace reported (origin its platform, its
-- connection) is what that channel shows, kept for reading and never pushed anywhere.
--
-- The connection is part of the key: two WooCommerce stores (one location each) or the eMAG main and
-- FBE accounts (warehouse 1 each) report the same location id for one linked product and overwrote
-- each other's level.
ALTER TABLE stock_levels ADD COLUMN connection_id uuid REFERENCES connections(id) ON DELETE CASCADE;
ALTER TABLE stock_levels ADD COLUMN origin text NOT NULL DEFAULT 'unknown';

-- Every level stored so far was pulled: its stock_level link names the connection.
UPDATE stock_levels s SET connection_id = l.connection_id, origin = c.platform
  FROM links l JOIN connections c ON c.id = l.connection_id
 WHERE l.tenant_id = s.tenant_id AND l.entity = 'stock_level' AND l.hub_id = s.id;
-- A level without a link stays 'unknown': neither the hub's stock nor pushed.
ALTER TABLE stock_levels ALTER COLUMN origin SET DEFAULT 'hub';

DROP INDEX stock_levels_product_location;
CREATE UNIQUE INDEX stock_levels_product_source_location
  ON stock_levels (tenant_id, product_id, (coalesce(connection_id, '00000000-0000-0000-0000-000000000000'::uuid)), location_id);
-- The hub's stock of a product (what is pushed): its levels from the hub or JTL-FFN.
CREATE INDEX stock_levels_authoritative ON stock_levels (tenant_id, product_id) WHERE origin IN ('hub', 'jtl-ffn');

-- What the last stock push set on the platform, per location of that platform: {"<location>": n}.
-- NULL: nothing pushed yet, or the platform reported another level since (re-asserted by the next push).
ALTER TABLE links ADD COLUMN last_pushed_stock jsonb;
-- The levels a stock push is sending (as pushing_hash, 016): the platform's webhook of the push may be
-- applied before its answer is recorded, and is still our echo, not the channel's own change.
ALTER TABLE links ADD COLUMN pushing_stock jsonb;
