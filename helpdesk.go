package baton

import (
	"cmp"
	"maps"
	"net/mail"
	"slices"
	"strconv"
	"strings"
	"time"
)

// What a mirrored ticket says, the same in every helpdesk. Plain text or
// HTML is each adapter's own.

const (
	maxTicketSubject     = 150     // characters
	maxTicketDetail      = 500     // bytes of one detail's value
	maxTranscriptMessage = 4 << 10 // bytes of one message
)

// ticketTime is how a ticket dates things: agents of one helpdesk sit in
// many time zones, so it says UTC.
const ticketTime = "2006-01-02 15:04 UTC"

// CustomerName is the customer's name on one line, else "Customer".
func (t *HelpdeskTicket) CustomerName() string {
	return cmp.Or(oneLine(t.Customer.Name), "Customer")
}

// Subject is the ticket's subject, else the summary's first line, else
// one naming the customer; on one line, at most 150 characters.
func (t *HelpdeskTicket) Subject() string {
	var s string
	if t.Ticket != nil {
		s = strings.TrimSpace(t.Ticket.Subject)
	}
	if s == "" {
		s, _, _ = strings.Cut(strings.TrimSpace(t.Summary), "\n")
	}
	if s = oneLine(s); s == "" {
		s = "Conversation with " + t.CustomerName()
	}
	return capRunes(s, maxTicketSubject)
}

// SummaryExcerpt is the handoff summary, trimmed and cut to maxBytes; ""
// when there is none.
func (t *HelpdeskTicket) SummaryExcerpt(maxBytes int) string {
	return cutBytes(strings.TrimSpace(t.Summary), maxBytes)
}

// RequesterEmail is the customer's email if a helpdesk will take it for
// the ticket's requester: a bare address with a dot in its domain. One it
// refuses would refuse the whole ticket, for good; "" then.
func (t *HelpdeskTicket) RequesterEmail() string {
	s := strings.TrimSpace(t.Customer.Email)
	a, err := mail.ParseAddress(s)
	if err != nil || a.Address != s || !strings.Contains(s[strings.LastIndex(s, "@"):], ".") {
		return ""
	}
	return s
}

// Facts are who asked and where, for an agent who opens the ticket cold:
// the customer (name, email, phone), the channel, the department, when an
// answer was promised and Baton's ticket ID, each when known.
func (t *HelpdeskTicket) Facts() []Fact {
	who := []string{t.CustomerName()}
	for _, s := range []string{t.Customer.Email, t.Customer.Phone} {
		if s = oneLine(s); s != "" {
			who = append(who, s)
		}
	}
	facts := []Fact{{"Customer", strings.Join(who, ", ")}}
	if t.Channel != "" {
		facts = append(facts, Fact{"Channel", string(t.Channel)})
	}
	tk := t.Ticket
	if tk == nil {
		return facts
	}
	if tk.Department != "" {
		facts = append(facts, Fact{"Department", tk.Department})
	}
	if tk.ExpectedBy != nil {
		facts = append(facts, Fact{"Answer promised by", tk.ExpectedBy.UTC().Format(ticketTime)})
	}
	if tk.ID != "" {
		facts = append(facts, Fact{"Baton ticket", tk.ID})
	}
	return facts
}

// Details are what the bot collected, by name in order, each value on one
// line and cut to 500 bytes.
func (t *HelpdeskTicket) Details() []Fact {
	if t.Ticket == nil {
		return nil
	}
	var facts []Fact
	for _, k := range slices.Sorted(maps.Keys(t.Ticket.Details)) {
		facts = append(facts, Fact{k, cutBytes(oneLine(t.Ticket.Details[k]), maxTicketDetail)})
	}
	return facts
}

// TranscriptLine is one message of a ticket's transcript.
type TranscriptLine struct {
	At time.Time // in UTC; zero when unknown
	// Author is AuthorSystem for any author Baton does not know.
	Author Author
	// Name is who wrote it, as a transcript shows them: the customer's
	// name, "Bot", "Agent" or "System".
	Name string
	// Text is trimmed, its line breaks "\n", at most 4 KB.
	Text string
}

// Day is the date of the line, "2006-01-02" in UTC, under which a
// transcript groups its lines; "" when unknown.
func (l TranscriptLine) Day() string {
	if l.At.IsZero() {
		return ""
	}
	return l.At.Format("2006-01-02")
}

// Stamp starts the line in a transcript with its time, "[15:04] " in UTC;
// "" when unknown.
func (l TranscriptLine) Stamp() string {
	if l.At.IsZero() {
		return ""
	}
	return l.At.Format("[15:04] ")
}

// OmittedNote says that a transcript leaves out its n oldest messages:
// "3 earlier messages left out".
func OmittedNote(n int) string {
	if n == 1 {
		return "1 earlier message left out"
	}
	return strconv.Itoa(n) + " earlier messages left out"
}

// TranscriptLines are the messages the customer saw, oldest first: the
// newest whose sizes add up to at most budget, as size measures each (a
// helpdesk measures what it renders of a line); omitted counts the older
// ones left out. Private messages are never in it, even if the caller
// passed them, nor are messages without text (a tapped button that sent
// only a payload).
func (t *HelpdeskTicket) TranscriptLines(budget int, size func(TranscriptLine) int) (lines []TranscriptLine, omitted int) {
	for _, m := range t.Transcript {
		text := strings.TrimSpace(strings.ReplaceAll(m.Text, "\r\n", "\n"))
		if m.Private || text == "" {
			continue
		}
		l := TranscriptLine{Author: m.Author, Text: cutBytes(text, maxTranscriptMessage)}
		if !m.CreatedAt.IsZero() {
			l.At = m.CreatedAt.UTC()
		}
		switch m.Author {
		case AuthorCustomer:
			l.Name = t.CustomerName()
		case AuthorBot:
			l.Name = "Bot"
		case AuthorAgent:
			l.Name = "Agent"
		default:
			l.Author, l.Name = AuthorSystem, "System"
		}
		lines = append(lines, l)
	}
	kept, used := 0, 0
	for i := len(lines) - 1; i >= 0; i-- {
		n := size(lines[i])
		if used+n > budget {
			break
		}
		used += n
		kept++
	}
	return lines[len(lines)-kept:], len(lines) - kept
}

// Headline says what happened, for a note in the helpdesk: who did it
// and what they did, dated when the time is known, like "Sam" and
// "answered the customer in Baton (2025-03-14 09:12 UTC)". Both are ""
// for a kind of update Baton does not know.
func (u *TicketUpdate) Headline() (who, did string) {
	var at string
	if !u.At.IsZero() {
		at = " (" + u.At.UTC().Format(ticketTime) + ")"
	}
	switch u.Kind {
	case TicketAgentReplied:
		return cmp.Or(strings.TrimSpace(u.Author), "An agent"), "answered the customer in Baton" + at
	case TicketResolved:
		return "The conversation", "was resolved in Baton" + at
	}
	return "", ""
}

// TextExcerpt is the update's text, trimmed and cut to maxBytes.
func (u *TicketUpdate) TextExcerpt(maxBytes int) string {
	return cutBytes(strings.TrimSpace(u.Text), maxBytes)
}

// cutBytes cuts s to at most n bytes at a character boundary, marking the
// cut: helpdesks limit sizes in bytes.
func cutBytes(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return strings.ToValidUTF8(s[:n-len("…")], "") + "…"
}
