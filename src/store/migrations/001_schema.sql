-- 001: the whole hub schema of DESIGN.md section 3. Every tenant-owned row carries tenant_id.
-- Platform-specific ids live on links, never in hub columns.

CREATE TABLE tenants (
  id          uuid PRIMARY KEY,
  name        text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
  created_at  timestamptz NOT NULL DEFAULT now()
);

-- API keys are looked up before the tenant is known, so this table is system-only (no RLS grant).
CREATE TABLE api_keys (
  id           uuid PRIMARY KEY,
  tenant_id    uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  name         text NOT NULL DEFAULT 'default',
  prefix       text NOT NULL,
  key_hash     text NOT NULL UNIQUE,
  created_at   timestamptz NOT NULL DEFAULT now(),
  last_used_at timestamptz,
  revoked_at   timestamptz
);
CREATE INDEX api_keys_tenant ON api_keys (tenant_id);

CREATE TABLE connections (
  id                  uuid PRIMARY KEY,
  tenant_id           uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  platform            text NOT NULL CHECK (platform IN ('shopify','woocommerce','printful','emag','jtl-ffn')),
  name                text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
  settings            jsonb NOT NULL DEFAULT '{}',
  credentials_enc     text NOT NULL,           -- AES-256-GCM envelope, never plain text
  webhook_secret_enc  text,                    -- AES-256-GCM envelope
  status              text NOT NULL DEFAULT 'active' CHECK (status IN ('active','disabled','needs_reauth','error')),
  status_reason       text,
  created_at          timestamptz NOT NULL DEFAULT now(),
  updated_at          timestamptz NOT NULL DEFAULT now(),
  UNIQUE (tenant_id, name)
);
CREATE INDEX connections_tenant_created ON connections (tenant_id, created_at, id);

-- Per-tenant engine settings: field ownership overrides, conflict window.
CREATE TABLE tenant_settings (
  tenant_id                uuid PRIMARY KEY REFERENCES tenants(id) ON DELETE CASCADE,
  field_ownership          jsonb NOT NULL DEFAULT '{}',
  conflict_window_seconds  integer NOT NULL DEFAULT 300 CHECK (conflict_window_seconds >= 0),
  updated_at               timestamptz NOT NULL DEFAULT now()
);

-- Hub products: one row per SKU (Shopify variant, Woo variation/simple product, eMAG offer, JTL product).
CREATE TABLE products (
  id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  tenant_id        uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  sku              text,
  name             text,
  group_key        text,                       -- the parent product / variable product this SKU belongs to
  group_title      text,
  data             jsonb NOT NULL DEFAULT '{}', -- every canonical field (core/records.ts ProductRecord)
  content_hash     text,
  field_meta       jsonb NOT NULL DEFAULT '{}', -- {field: {origin, at}}
  last_updated_by  text,
  sync_status      text NOT NULL DEFAULT 'SYNCED' CHECK (sync_status IN ('SYNCED','PENDING','CONFLICT','ERROR')),
  created_at       timestamptz NOT NULL DEFAULT now(),
  updated_at       timestamptz NOT NULL DEFAULT now(),
  deleted_at       timestamptz
);
CREATE UNIQUE INDEX products_tenant_sku ON products (tenant_id, sku) WHERE sku IS NOT NULL AND deleted_at IS NULL;
CREATE INDEX products_tenant_created ON products (tenant_id, created_at, id);
CREATE INDEX products_tenant_status ON products (tenant_id, sync_status);

CREATE TABLE stock_levels (
  id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  tenant_id     uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  product_id    uuid REFERENCES products(id) ON DELETE CASCADE,
  sku           text NOT NULL,
  location_id   text NOT NULL,
  available     integer NOT NULL DEFAULT 0,
  reserved      integer NOT NULL DEFAULT 0,
  announced     integer NOT NULL DEFAULT 0,
  content_hash  text,
  updated_at    timestamptz NOT NULL DEFAULT now(),
  UNIQUE (tenant_id, sku, location_id)
);

