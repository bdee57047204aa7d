-- Agents sign in to the inbox with email and password (bcrypt hash); an
-- email names at most one agent, whatever its case.
ALTER TABLE agents ADD COLUMN password_hash BLOB;
CREATE UNIQUE INDEX agents_email ON agents (lower(email)) WHERE email <> '';

-- Browser sessions of the inbox; the cookie holds the token, this its hash.
CREATE TABLE sessions (
    token_hash BLOB PRIMARY KEY,
    agent_id   TEXT NOT NULL REFERENCES agents (id),
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
);
CREATE INDEX sessions_agent ON sessions (agent_id);
