package whatsapp

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"time"

	"github.com/batonhq/baton"
	"github.com/batonhq/baton/internal/meta"
)

// SignatureHeader carries Meta's signature of a webhook delivery:
// "sha256=" and the hex HMAC-SHA256 of the raw body, keyed with the app
// secret.
const SignatureHeader = meta.SignatureHeader

// Webhook serves Meta's webhook for the given accounts at one URL: Meta
// has one webhook URL per app, and an app may hold several numbers.
//
// GET answers the subscription handshake. POST takes a delivery signed
// with an account's app secret and hands each message and status of that
// app's numbers to sink, answering 200 only once every call returned nil;
// otherwise Meta retries the whole delivery, which the sink dedupes by
// message ID.
//
// It panics if two accounts share a phone number ID: that is a mistake in
// the configuration, not something to decide per request.
func Webhook(accounts []*Account, sink baton.ChannelSink, logger *slog.Logger) http.Handler {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	h := &webhook{
		byPhone: map[string]*Account{},
		sink:    sink,
		log:     logger.With("channel", baton.ChannelWhatsApp),
		now:     time.Now,
	}
	for _, a := range accounts {
		if other, ok := h.byPhone[a.phoneNumberID]; ok {
			panic(fmt.Sprintf("whatsapp: accounts %q and %q have the same phone number ID %s", other.name, a.name, a.phoneNumberID))
		}
		h.byPhone[a.phoneNumberID] = a
		h.keys.Add(a.verifyToken, a.appSecret)
	}
	return h
}

type webhook struct {
	byPhone map[string]*Account
	keys    meta.Keys // the accounts' verify tokens and app secrets
	sink    baton.ChannelSink
	log     *slog.Logger
	now     func() time.Time
}

func (h *webhook) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	meta.Serve(w, r, h.handshake, h.deliver)
}

// handshake answers the verification request Meta sends when the webhook
// is configured: the challenge back, if the verify token is one of ours.
func (h *webhook) handshake(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	challenge, ok := h.keys.Handshake(q)
	if !ok {
		h.log.Warn("whatsapp: refused a webhook handshake", "mode", q.Get("hub.mode"))
		http.Error(w, "forbidden", http.StatusForbidden)
		return
	}
	meta.Answer(w, challenge)
}

// deliver takes one delivery of events.
func (h *webhook) deliver(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxWebhookBody))
	if err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			h.log.Warn("whatsapp: refused a webhook delivery over the size limit", "limit", MaxWebhookBody)
			http.Error(w, "request body too large", http.StatusRequestEntityTooLarge)
			return
		}
		http.Error(w, "cannot read the request body", http.StatusBadRequest)
		return
	}
	signedBy := h.keys.Signers(r.Header.Get(SignatureHeader), body)
	if len(signedBy) == 0 {
		h.log.Warn("whatsapp: refused a webhook delivery with a missing or wrong signature")
		http.Error(w, "invalid signature", http.StatusUnauthorized)
		return
	}
	rep, err := parse(body)
	if err != nil {
		h.log.Warn("whatsapp: refused a malformed webhook delivery", "error", err)
		http.Error(w, "malformed webhook body", http.StatusBadRequest)
		return
	}
	if rep.Object != objectWhatsApp {
		h.log.Warn("whatsapp: ignored a webhook delivery for another object", "object", rep.Object)
		w.WriteHeader(http.StatusOK)
		return
	}
	if rep.Skipped > 0 {
		h.log.Warn("whatsapp: skipped events without an ID, sender or known status", "skipped", rep.Skipped)
	}
	failed := 0
	for _, c := range rep.Changes {
		a := h.byPhone[c.PhoneNumberID]
		if a == nil || !signedBy[a.appSecret] {
			// A number another app holds, or one Baton was not configured
			// for: a body signed by one app never speaks for another.
			h.log.Warn("whatsapp: skipped events for a phone number ID no account of the signing app has",
				"phone_number_id", c.PhoneNumberID, "messages", len(c.Inbound), "statuses", len(c.Statuses))
			continue
		}
		log := h.log.With("account", a.name)
		for _, e := range c.Errors {
			log.Warn("whatsapp: Meta reported an error", "error", e)
		}
		for _, in := range c.Inbound {
			in.Account = a.name
			if in.At.IsZero() {
				in.At = h.now().UTC()
			}
			if err := h.sink.Inbound(r.Context(), in); err != nil {
				failed++
				log.Error("whatsapp: could not take a customer's message; Meta will retry", "message_id", in.MessageID, "error", err)
			}
		}
		for _, u := range c.Statuses {
			u.Account = a.name
			if u.At.IsZero() {
				u.At = h.now().UTC()
			}
			if err := h.sink.StatusUpdate(r.Context(), u); err != nil {
				failed++
				log.Error("whatsapp: could not take a status update; Meta will retry", "platform_id", u.PlatformID, "status", u.Status, "error", err)
			}
		}
	}
	if failed > 0 {
		http.Error(w, "could not take every event; retry", http.StatusInternalServerError)
		return
	}
	w.WriteHeader(http.StatusOK)
}
