// Package webhooks posts Baton's integration events to the URLs that
// subscribed to them, signed with each subscription's secret.
package webhooks

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/batonhq/baton"
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
		client = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
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
	return resp.StatusCode, &baton.SendError{Retry: true, RetryAfter: retryAfter(resp.Header.Get("Retry-After"), p.now()),
		Reason: reason}
}

// describe says why a request failed without repeating its URL, which may
// carry a token of the receiver's.
func describe(err error) string {
	var uerr *url.Error
	if errors.As(err, &uerr) {
		err = uerr.Err
	}
	var nerr net.Error
	switch {
	case errors.Is(err, context.DeadlineExceeded) || errors.As(err, &nerr) && nerr.Timeout():
		return "the receiver did not answer in time"
	case errors.Is(err, context.Canceled):
		return "the request was cancelled"
	}
	return "could not reach the receiver: " + err.Error()
}

// maxRetryAfter bounds how long a receiver may ask Baton to wait.
const maxRetryAfter = 6 * time.Hour

// retryAfter reads a Retry-After header: seconds or an HTTP date.
func retryAfter(v string, now time.Time) time.Duration {
	var d time.Duration
	if n, err := strconv.Atoi(strings.TrimSpace(v)); err == nil && n > 0 {
		d = time.Duration(min(n, int(maxRetryAfter/time.Second))) * time.Second
	} else if t, err := http.ParseTime(v); err == nil && t.After(now) {
		d = t.Sub(now)
	}
	return min(d, maxRetryAfter)
}
