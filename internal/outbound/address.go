package outbound

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// HTTPURL parses an absolute http(s) URL with a host. It says only whether
// raw is one, not why: the parse error quotes raw, which may be a secret.
func HTTPURL(raw string) (*url.URL, bool) {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return nil, false
	}
	return u, true
}

// Webhook is an API at one address that is a secret in itself, a chat
// tool's incoming webhook: a token in its path, a signature in its query.
type Webhook struct {
	API
	URL *url.URL
}

// What is wrong with a webhook's address; neither error quotes it.
var (
	ErrNoURL  = errors.New("the webhook's URL is missing")
	ErrBadURL = errors.New("the webhook's URL is not an http(s) URL without credentials or a fragment")
)

// NewWebhook checks a chat tool's webhook address from the config and
// returns its API, named name in errors, which show "[name]" instead of
// the address, its parts, or the values of its secret query parameters.
// Spaces around the address, as a secret read from a file has, are no
// mistake. A nil client gets one with a 15-second timeout that does not
// follow redirects: an alert waits in the outbox, so a hung webhook must
// not hold a worker. An answer is read up to 64 KB; a webhook says "ok" or
// a short error.
func NewWebhook(name, raw string, client *http.Client, secretParams ...string) (*Webhook, error) {
	raw = strings.TrimSpace(raw)
	if raw == "" {
		return nil, ErrNoURL
	}
	u, ok := HTTPURL(raw)
	if !ok || u.User != nil || u.Fragment != "" {
		return nil, ErrBadURL
	}
	if client == nil {
		client = NewClient(15 * time.Second)
	}
	var more []string
	for _, p := range secretParams {
		more = append(more, u.Query().Get(p))
	}
	w := &Webhook{API: API{Name: name, Client: client, MaxAnswer: 64 << 10}, URL: u}
	w.Secrets.HideURL("["+name+"]", raw, u, more...)
	return w, nil
}

// Post posts body, JSON, to the webhook and returns its answer, whatever
// the status. An answer cut off short may be retried, whatever its
// status: without all of it, whether the post took is unknown.
func (w *Webhook) Post(ctx context.Context, body []byte) (*Answer, error) {
	req, err := w.NewRequest(ctx, http.MethodPost, w.URL.String(), body)
	if err != nil {
		return nil, err
	}
	ans, err := w.Send(req)
	if err != nil {
		return nil, err
	}
	if ans.Err != nil {
		return nil, w.CutOff(ans.Err)
	}
	return ans, nil
}

// BaseURL checks an API's base URL from the config and returns it as
// scheme://host[/path], without a trailing slash. It takes https, and
// plain http only on the loopback interface, where a test server or a
// local proxy listens: credentials must not cross a network in the
// clear. example is an address the error shows, like
// https://acme.zendesk.com.
func BaseURL(s, example string) (string, error) {
	u, err := url.Parse(s)
	if err != nil || u.Host == "" || u.User != nil || u.RawQuery != "" || u.Fragment != "" {
		return "", fmt.Errorf("%q is not an address such as %s", s, example)
	}
	switch u.Scheme {
	case "https":
	case "http":
		if !loopback(u.Hostname()) {
			return "", fmt.Errorf("%q must use https", s)
		}
	default:
		return "", fmt.Errorf("%q is not an address such as %s", s, example)
	}
	return strings.TrimRight(u.Scheme+"://"+u.Host+u.EscapedPath(), "/"), nil
}

func loopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// Redactor keeps secrets out of what an adapter returns, whatever an
// answer or an error may echo. The zero value hides nothing.
type Redactor struct {
	pairs []string // secret, then what shows instead
}

// Hide shows mark in place of each of secrets, in the order they are
// given; an empty one is skipped.
func (r *Redactor) Hide(mark string, secrets ...string) {
	for _, s := range secrets {
		if s != "" {
			r.pairs = append(r.pairs, s, mark)
		}
	}
}

// HideURL hides an address that is a secret in itself, a webhook's: as
// configured (raw) and as parsed, its path and its query, which hold the
// token or the signature, and any more parts of it. A part of one
// character ("/") is no secret, and hiding it would mangle every error.
func (r *Redactor) HideURL(mark, raw string, u *url.URL, more ...string) {
	for _, s := range append([]string{raw, u.String(), u.EscapedPath(), u.Path, u.RawQuery}, more...) {
		if len(s) > 1 {
			r.Hide(mark, s)
		}
	}
}

// Redact is s with every secret hidden.
func (r *Redactor) Redact(s string) string {
	for i := 0; i < len(r.pairs); i += 2 {
		s = strings.ReplaceAll(s, r.pairs[i], r.pairs[i+1])
	}
	return s
}
