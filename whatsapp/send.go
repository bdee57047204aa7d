package whatsapp

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/batonhq/baton"
)

// Meta's limits on what one message may hold, in characters (counted
// here as Unicode code points).
const (
	maxText         = 4096 // a text message's body
	maxBody         = 1024 // an interactive message's body (4096 for lists; 1024 fits both)
	maxButtons      = 3    // reply buttons in one message
	maxButtonTitle  = 20
	maxButtonID     = 256
	maxRows         = 10 // rows of a list, all sections together
	maxRowTitle     = 24
	maxRowID        = 200
	maxRowDesc      = 72
	maxSectionTitle = 24
)

// What a list message says on the button that opens it and above its
// rows. English for now, like the placeholders of incoming media.
const (
	ListButton       = "Choose"
	ListSectionTitle = "Options"
)

// emptyBody is the body of buttons sent without text: Meta requires one,
// and a pointing hand needs no translation.
const emptyBody = "👇"

// Send sends out to the customer through the Cloud API and returns the
// WhatsApp message ID (wamid) that status updates name.
//
// Outside the customer service window only out.Template may go. A message
// that does not fit in one request (a text longer than Meta allows, or
// buttons after a text longer than an interactive body allows) goes as
// several; the ID is that of the last, and a retry after a partial send
// starts where the last attempt stopped.
func (a *Account) Send(ctx context.Context, out *baton.Outgoing) (string, error) {
	if out == nil || out.Delivery == nil || out.Delivery.UserID == "" {
		return "", &baton.SendError{Reason: "nothing to send, or no recipient"}
	}
	reqs, err := a.requests(out)
	if err != nil {
		return "", err
	}
	id := out.Delivery.ID
	start := 0
	if len(reqs) > 1 && id != 0 {
		a.mu.Lock()
		start = min(a.sentParts[id], len(reqs)-1)
		a.mu.Unlock()
	}
	var wamid string
	for i := start; i < len(reqs); i++ {
		wamid, err = a.post(ctx, reqs[i])
		if err != nil {
			var se *baton.SendError
			if len(reqs) > 1 && id != 0 && errors.As(err, &se) && se.Retry {
				a.mu.Lock()
				a.sentParts[id] = i
				a.mu.Unlock()
			} else {
				a.forget(id)
			}
			a.log.Warn("whatsapp: send failed", "delivery", id, "part", i+1, "parts", len(reqs), "error", err)
			return "", err
		}
	}
	a.forget(id)
	a.log.Debug("whatsapp: sent", "delivery", id, "wamid", wamid, "parts", len(reqs)-start)
	return wamid, nil
}

func (a *Account) forget(delivery int64) {
	a.mu.Lock()
	delete(a.sentParts, delivery)
	a.mu.Unlock()
}

// The send API's request, as Meta documents POST /{phone-number-id}/messages.

type sendRequest struct {
	MessagingProduct string           `json:"messaging_product"` // always "whatsapp"
	RecipientType    string           `json:"recipient_type"`    // always "individual"
	To               string           `json:"to"`
	Type             string           `json:"type"` // text, interactive, template
	Text             *textObject      `json:"text,omitempty"`
	Interactive      *interactiveBody `json:"interactive,omitempty"`
	Template         *templateObject  `json:"template,omitempty"`
}

type textObject struct {
	PreviewURL bool   `json:"preview_url"`
	Body       string `json:"body"`
}

type interactiveBody struct {
	Type   string            `json:"type"` // button, list
	Body   bodyText          `json:"body"`
	Action interactiveAction `json:"action"`
}

type bodyText struct {
	Text string `json:"text"`
}

type interactiveAction struct {
	Buttons  []replyButton `json:"buttons,omitempty"`  // type button
	Button   string        `json:"button,omitempty"`   // type list: the label that opens it
	Sections []listSection `json:"sections,omitempty"` // type list
}

type replyButton struct {
	Type  string `json:"type"` // always "reply"
	Reply struct {
		ID    string `json:"id"`
		Title string `json:"title"`
	} `json:"reply"`
}

type listSection struct {
	Title string    `json:"title"`
	Rows  []listRow `json:"rows"`
}

type listRow struct {
	ID          string `json:"id"`
	Title       string `json:"title"`
	Description string `json:"description,omitempty"`
}

