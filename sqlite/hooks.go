package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/batonhq/baton"
)

// insertHooks queues integration events, one pending delivery per target,
// within the change's transaction.
func (w *wtx) insertHooks(conversationID string, hooks []baton.HookEvent) error {
	for _, h := range hooks {
		for _, t := range h.Targets {
			at := micros(h.At)
			if _, err := w.exec("hookDeliveryInsert", h.ID, h.Type, conversationID, t, h.Body, at, at, at); err != nil {
				return fmt.Errorf("queue event %s of %s for %s: %w", h.Type, conversationID, t, err)
			}
		}
	}
	return nil
}

const hookDeliveryColumns = `d.id, d.event_id, d.type, d.conversation_id, d.target, d.status, d.attempts, d.next_attempt_at,
	d.status_code, d.error, d.created_at, d.updated_at, d.delivered_at`

func scanHookDelivery(row rowScanner, extra ...any) (*baton.HookDelivery, error) {
	var (
		d                      baton.HookDelivery
		status                 string
		next, created, updated int64
		delivered              sql.NullInt64
	)
	dest := append([]any{&d.ID, &d.EventID, &d.EventType, &d.ConversationID, &d.Target, &status, &d.Attempts, &next,
		&d.StatusCode, &d.Error, &created, &updated, &delivered}, extra...)
	if err := row.Scan(dest...); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return nil, baton.Errorf(baton.ENOTFOUND, "delivery not found")
		}
		return nil, err
	}
	d.Status = baton.HookStatus(status)
	d.NextAttemptAt, d.CreatedAt, d.UpdatedAt, d.DeliveredAt = fromMicros(next), fromMicros(created), fromMicros(updated),
		fromNullMicros(delivered)
	return &d, nil
}

// DueHookTargets returns the integrations with deliveries due.
func (db *DB) DueHookTargets(ctx context.Context, now time.Time) ([]string, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT DISTINCT target FROM hook_deliveries
		WHERE status = 'pending' AND next_attempt_at <= ?`, micros(now))
	return collect(rows, err, func(r rowScanner) (string, error) {
		var t string
		return t, r.Scan(&t)
	})
}

// DueHookDeliveries returns a target's pending deliveries whose time has
// come, each the first pending one of its conversation: an integration
// gets a conversation's events in order, even while one waits for a retry.
func (db *DB) DueHookDeliveries(ctx context.Context, now time.Time, limit int, target string) ([]*baton.HookJob, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT `+hookDeliveryColumns+`, d.body, d.created_at
		FROM hook_deliveries d
		WHERE d.status = 'pending' AND d.target = ? AND d.next_attempt_at <= ?
		AND NOT EXISTS (SELECT 1 FROM hook_deliveries p WHERE p.status = 'pending' AND p.target = d.target
			AND p.conversation_id = d.conversation_id AND p.id < d.id)
		ORDER BY d.next_attempt_at, d.id LIMIT ?`, target, micros(now), limit)
	return collect(rows, err, func(row rowScanner) (*baton.HookJob, error) {
		var body []byte
		var at int64
		d, err := scanHookDelivery(row, &body, &at)
		if err != nil {
			return nil, err
		}
		return &baton.HookJob{Delivery: d, Event: &baton.HookEvent{ID: d.EventID, Type: d.EventType,
			ConversationID: d.ConversationID, At: fromMicros(at), Body: body}}, nil
	})
}

// ClaimHookDeliveries makes pending deliveries not due again until until,
// in one transaction: the outbox claims a round before sending it.
func (db *DB) ClaimHookDeliveries(ctx context.Context, ids []int64, until time.Time) error {
	if len(ids) == 0 {
		return nil
	}
	args := []any{micros(until)}
	for _, id := range ids {
		args = append(args, id)
	}
	return db.do(ctx, func(w *wtx) error {
		_, err := w.execSQL(`UPDATE hook_deliveries SET next_attempt_at = ? WHERE status = 'pending' AND id IN (`+
			placeholders(len(ids))+`)`, args...)
		return err
	})
}

