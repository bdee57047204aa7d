package slack

import (
	"fmt"
	"strings"

	"github.com/batonhq/baton"
)

// Caps on what an alert shows, in characters, within Slack's own limits (a
// button's URL holds 3000, a section 3000 and a field 2000; the alert's
// title and fields are capped shorter by baton.Alert). Text is capped
// before it is escaped, and escaping at most quintuples it ("&" is
// "&amp;"), so a capped text stays within Slack's limits.
const (
	maxText = 500 // the customer's message, and the summary
	maxURL  = 3000
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
	fallback := a.Title() + " — " + a.CustomerName()
	if ch := a.ChannelName(); ch != "" {
		fallback += " on " + ch
	}
	m := message{Text: escape(fallback)}

	m.Blocks = append(m.Blocks, block{Type: "header", Text: &text{Type: "plain_text", Text: a.Headline()}})

	var fields []text
	for _, f := range a.Facts() {
		if f.Label != "Department" { // the header names it
			fields = append(fields, field(f.Label, f.Value))
		}
	}
	m.Blocks = append(m.Blocks, block{Type: "section", Fields: fields})

	if t := a.MessageExcerpt(maxText); t != "" {
		m.Blocks = append(m.Blocks, section("*The customer wrote*\n"+quote(escape(t))))
	}
	if s := a.SummaryExcerpt(maxText); s != "" {
		m.Blocks = append(m.Blocks, section("*Summary*\n"+escape(s)))
	}
	if u := a.Link(); u != "" && len(u) <= maxURL {
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
	if id := a.ConversationRef(); id != "" {
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
