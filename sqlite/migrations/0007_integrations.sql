-- The integration outbox: each event is written in the same transaction as
-- what it reports, once per integration that receives it (with its body, so
-- one insert per delivery); the rows are the delivery log too.
CREATE TABLE hook_deliveries (
    id              INTEGER PRIMARY KEY,
    event_id        TEXT NOT NULL,
    type            TEXT NOT NULL,
    conversation_id TEXT NOT NULL,
    target          TEXT NOT NULL,
    body            BLOB NOT NULL,
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
CREATE INDEX hook_deliveries_target ON hook_deliveries (target, id);
CREATE INDEX hook_deliveries_conversation ON hook_deliveries (conversation_id, id);

-- Webhook subscriptions, from the admin API or the config file.
CREATE TABLE subscriptions (
    id         TEXT PRIMARY KEY,
    name       TEXT NOT NULL,
    url        TEXT NOT NULL,
    events     TEXT NOT NULL,
    secret     TEXT NOT NULL,
    -- After a rotation deliveries are signed with the old secret too,
    -- until previous_until, so receivers can switch without losing any.
    previous_secret TEXT NOT NULL DEFAULT '',
    previous_until  INTEGER,
    active     INTEGER NOT NULL,
    config     INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);
CREATE UNIQUE INDEX subscriptions_name ON subscriptions (name);

-- The ticket's id in the helpdesk it is mirrored to.
ALTER TABLE tickets ADD COLUMN external_id TEXT NOT NULL DEFAULT '';
