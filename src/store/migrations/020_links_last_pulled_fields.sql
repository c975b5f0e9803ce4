-- 020: what each product field held when the link's record was last read, as a short hash per field
-- of its normalised value ({"price": "…", "tags": "…"}). A platform record has one timestamp for all its
-- fields: without this, every field it carries would count as edited at that moment — the store's echo
-- of a push, or a save of a variable product, would re-date fields the platform never changed, revert
-- hub edits the push does not write (WooCommerce tags) and report false conflicts. Only the fields that
-- differ from the last read reach the merge. NULL: not read since this column exists (all fields count).
ALTER TABLE links ADD COLUMN last_pulled_fields jsonb;
