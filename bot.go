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
	// Intent is the topic the bot recognised, if any; routing and the
	// handoff summary use it.
	Intent string `json:"intent,omitempty"`
}

// BotRequest is a customer message handed to the bot.
type BotRequest struct {
	Conversation *Conversation
	Text         string
	// Payload is the quick reply's payload when the customer tapped one.
	Payload string
	// Recent is the end of the public timeline before this message, oldest
	// first: what the customer and the bot said last.
	Recent []Message
}

// BotReply is what the bot answers: messages to show, and optionally a
// request for a human.
type BotReply struct {
	Messages []BotMessage    `json:"messages"`
	Handoff  *HandoffRequest `json:"handoff,omitempty"`
	// Understood is false when the bot fell back to "I did not understand".
	Understood bool   `json:"understood"`
	Intent     string `json:"intent,omitempty"`
	// State, when set, replaces what the bot remembers about the
	// conversation (a flow in progress, collected slots).
	State *BotState `json:"state,omitempty"`
	// ClientMessageID is the external bot's id for this reply: the same id
	// twice stores one reply.
	ClientMessageID string `json:"client_message_id,omitempty"`
}

// BotMessage is one bot message with optional quick replies.
type BotMessage struct {
	Text    string   `json:"text"`
	Buttons []Button `json:"buttons,omitempty"`
}

// BotState is what the bot remembers between messages of a conversation:
// the flow it is running, the slot it asked for, and the slots collected.
// Collected slots count as known details in a handoff, so the customer is
// not asked twice.
type BotState struct {
	Flow    string            `json:"flow,omitempty"`
	Pending string            `json:"pending,omitempty"`
	Slots   map[string]string `json:"slots,omitempty"`
}

// Empty reports whether the state holds nothing.
func (s *BotState) Empty() bool {
	return s == nil || s.Flow == "" && s.Pending == "" && len(s.Slots) == 0
}

// Clone returns a deep copy.
func (s *BotState) Clone() *BotState {
	if s == nil {
		return nil
	}
	n := *s
	n.Slots = cloneMap(s.Slots)
	return &n
}

// Bot answers customers in bot mode.
type Bot interface {
	Reply(ctx context.Context, req BotRequest) (*BotReply, error)
}
