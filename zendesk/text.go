package zendesk

import (
	"fmt"
	"strings"

	"github.com/batonhq/baton"
)

// Limits of what a ticket carries. Zendesk takes about 64 KB in one
// comment; a long conversation keeps its newest messages.
const (
	maxDescription = 60 << 10 // bytes
	maxSummary     = 8 << 10  // bytes
)

// description is the ticket's first comment, for an agent who opens it
// cold: the summary, who and where, the details the bot collected, the
// conversation, and the way back to it in Baton.
func description(t *baton.HelpdeskTicket) string {
	var head strings.Builder
	if s := t.SummaryExcerpt(maxSummary); s != "" {
		head.WriteString(s + "\n\n")
	}
	for _, f := range t.Facts() {
		fmt.Fprintf(&head, "%s: %s\n", f.Label, f.Value)
	}
	if details := t.Details(); len(details) > 0 {
		head.WriteString("\nDetails:\n")
		for _, d := range details {
			fmt.Fprintf(&head, "- %s: %s\n", d.Label, d.Value)
		}
	}
	var foot string
	if t.URL != "" {
		foot = "\nOpen the conversation in Baton: " + t.URL + "\n"
	}

	// Keep the newest messages that fit; the note on the left-out ones
	// and the day headings take at most this much.
	budget := maxDescription - head.Len() - len(foot) - 200
	lines, left := t.TranscriptLines(budget, func(l baton.TranscriptLine) int {
		return len(line(l)) + 1 + 14 // a day heading, at worst
	})
	var b strings.Builder
	b.WriteString(head.String())
	if len(lines)+left > 0 {
		b.WriteString("\nConversation (times in UTC):\n")
		if left > 0 {
			b.WriteString("(" + baton.OmittedNote(left) + ")\n")
		}
		day := ""
		for _, l := range lines {
			if d := l.Day(); d != "" && d != day {
				b.WriteString(d + "\n")
				day = d
			}
			b.WriteString(line(l) + "\n")
		}
	}
	b.WriteString(foot)
	return strings.TrimSpace(b.String())
}

// line is one message of the transcript: "[15:04] Dana: text".
func line(l baton.TranscriptLine) string { return l.Stamp() + l.Name + ": " + l.Text }
