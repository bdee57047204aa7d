package zendesk

import (
	"context"
	"encoding/json"
	"net/http"
	"sort"
	"strings"

	"github.com/batonhq/baton"
	"github.com/batonhq/baton/internal/outbound"
)

// do sends one request and returns the answer of a 2xx; anything else is
// a *baton.SendError saying whether the outbox may try again.
func (c *Client) do(ctx context.Context, method, path string, body any) ([]byte, error) {
	return c.api.Call(ctx, method, c.base+path, body, c.refusal)
}

// get reads path, which may carry a query: no body and no Content-Type,
// its answer judged as do judges one.
func (c *Client) get(ctx context.Context, path string) ([]byte, error) {
	req, err := c.api.NewRequest(ctx, http.MethodGet, c.base+path, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Del("Content-Type")
	ans, err := c.api.Send(req)
	if err != nil {
		return nil, err
	}
	if !ans.OK() {
		return nil, c.refusal(ans)
	}
	if ans.Err != nil {
		return nil, c.api.CutOff(ans.Err)
	}
	return ans.Body, nil
}

// refusal classifies a non-2xx answer. Zendesk asks to wait with 429 and
// Retry-After; 409 is its answer to two writes of one ticket at once, which
// passes; 5xx and 408 are its own trouble. Any other answer will not change
// by sending the same request again.
func (c *Client) refusal(ans *outbound.Answer) *baton.SendError {
	msg := apiMessage(ans.Body)
	if msg == "" && ans.Code/100 == 3 {
		msg = "the API moved; check the subdomain or base URL"
	}
	return c.api.Refusal(ans, outbound.Retryable(ans.Code) || ans.Code == http.StatusConflict, msg, c.Now)
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
		return outbound.PlainMessage(answer)
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
	return outbound.OneLine(strings.Join(parts, ": "))
}

func appendNonEmpty(parts []string, ss ...string) []string {
	for _, s := range ss {
		if s = strings.TrimSpace(s); s != "" {
			parts = append(parts, s)
		}
	}
	return parts
}
