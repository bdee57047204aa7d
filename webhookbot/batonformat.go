package webhookbot

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/batonhq/baton"
)

// Baton's bot-webhook format, version 1, as documented in
// docs/bot-webhook.md. Every object and list in a request is present,
// empty when there is nothing to say, so bots need no null checks.

const batonVersion = 1

type batonIn struct {
	Version      int               `json:"version"`
	Conversation batonConversation `json:"conversation"`
	Message      batonMessage      `json:"message"`
	Recent       []batonRecent     `json:"recent"`
	State        batonState        `json:"state"`
	Details      map[string]string `json:"details"`
}

type batonConversation struct {
	ID      string       `json:"id"`
	Channel string       `json:"channel"`
	Locale  string       `json:"locale"`
	Mode    string       `json:"mode"`
	Contact batonContact `json:"contact"`
}

type batonContact struct {
	Name       string            `json:"name"`
	Email      string            `json:"email"`
	Phone      string            `json:"phone"`
	Attributes map[string]string `json:"attributes"`
}

type batonMessage struct {
	Text    string `json:"text"`
	Payload string `json:"payload,omitempty"`
}

type batonRecent struct {
	Author    baton.Author `json:"author"`
	Text      string       `json:"text"`
	Payload   string       `json:"payload,omitempty"`
	CreatedAt time.Time    `json:"created_at"`
}

type batonState struct {
	Flow    string            `json:"flow"`
	Pending string            `json:"pending"`
	Slots   map[string]string `json:"slots"`
}

type batonOut struct {
	Messages []batonOutMessage `json:"messages"`
	Intent   string            `json:"intent"`
	// Understood is true when omitted.
	Understood *bool `json:"understood"`
	// State is unchanged when omitted or null, cleared by {}.
	State   *batonState    `json:"state"`
	Handoff *handoffAction `json:"handoff"`
}

type batonOutMessage struct {
	Text    string       `json:"text"`
	Buttons []wireButton `json:"buttons"`
}

func batonRequest(req baton.BotRequest) ([]byte, error) {
	c := req.Conversation
	in := batonIn{
		Version: batonVersion,
		Conversation: batonConversation{ID: c.ID, Channel: string(c.Channel), Locale: c.Locale, Mode: string(c.Mode),
			Contact: batonContact{Name: c.Contact.Name, Email: c.Contact.Email, Phone: c.Contact.Phone,
				Attributes: orEmpty(c.Contact.Attributes)}},
		Message: batonMessage{Text: req.Text, Payload: req.Payload},
		Recent:  []batonRecent{},
		State:   batonState{Slots: map[string]string{}},
		Details: knownDetails(c),
	}
	for _, m := range req.Recent {
		if m.Private || m.Event != "" || m.Author != baton.AuthorCustomer && m.Author != baton.AuthorBot {
			continue
		}
		in.Recent = append(in.Recent, batonRecent{Author: m.Author, Text: m.Text, Payload: m.Payload, CreatedAt: m.CreatedAt.UTC()})
	}
	if s := c.BotState; s != nil {
		in.State = batonState{Flow: s.Flow, Pending: s.Pending, Slots: orEmpty(s.Slots)}
	}
	return json.Marshal(in)
}

// knownDetails is what Baton already knows and would not ask again in a
// handoff: the conversation's known details, and the details of a handoff
// in progress over them.
func knownDetails(c *baton.Conversation) map[string]string {
	d := c.KnownDetails()
	if c.Handoff != nil && c.Mode == baton.ModeHandoff {
		for k, v := range c.Handoff.Details {
			if v != "" {
				d[k] = v
			}
		}
	}
	return d
}

func orEmpty(m map[string]string) map[string]string {
	if m == nil {
		return map[string]string{}
	}
	return m
}

func batonReply(body []byte) (*baton.BotReply, error) {
	var out batonOut
	if err := json.Unmarshal(body, &out); err != nil {
		return nil, fmt.Errorf("bot answered invalid JSON: %w", err)
	}
	reply := &baton.BotReply{Understood: out.Understood == nil || *out.Understood, Intent: out.Intent}
	for i, m := range out.Messages {
		if strings.TrimSpace(m.Text) == "" {
			return nil, fmt.Errorf("bot answered an invalid reply: message %d has no text", i+1)
		}
		msg := baton.BotMessage{Text: m.Text}
		for j, bt := range m.Buttons {
			if strings.TrimSpace(bt.Title) == "" {
				return nil, fmt.Errorf("bot answered an invalid reply: message %d, button %d has no title", i+1, j+1)
			}
			if bt.Payload == "" {
				bt.Payload = bt.Title
			}
			msg.Buttons = append(msg.Buttons, baton.Button{Title: bt.Title, Payload: bt.Payload})
		}
		reply.Messages = append(reply.Messages, msg)
	}
	if out.Handoff != nil {
		h, err := out.Handoff.request()
		if err != nil {
			return nil, fmt.Errorf("bot answered an invalid reply: %w", err)
		}
		h.Intent = out.Intent
		reply.Handoff = h
	}
	if len(reply.Messages) == 0 && reply.Handoff == nil {
		return nil, errors.New("bot answered an invalid reply: no messages and no handoff")
	}
	if s := out.State; s != nil {
		reply.State = &baton.BotState{Flow: s.Flow, Pending: s.Pending}
		if len(s.Slots) > 0 {
			reply.State.Slots = s.Slots
		}
	}
	return reply, nil
}
