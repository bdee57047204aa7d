package baton

import (
	"fmt"
	"reflect"
	"strconv"
	"time"
)

// Mode says who talks to the customer. Only the lifecycle package changes it.
type Mode string

const (
	ModeBot     Mode = "bot"     // the bot answers
	ModeHandoff Mode = "handoff" // the bot collects what a human will need
	ModeQueued  Mode = "queued"  // waiting for an agent
	ModeAgent   Mode = "agent"   // one agent talks; the bot is silent
	ModeTicket  Mode = "ticket"  // nobody live; a ticket exists for follow-up
	ModeClosed  Mode = "closed"  // finished; a new customer message reopens it
)

// Valid reports whether m is one of the defined modes.
func (m Mode) Valid() bool {
	switch m {
	case ModeBot, ModeHandoff, ModeQueued, ModeAgent, ModeTicket, ModeClosed:
		return true
	}
	return false
}

// BotMayReply reports whether a bot message is shown in this mode.
// A bot reply that arrives in any other mode is dropped.
func (m Mode) BotMayReply() bool { return m == ModeBot || m == ModeHandoff }

// Priority of a handoff. Higher priorities are served first.
type Priority string

const (
	PriorityLow    Priority = "low"
	PriorityNormal Priority = "normal"
	PriorityHigh   Priority = "high"
	PriorityUrgent Priority = "urgent"
)

// Rank orders priorities: urgent 3, high 2, normal 1, low 0; -1 if invalid.
func (p Priority) Rank() int {
	switch p {
	case PriorityLow:
		return 0
	case PriorityNormal:
		return 1
	case PriorityHigh:
		return 2
	case PriorityUrgent:
		return 3
	}
	return -1
}

// Valid reports whether p is one of the defined priorities.
func (p Priority) Valid() bool { return p.Rank() >= 0 }

// Trigger says what started a handoff.
type Trigger string

const (
	TriggerText            Trigger = "text"             // the customer asked for a person
	TriggerUnknown         Trigger = "unknown"          // the bot did not understand, repeatedly
	TriggerFeedback        Trigger = "feedback"         // the answer did not help
	TriggerSensitiveIntent Trigger = "sensitive_intent" // a topic the bot must not handle alone
	TriggerFrustration     Trigger = "frustration"      // the frustration score crossed its threshold
	TriggerBotFailure      Trigger = "bot_failure"      // the bot errored or timed out
	TriggerBot             Trigger = "bot"              // the bot answered with a handoff action
	TriggerAgent           Trigger = "agent"            // an agent barged in
)

// Valid reports whether t is one of the defined triggers.
func (t Trigger) Valid() bool {
	switch t {
	case TriggerText, TriggerUnknown, TriggerFeedback, TriggerSensitiveIntent,
		TriggerFrustration, TriggerBotFailure, TriggerBot, TriggerAgent:
		return true
	}
	return false
}

// Channel is where the customer writes from.
type Channel string

const (
	ChannelWeb       Channel = "web"
	ChannelAPI       Channel = "api"
	ChannelWhatsApp  Channel = "whatsapp"
	ChannelMessenger Channel = "messenger"
	ChannelTelegram  Channel = "telegram"
)

// Valid reports whether c is a known channel.
func (c Channel) Valid() bool {
	switch c {
	case ChannelWeb, ChannelAPI, ChannelWhatsApp, ChannelMessenger, ChannelTelegram:
		return true
	}
	return false
}

// Live reports whether customers on this channel expect an answer within
// seconds. Live channels go first in the queue at equal priority.
func (c Channel) Live() bool { return c == ChannelWeb || c == ChannelAPI }

// Contact is what is known about the customer.
type Contact struct {
	Name       string            `json:"name,omitempty"`
	Email      string            `json:"email,omitempty"`
	Phone      string            `json:"phone,omitempty"`
	Attributes map[string]string `json:"attributes,omitempty"`
}

// Handoff describes the current (or last) request for a human.
type Handoff struct {
	Trigger     Trigger           `json:"trigger"`
	Reason      string            `json:"reason"`
	Department  string            `json:"department"`
	Priority    Priority          `json:"priority"`
	Details     map[string]string `json:"details"`
	RequestedAt time.Time         `json:"requested_at"`
	// Intent is the topic the bot recognised before the handoff, if any.
	Intent string `json:"intent,omitempty"`
	// Missing lists the detail keys still to be asked, in order.
	Missing []string `json:"missing,omitempty"`
	// Wait is the last expected wait the customer was told while queued.
	Wait *Wait `json:"wait,omitempty"`
	// AnsweredAt is when an agent first took the conversation after this
	// request; nil while nobody has.
	AnsweredAt *time.Time `json:"answered_at,omitempty"`
}

// Wait is an expected wait as told to a queued customer.
type Wait struct {
	// Position in the queue, 1 for next.
	Position int `json:"position"`
	// Estimate is the expected wait; Known is false when nobody online can
	// take conversations now, so no honest number exists.
	Estimate Duration  `json:"expected_wait_seconds"`
	Known    bool      `json:"known"`
	ToldAt   time.Time `json:"told_at"`
}

// SurveyStep is where a satisfaction survey stands.
type SurveyStep string

