package teams

import (
	"strings"

	"github.com/batonhq/baton"
)

// maxText caps the customer's message and the summary, in characters, so
// that an alert reads at a glance; a card stays far below Teams' 28 KB
// limit on a message.
const maxText = 500

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
	ttl := defuse(a.Title())
	c := card{
		Schema:       "http://adaptivecards.io/schemas/adaptive-card.json",
		Type:         "AdaptiveCard",
		Version:      cardVersion,
		FallbackText: ttl,
	}
	c.Body = append(c.Body, element{Type: "TextBlock", Text: ttl, Weight: "Bolder", Size: "Medium",
		Color: titleColor(a.Priority), Wrap: true})

	var facts []fact
	for _, f := range a.Facts() {
		facts = append(facts, fact{f.Label, defuse(f.Value)})
	}
	c.Body = append(c.Body, element{Type: "FactSet", Facts: facts})

	if t := a.MessageExcerpt(maxText); t != "" {
		c.Body = append(c.Body,
			element{Type: "TextBlock", Text: "The customer wrote", Weight: "Bolder", Wrap: true},
			element{Type: "RichTextBlock", Inlines: []textRun{{Type: "TextRun", Text: t}}})
	}
	if s := a.SummaryExcerpt(maxText); s != "" {
		c.Body = append(c.Body,
			element{Type: "TextBlock", Text: "Summary", Weight: "Bolder", Wrap: true},
			element{Type: "RichTextBlock", Inlines: []textRun{{Type: "TextRun", Text: s}}})
	}
	if line := contextLine(a); line != "" {
		c.Body = append(c.Body, element{Type: "TextBlock", Text: line, Size: "Small", IsSubtle: true, Wrap: true})
	}
	if u := a.Link(); u != "" {
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
	if id := a.ConversationRef(); id != "" {
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
