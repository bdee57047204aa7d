package messenger

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/url"
	"path"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/batonhq/baton"
)

// A webhook notification, as Meta documents it for "object": "page":
//
//	{"object": "page", "entry": [{"id": PAGE_ID, "time": ms,
//	  "messaging": [{"sender": {"id": PSID}, "recipient": {"id": PAGE_ID},
//	                 "timestamp": ms, "message" | "postback" | "delivery" | "read": {…}}]}]}
//
// parse reads it into events Baton understands. A body that is not JSON,
// or not a JSON object with an "object" string and an "entry" array, is an
// error (the webhook answers 400). Anything smaller that does not fit (an
// entry or event with unexpected types, an event kind Baton does not use)
// is skipped with a reason, so one odd event never makes Meta retry the
// whole batch forever.

// notification is a parsed webhook body.
type notification struct {
	Object  string
	Entries []entry
}

// entry is one page's share of a notification.
type entry struct {
	PageID string
	Events []event
	// Skipped says, without message content, what was left out and why.
	Skipped []string
}

// event is exactly one of a customer's message or tap, a delivery
// receipt for one message, or a read receipt. Account is left empty: the
// webhook fills it from the page.
type event struct {
	Inbound *baton.Inbound
	Status  *baton.StatusUpdate
	Read    *readReceipt
}

// readReceipt is Messenger's "read": the customer read every message the
// page sent before Watermark. Messenger names no message ids.
type readReceipt struct {
	UserID    string
	Watermark time.Time
}

type wireNotification struct {
	Object *string           `json:"object"`
	Entry  []json.RawMessage `json:"entry"`
}

type wireEntry struct {
	ID        flexString        `json:"id"`
	Time      millis            `json:"time"`
	Messaging []json.RawMessage `json:"messaging"`
	Standby   []json.RawMessage `json:"standby"`
}

type wireEvent struct {
	Sender    wireParty     `json:"sender"`
	Recipient wireParty     `json:"recipient"`
	Timestamp millis        `json:"timestamp"`
	Message   *wireMessage  `json:"message"`
	Postback  *wirePostback `json:"postback"`
	Delivery  *wireDelivery `json:"delivery"`
	Read      *wireRead     `json:"read"`
}

type wireParty struct {
	ID flexString `json:"id"`
}

type wireMessage struct {
	MID         string           `json:"mid"`
	Text        string           `json:"text"`
	IsEcho      bool             `json:"is_echo"`
	QuickReply  *wireQuickReply  `json:"quick_reply"`
	Attachments []wireAttachment `json:"attachments"`
	StickerID   flexString       `json:"sticker_id"`
}

type wireQuickReply struct {
	Payload string `json:"payload"`
}

type wireAttachment struct {
	Type    string `json:"type"`
	Payload *struct {
		URL       string     `json:"url"`
		StickerID flexString `json:"sticker_id"`
	} `json:"payload"`
}

type wirePostback struct {
	MID     string `json:"mid"`
	Title   string `json:"title"`
	Payload string `json:"payload"`
}

type wireDelivery struct {
	MIDs      []string `json:"mids"`
	Watermark millis   `json:"watermark"`
}

type wireRead struct {
	Watermark millis `json:"watermark"`
}

var errMalformed = errors.New("messenger: malformed notification")

