-- 003: one foreign-key check per link instead of two. A pull writes a link for every record it
-- creates, so each per-row check is paid hundreds of times per page.
--
-- links had links.tenant_id -> tenants and links.connection_id -> connections, both ON DELETE
-- CASCADE. They are replaced by one composite key (tenant_id, connection_id) -> connections
-- (tenant_id, id), which keeps everything the two gave and adds one guarantee:
--   * the connection exists (as before);
--   * the tenant exists, because connections.tenant_id references tenants;
--   * new: the link's tenant is its connection's tenant (two separate keys allowed a mismatch);
--   * deleting a connection deletes its links, and deleting a tenant deletes its connections and
--     through them their links (as before).
-- tenant_id stays on links, and so do the row-level-security policy on it (migration 002) and the
-- index links_tenant_hub.

-- The referenced columns need a unique constraint; id alone is already unique, so this one never
-- rejects a row. connections is small (one row per platform account).
ALTER TABLE connections ADD CONSTRAINT connections_tenant_id_id_key UNIQUE (tenant_id, id);

ALTER TABLE links DROP CONSTRAINT links_tenant_id_fkey;
ALTER TABLE links DROP CONSTRAINT links_connection_id_fkey;
ALTER TABLE links ADD CONSTRAINT links_tenant_connection_fkey
  FOREIGN KEY (tenant_id, connection_id) REFERENCES connections (tenant_id, id) ON DELETE CASCADE;
