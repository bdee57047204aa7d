package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	sqlitedriver "modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
	"strings"
	"time"

	"github.com/batonhq/baton"
)

var writeStatements = map[string]string{
	"conversationInsert": `INSERT INTO conversations (id, version, channel, locale, contact, customer_token_hash, mode,
		department, priority, assignee, handoff, resolution, handoffs, last_agent, survey_step, ticket_id,
		unknown_streak, created_at, changed_at, queued_at, assigned_at, last_activity_at, bot_state,
		channel_account, channel_user)
		VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21, ?22, ?23,
		?24, ?25)
		ON CONFLICT (id) DO NOTHING`,
	"conversationUpdate": `UPDATE conversations SET version = ?2, locale = ?4, contact = ?5, mode = ?7,
		department = ?8, priority = ?9, assignee = ?10, handoff = ?11, resolution = ?12, handoffs = ?13,
		last_agent = ?14, survey_step = ?15, ticket_id = ?16, unknown_streak = ?17, changed_at = ?19, queued_at = ?20,
		assigned_at = ?21, last_activity_at = ?22, bot_state = ?23
		WHERE id = ?1 AND version = ?2 - 1`,
	"deliveryInsert": `INSERT INTO deliveries (conversation_id, seq, channel, account, user_id, status, next_attempt_at,
		created_at, updated_at) VALUES (?, ?, ?, ?, ?, 'pending', ?, ?, ?)`,
	"hookDeliveryInsert": `INSERT INTO hook_deliveries (event_id, type, conversation_id, target, body, status, next_attempt_at,
		created_at, updated_at) VALUES (?, ?, ?, ?, ?, 'pending', ?, ?, ?)`,
	"messageInsert":  messageInsert(1),
	"messageInsert2": messageInsert(2),
	"messageInsert3": messageInsert(3),
	"ticketInsert": `INSERT INTO tickets (id, conversation_id, department, priority, status, subject, trigger, details,
		expected_by, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
	"ticketClose":   `UPDATE tickets SET status = 'closed', updated_at = ? WHERE id = ?`,
	"agentAssigned": `UPDATE agents SET last_assigned_at = ? WHERE id = ?`,
	"handlingInsert": `INSERT INTO handlings (conversation_id, department, agent_id, started_at, ended_at)
		VALUES (?, ?, ?, ?, ?)`,
	"surveyUpsert": `INSERT INTO surveys (conversation_id, resolution, agent_id, rating, comment, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (conversation_id, resolution) DO UPDATE SET
		rating = CASE WHEN excluded.rating > 0 THEN excluded.rating ELSE rating END,
		comment = CASE WHEN excluded.comment <> '' THEN excluded.comment ELSE comment END,
		updated_at = excluded.updated_at`,
}

var messageStatements = []string{"messageInsert", "messageInsert2", "messageInsert3"}

func messageInsert(rows int) string {
	return `INSERT INTO messages (conversation_id, seq, author, text, event, agent_id, client_message_id, private, buttons,
		created_at, intent, payload) VALUES ` + strings.TrimSuffix(strings.Repeat("(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?), ", rows), ", ")
}

// insertMessages appends timeline entries. Most changes append two or three
// (a customer message and the bot's answer): one statement stores them.
func (w *wtx) insertMessages(msgs [][]any) error {
	for rest := msgs; len(rest) > 0; {
		n := min(len(rest), len(messageStatements))
		args := make([]any, 0, n*len(rest[0]))
		for _, m := range rest[:n] {
			args = append(args, m...)
		}
		if _, err := w.exec(messageStatements[n-1], args...); err != nil {
			return err
		}
		rest = rest[n:]
	}
	return nil
}

// errSeqTaken is a conflict found after the change had written: the batch
// is rolled back and the change retried alone, where it becomes ECONFLICT.
type errSeqTaken struct{ id string }

func (e errSeqTaken) Error() string { return "conversation " + e.id + ": seq already taken" }

func isUnique(err error) bool {
	var e *sqlitedriver.Error
	return errors.As(err, &e) && (e.Code() == sqlite3.SQLITE_CONSTRAINT_UNIQUE || e.Code() == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY)
}

// conversationArgs are the parameters of conversationInsert and conversationUpdate.
func conversationArgs(c *baton.Conversation) ([]any, error) {
	contact, err := json.Marshal(c.Contact)
	if err != nil {
		return nil, err
	}
	var handoff, botState any
	if c.Handoff != nil {
		b, err := json.Marshal(c.Handoff)
		if err != nil {
			return nil, err
		}
		handoff = string(b)
	}
	if !c.BotState.Empty() {
		b, err := json.Marshal(c.BotState)
		if err != nil {
			return nil, err
		}
		botState = string(b)
	}
	return []any{c.ID, c.Version, string(c.Channel), c.Locale, string(contact), c.CustomerTokenHash, string(c.Mode),
		c.Department, string(c.Priority), c.Assignee, handoff, c.Resolution, c.Handoffs, c.LastAgent,
		string(c.Survey), c.TicketID, c.UnknownStreak, micros(c.CreatedAt), micros(c.UpdatedAt),
		nullMicros(c.QueuedAt), nullMicros(c.AssignedAt), micros(c.LastActivityAt), botState,
		c.ChannelAccount, c.ChannelUser}, nil
}

// Commit applies a change atomically and durably; see baton.Change.
func (db *DB) Commit(ctx context.Context, ch *baton.Change) error {
	c := ch.Conversation
	if c == nil {
		return baton.Errorf(baton.EINVALID, "a change needs a conversation")
	}
	var args []any
	if !ch.AppendOnly {
		var err error
		if args, err = conversationArgs(c); err != nil {
			return err
		}
	}
	msgs := make([][]any, len(ch.Messages))
	for i, m := range ch.Messages {
		var clientID, buttons any
		if m.ClientMessageID != "" {
			clientID = m.ClientMessageID
		}
		if len(m.Buttons) > 0 {
			b, err := json.Marshal(m.Buttons)
			if err != nil {
				return err
			}
			buttons = string(b)
		}
		msgs[i] = []any{c.ID, m.Seq, string(m.Author), m.Text, m.Event, m.AgentID, clientID, m.Private, buttons,
			micros(m.CreatedAt), nullString(m.Intent), nullString(m.Payload)}
	}
	var ticket []any
	if t := ch.Ticket; t != nil {
		details, err := json.Marshal(t.Details)
		if err != nil {
			return err
		}
		ticket = []any{t.ID, t.ConversationID, t.Department, string(t.Priority), string(t.Status), t.Subject,
			string(t.Trigger), string(details), nullMicros(t.ExpectedBy), micros(t.CreatedAt), micros(t.UpdatedAt)}
	}
	if ch.AppendOnly && (ch.Create || len(msgs) == 0 || ch.Ticket != nil || ch.CloseTicket != "" || ch.Survey != nil ||
		ch.Assigned != "" || ch.Handled != nil) {
		return baton.Errorf(baton.EINVALID, "an append-only change carries messages and nothing else")
	}
	deliveries := make([][]any, len(ch.Deliveries))
	for i, d := range ch.Deliveries {
		at := micros(d.UpdatedAt)
		deliveries[i] = []any{c.ID, d.Seq, string(d.Channel), d.Account, d.UserID, micros(d.NextAttemptAt), at, at}
	}
	return db.do(ctx, func(w *wtx) error {
		if ch.AppendOnly {
			// The messages are the whole change; a seq already taken means
			// another writer got there first. The failed insert wrote nothing.
			if err := w.insertMessages(msgs); err != nil {
				if isUnique(err) {
					return baton.Errorf(baton.ECONFLICT, "conversation %s changed concurrently", c.ID)
				}
				return fmt.Errorf("store messages of %s: %w", c.ID, err)
			}
			if err := w.insertDeliveries(c.ID, deliveries); err != nil {
				return err
			}
			return w.insertHooks(c.ID, ch.Hooks)
		}
		// The compare-and-swap comes first: when it fails nothing is written.
		// The channel account and user are set at creation, never changed.
		stmt, stmtArgs := "conversationUpdate", args[:len(args)-2]
		if ch.Create {
			stmt, stmtArgs = "conversationInsert", args
		}
		res, err := w.exec(stmt, stmtArgs...)
		if err != nil {
			return fmt.Errorf("store conversation %s: %w", c.ID, err)
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n == 0 {
			if ch.Create {
				return baton.Errorf(baton.ECONFLICT, "conversation %s already exists", c.ID)
			}
			return baton.Errorf(baton.ECONFLICT, "conversation %s changed concurrently", c.ID)
		}
		if err := w.insertMessages(msgs); err != nil {
			if isUnique(err) {
				// The state matched but the timeline did not: an append-only
				// change got in between. The conversation update above must
				// be undone, so this is not a clean conflict for the batch.
				return errSeqTaken{c.ID}
			}
			return fmt.Errorf("store messages of %s: %w", c.ID, err)
		}
		if err := w.insertDeliveries(c.ID, deliveries); err != nil {
			return err
		}
		if err := w.insertHooks(c.ID, ch.Hooks); err != nil {
			return err
		}
		if ticket != nil {
			if _, err := w.exec("ticketInsert", ticket...); err != nil {
				return fmt.Errorf("store ticket: %w", err)
			}
		}
		if ch.CloseTicket != "" {
			if _, err := w.exec("ticketClose", micros(c.UpdatedAt), ch.CloseTicket); err != nil {
				return fmt.Errorf("close ticket: %w", err)
			}
		}
		if ch.Assigned != "" && c.AssignedAt != nil {
			if _, err := w.exec("agentAssigned", micros(*c.AssignedAt), ch.Assigned); err != nil {
				return fmt.Errorf("record assignment: %w", err)
			}
		}
		if h := ch.Handled; h != nil {
			if _, err := w.exec("handlingInsert", h.ConversationID, h.Department, h.AgentID, micros(h.Start), micros(h.End)); err != nil {
				return fmt.Errorf("record handling: %w", err)
			}
		}
		if s := ch.Survey; s != nil {
			if _, err := w.exec("surveyUpsert", s.ConversationID, s.Resolution, s.AgentID, s.Rating, s.Comment,
				micros(s.CreatedAt), micros(s.UpdatedAt)); err != nil {
				return fmt.Errorf("store survey: %w", err)
			}
		}
		return nil
	})
}

func (w *wtx) insertDeliveries(id string, rows [][]any) error {
	for _, args := range rows {
		if _, err := w.exec("deliveryInsert", args...); err != nil {
			return fmt.Errorf("queue delivery of %s: %w", id, err)
		}
	}
	return nil
}

// conversationColumns selects a conversation with what follows from its
// timeline: the last seq, when the last entry and the last customer
// message were written. Each is one step back from the end of the seq index.
const conversationColumns = `c.id, c.version, c.channel, c.locale, c.contact, c.customer_token_hash, c.mode, c.department,
	c.priority, c.assignee, c.handoff, c.resolution, c.handoffs, c.last_agent, c.survey_step, c.ticket_id,
	c.unknown_streak, c.created_at, c.changed_at, c.queued_at, c.assigned_at, c.last_activity_at, c.bot_state,
	c.channel_account, c.channel_user,
	(SELECT seq FROM messages m WHERE m.conversation_id = c.id ORDER BY seq DESC LIMIT 1),
	(SELECT created_at FROM messages m WHERE m.conversation_id = c.id ORDER BY seq DESC LIMIT 1),
	(SELECT created_at FROM messages m WHERE m.conversation_id = c.id AND m.author = 'customer' ORDER BY seq DESC LIMIT 1)`

func scanConversation(row rowScanner) (*baton.Conversation, error) {
	var (
		c                                   baton.Conversation
		contact                             string
		handoff, botState                   sql.NullString
		created, changed, activity          int64
		queued, assigned, lastCustomer      sql.NullInt64
		lastSeq, lastEntry                  sql.NullInt64
		channel, mode, priority, surveyStep string
	)
	err := row.Scan(&c.ID, &c.Version, &channel, &c.Locale, &contact, &c.CustomerTokenHash, &mode, &c.Department,
		&priority, &c.Assignee, &handoff, &c.Resolution, &c.Handoffs, &c.LastAgent, &surveyStep,
		&c.TicketID, &c.UnknownStreak, &created, &changed, &queued, &assigned, &activity, &botState,
		&c.ChannelAccount, &c.ChannelUser, &lastSeq, &lastEntry, &lastCustomer)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, baton.Errorf(baton.ENOTFOUND, "conversation not found")
	} else if err != nil {
		return nil, err
	}
	c.Channel, c.Mode, c.Priority, c.Survey = baton.Channel(channel), baton.Mode(mode), baton.Priority(priority), baton.SurveyStep(surveyStep)
	if err := json.Unmarshal([]byte(contact), &c.Contact); err != nil {
		return nil, fmt.Errorf("conversation %s: contact: %w", c.ID, err)
	}
	if handoff.Valid {
		c.Handoff = &baton.Handoff{}
		if err := json.Unmarshal([]byte(handoff.String), c.Handoff); err != nil {
			return nil, fmt.Errorf("conversation %s: handoff: %w", c.ID, err)
		}
	}
	if botState.Valid {
		c.BotState = &baton.BotState{}
		if err := json.Unmarshal([]byte(botState.String), c.BotState); err != nil {
			return nil, fmt.Errorf("conversation %s: bot state: %w", c.ID, err)
		}
	}
	c.LastSeq = lastSeq.Int64
	c.CreatedAt, c.UpdatedAt, c.LastActivityAt = fromMicros(created), fromMicros(max(changed, lastEntry.Int64)), fromMicros(activity)
	c.QueuedAt, c.AssignedAt, c.LastCustomerAt = fromNullMicros(queued), fromNullMicros(assigned), fromNullMicros(lastCustomer)
	return &c, nil
}

// Conversation returns one conversation.
func (db *DB) Conversation(ctx context.Context, id string) (*baton.Conversation, error) {
	return scanConversation(db.read.QueryRowContext(ctx, `SELECT `+conversationColumns+` FROM conversations c WHERE id = ?`, id))
}

// Conversations lists conversations by mode, department and assignee,
// most recently updated first.
func (db *DB) Conversations(ctx context.Context, f baton.ConversationFilter) ([]*baton.Conversation, error) {
	var where []string
	var args []any
	in := func(col string, vals []string) {
		if len(vals) == 0 {
			return
		}
		where = append(where, col+" IN ("+strings.TrimSuffix(strings.Repeat("?,", len(vals)), ",")+")")
		for _, v := range vals {
			args = append(args, v)
		}
	}
	modes := make([]string, len(f.Modes))
	for i, m := range f.Modes {
		modes[i] = string(m)
	}
	in("mode", modes)
	in("department", f.Departments)
	if f.Assignee != "" {
		where = append(where, "assignee = ?")
		args = append(args, f.Assignee)
	}
	q := `SELECT ` + conversationColumns + ` FROM conversations c`
	if len(where) > 0 {
		q += " WHERE " + strings.Join(where, " AND ")
	}
	limit := f.Limit
	if limit <= 0 || limit > 1000 {
		limit = 1000
	}
	q += fmt.Sprintf(" ORDER BY changed_at DESC LIMIT %d", limit)
	rows, err := db.read.QueryContext(ctx, q, args...)
	return collect(rows, err, scanConversation)
}

// Queued returns every conversation waiting in a department's queue, or in
// every queue for "". There is no limit: the queue must be served whole.
func (db *DB) Queued(ctx context.Context, department string) ([]*baton.Conversation, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT `+conversationColumns+` FROM conversations c
		WHERE mode = 'queued' AND (?1 = '' OR department = ?1)`, department)
	return collect(rows, err, scanConversation)
}

