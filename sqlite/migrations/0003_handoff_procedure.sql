-- What the bot remembers between messages (a flow in progress, collected
-- slots), as JSON; NULL when nothing.
ALTER TABLE conversations ADD COLUMN bot_state TEXT;

-- The topic a bot message answered, and the quick-reply payload a customer
-- tapped. Both are NULL on most rows.
ALTER TABLE messages ADD COLUMN intent TEXT;
ALTER TABLE messages ADD COLUMN payload TEXT;

-- Finished stretches of agent work, for each department's recent average
-- handling time (the expected wait is computed from it).
CREATE TABLE handlings (
    id              INTEGER PRIMARY KEY,
    conversation_id TEXT NOT NULL,
    department      TEXT NOT NULL,
    agent_id        TEXT NOT NULL,
    started_at      INTEGER NOT NULL,
    ended_at        INTEGER NOT NULL
);
CREATE INDEX handlings_department_ended ON handlings (department, ended_at);
