package baton_test

import (
	"reflect"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/batonhq/baton"
)

var israel = time.FixedZone("IST", 2*60*60)

// helpdeskTicket is Dana's billing question, asked on WhatsApp at night.
func helpdeskTicket() *baton.HelpdeskTicket {
	expected := time.Date(2025, 3, 14, 11, 0, 0, 0, israel)
	t0 := time.Date(2025, 3, 14, 1, 58, 0, 0, israel)
	return &baton.HelpdeskTicket{
		Ticket: &baton.Ticket{
			ID: "t_1", ConversationID: "c_1", Department: "billing", Priority: baton.PriorityHigh,
			Subject: "Charged twice for order 4821", ExpectedBy: &expected,
			Details: map[string]string{"order_number": "4821", "amount": "₪120\n& tax"},
		},
		Customer: baton.Contact{Name: "דנה לוי", Email: " dana@example.com ", Phone: "+972501234567"},
		Channel:  baton.ChannelWhatsApp,
		Summary:  "The customer was charged twice.\nThey want a refund.",
		Transcript: []baton.Message{
			{Author: baton.AuthorCustomer, Text: "חויבתי פעמיים", CreatedAt: t0},
			{Author: baton.AuthorBot, Text: " What is your order number?\r\n", CreatedAt: t0.Add(time.Minute)},
			{Author: baton.AuthorCustomer, Payload: "order:4821", CreatedAt: t0.Add(90 * time.Second)},
			{Author: baton.AuthorAgent, Text: "note: check the gateway", Private: true, CreatedAt: t0.Add(100 * time.Second)},
			{Author: baton.AuthorAgent, Text: "Looking\r\ninto it", CreatedAt: t0.Add(2 * time.Minute)},
			{Author: "robot", Text: "Our team is offline."},
		},
	}
}

func TestHelpdeskTicketSubject(t *testing.T) {
	tests := []struct {
		name string
		edit func(*baton.HelpdeskTicket)
		want string
	}{
		{"the ticket's", func(*baton.HelpdeskTicket) {}, "Charged twice for order 4821"},
		{"on one line", func(h *baton.HelpdeskTicket) { h.Ticket.Subject = " Charged\ttwice \r\n again " }, "Charged twice again"},
		{"the summary's first line", func(h *baton.HelpdeskTicket) { h.Ticket.Subject = " " }, "The customer was charged twice."},
		{"after the summary's blank lines", func(h *baton.HelpdeskTicket) {
			h.Ticket.Subject, h.Summary = "", "\n\n  Refund  please \r\nmore"
		}, "Refund please"},
		{"the customer's name", func(h *baton.HelpdeskTicket) { h.Ticket.Subject, h.Summary = "", "" }, "Conversation with דנה לוי"},
		{"nobody known", func(h *baton.HelpdeskTicket) {
			h.Ticket.Subject, h.Summary, h.Customer = "", "", baton.Contact{Email: "dana@example.com"}
		}, "Conversation with Customer"},
		{"no ticket", func(h *baton.HelpdeskTicket) { h.Ticket = nil }, "The customer was charged twice."},
		{"capped", func(h *baton.HelpdeskTicket) { h.Ticket.Subject = strings.Repeat("א", 400) }, strings.Repeat("א", 149) + "…"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := helpdeskTicket()
			tt.edit(h)
			if got := h.Subject(); got != tt.want {
				t.Errorf("Subject %q, want %q", got, tt.want)
			}
		})
	}
}

func TestHelpdeskTicketFacts(t *testing.T) {
	want := []baton.Fact{
		{Label: "Customer", Value: "דנה לוי, dana@example.com, +972501234567"},
		{Label: "Channel", Value: "whatsapp"},
		{Label: "Department", Value: "billing"},
		{Label: "Answer promised by", Value: "2025-03-14 09:00 UTC"},
		{Label: "Baton ticket", Value: "t_1"},
	}
	if got := helpdeskTicket().Facts(); !reflect.DeepEqual(got, want) {
		t.Errorf("Facts\n%q\nwant\n%q", got, want)
	}
	bare := &baton.HelpdeskTicket{Ticket: &baton.Ticket{}, Customer: baton.Contact{Phone: "+97250\n1234567"}}
	want = []baton.Fact{{Label: "Customer", Value: "Customer, +97250 1234567"}}
	if got := bare.Facts(); !reflect.DeepEqual(got, want) {
		t.Errorf("Facts of a bare ticket %q, want %q", got, want)
	}
}

func TestHelpdeskTicketDetails(t *testing.T) {
	h := helpdeskTicket()
	h.Ticket.Details["note"] = strings.Repeat("ש", 300) // 600 bytes
	got := h.Details()
	var labels []string
	for _, d := range got {
		labels = append(labels, d.Label)
	}
	if want := []string{"amount", "note", "order_number"}; !reflect.DeepEqual(labels, want) {
		t.Errorf("details %q, want them in name order %q", labels, want)
	}
	if got[0].Value != "₪120 & tax" {
		t.Errorf("amount %q, want it on one line", got[0].Value)
	}
	if note := got[1].Value; len(note) > 500 || !utf8.ValidString(note) || !strings.HasSuffix(note, "…") {
		t.Errorf("a long detail of %d bytes, valid UTF-8 %v: want at most 500 ending with …", len(note), utf8.ValidString(note))
	}
	if got := (&baton.HelpdeskTicket{Ticket: &baton.Ticket{}}).Details(); len(got) != 0 {
		t.Errorf("details %q of a ticket without any", got)
	}
}

