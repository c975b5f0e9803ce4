-- 009: platform writes a pull asks for (eMAG acknowledges new orders), kept as an outbox. A page's
-- writes are inserted in the same transaction as its records and checkpoint and performed after the
-- commit by their own job (src/engine/pull-writes.ts), never inside the page read: the write then only
-- ever concerns records the hub holds, and a failure of the write cannot fail or repeat the read.
--
-- (connection_id, kind, key) is unique: a page read again after a crash, or an order seen again in an
-- overlapping window, asks for the same write and gets the row that is already there.
CREATE TABLE pull_writes (
  id             uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  tenant_id      uuid NOT NULL,
  connection_id  uuid NOT NULL,
  run_id         uuid,
  stream         text NOT NULL,
  kind           text NOT NULL,                -- names the handler in the stream's `writes`
  key            text NOT NULL,                -- idempotency key within (connection, kind), e.g. the order id
  payload        jsonb NOT NULL DEFAULT 'null',
  status         text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending','done','failed')),
  attempts       integer NOT NULL DEFAULT 0,
  last_error     text,
  error_code     text,
  -- Backoff after a retryable failure: not taken again before this instant.
  next_attempt_at timestamptz NOT NULL DEFAULT now(),
  -- A worker performing the write holds it until claimed_until; a dead worker's claim runs out.
  claimed_by     text,
  claimed_until  timestamptz,
  created_at     timestamptz NOT NULL DEFAULT now(),
  updated_at     timestamptz NOT NULL DEFAULT now(),
  done_at        timestamptz,
  UNIQUE (connection_id, kind, key),
  -- As links (migration 003): the connection exists and belongs to the row's tenant; deleting the
  -- connection (or its tenant) deletes its writes.
  FOREIGN KEY (tenant_id, connection_id) REFERENCES connections (tenant_id, id) ON DELETE CASCADE
);
-- What a worker takes next: the pending writes of one connection. Partial: done rows cost it nothing.
CREATE INDEX pull_writes_pending ON pull_writes (tenant_id, connection_id, next_attempt_at) WHERE status = 'pending';

-- Row-level security exactly as the other tenant tables (migration 002).
ALTER TABLE pull_writes ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON pull_writes USING (tenant_id = app_current_tenant()) WITH CHECK (tenant_id = app_current_tenant());
GRANT SELECT, INSERT, UPDATE, DELETE ON pull_writes TO commerce_sync_app;