CREATE TABLE customers (
  id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  tenant_id     uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  email         text,
  first_name    text,
  last_name     text,
  data          jsonb NOT NULL DEFAULT '{}',
  content_hash  text,
  created_at    timestamptz NOT NULL DEFAULT now(),
  updated_at    timestamptz NOT NULL DEFAULT now(),
  deleted_at    timestamptz
);
CREATE INDEX customers_tenant_email ON customers (tenant_id, email);
CREATE INDEX customers_tenant_created ON customers (tenant_id, created_at, id);

CREATE TABLE orders (
  id                  uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  tenant_id           uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  customer_id         uuid REFERENCES customers(id) ON DELETE SET NULL,
  number              text,
  status              text,
  financial_status    text,
  fulfillment_status  text,
  currency            text,
  total               numeric(14,4),
  placed_at           timestamptz,
  data                jsonb NOT NULL DEFAULT '{}',
  content_hash        text,
  created_at          timestamptz NOT NULL DEFAULT now(),
  updated_at          timestamptz NOT NULL DEFAULT now(),
  deleted_at          timestamptz
);
CREATE INDEX orders_tenant_placed ON orders (tenant_id, placed_at);
CREATE INDEX orders_tenant_created ON orders (tenant_id, created_at, id);

CREATE TABLE order_lines (
  id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  tenant_id    uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  order_id     uuid NOT NULL REFERENCES orders(id) ON DELETE CASCADE,
  line_no      integer NOT NULL,
  external_id  text,
  sku          text,
  product_id   uuid REFERENCES products(id) ON DELETE SET NULL,
  name         text,
  quantity     integer NOT NULL CHECK (quantity > 0),
  unit_price   numeric(14,4),
  total        numeric(14,4),
  UNIQUE (order_id, line_no)
);
CREATE INDEX order_lines_tenant_sku ON order_lines (tenant_id, sku);

-- Printful catalog (products x variants), read DB-first by the catalog API.
CREATE TABLE catalog_items (
  id                   uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  tenant_id            uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  connection_id        uuid NOT NULL REFERENCES connections(id) ON DELETE CASCADE,
  external_id          text NOT NULL,
  product_external_id  text,
  product_name         text,
  variant_name         text,
  price                numeric(14,4),
  currency             text,
  in_stock             boolean,
  data                 jsonb NOT NULL DEFAULT '{}',
  content_hash         text,
  updated_at           timestamptz NOT NULL DEFAULT now(),
  deleted_at           timestamptz,
  UNIQUE (connection_id, external_id)
);
CREATE INDEX catalog_items_tenant_product ON catalog_items (tenant_id, product_external_id);

-- Hub record <-> platform record. Hashes drive change detection and echo suppression.
CREATE TABLE links (
  id                  uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  tenant_id           uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  entity              text NOT NULL CHECK (entity IN ('product','stock_level','order','customer','catalog_item')),
  hub_id              uuid NOT NULL,
  connection_id       uuid NOT NULL REFERENCES connections(id) ON DELETE CASCADE,
  external_id         text NOT NULL,
  parent_external_id  text,
  platform_ids        jsonb NOT NULL DEFAULT '{}', -- e.g. Shopify inventory item id, Woo variation id
  last_pulled_hash    text,
  last_pushed_hash    text,
  remote_updated_at   timestamptz,
  last_seen_run_id    uuid,                        -- mark-and-sweep generation
  created_at          timestamptz NOT NULL DEFAULT now(),
  updated_at          timestamptz NOT NULL DEFAULT now(),
  deleted_at          timestamptz,
  UNIQUE (connection_id, entity, external_id)
);
CREATE INDEX links_tenant_hub ON links (tenant_id, entity, hub_id);

