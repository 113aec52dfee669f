-- Full-text search over a message's topic and rendered text: an FTS5 index (porter
-- stemming) whose content is the messages table, kept in step by triggers.
CREATE VIRTUAL TABLE messages_fts USING fts5(topic, search_text, content='messages', content_rowid='id', tokenize='porter unicode61');
--> statement-breakpoint
CREATE TRIGGER messages_fts_ai AFTER INSERT ON messages BEGIN
  INSERT INTO messages_fts(rowid, topic, search_text) VALUES (new.id, new.topic, new.search_text);
END;
--> statement-breakpoint
CREATE TRIGGER messages_fts_ad AFTER DELETE ON messages BEGIN
  INSERT INTO messages_fts(messages_fts, rowid, topic, search_text) VALUES ('delete', old.id, old.topic, old.search_text);
END;
--> statement-breakpoint
CREATE TRIGGER messages_fts_au AFTER UPDATE OF topic, search_text ON messages BEGIN
  INSERT INTO messages_fts(messages_fts, rowid, topic, search_text) VALUES ('delete', old.id, old.topic, old.search_text);
  INSERT INTO messages_fts(rowid, topic, search_text) VALUES (new.id, new.topic, new.search_text);
END;
