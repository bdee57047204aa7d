package whatsapp

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/batonhq/baton"
)

// The webhook's wire format, as Meta documents the "messages" field of a
// WhatsApp Business Account: only what Baton reads.

// wireNotification is one webhook POST.
type wireNotification struct {
	Object string      `json:"object"`
	Entry  []wireEntry `json:"entry"`
}

type wireEntry struct {
	ID      string       `json:"id"` // the WhatsApp Business Account ID
	Changes []wireChange `json:"changes"`
}

// wireChange keeps its value raw: only the "messages" field has the shape
// below, and an app subscribed to other fields (template reviews, account
// updates) must not have those refused as malformed.
type wireChange struct {
	Field string          `json:"field"`
	Value json.RawMessage `json:"value"`
}

type wireValue struct {
	MessagingProduct string `json:"messaging_product"`
	Metadata         struct {
		DisplayPhoneNumber string `json:"display_phone_number"`
		PhoneNumberID      string `json:"phone_number_id"`
	} `json:"metadata"`
	Contacts []wireContact `json:"contacts"`
	Messages []wireMessage `json:"messages"`
	Statuses []wireStatus  `json:"statuses"`
	Errors   []wireError   `json:"errors"`
}

type wireContact struct {
	Profile struct {
		Name string `json:"name"`
	} `json:"profile"`
	WaID string `json:"wa_id"`
}

type wireMessage struct {
	From      string   `json:"from"`
	ID        string   `json:"id"`
	Timestamp unixTime `json:"timestamp"`
	Type      string   `json:"type"`

	Text *struct {
		Body string `json:"body"`
	} `json:"text"`
	Interactive *struct {
		Type        string     `json:"type"`
		ButtonReply *wireReply `json:"button_reply"`
		ListReply   *wireReply `json:"list_reply"`
	} `json:"interactive"`
	Button *struct {
		Payload string `json:"payload"`
		Text    string `json:"text"`
	} `json:"button"`
	Image    *wireMedia `json:"image"`
	Video    *wireMedia `json:"video"`
	Audio    *wireMedia `json:"audio"`
	Document *wireMedia `json:"document"`
	Sticker  *wireMedia `json:"sticker"`
	Location *struct {
		Latitude  number `json:"latitude"`
		Longitude number `json:"longitude"`
		Name      string `json:"name"`
		Address   string `json:"address"`
	} `json:"location"`
	Contacts []struct {
		Name struct {
			FormattedName string `json:"formatted_name"`
			FirstName     string `json:"first_name"`
			LastName      string `json:"last_name"`
		} `json:"name"`
		Phones []struct {
			Phone string `json:"phone"`
			WaID  string `json:"wa_id"`
		} `json:"phones"`
	} `json:"contacts"`
	Reaction *struct {
		MessageID string `json:"message_id"`
		Emoji     string `json:"emoji"`
	} `json:"reaction"`
	Order *struct {
		ProductItems []json.RawMessage `json:"product_items"`
	} `json:"order"`
	System *struct {
		Body string `json:"body"`
	} `json:"system"`
}

type wireReply struct {
	ID          string `json:"id"`
	Title       string `json:"title"`
	Description string `json:"description"`
}

type wireMedia struct {
	Caption  string `json:"caption"`
	Filename string `json:"filename"`
	MimeType string `json:"mime_type"`
	Voice    bool   `json:"voice"`
	Animated bool   `json:"animated"`
}

type wireStatus struct {
	ID          string      `json:"id"`
	Status      string      `json:"status"`
	Timestamp   unixTime    `json:"timestamp"`
	RecipientID string      `json:"recipient_id"`
	Errors      []wireError `json:"errors"`
}

type wireError struct {
	Code      integer `json:"code"`
	Title     string  `json:"title"`
	Message   string  `json:"message"`
	ErrorData struct {
		Details string `json:"details"`
	} `json:"error_data"`
}

// What parse makes of a delivery.

// report is what one webhook POST tells Baton.
type report struct {
	Object  string
	Changes []change
	// Skipped counts the changes, messages and statuses left out because
	// they lack what Baton needs (an ID, a sender, a known status).
	Skipped int
}

// change is what one "messages" change reports for one business number.
// Inbound and Statuses have no Account yet: the webhook knows the accounts.
type change struct {
	PhoneNumberID string
	Inbound       []baton.Inbound
	Statuses      []baton.StatusUpdate
	// Errors are problems Meta reports about the number or the app,
	// for the log.
	Errors []string
}

// objectWhatsApp is the object of every WhatsApp Business Account webhook.
const objectWhatsApp = "whatsapp_business_account"

