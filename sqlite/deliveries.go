package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"strings"
	"time"

	"github.com/batonhq/baton"
)

// ConversationByChannelUser finds the conversation of a customer on a
// messaging channel account.
func (db *DB) ConversationByChannelUser(ctx context.Context, ch baton.Channel, account, user string) (*baton.Conversation, error) {
	if user == "" {
		return nil, baton.Errorf(baton.ENOTFOUND, "conversation not found")
	}
	return scanConversation(db.read.QueryRowContext(ctx, `SELECT `+conversationColumns+` FROM conversations c
		WHERE channel = ? AND channel_account = ? AND channel_user = ? AND channel_user <> ''`, string(ch), account, user))
}

const deliveryColumns = `d.id, d.conversation_id, d.seq, d.channel, d.account, d.user_id, d.status, d.attempts,
	d.next_attempt_at, d.error, d.platform_id, d.updated_at`

func scanDelivery(row rowScanner, extra ...any) (*baton.Delivery, error) {
	var (
		d               baton.Delivery
		channel, status string
		next, updated   int64
		platformID      sql.NullString
	)
	dest := append([]any{&d.ID, &d.ConversationID, &d.Seq, &channel, &d.Account, &d.UserID, &status, &d.Attempts,
		&next, &d.Error, &platformID, &updated}, extra...)
	if err := row.Scan(dest...); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return nil, baton.Errorf(baton.ENOTFOUND, "delivery not found")
		}
		return nil, err
	}
	d.Channel, d.Status, d.PlatformID = baton.Channel(channel), baton.DeliveryStatus(status), platformID.String
	d.NextAttemptAt, d.UpdatedAt = fromMicros(next), fromMicros(updated)
	return &d, nil
}

// DueAccounts returns the channel accounts with deliveries due.
func (db *DB) DueAccounts(ctx context.Context, now time.Time) ([]baton.Account, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT DISTINCT channel, account FROM deliveries
		WHERE status = 'pending' AND next_attempt_at <= ?`, micros(now))
	return collect(rows, err, func(r rowScanner) (baton.Account, error) {
		var a baton.Account
		var ch string
		err := r.Scan(&ch, &a.Name)
		a.Channel = baton.Channel(ch)
		return a, err
	})
}

// DueDeliveries returns an account's pending deliveries whose time has
// come, each the first pending one of its conversation, so a
// conversation's messages go out in order even when one of them waits for
// a retry.
func (db *DB) DueDeliveries(ctx context.Context, now time.Time, limit int, a baton.Account) ([]*baton.Outgoing, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT `+deliveryColumns+`, m.author, m.text, m.buttons, m.event
		FROM deliveries d JOIN messages m ON m.conversation_id = d.conversation_id AND m.seq = d.seq
		WHERE d.status = 'pending' AND d.channel = ? AND d.account = ? AND d.next_attempt_at <= ?
		AND NOT EXISTS (SELECT 1 FROM deliveries e WHERE e.status = 'pending' AND e.conversation_id = d.conversation_id AND e.seq < d.seq)
		ORDER BY d.next_attempt_at, d.id LIMIT ?`, string(a.Channel), a.Name, micros(now), limit)
	return collect(rows, err, func(row rowScanner) (*baton.Outgoing, error) {
		var author string
		var buttons sql.NullString
		out := &baton.Outgoing{}
		d, err := scanDelivery(row, &author, &out.Text, &buttons, &out.Event)
		if err != nil {
			return nil, err
		}
		out.Delivery, out.Author = d, baton.Author(author)
		if buttons.Valid {
			if err := json.Unmarshal([]byte(buttons.String), &out.Buttons); err != nil {
				return nil, err
			}
		}
		return out, nil
	})
}

// ClaimDeliveries makes pending deliveries not due again until until, in
// one transaction: the outbox claims a round before sending it.
func (db *DB) ClaimDeliveries(ctx context.Context, ids []int64, until time.Time) error {
	if len(ids) == 0 {
		return nil
	}
	args := []any{micros(until)}
	for _, id := range ids {
		args = append(args, id)
	}
	return db.do(ctx, func(w *wtx) error {
		_, err := w.execSQL(`UPDATE deliveries SET next_attempt_at = ? WHERE status = 'pending' AND id IN (`+
			placeholders(len(ids))+`)`, args...)
		return err
	})
}

