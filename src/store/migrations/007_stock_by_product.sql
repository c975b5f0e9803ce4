-- 007: a stock level belongs to its hub product, not to a SKU. Shopify and WooCommerce allow variants
-- without a SKU, and real shops have many; keyed by SKU, their stock could not be stored at all.
-- Stock is now keyed by (tenant, product, location); `sku` stays as a nullable copy of the product's
-- SKU, for reading and filtering.
ALTER TABLE stock_levels ALTER COLUMN sku DROP NOT NULL;

-- Rows written before their product was linked carry no product id: attach them by SKU where a
-- live product has it. Rows that still have none are kept as they are (nothing stored is dropped);
-- the next pull of their platform writes the product's stock under the new key.
UPDATE stock_levels s SET product_id = p.id
  FROM products p
 WHERE s.product_id IS NULL AND p.tenant_id = s.tenant_id AND p.sku = s.sku AND p.deleted_at IS NULL;

ALTER TABLE stock_levels DROP CONSTRAINT stock_levels_tenant_id_sku_location_id_key;
CREATE UNIQUE INDEX stock_levels_product_location ON stock_levels (tenant_id, product_id, location_id);
CREATE INDEX stock_levels_tenant_sku ON stock_levels (tenant_id, sku) WHERE sku IS NOT NULL;