// parse reads a webhook body. It is pure: no clock, no I/O. A zero At
// means the body did not say when.
func parse(body []byte) (*notification, error) {
	if t := bytes.TrimLeft(body, " \t\r\n"); len(t) == 0 || t[0] != '{' {
		return nil, fmt.Errorf("%w: not a JSON object", errMalformed)
	}
	var w wireNotification
	if err := json.Unmarshal(body, &w); err != nil {
		return nil, fmt.Errorf("%w: %v", errMalformed, err)
	}
	if w.Object == nil {
		return nil, fmt.Errorf("%w: no object", errMalformed)
	}
	n := &notification{Object: *w.Object}
	if n.Object != "page" {
		return n, nil
	}
	for i, raw := range w.Entry {
		var we wireEntry
		if err := json.Unmarshal(raw, &we); err != nil {
			n.Entries = append(n.Entries, entry{Skipped: []string{fmt.Sprintf("entry %d: unexpected shape", i)}})
			continue
		}
		e := entry{PageID: string(we.ID)}
		if len(we.Standby) > 0 {
			// Another app owns these threads (handover protocol): not ours to answer.
			e.Skipped = append(e.Skipped, fmt.Sprintf("%d standby events", len(we.Standby)))
		}
		for j, raw := range we.Messaging {
			evs, skip := parseEvent(e.PageID, raw)
			e.Events = append(e.Events, evs...)
			if skip != "" {
				e.Skipped = append(e.Skipped, fmt.Sprintf("event %d: %s", j, skip))
			}
		}
		n.Entries = append(n.Entries, e)
	}
	return n, nil
}

// parseEvent reads one messaging event; it returns no events and a
// reason when there is nothing for Baton in it.
func parseEvent(pageID string, raw json.RawMessage) ([]event, string) {
	var w wireEvent
	if err := json.Unmarshal(raw, &w); err != nil {
		return nil, "unexpected shape"
	}
	user := string(w.Sender.ID)
	if user != "" && user == pageID {
		// The page's side of the conversation, whatever kind: never a customer's.
		return nil, "event from the page itself"
	}
	switch {
	case w.Message != nil:
		m := w.Message
		if m.IsEcho {
			// The page's own message: sent by Baton, or by someone
			// answering from Meta's inbox. Not a customer's message.
			return nil, "echo"
		}
		if user == "" {
			return nil, "message without a sender id"
		}
		var payload string
		if m.QuickReply != nil {
			payload = m.QuickReply.Payload
		}
		text := m.Text
		if ph := placeholders(m); ph != "" {
			if text != "" {
				text += "\n"
			}
			text += ph
		}
		if text == "" && payload == "" {
			return nil, "message with nothing Baton can show"
		}
		id := m.MID
		if id == "" {
			id = derivedID("message", user, w.Timestamp, payload, text)
		}
		return []event{{Inbound: &baton.Inbound{
			Channel: baton.ChannelMessenger, UserID: user, MessageID: id,
			Text: text, Payload: payload, At: w.Timestamp.Time(),
		}}}, ""
	case w.Postback != nil:
		p := w.Postback
		if user == "" {
			return nil, "postback without a sender id"
		}
		if p.Payload == "" && p.Title == "" {
			return nil, "empty postback"
		}
		// Older postbacks carry no mid: an id derived from what does not
		// change between Meta's retries keeps a repeated delivery one message.
		id := p.MID
		if id == "" {
			id = derivedID("postback", user, w.Timestamp, p.Payload, p.Title)
		}
		return []event{{Inbound: &baton.Inbound{
			Channel: baton.ChannelMessenger, UserID: user, MessageID: id,
			Text: p.Title, Payload: p.Payload, At: w.Timestamp.Time(),
		}}}, ""
	case w.Delivery != nil:
		at := w.Delivery.Watermark.Time()
		if at.IsZero() {
			at = w.Timestamp.Time()
		}
		var evs []event
		for _, mid := range w.Delivery.MIDs {
			if mid == "" {
				continue
			}
			evs = append(evs, event{Status: &baton.StatusUpdate{
				Channel: baton.ChannelMessenger, PlatformID: mid,
				Status: baton.DeliveryDelivered, At: at,
			}})
		}
		if len(evs) == 0 {
			return nil, "delivery with a watermark only"
		}
		return evs, ""
	case w.Read != nil:
		if user == "" {
			return nil, "read without a sender id"
		}
		return []event{{Read: &readReceipt{UserID: user, Watermark: w.Read.Watermark.Time()}}}, ""
	}
	return nil, "event kind Baton does not use"
}

