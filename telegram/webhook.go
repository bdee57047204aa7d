package telegram

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"io"
	"net/http"
	"time"

	"github.com/batonhq/baton"
)

// SecretHeader carries setWebhook's secret_token on every update.
const SecretHeader = "X-Telegram-Bot-Api-Secret-Token"

// MaxUpdateSize bounds an update's body. Telegram's largest updates (a
// long text with entities, a message with a big keyboard) are a few
// kilobytes.
const MaxUpdateSize = 1 << 20

// followUpTimeout bounds each Bot API call made after a tap.
const followUpTimeout = 5 * time.Second

// Webhook returns the handler for this bot's updates, one URL per bot
// (e.g. /webhooks/telegram/{name}). It answers 200 once the sink holds
// the update durably or Baton chose to ignore it; any other status makes
// Telegram deliver the update again, and the sink drops what it already
// holds by its MessageID.
func (a *Account) Webhook(sink baton.ChannelSink) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost {
			w.Header().Set("Allow", http.MethodPost)
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		secret := r.Header.Get(SecretHeader)
		got := sha256.Sum256([]byte(secret))
		if secret == "" || subtle.ConstantTimeCompare(got[:], a.secretHash[:]) != 1 {
			a.log.Warn("update refused: missing or wrong secret token", "remote", r.RemoteAddr)
			http.Error(w, "unauthorized", http.StatusUnauthorized)
			return
		}
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxUpdateSize))
		if err != nil {
			var tooLarge *http.MaxBytesError
			if errors.As(err, &tooLarge) {
				a.log.Warn("update refused: too large", "limit", MaxUpdateSize)
				http.Error(w, "update too large", http.StatusRequestEntityTooLarge)
				return
			}
			http.Error(w, "could not read the update", http.StatusBadRequest)
			return
		}
		ev, err := parse(body)
		if err != nil {
			a.log.Warn("update refused: malformed", "err", err)
			http.Error(w, "malformed update", http.StatusBadRequest)
			return
		}
		log := a.log.With("update_id", ev.updateID)
		// The follow-ups go on when Telegram hangs up: the customer's
		// client waits for them, not Telegram.
		followUps := context.WithoutCancel(r.Context())
		if ev.in == nil {
			log.Info("update ignored", "why", ev.ignored)
			a.answerCallback(followUps, ev)
			w.WriteHeader(http.StatusOK)
			return
		}
		in := *ev.in
		in.Account = a.name
		if in.At.IsZero() {
			in.At = a.now()
		}
		if err := sink.Inbound(r.Context(), in); err != nil {
			// Telegram will post the update again; a tap stays unanswered
			// until then, as nothing was recorded.
			log.Error("update not stored; Telegram will retry", "err", err)
			http.Error(w, "could not store the update", http.StatusInternalServerError)
			return
		}
		a.answerCallback(followUps, ev)
		a.removeKeyboard(followUps, ev)
		w.WriteHeader(http.StatusOK)
	})
}

// answerCallback stops the progress indicator the customer's client shows
// after a tap. Best effort: the tap is already stored.
func (a *Account) answerCallback(ctx context.Context, ev event) {
	if ev.callbackID == "" {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, followUpTimeout)
	defer cancel()
	if err := a.call(ctx, "answerCallbackQuery", answerCallbackQueryRequest{CallbackQueryID: ev.callbackID}, nil); err != nil {
		a.log.Warn("answer a callback query", "update_id", ev.updateID, "err", err)
	}
}

// removeKeyboard takes the buttons off the message whose button was
// tapped. Baton's buttons are quick replies, answered once: left in place,
// a second tap would answer a question that has moved on (rate a survey
// again, say "this did not help" after an agent took over). The message's
// text stays. Best effort, like answerCallback.
func (a *Account) removeKeyboard(ctx context.Context, ev event) {
	if ev.keyboard == nil {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, followUpTimeout)
	defer cancel()
	req := editMessageReplyMarkupRequest{ChatID: ev.keyboard.chatID, MessageID: ev.keyboard.messageID}
	if err := a.call(ctx, "editMessageReplyMarkup", req, nil); err != nil {
		a.log.Warn("remove the keyboard of a tapped message", "update_id", ev.updateID, "err", err)
	}
}
