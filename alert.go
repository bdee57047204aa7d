package baton

import (
	"cmp"
	"net/url"
	"strings"
	"unicode"
	"unicode/utf8"
)

// What an alert says, the same in every notifier. Layout and escaping are
// each platform's own, in its adapter.

// Caps on what an alert shows, in characters, so that it reads at a
// glance; a title fits a mail's subject and the shortest header a chat
// tool has (Slack's holds 150).
const (
	maxAlertTitle    = 150
	maxAlertCustomer = 100
	maxAlertFact     = 300
)

// Fact is one labelled value shown to an agent: "Channel: WhatsApp".
type Fact struct {
	Label string
	Value string
}

// Title is the alert in one line: its priority and why, like "Urgent: the
// customer asked for a person".
func (a *Alert) Title() string {
	why := oneLine(a.Reason)
	if why == "" {
		why = cmp.Or(triggerLabel(a.Trigger), "a customer needs a person")
	}
	return capRunes(priorityWord(a.Priority)+": "+why, maxAlertTitle)
}

// Headline heads a message about the alert: how urgent a handoff it is
// and the department, like "Urgent handoff · Billing".
func (a *Alert) Headline() string {
	head := "Handoff"
	switch a.Priority {
	case PriorityUrgent:
		head = "Urgent handoff"
	case PriorityHigh:
		head = "High-priority handoff"
	}
	if d := oneLine(a.Department); d != "" {
		head += " · " + d
	}
	return capRunes(head, maxAlertTitle)
}

// CustomerName is who the agent is told about: the name, else the email,
// else the phone number, else "a customer".
func (a *Alert) CustomerName() string {
	c := a.Customer
	return capRunes(cmp.Or(oneLine(c.Name), oneLine(c.Email), oneLine(c.Phone), "a customer"), maxAlertCustomer)
}

// ChannelName is the channel as a label, "WhatsApp" or "Web chat"; ""
// when the alert does not say.
func (a *Alert) ChannelName() string {
	// Channel.Title's "web chat" and "the API" are for inside a sentence.
	switch a.Channel {
	case ChannelWeb:
		return "Web chat"
	case ChannelAPI:
		return "API"
	}
	return oneLine(a.Channel.Title())
}

// Facts are what an agent weighs before taking the alert, in this order:
// the customer, the channel, the department if there is one, the trigger,
// the priority and the reason. "—" stands for what the alert does not say.
func (a *Alert) Facts() []Fact {
	facts := []Fact{
		{"Customer", a.CustomerName()},
		{"Channel", orDash(a.ChannelName())},
	}
	if d := oneLine(a.Department); d != "" {
		facts = append(facts, Fact{"Department", capRunes(d, maxAlertFact)})
	}
	return append(facts,
		Fact{"Trigger", orDash(triggerLabel(a.Trigger))},
		Fact{"Priority", orDash(priorityLabel(a.Priority))},
		Fact{"Reason", orDash(capRunes(oneLine(a.Reason), maxAlertFact))},
	)
}

// MessageExcerpt is what the customer wrote, its lines kept, cut to
// maxRunes characters; "" when nothing.
func (a *Alert) MessageExcerpt(maxRunes int) string {
	return capRunes(multiLine(a.Text), maxRunes)
}

// SummaryExcerpt is the handoff summary, its lines kept, cut to maxRunes
// characters; "" when there is none.
func (a *Alert) SummaryExcerpt(maxRunes int) string {
	return capRunes(multiLine(a.Summary), maxRunes)
}

// ConversationRef is the conversation's ID on one line, for an agent to
// quote; "" when there is none.
func (a *Alert) ConversationRef() string { return oneLine(a.ConversationID) }

// Link is the alert's URL if it is an http(s) address, the only kind a
// button or a mail should open; else "".
func (a *Alert) Link() string {
	u := strings.TrimSpace(a.URL)
	p, err := url.Parse(u)
	if err != nil || (p.Scheme != "https" && p.Scheme != "http") || p.Host == "" {
		return ""
	}
	return u
}

// priorityWord starts a title.
func priorityWord(p Priority) string {
	switch p {
	case PriorityUrgent:
		return "Urgent"
	case PriorityHigh:
		return "High priority"
	case PriorityNormal:
		return "Normal priority"
	case PriorityLow:
		return "Low priority"
	}
	return "Handoff"
}

func priorityLabel(p Priority) string {
	switch p {
	case PriorityUrgent:
		return "Urgent"
	case PriorityHigh:
		return "High"
	case PriorityNormal:
		return "Normal"
	case PriorityLow:
		return "Low"
	}
	return oneLine(string(p))
}

func triggerLabel(t Trigger) string {
	switch t {
	case TriggerText:
		return "Asked for a person"
	case TriggerUnknown:
		return "Bot did not understand"
	case TriggerFeedback:
		return "Answer did not help"
	case TriggerSensitiveIntent:
		return "Sensitive topic"
	case TriggerFrustration:
		return "Customer is frustrated"
	case TriggerBotFailure:
		return "Bot failed"
	case TriggerBot:
		return "Bot handed off"
	case TriggerAgent:
		return "Agent joined"
	}
	return oneLine(string(t))
}

func orDash(s string) string { return cmp.Or(s, "—") }

// oneLine is s on one line: valid UTF-8, control characters (line breaks
// among them) and runs of spaces made one space. A customer's words may
// hold anything; a subject or a field must stay one line.
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
