// Package slack raises Baton's urgent handoff alerts in a Slack channel,
// through an incoming webhook and a Block Kit message: a baton.Notifier.
package slack

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/batonhq/baton"
	"github.com/batonhq/baton/internal/outbound"
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
	hook *outbound.Webhook
	now  func() time.Time
}

// New checks cfg and returns the notifier. A nil client gets one with a
// 15-second timeout that does not follow redirects.
func New(cfg Config, client *http.Client) (*Notifier, error) {
	hook, err := outbound.NewWebhook("the Slack webhook", cfg.WebhookURL, client)
	switch {
	case errors.Is(err, outbound.ErrNoURL):
		return nil, errors.New("slack: the WebhookURL is missing; create an incoming webhook in the Slack app's settings")
	case err != nil:
		return nil, errors.New("slack: the WebhookURL must be an http(s) URL such as https://hooks.slack.com/services/…")
	}
	return &Notifier{hook: hook, now: time.Now}, nil
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
	ans, err := n.hook.Post(ctx, body)
	if err != nil {
		return err
	}
	if ans.OK() {
		if accepted(ans.Body) {
			return nil
		}
		// Not Slack's answer: something else (a proxy, a captive portal, a
		// wrong URL) took the request, and the message most likely did
		// not reach the channel. Trying again will not change that.
		return &baton.SendError{Reason: n.hook.Secrets.Redact(fmt.Sprintf("the Slack webhook answered %s without \"ok\": %s",
			ans.Status, orNothing(answerText(ans.Body))))}
	}
	return n.refusal(ans)
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
func (n *Notifier) refusal(ans *outbound.Answer) *baton.SendError {
	msg := answerText(ans.Body)
	if h, ok := hints[msg]; ok {
		msg += " (" + h + ")"
	}
	return n.hook.Refusal(ans, outbound.Retryable(ans.Code), msg, n.now)
}

// answerText is the start of an answer, on one line.
func answerText(answer []byte) string {
	return outbound.Truncate(outbound.OneLine(string(answer)), outbound.MaxReason)
}

func orNothing(s string) string {
	if s == "" {
		return "(empty)"
	}
	return s
}

var _ baton.Notifier = (*Notifier)(nil)
