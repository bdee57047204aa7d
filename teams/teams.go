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
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/batonhq/baton"
	"github.com/batonhq/baton/internal/outbound"
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
	hook *outbound.Webhook
	now  func() time.Time
}

// New checks cfg and returns the notifier. A nil client gets one with a
// 15-second timeout that does not follow redirects.
func New(cfg Config, client *http.Client) (*Notifier, error) {
	hook, err := outbound.NewWebhook("the Teams webhook", cfg.WebhookURL, client, "sig")
	switch {
	case errors.Is(err, outbound.ErrNoURL):
		return nil, errors.New("teams: the WebhookURL is missing; create one with the channel's Workflows (\"Post to a channel when a webhook request is received\")")
	case err != nil:
		return nil, errors.New("teams: the WebhookURL must be an http(s) URL, the one Teams shows for the webhook")
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
		return &baton.SendError{Reason: "cannot encode the Teams card: " + err.Error()}
	}
	ans, err := n.hook.Post(ctx, body)
	if err != nil {
		return err
	}
	if ans.OK() {
		// A Workflows webhook answers 202 and runs the flow later; a
		// connector answers 200 "1", or 200 with the error in the body.
		if se := n.embeddedError(ans); se != nil {
			return se
		}
		return nil
	}
	return n.refusal(ans, errorMessage(ans.Body))
}

// connectorError is how a legacy connector reports, with a 200, that
// Teams refused the message: "Webhook message delivery failed with error:
// Microsoft Teams endpoint returned HTTP error 429 with ContextId …".
// Microsoft documents that connectors throttle this way instead of a 429.
var connectorError = regexp.MustCompile(`(?i)returned HTTP error (\d{3})`)

// embeddedError is the error a 2xx answer holds, if any.
func (n *Notifier) embeddedError(ans *outbound.Answer) *baton.SendError {
	msg := answerText(ans.Body)
	if m := connectorError.FindStringSubmatch(msg); m != nil {
		// Teams' own status, behind the connector's 200.
		code, _ := strconv.Atoi(m[1])
		inner := *ans
		inner.Code, inner.Status = code, strconv.Itoa(code)+" "+http.StatusText(code)
		return n.refusal(&inner, msg)
	}
	if strings.Contains(strings.ToLower(msg), "delivery failed") {
		return &baton.SendError{Reason: n.hook.Secrets.Redact("the Teams webhook answered " + ans.Status + " but refused the card: " + msg)}
	}
	return nil
}

// refusal classifies a refused post: network-like statuses (408, 429, 5xx)
// may pass, anything else needs a person to fix the config or the flow.
func (n *Notifier) refusal(ans *outbound.Answer, msg string) *baton.SendError {
	return n.hook.Refusal(ans, outbound.Retryable(ans.Code), msg, n.now)
}

// errorMessage is what an error answer says: a Workflows (Logic Apps)
// error object's code and message, else the text.
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
		return s
	}
	return string(answer)
}

// answerText is the start of an answer, on one line.
func answerText(answer []byte) string {
	return outbound.Truncate(outbound.OneLine(string(answer)), outbound.MaxReason)
}

var _ baton.Notifier = (*Notifier)(nil)
