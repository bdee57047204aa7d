// Package teams raises Baton's urgent handoff alerts in a Microsoft Teams
// channel, as an Adaptive Card posted to a webhook: a baton.Notifier.
//
// The card goes in the envelope both kinds of Teams webhook take: a
// Workflows webhook (Power Automate's "Post to a channel when a webhook
// request is received", which replaces Office 365 connectors) and a legacy
// Incoming Webhook connector. The connectors' older MessageCard format is
// not used: Workflows do not render it.
package teams

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/batonhq/baton"
)

const (
	// defaultTimeout bounds one post when New makes the client: an alert
	// waits in the outbox, so a hung webhook must not hold a worker.
	defaultTimeout = 15 * time.Second
	// maxAnswer bounds what is read of the webhook's answer.
	maxAnswer = 64 << 10
	// maxReason is how much of an error body a SendError quotes.
	maxReason = 300
	// maxRetryAfter caps a Retry-After: beyond it the number is nonsense.
	maxRetryAfter = 24 * time.Hour
)

// Config is one Teams channel webhook in Baton's config.
type Config struct {
	// WebhookURL is the address Teams shows for the webhook: a Workflows
	// URL (…/workflows/…/triggers/manual/paths/invoke?…&sig=…) or a legacy
	// connector's (https://….webhook.office.com/webhookb2/…). Its signature
	// or path is a secret, so it is never logged nor put in an error.
	WebhookURL string
}

// Notifier posts alerts to one Teams channel.
type Notifier struct {
	endpoint *url.URL
	secret   []string // the URL and its parts, kept out of errors
	client   *http.Client
	now      func() time.Time
}

// New checks cfg and returns the notifier. A nil client gets one with a
// 15-second timeout that does not follow redirects.
func New(cfg Config, client *http.Client) (*Notifier, error) {
	raw := strings.TrimSpace(cfg.WebhookURL)
	if raw == "" {
		return nil, errors.New("teams: the WebhookURL is missing; create one with the channel's Workflows (\"Post to a channel when a webhook request is received\")")
	}
	u, err := url.Parse(raw)
	// The parse error quotes the URL, and the URL is a secret: say why
	// in words instead.
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.User != nil || u.Fragment != "" {
		return nil, errors.New("teams: the WebhookURL must be an http(s) URL, the one Teams shows for the webhook")
	}
	if client == nil {
		client = &http.Client{
			Timeout: defaultTimeout,
			// A webhook that moved is a configuration error, not a
			// reason to send the alert somewhere else.
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		}
	}
	n := &Notifier{endpoint: u, client: client, now: time.Now}
	for _, s := range []string{raw, u.String(), u.EscapedPath(), u.Path, u.RawQuery, u.Query().Get("sig")} {
		if len(s) > 1 {
			n.secret = append(n.secret, s)
		}
	}
	return n, nil
}

// Notify posts a to the webhook's channel. A failure is a
// *baton.SendError saying whether the outbox should try again.
func (n *Notifier) Notify(ctx context.Context, a *baton.Alert) error {
	if a == nil {
		return &baton.SendError{Reason: "no alert to send"}
	}
	body, err := json.Marshal(compose(a))
	if err != nil {
		return &baton.SendError{Reason: "cannot encode the Teams card: " + err.Error()}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, n.endpoint.String(), bytes.NewReader(body))
	if err != nil {
		return &baton.SendError{Reason: "cannot build the request to the Teams webhook: " + n.redact(cause(err))}
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "Baton")
	resp, err := n.client.Do(req)
	if err != nil {
		return &baton.SendError{Retry: true, Reason: "the Teams webhook did not answer: " + n.redact(cause(err))}
	}
	defer resp.Body.Close()
	answer, err := io.ReadAll(io.LimitReader(resp.Body, maxAnswer))
	if err != nil {
		return &baton.SendError{Retry: true, Reason: "the Teams webhook's answer was cut off: " + n.redact(cause(err))}
	}
	if resp.StatusCode/100 == 2 {
		// A Workflows webhook answers 202 and runs the flow later; a
		// connector answers 200 "1", or 200 with the error in the body.
		if se := n.embeddedError(resp, answer); se != nil {
			return se
		}
		return nil
	}
	return n.refusal(resp.StatusCode, resp.Status, resp.Header, errorMessage(answer))
}

