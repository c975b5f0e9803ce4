-- 012: privacy requests from platforms (Shopify's mandatory compliance webhooks customers/data_request,
-- customers/redact, shop/redact; src/engine/privacy*.ts). One row per delivery, written when the
-- delivery is applied. A data request's row is what GET /api/v1/privacy-requests/:id answers from; a
-- redaction's row is its audit: which request, when, and how many rows of which table were redacted.
--
-- No foreign key to connections, on purpose: the audit of a redaction must outlive the connection
-- (a tenant may delete it afterwards through the API). Deleting the tenant deletes its rows.
CREATE TABLE privacy_requests (
  id                    uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  tenant_id             uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  connection_id         uuid NOT NULL,
  platform              text NOT NULL,
  topic                 text NOT NULL CHECK (topic IN ('customers/data_request','customers/redact','shop/redact')),
  -- The platform's delivery id (X-Shopify-Webhook-Id): a redelivery is the same request.
  webhook_id            text NOT NULL,
  shop_id               text,
  shop_domain           text,
  -- Ids are kept (pseudonymous, and what ties the audit to the platform's request); personal values are not.
  customer_external_id  text,
  -- Needed to answer a data request (the fallback match by e-mail); set to NULL when the customer or
  -- the shop is redacted. A redaction's own row never holds them (CHECK below).
  customer_email        text,
  customer_phone        text,
  order_external_ids    text[] NOT NULL DEFAULT '{}',
  data_request_id       text,
  -- What a redaction did: {"table.column": rows, ...}, counts only.
  result                jsonb NOT NULL DEFAULT '{}',
  received_at           timestamptz NOT NULL DEFAULT now(),
  completed_at          timestamptz,
  UNIQUE (connection_id, webhook_id),
  CHECK (topic = 'customers/data_request' OR (customer_email IS NULL AND customer_phone IS NULL))
);
CREATE INDEX privacy_requests_tenant_received ON privacy_requests (tenant_id, received_at, id);
-- A redaction finds the earlier data requests of the same customer.
CREATE INDEX privacy_requests_tenant_customer ON privacy_requests (tenant_id, customer_external_id);

-- Row-level security exactly as the other tenant tables (migration 002).
ALTER TABLE privacy_requests ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON privacy_requests USING (tenant_id = app_current_tenant()) WITH CHECK (tenant_id = app_current_tenant());
GRANT SELECT, INSERT, UPDATE, DELETE ON privacy_requests TO commerce_sync_app;
