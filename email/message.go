package email

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"mime"
	"mime/quotedprintable"
	"net/url"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/batonhq/baton"
)

// Caps on what an alert shows, in characters, so that it reads at a
// glance and a subject stays one short header.
const (
	maxTitle    = 150
	maxCustomer = 100
	maxField    = 300
	maxText     = 500 // the customer's message, and the summary
)

// compose writes a as an RFC 5322 message: headers in CRLF lines, a
// quoted-printable UTF-8 body. Header values come from the config (checked
// by New) or pass through oneLine, so no line break of a customer's can
// start a header.
func (n *Notifier) compose(a *baton.Alert) ([]byte, error) {
	id, err := n.messageID()
	if err != nil {
		return nil, err
	}
	to := make([]string, len(n.to))
	for i, t := range n.to {
		to[i] = t.String()
	}
	var b bytes.Buffer
	header := func(name, value string) {
		b.WriteString(name + ": " + value + "\r\n")
	}
	header("From", n.from.String())
	header("To", strings.Join(to, ",\r\n "))
	header("Subject", encodeHeader(title(a)))
	header("Date", n.now().Format(time.RFC1123Z))
	header("Message-ID", id)
	header("MIME-Version", "1.0")
	header("Content-Type", "text/plain; charset=utf-8")
	header("Content-Transfer-Encoding", "quoted-printable")
	// RFC 3834: vacation responders and the like must not answer.
	header("Auto-Submitted", "auto-generated")
	// Exchange's out-of-office and delivery reports ignore the above.
	header("X-Auto-Response-Suppress", "All")
	b.WriteString("\r\n")
	qp := quotedprintable.NewWriter(&b)
	if _, err := qp.Write([]byte(body(a))); err != nil {
		return nil, err
	}
	if err := qp.Close(); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// encodeHeader encodes a non-ASCII value as RFC 2047 words, folded
// between words so that no line grows past what mail servers take.
func encodeHeader(s string) string {
	enc := mime.QEncoding.Encode("utf-8", s)
	if enc == s {
		return s
	}
	return strings.ReplaceAll(enc, "?= =?", "?=\r\n =?")
}

// messageID is a new Message-ID in the sender's domain, random so that
// two alerts never share one.
func (n *Notifier) messageID() (string, error) {
	var r [16]byte
	if _, err := rand.Read(r[:]); err != nil {
		return "", err
	}
	domain := n.from.Address[strings.LastIndexByte(n.from.Address, '@')+1:]
	return "<" + hex.EncodeToString(r[:]) + "@" + domain + ">", nil
}

// body is the alert in plain text: the title, the facts, what the customer
// wrote, the summary and the link.
func body(a *baton.Alert) string {
	var b strings.Builder
	b.WriteString(title(a) + "\n\n")
	fact := func(label, value string) {
		fmt.Fprintf(&b, "%-13s %s\n", label+":", value)
	}
	fact("Customer", customerName(a.Customer))
	fact("Channel", orDash(channelLabel(a.Channel)))
	if d := oneLine(a.Department); d != "" {
		fact("Department", capRunes(d, maxField))
	}
	fact("Trigger", orDash(triggerLabel(a.Trigger)))
	fact("Priority", orDash(priorityLabel(a.Priority)))
	fact("Reason", orDash(capRunes(oneLine(a.Reason), maxField)))
	if !a.At.IsZero() {
		fact("Raised", a.At.UTC().Format("2006-01-02 15:04 MST"))
	}
	if id := oneLine(a.ConversationID); id != "" {
		fact("Conversation", id)
	}
	if t := capRunes(multiLine(a.Text), maxText); t != "" {
		b.WriteString("\nThe customer wrote:\n")
		for _, l := range strings.Split(t, "\n") {
			b.WriteString(strings.TrimRight("> "+l, " ") + "\n")
		}
	}
	if s := capRunes(multiLine(a.Summary), maxText); s != "" {
		b.WriteString("\nSummary:\n" + s + "\n")
	}
	if u := linkURL(a.URL); u != "" {
		b.WriteString("\nOpen the conversation: " + u + "\n")
	}
	b.WriteString("\n-- \nSent by Baton.\n")
	return b.String()
}

// linkURL is u if it is an http(s) URL, else "".
func linkURL(u string) string {
	u = strings.TrimSpace(u)
	p, err := url.Parse(u)
	if err != nil || (p.Scheme != "https" && p.Scheme != "http") || p.Host == "" {
		return ""
	}
	return u
}

// What an alert says, the same way in every notifier.

// title is the alert in one line: its priority and why, like "Urgent: the
// customer asked for a person".
func title(a *baton.Alert) string {
	why := oneLine(a.Reason)
	if why == "" {
		why = first(triggerLabel(a.Trigger), "a customer needs a person")
	}
	return capRunes(priorityWord(a.Priority)+": "+why, maxTitle)
}

// priorityWord starts a title.
func priorityWord(p baton.Priority) string {
	switch p {
	case baton.PriorityUrgent:
		return "Urgent"
	case baton.PriorityHigh:
		return "High priority"
	case baton.PriorityNormal:
		return "Normal priority"
	case baton.PriorityLow:
		return "Low priority"
	}
	return "Handoff"
}

func priorityLabel(p baton.Priority) string {
	switch p {
	case baton.PriorityUrgent:
		return "Urgent"
	case baton.PriorityHigh:
		return "High"
	case baton.PriorityNormal:
		return "Normal"
	case baton.PriorityLow:
		return "Low"
	}
	return oneLine(string(p))
}

func channelLabel(c baton.Channel) string {
	switch c {
	case baton.ChannelWhatsApp:
		return "WhatsApp"
	case baton.ChannelMessenger:
		return "Messenger"
	case baton.ChannelTelegram:
		return "Telegram"
	case baton.ChannelWeb:
		return "Web chat"
	case baton.ChannelAPI:
		return "API"
	}
	return oneLine(string(c))
}

func triggerLabel(t baton.Trigger) string {
	switch t {
	case baton.TriggerText:
		return "Asked for a person"
	case baton.TriggerUnknown:
		return "Bot did not understand"
	case baton.TriggerFeedback:
		return "Answer did not help"
	case baton.TriggerSensitiveIntent:
		return "Sensitive topic"
	case baton.TriggerFrustration:
		return "Customer is frustrated"
	case baton.TriggerBotFailure:
		return "Bot failed"
	case baton.TriggerBot:
		return "Bot handed off"
	case baton.TriggerAgent:
		return "Agent joined"
	}
	return oneLine(string(t))
}

// customerName is who the agent is told about: the name, else the email,
// else the phone number.
func customerName(c baton.Contact) string {
	return capRunes(first(oneLine(c.Name), oneLine(c.Email), oneLine(c.Phone), "a customer"), maxCustomer)
}

// oneLine is s on one line: valid UTF-8, control characters (line breaks
// among them) and runs of spaces made one space.
func oneLine(s string) string {
	s = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return ' '
		}
		return r
	}, strings.ToValidUTF8(s, ""))
	return strings.Join(strings.Fields(s), " ")
}

// multiLine is s with its line breaks as "\n", other control characters
// dropped, and no blank lines at either end.
func multiLine(s string) string {
	s = strings.ReplaceAll(strings.ToValidUTF8(s, ""), "\r\n", "\n")
	s = strings.Map(func(r rune) rune {
		switch {
		case r == '\r':
			return '\n'
		case r == '\t':
			return ' '
		case r != '\n' && unicode.IsControl(r):
			return -1
		}
		return r
	}, s)
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		lines[i] = strings.TrimRightFunc(l, unicode.IsSpace)
	}
	return strings.Trim(strings.Join(lines, "\n"), "\n")
}

// capRunes cuts s to limit characters, the last an ellipsis when cut.
func capRunes(s string, limit int) string {
	if utf8.RuneCountInString(s) <= limit {
		return s
	}
	r := []rune(s)
	return strings.TrimRightFunc(string(r[:limit-1]), unicode.IsSpace) + "…"
}

func first(s ...string) string {
	for _, x := range s {
		if x != "" {
			return x
		}
	}
	return ""
}

func orDash(s string) string { return first(s, "—") }
