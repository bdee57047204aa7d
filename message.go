package baton

import "time"

// Author says who wrote a timeline entry.
type Author string

const (
	AuthorCustomer Author = "customer"
	AuthorBot      Author = "bot"
	AuthorAgent    Author = "agent"
	AuthorSystem   Author = "system"
)

// Event names of system timeline entries.
const (
	EventCreated          = "conversation_created"
	EventHandoffRequested = "handoff_requested"
	EventDetailsComplete  = "details_complete"
	EventQueued           = "queued"
	EventAssigned         = "assigned"
	EventAgentTookOver    = "agent_took_over"
	EventTransferred      = "transferred"
	EventAgentLeft        = "agent_left"
	EventReturnedToBot    = "returned_to_bot"
	EventTicketCreated    = "ticket_created"
	EventSurveyStarted    = "survey_started"
	EventSurveyAnswered   = "survey_answered"
	EventClosed           = "closed"
	EventReopened         = "reopened"
	EventWaitUpdated      = "wait_updated"
	EventDeliveryFailed   = "delivery_failed" // a message never reached the customer's messaging app
	// EventTemplate marks an agent's entry that goes out as the
	// department's approved WhatsApp template, not as its text.
	EventTemplate = "template"
)

// Quick-reply payloads Baton understands whatever the bot: the answer to
// "did this help?".
const (
	PayloadHelpful    = "helpful:yes"
	PayloadNotHelpful = "helpful:no"
)

// Message is one entry of a conversation's timeline: something the customer,
// the bot or an agent wrote, or a system event. Seq numbers the entries of
// one conversation from 1 without gaps.
type Message struct {
	ConversationID  string   `json:"conversation_id"`
	Seq             int64    `json:"seq"`
	Author          Author   `json:"author"`
	Text            string   `json:"text"`
	Event           string   `json:"event,omitempty"`
	AgentID         string   `json:"agent_id,omitempty"`
	ClientMessageID string   `json:"client_message_id,omitempty"`
	Private         bool     `json:"private,omitempty"`
	Buttons         []Button `json:"buttons,omitempty"`
	// Intent is the topic a bot message answered, if the bot said.
	Intent string `json:"intent,omitempty"`
	// Payload is the payload of the quick reply the customer tapped.
	Payload   string    `json:"payload,omitempty"`
	CreatedAt time.Time `json:"created_at"`
	// Delivery is where the entry stands on its way to a customer on a
	// messaging channel; nil elsewhere.
	Delivery *Delivery `json:"delivery,omitempty"`
}

// Outbound reports whether the entry goes out to the customer on a
// messaging channel: what they may see, written by someone else.
func (m *Message) Outbound() bool {
	return m.VisibleToCustomer() && m.Author != AuthorCustomer && m.Text != ""
}

// ClientKey names a client message id within a conversation. Each sender
// (the customer, each agent, the bot) numbers its messages on its own, so
// the same id from two senders is two messages.
func ClientKey(author Author, agentID, clientMessageID string) string {
	return string(author) + "/" + agentID + "/" + clientMessageID
}

// VisibleToCustomer reports whether the customer may see this entry.
func (m *Message) VisibleToCustomer() bool { return !m.Private }

// Button is a quick reply offered to the customer.
type Button struct {
	Title   string `json:"title"`
	Payload string `json:"payload"`
}
