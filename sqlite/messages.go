package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"

	"github.com/batonhq/baton"
)

// messageColumns and messageFrom read timeline entries with where each
// stands on its way to a customer on a messaging channel, if it goes out.
const (
	messageColumns = `m.conversation_id, m.seq, m.author, m.text, m.event, m.agent_id, m.client_message_id, m.private,
	m.buttons, m.created_at, m.intent, m.payload, d.status, d.attempts, d.error, d.platform_id, d.updated_at`
	messageFrom = `messages m LEFT JOIN deliveries d ON d.conversation_id = m.conversation_id AND d.seq = m.seq`
)

func scanMessage(row rowScanner) (baton.Message, error) {
	var (
		m        baton.Message
		author   string
		clientID sql.NullString
		buttons  sql.NullString
		created  int64
		intent   sql.NullString
		payload  sql.NullString
		status   sql.NullString
		attempts sql.NullInt64
		errText  sql.NullString
		platform sql.NullString
		updated  sql.NullInt64
	)
	if err := row.Scan(&m.ConversationID, &m.Seq, &author, &m.Text, &m.Event, &m.AgentID, &clientID, &m.Private, &buttons,
		&created, &intent, &payload, &status, &attempts, &errText, &platform, &updated); err != nil {
		return m, err
	}
	if status.Valid {
		m.Delivery = &baton.Delivery{Status: baton.DeliveryStatus(status.String), Attempts: int(attempts.Int64),
			Error: errText.String, PlatformID: platform.String, UpdatedAt: fromMicros(updated.Int64)}
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
	m, err := scanMessage(db.read.QueryRowContext(ctx, `SELECT `+messageColumns+` FROM `+messageFrom+` WHERE m.conversation_id = ? AND m.seq = ?`, conversationID, seq))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, baton.Errorf(baton.ENOTFOUND, "message not found")
	} else if err != nil {
		return nil, err
	}
	return &m, nil
}

// Messages returns up to limit entries with seq > after, in order.
func (db *DB) Messages(ctx context.Context, conversationID string, after int64, limit int) ([]baton.Message, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT `+messageColumns+` FROM `+messageFrom+` WHERE m.conversation_id = ? AND m.seq > ?
		ORDER BY m.seq LIMIT ?`, conversationID, after, limit)
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
	rows, err := db.read.QueryContext(ctx, `SELECT * FROM (SELECT `+messageColumns+` FROM `+messageFrom+`
		WHERE m.conversation_id = ? AND m.private = 0 ORDER BY m.seq DESC LIMIT ?) ORDER BY seq`, conversationID, limit)
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