// connectorError is how a legacy connector reports, with a 200, that
// Teams refused the message: "Webhook message delivery failed with error:
// Microsoft Teams endpoint returned HTTP error 429 with ContextId …".
// Microsoft documents that connectors throttle this way instead of a 429.
var connectorError = regexp.MustCompile(`(?i)returned HTTP error (\d{3})`)

// embeddedError is the error a 2xx answer holds, if any.
func (n *Notifier) embeddedError(resp *http.Response, answer []byte) *baton.SendError {
	msg := clean(answer, maxReason)
	if m := connectorError.FindStringSubmatch(msg); m != nil {
		code, _ := strconv.Atoi(m[1])
		return n.refusal(code, strconv.Itoa(code)+" "+http.StatusText(code), resp.Header, msg)
	}
	if strings.Contains(strings.ToLower(msg), "delivery failed") {
		return &baton.SendError{Reason: n.redact("the Teams webhook answered " + resp.Status + " but refused the card: " + msg)}
	}
	return nil
}

// refusal classifies a refused post: network-like statuses (408, 429, 5xx)
// may pass, anything else needs a person to fix the config or the flow.
func (n *Notifier) refusal(code int, status string, h http.Header, msg string) *baton.SendError {
	retry := code == http.StatusRequestTimeout || code == http.StatusTooManyRequests || code >= 500
	se := &baton.SendError{Retry: retry}
	if retry {
		se.RetryAfter = retryAfter(h.Get("Retry-After"), n.now())
	}
	reason := "the Teams webhook answered " + status
	if msg != "" {
		reason += ": " + msg
	}
	se.Reason = n.redact(reason)
	return se
}

// errorMessage is what an error answer says: a Workflows (Logic Apps)
// error object's code and message, else the start of the text.
func errorMessage(answer []byte) string {
	var e struct {
		Error *struct {
			Code    string `json:"code"`
			Message string `json:"message"`
		} `json:"error"`
	}
	if json.Unmarshal(answer, &e) == nil && e.Error != nil && (e.Error.Code != "" || e.Error.Message != "") {
		s := e.Error.Code
		if e.Error.Message != "" {
			if s != "" {
				s += ": "
			}
			s += e.Error.Message
		}
		return clean([]byte(s), maxReason)
	}
	return clean(answer, maxReason)
}

// retryAfter reads a Retry-After header: seconds, or an HTTP date.
func retryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	if s, err := strconv.ParseInt(v, 10, 64); err == nil {
		if s <= 0 {
			return 0
		}
		return time.Duration(min(s, int64(maxRetryAfter/time.Second))) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil && t.After(now) {
		return min(t.Sub(now), maxRetryAfter)
	}
	return 0
}

// cause describes a failed round trip without the request URL, which
// *url.Error quotes and which holds the webhook's signature.
func cause(err error) string {
	var ne net.Error
	switch {
	case errors.Is(err, context.DeadlineExceeded), errors.As(err, &ne) && ne.Timeout():
		return "timed out"
	case errors.Is(err, context.Canceled):
		return "canceled"
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	return err.Error()
}

// redact keeps the webhook URL out of anything Notify returns, whatever
// an error may echo.
func (n *Notifier) redact(s string) string {
	for _, secret := range n.secret {
		s = strings.ReplaceAll(s, secret, "[the Teams webhook]")
	}
	return s
}

// clean makes the start of an answer fit for one line of an error: valid
// UTF-8, no control characters, at most limit characters.
func clean(b []byte, limit int) string {
	s := strings.ToValidUTF8(string(b), "")
	s = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return ' '
		}
		return r
	}, s)
	s = strings.Join(strings.Fields(s), " ")
	if utf8.RuneCountInString(s) > limit {
		s = strings.TrimSpace(string([]rune(s)[:limit-1])) + "…"
	}
	return s
}

var _ baton.Notifier = (*Notifier)(nil)
