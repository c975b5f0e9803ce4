-- 008: rate-limit budgets shared by every process on the same database (DESIGN.md 5.4). One row per
-- (platform credential, bucket), taken with one atomic UPDATE ... RETURNING per request
-- (src/store/rate-limit-buckets.ts); time is the database's clock, so workers on machines whose clocks
-- disagree still share one budget.
--
-- Not tenant-scoped, and no row-level security: a platform limits a credential (a shop, a seller login, a
-- token), not a tenant of ours. Two tenants that connect the same shop spend from the same budget at the
-- platform, so they must spend from the same row here; a row per tenant would let each spend it in full.
-- A row holds no tenant data: the key is a sha256 of the platform and the credential's identity, never
-- the secret. Only the owner role (the engine's system work, like pg-boss) reads and writes it.
CREATE TABLE rate_limit_buckets (
  credential_key text NOT NULL,
  -- The model's bucket: its kind ('cost', 'leaky', 'token', 'window'), under its route group on eMAG
  -- ('orders/token', 'other/token').
  bucket text NOT NULL,
  capacity double precision NOT NULL CHECK (capacity > 0),
  rate_per_sec double precision NOT NULL CHECK (rate_per_sec > 0),
  -- Set for a fixed window (refilled to capacity at once when it ends); NULL for continuous refill.
  window_ms double precision CHECK (window_ms > 0),
  -- Units left; below 0 after a request that costs more than it needs to be admitted.
  tokens double precision NOT NULL,
  -- Continuous: the moment `tokens` was computed for (in the future after a pause: refill starts then).
  -- Fixed window: when the current window ends.
  refilled_at timestamptz NOT NULL,
  paused_until timestamptz,
  -- The wait the most recent take computed (0 = granted), read back by that take's RETURNING.
  last_wait_ms double precision NOT NULL DEFAULT 0,
  -- The configured size, rate and window the row was set up from: a process with another configuration
  -- resets them, while what the platform reported since (a larger plan's bucket) survives restarts.
  spec text NOT NULL,
  PRIMARY KEY (credential_key, bucket)
);
