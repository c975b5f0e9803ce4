-- 019: two partial indexes for few rows among many. The links waiting for a push, found by the engine's
-- re-dispatch pass (product-pushes.ts redispatchStale) without reading every link.
CREATE INDEX links_push_requested ON links (push_requested_at) WHERE push_requested_at IS NOT NULL AND deleted_at IS NULL;
-- The products without a SKU (GET /sync-status counts them as unmatched): a small part of a catalog.
CREATE INDEX products_tenant_unmatched ON products (tenant_id) WHERE deleted_at IS NULL AND sku IS NULL AND (data->>'sku') IS NULL;