func TestHelpdeskTicketRequesterEmail(t *testing.T) {
	for email, want := range map[string]string{
		" dana@example.com ":      "dana@example.com",
		"dana@mail.example.com":   "dana@mail.example.com",
		"":                        "",
		"dana@example":            "",
		"dana at example.com":     "",
		"Dana <dana@example.com>": "",
		"dana@example.com, x@y.z": "",
	} {
		h := &baton.HelpdeskTicket{Customer: baton.Contact{Email: email}}
		if got := h.RequesterEmail(); got != want {
			t.Errorf("RequesterEmail of %q: %q, want %q", email, got, want)
		}
	}
}

func TestHelpdeskTicketTranscriptLines(t *testing.T) {
	at := func(hour, min int) time.Time { return time.Date(2025, 3, 13, hour, min, 0, 0, time.UTC) }
	all := []baton.TranscriptLine{
		{At: at(23, 58), Author: baton.AuthorCustomer, Name: "דנה לוי", Text: "חויבתי פעמיים"},
		{At: at(23, 59), Author: baton.AuthorBot, Name: "Bot", Text: "What is your order number?"},
		{At: at(24, 0), Author: baton.AuthorAgent, Name: "Agent", Text: "Looking\ninto it"},
		{Author: baton.AuthorSystem, Name: "System", Text: "Our team is offline."},
	}
	textSize := func(l baton.TranscriptLine) int { return len(l.Text) }
	tests := []struct {
		name    string
		budget  int
		size    func(baton.TranscriptLine) int
		want    []baton.TranscriptLine
		omitted int
	}{
		{"all fit", 1 << 20, textSize, all, 0},
		{"exactly fits", len(all[1].Text) + len(all[2].Text) + len(all[3].Text), textSize, all[1:], 1},
		{"one byte short", len(all[1].Text) + len(all[2].Text) + len(all[3].Text) - 1, textSize, all[2:], 2},
		{"sizes as the helpdesk measures", 3, func(baton.TranscriptLine) int { return 1 }, all[1:], 1},
		{"none fit", 0, textSize, all[4:], 4},
		{"the newest does not fit", len(all[3].Text) - 1, textSize, all[4:], 4},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			lines, omitted := helpdeskTicket().TranscriptLines(tt.budget, tt.size)
			if !reflect.DeepEqual(lines, tt.want) || omitted != tt.omitted {
				t.Errorf("lines\n%+v\nomitted %d; want\n%+v\nomitted %d", lines, omitted, tt.want, tt.omitted)
			}
		})
	}

	h := &baton.HelpdeskTicket{Transcript: []baton.Message{{Author: baton.AuthorCustomer, Text: strings.Repeat("ש", 3000)}}}
	lines, _ := h.TranscriptLines(1<<20, textSize)
	if len(lines) != 1 || len(lines[0].Text) > 4<<10 || !utf8.ValidString(lines[0].Text) || !strings.HasSuffix(lines[0].Text, "…") {
		t.Errorf("a 6 KB message: %d lines, the first of %d bytes; want one of at most 4 KB ending with …", len(lines), len(lines[0].Text))
	}
	if lines[0].Name != "Customer" {
		t.Errorf("an unnamed customer is %q, want Customer", lines[0].Name)
	}
}

func TestTranscriptLineTime(t *testing.T) {
	l := baton.TranscriptLine{At: time.Date(2025, 3, 13, 23, 58, 0, 0, time.UTC)}
	if l.Day() != "2025-03-13" || l.Stamp() != "[23:58] " {
		t.Errorf("Day %q, Stamp %q", l.Day(), l.Stamp())
	}
	if l := (baton.TranscriptLine{}); l.Day() != "" || l.Stamp() != "" {
		t.Errorf("a line without a time: Day %q, Stamp %q", l.Day(), l.Stamp())
	}
	for n, want := range map[int]string{1: "1 earlier message left out", 2: "2 earlier messages left out", 399: "399 earlier messages left out"} {
		if got := baton.OmittedNote(n); got != want {
			t.Errorf("OmittedNote(%d) = %q, want %q", n, got, want)
		}
	}
}

func TestTicketUpdate(t *testing.T) {
	at := time.Date(2025, 3, 14, 11, 12, 0, 0, israel)
	tests := []struct {
		u        baton.TicketUpdate
		who, did string
	}{
		{baton.TicketUpdate{Kind: baton.TicketAgentReplied, Author: " Sam ", At: at}, "Sam", "answered the customer in Baton (2025-03-14 09:12 UTC)"},
		{baton.TicketUpdate{Kind: baton.TicketAgentReplied}, "An agent", "answered the customer in Baton"},
		{baton.TicketUpdate{Kind: baton.TicketResolved, At: at}, "The conversation", "was resolved in Baton (2025-03-14 09:12 UTC)"},
		{baton.TicketUpdate{Kind: "reopened", Author: "Sam", At: at}, "", ""},
	}
	for _, tt := range tests {
		if who, did := tt.u.Headline(); who != tt.who || did != tt.did {
			t.Errorf("%s: Headline %q, %q; want %q, %q", tt.u.Kind, who, did, tt.who, tt.did)
		}
	}
	u := baton.TicketUpdate{Text: "\n We refunded ₪120. \n"}
	if got := u.TextExcerpt(100); got != "We refunded ₪120." {
		t.Errorf("TextExcerpt %q", got)
	}
	if got := u.TextExcerpt(14); got != "We refunded…" || len(got) > 14 {
		t.Errorf("TextExcerpt cut to 14 bytes: %q", got)
	}
}