// UpdateDelivery stores where a delivery stands after an attempt.
func (db *DB) UpdateDelivery(ctx context.Context, d *baton.Delivery) error {
	return db.do(ctx, func(w *wtx) error {
		res, err := w.execSQL(`UPDATE deliveries SET status = ?, attempts = ?, next_attempt_at = ?, error = ?,
			platform_id = ?, updated_at = ?, sent_at = CASE WHEN ? = 'sent' THEN ? ELSE sent_at END WHERE id = ?`,
			string(d.Status), d.Attempts, micros(d.NextAttemptAt), d.Error,
			nullString(d.PlatformID), micros(d.UpdatedAt), string(d.Status), micros(d.UpdatedAt), d.ID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return baton.Errorf(baton.ENOTFOUND, "delivery not found")
		}
		return nil
	})
}

// ApplyStatusUpdate moves the named delivery forward and returns it as it
// now stands. A status that does not move it forward (a late "delivered"
// after "read", a repeated webhook) changes nothing; the update only
// applies over the statuses it follows, so two webhooks at once cannot
// move a delivery back either.
func (db *DB) ApplyStatusUpdate(ctx context.Context, u baton.StatusUpdate) (*baton.Delivery, bool, error) {
	find := func() (*baton.Delivery, error) {
		return scanDelivery(db.read.QueryRowContext(ctx, `SELECT `+deliveryColumns+` FROM deliveries d
			WHERE d.channel = ? AND d.platform_id = ?`, string(u.Channel), u.PlatformID))
	}
	if u.PlatformID == "" {
		return nil, false, baton.Errorf(baton.ENOTFOUND, "delivery not found")
	}
	d, err := find()
	if err != nil || !d.Status.Follows(u.Status) {
		return d, false, err
	}
	var before []any
	for _, s := range []baton.DeliveryStatus{baton.DeliveryPending, baton.DeliverySent, baton.DeliveryDelivered, baton.DeliveryRead} {
		if s.Follows(u.Status) {
			before = append(before, string(s))
		}
	}
	errText := d.Error
	if u.Status == baton.DeliveryFailed {
		errText = u.Error
	}
	var moved bool
	err = db.do(ctx, func(w *wtx) error {
		res, err := w.execSQL(`UPDATE deliveries SET status = ?, error = ?, updated_at = ?
			WHERE id = ? AND status IN (`+placeholders(len(before))+`)`,
			append([]any{string(u.Status), errText, micros(u.At), d.ID}, before...)...)
		if err != nil {
			return err
		}
		n, _ := res.RowsAffected()
		moved = n > 0
		return nil
	})
	if err != nil {
		return nil, false, err
	}
	d, err = find()
	return d, moved, err
}

func placeholders(n int) string {
	return strings.TrimSuffix(strings.Repeat("?, ", n), ", ")
}

// ApplyWatermark moves forward every delivery to a customer that the
// platform accepted at or before the watermark, for platforms that report
// "read" that way.
func (db *DB) ApplyWatermark(ctx context.Context, u baton.StatusUpdate) ([]*baton.Delivery, error) {
	var before []any
	for _, s := range []baton.DeliveryStatus{baton.DeliverySent, baton.DeliveryDelivered, baton.DeliveryRead} {
		if s.Follows(u.Status) {
			before = append(before, string(s))
		}
	}
	if u.UserID == "" || len(before) == 0 {
		return nil, nil
	}
	where := `channel = ? AND account = ? AND user_id = ? AND sent_at <= ? AND status IN (` + placeholders(len(before)) + `)`
	args := append([]any{string(u.Channel), u.Account, u.UserID, micros(u.Before)}, before...)
	rows, err := db.read.QueryContext(ctx, `SELECT `+deliveryColumns+` FROM deliveries d WHERE `+where, args...)
	moved, err := collect(rows, err, func(r rowScanner) (*baton.Delivery, error) { return scanDelivery(r) })
	if err != nil || len(moved) == 0 {
		return nil, err
	}
	err = db.do(ctx, func(w *wtx) error {
		_, err := w.execSQL(`UPDATE deliveries SET status = ?, updated_at = ? WHERE `+where,
			append([]any{string(u.Status), micros(u.At)}, args...)...)
		return err
	})
	for _, d := range moved {
		d.Status, d.UpdatedAt = u.Status, u.At
	}
	return moved, err
}
