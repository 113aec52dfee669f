-- Full-text search over a message's topic and rendered text (Zulip's tsearch): stemmed
-- English, phrase queries via websearch_to_tsquery. Generated column, so it can never be stale.
ALTER TABLE messages ADD COLUMN search_tsv tsvector GENERATED ALWAYS AS (to_tsvector('english', coalesce(topic, '') || ' ' || coalesce(search_text, ''))) STORED;
--> statement-breakpoint
CREATE INDEX messages_search_tsv_idx ON messages USING gin (search_tsv);
