package freshdesk

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"

	"github.com/batonhq/baton"
	"github.com/batonhq/baton/internal/outbound"
)

// do sends one request and returns the answer of a 2xx; anything else is
// a *baton.SendError saying whether the outbox may try again.
func (c *Client) do(ctx context.Context, method, path string, body any) ([]byte, error) {
	return c.api.Call(ctx, method, c.base+path, body, c.refusal)
}

// refusal classifies a non-2xx answer. Freshdesk asks to wait with 429
// and Retry-After; 5xx and 408 are its own trouble. Its 409 is a conflict
// with what exists (a contact's email taken), which waiting does not
// change, and so is any other 4xx.
func (c *Client) refusal(ans *outbound.Answer) *baton.SendError {
	msg := apiMessage(ans.Body)
	switch {
	case msg != "":
	case ans.Code == http.StatusNotFound:
		// Freshdesk answers a wrong domain, too, with a bare 404.
		msg = "no such ticket, or the domain is wrong"
	case ans.Code/100 == 3:
		msg = "the API moved; check the domain or base URL"
	}
	return c.api.Refusal(ans, outbound.Retryable(ans.Code), msg, c.Now)
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
		return outbound.PlainMessage(answer)
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
	return outbound.OneLine(strings.Join(parts, "; "))
}
