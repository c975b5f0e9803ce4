-- 016: the hash of a push while it is being sent. A platform may deliver the webhook of our push before
-- its answer reaches us (and so before last_pushed_hash is written); that webhook is still our echo.
ALTER TABLE links ADD COLUMN pushing_hash text;
