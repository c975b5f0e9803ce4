-- 002: row-level security, the second line behind the API's tenant scoping (DESIGN.md 5.7).
-- Tenant-scoped work runs as the role commerce_sync_app (no BYPASSRLS, not a superuser) with
-- app.tenant_id set for the transaction; see src/store/db.ts withTenant(). RLS is deliberately not
-- FORCEd: the owner (migrations, pg-boss, cross-tenant engine maintenance) is not subject to it.

DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'commerce_sync_app') THEN
    CREATE ROLE commerce_sync_app NOLOGIN NOSUPERUSER NOBYPASSRLS;
  END IF;
EXCEPTION WHEN duplicate_object OR unique_violation THEN
  NULL; -- another database of the same cluster created it concurrently
END $$;

-- A non-superuser owner must be a member to SET ROLE to it.
DO $$
BEGIN
  IF NOT (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) THEN
    EXECUTE format('GRANT commerce_sync_app TO %I', current_user);
  END IF;
END $$;

-- The tenant of the current transaction; NULL (=> no rows) when unset.
CREATE FUNCTION app_current_tenant() RETURNS uuid
  LANGUAGE sql STABLE
  AS $$ SELECT NULLIF(current_setting('app.tenant_id', true), '')::uuid $$;

GRANT USAGE ON SCHEMA public TO commerce_sync_app;
GRANT EXECUTE ON FUNCTION app_current_tenant() TO commerce_sync_app;

DO $$
DECLARE t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['connections','tenant_settings','products','stock_levels','customers','orders',
                           'order_lines','catalog_items','links','sync_runs','stream_state','dead_letters',
                           'webhook_events','sync_log','conflicts']
  LOOP
    EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
    EXECUTE format('CREATE POLICY tenant_isolation ON %I USING (tenant_id = app_current_tenant()) '
                   'WITH CHECK (tenant_id = app_current_tenant())', t);
    EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON %I TO commerce_sync_app', t);
  END LOOP;
END $$;

-- A tenant may read its own tenant row, nothing else.
ALTER TABLE tenants ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_self ON tenants USING (id = app_current_tenant());
GRANT SELECT ON tenants TO commerce_sync_app;

GRANT USAGE, SELECT ON SEQUENCE sync_log_id_seq TO commerce_sync_app;
