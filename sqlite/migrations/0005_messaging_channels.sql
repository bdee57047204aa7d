-- A customer on a messaging channel: the configured account they wrote to
-- and their id on the platform. One conversation per customer and account.
ALTER TABLE conversations ADD COLUMN channel_account TEXT NOT NULL DEFAULT '';
ALTER TABLE conversations ADD COLUMN channel_user TEXT NOT NULL DEFAULT '';
CREATE UNIQUE INDEX conversations_channel_user ON conversations (channel, channel_account, channel_user)
    WHERE channel_user <> '';

-- The outbox: each timeline entry going out on a messaging channel, written
-- in the same transaction as the entry, then sent (and retried) from here.
CREATE TABLE deliveries (
    id              INTEGER PRIMARY KEY,
    conversation_id TEXT NOT NULL,
    seq             INTEGER NOT NULL,
    channel         TEXT NOT NULL,
    account         TEXT NOT NULL,
    user_id         TEXT NOT NULL,
    status          TEXT NOT NULL,
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER NOT NULL,
    error           TEXT NOT NULL DEFAULT '',
    platform_id     TEXT,
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL
);
CREATE UNIQUE INDEX deliveries_message ON deliveries (conversation_id, seq);
CREATE INDEX deliveries_pending ON deliveries (conversation_id, seq) WHERE status = 'pending';
CREATE INDEX deliveries_due ON deliveries (next_attempt_at) WHERE status = 'pending';
CREATE INDEX deliveries_platform ON deliveries (channel, platform_id) WHERE platform_id IS NOT NULL;
