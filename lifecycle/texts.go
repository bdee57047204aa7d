package lifecycle

import (
	"fmt"
	"strings"
	"time"
)

// Texts are what the customer is told at each step, in one language.
// Placeholders are filled with fmt verbs as documented on each field.
type Texts struct {
	Connecting     string // %s department, %d position in the queue
	AskDetail      string // used when a detail has no prompt of its own: %s key
	InvalidDetail  string // %s the prompt asked again
	TicketCreated  string // %s department
	TicketNextOpen string // %s department, %s when it opens ("Monday 09:00")
	AgentJoined    string // %s agent name
	Returned       string // the agent handed back without a survey
	TimedOut       string // returned to the bot after inactivity
	SurveyAsk      string // ask for a 1–5 rating
	SurveyComment  string // ask for an optional comment
	SurveyThanks   string
	SurveySkip     string // the button title to skip the comment
	Transferred    string // %s department
	AgentLeft      string // %s agent name, %s department
}

// English is the default text set.
var English = Texts{
	Connecting:     "I'm connecting you with a person from %s. You are number %d in the queue.",
	AskDetail:      "Could you tell me your %s?",
	InvalidDetail:  "That doesn't look right. %s",
	TicketCreated:  "Nobody from %s can answer live right now. I've created a ticket and the team will get back to you.",
	TicketNextOpen: "%s is closed right now. I've created a ticket; the team opens %s and will get back to you then.",
	AgentJoined:    "%s has joined the conversation.",
	Returned:       "You're back with the assistant. Is there anything else I can help you with?",
	TimedOut:       "This conversation went quiet, so you're back with the assistant. Write again any time if you need a person.",
	SurveyAsk:      "How would you rate the help you got, from 1 (poor) to 5 (excellent)?",
	SurveyComment:  "Thank you! Is there anything you'd like to add?",
	SurveyThanks:   "Thank you for your feedback!",
	SurveySkip:     "No, thanks",
	Transferred:    "I'm passing you on to %s.",
	AgentLeft:      "%s had to leave. I'm finding you someone else from %s.",
}

// FormatOpening renders an opening time the way a customer reads it:
// "today 09:00", "tomorrow 09:00" or "Monday 09:00", in the zone of at.
func FormatOpening(now, at time.Time) string {
	now = now.In(at.Location())
	day := func(t time.Time) time.Time { y, m, d := t.Date(); return time.Date(y, m, d, 0, 0, 0, 0, t.Location()) }
	switch days := int(day(at).Sub(day(now)).Hours()/24 + 0.5); {
	case days <= 0:
		return "today " + at.Format("15:04")
	case days == 1:
		return "tomorrow " + at.Format("15:04")
	case days < 7:
		return at.Format("Monday 15:04")
	default:
		return at.Format("Monday 2 January 15:04")
	}
}

func sprintf(format string, args ...any) string {
	if format == "" {
		return ""
	}
	return strings.TrimSpace(fmt.Sprintf(format, args...))
}
