package freshdesk

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"

	"github.com/batonhq/baton"
	"github.com/batonhq/baton/internal/outbound"
)

// Freshdesk's numbers for a ticket's fields, as its API v2 documents them.
const (
	statusOpen     = 2
	statusResolved = 4
	sourceChat     = 7 // the nearest of Freshdesk's sources to a Baton conversation
)

// priorities maps Baton's priorities to Freshdesk's: 1 low, 2 medium,
// 3 high, 4 urgent. Anything else goes as medium.
var priorities = map[baton.Priority]int{
	baton.PriorityLow:    1,
	baton.PriorityNormal: 2,
	baton.PriorityHigh:   3,
	baton.PriorityUrgent: 4,
}

// The requests, as Freshdesk documents POST /api/v2/tickets, POST
// /api/v2/tickets/{id}/notes and PUT /api/v2/tickets/{id}.

type ticketCreate struct {
	Subject     string `json:"subject"`
	Description string `json:"description"` // HTML
	// The requester: Freshdesk needs one of email, phone or
	// unique_external_id here, and a name with a phone alone.
	Name             string   `json:"name,omitempty"`
	Email            string   `json:"email,omitempty"`
	Phone            string   `json:"phone,omitempty"`
	UniqueExternalID string   `json:"unique_external_id,omitempty"`
	Priority         int      `json:"priority"`
	Status           int      `json:"status"`
	Source           int      `json:"source"`
	Tags             []string `json:"tags,omitempty"`
	GroupID          int64    `json:"group_id,omitempty"`
}

type note struct {
	Body    string `json:"body"` // HTML
	Private bool   `json:"private"`
}

type ticketStatus struct {
	Status int `json:"status"`
}

// CreateTicket creates the ticket, open, and returns its Freshdesk ID.
//
// The customer is the requester, found or created by their email (when
// well-formed), else
// their phone, else (a web chat with neither) by an external ID of their
// Baton conversation, so one customer's tickets share one contact.
func (c *Client) CreateTicket(ctx context.Context, t *baton.HelpdeskTicket) (string, error) {
	if t == nil || t.Ticket == nil {
		return "", &baton.SendError{Reason: "no ticket to create"}
	}
	r := ticketCreate{
		Subject:     t.Subject(),
		Description: description(t),
		Name:        outbound.Truncate(outbound.OneLine(t.Customer.Name), maxName),
		Priority:    priorities[t.Ticket.Priority],
		Status:      statusOpen,
		Source:      sourceChat,
		Tags:        c.tags,
		GroupID:     c.groups[t.Ticket.Department],
	}
	if r.Priority == 0 {
		r.Priority = priorities[baton.PriorityNormal]
	}
	switch email, phone := t.RequesterEmail(), strings.TrimSpace(t.Customer.Phone); {
	case email != "":
		r.Email = email
	case phone != "":
		r.Phone = phone
		if r.Name == "" {
			r.Name = phone // Freshdesk requires a name with a phone alone
		}
	default:
		ref := t.Ticket.ConversationID
		if ref == "" {
			ref = t.Ticket.ID
		}
		r.UniqueExternalID = "baton:" + ref
		if r.Name == "" {
			r.Name = "Baton customer " + ref
		}
	}
	answer, err := c.do(ctx, http.MethodPost, "/api/v2/tickets", r)
	if err != nil {
		return "", err
	}
	var created struct {
		ID json.Number `json:"id"`
	}
	if json.Unmarshal(answer, &created) != nil || !outbound.NumericID(created.ID.String()) {
		// Not the API's answer: a proxy or a wrong base URL. The ticket
		// may exist all the same, so trying again could make two.
		return "", &baton.SendError{Reason: "Freshdesk answered without a ticket ID; check the base URL"}
	}
	return created.ID.String(), nil
}

// UpdateTicket adds the update to the Freshdesk ticket: an agent's reply
// as a private note (the customer already has it, from Baton), a
// resolution as status Resolved, which Freshdesk's automations and SLA
// reports understand.
func (c *Client) UpdateTicket(ctx context.Context, externalID string, u *baton.TicketUpdate) error {
	if !outbound.NumericID(externalID) {
		return &baton.SendError{Reason: fmt.Sprintf("%q is not a Freshdesk ticket ID", externalID)}
	}
	if u == nil {
		return &baton.SendError{Reason: "no update to send"}
	}
	switch u.Kind {
	case baton.TicketAgentReplied:
		who, did := u.Headline()
		body := "<p><strong>" + text(who) + "</strong> " + did
		if s := u.TextExcerpt(maxDescription); s != "" {
			body += ":</p>\n<p>" + text(s) + "</p>"
		} else {
			body += ".</p>"
		}
		_, err := c.do(ctx, http.MethodPost, "/api/v2/tickets/"+externalID+"/notes", note{Body: body, Private: true})
		return err
	case baton.TicketResolved:
		_, err := c.do(ctx, http.MethodPut, "/api/v2/tickets/"+externalID, ticketStatus{Status: statusResolved})
		return err
	}
	return &baton.SendError{Reason: fmt.Sprintf("unknown ticket update %q", u.Kind)}
}

// maxName bounds a requester's name.
const maxName = 255
