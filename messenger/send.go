package messenger

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
	"unicode/utf16"
	"unicode/utf8"

	"github.com/batonhq/baton"
)

// Send API limits.
const (
	// MaxTextLength is the longest text of one message, in UTF-16 code
	// units (what Meta's "2000 characters" counts at most). Longer text is
	// sent as several messages.
	MaxTextLength = 2000
	// MaxQuickReplies is how many quick replies one message may carry;
	// buttons past it are dropped.
	MaxQuickReplies = 13
	// MaxQuickReplyTitle is the longest quick reply title, in runes.
	MaxQuickReplyTitle = 20
	// MaxQuickReplyPayload is the longest quick reply payload, in runes.
	MaxQuickReplyPayload = 1000
)

// maxResponseSize bounds what Baton reads of a Graph API answer.
const maxResponseSize = 1 << 20

// Meta error codes Send tells apart (Messenger Platform and Graph API
// error references).
const (
	codeUnknown        = 1       // "API Unknown": possibly temporary, retry
	codeService        = 2       // "API Service": temporary, retry
	codeTooManyCalls   = 4       // application request limit
	codePermission     = 10      // with subcode 2018278: outside the window
	codeUserTooMany    = 17      // user request limit
	codePageTooMany    = 32      // page request limit
	codeInvalidToken   = 190     // page access token expired or revoked
	codeUnavailable    = 551     // "This person isn't available right now"
	codeRateLimit      = 613     // "Calls to this API have exceeded the rate limit"
	codeTemporary      = 1200    // "Temporary send message failure. Please try again later"
	subcodeOutOfWindow = 2018278 // "This message is sent outside of allowed window"
)

type sendRequest struct {
	Recipient     sendRecipient `json:"recipient"`
	MessagingType string        `json:"messaging_type"`
	Tag           string        `json:"tag,omitempty"`
	Message       sendMessage   `json:"message"`
}

type sendRecipient struct {
	ID string `json:"id"`
}

type sendMessage struct {
	Text         string       `json:"text"`
	QuickReplies []quickReply `json:"quick_replies,omitempty"`
}

type quickReply struct {
	ContentType string `json:"content_type"`
	Title       string `json:"title"`
	Payload     string `json:"payload"`
}

type sendResponse struct {
	RecipientID string `json:"recipient_id"`
	MessageID   string `json:"message_id"`
}

type graphError struct {
	Error struct {
		Message   string `json:"message"`
		Type      string `json:"type"`
		Code      int    `json:"code"`
		Subcode   int    `json:"error_subcode"`
		FBTraceID string `json:"fbtrace_id"`
	} `json:"error"`
}

// Send sends out to out.Delivery.UserID (a page-scoped id) through the
// Send API and returns the message_id Meta gave it.
//
// The reply window decides the messaging type: an open window without a
// tag is a RESPONSE; a tag (Baton's Messenger agent window gives
// HUMAN_AGENT) is a MESSAGE_TAG with that tag; a closed window fails for
// good, with its reason, without calling Meta. Buttons become quick
// replies on the last message. Text over MaxTextLength is split at
// paragraph, line or word breaks into several messages, and Send returns
// the last one's id; should a later part fail, a retry sends the earlier
// parts again. Messenger has no templates: out.Template is not used.
func (a *Account) Send(ctx context.Context, out *baton.Outgoing) (string, error) {
	if out == nil || out.Delivery == nil || out.Delivery.UserID == "" {
		return "", &baton.SendError{Reason: "no Messenger recipient"}
	}
	if d := out.Delivery; (d.Account != "" && d.Account != a.name) || (d.Channel != "" && d.Channel != baton.ChannelMessenger) {
		return "", &baton.SendError{Reason: fmt.Sprintf("delivery for %s account %q reached Messenger account %q", d.Channel, d.Account, a.name)}
	}
	if !out.Window.Open {
		reason := out.Window.Reason
		if reason == "" {
			reason = "Messenger's messaging window is closed"
		}
		return "", &baton.SendError{Reason: reason}
	}
	if strings.TrimSpace(out.Text) == "" {
		return "", &baton.SendError{Reason: "nothing to send: a Messenger message needs text"}
	}
	req := sendRequest{Recipient: sendRecipient{ID: out.Delivery.UserID}, MessagingType: "RESPONSE"}
	if out.Window.Tag != "" {
		req.MessagingType, req.Tag = "MESSAGE_TAG", out.Window.Tag
	}
	parts := splitText(out.Text, MaxTextLength)
	var id string
	for i, part := range parts {
		req.Message = sendMessage{Text: part}
		if i == len(parts)-1 {
			req.Message.QuickReplies = quickReplies(out.Buttons)
		}
		var err error
		if id, err = a.post(ctx, req); err != nil {
			var se *baton.SendError
			if len(parts) > 1 && errors.As(err, &se) {
				se.Reason = fmt.Sprintf("part %d of %d: %s", i+1, len(parts), se.Reason)
			}
			a.logger.Warn("messenger: send failed", "delivery", out.Delivery.ID, "error", err)
			return "", err
		}
	}
	a.logger.Debug("messenger: sent", "delivery", out.Delivery.ID, "message_id", id, "parts", len(parts), "messaging_type", req.MessagingType)
	return id, nil
}