type templateObject struct {
	Name     string `json:"name"`
	Language struct {
		Code string `json:"code"`
	} `json:"language"`
	Components []templateComponent `json:"components,omitempty"`
}

type templateComponent struct {
	Type       string              `json:"type"` // "body"
	Parameters []templateParameter `json:"parameters"`
}

type templateParameter struct {
	Type string `json:"type"` // "text"
	Text string `json:"text"`
}

// requests maps out to the requests that send it, in order:
//
//   - a template when out.Template is set (its params fill the body's
//     {{1}}, {{2}}, …); without one outside the window, nothing: a final
//     error;
//   - no buttons: text messages of at most 4096 characters, with a link
//     preview when the text has a URL;
//   - 1–3 buttons: reply buttons (titles cut to 20 characters, IDs the
//     payloads), the text as the body: a text longer than 1024 characters
//     goes first as text messages, and its last paragraph carries the
//     buttons;
//   - 4–10 buttons, or buttons whose cut titles would collide: a list
//     opened by ListButton (row titles cut to 24 characters, the full
//     title as the row's description);
//   - more than 10: a list of the first 10, the others written under the
//     text, so the customer sees every choice.
func (a *Account) requests(out *baton.Outgoing) ([]sendRequest, error) {
	to := out.Delivery.UserID
	if t := out.Template; t != nil {
		if t.Name == "" || t.Language == "" {
			return nil, &baton.SendError{Reason: "the WhatsApp template needs a name and a language"}
		}
		tpl := &templateObject{Name: t.Name}
		tpl.Language.Code = t.Language
		if len(t.Params) > 0 {
			c := templateComponent{Type: "body"}
			for _, p := range t.Params {
				c.Parameters = append(c.Parameters, templateParameter{Type: "text", Text: p})
			}
			tpl.Components = []templateComponent{c}
		}
		return []sendRequest{newRequest(to, "template", func(r *sendRequest) { r.Template = tpl })}, nil
	}
	if out.Window.TemplateOnly {
		reason := out.Window.Reason
		if reason == "" {
			reason = "outside WhatsApp's 24-hour customer service window only an approved template can be sent"
		}
		return nil, &baton.SendError{Reason: reason + ", and no template is configured"}
	}

	choices := choicesOf(out.Buttons)
	if len(choices) == 0 {
		if strings.TrimSpace(out.Text) == "" {
			return nil, &baton.SendError{Reason: "the message has no text"}
		}
		return textRequests(to, out.Text), nil
	}

	text := out.Text
	useList := len(choices) > maxButtons || !distinctTitles(choices, maxButtonTitle)
	if len(choices) > maxRows {
		extra := make([]string, 0, len(choices)-maxRows)
		for _, c := range choices[maxRows:] {
			extra = append(extra, "• "+c.title)
		}
		text = strings.TrimSpace(text + "\n\n" + strings.Join(extra, "\n"))
		choices = choices[:maxRows]
	}
	idLimit := maxButtonID
	if useList {
		idLimit = maxRowID
	}
	for _, c := range choices {
		if utf8.RuneCountInString(c.id) > idLimit {
			return nil, &baton.SendError{Reason: fmt.Sprintf(
				"a button payload is longer than the %d characters WhatsApp allows", idLimit)}
		}
	}

	head, body := splitTail(text, maxBody)
	var reqs []sendRequest
	if head != "" {
		reqs = textRequests(to, head)
	}
	if body == "" {
		body = emptyBody
	}
	ib := &interactiveBody{Body: bodyText{Text: body}}
	if useList {
		ib.Type = "list"
		ib.Action.Button = ListButton
		sec := listSection{Title: truncate(ListSectionTitle, maxSectionTitle)}
		for _, c := range choices {
			row := listRow{ID: c.id, Title: truncate(c.title, maxRowTitle)}
			if row.Title != c.title {
				row.Description = truncate(c.title, maxRowDesc)
			}
			sec.Rows = append(sec.Rows, row)
		}
		ib.Action.Sections = []listSection{sec}
	} else {
		ib.Type = "button"
		for _, c := range choices {
			var b replyButton
			b.Type = "reply"
			b.Reply.ID = c.id
			b.Reply.Title = truncate(c.title, maxButtonTitle)
			ib.Action.Buttons = append(ib.Action.Buttons, b)
		}
	}
	return append(reqs, newRequest(to, "interactive", func(r *sendRequest) { r.Interactive = ib })), nil
}

