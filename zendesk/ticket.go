package zendesk

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"

	"github.com/batonhq/baton"
	"github.com/batonhq/baton/internal/outbound"
)

// The Tickets API's requests, as Zendesk documents POST
// /api/v2/tickets.json and PUT /api/v2/tickets/{id}.json.

type ticketRequest struct {
	Ticket ticketFields `json:"ticket"`
}

type ticketFields struct {
	Subject    string     `json:"subject,omitempty"`
	Comment    *comment   `json:"comment,omitempty"`
	Requester  *requester `json:"requester,omitempty"`
	Priority   string     `json:"priority,omitempty"`
	Status     string     `json:"status,omitempty"`
	GroupID    int64      `json:"group_id,omitempty"`
	Tags       []string   `json:"tags,omitempty"`
	ExternalID string     `json:"external_id,omitempty"`
}

type comment struct {
	Body   string `json:"body"`
	Public bool   `json:"public"`
}

// requester creates the customer as an end user, or finds them by email.
type requester struct {
	Name  string `json:"name"`
	Email string `json:"email"`
}

// priorities maps Baton's priorities to Zendesk's, which are the same
// four words; anything else goes as normal.
var priorities = map[baton.Priority]string{
	baton.PriorityLow:    "low",
	baton.PriorityNormal: "normal",
	baton.PriorityHigh:   "high",
	baton.PriorityUrgent: "urgent",
}

// CreateTicket creates the ticket and returns its Zendesk ID.
//
// It is idempotent: the outbox calls it again when an earlier attempt's
// answer was lost, after Zendesk may have created the ticket. The ticket's
// external_id is Baton's ticket ID, so CreateTicket first lists the
// tickets with that external_id and returns the oldest (lowest ID) one's
// instead of creating a second; only when there is none does it create.
// A lookup that fails is judged like any other call: retryable on a
// network error, 408, 409, 429 or 5xx, and nothing is created.
//
// The conversation goes in as a private first comment: the summary and
// the link back to Baton are for agents, and the customer has already been
// told a ticket exists. The customer becomes the requester when their
// email is known and well-formed; Zendesk documents a name and an email
// for a new requester, so without one the API user stays the requester
// and the customer's name, email and phone are in the comment.
func (c *Client) CreateTicket(ctx context.Context, t *baton.HelpdeskTicket) (string, error) {
	if t == nil || t.Ticket == nil {
		return "", &baton.SendError{Reason: "no ticket to create"}
	}
	f := ticketFields{
		Subject:    t.Subject(),
		Comment:    &comment{Body: description(t), Public: false},
		Priority:   priorities[t.Ticket.Priority],
		GroupID:    c.groups[t.Ticket.Department],
		Tags:       c.tags,
		ExternalID: t.Ticket.ID,
	}
	if f.Priority == "" {
		f.Priority = "normal"
	}
	if email := t.RequesterEmail(); email != "" {
		name := outbound.Truncate(outbound.OneLine(t.Customer.Name), maxName)
		if name == "" {
			name = email // Zendesk needs a name for a user it creates
		}
		f.Requester = &requester{Name: name, Email: email}
	}
	if id, err := c.findTicket(ctx, f.ExternalID); err != nil || id != "" {
		return id, err
	}
	answer, err := c.do(ctx, http.MethodPost, "/api/v2/tickets.json", ticketRequest{Ticket: f})
	if err != nil {
		return "", err
	}
	var created struct {
		Ticket struct {
			ID json.Number `json:"id"`
		} `json:"ticket"`
	}
	if json.Unmarshal(answer, &created) != nil || !outbound.NumericID(created.Ticket.ID.String()) {
		// Not the Tickets API's answer: a proxy or a wrong base URL. The
		// ticket may exist all the same, so trying again could make two.
		return "", &baton.SendError{Reason: "Zendesk answered without a ticket ID; check the base URL"}
	}
	return created.Ticket.ID.String(), nil
}

// findTicket returns the ID of the oldest ticket whose external_id is
// externalID, or "" when there is none, through List Tickets' documented
// filter GET /api/v2/tickets.json?external_id=. External IDs need not be
// unique, so the lowest ID wins. A ticket whose external_id is not
// externalID is skipped: were the filter ever ignored, every ticket would
// come back. An empty externalID finds nothing without asking.
func (c *Client) findTicket(ctx context.Context, externalID string) (string, error) {
	if externalID == "" {
		return "", nil
	}
	answer, err := c.get(ctx, "/api/v2/tickets.json?"+url.Values{"external_id": {externalID}}.Encode())
	if err != nil {
		return "", err
	}
	var list struct {
		Tickets *[]struct {
			ID         json.Number `json:"id"`
			ExternalID string      `json:"external_id"`
		} `json:"tickets"`
	}
	if json.Unmarshal(answer, &list) != nil || list.Tickets == nil {
		// Not the Tickets API's answer: a proxy or a wrong base URL, which
		// will not change by asking again.
		return "", &baton.SendError{Reason: "Zendesk answered the ticket lookup without a list of tickets; check the base URL"}
	}
	var oldest uint64
	for _, t := range *list.Tickets {
		if t.ExternalID != externalID {
			continue
		}
		id, err := strconv.ParseUint(t.ID.String(), 10, 64)
		if err != nil || id == 0 {
			return "", &baton.SendError{Reason: fmt.Sprintf("Zendesk listed a ticket without a ticket ID (%q); check the base URL", outbound.Truncate(t.ID.String(), 40))}
		}
		if oldest == 0 || id < oldest {
			oldest = id
		}
	}
	if oldest == 0 {
		return "", nil
	}
	return strconv.FormatUint(oldest, 10), nil
}

// UpdateTicket adds the update to the Zendesk ticket: an agent's reply as
// an internal note (the customer already has it, from Baton), a
// resolution as "solved" with a note saying so.
func (c *Client) UpdateTicket(ctx context.Context, externalID string, u *baton.TicketUpdate) error {
	if !outbound.NumericID(externalID) {
		return &baton.SendError{Reason: fmt.Sprintf("%q is not a Zendesk ticket ID", externalID)}
	}
	if u == nil {
		return &baton.SendError{Reason: "no update to send"}
	}
	var f ticketFields
	who, did := u.Headline()
	text := u.TextExcerpt(maxDescription)
	switch u.Kind {
	case baton.TicketAgentReplied:
		body := who + " " + did
		if text != "" {
			body += ":\n\n" + text
		}
		f.Comment = &comment{Body: body}
	case baton.TicketResolved:
		body := who + " " + did + "."
		if text != "" {
			body += "\n\n" + text
		}
		f.Status = "solved"
		f.Comment = &comment{Body: body}
	default:
		return &baton.SendError{Reason: fmt.Sprintf("unknown ticket update %q", u.Kind)}
	}
	_, err := c.do(ctx, http.MethodPut, "/api/v2/tickets/"+externalID+".json", ticketRequest{Ticket: f})
	return err
}

// maxName bounds a requester's name.
const maxName = 255
