-- Inbox lists: conversations of a mode, most recently changed first.
-- changed_at moves only with a change of state, not with every message,
-- so this index costs nothing on the bot's hot path.
CREATE INDEX conversations_mode_changed ON conversations (mode, changed_at);
