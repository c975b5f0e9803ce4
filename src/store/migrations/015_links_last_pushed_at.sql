-- 015: product pushes (the outbox, src/engine/product-push*.ts).
--   last_pushed_at     when a push last wrote the link's record on its platform; GET /products shows
--                      it per link as lastPushedAt.
--   push_requested_at  set when a push of the link's record is queued, cleared by the push that sent
--                      the state from after that moment. A product is SYNCED again once none of its
--                      links has one: the database, not the job queue, tells which targets are pending.
ALTER TABLE links ADD COLUMN last_pushed_at timestamptz;
ALTER TABLE links ADD COLUMN push_requested_at timestamptz;
-- A push carries every variant of the platform's parent product (Shopify's productSet deletes the ones
-- left out), so it finds its group by parent id on the connection.
CREATE INDEX links_connection_parent ON links (connection_id, parent_external_id)
  WHERE entity = 'product' AND deleted_at IS NULL AND parent_external_id IS NOT NULL;
