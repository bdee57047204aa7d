// Package slack raises Baton's urgent handoff alerts in a Slack channel,
// through an incoming webhook and a Block Kit message: a baton.Notifier.
package slack

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/batonhq/baton"
)

const (
	// defaultTimeout bounds one post when New makes the client: an alert
	// waits in the outbox, so a hung Slack must not hold a worker.
	defaultTimeout = 15 * time.Second
	// maxAnswer bounds what is read of Slack's answer; it is "ok" or a
	// short error code.
	maxAnswer = 64 << 10
	// maxReason is how much of an error body a SendError quotes.
	maxReason = 300
	// maxRetryAfter caps a Retry-After: beyond it the number is nonsense.
	maxRetryAfter = 24 * time.Hour
)

// Config is one Slack incoming webhook in Baton's config.
type Config struct {
	// WebhookURL is the incoming webhook's address, as Slack shows it:
	// https://hooks.slack.com/services/T…/B…/…. Its path is a secret token,
	// so it is never logged nor put in an error. Any http(s) address is
	// taken, for Slack-compatible servers (Mattermost, Rocket.Chat).
	WebhookURL string
}

// Notifier posts alerts to one Slack channel.
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
		return nil, errors.New("slack: the WebhookURL is missing; create an incoming webhook in the Slack app's settings")
	}
	u, err := url.Parse(raw)
	// The parse error quotes the URL, and the URL is a secret: say why
	// in words instead.
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.User != nil || u.Fragment != "" {
		return nil, errors.New("slack: the WebhookURL must be an http(s) URL such as https://hooks.slack.com/services/…")
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
	for _, s := range []string{raw, u.String(), u.EscapedPath(), u.Path, u.RawQuery} {
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
		return &baton.SendError{Reason: "cannot encode the Slack message: " + err.Error()}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, n.endpoint.String(), bytes.NewReader(body))
	if err != nil {
		return &baton.SendError{Reason: "cannot build the request to the Slack webhook: " + n.redact(cause(err))}
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "Baton")
	resp, err := n.client.Do(req)
	if err != nil {
		return &baton.SendError{Retry: true, Reason: "the Slack webhook did not answer: " + n.redact(cause(err))}
	}
	defer resp.Body.Close()
	answer, err := io.ReadAll(io.LimitReader(resp.Body, maxAnswer))
	if err != nil {
		return &baton.SendError{Retry: true, Reason: "the Slack webhook's answer was cut off: " + n.redact(cause(err))}
	}
	if resp.StatusCode/100 == 2 {
		if accepted(answer) {
			return nil
		}
		// Not Slack's answer: something else (a proxy, a captive portal, a
		// wrong URL) took the request, and the message most likely did
		// not reach the channel. Trying again will not change that.
		return &baton.SendError{Reason: n.redact(fmt.Sprintf("the Slack webhook answered %s without \"ok\": %s",
			resp.Status, orNothing(clean(answer, maxReason))))}
	}
	return n.refusal(resp, answer)
}

// accepted reports whether a 2xx answer is Slack's "ok": plain text from
// an incoming webhook, {"ok":true} from Slack-compatible servers.
func accepted(answer []byte) bool {
	s := strings.TrimSpace(string(answer))
	if strings.EqualFold(s, "ok") {
		return true
	}
	var v struct {
		OK bool `json:"ok"`
	}
	return json.Unmarshal(answer, &v) == nil && v.OK
}

// hints say what Slack's error codes mean for whoever fixes the config.
var hints = map[string]string{
	"invalid_payload":     "Slack could not read the message",
	"invalid_blocks":      "Slack refused the message's blocks",
	"action_prohibited":   "the workspace restricts what this webhook may post",
	"channel_not_found":   "the webhook's channel no longer exists",
	"channel_is_archived": "the webhook's channel is archived",
	"user_not_found":      "the webhook's user no longer exists",
	"no_service":          "the webhook was removed or disabled; create a new one",
	"no_team":             "the webhook's workspace no longer exists",
	"invalid_token":       "the webhook's token is invalid; create a new webhook",
	"team_disabled":       "the webhook's workspace is disabled",
}

// refusal classifies an answer other than 2xx: network-like statuses (408,
// 429, 5xx) may pass, anything else needs a person to fix the config.
func (n *Notifier) refusal(resp *http.Response, answer []byte) *baton.SendError {
	code := resp.StatusCode
	retry := code == http.StatusRequestTimeout || code == http.StatusTooManyRequests || code >= 500
	se := &baton.SendError{Retry: retry}
	if retry {
		se.RetryAfter = retryAfter(resp.Header.Get("Retry-After"), n.now())
	}
	msg := clean(answer, maxReason)
	reason := "the Slack webhook answered " + resp.Status
	if msg != "" {
		reason += ": " + msg
	}
	if h, ok := hints[msg]; ok {
		reason += " (" + h + ")"
	}
	se.Reason = n.redact(reason)
	return se
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
// *url.Error quotes and which holds the webhook's token.
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
		s = strings.ReplaceAll(s, secret, "[the Slack webhook]")
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

func orNothing(s string) string {
	if s == "" {
		return "(empty)"
	}
	return s
}

var _ baton.Notifier = (*Notifier)(nil)
