package baton

import (
	"context"
	"time"
)

// Integrations feed the tools a support team already lives in: a helpdesk
// or CRM that mirrors Baton's tickets, and notifiers that raise urgent
// handoffs in a chat tool or by email. Each has adapters around these
// types; the engine only knows these. Their calls go through Baton's
// durable outbox, so they report failures as a *SendError saying whether a
// retry may help.

// Helpdesk is a CRM or helpdesk where Baton's tickets are mirrored.
type Helpdesk interface {
	// CreateTicket creates the ticket and returns the helpdesk's id of it.
	CreateTicket(ctx context.Context, t *HelpdeskTicket) (externalID string, err error)
	// UpdateTicket adds an update to a ticket CreateTicket made.
	UpdateTicket(ctx context.Context, externalID string, u *TicketUpdate) error
}

// HelpdeskTicket is a Baton ticket with what a helpdesk needs to show it
// on its own: who asked, why, and the conversation so far.
type HelpdeskTicket struct {
	Ticket   *Ticket
	Customer Contact
	Channel  Channel
	Locale   string
	// Summary is the handoff summary in one paragraph.
	Summary string
	// Transcript is what the customer saw of the conversation, oldest
	// first: no private notes.
	Transcript []Message
	// URL opens the conversation in Baton's inbox, if Baton's public
	// address is configured.
	URL string
}

// TicketUpdateKind says what happened to a ticket since it was created.
type TicketUpdateKind string

const (
	TicketAgentReplied TicketUpdateKind = "agent_replied" // an agent answered the customer
	TicketResolved     TicketUpdateKind = "resolved"      // the conversation ended
)

// TicketUpdate is a change to a ticket pushed to the helpdesk.
type TicketUpdate struct {
	Kind   TicketUpdateKind
	Ticket *Ticket
	// Author is the agent's name, for a reply.
	Author string
	Text   string
	At     time.Time
}

// Alert is an urgent handoff, raised to the agents wherever they are.
type Alert struct {
	ConversationID string
	Priority       Priority
	Department     string
	Trigger        Trigger
	Reason         string
	Customer       Contact
	Channel        Channel
	// Text is the customer's message that raised it, if one did.
	Text string
	// Summary is the handoff summary in one paragraph.
	Summary string
	// URL opens the conversation in Baton's inbox, if Baton's public
	// address is configured.
	URL string
	At  time.Time
}

// Notifier sends alerts to one place: a chat channel, a mailbox.
type Notifier interface {
	Notify(ctx context.Context, a *Alert) error
}
