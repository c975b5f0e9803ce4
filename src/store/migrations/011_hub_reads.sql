-- 011: what the hub read API needs (GET /products, /orders, /customers, /stock, /sync-status,
-- src/store/hub-reads*.ts) so that every list is answered from an index, first page or deep page,
-- with or without a filter.
--
-- Tenant reads run under row-level security (migration 002). There PostgreSQL takes a condition as
-- an index condition only when every function it applies to a column is leakproof; lower(), ->> and
-- LIKE are not (and the planner counts coalesce() as leaky too), so an expression index on lower(name)
-- or coalesce(placed_at, ...) is never used from a tenant scope and the read turns into a scan of the
-- tenant's rows (test/pg/hub-reads-explain.test.ts shows it). The derived values are therefore stored
-- generated columns, and the reads compare them with leakproof operators only (=, <, and the
-- byte-wise ~>=~ / ~<~ of text_pattern_ops). PostgreSQL keeps the columns current on every write; no
-- writer has to know about them. Adding a stored column rewrites the table once, under its lock.

-- Products: the SKU a product has (the SKU column stays empty for a second product of a shop that
-- reuses a SKU, the record's SKU is then only in data), lower-cased for exact and prefix matches;
-- the name lower-cased for prefix matches.
ALTER TABLE products
  ADD COLUMN sku_key text GENERATED ALWAYS AS (lower(coalesce(data->>'sku', sku))) STORED,
  ADD COLUMN name_key text GENERATED ALWAYS AS (lower(name)) STORED;

-- updatedSince lists in order of last change.
CREATE INDEX products_tenant_updated ON products (tenant_id, updated_at, id) WHERE deleted_at IS NULL;
CREATE INDEX products_tenant_sku_key ON products (tenant_id, sku_key text_pattern_ops) WHERE deleted_at IS NULL;
CREATE INDEX products_tenant_name_key ON products (tenant_id, name_key text_pattern_ops) WHERE deleted_at IS NULL;
-- The few products with a reorder point (an ops field, in data), for GET /stock?belowReorderPoint.
CREATE INDEX products_tenant_reorder ON products (tenant_id, id) WHERE deleted_at IS NULL AND jsonb_typeof(data->'reorderPoint') = 'number';

-- Orders list newest first by the order's date: when it was placed on the platform, else when the
-- hub first stored it (a platform that sends no date must not make the order unlistable).
ALTER TABLE orders ADD COLUMN ordered_at timestamptz GENERATED ALWAYS AS (coalesce(placed_at, created_at)) STORED;
CREATE INDEX orders_tenant_ordered ON orders (tenant_id, ordered_at, id) WHERE deleted_at IS NULL;
CREATE INDEX orders_tenant_status_ordered ON orders (tenant_id, status, ordered_at, id) WHERE deleted_at IS NULL;
CREATE INDEX orders_tenant_customer_ordered ON orders (tenant_id, customer_id, ordered_at, id) WHERE deleted_at IS NULL;

-- Customers by email, whatever its letter case.
ALTER TABLE customers ADD COLUMN email_key text GENERATED ALWAYS AS (lower(email)) STORED;
CREATE INDEX customers_tenant_email_key ON customers (tenant_id, email_key) WHERE deleted_at IS NULL;

-- Stock pages in id order, leaving out the stock of deleted products (few: a partial index).
CREATE INDEX stock_levels_tenant_page ON stock_levels (tenant_id, id);
CREATE INDEX products_tenant_deleted ON products (tenant_id, id) WHERE deleted_at IS NOT NULL;

-- A link's error state: the open dead letters of its record (see hub-reads-products.ts).
CREATE INDEX dead_letters_open_external ON dead_letters (tenant_id, connection_id, external_id) WHERE status = 'open';
-- A product's open conflicts.
CREATE INDEX conflicts_open_product ON conflicts (tenant_id, product_id) WHERE status = 'open';
