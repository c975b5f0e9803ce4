-- 006: catalog reads page a tenant's live catalog items in id order (keyset paging on the id). Without
-- this index each page sorted every item of the tenant (thousands of variants) to return fifty;
-- with it a page is an index range scan that stops after `limit` rows.
CREATE INDEX catalog_items_tenant_page ON catalog_items (tenant_id, id) WHERE deleted_at IS NULL;
