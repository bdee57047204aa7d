package baton

import "context"

// HandoffRequest asks for a human. Empty fields are filled by routing:
// the default department and normal priority.
type HandoffRequest struct {
	Trigger    Trigger           `json:"trigger"`
	Reason     string            `json:"reason"`
	Department string            `json:"department"`
	Priority   Priority          `json:"priority"`
	Details    map[string]string `json:"details,omitempty"`
}

// BotRequest is a customer message handed to the bot.
type BotRequest struct {
	Conversation *Conversation
	Text         string
}

// BotReply is what the bot answers: messages to show, and optionally a
// request for a human.
type BotReply struct {
	Messages []BotMessage    `json:"messages"`
	Handoff  *HandoffRequest `json:"handoff,omitempty"`
	// Understood is false when the bot fell back to "I did not understand".
	Understood bool   `json:"understood"`
	Intent     string `json:"intent,omitempty"`
	// ClientMessageID is the external bot's id for this reply: the same id
	// twice stores one reply.
	ClientMessageID string `json:"client_message_id,omitempty"`
}

// BotMessage is one bot message with optional quick replies.
type BotMessage struct {
	Text    string   `json:"text"`
	Buttons []Button `json:"buttons,omitempty"`
}

// Bot answers customers in bot mode.
type Bot interface {
	Reply(ctx context.Context, req BotRequest) (*BotReply, error)
}
