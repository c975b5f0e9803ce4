-- 005: find a link by one of its platform ids (links.platform_ids, e.g. a Shopify variant's inventory
-- item). Stock webhooks name the inventory item, not the variant the pull linked, so each one looks
-- its SKU up this way. Partial: most links carry no platform ids, and those cost the index nothing.
CREATE INDEX links_platform_ids ON links USING gin (platform_ids jsonb_path_ops) WHERE platform_ids <> '{}'::jsonb;
