package lifecycle

import (
	"fmt"
	"strings"
	"time"

	"github.com/batonhq/baton"
)

// Texts are what the customer is told at each step, in one language.
// Placeholders are filled with fmt verbs as documented on each field.
type Texts struct {
	Connecting     string // %[1]s department, %[2]d position in the queue, %[3]s expected wait (WaitSoon…)
	ConnectingBusy string // %[1]s department, %[2]d position: nobody can take a conversation right now
	WaitUpdate     string // %[1]d position, %[2]s expected wait
	WaitUpdateBusy string // %[1]d position
	WaitSoon       string // under a minute
	WaitMinute     string // about one minute
	WaitMinutes    string // %d minutes (2 or more)
	WaitHour       string // about an hour
	WaitHours      string // %d hours (2 or more)

	AskDetail      string // a detail without a prompt of its own: %s its key
	AskEmail       string
	AskPhone       string
	AskDate        string
	AskOrderNumber string
	InvalidDetail  string // %s the question asked again
	DetailsSkipped string // the customer stopped answering: hand off with what is known
	// CancelWords stop the questions ("cancel", "skip"), matched as the whole message.
	CancelWords []string

	TicketCreated   string    // %s department
	TicketNextOpen  string    // %[1]s department, %[2]s when it opens (see Opening…)
	OpeningToday    string    // %s time
	OpeningTomorrow string    // %s time
	OpeningWeekday  string    // %[1]s weekday, %[2]s time
	OpeningDate     string    // %[1]s weekday, %[2]d day of month, %[3]s month, %[4]s time
	Weekdays        [7]string // Sunday first
	Months          [12]string

	AgentJoined   string // %s agent name
	Returned      string // the agent handed back without a survey
	TimedOut      string // returned to the bot after inactivity
	SurveyAsk     string // ask for a 1–5 rating
	SurveyComment string // ask for an optional comment
	SurveyThanks  string
	SurveySkip    string // the button title to skip the comment
	Transferred   string // %s department
	AgentLeft     string // %[1]s agent name, %[2]s department
}

// English is the default text set.
var English = Texts{
	Connecting:     "I'm connecting you with a person from %[1]s. You are number %[2]d in the queue; the expected wait is %[3]s.",
	ConnectingBusy: "I'm connecting you with a person from %[1]s. You are number %[2]d in the queue; everyone is busy right now, so I can't say how long it will take yet.",
	WaitUpdate:     "An update: you are number %[1]d in the queue; the expected wait is now %[2]s.",
	WaitUpdateBusy: "An update: you are number %[1]d in the queue. Everyone is busy right now; thank you for your patience.",
	WaitSoon:       "less than a minute",
	WaitMinute:     "about a minute",
	WaitMinutes:    "about %d minutes",
	WaitHour:       "about an hour",
	WaitHours:      "about %d hours",

	AskDetail:      "Could you tell me your %s?",
	AskEmail:       "So the team can reach you, what is your email address?",
	AskPhone:       "What phone number can the team call you on?",
	AskDate:        "Which date is it about? (for example 2026-03-31)",
	AskOrderNumber: "What is your order number? You'll find it in your order confirmation.",
	InvalidDetail:  "That doesn't look right. %s",
	DetailsSkipped: "No problem, I'll pass on what I have.",
	CancelWords:    []string{"cancel", "stop", "skip"},

	TicketCreated:   "Nobody from %s can answer live right now. I've created a ticket and the team will get back to you.",
	TicketNextOpen:  "%[1]s is closed right now. I've created a ticket; the team opens %[2]s and will get back to you then.",
	OpeningToday:    "today at %s",
	OpeningTomorrow: "tomorrow at %s",
	OpeningWeekday:  "on %[1]s at %[2]s",
	OpeningDate:     "on %[1]s %[2]d %[3]s at %[4]s",
	Weekdays:        [7]string{"Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"},
	Months: [12]string{"January", "February", "March", "April", "May", "June", "July", "August", "September",
		"October", "November", "December"},

	AgentJoined:   "%s has joined the conversation.",
	Returned:      "You're back with the assistant. Is there anything else I can help you with?",
	TimedOut:      "This conversation went quiet, so you're back with the assistant. Write again any time if you need a person.",
	SurveyAsk:     "How would you rate the help you got, from 1 (poor) to 5 (excellent)?",
	SurveyComment: "Thank you! Is there anything you'd like to add?",
	SurveyThanks:  "Thank you for your feedback!",
	SurveySkip:    "No, thanks",
	Transferred:   "I'm passing you on to %s.",
	AgentLeft:     "%[1]s had to leave. I'm finding you someone else from %[2]s.",
}

// TextsFor returns the shipped texts for a locale's language, English when
// Baton does not speak it.
func TextsFor(locale string) *Texts {
	lang := baton.Language(locale)
	if lang == "iw" { // the older code for Hebrew, still sent by some clients
		lang = "he"
	}
	if t, ok := shipped[lang]; ok {
		return t
	}
	return &English
}

// Opening renders an opening time the way a customer reads it: "today at
// 09:00", "tomorrow at 09:00", "on Monday at 09:00", or with the date when
// it is a week or more away, in the zone of at.
func (t *Texts) Opening(now, at time.Time) string {
	now = now.In(at.Location())
	day := func(t time.Time) time.Time { y, m, d := t.Date(); return time.Date(y, m, d, 0, 0, 0, 0, t.Location()) }
	clock := at.Format("15:04")
	switch days := int(day(at).Sub(day(now)).Hours()/24 + 0.5); {
	case days <= 0:
		return sprintf(t.OpeningToday, clock)
	case days == 1:
		return sprintf(t.OpeningTomorrow, clock)
	case days < 7:
		return sprintf(t.OpeningWeekday, t.Weekdays[at.Weekday()], clock)
	default:
		return sprintf(t.OpeningDate, t.Weekdays[at.Weekday()], at.Day(), t.Months[at.Month()-1], clock)
	}
}

// Wait renders an expected wait: "less than a minute", "about 5 minutes".
// Minutes are rounded up, so the customer is not promised too little.
func (t *Texts) Wait(d time.Duration) string {
	minutes := int((d + time.Minute - 1) / time.Minute)
	switch {
	case d < time.Minute:
		return t.WaitSoon
	case minutes <= 1:
		return t.WaitMinute
	case minutes < 60:
		return sprintf(t.WaitMinutes, minutes)
	case minutes < 90:
		return t.WaitHour
	default:
		return sprintf(t.WaitHours, (minutes+30)/60)
	}
}

// isCancel reports whether the whole message is one of the cancel words.
func (t *Texts) isCancel(text string) bool {
	text = strings.ToLower(strings.Trim(strings.TrimSpace(text), ".!"))
	for _, w := range t.CancelWords {
		if strings.EqualFold(text, w) {
			return true
		}
	}
	for _, w := range English.CancelWords {
		if text == w {
			return true
		}
	}
	return false
}

func sprintf(format string, args ...any) string {
	if format == "" {
		return ""
	}
	return strings.TrimSpace(fmt.Sprintf(format, args...))
}
