package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"

	"github.com/batonhq/baton"
)

const messageColumns = `conversation_id, seq, author, text, event, agent_id, client_message_id, private, buttons, created_at,
	intent, payload`

func scanMessage(row rowScanner) (baton.Message, error) {
	var (
		m        baton.Message
		author   string
		clientID sql.NullString
		buttons  sql.NullString
		created  int64
		intent   sql.NullString
		payload  sql.NullString
	)
	if err := row.Scan(&m.ConversationID, &m.Seq, &author, &m.Text, &m.Event, &m.AgentID, &clientID, &m.Private, &buttons,
		&created, &intent, &payload); err != nil {
		return m, err
	}
	m.Author, m.ClientMessageID, m.CreatedAt = baton.Author(author), clientID.String, fromMicros(created)
	m.Intent, m.Payload = intent.String, payload.String
	if buttons.Valid {
		if err := json.Unmarshal([]byte(buttons.String), &m.Buttons); err != nil {
			return m, err
		}
	}
	return m, nil
}

// Message returns one timeline entry.
func (db *DB) Message(ctx context.Context, conversationID string, seq int64) (*baton.Message, error) {
	m, err := scanMessage(db.read.QueryRowContext(ctx, `SELECT `+messageColumns+` FROM messages WHERE conversation_id = ? AND seq = ?`, conversationID, seq))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, baton.Errorf(baton.ENOTFOUND, "message not found")
	} else if err != nil {
		return nil, err
	}
	return &m, nil
}

// Messages returns up to limit entries with seq > after, in order.
func (db *DB) Messages(ctx context.Context, conversationID string, after int64, limit int) ([]baton.Message, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT `+messageColumns+` FROM messages WHERE conversation_id = ? AND seq > ?
		ORDER BY seq LIMIT ?`, conversationID, after, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []baton.Message{}
	for rows.Next() {
		m, err := scanMessage(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	return out, rows.Err()
}

// RecentMessages returns the last limit entries the customer can see, in order.
func (db *DB) RecentMessages(ctx context.Context, conversationID string, limit int) ([]baton.Message, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT * FROM (SELECT `+messageColumns+` FROM messages
		WHERE conversation_id = ? AND private = 0 ORDER BY seq DESC LIMIT ?) ORDER BY seq`, conversationID, limit)
	return collect(rows, err, scanMessage)
}

// ClientMessageIDs returns the client message ids of a conversation, keyed by baton.ClientKey, with their seq.
func (db *DB) ClientMessageIDs(ctx context.Context, conversationID string) (map[string]int64, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT author, agent_id, client_message_id, seq FROM messages
		WHERE conversation_id = ? AND client_message_id IS NOT NULL`, conversationID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	ids := map[string]int64{}
	for rows.Next() {
		var author, agent, id string
		var seq int64
		if err := rows.Scan(&author, &agent, &id, &seq); err != nil {
			return nil, err
		}
		ids[baton.ClientKey(baton.Author(author), agent, id)] = seq
	}
	return ids, rows.Err()
}