// placeholders stands in for a message's attachments: Baton keeps the
// fact that something was sent, never the attachment's URL, which is a
// signed link to Meta's CDN.
func placeholders(m *wireMessage) string {
	sticker := m.StickerID != ""
	for _, a := range m.Attachments {
		if a.Type == "sticker" || (a.Type == "image" && a.Payload != nil && a.Payload.StickerID != "") {
			sticker = true
		}
	}
	if sticker {
		// A sticker may come as a "sticker" and an "image" attachment at once.
		return "[sticker]"
	}
	var out []string
	for _, a := range m.Attachments {
		out = append(out, placeholder(a))
	}
	return strings.Join(out, " ")
}

func placeholder(a wireAttachment) string {
	switch a.Type {
	case "image":
		return "[image]"
	case "audio":
		return "[audio]"
	case "video":
		return "[video]"
	case "file":
		if a.Payload != nil {
			if name := fileName(a.Payload.URL); name != "" {
				return "[file: " + name + "]"
			}
		}
		return "[file]"
	case "location":
		return "[location]"
	case "fallback":
		return "[link]"
	case "reel", "ig_reel":
		return "[reel]"
	case "post", "ig_post":
		return "[post]"
	case "template":
		return "[template]"
	case "appointment_booking":
		return "[appointment booking]"
	}
	return "[attachment]"
}

// fileName is the last path segment of an attachment URL, which Meta's
// CDN makes the file's name; the query (the signed part) is dropped.
func fileName(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Path == "" {
		return ""
	}
	name := path.Base(u.Path)
	if name == "." || name == "/" {
		return ""
	}
	name = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || r == '[' || r == ']' || r == utf8.RuneError {
			return -1
		}
		return r
	}, name)
	if r := []rune(name); len(r) > 100 {
		name = string(r[:100])
	}
	return strings.TrimSpace(name)
}

// derivedID names an event that came without a mid, stably across
// Meta's retries of the same notification.
func derivedID(kind, user string, ts millis, parts ...string) string {
	h := sha256.New()
	for _, p := range append([]string{kind, user, strconv.FormatInt(int64(ts), 10)}, parts...) {
		h.Write([]byte(p))
		h.Write([]byte{0})
	}
	return kind + "." + hex.EncodeToString(h.Sum(nil)[:16])
}

// flexString is an id Meta documents as a string but that some payloads
// carry as a number (app_id, sticker_id): both read as the digits.
type flexString string

func (s *flexString) UnmarshalJSON(b []byte) error {
	switch {
	case string(b) == "null":
		*s = ""
		return nil
	case len(b) > 0 && b[0] == '"':
		var v string
		if err := json.Unmarshal(b, &v); err != nil {
			return err
		}
		*s = flexString(v)
		return nil
	}
	var n json.Number
	if err := json.Unmarshal(b, &n); err != nil {
		return err
	}
	*s = flexString(n)
	return nil
}

// millis is a Messenger timestamp: milliseconds since the epoch, as a
// number, or as a string in the dashboard's test notifications. A value
// below 1e11 is taken as seconds (those same test notifications send
// "1527459824"); as milliseconds it would be March 1973. Zero is unknown.
type millis int64

func (m *millis) UnmarshalJSON(b []byte) error {
	s := string(b)
	if s == "null" {
		*m = 0
		return nil
	}
	if len(b) > 0 && b[0] == '"' {
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
	}
	f, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
	if err != nil {
		return fmt.Errorf("timestamp: %w", err)
	}
	switch {
	case math.IsNaN(f) || f <= 0 || f >= 1e14: // 1e14 ms is the year 5138
		*m = 0
	case f < 1e11:
		*m = millis(f * 1000)
	default:
		*m = millis(f)
	}
	return nil
}

// Time is the instant, or the zero time when unknown.
func (m millis) Time() time.Time {
	if m <= 0 {
		return time.Time{}
	}
	return time.UnixMilli(int64(m)).UTC()
}
