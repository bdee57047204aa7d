package helpdeskhook

import (
	"strings"
	"time"

	"github.com/batonhq/baton"
)

// maxTranscript bounds the bytes of message text one event carries, all
// together; a long conversation keeps its newest messages, and
// transcript_omitted counts the others.
const maxTranscript = 60 << 10

// The events, as doc.go documents them. Every key is always present, so a
// Zap or an n8n workflow can map it from the first sample.

type createdPayload struct {
	Type              string       `json:"type"` // "ticket.created"
	Ticket            *ticketJSON  `json:"ticket"`
	Customer          customerJSON `json:"customer"`
	Channel           string       `json:"channel"`
	Locale            string       `json:"locale"`
	Summary           string       `json:"summary"`
	Transcript        []entryJSON  `json:"transcript"`
	TranscriptText    string       `json:"transcript_text"`
	TranscriptOmitted int          `json:"transcript_omitted"`
	URL               string       `json:"url"`
}

type updatedPayload struct {
	Type       string      `json:"type"` // "ticket.updated"
	Kind       string      `json:"kind"` // "agent_replied", "resolved"
	ExternalID string      `json:"external_id"`
	Ticket     *ticketJSON `json:"ticket"`
	Author     string      `json:"author"`
	Text       string      `json:"text"`
	At         *time.Time  `json:"at"`
}

type ticketJSON struct {
	ID             string            `json:"id"`
	ConversationID string            `json:"conversation_id"`
	Subject        string            `json:"subject"`
	Department     string            `json:"department"`
	Priority       string            `json:"priority"`
	Trigger        string            `json:"trigger"`
	Details        map[string]string `json:"details"`
	Status         string            `json:"status"`
	CreatedAt      *time.Time        `json:"created_at"`
	ExpectedBy     *time.Time        `json:"expected_by"`
}

type customerJSON struct {
	Name  string `json:"name"`
	Email string `json:"email"`
	Phone string `json:"phone"`
}

type entryJSON struct {
	Author string     `json:"author"` // customer, bot, agent, system
	Name   string     `json:"name"`   // as the transcript shows it
	Text   string     `json:"text"`
	At     *time.Time `json:"at"`
}

func createdEvent(t *baton.HelpdeskTicket) createdPayload {
	p := createdPayload{
		Type:   "ticket.created",
		Ticket: ticketOf(t.Ticket),
		Customer: customerJSON{
			Name:  strings.TrimSpace(t.Customer.Name),
			Email: strings.TrimSpace(t.Customer.Email),
			Phone: strings.TrimSpace(t.Customer.Phone),
		},
		Channel:    string(t.Channel),
		Locale:     t.Locale,
		Summary:    strings.TrimSpace(t.Summary),
		Transcript: []entryJSON{},
		URL:        t.URL,
	}
	if p.Ticket.Subject == "" {
		p.Ticket.Subject = t.Subject()
	}
	lines, omitted := t.TranscriptLines(maxTranscript, func(l baton.TranscriptLine) int { return len(l.Text) })
	for _, l := range lines {
		p.Transcript = append(p.Transcript, entryJSON{Author: string(l.Author), Name: l.Name, Text: l.Text, At: utc(l.At)})
	}
	p.TranscriptOmitted = omitted
	var b strings.Builder
	for _, e := range p.Transcript {
		if e.At != nil {
			b.WriteString(e.At.Format("[2006-01-02 15:04 UTC] "))
		}
		b.WriteString(e.Name + ": " + e.Text + "\n")
	}
	p.TranscriptText = strings.TrimSuffix(b.String(), "\n")
	return p
}

func updatedEvent(externalID string, u *baton.TicketUpdate) updatedPayload {
	return updatedPayload{
		Type:       "ticket.updated",
		Kind:       string(u.Kind),
		ExternalID: externalID,
		Ticket:     ticketOf(u.Ticket),
		Author:     strings.TrimSpace(u.Author),
		Text:       strings.TrimSpace(u.Text),
		At:         utc(u.At),
	}
}

func ticketOf(t *baton.Ticket) *ticketJSON {
	if t == nil {
		return nil
	}
	j := &ticketJSON{
		ID:             t.ID,
		ConversationID: t.ConversationID,
		Subject:        strings.TrimSpace(t.Subject),
		Department:     t.Department,
		Priority:       string(t.Priority),
		Trigger:        string(t.Trigger),
		Details:        map[string]string{},
		Status:         string(t.Status),
		CreatedAt:      utc(t.CreatedAt),
	}
	for k, v := range t.Details {
		j.Details[k] = v
	}
	if t.ExpectedBy != nil {
		j.ExpectedBy = utc(*t.ExpectedBy)
	}
	return j
}

// utc is t in UTC, or nil (null) for the zero time.
func utc(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	t = t.UTC()
	return &t
}