// parse reads a webhook delivery. It fails only on a body that is not the
// JSON of a notification; within one, what Baton cannot use is skipped and
// counted, so that Meta does not retry a delivery forever for one odd
// event. It has no side effects and reads no clock.
func parse(body []byte) (*report, error) {
	var n wireNotification
	if err := json.Unmarshal(body, &n); err != nil {
		return nil, fmt.Errorf("whatsapp: malformed webhook body: %w", err)
	}
	r := &report{Object: n.Object}
	if n.Object != objectWhatsApp {
		return r, nil
	}
	for _, e := range n.Entry {
		for _, c := range e.Changes {
			if c.Field != "messages" {
				continue
			}
			if len(c.Value) == 0 {
				r.Skipped++
				continue
			}
			var v wireValue
			if err := json.Unmarshal(c.Value, &v); err != nil {
				return nil, fmt.Errorf("whatsapp: malformed messages change: %w", err)
			}
			if v.Metadata.PhoneNumberID == "" {
				r.Skipped += 1 + len(v.Messages) + len(v.Statuses)
				continue
			}
			ch := change{PhoneNumberID: v.Metadata.PhoneNumberID}
			for _, m := range v.Messages {
				in, ok := inbound(m, v.Contacts)
				if !ok {
					r.Skipped++
					continue
				}
				ch.Inbound = append(ch.Inbound, in)
			}
			for _, s := range v.Statuses {
				u, ok := statusUpdate(s)
				if !ok {
					if !untracked[s.Status] || s.ID == "" {
						r.Skipped++
					}
					continue
				}
				ch.Statuses = append(ch.Statuses, u)
			}
			for _, e := range v.Errors {
				ch.Errors = append(ch.Errors, describeError(e))
			}
			r.Changes = append(r.Changes, ch)
		}
	}
	return r, nil
}

// inbound turns a customer's message into what the engine takes; false if
// it has no ID or sender.
func inbound(m wireMessage, contacts []wireContact) (baton.Inbound, bool) {
	if m.ID == "" || m.From == "" {
		return baton.Inbound{}, false
	}
	in := baton.Inbound{
		Channel:   baton.ChannelWhatsApp,
		UserID:    m.From,
		Name:      profileName(m.From, contacts),
		MessageID: m.ID,
		At:        m.Timestamp.Time(),
	}
	// from is a phone number in international format without the "+",
	// unless WhatsApp identifies the customer some other way.
	if digits(m.From) {
		in.Phone = "+" + m.From
	}
	in.Text, in.Payload = content(m)
	if in.Text == "" {
		in.Text = "[empty message]"
	}
	return in, true
}

// profileName is the WhatsApp profile name of the sender: the contact with
// its wa_id, or the only contact of the change.
func profileName(from string, contacts []wireContact) string {
	for _, c := range contacts {
		if c.WaID == from {
			return c.Profile.Name
		}
	}
	if len(contacts) == 1 {
		return contacts[0].Profile.Name
	}
	return ""
}

// content is what the agent reads of a message, and the payload of a
// tapped button. Baton stores text only: whatever else arrived becomes a
// readable placeholder, so the agent knows to look on the phone.
func content(m wireMessage) (text, payload string) {
	switch m.Type {
	case "text":
		if m.Text != nil {
			return m.Text.Body, ""
		}
		return "", ""
	case "interactive":
		var r *wireReply
		if i := m.Interactive; i != nil {
			switch i.Type {
			case "button_reply":
				r = i.ButtonReply
			case "list_reply":
				r = i.ListReply
			case "nfm_reply":
				return "[form reply]", ""
			}
		}
		if r == nil {
			return "[interactive reply]", ""
		}
		return first(r.Title, r.ID), r.ID
	case "button":
		if b := m.Button; b != nil {
			return first(b.Text, b.Payload), b.Payload
		}
	case "image":
		return withCaption("[image]", m.Image), ""
	case "video":
		return withCaption("[video]", m.Video), ""
	case "audio":
		if m.Audio != nil && m.Audio.Voice {
			return "[voice message]", ""
		}
		return "[audio]", ""
	case "document":
		label := "[document]"
		if m.Document != nil && m.Document.Filename != "" {
			label = "[document: " + m.Document.Filename + "]"
		}
		return withCaption(label, m.Document), ""
	case "sticker":
		return "[sticker]", ""
	case "location":
		if l := m.Location; l != nil {
			s := "[location: " + coordinate(float64(l.Latitude)) + ", " + coordinate(float64(l.Longitude)) + "]"
			var place []string
			for _, p := range []string{l.Name, l.Address} {
				if p = strings.TrimSpace(p); p != "" {
					place = append(place, p)
				}
			}
			return join(s, strings.Join(place, ", ")), ""
		}
		return "[location]", ""
	case "contacts":
		return sharedContacts(m), ""
	case "reaction":
		if r := m.Reaction; r != nil && r.Emoji != "" {
			return "[reacted " + r.Emoji + "]", ""
		}
		return "[removed a reaction]", ""
	case "order":
		switch {
		case m.Order == nil:
			return "[order]", ""
		case len(m.Order.ProductItems) == 1:
			return "[order: 1 item]", ""
		}
		return fmt.Sprintf("[order: %d items]", len(m.Order.ProductItems)), ""
	case "system":
		if m.System != nil && m.System.Body != "" {
			return "[" + m.System.Body + "]", ""
		}
		return "[system message]", ""
	}
	return "[unsupported message]", ""
}

func withCaption(label string, m *wireMedia) string {
	if m == nil {
		return label
	}
	return join(label, m.Caption)
}

