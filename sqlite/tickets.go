package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/batonhq/baton"
)

const ticketColumns = `id, conversation_id, department, priority, status, subject, trigger, details, expected_by, created_at, updated_at, external_id`

func scanTicket(row rowScanner) (*baton.Ticket, error) {
	var (
		t                         baton.Ticket
		priority, status, trigger string
		details                   string
		expected                  sql.NullInt64
		created, updated          int64
	)
	err := row.Scan(&t.ID, &t.ConversationID, &t.Department, &priority, &status, &t.Subject, &trigger, &details, &expected, &created, &updated, &t.ExternalID)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, baton.Errorf(baton.ENOTFOUND, "ticket not found")
	} else if err != nil {
		return nil, err
	}
	t.Priority, t.Status, t.Trigger = baton.Priority(priority), baton.TicketStatus(status), baton.Trigger(trigger)
	t.ExpectedBy, t.CreatedAt, t.UpdatedAt = fromNullMicros(expected), fromMicros(created), fromMicros(updated)
	if err := json.Unmarshal([]byte(details), &t.Details); err != nil {
		return nil, fmt.Errorf("ticket %s: details: %w", t.ID, err)
	}
	return &t, nil
}

// Ticket returns one ticket.
func (db *DB) Ticket(ctx context.Context, id string) (*baton.Ticket, error) {
	return scanTicket(db.read.QueryRowContext(ctx, `SELECT `+ticketColumns+` FROM tickets WHERE id = ?`, id))
}

// Tickets lists tickets with a status ("" for all), oldest first.
func (db *DB) Tickets(ctx context.Context, status baton.TicketStatus, limit int) ([]*baton.Ticket, error) {
	if limit <= 0 || limit > 1000 {
		limit = 1000
	}
	rows, err := db.read.QueryContext(ctx, `SELECT `+ticketColumns+` FROM tickets WHERE ?1 = '' OR status = ?1
		ORDER BY created_at LIMIT ?2`, string(status), limit)
	return collect(rows, err, scanTicket)
}

// Surveys returns a conversation's survey answers, one per resolution.
func (db *DB) Surveys(ctx context.Context, conversationID string) ([]baton.SurveyResponse, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT conversation_id, resolution, agent_id, rating, comment, created_at, updated_at
		FROM surveys WHERE conversation_id = ? ORDER BY resolution`, conversationID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []baton.SurveyResponse{}
	for rows.Next() {
		var s baton.SurveyResponse
		var created, updated int64
		if err := rows.Scan(&s.ConversationID, &s.Resolution, &s.AgentID, &s.Rating, &s.Comment, &created, &updated); err != nil {
			return nil, err
		}
		s.CreatedAt, s.UpdatedAt = fromMicros(created), fromMicros(updated)
		out = append(out, s)
	}
	return out, rows.Err()
}

var _ baton.Store = (*DB)(nil)
