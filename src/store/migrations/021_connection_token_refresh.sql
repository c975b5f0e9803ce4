-- 021: refreshes of a connection's OAuth tokens (engine/oauth-tokens.ts). JTL-FFN's refresh tokens are
-- single-use: two processes refreshing with the same one lock the connection out. The tokens themselves
-- stay in the encrypted credentials; these columns coordinate who may spend the refresh token.
--
-- token_lease_by/until: the process refreshing now; others wait for it and then read what it stored. A
-- lease outlives the refresh request's timeout, so it only runs out when its holder died.
-- token_refresh_started_at: set (committed) before the refresh request is sent, cleared in the
-- transaction that stores the new tokens. Still set once the lease has run out, it says that a refresh
-- was sent and its answer never stored (the process died in between): the stored refresh token may be
-- spent, and the message of a refusal says so.
ALTER TABLE connections ADD COLUMN token_lease_by text;
ALTER TABLE connections ADD COLUMN token_lease_until timestamptz;
ALTER TABLE connections ADD COLUMN token_refresh_started_at timestamptz;
ALTER TABLE connections ADD COLUMN token_refreshed_at timestamptz;
ALTER TABLE connections ADD COLUMN token_refreshes bigint NOT NULL DEFAULT 0;
