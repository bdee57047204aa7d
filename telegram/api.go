package telegram

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Calls to the Bot API (core.telegram.org/bots/api, "Making requests"):
// POST <base>/bot<token>/<method> with a JSON body; the answer is
// {"ok": true, "result": …} or {"ok": false, "error_code": …,
// "description": …, "parameters": {"retry_after": …, "migrate_to_chat_id": …}}.

// maxAPIAnswer bounds what is read of a Bot API answer; a sent Message is
// a few kilobytes.
const maxAPIAnswer = 1 << 20

type apiResponse struct {
	OK          bool                `json:"ok"`
	Result      json.RawMessage     `json:"result"`
	ErrorCode   int                 `json:"error_code"`
	Description string              `json:"description"`
	Parameters  *responseParameters `json:"parameters"`
}

// responseParameters is the Bot API's ResponseParameters.
type responseParameters struct {
	MigrateToChatID int64 `json:"migrate_to_chat_id"`
	RetryAfter      int   `json:"retry_after"`
}

type sendMessageRequest struct {
	ChatID      int64                 `json:"chat_id"`
	Text        string                `json:"text"`
	ReplyMarkup *inlineKeyboardMarkup `json:"reply_markup,omitempty"`
}

type inlineKeyboardMarkup struct {
	InlineKeyboard [][]inlineKeyboardButton `json:"inline_keyboard"`
}

type inlineKeyboardButton struct {
	Text         string `json:"text"`
	CallbackData string `json:"callback_data,omitempty"`
}

type answerCallbackQueryRequest struct {
	CallbackQueryID string `json:"callback_query_id"`
}

// editMessageReplyMarkupRequest without a reply_markup removes the
// message's inline keyboard.
type editMessageReplyMarkupRequest struct {
	ChatID    int64 `json:"chat_id"`
	MessageID int64 `json:"message_id"`
}

type setWebhookRequest struct {
	URL            string   `json:"url"`
	SecretToken    string   `json:"secret_token"`
	AllowedUpdates []string `json:"allowed_updates"`
}

// apiError is a failed Bot API call. Its text never holds the URL, which
// holds the bot token.
type apiError struct {
	method string
	// status is the HTTP status; 0 when no answer came.
	status int
	// code and description are the Bot API's error_code and description.
	code        int
	description string
	retryAfter  time.Duration
	migrateTo   int64
	// cause says what went wrong when the Bot API gave no reason.
	cause string
	retry bool
}

func (e *apiError) Error() string {
	switch {
	case e.description != "":
		return fmt.Sprintf("%s: Telegram %d: %s", e.method, e.errorCode(), e.description)
	case e.status != 0:
		return fmt.Sprintf("%s: HTTP %d: %s", e.method, e.status, e.cause)
	default:
		return e.method + ": " + e.cause
	}
}

// errorCode is the Bot API's error_code, else the HTTP status.
func (e *apiError) errorCode() int {
	if e.code != 0 {
		return e.code
	}
	return e.status
}

// reason says for people, in a delivery's error, why Telegram refused.
func (e *apiError) reason() string {
	var b strings.Builder
	switch {
	case e.description != "":
		fmt.Fprintf(&b, "Telegram %d: %s", e.errorCode(), e.description)
	case e.status != 0:
		fmt.Fprintf(&b, "Telegram answered HTTP %d: %s", e.status, e.cause)
	default:
		b.WriteString("Telegram could not be reached: " + e.cause)
	}
	switch c := e.errorCode(); {
	case c == http.StatusUnauthorized || c == http.StatusNotFound:
		b.WriteString(" (check the bot token in the config)")
	case e.migrateTo != 0:
		fmt.Fprintf(&b, " (the group is now the supergroup %d)", e.migrateTo)
	}
	return b.String()
}

// call posts params to a Bot API method and decodes its result into
// result, if not nil. Its errors are *apiError.
func (a *Account) call(ctx context.Context, method string, params, result any) error {
	body, err := json.Marshal(params)
	if err != nil {
		return &apiError{method: method, cause: "encode the request: " + err.Error()}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, a.base+method, bytes.NewReader(body))
	if err != nil {
		// The error would quote the URL.
		return &apiError{method: method, cause: "the API base or token does not make a URL"}
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	resp, err := a.client.Do(req)
	if err != nil {
		return &apiError{method: method, cause: a.transportCause(ctx, err), retry: true}
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, maxAPIAnswer))
	if err != nil {
		return &apiError{method: method, status: resp.StatusCode, cause: "read the answer: " + a.transportCause(ctx, err), retry: true}
	}
	var ans apiResponse
	if err := json.Unmarshal(raw, &ans); err != nil || (!ans.OK && ans.ErrorCode == 0 && ans.Description == "") {
		// Not the Bot API speaking: a proxy, a load balancer, an outage page.
		s := resp.StatusCode
		return &apiError{method: method, status: s, cause: "not a Bot API answer",
			retry:      s < 300 || s == http.StatusTooManyRequests || s >= 500,
			retryAfter: headerRetryAfter(resp.Header)}
	}
	if !ans.OK {
		e := &apiError{method: method, status: resp.StatusCode, code: ans.ErrorCode, description: a.redact(ans.Description)}
		if p := ans.Parameters; p != nil {
			e.retryAfter = time.Duration(p.RetryAfter) * time.Second
			e.migrateTo = p.MigrateToChatID
		}
		if e.retryAfter == 0 {
			e.retryAfter = headerRetryAfter(resp.Header)
		}
		c := e.errorCode()
		e.retry = c == http.StatusTooManyRequests || c >= 500 || resp.StatusCode >= 500
		return e
	}
	if result != nil && len(ans.Result) > 0 {
		if err := json.Unmarshal(ans.Result, result); err != nil {
			// Telegram did it; only its account of it is unreadable.
			a.log.Warn("unreadable Bot API result", "method", method, "err", err)
		}
	}
	return nil
}

// transportCause describes a failure to get an answer without the URL,
// which *url.Error quotes and which holds the bot token.
func (a *Account) transportCause(ctx context.Context, err error) string {
	var ne net.Error
	switch {
	case errors.Is(ctx.Err(), context.DeadlineExceeded), errors.As(err, &ne) && ne.Timeout():
		return "timed out"
	case ctx.Err() != nil:
		return ctx.Err().Error()
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	return a.redact(err.Error())
}

// headerRetryAfter reads a Retry-After header in seconds; 0 when absent.
func headerRetryAfter(h http.Header) time.Duration {
	n, err := strconv.Atoi(strings.TrimSpace(h.Get("Retry-After")))
	if err != nil || n <= 0 {
		return 0
	}
	return time.Duration(n) * time.Second
}
