// Package outbound holds what every adapter calling a third-party HTTP API
// does the same way.
package outbound

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/batonhq/baton"
)

const (
	// MaxReason is how much of a vendor's own words a SendError quotes.
	MaxReason = 300
	// MaxRetryAfter caps a Retry-After: beyond it the number is nonsense,
	// and the outbox would hold the delivery for good.
	MaxRetryAfter = 24 * time.Hour
)

// NewClient is a client with the timeout that never follows a redirect:
// an address that moved is a configuration error, not a reason to send
// credentials, a signed body or a POST turned GET somewhere else.
func NewClient(timeout time.Duration) *http.Client {
	return &http.Client{
		Timeout:       timeout,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

// API is a third party an adapter calls: who it is in errors, how it is
// called, and the secrets no error may show.
type API struct {
	// Name is who answers, in errors: "Zendesk", "the Slack webhook".
	Name   string
	Client *http.Client
	// Header is sent with every request besides Baton's own headers:
	// credentials, what else the API asks for.
	Header http.Header
	// MaxAnswer bounds what is read of an answer.
	MaxAnswer int64
	Secrets   Redactor
}

// NewBasicAPI is a JSON API that takes HTTP Basic credentials, as
// Zendesk's and Freshdesk's do: Accept and Authorization go with every
// request, answers are read up to 1 MB, and no error shows the
// credentials. A nil client gets one with a 30-second timeout that does
// not follow redirects.
func NewBasicAPI(name, user, password string, client *http.Client) *API {
	if client == nil {
		client = NewClient(30 * time.Second)
	}
	creds := base64.StdEncoding.EncodeToString([]byte(user + ":" + password))
	api := &API{Name: name, Client: client, MaxAnswer: 1 << 20, Header: http.Header{
		"Authorization": {"Basic " + creds},
		"Accept":        {"application/json"},
	}}
	api.Secrets.Hide("[credentials]", creds)
	return api
}

// Answer is what an API answered: the status, and the start of the body.
type Answer struct {
	Code   int
	Status string // "429 Too Many Requests", as the server said it
	Header http.Header
	Body   []byte
	// Err is why the body ends early, if it does; Body holds what came.
	Err error
}

// OK reports whether the answer is a success (2xx).
func (a *Answer) OK() bool { return a.Code/100 == 2 }

// NewRequest is a request to the API with body, JSON, and the headers
// every request carries: Content-Type, User-Agent and api.Header. Its
// error is a final *baton.SendError: the same request would fail again.
func (api *API) NewRequest(ctx context.Context, method, url string, body []byte) (*http.Request, error) {
	req, err := http.NewRequestWithContext(ctx, method, url, bytes.NewReader(body))
	if err != nil {
		return nil, &baton.SendError{Reason: "cannot build the request to " + api.Name + ": " + api.Secrets.Redact(Cause(err))}
	}
	for k, vs := range api.Header {
		req.Header[k] = slices.Clone(vs)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "Baton")
	return req, nil
}

// Send sends req and reads at most MaxAnswer bytes of the answer. A round
// trip that failed is a retryable *baton.SendError saying why, in words
// that never quote the URL; what the answer means is the caller's to
// judge.
func (api *API) Send(req *http.Request) (*Answer, error) {
	resp, err := api.Client.Do(req)
	if err != nil {
		return nil, &baton.SendError{Retry: true, Reason: api.Name + " did not answer: " + api.Secrets.Redact(Cause(err))}
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, api.MaxAnswer))
	return &Answer{Code: resp.StatusCode, Status: resp.Status, Header: resp.Header, Body: body, Err: err}, nil
}

// Call sends v as JSON (see EncodeJSON) and returns the body of a success.
// A round trip that failed, and a success cut off short, may be retried;
// any other answer is refused's to judge by the vendor's rules, most
// often with Refusal.
func (api *API) Call(ctx context.Context, method, url string, v any, refused func(*Answer) *baton.SendError) ([]byte, error) {
	body, err := EncodeJSON(v)
	if err != nil {
		return nil, &baton.SendError{Reason: "cannot encode the request: " + err.Error()}
	}
	req, err := api.NewRequest(ctx, method, url, body)
	if err != nil {
		return nil, err
	}
	ans, err := api.Send(req)
	if err != nil {
		return nil, err
	}
	if !ans.OK() {
		return nil, refused(ans)
	}
	if ans.Err != nil {
		return nil, api.CutOff(ans.Err)
	}
	return ans.Body, nil
}

// CutOff is the error for an answer whose body ended early: the request
// may well have arrived, but whether it did is unknown, so it may be
// tried again.
func (api *API) CutOff(err error) *baton.SendError {
	return &baton.SendError{Retry: true, Reason: api.Name + "'s answer was cut off: " + api.Secrets.Redact(Cause(err))}
}

// Refusal is the error for an answer other than a success. retry is the
// vendor's call on the status (Retryable, give or take what the vendor
// documents); a retry waits as long as the answer's Retry-After asks, up
// to MaxRetryAfter by the adapter's clock, now (time.Now when nil). The
// reason names who answered, the status, and msg, the vendor's own words
// if it said any, on one line and cut to MaxReason.
func (api *API) Refusal(a *Answer, retry bool, msg string, now func() time.Time) *baton.SendError {
	se := &baton.SendError{Retry: retry}
	if retry {
		if now == nil {
			now = time.Now
		}
		se.RetryAfter = RetryAfter(a.Header.Get("Retry-After"), now(), MaxRetryAfter)
	}
	reason := api.Name + " answered " + a.Status
	if msg = Truncate(OneLine(msg), MaxReason); msg != "" {
		reason += ": " + msg
	}
	se.Reason = api.Secrets.Redact(reason)
	return se
}

// Retryable reports whether a status may pass by itself: a timeout (408),
// a rate limit (429) or the vendor's own trouble (5xx). Anything else
// needs a person to fix the config or the request.
func Retryable(code int) bool {
	return code == http.StatusRequestTimeout || code == http.StatusTooManyRequests || code >= 500
}

// RetryAfter reads a Retry-After header, in seconds or as an HTTP date,
// capped at limit; 0 when it says nothing usable.
func RetryAfter(v string, now time.Time, limit time.Duration) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	if s, err := strconv.ParseInt(v, 10, 64); err == nil {
		if s <= 0 {
			return 0
		}
		return time.Duration(min(s, int64(limit/time.Second))) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil && t.After(now) {
		return min(t.Sub(now), limit)
	}
	return 0
}

// What Cause says of a round trip that ended before an answer.
const (
	TimedOut = "timed out"
	Canceled = "canceled"
)

// Cause describes a failed round trip without the request's URL, which
// *url.Error quotes and which may hold a token: TimedOut, Canceled, or
// the transport's own words.
func Cause(err error) string {
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	var ne net.Error
	switch {
	case errors.Is(err, context.DeadlineExceeded), errors.As(err, &ne) && ne.Timeout():
		return TimedOut
	case errors.Is(err, context.Canceled):
		return Canceled
	}
	return err.Error()
}

// EncodeJSON encodes v as a request body, with "<", ">" and "&" as
// written: JSON does not need them escaped, and a helpdesk or an
// automation shows the body to people.
func EncodeJSON(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// PlainMessage is an answer that is not JSON, on one line. An HTML error
// page (a proxy's, a load balancer's) says nothing useful and is "".
func PlainMessage(answer []byte) string {
	s := OneLine(string(answer))
	if strings.HasPrefix(s, "<") {
		return ""
	}
	return s
}

// OneLine is s fit for one line of an error or a field: valid UTF-8,
// control characters (line breaks among them) and runs of spaces made
// one space.
func OneLine(s string) string {
	s = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return ' '
		}
		return r
	}, strings.ToValidUTF8(s, ""))
	return strings.Join(strings.Fields(s), " ")
}

// Truncate cuts s to at most limit characters, the last an ellipsis when
// it is cut.
func Truncate(s string, limit int) string {
	if utf8.RuneCountInString(s) <= limit {
		return s
	}
	return strings.TrimRightFunc(string([]rune(s)[:limit-1]), unicode.IsSpace) + "…"
}

// NumericID reports whether s is an ID as most APIs number their records:
// digits that fit in 64 bits. Checking it first keeps an ID of any other
// shape out of a request path.
func NumericID(s string) bool {
	if s == "" || len(s) > 20 {
		return false
	}
	_, err := strconv.ParseUint(s, 10, 64)
	return err == nil
}
