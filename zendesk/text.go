package zendesk

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/batonhq/baton"
)

// Limits of what a ticket carries. Zendesk takes about 64 KB in one
// comment; a long conversation keeps its newest messages.
const (
	maxDescription = 60 << 10 // bytes
	maxSubject     = 150      // characters
	maxMessage     = 4 << 10  // bytes of one message in the transcript
	maxSummary     = 8 << 10  // bytes
	maxDetail      = 500      // bytes of one detail
)

// subject is the ticket's subject, else the summary's first line, else a
// subject naming the customer.
func subject(t *baton.HelpdeskTicket) string {
	s := strings.TrimSpace(t.Ticket.Subject)
	if s == "" {
		s, _, _ = strings.Cut(strings.TrimSpace(t.Summary), "\n")
	}
	if s = clean(s); s == "" {
		s = "Conversation with " + customerName(t.Customer)
	}
	return truncate(s, maxSubject)
}

func customerName(c baton.Contact) string {
	if n := clean(c.Name); n != "" {
		return n
	}
	return "Customer"
}

// description is the ticket's first comment, for an agent who opens it
// cold: the summary, who and where, the details the bot collected, the
// conversation, and the way back to it in Baton.
func description(t *baton.HelpdeskTicket) string {
	var head strings.Builder
	if s := strings.TrimSpace(t.Summary); s != "" {
		head.WriteString(cutBytes(s, maxSummary) + "\n\n")
	}
	who := []string{customerName(t.Customer)}
	who = appendNonEmpty(who, t.Customer.Email, t.Customer.Phone)
	fmt.Fprintf(&head, "Customer: %s\n", strings.Join(who, ", "))
	if t.Channel != "" {
		fmt.Fprintf(&head, "Channel: %s\n", t.Channel)
	}
	if d := t.Ticket.Department; d != "" {
		fmt.Fprintf(&head, "Department: %s\n", d)
	}
	if e := t.Ticket.ExpectedBy; e != nil {
		fmt.Fprintf(&head, "Answer promised by: %s\n", e.UTC().Format("2006-01-02 15:04 UTC"))
	}
	if t.Ticket.ID != "" {
		fmt.Fprintf(&head, "Baton ticket: %s\n", t.Ticket.ID)
	}
	if len(t.Ticket.Details) > 0 {
		head.WriteString("\nDetails:\n")
		keys := make([]string, 0, len(t.Ticket.Details))
		for k := range t.Ticket.Details {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			fmt.Fprintf(&head, "- %s: %s\n", k, cutBytes(clean(t.Ticket.Details[k]), maxDetail))
		}
	}
	var foot string
	if t.URL != "" {
		foot = "\nOpen the conversation in Baton: " + t.URL + "\n"
	}

	lines := transcript(t)
	// Keep the newest messages that fit; the note on the left-out ones
	// and the day headings take at most this much.
	budget := maxDescription - head.Len() - len(foot) - 200
	kept, used := 0, 0
	for i := len(lines) - 1; i >= 0; i-- {
		n := len(lines[i].text) + 1 + 14 // a day heading, at worst
		if used+n > budget {
			break
		}
		used += n
		kept++
	}
	var b strings.Builder
	b.WriteString(head.String())
	if len(lines) > 0 {
		b.WriteString("\nConversation (times in UTC):\n")
		if left := len(lines) - kept; left > 0 {
			fmt.Fprintf(&b, "(%d earlier %s left out)\n", left, plural(left, "message", "messages"))
		}
		day := ""
		for _, l := range lines[len(lines)-kept:] {
			if l.day != day && l.day != "" {
				fmt.Fprintf(&b, "%s\n", l.day)
				day = l.day
			}
			b.WriteString(l.text + "\n")
		}
	}
	b.WriteString(foot)
	return strings.TrimSpace(b.String())
}

// line is one message of the transcript: "[15:04] Dana: text".
type line struct{ day, text string }

// transcript renders what the customer saw, oldest first. Private
// entries are left out even if the caller passed them, and so are entries
// with no text (a tapped button that sent only a payload).
func transcript(t *baton.HelpdeskTicket) []line {
	var lines []line
	for _, m := range t.Transcript {
		text := strings.TrimSpace(strings.ReplaceAll(m.Text, "\r\n", "\n"))
		if m.Private || text == "" {
			continue
		}
		var l line
		if !m.CreatedAt.IsZero() {
			at := m.CreatedAt.UTC()
			l.day = at.Format("2006-01-02")
			l.text = at.Format("[15:04] ")
		}
		l.text += author(m.Author, t.Customer) + ": " + cutBytes(text, maxMessage)
		lines = append(lines, l)
	}
	return lines
}

func author(a baton.Author, c baton.Contact) string {
	switch a {
	case baton.AuthorCustomer:
		return customerName(c)
	case baton.AuthorBot:
		return "Bot"
	case baton.AuthorAgent:
		return "Agent"
	}
	return "System"
}

// cutBytes cuts s to at most n bytes at a character boundary, marking the cut.
func cutBytes(s string, n int) string {
	if len(s) <= n {
		return s
	}
	s = strings.ToValidUTF8(s[:n-len("…")], "")
	return s + "…"
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// stamp is a time as a note shows it.
func stamp(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return " (" + t.UTC().Format("2006-01-02 15:04 UTC") + ")"
}