func newRequest(to, typ string, fill func(*sendRequest)) sendRequest {
	r := sendRequest{MessagingProduct: "whatsapp", RecipientType: "individual", To: to, Type: typ}
	fill(&r)
	return r
}

func textRequests(to, text string) []sendRequest {
	var reqs []sendRequest
	for _, part := range splitText(text, maxText) {
		t := &textObject{Body: part, PreviewURL: hasURL(part)}
		reqs = append(reqs, newRequest(to, "text", func(r *sendRequest) { r.Text = t }))
	}
	return reqs
}

// choice is a button as WhatsApp takes it: an ID that comes back in the
// webhook, and the title the customer sees.
type choice struct{ id, title string }

// choicesOf makes choices of buttons: a missing title shows the payload, a
// missing payload answers with the title; buttons with neither, and
// repeated payloads, are left out, since Meta wants unique IDs.
func choicesOf(buttons []baton.Button) []choice {
	var cs []choice
	seen := map[string]bool{}
	for _, b := range buttons {
		title := strings.TrimSpace(b.Title)
		c := choice{id: first(b.Payload, title), title: first(title, b.Payload)}
		if c.id == "" || seen[c.id] {
			continue
		}
		seen[c.id] = true
		cs = append(cs, c)
	}
	return cs
}

// distinctTitles reports whether the titles stay distinct when cut to limit:
// Meta refuses reply buttons with the same title.
func distinctTitles(cs []choice, limit int) bool {
	seen := map[string]bool{}
	for _, c := range cs {
		t := truncate(c.title, limit)
		if seen[t] {
			return false
		}
		seen[t] = true
	}
	return true
}

// truncate cuts s to limit characters, the last an ellipsis when cut.
func truncate(s string, limit int) string {
	if utf8.RuneCountInString(s) <= limit {
		return s
	}
	r := []rune(s)
	return strings.TrimRightFunc(string(r[:limit-1]), unicode.IsSpace) + "…"
}

// splitText cuts s into parts of at most limit characters, between words
// where it can.
func splitText(s string, limit int) []string {
	var parts []string
	for {
		head, tail := splitHead(s, limit)
		if head != "" {
			parts = append(parts, head)
		}
		if tail == "" {
			return parts
		}
		s = tail
	}
}

// splitHead cuts s after at most limit characters, at the last space or
// line break in the second half of that stretch if there is one.
func splitHead(s string, limit int) (head, tail string) {
	r := []rune(strings.TrimSpace(s))
	if len(r) <= limit {
		return string(r), ""
	}
	cut := limit
	for i := limit; i > limit/2; i-- {
		if unicode.IsSpace(r[i]) {
			cut = i
			break
		}
	}
	return strings.TrimRightFunc(string(r[:cut]), unicode.IsSpace), strings.TrimLeftFunc(string(r[cut:]), unicode.IsSpace)
}

// splitTail cuts s so that tail has at most limit characters, at the
// first space or line break in the first half of that stretch if there is
// one.
func splitTail(s string, limit int) (head, tail string) {
	r := []rune(strings.TrimSpace(s))
	if len(r) <= limit {
		return "", string(r)
	}
	start := len(r) - limit
	cut := start
	for i := start; i < start+limit/2; i++ {
		if unicode.IsSpace(r[i]) {
			cut = i
			break
		}
	}
	return strings.TrimRightFunc(string(r[:cut]), unicode.IsSpace), strings.TrimLeftFunc(string(r[cut:]), unicode.IsSpace)
}

// hasURL reports whether text has a link worth a preview.
func hasURL(text string) bool {
	t := strings.ToLower(text)
	return strings.Contains(t, "https://") || strings.Contains(t, "http://")
}

// The send API's answer.

type sendResponse struct {
	Messages []struct {
		ID string `json:"id"`
	} `json:"messages"`
}

type graphErrorResponse struct {
	Error *graphError `json:"error"`
}

