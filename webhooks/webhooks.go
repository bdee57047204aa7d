// Package webhooks posts Baton's integration events to the URLs that
// subscribed to them, signed with each subscription's secret.
package webhooks

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/batonhq/baton"
	"github.com/batonhq/baton/internal/outbound"
	"github.com/batonhq/baton/signature"
)

// Headers of every delivery, besides signature.Header.
const (
	// EventHeader is the event's type, so a receiver can route before
	// parsing the body.
	EventHeader = "X-Baton-Event"
	// DeliveryHeader names the delivery: the same on every retry of it.
	DeliveryHeader = "X-Baton-Delivery"
)

// Poster posts events over HTTP.
type Poster struct {
	client *http.Client
	now    func() time.Time
}

// New returns a Poster using client (nil: one that never follows
// redirects, so a subscription cannot be bounced elsewhere).
func New(client *http.Client) *Poster {
	if client == nil {
		client = outbound.NewClient(0)
	}
	return &Poster{client: client, now: time.Now}
}

// Post sends one delivery of an event. Any 2xx is delivered; 410 Gone
// says the receiver wants no more and a redirect that the URL is wrong:
// both fail it; anything else (an error, a timeout, another status) may
// pass and is retried.
func (p *Poster) Post(ctx context.Context, s *baton.Subscription, d *baton.HookDelivery, body []byte) (int, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.URL, bytes.NewReader(body))
	if err != nil {
		return 0, &baton.SendError{Reason: "the subscription's URL is unusable"}
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "Baton-Webhooks/1")
	req.Header.Set(EventHeader, d.EventType)
	req.Header.Set(DeliveryHeader, strconv.FormatInt(d.ID, 10))
	now := p.now()
	req.Header.Set(signature.Header, signature.SignAll(s.Secrets(now), body, now))
	resp, err := p.client.Do(req)
	if err != nil {
		return 0, &baton.SendError{Retry: true, Reason: describe(err)}
	}
	defer resp.Body.Close()
	msg, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
	io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10)) // lets the connection be reused
	switch {
	case resp.StatusCode >= 200 && resp.StatusCode < 300:
		return resp.StatusCode, nil
	case resp.StatusCode == http.StatusGone:
		return resp.StatusCode, &baton.SendError{Reason: "the receiver answered 410 Gone"}
	case resp.StatusCode >= 300 && resp.StatusCode < 400:
		return resp.StatusCode, &baton.SendError{Reason: fmt.Sprintf(
			"the receiver answered %d, a redirect, which is not followed: correct the subscription's URL", resp.StatusCode)}
	}
	reason := fmt.Sprintf("the receiver answered %d", resp.StatusCode)
	if t := strings.TrimSpace(strings.ToValidUTF8(string(msg), "")); t != "" {
		reason += ": " + t
	}
	return resp.StatusCode, &baton.SendError{Retry: true, RetryAfter: outbound.RetryAfter(resp.Header.Get("Retry-After"), p.now(), maxRetryAfter),
		Reason: reason}
}

// describe says why a request failed without repeating its URL, which may
// carry a token of the receiver's.
func describe(err error) string {
	switch c := outbound.Cause(err); c {
	case outbound.TimedOut:
		return "the receiver did not answer in time"
	case outbound.Canceled:
		return "the request was cancelled"
	default:
		return "could not reach the receiver: " + c
	}
}

// maxRetryAfter bounds how long a receiver may ask Baton to wait.
const maxRetryAfter = 6 * time.Hour
