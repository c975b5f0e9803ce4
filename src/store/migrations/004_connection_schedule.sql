-- 004: per-connection sync schedule, e.g. {"everyMinutes": 15, "mode": "incremental", "streams": ["orders"]}.
-- NULL = no scheduled pulls. A cluster-wide tick (pg-boss cron, once a minute) triggers what is due.
ALTER TABLE connections ADD COLUMN schedule jsonb;
CREATE INDEX connections_scheduled ON connections (id) WHERE schedule IS NOT NULL;
