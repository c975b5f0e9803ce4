-- 019: the links waiting for a push, found by the engine's re-dispatch pass (product-pushes.ts
-- redispatchStale) without reading every link: few are pending at any time.
CREATE INDEX links_push_requested ON links (push_requested_at) WHERE push_requested_at IS NOT NULL AND deleted_at IS NULL;
