-- 014: when a pull (or a webhook) last read a link's record, changed or not: GET /products shows it per
-- link as lastPulledAt. Links written before keep the last time they were changed, the best known.
ALTER TABLE links ADD COLUMN last_pulled_at timestamptz;
UPDATE links SET last_pulled_at = updated_at;