// post makes one Send API call. Its errors never carry the URL: the page
// token is in its query string.
func (a *Account) post(ctx context.Context, body sendRequest) (string, error) {
	b, err := json.Marshal(body)
	if err != nil {
		return "", &baton.SendError{Reason: "encoding the message: " + err.Error()}
	}
	u := a.base + "/" + a.pageID + "/messages?access_token=" + url.QueryEscape(a.token)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u, bytes.NewReader(b))
	if err != nil {
		return "", &baton.SendError{Reason: "building the Send API request failed; check api_base"}
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := a.client.Do(req)
	if err != nil {
		return "", &baton.SendError{Retry: true, Reason: "Send API unreachable: " + a.scrub(transportError(err))}
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, maxResponseSize))
	if err != nil && resp.StatusCode/100 != 2 {
		return "", &baton.SendError{Retry: true, Reason: fmt.Sprintf("Send API answered HTTP %d and the connection broke", resp.StatusCode)}
	}
	if resp.StatusCode/100 == 2 {
		var ok sendResponse
		if json.Unmarshal(raw, &ok) != nil || ok.MessageID == "" {
			// Meta may have sent it: trying again could send it twice.
			return "", &baton.SendError{Reason: fmt.Sprintf("Send API answered HTTP %d without a message_id", resp.StatusCode)}
		}
		return ok.MessageID, nil
	}
	var ge graphError
	_ = json.Unmarshal(raw, &ge) // a body that is not Meta's error shape leaves the zero error
	se := classify(resp.StatusCode, resp.Header.Get("Retry-After"), ge, a.now())
	se.Reason = a.scrub(se.Reason)
	return "", se
}

// classify turns a failed Send API answer into a SendError saying
// whether a later attempt may succeed.
func classify(status int, retryAfter string, ge graphError, now time.Time) *baton.SendError {
	e := ge.Error
	desc := fmt.Sprintf("HTTP %d", status)
	if e.Code != 0 {
		desc = fmt.Sprintf("Meta error %d", e.Code)
		if e.Subcode != 0 {
			desc += fmt.Sprintf("/%d", e.Subcode)
		}
		if e.Message != "" {
			desc += ": " + e.Message
		}
		if e.FBTraceID != "" {
			desc += " (fbtrace_id " + e.FBTraceID + ")"
		}
	}
	switch {
	case status == http.StatusTooManyRequests || e.Code == codeTooManyCalls || e.Code == codeUserTooMany ||
		e.Code == codePageTooMany || e.Code == codeRateLimit:
		return &baton.SendError{Retry: true, RetryAfter: parseRetryAfter(retryAfter, now), Reason: "rate limited by Meta: " + desc}
	case e.Code == codePermission && e.Subcode == subcodeOutOfWindow:
		return &baton.SendError{Reason: "outside Messenger's messaging window (the customer must write again): " + desc}
	case e.Code == codeUnavailable:
		return &baton.SendError{Reason: "the customer cannot be reached on Messenger (they may have blocked the page or left): " + desc}
	case e.Code == codeInvalidToken:
		return &baton.SendError{Reason: "the page access token is invalid or expired: " + desc}
	case status >= 500 || e.Code == codeUnknown || e.Code == codeService || e.Code == codeTemporary:
		return &baton.SendError{Retry: true, RetryAfter: parseRetryAfter(retryAfter, now), Reason: "Meta failed for now: " + desc}
	}
	return &baton.SendError{Reason: "Meta refused the message: " + desc}
}

