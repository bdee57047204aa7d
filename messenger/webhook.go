package messenger

import (
	"errors"
	"io"
	"log/slog"
	"net/http"
	"time"

	"github.com/batonhq/baton"
	"github.com/batonhq/baton/internal/meta"
)

// MaxBodySize is the largest webhook body Baton reads.
const MaxBodySize = 1 << 20

// SignatureHeader carries Meta's signature of a webhook body:
// "sha256=" and the hex HMAC-SHA256 of the raw body keyed with the app secret.
const SignatureHeader = meta.SignatureHeader

// Webhook serves the Messenger webhook of several pages at one URL, as
// one Meta app may hold several pages (and one Baton several apps).
//
// GET is Meta's subscription handshake: it answers hub.challenge when
// hub.mode is "subscribe" and hub.verify_token is one account's token.
//
// POST is a notification. Its raw body must be signed with the app secret
// of the page each entry is for; a body no configured secret signed is
// refused with 401 before anything is read from it. Entries are routed by
// page id; an entry for a page Baton does not know, or one whose app
// secret did not sign the body, is logged and skipped. A body whose
// "object" is not "page" (another product of the same Meta app) is
// answered 200 and ignored: refusing it would only make Meta retry it.
// The answer is 200 once the sink took every message and status, and 500
// when it failed, so Meta retries; the sink drops what it already has by
// MessageID.
//
// Read receipts are passed on as a watermark (baton.StatusUpdate with
// UserID and Before): Messenger reports "read" per customer, not per
// message. Message text is never logged.
func Webhook(accounts []*Account, sink baton.ChannelSink, logger *slog.Logger) http.Handler {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	h := &webhook{
		pages:  map[string]*Account{},
		sink:   sink,
		logger: logger.With("channel", "messenger"),
		now:    time.Now,
	}
	for _, a := range accounts {
		if other, ok := h.pages[a.pageID]; ok {
			h.logger.Error("messenger: two accounts for one page; the first gets its events",
				"page_id", a.pageID, "account", other.name, "ignored", a.name)
			continue
		}
		h.pages[a.pageID] = a
		h.keys.Add(a.verifyToken, a.appSecret)
	}
	return h
}

type webhook struct {
	pages  map[string]*Account
	keys   meta.Keys
	sink   baton.ChannelSink
	logger *slog.Logger
	now    func() time.Time
}

func (h *webhook) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	meta.Serve(w, r, h.handshake, h.receive)
}

func (h *webhook) handshake(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	challenge, ok := h.keys.Handshake(q)
	if !ok || challenge == "" {
		h.logger.Warn("messenger: webhook handshake refused", "mode", q.Get("hub.mode"))
		http.Error(w, "forbidden", http.StatusForbidden)
		return
	}
	h.logger.Info("messenger: webhook handshake answered")
	meta.Answer(w, challenge)
}

func (h *webhook) receive(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxBodySize))
	if err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			h.logger.Warn("messenger: webhook body over the limit", "limit", MaxBodySize)
			http.Error(w, "request body too large", http.StatusRequestEntityTooLarge)
			return
		}
		http.Error(w, "could not read the request body", http.StatusBadRequest)
		return
	}
	signed := h.keys.Signers(r.Header.Get(SignatureHeader), body)
	if len(signed) == 0 {
		h.logger.Warn("messenger: webhook signature missing or wrong", "has_signature", r.Header.Get(SignatureHeader) != "")
		http.Error(w, "invalid signature", http.StatusUnauthorized)
		return
	}
	n, err := parse(body)
	if err != nil {
		h.logger.Warn("messenger: malformed webhook notification", "error", err)
		http.Error(w, "malformed notification", http.StatusBadRequest)
		return
	}
	if n.Object != "page" {
		h.logger.Info("messenger: webhook notification for another object ignored", "object", n.Object)
		w.WriteHeader(http.StatusOK)
		return
	}
	for _, e := range n.Entries {
		if len(e.Skipped) > 0 {
			h.logger.Debug("messenger: webhook events skipped", "page_id", e.PageID, "reasons", e.Skipped)
		}
		if len(e.Events) == 0 {
			continue
		}
		a := h.pages[e.PageID]
		if a == nil || !signed[a.appSecret] {
			h.logger.Warn("messenger: webhook entry for an unknown page skipped", "page_id", e.PageID, "events", len(e.Events))
			continue
		}
		if err := h.deliver(r, a, e.Events); err != nil {
			a.logger.Error("messenger: webhook event not taken; Meta will retry", "error", err)
			http.Error(w, "could not store the events", http.StatusInternalServerError)
			return
		}
	}
	w.WriteHeader(http.StatusOK)
}

// deliver hands a page's events to the sink in order, stopping at the
// first failure: Meta retries the whole notification.
func (h *webhook) deliver(r *http.Request, a *Account, events []event) error {
	ctx := r.Context()
	for _, ev := range events {
		switch {
		case ev.Inbound != nil:
			in := *ev.Inbound
			in.Account = a.name
			if in.At.IsZero() {
				in.At = h.now()
			}
			if err := h.sink.Inbound(ctx, in); err != nil {
				return err
			}
			a.logger.Debug("messenger: message received", "message_id", in.MessageID, "quick_reply", in.Payload != "")
		case ev.Status != nil:
			u := *ev.Status
			u.Account = a.name
			if u.At.IsZero() {
				u.At = h.now()
			}
			if err := h.sink.StatusUpdate(ctx, u); err != nil {
				return err
			}
		case ev.Read != nil:
			// Messenger says "read" as a watermark: every message to this
			// customer sent before it.
			u := baton.StatusUpdate{Channel: baton.ChannelMessenger, Account: a.name, UserID: ev.Read.UserID,
				Before: ev.Read.Watermark, Status: baton.DeliveryRead, At: ev.Read.Watermark}
			if u.At.IsZero() {
				u.At = h.now()
			}
			if err := h.sink.StatusUpdate(ctx, u); err != nil {
				return err
			}
		}
	}
	return nil
}
