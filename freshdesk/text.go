package freshdesk

import (
	"fmt"
	"html"
	"net/url"
	"sort"
	"strings"
	"time"

	"github.com/batonhq/baton"
)

// Limits of what a ticket carries; a long conversation keeps its newest
// messages.
const (
	maxDescription = 60 << 10 // bytes of HTML
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

// text is plain text as HTML: escaped, its line breaks kept. Freshdesk
// takes descriptions and notes as HTML, so a customer's "<script>" must
// arrive as text.
func text(s string) string {
	s = strings.ReplaceAll(strings.TrimSpace(s), "\r\n", "\n")
	return strings.ReplaceAll(html.EscapeString(s), "\n", "<br>")
}

// description is the ticket's description, for an agent who opens it
// cold: the summary, who and where, the details the bot collected, the
// conversation, and the way back to it in Baton.
func description(t *baton.HelpdeskTicket) string {
	var head strings.Builder
	if s := strings.TrimSpace(t.Summary); s != "" {
		head.WriteString("<p>" + text(cutBytes(s, maxSummary)) + "</p>\n")
	}
	who := []string{customerName(t.Customer)}
	for _, s := range []string{t.Customer.Email, t.Customer.Phone} {
		if s = clean(s); s != "" {
			who = append(who, s)
		}
	}
	facts := []string{"Customer: " + text(strings.Join(who, ", "))}
	if t.Channel != "" {
		facts = append(facts, "Channel: "+text(string(t.Channel)))
	}
	if d := t.Ticket.Department; d != "" {
		facts = append(facts, "Department: "+text(d))
	}
	if e := t.Ticket.ExpectedBy; e != nil {
		facts = append(facts, "Answer promised by: "+e.UTC().Format("2006-01-02 15:04 UTC"))
	}
	if t.Ticket.ID != "" {
		facts = append(facts, "Baton ticket: "+text(t.Ticket.ID))
	}
	head.WriteString("<p>" + strings.Join(facts, "<br>") + "</p>\n")
	if len(t.Ticket.Details) > 0 {
		keys := make([]string, 0, len(t.Ticket.Details))
		for k := range t.Ticket.Details {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		head.WriteString("<p><strong>Details</strong></p>\n<ul>\n")
		for _, k := range keys {
			head.WriteString("<li>" + text(k) + ": " + text(cutBytes(clean(t.Ticket.Details[k]), maxDetail)) + "</li>\n")
		}
		head.WriteString("</ul>\n")
	}
	var foot string
	if u, err := url.Parse(t.URL); err == nil && (u.Scheme == "https" || u.Scheme == "http") && u.Host != "" {
		foot = `<p><a href="` + html.EscapeString(t.URL) + `">Open the conversation in Baton</a></p>` + "\n"
	}

	lines := transcript(t)
	// Keep the newest messages that fit; the note on the left-out ones
	// and the day paragraphs take at most this much.
	budget := maxDescription - head.Len() - len(foot) - 300
	kept, used := 0, 0
	for i := len(lines) - 1; i >= 0; i-- {
		n := len(lines[i].html) + len("<br>\n") + len("</p>\n<p><em>2006-01-02</em><br>\n")
		if used+n > budget {
			break
		}
		used += n
		kept++
	}
	var b strings.Builder
	b.WriteString(head.String())
	if len(lines) > 0 {
		b.WriteString("<p><strong>Conversation</strong> (times in UTC)")
		if left := len(lines) - kept; left > 0 {
			fmt.Fprintf(&b, "<br>(%d earlier %s left out)", left, plural(left, "message", "messages"))
		}
		b.WriteString("</p>\n<p>")
		day, first := "", true
		for _, l := range lines[len(lines)-kept:] {
			if l.day != day && l.day != "" {
				if !first {
					b.WriteString("</p>\n<p>")
				}
				b.WriteString("<em>" + l.day + "</em><br>\n")
				day = l.day
			}
			b.WriteString(l.html + "<br>\n")
			first = false
		}
		b.WriteString("</p>\n")
	}
	b.WriteString(foot)
	return strings.TrimSpace(b.String())
}

// line is one message of the transcript: "[15:04] <strong>Dana</strong>: text".
type line struct{ day, html string }

// transcript renders what the customer saw, oldest first. Private
// entries are left out even if the caller passed them, and so are entries
// with no text (a tapped button that sent only a payload).
func transcript(t *baton.HelpdeskTicket) []line {
	var lines []line
	for _, m := range t.Transcript {
		if m.Private || strings.TrimSpace(m.Text) == "" {
			continue
		}
		var l line
		if !m.CreatedAt.IsZero() {
			at := m.CreatedAt.UTC()
			l.day = at.Format("2006-01-02")
			l.html = at.Format("[15:04] ")
		}
		l.html += "<strong>" + text(author(m.Author, t.Customer)) + "</strong>: " + text(cutBytes(m.Text, maxMessage))
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
	return strings.ToValidUTF8(s[:n-len("…")], "") + "…"
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