// UpdateHookDelivery stores where a delivery stands after an attempt.
func (db *DB) UpdateHookDelivery(ctx context.Context, d *baton.HookDelivery) error {
	return db.do(ctx, func(w *wtx) error {
		res, err := w.execSQL(`UPDATE hook_deliveries SET status = ?, attempts = ?, next_attempt_at = ?, status_code = ?,
			error = ?, updated_at = ?, delivered_at = ? WHERE id = ?`, string(d.Status), d.Attempts, micros(d.NextAttemptAt),
			d.StatusCode, d.Error, micros(d.UpdatedAt), nullMicros(d.DeliveredAt), d.ID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return baton.Errorf(baton.ENOTFOUND, "delivery not found")
		}
		return nil
	})
}

// HookDelivery returns one delivery of the log.
func (db *DB) HookDelivery(ctx context.Context, id int64) (*baton.HookDelivery, error) {
	return scanHookDelivery(db.read.QueryRowContext(ctx, `SELECT `+hookDeliveryColumns+`
		FROM hook_deliveries d WHERE d.id = ?`, id))
}

// HookEventBody returns the JSON document of the event a delivery carries.
func (db *DB) HookEventBody(ctx context.Context, deliveryID int64) ([]byte, error) {
	var body []byte
	err := db.read.QueryRowContext(ctx, `SELECT body FROM hook_deliveries WHERE id = ?`, deliveryID).Scan(&body)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, baton.Errorf(baton.ENOTFOUND, "delivery not found")
	}
	return body, err
}

// HookDeliveries lists the delivery log, newest first.
func (db *DB) HookDeliveries(ctx context.Context, f baton.HookDeliveryFilter) ([]*baton.HookDelivery, error) {
	if f.Limit <= 0 || f.Limit > 500 {
		f.Limit = 100
	}
	q := `SELECT ` + hookDeliveryColumns + ` FROM hook_deliveries d WHERE 1 = 1`
	var args []any
	for _, c := range []struct {
		cond string
		v    string
	}{{" AND d.target = ?", f.Target}, {" AND d.status = ?", string(f.Status)},
		{" AND d.conversation_id = ?", f.ConversationID}, {" AND d.type = ?", f.EventType}} {
		if c.v != "" {
			q += c.cond
			args = append(args, c.v)
		}
	}
	if f.Before > 0 {
		q += " AND d.id < ?"
		args = append(args, f.Before)
	}
	q += " ORDER BY d.id DESC LIMIT ?"
	rows, err := db.read.QueryContext(ctx, q, append(args, f.Limit)...)
	return collect(rows, err, func(r rowScanner) (*baton.HookDelivery, error) { return scanHookDelivery(r) })
}

// RetryHookDelivery makes a failed delivery pending again, due at now,
// with its attempts counted afresh.
func (db *DB) RetryHookDelivery(ctx context.Context, id int64, now time.Time) (*baton.HookDelivery, error) {
	err := db.do(ctx, func(w *wtx) error {
		res, err := w.execSQL(`UPDATE hook_deliveries SET status = 'pending', attempts = 0, next_attempt_at = ?, updated_at = ?
			WHERE id = ? AND status = 'failed'`, micros(now), micros(now), id)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return baton.Errorf(baton.ECONFLICT, "only a failed delivery can be retried")
		}
		return nil
	})
	if err != nil {
		if _, err2 := db.HookDelivery(ctx, id); baton.ErrorCode(err2) == baton.ENOTFOUND {
			return nil, err2
		}
		return nil, err
	}
	return db.HookDelivery(ctx, id)
}

// PruneHooks deletes finished deliveries last changed before a time.
func (db *DB) PruneHooks(ctx context.Context, before time.Time) (int64, error) {
	var n int64
	err := db.do(ctx, func(w *wtx) error {
		res, err := w.execSQL(`DELETE FROM hook_deliveries WHERE status <> 'pending' AND updated_at < ?`, micros(before))
		if err == nil {
			n, _ = res.RowsAffected()
		}
		return err
	})
	return n, err
}

