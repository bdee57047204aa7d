package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/batonhq/baton"
)

// CreateSession stores a new browser session and drops the agent's
// expired ones.
func (db *DB) CreateSession(ctx context.Context, s *baton.Session) error {
	return db.do(ctx, func(w *wtx) error {
		if _, err := w.execSQL(`DELETE FROM sessions WHERE agent_id = ? AND expires_at <= ?`, s.AgentID, micros(s.CreatedAt)); err != nil {
			return err
		}
		_, err := w.execSQL(`INSERT INTO sessions (token_hash, agent_id, created_at, expires_at) VALUES (?, ?, ?, ?)`,
			s.TokenHash, s.AgentID, micros(s.CreatedAt), micros(s.ExpiresAt))
		return err
	})
}

// Session returns the session with this token hash, expired or not.
func (db *DB) Session(ctx context.Context, tokenHash []byte) (*baton.Session, error) {
	s := baton.Session{TokenHash: tokenHash}
	var created, expires int64
	err := db.read.QueryRowContext(ctx, `SELECT agent_id, created_at, expires_at FROM sessions WHERE token_hash = ?`, tokenHash).
		Scan(&s.AgentID, &created, &expires)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, baton.Errorf(baton.ENOTFOUND, "session not found")
	} else if err != nil {
		return nil, err
	}
	s.CreatedAt, s.ExpiresAt = fromMicros(created), fromMicros(expires)
	return &s, nil
}

// ExtendSession moves a session's expiry.
func (db *DB) ExtendSession(ctx context.Context, tokenHash []byte, expires time.Time) error {
	return db.do(ctx, func(w *wtx) error {
		_, err := w.execSQL(`UPDATE sessions SET expires_at = ? WHERE token_hash = ?`, micros(expires), tokenHash)
		return err
	})
}

// DeleteSession ends a session (signing out).
func (db *DB) DeleteSession(ctx context.Context, tokenHash []byte) error {
	return db.do(ctx, func(w *wtx) error {
		_, err := w.execSQL(`DELETE FROM sessions WHERE token_hash = ?`, tokenHash)
		return err
	})
}