func sharedContacts(m wireMessage) string {
	if len(m.Contacts) == 0 {
		return "[contact]"
	}
	parts := make([]string, 0, len(m.Contacts))
	for _, c := range m.Contacts {
		name := first(c.Name.FormattedName, strings.TrimSpace(c.Name.FirstName+" "+c.Name.LastName))
		var fields []string
		if name != "" {
			fields = append(fields, name)
		}
		for _, p := range c.Phones {
			if ph := first(p.Phone, p.WaID); ph != "" {
				fields = append(fields, ph)
			}
		}
		parts = append(parts, "[contact: "+first(strings.Join(fields, ", "), "unnamed")+"]")
	}
	return strings.Join(parts, " ")
}

// coordinate writes a latitude or longitude to five decimals (about a
// metre), without trailing zeros.
func coordinate(x float64) string {
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return "?"
	}
	return strconv.FormatFloat(math.Round(x*1e5)/1e5, 'f', -1, 64)
}

// join joins the non-empty parts with spaces.
func join(parts ...string) string {
	var b strings.Builder
	for _, p := range parts {
		if p = strings.TrimSpace(p); p == "" {
			continue
		}
		if b.Len() > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(p)
	}
	return b.String()
}

// first is the first non-empty string.
func first(s ...string) string {
	for _, x := range s {
		if x != "" {
			return x
		}
	}
	return ""
}

// untracked are statuses Meta reports that say nothing about delivery: a
// voice message played, a catalog warning, a customer's message deleted.
var untracked = map[string]bool{"played": true, "warning": true, "deleted": true}

// statusUpdate turns Meta's report on a sent message into the engine's;
// false for statuses Baton does not track (a voice message "played", a
// catalog "warning") and for reports without a message ID.
func statusUpdate(s wireStatus) (baton.StatusUpdate, bool) {
	u := baton.StatusUpdate{
		Channel:    baton.ChannelWhatsApp,
		PlatformID: s.ID,
		At:         s.Timestamp.Time(),
	}
	switch s.Status {
	case "sent":
		u.Status = baton.DeliverySent
	case "delivered":
		u.Status = baton.DeliveryDelivered
	case "read":
		u.Status = baton.DeliveryRead
	case "failed":
		u.Status = baton.DeliveryFailed
		u.Error = "WhatsApp reported the message failed without a reason"
		if len(s.Errors) > 0 {
			u.Error = describeError(s.Errors[0])
		}
	default:
		return baton.StatusUpdate{}, false
	}
	if s.ID == "" {
		return baton.StatusUpdate{}, false
	}
	return u, true
}

// codeReengagement is Meta's error when more than 24 hours passed since
// the customer last wrote.
const codeReengagement = 131047

// reengagementReason says what 131047 means for the agent.
const reengagementReason = "more than 24 hours since the customer last wrote; only a template can be sent"

// describeError writes one of Meta's errors for a person: what happened,
// the code to look up, and Meta's details.
func describeError(e wireError) string {
	code := int64(e.Code)
	if code == codeReengagement {
		return fmt.Sprintf("%s (code %d)", reengagementReason, code)
	}
	s := first(e.Title, e.Message, "error")
	if e.Message != "" && e.Message != s {
		s += ": " + e.Message
	}
	if code != 0 {
		s += fmt.Sprintf(" (code %d)", code)
	}
	if d := e.ErrorData.Details; d != "" && d != e.Message && d != e.Title {
		s += ": " + d
	}
	return s
}

// unixTime is a Unix timestamp in seconds, which Meta writes as a string
// ("1749416383"); a number is read too.
type unixTime int64

func (t *unixTime) UnmarshalJSON(b []byte) error {
	n, err := readInteger(b)
	if err != nil {
		return fmt.Errorf("timestamp: %w", err)
	}
	*t = unixTime(n)
	return nil
}

// Time is the instant in UTC; zero when Meta gave none.
func (t unixTime) Time() time.Time {
	if t <= 0 {
		return time.Time{}
	}
	return time.Unix(int64(t), 0).UTC()
}

// integer is an error code, a number that some senders quote.
type integer int64

func (i *integer) UnmarshalJSON(b []byte) error {
	n, err := readInteger(b)
	if err != nil {
		return fmt.Errorf("code: %w", err)
	}
	*i = integer(n)
	return nil
}

// number is a coordinate, a number that some senders quote.
type number float64

func (f *number) UnmarshalJSON(b []byte) error {
	s := string(bytes.Trim(b, `"`))
	if s == "null" || s == "" {
		return nil
	}
	x, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(x) || math.IsInf(x, 0) {
		return errors.New("coordinate: not a number")
	}
	*f = number(x)
	return nil
}

// readInteger reads a JSON integer, quoted or not; null and "" are 0.
func readInteger(b []byte) (int64, error) {
	if string(b) == "null" {
		return 0, nil
	}
	var s string
	if len(b) > 0 && b[0] == '"' {
		if err := json.Unmarshal(b, &s); err != nil {
			return 0, err
		}
	} else {
		s = string(b)
	}
	if s == "" {
		return 0, nil
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return 0, errors.New("not an integer")
	}
	return n, nil
}
