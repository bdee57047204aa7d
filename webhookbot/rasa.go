package webhookbot

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/batonhq/baton"
)

// Rasa's REST channel takes {"sender", "message", "metadata"} and answers
// with the list of messages the assistant sent, one object each.

type rasaIn struct {
	Sender   string       `json:"sender"`
	Message  string       `json:"message"`
	Metadata rasaMetadata `json:"metadata"`
}

type rasaMetadata struct {
	ConversationID string `json:"conversation_id"`
	Channel        string `json:"channel"`
	Locale         string `json:"locale"`
}

type rasaOut struct {
	Text    string          `json:"text"`
	Image   string          `json:"image"`
	Buttons []wireButton    `json:"buttons"`
	Custom  json.RawMessage `json:"custom"`
}

type wireButton struct {
	Title   string `json:"title"`
	Payload string `json:"payload"`
}

// rasaCustom is what Baton reads from a custom payload; other keys are
// the bot's own business.
type rasaCustom struct {
	Handoff    *handoffAction `json:"handoff"`
	Intent     *string        `json:"intent"`
	Understood *bool          `json:"understood"`
	Fallback   *bool          `json:"fallback"`
}

// rasaRequest sends a tapped quick reply's payload as the message, as
// Rasa bots expect ("/affirm"), and the text otherwise.
func rasaRequest(req baton.BotRequest) ([]byte, error) {
	c := req.Conversation
	msg := req.Text
	if req.Payload != "" {
		msg = req.Payload
	}
	return json.Marshal(rasaIn{Sender: c.ID, Message: msg,
		Metadata: rasaMetadata{ConversationID: c.ID, Channel: string(c.Channel), Locale: c.Locale}})
}

// rasaReply maps Rasa's messages to a reply. A text becomes a message with
// its buttons; an image becomes its URL; a custom payload may ask for a
// handoff, name the intent or say the bot did not understand. An empty
// list is no answer: Rasa sends one when the assistant failed.
func rasaReply(body []byte) (*baton.BotReply, error) {
	var out []rasaOut
	if err := json.Unmarshal(body, &out); err != nil {
		return nil, fmt.Errorf("bot answered invalid JSON: %w", err)
	}
	reply := &baton.BotReply{Understood: true}
	for i, m := range out {
		text := m.Text
		if m.Image != "" {
			if text != "" {
				text += "\n"
			}
			text += m.Image
		}
		var buttons []baton.Button
		for _, bt := range m.Buttons {
			if strings.TrimSpace(bt.Title) == "" {
				continue
			}
			if bt.Payload == "" {
				bt.Payload = bt.Title
			}
			buttons = append(buttons, baton.Button{Title: bt.Title, Payload: bt.Payload})
		}
		switch {
		case strings.TrimSpace(text) != "":
			reply.Messages = append(reply.Messages, baton.BotMessage{Text: text, Buttons: buttons})
		case len(buttons) > 0 && len(reply.Messages) > 0:
			// Buttons sent on their own belong to the message before them.
			last := &reply.Messages[len(reply.Messages)-1]
			last.Buttons = append(last.Buttons, buttons...)
		}
		if err := applyCustom(reply, m.Custom); err != nil {
			return nil, fmt.Errorf("bot answered an invalid custom payload in message %d: %w", i+1, err)
		}
	}
	if reply.Handoff != nil {
		reply.Handoff.Intent = reply.Intent
	}
	if len(reply.Messages) == 0 && reply.Handoff == nil {
		return nil, errors.New("bot answered no messages")
	}
	return reply, nil
}

func applyCustom(reply *baton.BotReply, raw json.RawMessage) error {
	if len(raw) == 0 || raw[0] != '{' {
		return nil // absent, null, or not Baton's concern
	}
	var c rasaCustom
	if err := json.Unmarshal(raw, &c); err != nil {
		return err
	}
	if c.Intent != nil {
		reply.Intent = *c.Intent
	}
	if c.Understood != nil && !*c.Understood || c.Fallback != nil && *c.Fallback {
		reply.Understood = false
	}
	if c.Handoff != nil {
		h, err := c.Handoff.request()
		if err != nil {
			return err
		}
		reply.Handoff = h
	}
	return nil
}

// handoffAction is a bot's request for a human, in both formats.
type handoffAction struct {
	Reason     string            `json:"reason"`
	Department string            `json:"department"`
	Priority   baton.Priority    `json:"priority"`
	Details    map[string]string `json:"details"`
}

func (a *handoffAction) request() (*baton.HandoffRequest, error) {
	if a.Priority != "" && !a.Priority.Valid() {
		return nil, fmt.Errorf("handoff priority %q is not low, normal, high or urgent", a.Priority)
	}
	return &baton.HandoffRequest{Trigger: baton.TriggerBot, Reason: a.Reason, Department: a.Department,
		Priority: a.Priority, Details: a.Details}, nil
}
