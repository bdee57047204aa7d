package baton

// Event types carried to real-time subscribers.
const (
	EventTypeMessage      = "message"      // a new timeline entry
	EventTypeConversation = "conversation" // the conversation's state changed
	EventTypeAgent        = "agent"        // an agent's status changed
	EventTypeAlert        = "alert"        // a handoff became urgent: agents are alerted
)

// Event is a change that real-time clients follow.
type Event struct {
	Type         string        `json:"type"`
	Conversation *Conversation `json:"conversation,omitempty"`
	// Previous is the conversation before a state change, so a subscriber
	// can tell that a conversation left its view (transferred away).
	Previous *Conversation `json:"-"`
	Message  *Message      `json:"message,omitempty"`
	Agent    *Agent        `json:"agent,omitempty"`
}

// Publisher delivers events to subscribers. Publish never blocks.
type Publisher interface {
	Publish(Event)
}
