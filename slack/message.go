package slack

import (
	"fmt"
	"net/url"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/batonhq/baton"
)

// Caps on what an alert shows, in characters: Slack's own limits (a header
// holds 150, a button's URL 3000, a section 3000 and a field 2000), and
// shorter ones so that an alert reads at a glance. Text is capped before
// it is escaped, and escaping at most quintuples it ("&" is "&amp;"), so
// a capped text stays within Slack's limits.
const (
	maxTitle    = 150
	maxCustomer = 100
	maxField    = 300
	maxText     = 500 // the customer's message, and the summary
	maxURL      = 3000
)

// The incoming webhook's payload, as Slack documents it: "text" is what
// notifications and old clients show, "blocks" the message itself.

type message struct {
	Text   string  `json:"text"`
	Blocks []block `json:"blocks"`
}

type block struct {
	Type     string `json:"type"` // header, section, actions, context
	Text     *text  `json:"text,omitempty"`
	Fields   []text `json:"fields,omitempty"`
	Elements []any  `json:"elements,omitempty"` // text in a context, buttons in actions
}

type text struct {
	Type string `json:"type"` // plain_text, mrkdwn
	Text string `json:"text"`
}

type button struct {
	Type  string `json:"type"` // always "button"
	Text  text   `json:"text"`
	URL   string `json:"url"`
	Style string `json:"style,omitempty"`
}

// compose writes a as a Slack message. Everything from the customer or
// the bot goes in mrkdwn escaped, so that it shows as written and cannot
// mention @channel or hide a link behind other words; plain_text fields
// hold only Baton's words and the configured department.
func compose(a *baton.Alert) message {
	who := customerName(a.Customer)
	fallback := title(a) + " — " + who
	if ch := channelLabel(a.Channel); ch != "" {
		fallback += " on " + ch
	}
	m := message{Text: escape(fallback)}

	head := headline(a.Priority)
	if d := oneLine(a.Department); d != "" {
		head += " · " + d
	}
	m.Blocks = append(m.Blocks, block{Type: "header", Text: &text{Type: "plain_text", Text: capRunes(head, maxTitle)}})

	m.Blocks = append(m.Blocks, block{Type: "section", Fields: []text{
		field("Customer", who),
		field("Channel", orDash(channelLabel(a.Channel))),
		field("Trigger", orDash(triggerLabel(a.Trigger))),
		field("Priority", orDash(priorityLabel(a.Priority))),
		field("Reason", orDash(capRunes(oneLine(a.Reason), maxField))),
	}})

	if t := capRunes(multiLine(a.Text), maxText); t != "" {
		m.Blocks = append(m.Blocks, section("*The customer wrote*\n"+quote(escape(t))))
	}
	if s := capRunes(multiLine(a.Summary), maxText); s != "" {
		m.Blocks = append(m.Blocks, section("*Summary*\n"+escape(s)))
	}
	if u := linkURL(a.URL); u != "" {
		// A link button still sends Slack's app an interaction; an app
		// without an interactivity URL shows a warning sign after the
		// click, but the link opens.
		m.Blocks = append(m.Blocks, block{Type: "actions", Elements: []any{
			button{Type: "button", Text: text{Type: "plain_text", Text: "Open in Baton"}, URL: u, Style: "primary"},
		}})
	}
	if c := contextLine(a); c != "" {
		m.Blocks = append(m.Blocks, block{Type: "context", Elements: []any{text{Type: "mrkdwn", Text: c}}})
	}
	return m
}

func section(mrkdwn string) block {
	return block{Type: "section", Text: &text{Type: "mrkdwn", Text: mrkdwn}}
}

// field is a label in bold over its value.
func field(label, value string) text {
	return text{Type: "mrkdwn", Text: "*" + label + "*\n" + escape(value)}
}

// quote makes every line of escaped text a block quote. Its ">" is a
// control character on purpose; the customer's own became "&gt;".
func quote(escaped string) string {
	lines := strings.Split(escaped, "\n")
	for i, l := range lines {
		lines[i] = ">" + l
	}
	return strings.Join(lines, "\n")
}

// contextLine names the conversation and when the alert was raised, in the
// reader's time zone: Slack's date formatting, with UTC for old clients.
func contextLine(a *baton.Alert) string {
	var parts []string
	if id := oneLine(a.ConversationID); id != "" {
		parts = append(parts, "Conversation "+escape(id))
	}
	if !a.At.IsZero() {
		parts = append(parts, fmt.Sprintf("<!date^%d^{date_short_pretty} at {time}|%s>",
			a.At.Unix(), a.At.UTC().Format("2006-01-02 15:04 UTC")))
	}
	return strings.Join(parts, " · ")
}

// slackEscaper replaces the three characters Slack reads as control
// characters in mrkdwn, and only those, as Slack asks.
var slackEscaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;")

func escape(s string) string { return slackEscaper.Replace(s) }

// linkURL is u if it is an http(s) URL a Slack button takes, else "".
func linkURL(u string) string {
	u = strings.TrimSpace(u)
	p, err := url.Parse(u)
	if err != nil || (p.Scheme != "https" && p.Scheme != "http") || p.Host == "" || len(u) > maxURL {
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

// headline heads the message.
func headline(p baton.Priority) string {
	switch p {
	case baton.PriorityUrgent:
		return "Urgent handoff"
	case baton.PriorityHigh:
		return "High-priority handoff"
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
