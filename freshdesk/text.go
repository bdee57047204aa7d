package freshdesk

import (
	"html"
	"net/url"
	"strings"

	"github.com/batonhq/baton"
)

// Limits of what a ticket carries; a long conversation keeps its newest
// messages.
const (
	maxDescription = 60 << 10 // bytes of HTML
	maxSummary     = 8 << 10  // bytes
)

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
	if s := t.SummaryExcerpt(maxSummary); s != "" {
		head.WriteString("<p>" + text(s) + "</p>\n")
	}
	var facts []string
	for _, f := range t.Facts() {
		facts = append(facts, f.Label+": "+text(f.Value))
	}
	head.WriteString("<p>" + strings.Join(facts, "<br>") + "</p>\n")
	if details := t.Details(); len(details) > 0 {
		head.WriteString("<p><strong>Details</strong></p>\n<ul>\n")
		for _, d := range details {
			head.WriteString("<li>" + text(d.Label) + ": " + text(d.Value) + "</li>\n")
		}
		head.WriteString("</ul>\n")
	}
	var foot string
	if u, err := url.Parse(t.URL); err == nil && (u.Scheme == "https" || u.Scheme == "http") && u.Host != "" {
		foot = `<p><a href="` + html.EscapeString(t.URL) + `">Open the conversation in Baton</a></p>` + "\n"
	}

	// Keep the newest messages that fit; the note on the left-out ones
	// and the day paragraphs take at most this much.
	budget := maxDescription - head.Len() - len(foot) - 300
	lines, left := t.TranscriptLines(budget, func(l baton.TranscriptLine) int {
		return len(line(l)) + len("<br>\n") + len("</p>\n<p><em>2006-01-02</em><br>\n")
	})
	var b strings.Builder
	b.WriteString(head.String())
	if len(lines)+left > 0 {
		b.WriteString("<p><strong>Conversation</strong> (times in UTC)")
		if left > 0 {
			b.WriteString("<br>(" + baton.OmittedNote(left) + ")")
		}
		b.WriteString("</p>\n<p>")
		day, first := "", true
		for _, l := range lines {
			if d := l.Day(); d != "" && d != day {
				if !first {
					b.WriteString("</p>\n<p>")
				}
				b.WriteString("<em>" + d + "</em><br>\n")
				day = d
			}
			b.WriteString(line(l) + "<br>\n")
			first = false
		}
		b.WriteString("</p>\n")
	}
	b.WriteString(foot)
	return strings.TrimSpace(b.String())
}

// line is one message of the transcript: "[15:04] <strong>Dana</strong>: text".
func line(l baton.TranscriptLine) string {
	return l.Stamp() + "<strong>" + text(l.Name) + "</strong>: " + text(l.Text)
}
