-- 013: a version per product, for optimistic concurrency on hub edits (PATCH/DELETE /products/:id,
-- src/store/hub-writes-products.ts). Every write to a product row increments it — hub edits and pull
-- writes alike (src/engine/hub-writes.ts) — so an edit based on a read older than the last write is
-- refused (409) instead of silently overwriting what the other writer stored. The API shows it as
-- `version` and as the ETag of GET /products/:id.
--
-- A constant default adds the column without rewriting the table; existing rows start at 1.
ALTER TABLE products ADD COLUMN version bigint NOT NULL DEFAULT 1;
