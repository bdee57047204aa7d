package zendesk

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/batonhq/baton"
)

// maxReason bounds the API's own words in a SendError.
const maxReason = 300

// do sends one request and returns the answer of a 2xx; anything else is
// a *baton.SendError saying whether the outbox may try again.
func (c *Client) do(ctx context.Context, method, path string, body any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false) // keeps "<" readable; JSON does not need it escaped
	if err := enc.Encode(body); err != nil {
		return nil, &baton.SendError{Reason: "cannot encode the request: " + err.Error()}
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, &buf)
	if err != nil {
		return nil, &baton.SendError{Reason: "cannot build the request: " + c.redact(err.Error())}
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", "Baton")
	req.Header.Set("Authorization", c.auth)
	resp, err := c.client.Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err // the URL is known; keep the cause
		}
		return nil, &baton.SendError{Retry: true, Reason: "Zendesk did not answer: " + c.redact(err.Error())}
	}
	defer resp.Body.Close()
	answer, err := io.ReadAll(io.LimitReader(resp.Body, maxAnswer))
	if err != nil && resp.StatusCode/100 == 2 {
		return nil, &baton.SendError{Retry: true, Reason: "Zendesk's answer was cut off: " + c.redact(err.Error())}
	}
	if resp.StatusCode/100 == 2 {
		return answer, nil
	}
	return nil, c.refusal(resp, answer)
}

// refusal classifies a non-2xx answer. Zendesk asks to wait with 429 and
// Retry-After; 409 is its answer to two writes of one ticket at once, which
// passes; 5xx and 408 are its own trouble. Any other answer will not change
// by sending the same request again.
func (c *Client) refusal(resp *http.Response, answer []byte) *baton.SendError {
	code := resp.StatusCode
	retry := code == http.StatusRequestTimeout || code == http.StatusConflict ||
		code == http.StatusTooManyRequests || code >= 500
	se := &baton.SendError{Retry: retry}
	if retry {
		now := time.Now
		if c.Now != nil {
			now = c.Now
		}
		se.RetryAfter = retryAfter(resp.Header.Get("Retry-After"), now())
	}
	se.Reason = fmt.Sprintf("Zendesk answered %d %s", code, http.StatusText(code))
	if msg := apiMessage(answer); msg != "" {
		se.Reason += ": " + truncate(msg, maxReason)
	} else if code/100 == 3 {
		se.Reason += ": the API moved; check the subdomain or base URL"
	}
	se.Reason = c.redact(se.Reason)
	return se
}

// apiMessage reads Zendesk's error body: {"error": "RecordInvalid",
// "description": "Record validation errors", "details": {"base":
// [{"description": "Description: cannot be blank"}]}}, an error object
// {"title", "message"}, or plain text, as its rate limiter answers.
func apiMessage(answer []byte) string {
	var e struct {
		Error       json.RawMessage            `json:"error"`
		Description string                     `json:"description"`
		Details     map[string]json.RawMessage `json:"details"`
	}
	if json.Unmarshal(answer, &e) != nil {
		s := clean(string(answer))
		if strings.HasPrefix(s, "<") { // an HTML error page says nothing useful
			return ""
		}
		return s
	}
	var parts []string
	var s string
	var o struct{ Title, Message string }
	switch {
	case json.Unmarshal(e.Error, &s) == nil && s != "":
		parts = append(parts, s)
	case json.Unmarshal(e.Error, &o) == nil:
		parts = appendNonEmpty(parts, o.Title, o.Message)
	}
	parts = appendNonEmpty(parts, e.Description)
	keys := make([]string, 0, len(e.Details))
	for k := range e.Details {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		var items []struct{ Description string }
		if json.Unmarshal(e.Details[k], &items) == nil {
			for _, it := range items {
				parts = appendNonEmpty(parts, it.Description)
			}
		}
	}
	return clean(strings.Join(parts, ": "))
}

func appendNonEmpty(parts []string, ss ...string) []string {
	for _, s := range ss {
		if s = strings.TrimSpace(s); s != "" {
			parts = append(parts, s)
		}
	}
	return parts
}

// retryAfter reads a Retry-After header: seconds, or an HTTP date.
func retryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	if s, err := strconv.ParseInt(v, 10, 64); err == nil {
		return time.Duration(min(max(s, 0), 86400)) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil && t.After(now) {
		return t.Sub(now)
	}
	return 0
}

// redact keeps the API token out of anything returned, whatever an answer
// may echo.
func (c *Client) redact(s string) string {
	s = strings.ReplaceAll(s, c.token, "[API token]")
	return strings.ReplaceAll(s, strings.TrimPrefix(c.auth, "Basic "), "[credentials]")
}

// clean makes text fit for one line of a log.
func clean(s string) string {
	s = strings.ToValidUTF8(s, "")
	return strings.Join(strings.FieldsFunc(s, func(r rune) bool {
		return r < ' ' || r == 0x7f || r == ' '
	}), " ")
}

// truncate cuts s to at most n runes, marking the cut.
func truncate(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n-1]) + "…"
}