const subscriptionColumns = `id, name, url, events, secret, previous_secret, previous_until, active, config, created_at, updated_at`

func scanSubscription(row rowScanner) (*baton.Subscription, error) {
	var (
		s                baton.Subscription
		events           string
		created, updated int64
		until            sql.NullInt64
	)
	err := row.Scan(&s.ID, &s.Name, &s.URL, &events, &s.Secret, &s.PreviousSecret, &until, &s.Active, &s.Config, &created, &updated)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, baton.Errorf(baton.ENOTFOUND, "subscription not found")
	} else if err != nil {
		return nil, err
	}
	s.CreatedAt, s.UpdatedAt, s.PreviousUntil = fromMicros(created), fromMicros(updated), fromNullMicros(until)
	if err := json.Unmarshal([]byte(events), &s.Events); err != nil {
		return nil, fmt.Errorf("subscription %s: events: %w", s.ID, err)
	}
	return &s, nil
}

// Subscription returns one webhook subscription.
func (db *DB) Subscription(ctx context.Context, id string) (*baton.Subscription, error) {
	return scanSubscription(db.read.QueryRowContext(ctx, `SELECT `+subscriptionColumns+` FROM subscriptions WHERE id = ?`, id))
}

// Subscriptions returns every webhook subscription, oldest first.
func (db *DB) Subscriptions(ctx context.Context) ([]*baton.Subscription, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT `+subscriptionColumns+` FROM subscriptions ORDER BY created_at, id`)
	return collect(rows, err, scanSubscription)
}

// PutSubscription creates a subscription or replaces the one with its id.
// Names are unique: another subscription's name is ECONFLICT.
func (db *DB) PutSubscription(ctx context.Context, s *baton.Subscription) error {
	events, err := json.Marshal(s.Events)
	if err != nil {
		return err
	}
	if s.Events == nil {
		events = []byte("[]")
	}
	return db.do(ctx, func(w *wtx) error {
		_, err := w.execSQL(`INSERT INTO subscriptions (`+subscriptionColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (id) DO UPDATE SET name = excluded.name, url = excluded.url, events = excluded.events,
			secret = excluded.secret, previous_secret = excluded.previous_secret, previous_until = excluded.previous_until,
			active = excluded.active, config = excluded.config, updated_at = excluded.updated_at`,
			s.ID, s.Name, s.URL, string(events), s.Secret, s.PreviousSecret, nullMicros(s.PreviousUntil), s.Active, s.Config,
			micros(s.CreatedAt), micros(s.UpdatedAt))
		if isUnique(err) {
			return baton.Errorf(baton.ECONFLICT, "a subscription named %q exists", s.Name)
		}
		return err
	})
}

// DeleteSubscription deletes a subscription; its pending deliveries fail.
func (db *DB) DeleteSubscription(ctx context.Context, id string, now time.Time) error {
	return db.do(ctx, func(w *wtx) error {
		res, err := w.execSQL(`DELETE FROM subscriptions WHERE id = ?`, id)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return baton.Errorf(baton.ENOTFOUND, "subscription not found")
		}
		_, err = w.execSQL(`UPDATE hook_deliveries SET status = 'failed', error = 'the subscription was deleted', updated_at = ?
			WHERE target = ? AND status = 'pending'`, micros(now), baton.WebhookTarget(id))
		return err
	})
}

// SetTicketExternalID records a ticket's id in the helpdesk.
func (db *DB) SetTicketExternalID(ctx context.Context, id, externalID string) error {
	return db.do(ctx, func(w *wtx) error {
		res, err := w.execSQL(`UPDATE tickets SET external_id = ? WHERE id = ?`, externalID, id)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return baton.Errorf(baton.ENOTFOUND, "ticket not found")
		}
		return nil
	})
}
