package helpdeskhook

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/batonhq/baton"
	"github.com/batonhq/baton/internal/outbound"
	"github.com/batonhq/baton/signature"
)

const (
	// maxAnswer bounds what is read of the receiver's reply.
	maxAnswer = 1 << 20
	// defaultTimeout bounds a request when New makes the client.
	defaultTimeout = 30 * time.Second
	// maxExternalID bounds an ID taken from a reply.
	maxExternalID = 255
)

// Config says where to post tickets and how to sign them.
type Config struct {
	// URL receives the POSTs: a Zapier Catch Hook, an n8n Webhook node's
	// production URL, a Make custom webhook. Zapier's and Make's URLs are
	// secrets in themselves; the URL is never returned in an error.
	URL string
	// Secret signs every request with X-Baton-Signature, as Baton signs
	// calls to a webhook bot; empty sends no signature.
	Secret string
	// Headers are sent with every request, e.g. the Authorization an n8n
	// Webhook node's Header Auth expects. Their values are never returned
	// in an error.
	Headers map[string]string
}

// Hook posts tickets and their updates to one URL. It is safe for
// concurrent use.
type Hook struct {
	// Now reads the clock for signatures and Retry-After dates; time.Now
	// when nil.
	Now func() time.Time

	url    string
	secret string
	// api sends the configured headers, and hides them, the secret and
	// the URL in errors.
	api outbound.API
}

// reserved headers are Baton's own; a configured header may not replace them.
var reserved = map[string]bool{
	"Content-Type": true, "Content-Length": true, "Host": true, "User-Agent": true,
	"Transfer-Encoding": true, "Connection": true, signature.Header: true,
}

// New checks cfg and returns the hook. A nil client gets one with a
// 30-second timeout that does not follow redirects: a hook that moved is a
// configuration error, not somewhere to send a signed ticket.
//
// Plain http is allowed, for an n8n on the same private network; the
// signature still proves the sender, but the transcript travels readable.
func New(cfg Config, client *http.Client) (*Hook, error) {
	if cfg.URL == "" {
		return nil, errors.New("helpdeskhook: the URL is missing")
	}
	u, ok := outbound.HTTPURL(cfg.URL)
	if !ok {
		// The URL may hold a token: do not repeat it.
		return nil, errors.New("helpdeskhook: the URL must be an absolute http or https URL, such as https://hooks.zapier.com/hooks/catch/…")
	}
	if u.User != nil {
		return nil, errors.New("helpdeskhook: the URL must not hold a user name or password; set an Authorization header instead")
	}
	if u.Fragment != "" {
		return nil, errors.New("helpdeskhook: the URL must not have a #fragment")
	}
	h := &Hook{url: u.String(), secret: cfg.Secret,
		api: outbound.API{Name: "the helpdesk hook", Client: client, MaxAnswer: maxAnswer, Header: http.Header{}}}
	for k, v := range cfg.Headers {
		if !validHeaderName(k) {
			return nil, fmt.Errorf("helpdeskhook: headers: %q is not a valid header name", k)
		}
		if strings.ContainsAny(v, "\r\n\x00") {
			return nil, fmt.Errorf("helpdeskhook: headers: the value of %s must be one line", k)
		}
		if k = http.CanonicalHeaderKey(k); reserved[k] {
			return nil, fmt.Errorf("helpdeskhook: headers: %s is set by Baton", k)
		}
		h.api.Header.Set(k, v)
	}
	h.api.Header.Set("Accept", "application/json")
	if h.api.Client == nil {
		h.api.Client = outbound.NewClient(defaultTimeout)
	}
	h.api.Secrets.Hide("[hook URL]", h.url)
	if p := u.EscapedPath(); len(p) >= 8 {
		h.api.Secrets.Hide("[hook URL]", p) // Zapier's path is the secret
	}
	h.api.Secrets.Hide("[secret]", h.secret)
	for _, v := range cfg.Headers {
		if len(v) >= 8 { // a short value ("yes") is no secret, and too common to replace
			h.api.Secrets.Hide("[header]", v)
		}
	}
	return h, nil
}

// validHeaderName reports whether s is an HTTP token (RFC 9110, 5.6.2).
func validHeaderName(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' {
			continue
		}
		if !strings.ContainsRune("!#$%&'*+-.^_`|~", rune(c)) {
			return false
		}
	}
	return true
}

func (h *Hook) now() time.Time {
	if h.Now != nil {
		return h.Now()
	}
	return time.Now()
}

