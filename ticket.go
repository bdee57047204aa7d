package baton

import "time"

// TicketStatus is the state of a ticket.
type TicketStatus string

const (
	TicketOpen   TicketStatus = "open"
	TicketClosed TicketStatus = "closed"
)

// Ticket is the follow-up record of a handoff that no human could take live:
// out of hours, or nobody of the department signed in.
type Ticket struct {
	ID             string            `json:"id"`
	ConversationID string            `json:"conversation_id"`
	Department     string            `json:"department"`
	Priority       Priority          `json:"priority"`
	Status         TicketStatus      `json:"status"`
	Subject        string            `json:"subject"`
	Trigger        Trigger           `json:"trigger"`
	Details        map[string]string `json:"details"`
	// ExpectedBy is when the customer was told to expect an answer, if known.
	ExpectedBy *time.Time `json:"expected_by"`
	CreatedAt  time.Time  `json:"created_at"`
	UpdatedAt  time.Time  `json:"updated_at"`
	// ExternalID is the ticket's id in the helpdesk it is mirrored to.
	ExternalID string `json:"external_id,omitempty"`
}

// SurveyResponse is a customer's satisfaction rating after one resolution.
type SurveyResponse struct {
	ConversationID string    `json:"conversation_id"`
	Resolution     int       `json:"resolution"`
	AgentID        string    `json:"agent_id,omitempty"`
	Rating         int       `json:"rating"`
	Comment        string    `json:"comment"`
	CreatedAt      time.Time `json:"created_at"`
	UpdatedAt      time.Time `json:"updated_at"`
}