const (
	SurveyNone    SurveyStep = ""        // no survey running
	SurveyRating  SurveyStep = "rating"  // waiting for a 1–5 rating
	SurveyComment SurveyStep = "comment" // waiting for an optional comment
)

// Conversation is one customer's conversation with the company.
//
// Version increases with every change of state; the store refuses a change
// made against an older version, so two writers can never both win.
// Appending to the timeline alone (LastSeq, UpdatedAt and LastCustomerAt
// follow from the timeline) keeps the version: there the per-conversation
// seq, which the store keeps unique, decides between two writers.
type Conversation struct {
	ID         string   `json:"id"`
	Version    int64    `json:"version"`
	Channel    Channel  `json:"channel"`
	Locale     string   `json:"locale"`
	Contact    Contact  `json:"contact"`
	Mode       Mode     `json:"mode"`
	Department string   `json:"department"`
	Priority   Priority `json:"priority"`
	Assignee   string   `json:"assignee"`
	Handoff    *Handoff `json:"handoff"`
	LastSeq    int64    `json:"last_seq"`
	// Resolution counts the times a human finished with the conversation;
	// a survey is allowed once per resolution.
	Resolution int `json:"resolution"`
	// Handoffs counts the handoffs requested so far.
	Handoffs int `json:"handoffs"`
	// LastAgent is the agent who held the conversation most recently.
	LastAgent string     `json:"last_agent,omitempty"`
	Survey    SurveyStep `json:"survey_step,omitempty"`
	TicketID  string     `json:"ticket_id,omitempty"`
	// UnknownStreak counts bot answers in a row that did not understand.
	UnknownStreak int `json:"unknown_streak,omitempty"`
	// BotState is what the bot remembers (a flow, collected slots).
	BotState *BotState `json:"bot_state,omitempty"`
	// ChannelAccount and ChannelUser name the customer on a messaging
	// channel: the configured account they wrote to and their id on the
	// platform. One conversation per customer and account, kept for good.
	ChannelAccount string `json:"channel_account,omitempty"`
	ChannelUser    string `json:"channel_user,omitempty"`

	CreatedAt      time.Time  `json:"created_at"`
	UpdatedAt      time.Time  `json:"updated_at"`
	QueuedAt       *time.Time `json:"queued_at"`
	AssignedAt     *time.Time `json:"assigned_at"`
	LastCustomerAt *time.Time `json:"last_customer_at"`
	// LastActivityAt is when the agent took the conversation or, since,
	// the last customer or agent message; the inactivity timeout counts
	// from here.
	LastActivityAt time.Time `json:"last_activity_at"`

	// CustomerTokenHash is the hash of the customer's bearer token.
	CustomerTokenHash []byte `json:"-"`
}

// SameState reports whether c and o differ at most in what follows from the
// timeline: LastSeq, UpdatedAt and LastCustomerAt (and the Version).
func (c *Conversation) SameState(o *Conversation) bool {
	a, b := *c, *o
	a.Version, a.LastSeq, a.UpdatedAt, a.LastCustomerAt = 0, 0, time.Time{}, nil
	b.Version, b.LastSeq, b.UpdatedAt, b.LastCustomerAt = 0, 0, time.Time{}, nil
	return reflect.DeepEqual(a, b)
}

// Clone returns a deep copy, so the lifecycle core can change it freely.
func (c *Conversation) Clone() *Conversation {
	n := *c
	n.Contact.Attributes = cloneMap(c.Contact.Attributes)
	if c.Handoff != nil {
		h := *c.Handoff
		h.Details = cloneMap(c.Handoff.Details)
		h.Missing = append([]string(nil), c.Handoff.Missing...)
		if c.Handoff.Wait != nil {
			w := *c.Handoff.Wait
			h.Wait = &w
		}
		n.Handoff = &h
	}
	n.BotState = c.BotState.Clone()
	return &n
}

func cloneMap(m map[string]string) map[string]string {
	if m == nil {
		return nil
	}
	n := make(map[string]string, len(m))
	for k, v := range m {
		n[k] = v
	}
	return n
}

// Duration is a time.Duration that reads and writes JSON as whole seconds.
type Duration time.Duration

// MarshalJSON writes the duration in seconds, rounded.
func (d Duration) MarshalJSON() ([]byte, error) {
	return []byte(strconv.FormatInt(int64(time.Duration(d).Round(time.Second)/time.Second), 10)), nil
}

// UnmarshalJSON reads seconds.
func (d *Duration) UnmarshalJSON(b []byte) error {
	n, err := strconv.ParseFloat(string(b), 64)
	if err != nil {
		return fmt.Errorf("duration: %w", err)
	}
	*d = Duration(n * float64(time.Second))
	return nil
}

// KnownDetails is what Baton already knows of the customer and would not
// ask again: the slots the bot collected, with the contact's name, email
// and phone over them.
func (c *Conversation) KnownDetails() map[string]string {
	d := map[string]string{}
	if c.BotState != nil {
		for k, v := range c.BotState.Slots {
			if v != "" {
				d[k] = v
			}
		}
	}
	for k, v := range map[string]string{"name": c.Contact.Name, "email": c.Contact.Email, "phone": c.Contact.Phone} {
		if v != "" {
			d[k] = v
		}
	}
	return d
}
