package teams

import (
	"net/url"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/batonhq/baton"
)

// Caps on what an alert shows, in characters, so that it reads at a
// glance; a card stays far below Teams' 28 KB limit on a message.
const (
	maxTitle    = 150
	maxCustomer = 100
	maxField    = 300
	maxText     = 500 // the customer's message, and the summary
)

// cardVersion is the newest Adaptive Card schema a Workflows webhook
// renders: Teams itself takes 1.5, but a flow's "Post card" shows a 1.5
// card as "this card couldn't be displayed".
const cardVersion = "1.4"

// The webhook's payload, as Microsoft documents "Send Adaptive Cards
// using an incoming webhook": a message whose attachments are cards.

type payload struct {
	Type        string       `json:"type"` // always "message"
	Attachments []attachment `json:"attachments"`
}

type attachment struct {
	ContentType string  `json:"contentType"`
	ContentURL  *string `json:"contentUrl"` // always null, as documented
	Content     card    `json:"content"`
}

type card struct {
	Schema       string    `json:"$schema"`
	Type         string    `json:"type"` // always "AdaptiveCard"
	Version      string    `json:"version"`
	FallbackText string    `json:"fallbackText,omitempty"`
	Body         []element `json:"body"`
	Actions      []action  `json:"actions,omitempty"`
}

// element is a TextBlock, a FactSet or a RichTextBlock.
type element struct {
	Type     string    `json:"type"`
	Text     string    `json:"text,omitempty"`
	Weight   string    `json:"weight,omitempty"`
	Color    string    `json:"color,omitempty"`
	Size     string    `json:"size,omitempty"`
	IsSubtle bool      `json:"isSubtle,omitempty"`
	Wrap     bool      `json:"wrap,omitempty"`
	Facts    []fact    `json:"facts,omitempty"`
	Inlines  []textRun `json:"inlines,omitempty"`
}

type fact struct {
	Title string `json:"title"`
	Value string `json:"value"`
}

type textRun struct {
	Type string `json:"type"` // always "TextRun"
	Text string `json:"text"`
}

type action struct {
	Type  string `json:"type"` // always "Action.OpenUrl"
	Title string `json:"title"`
	URL   string `json:"url"`
}

// compose writes a as a card. Teams reads Markdown in a TextBlock and a
// fact, so there the customer's words have their links defused; what the
// customer wrote goes in a TextRun, which shows text as written.
func compose(a *baton.Alert) payload {
	ttl := defuse(title(a))
	c := card{
		Schema:       "http://adaptivecards.io/schemas/adaptive-card.json",
		Type:         "AdaptiveCard",
		Version:      cardVersion,
		FallbackText: ttl,
	}
	c.Body = append(c.Body, element{Type: "TextBlock", Text: ttl, Weight: "Bolder", Size: "Medium",
		Color: titleColor(a.Priority), Wrap: true})

	facts := []fact{{"Customer", customerName(a.Customer)}, {"Channel", orDash(channelLabel(a.Channel))}}
	if d := oneLine(a.Department); d != "" {
		facts = append(facts, fact{"Department", capRunes(d, maxField)})
	}
	facts = append(facts,
		fact{"Trigger", orDash(triggerLabel(a.Trigger))},
		fact{"Priority", orDash(priorityLabel(a.Priority))},
		fact{"Reason", orDash(capRunes(oneLine(a.Reason), maxField))},
	)
	for i := range facts {
		facts[i].Value = defuse(facts[i].Value)
	}
	c.Body = append(c.Body, element{Type: "FactSet", Facts: facts})

	if t := capRunes(multiLine(a.Text), maxText); t != "" {
		c.Body = append(c.Body,
			element{Type: "TextBlock", Text: "The customer wrote", Weight: "Bolder", Wrap: true},
			element{Type: "RichTextBlock", Inlines: []textRun{{Type: "TextRun", Text: t}}})
	}
	if s := capRunes(multiLine(a.Summary), maxText); s != "" {
		c.Body = append(c.Body,
			element{Type: "TextBlock", Text: "Summary", Weight: "Bolder", Wrap: true},
			element{Type: "RichTextBlock", Inlines: []textRun{{Type: "TextRun", Text: s}}})
	}
	if line := contextLine(a); line != "" {
		c.Body = append(c.Body, element{Type: "TextBlock", Text: line, Size: "Small", IsSubtle: true, Wrap: true})
	}
	if u := linkURL(a.URL); u != "" {
		c.Actions = []action{{Type: "Action.OpenUrl", Title: "Open in Baton", URL: u}}
	}
	return payload{Type: "message", Attachments: []attachment{{
		ContentType: "application/vnd.microsoft.card.adaptive",
		Content:     c,
	}}}
}

// titleColor makes an urgent alert red and a high one amber.
func titleColor(p baton.Priority) string {
	switch p {
	case baton.PriorityUrgent:
		return "Attention"
	case baton.PriorityHigh:
		return "Warning"
	}
	return ""
}

// contextLine names the conversation and when the alert was raised, in the
// reader's time zone (the DATE and TIME functions of a TextBlock).
func contextLine(a *baton.Alert) string {
	var parts []string
	if id := oneLine(a.ConversationID); id != "" {
		parts = append(parts, "Conversation "+defuse(id))
	}
	if !a.At.IsZero() {
		// The functions take only this exact RFC 3339 form.
		at := a.At.UTC().Format("2006-01-02T15:04:05Z")
		parts = append(parts, "{{DATE("+at+", SHORT)}} {{TIME("+at+")}}")
	}
	return strings.Join(parts, " · ")
}

// defuse breaks Markdown link syntax, "[words](address)", with a zero-width
// space, so that text from a customer cannot show a link under other words
// in a card. Teams' clients differ on backslash escapes, so those are no
// help; a bare address still shows where it leads.
func defuse(s string) string {
	return strings.ReplaceAll(s, "](", "]\u200b(")
}

// linkURL is u if it is an http(s) URL for a button, else "".
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