// CreateTicket posts a ticket.created event and returns the receiver's ID
// of the ticket if its reply names one ({"external_id": …} or {"id": …},
// a string or a number), else the Baton ticket's ID.
func (h *Hook) CreateTicket(ctx context.Context, t *baton.HelpdeskTicket) (string, error) {
	if t == nil || t.Ticket == nil {
		return "", &baton.SendError{Reason: "no ticket to create"}
	}
	answer, err := h.post(ctx, createdEvent(t))
	if err != nil {
		return "", err
	}
	return externalID(answer, t.Ticket.ID), nil
}

// UpdateTicket posts a ticket.updated event.
func (h *Hook) UpdateTicket(ctx context.Context, externalID string, u *baton.TicketUpdate) error {
	if u == nil {
		return &baton.SendError{Reason: "no update to send"}
	}
	if u.Kind != baton.TicketAgentReplied && u.Kind != baton.TicketResolved {
		return &baton.SendError{Reason: fmt.Sprintf("unknown ticket update %q", u.Kind)}
	}
	_, err := h.post(ctx, updatedEvent(externalID, u))
	return err
}

// post sends one event and returns the reply of a 2xx; anything else is
// a *baton.SendError saying whether the outbox may try again.
func (h *Hook) post(ctx context.Context, event any) ([]byte, error) {
	body, err := outbound.EncodeJSON(event) // a customer's "<" stays readable in the Zap
	if err != nil {
		return nil, &baton.SendError{Reason: "cannot encode the event: " + err.Error()}
	}
	req, err := h.api.NewRequest(ctx, http.MethodPost, h.url, body)
	if err != nil {
		return nil, err
	}
	if h.secret != "" {
		req.Header.Set(signature.Header, signature.Sign(h.secret, body, h.now()))
	}
	ans, err := h.api.Send(req)
	if err != nil {
		return nil, err
	}
	if !ans.OK() {
		return nil, h.refusal(ans)
	}
	if ans.Err != nil {
		return nil, nil // a cut-off reply names no ID; the event arrived
	}
	return ans.Body, nil
}

// refusal classifies a non-2xx reply: 429, 408 and 5xx say "later";
// anything else (a deleted Zap, an inactive n8n workflow, a refused
// signature) does not change by sending the same event again.
func (h *Hook) refusal(ans *outbound.Answer) *baton.SendError {
	msg := replyMessage(ans.Body)
	if msg == "" && ans.Code/100 == 3 {
		msg = "the hook moved; check its URL"
	}
	return h.api.Refusal(ans, outbound.Retryable(ans.Code), msg, h.now)
}

// replyMessage reads an error reply: {"error": "…"}, {"message": "…"},
// {"errors": ["…"]} (Zapier's), or plain text.
func replyMessage(answer []byte) string {
	var e struct {
		Error   json.RawMessage `json:"error"`
		Message string          `json:"message"`
		Errors  []string        `json:"errors"`
	}
	if json.Unmarshal(answer, &e) != nil {
		return outbound.PlainMessage(answer)
	}
	var parts []string
	var s string
	if json.Unmarshal(e.Error, &s) == nil && strings.TrimSpace(s) != "" {
		parts = append(parts, s)
	}
	if e.Message != "" {
		parts = append(parts, e.Message)
	}
	parts = append(parts, e.Errors...)
	return outbound.OneLine(strings.Join(parts, "; "))
}

// externalID takes the receiver's ID of the ticket from its reply, else
// returns fallback. Zapier acknowledges every Catch Hook with
// {"id", "request_id", "attempt", "status"}: that id names Zapier's
// request, not a ticket, and is ignored.
func externalID(answer []byte, fallback string) string {
	var r map[string]json.RawMessage
	if json.Unmarshal(answer, &r) != nil {
		return fallback
	}
	if _, ok := r["request_id"]; ok {
		if _, ok := r["attempt"]; ok {
			return fallback
		}
	}
	for _, k := range []string{"external_id", "id"} {
		if id := idValue(r[k]); id != "" {
			return id
		}
	}
	return fallback
}

// idValue reads an ID given as a string or as a whole number.
func idValue(raw json.RawMessage) string {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		s = strings.TrimSpace(s)
		if len(s) > maxExternalID || !utf8.ValidString(s) || strings.ContainsFunc(s, func(r rune) bool { return r < ' ' || r == 0x7f }) {
			return ""
		}
		return s
	}
	var n json.Number
	if json.Unmarshal(raw, &n) == nil {
		if _, err := strconv.ParseUint(n.String(), 10, 64); err == nil {
			return n.String()
		}
	}
	return ""
}

var _ baton.Helpdesk = (*Hook)(nil)
