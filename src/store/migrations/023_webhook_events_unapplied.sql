-- 023: the events still to apply, across tenants, oldest first: what the metrics' queue gauges read
-- (engine/metrics.ts) at every scrape. Partial: applied events, the bulk of a table that keeps them,
-- cost it nothing.
CREATE INDEX webhook_events_unapplied ON webhook_events (received_at) WHERE status = 'received';