// HandlingTimes returns the durations of a department's latest handlings
// that ended at or after since, newest first.
func (db *DB) HandlingTimes(ctx context.Context, department string, since time.Time, limit int) ([]time.Duration, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT ended_at - started_at FROM handlings
		WHERE department = ? AND ended_at >= ? ORDER BY ended_at DESC LIMIT ?`, department, micros(since), limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []time.Duration
	for rows.Next() {
		var us int64
		if err := rows.Scan(&us); err != nil {
			return nil, err
		}
		out = append(out, time.Duration(us)*time.Microsecond)
	}
	return out, rows.Err()
}

// IdleAgentConversations returns conversations in agent mode quiet since idleSince.
func (db *DB) IdleAgentConversations(ctx context.Context, idleSince time.Time, limit int) ([]string, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT id FROM conversations WHERE mode = 'agent' AND last_activity_at <= ?
		ORDER BY last_activity_at LIMIT ?`, micros(idleSince), limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}

// ActiveCounts returns the number of conversations each agent holds.
func (db *DB) ActiveCounts(ctx context.Context) (map[string]int, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT assignee, count(*) FROM conversations WHERE mode = 'agent' GROUP BY assignee`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	counts := map[string]int{}
	for rows.Next() {
		var id string
		var n int
		if err := rows.Scan(&id, &n); err != nil {
			return nil, err
		}
		counts[id] = n
	}
	return counts, rows.Err()
}
