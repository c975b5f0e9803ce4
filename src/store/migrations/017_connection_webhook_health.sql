-- 017: what the last check of a connection's webhook subscriptions found (engine/webhook-health.ts):
-- {checkedAt, subscriptions, disabledTopics, pausedTopics, repairedAt, repairedTopics, catchUpRunIds, error}.
-- NULL = never checked. webhook_checked_at is when a worker last claimed the check; claiming is one
-- conditional UPDATE on it, so however many workers run the tick, one checks a connection per interval.
ALTER TABLE connections ADD COLUMN webhook_health jsonb;
ALTER TABLE connections ADD COLUMN webhook_checked_at timestamptz;