-- A run is also the single-flight lock: at most one queued/running run per (connection, stream).
CREATE TABLE sync_runs (
  id                uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  tenant_id         uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  connection_id     uuid NOT NULL REFERENCES connections(id) ON DELETE CASCADE,
  stream            text NOT NULL,
  mode              text NOT NULL DEFAULT 'incremental' CHECK (mode IN ('full','incremental')),
  trigger           text NOT NULL DEFAULT 'api',
  status            text NOT NULL DEFAULT 'queued'
                    CHECK (status IN ('queued','running','succeeded','partial','failed','timed_out','cancelled')),
  lease_owner       text,
  lease_expires_at  timestamptz,
  cancel_requested  boolean NOT NULL DEFAULT false,
  deadline_at       timestamptz,
  progress          jsonb NOT NULL DEFAULT '{}', -- stage, page, processed, total, rateLimitedUntil
  counts            jsonb NOT NULL DEFAULT '{}', -- added, updated, unchanged, deleted, deadLetters
  error             jsonb,
  attempts          integer NOT NULL DEFAULT 0,
  created_at        timestamptz NOT NULL DEFAULT now(),
  started_at        timestamptz,
  finished_at       timestamptz
);
CREATE UNIQUE INDEX sync_runs_one_active ON sync_runs (connection_id, stream) WHERE status IN ('queued','running');
CREATE INDEX sync_runs_tenant_created ON sync_runs (tenant_id, created_at DESC);
CREATE INDEX sync_runs_lease ON sync_runs (lease_expires_at) WHERE status IN ('queued','running');

-- Checkpoint per (connection, stream): only the cursor, never the data.
CREATE TABLE stream_state (
  tenant_id        uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  connection_id    uuid NOT NULL REFERENCES connections(id) ON DELETE CASCADE,
  stream           text NOT NULL,
  cursor           jsonb,
  version          integer NOT NULL DEFAULT 0,
  last_run_id      uuid,
  last_attempt_at  timestamptz,
  last_success_at  timestamptz,
  updated_at       timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (connection_id, stream)
);

CREATE TABLE dead_letters (
  id             uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  tenant_id      uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  connection_id  uuid REFERENCES connections(id) ON DELETE CASCADE,
  run_id         uuid,
  stream         text,
  kind           text NOT NULL CHECK (kind IN ('record','page','push','webhook')),
  external_id    text,
  payload        jsonb NOT NULL,
  reason         text NOT NULL,
  error_code     text,
  attempts       integer NOT NULL DEFAULT 1,
  status         text NOT NULL DEFAULT 'open' CHECK (status IN ('open','resolved','discarded')),
  created_at     timestamptz NOT NULL DEFAULT now(),
  resolved_at    timestamptz
);
CREATE INDEX dead_letters_tenant_status ON dead_letters (tenant_id, status, created_at);

CREATE TABLE webhook_events (
  id             uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  tenant_id      uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  connection_id  uuid NOT NULL REFERENCES connections(id) ON DELETE CASCADE,
  platform       text NOT NULL,
  event_id       text NOT NULL,               -- platform delivery id, or a content-derived key
  topic          text,
  external_id    text,
  payload        jsonb,
  occurred_at    timestamptz,
  received_at    timestamptz NOT NULL DEFAULT now(),
  status         text NOT NULL DEFAULT 'received' CHECK (status IN ('received','applied','ignored','failed')),
  processed_at   timestamptz,
  error          text,
  UNIQUE (connection_id, event_id)
);
CREATE INDEX webhook_events_pending ON webhook_events (tenant_id, status, received_at);

-- Audit trail of every change applied or pushed.
CREATE TABLE sync_log (
  id             bigserial PRIMARY KEY,
  tenant_id      uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  entity         text NOT NULL,
  hub_id         uuid,
  connection_id  uuid,
  run_id         uuid,
  direction      text NOT NULL CHECK (direction IN ('pull','push','webhook','api','conflict')),
  origin         text,
  action         text NOT NULL,
  changes        jsonb NOT NULL DEFAULT '{}', -- {field: {old, new}}
  created_at     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX sync_log_tenant_hub ON sync_log (tenant_id, entity, hub_id, id DESC);

CREATE TABLE conflicts (
  id             uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  tenant_id      uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  product_id     uuid NOT NULL REFERENCES products(id) ON DELETE CASCADE,
  field          text NOT NULL,
  local_value    jsonb,
  remote_value   jsonb,
  local_origin   text,
  remote_origin  text,
  local_at       timestamptz,
  remote_at      timestamptz,
  status         text NOT NULL DEFAULT 'open' CHECK (status IN ('open','resolved')),
  resolution     text CHECK (resolution IN ('accept_local','accept_remote','merge')),
  resolved_value jsonb,
  created_at     timestamptz NOT NULL DEFAULT now(),
  resolved_at    timestamptz
);
CREATE INDEX conflicts_tenant_status ON conflicts (tenant_id, status, created_at);
