-- Integration events and their outbox: each event is written in the same
-- transaction as what it reports, with one delivery per integration that
-- receives it; the deliveries are the delivery log too.
CREATE TABLE hook_events (
    id              INTEGER PRIMARY KEY,
    event_id        TEXT NOT NULL UNIQUE,
    type            TEXT NOT NULL,
    conversation_id TEXT NOT NULL,
    body            BLOB NOT NULL,
    created_at      INTEGER NOT NULL
);
CREATE TABLE hook_deliveries (
    id              INTEGER PRIMARY KEY,
    event           INTEGER NOT NULL REFERENCES hook_events (id),
    target          TEXT NOT NULL,
    conversation_id TEXT NOT NULL,
    status          TEXT NOT NULL,
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER NOT NULL,
    status_code     INTEGER NOT NULL DEFAULT 0,
    error           TEXT NOT NULL DEFAULT '',
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL,
    delivered_at    INTEGER
);
CREATE INDEX hook_deliveries_due ON hook_deliveries (next_attempt_at) WHERE status = 'pending';
CREATE INDEX hook_deliveries_turn ON hook_deliveries (target, conversation_id, id) WHERE status = 'pending';
CREATE INDEX hook_deliveries_log ON hook_deliveries (target, id);
CREATE INDEX hook_deliveries_conversation ON hook_deliveries (conversation_id, id);
CREATE INDEX hook_deliveries_event ON hook_deliveries (event);

-- Webhook subscriptions, from the admin API or the config file.
CREATE TABLE subscriptions (
    id         TEXT PRIMARY KEY,
    name       TEXT NOT NULL,
    url        TEXT NOT NULL,
    events     TEXT NOT NULL,
    secret     TEXT NOT NULL,
    active     INTEGER NOT NULL,
    config     INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);
CREATE UNIQUE INDEX subscriptions_name ON subscriptions (name);

-- The ticket's id in the helpdesk it is mirrored to.
ALTER TABLE tickets ADD COLUMN external_id TEXT NOT NULL DEFAULT '';