type graphError struct {
	Message      string  `json:"message"`
	Type         string  `json:"type"`
	Code         integer `json:"code"`
	ErrorSubcode integer `json:"error_subcode"`
	ErrorData    struct {
		Details string `json:"details"`
	} `json:"error_data"`
	FBTraceID string `json:"fbtrace_id"`
}

// Meta's error codes that mean "later": throughput, pair rate and
// application rate limits, and a service that is briefly unavailable.
var retryCodes = map[int64]bool{
	4:      true, // API Too Many Calls
	80007:  true, // rate limit issues (WhatsApp Business Account)
	130429: true, // rate limit hit (throughput)
	131056: true, // pair rate limit hit (same customer too often)
	2:      true, // API Service: temporary downtime
	131016: true, // service unavailable
}

// post sends one request and returns the wamid.
func (a *Account) post(ctx context.Context, r sendRequest) (string, error) {
	body, err := json.Marshal(r)
	if err != nil {
		return "", &baton.SendError{Reason: "cannot encode the message: " + err.Error()}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, a.endpoint, bytes.NewReader(body))
	if err != nil {
		return "", &baton.SendError{Reason: "cannot build the request: " + a.redact(err.Error())}
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+a.accessToken)
	resp, err := a.client.Do(req)
	if err != nil {
		return "", &baton.SendError{Retry: true, Reason: "WhatsApp did not answer: " + a.redact(err.Error())}
	}
	defer resp.Body.Close()
	answer, err := io.ReadAll(io.LimitReader(resp.Body, maxAPIAnswer))
	if err != nil {
		return "", &baton.SendError{Retry: true, Reason: "WhatsApp's answer was cut off: " + a.redact(err.Error())}
	}
	if resp.StatusCode/100 == 2 {
		var ok sendResponse
		if err := json.Unmarshal(answer, &ok); err != nil || len(ok.Messages) == 0 || ok.Messages[0].ID == "" {
			// Not the Graph API's answer: something else (a proxy, a wrong
			// API base) answered, and the message most likely did not go.
			return "", &baton.SendError{Reason: fmt.Sprintf("the send API answered %d without a message ID", resp.StatusCode)}
		}
		return ok.Messages[0].ID, nil
	}
	return "", a.sendError(resp, answer)
}

// sendError classifies a refusal: whether the outbox should try again.
func (a *Account) sendError(resp *http.Response, answer []byte) error {
	var ge graphErrorResponse
	_ = json.Unmarshal(answer, &ge)
	e := ge.Error
	if e == nil {
		e = &graphError{}
	}
	code := int64(e.Code)
	retry := resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode >= 500 || retryCodes[code]
	se := &baton.SendError{Retry: retry}
	if retry {
		se.RetryAfter = retryAfter(resp.Header.Get("Retry-After"), time.Now())
	}
	switch {
	case code == codeReengagement:
		se.Reason = reengagementReason
	case e.Message == "" && code == 0:
		se.Reason = fmt.Sprintf("the send API answered %s", resp.Status)
	default:
		se.Reason = "WhatsApp refused the message: " + first(e.Message, "no reason given")
		if code != 0 {
			se.Reason += fmt.Sprintf(" (code %d", code)
			if sub := int64(e.ErrorSubcode); sub != 0 {
				se.Reason += fmt.Sprintf(", subcode %d", sub)
			}
			se.Reason += ")"
		}
		if d := e.ErrorData.Details; d != "" && d != e.Message {
			se.Reason += ": " + d
		}
		if e.FBTraceID != "" {
			se.Reason += " [fbtrace_id " + e.FBTraceID + "]"
		}
	}
	se.Reason = a.redact(se.Reason)
	return se
}

// retryAfter reads a Retry-After header: seconds, or an HTTP date.
func retryAfter(v string, now time.Time) time.Duration {
	if v == "" {
		return 0
	}
	if s, err := strconv.Atoi(strings.TrimSpace(v)); err == nil {
		if s < 0 {
			return 0
		}
		return time.Duration(s) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil && t.After(now) {
		return t.Sub(now)
	}
	return 0
}

// redact keeps the access token out of anything Send returns, whatever an
// error message may echo.
func (a *Account) redact(s string) string {
	if a.accessToken == "" {
		return s
	}
	return strings.ReplaceAll(s, a.accessToken, "[access token]")
}
