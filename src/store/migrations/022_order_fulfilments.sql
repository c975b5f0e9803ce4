-- 022: fulfilments of hub orders (a JTL-FFN outbound): status and tracking as the fulfiller reports them
-- (engine/fulfilments.ts). A fulfilment is a record of its own connection, linked like any other
-- (links.entity 'fulfilment'); order_ref is the key the hub sent the outbound with (the hub order's id),
-- so an outbound created by an earlier attempt, or by hand with the same number, lands on its order.
ALTER TABLE links DROP CONSTRAINT links_entity_check;
ALTER TABLE links ADD CONSTRAINT links_entity_check CHECK (entity IN ('product','stock_level','order','customer','catalog_item','fulfilment'));

CREATE TABLE order_fulfilments (
  id                 uuid PRIMARY KEY,
  tenant_id          uuid NOT NULL,
  connection_id      uuid NOT NULL,
  -- NULL while no hub order has the id order_ref names (an outbound created outside the hub).
  order_id           uuid REFERENCES orders(id) ON DELETE SET NULL,
  order_ref          text NOT NULL,
  external_id        text NOT NULL,
  status             text NOT NULL,
  warehouse_id       text,
  shipments          jsonb NOT NULL DEFAULT '[]',
  remote_updated_at  timestamptz,
  created_at         timestamptz NOT NULL DEFAULT now(),
  updated_at         timestamptz NOT NULL DEFAULT now(),
  UNIQUE (connection_id, external_id),
  FOREIGN KEY (tenant_id, connection_id) REFERENCES connections (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX order_fulfilments_order ON order_fulfilments (tenant_id, order_id);

ALTER TABLE order_fulfilments ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON order_fulfilments USING (tenant_id = app_current_tenant()) WITH CHECK (tenant_id = app_current_tenant());
GRANT SELECT, INSERT, UPDATE, DELETE ON order_fulfilments TO commerce_sync_app;
