-- Conversations: one row each, the current state. Version increases with
-- every change of state; writers compare and swap on it. What follows from
-- the timeline (its last seq, the last customer message) is read from
-- messages, so a bot answering in bot mode only appends messages.
CREATE TABLE conversations (
    id                  TEXT PRIMARY KEY,
    version             INTEGER NOT NULL,
    channel             TEXT NOT NULL,
    locale              TEXT NOT NULL,
    contact             TEXT NOT NULL,
    customer_token_hash BLOB NOT NULL,
    mode                TEXT NOT NULL,
    department          TEXT NOT NULL DEFAULT '',
    priority            TEXT NOT NULL DEFAULT 'normal',
    assignee            TEXT NOT NULL DEFAULT '',
    handoff             TEXT,
    resolution          INTEGER NOT NULL DEFAULT 0,
    handoffs            INTEGER NOT NULL DEFAULT 0,
    last_agent          TEXT NOT NULL DEFAULT '',
    survey_step         TEXT NOT NULL DEFAULT '',
    ticket_id           TEXT NOT NULL DEFAULT '',
    unknown_streak      INTEGER NOT NULL DEFAULT 0,
    created_at          INTEGER NOT NULL,
    changed_at          INTEGER NOT NULL, -- last change of state
    queued_at           INTEGER,
    assigned_at         INTEGER,
    last_activity_at    INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX conversations_queue ON conversations (department) WHERE mode = 'queued';
CREATE INDEX conversations_agent_idle ON conversations (last_activity_at) WHERE mode = 'agent';
CREATE INDEX conversations_assignee ON conversations (assignee) WHERE mode = 'agent';

-- The timeline: messages and system events, numbered per conversation.
-- Rows are appended in rowid order, so a commit of many conversations'
-- messages touches few table pages. The unique seq is what stops two
-- writers appending to one conversation from the same state.
-- client_message_id needs no unique index: a conversation's writes are
-- serialised by its version and its seq.
CREATE TABLE messages (
    id                INTEGER PRIMARY KEY,
    conversation_id   TEXT NOT NULL,
    seq               INTEGER NOT NULL,
    author            TEXT NOT NULL,
    text              TEXT NOT NULL,
    event             TEXT NOT NULL DEFAULT '',
    agent_id          TEXT NOT NULL DEFAULT '',
    client_message_id TEXT,
    private           INTEGER NOT NULL DEFAULT 0,
    buttons           TEXT,
    created_at        INTEGER NOT NULL
);
CREATE UNIQUE INDEX messages_seq ON messages (conversation_id, seq);

CREATE TABLE agents (
    id             TEXT PRIMARY KEY,
    name           TEXT NOT NULL,
    email          TEXT NOT NULL DEFAULT '',
    departments    TEXT NOT NULL,
    skills         TEXT NOT NULL,
    max_concurrent INTEGER NOT NULL,
    status         TEXT NOT NULL,
    last_assigned_at INTEGER,
    token_hash     BLOB NOT NULL UNIQUE,
    created_at     INTEGER NOT NULL,
    updated_at     INTEGER NOT NULL
);

-- Machine clients such as external bots.
CREATE TABLE integrations (
    id         TEXT PRIMARY KEY,
    name       TEXT NOT NULL,
    token_hash BLOB NOT NULL UNIQUE,
    created_at INTEGER NOT NULL
);

CREATE TABLE tickets (
    id              TEXT PRIMARY KEY,
    conversation_id TEXT NOT NULL REFERENCES conversations (id),
    department      TEXT NOT NULL,
    priority        TEXT NOT NULL,
    status          TEXT NOT NULL,
    subject         TEXT NOT NULL,
    trigger         TEXT NOT NULL,
    details         TEXT NOT NULL,
    expected_by     INTEGER,
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL
);
CREATE INDEX tickets_status ON tickets (status, created_at);

-- One satisfaction survey per resolution of a conversation.
CREATE TABLE surveys (
    conversation_id TEXT NOT NULL REFERENCES conversations (id),
    resolution      INTEGER NOT NULL,
    agent_id        TEXT NOT NULL DEFAULT '',
    rating          INTEGER NOT NULL DEFAULT 0,
    comment         TEXT NOT NULL DEFAULT '',
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL,
    PRIMARY KEY (conversation_id, resolution)
);

CREATE TABLE settings (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
