package freshdesk

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
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
	enc.SetEscapeHTML(false) // the description is HTML; keep it readable
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
		return nil, &baton.SendError{Retry: true, Reason: "Freshdesk did not answer: " + c.redact(err.Error())}
	}
	defer resp.Body.Close()
	answer, err := io.ReadAll(io.LimitReader(resp.Body, maxAnswer))
	if err != nil && resp.StatusCode/100 == 2 {
		return nil, &baton.SendError{Retry: true, Reason: "Freshdesk's answer was cut off: " + c.redact(err.Error())}
	}
	if resp.StatusCode/100 == 2 {
		return answer, nil
	}
	return nil, c.refusal(resp, answer)
}

// refusal classifies a non-2xx answer. Freshdesk asks to wait with 429
// and Retry-After; 5xx and 408 are its own trouble. Its 409 is a conflict
// with what exists (a contact's email taken), which waiting does not
// change, and so is any other 4xx.
func (c *Client) refusal(resp *http.Response, answer []byte) *baton.SendError {
	code := resp.StatusCode
	retry := code == http.StatusRequestTimeout || code == http.StatusTooManyRequests || code >= 500
	se := &baton.SendError{Retry: retry}
	if retry {
		now := time.Now
		if c.Now != nil {
			now = c.Now
		}
		se.RetryAfter = retryAfter(resp.Header.Get("Retry-After"), now())
	}
	se.Reason = fmt.Sprintf("Freshdesk answered %d %s", code, http.StatusText(code))
	switch msg := apiMessage(answer); {
	case msg != "":
		se.Reason += ": " + truncate(msg, maxReason)
	case code == http.StatusNotFound:
		// Freshdesk answers a wrong domain, too, with a bare 404.
		se.Reason += ": no such ticket, or the domain is wrong"
	case code/100 == 3:
		se.Reason += ": the API moved; check the domain or base URL"
	}
	se.Reason = c.redact(se.Reason)
	return se
}

// apiMessage reads Freshdesk's error body: {"description": "Validation
// failed", "errors": [{"field": "email", "message": "…", "code":
// "invalid_value"}]}, or {"code": "…", "message": "…"}, or plain text.
func apiMessage(answer []byte) string {
	var e struct {
		Description string `json:"description"`
		Code        string `json:"code"`
		Message     string `json:"message"`
		Errors      []struct {
			Field   string `json:"field"`
			Message string `json:"message"`
			Code    string `json:"code"`
		} `json:"errors"`
	}
	if json.Unmarshal(answer, &e) != nil {
		s := clean(string(answer))
		if strings.HasPrefix(s, "<") { // an HTML error page says nothing useful
			return ""
		}
		return s
	}
	var parts []string
	for _, s := range []string{e.Description, e.Message} {
		if s = strings.TrimSpace(s); s != "" {
			parts = append(parts, s)
		}
	}
	if len(parts) == 0 && e.Code != "" {
		parts = append(parts, e.Code)
	}
	for _, fe := range e.Errors {
		s := strings.TrimSpace(fe.Message)
		if fe.Field != "" {
			s = fe.Field + " " + s
		}
		if fe.Code != "" {
			s += " (" + fe.Code + ")"
		}
		parts = append(parts, strings.TrimSpace(s))
	}
	return clean(strings.Join(parts, "; "))
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

// redact keeps the API key out of anything returned, whatever an answer
// may echo.
func (c *Client) redact(s string) string {
	s = strings.ReplaceAll(s, c.key, "[API key]")
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