// parseRetryAfter reads a Retry-After header: seconds or an HTTP date.
func parseRetryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	if s, err := strconv.ParseInt(v, 10, 64); err == nil {
		if s <= 0 || s > int64(24*time.Hour/time.Second) {
			return 0
		}
		return time.Duration(s) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil && t.After(now) {
		return t.Sub(now)
	}
	return 0
}

// transportError describes a failed round trip without the request URL
// that *url.Error carries.
func transportError(err error) string {
	if errors.Is(err, context.DeadlineExceeded) {
		return "timed out"
	}
	if errors.Is(err, context.Canceled) {
		return "canceled"
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	return err.Error()
}

// scrub removes the page token from s, in case anything echoed it.
func (a *Account) scrub(s string) string {
	if a.token == "" {
		return s
	}
	s = strings.ReplaceAll(s, a.token, "[page token]")
	return strings.ReplaceAll(s, url.QueryEscape(a.token), "[page token]")
}

// quickReplies turns buttons into text quick replies: at most
// MaxQuickReplies, titles cut to MaxQuickReplyTitle runes (with "…"), and
// no quick reply without a title or a payload, which Meta requires.
func quickReplies(buttons []baton.Button) []quickReply {
	var qrs []quickReply
	for _, b := range buttons {
		if len(qrs) == MaxQuickReplies {
			break
		}
		title, payload := strings.TrimSpace(b.Title), b.Payload
		if title == "" {
			title = strings.TrimSpace(payload)
		}
		if payload == "" {
			payload = title
		}
		if title == "" {
			continue
		}
		qrs = append(qrs, quickReply{
			ContentType: "text",
			Title:       truncate(title, MaxQuickReplyTitle, "…"),
			Payload:     truncate(payload, MaxQuickReplyPayload, ""),
		})
	}
	return qrs
}

// truncate cuts s to at most n runes, ending in mark when cut.
func truncate(s string, n int, mark string) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	keep := n - utf8.RuneCountInString(mark)
	i := 0
	for j := range s {
		if keep == 0 {
			i = j
			break
		}
		keep--
	}
	return s[:i] + mark
}

// splitText cuts s into parts of at most limit UTF-16 code units,
// preferring a paragraph break, then a line break, then a space in the
// second half of each part. Parts that are only whitespace are dropped.
func splitText(s string, limit int) []string {
	var parts []string
	add := func(p string) {
		if strings.TrimSpace(p) != "" {
			parts = append(parts, p)
		}
	}
	for utf16Len(s) > limit {
		cut := 0 // bytes of s that fit in limit
		for n := 0; cut < len(s); {
			r, size := utf8.DecodeRuneInString(s[cut:])
			w := utf16.RuneLen(r)
			if w < 0 {
				w = 1
			}
			if n+w > limit {
				break
			}
			n += w
			cut += size
		}
		if cut == 0 { // a limit narrower than one rune: never loop forever
			_, cut = utf8.DecodeRuneInString(s)
		}
		head, rest := s[:cut], s[cut:]
		for _, sep := range []string{"\n\n", "\n", " "} {
			if i := strings.LastIndex(head, sep); i > len(head)/2 {
				head, rest = head[:i], head[i+len(sep):]+rest
				break
			}
		}
		add(head)
		s = rest
	}
	add(s)
	return parts
}

func utf16Len(s string) int {
	n := 0
	for _, r := range s {
		if w := utf16.RuneLen(r); w > 0 {
			n += w
		} else {
			n++
		}
	}
	return n
}

var _ baton.Sender = (*Account)(nil)
