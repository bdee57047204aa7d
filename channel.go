package baton

import (
	"context"
	"fmt"
	"time"
)

// Messaging channels (WhatsApp, Messenger, Telegram) reach customers
// through a platform: the platform calls Baton's webhook with what the
// customer wrote, and Baton calls the platform's send API with its
// answers. Each channel has adapters around these types; the engine and the
// store only know these.

// Inbound is one thing a customer did on a messaging channel: a message
// they wrote, or a button they tapped.
type Inbound struct {
	Channel Channel
	// Account is the configured account it reached (a WhatsApp number, a
	// Facebook page, a Telegram bot), by its name in the config.
	Account string
	// UserID is the customer on the platform: a WhatsApp number (wa_id), a
	// Messenger page-scoped id, a Telegram chat id. Together with Channel
	// and Account it names one conversation.
	UserID string
	// Name and Phone are what the platform tells of the customer, if anything.
	Name  string
	Phone string
	// MessageID is the platform's id of the message: a delivery the
	// platform repeats is stored once.
	MessageID string
	Text      string
	// Payload is the payload of a tapped button (quick reply, survey).
	Payload string
	// Locale is the customer's language, if the platform tells it.
	Locale string
	At     time.Time
}

// Account is a configured messaging-channel account: a WhatsApp number, a
// Facebook page, a Telegram bot, by its name in the config.
type Account struct {
	Channel Channel
	Name    string
}

// DeliveryStatus is where a message Baton sent on a messaging channel stands.
type DeliveryStatus string

const (
	DeliveryPending   DeliveryStatus = "pending"   // waiting in the outbox, maybe retried
	DeliverySent      DeliveryStatus = "sent"      // the platform accepted it
	DeliveryDelivered DeliveryStatus = "delivered" // it reached the customer's device
	DeliveryRead      DeliveryStatus = "read"      // the customer read it
	DeliveryFailed    DeliveryStatus = "failed"    // it will not arrive; see the error
)

// rank orders statuses so that a late "delivered" never undoes a "read".
func (s DeliveryStatus) rank() int {
	switch s {
	case DeliveryPending:
		return 0
	case DeliverySent:
		return 1
	case DeliveryDelivered:
		return 2
	case DeliveryRead:
		return 3
	case DeliveryFailed:
		return 4
	}
	return -1
}

// Follows reports whether a delivery at s may move to next: statuses only
// move forward, and a failure ends everything.
func (s DeliveryStatus) Follows(next DeliveryStatus) bool {
	return next.rank() > s.rank() && s != DeliveryFailed
}

// Delivery is one timeline entry on its way to a customer on a messaging
// channel: a row of the durable outbox, written in the same transaction
// as the entry.
type Delivery struct {
	ID             int64          `json:"-"`
	ConversationID string         `json:"-"`
	Seq            int64          `json:"-"`
	Channel        Channel        `json:"-"`
	Account        string         `json:"-"`
	UserID         string         `json:"-"`
	Status         DeliveryStatus `json:"status"`
	Attempts       int            `json:"attempts,omitempty"`
	NextAttemptAt  time.Time      `json:"-"`
	// Error says why the last attempt failed, or why the delivery did.
	Error string `json:"error,omitempty"`
	// PlatformID is the platform's id of the sent message, which its
	// status updates name.
	PlatformID string    `json:"platform_id,omitempty"`
	UpdatedAt  time.Time `json:"updated_at"`
}

// Outgoing is what a Sender sends: the entry's text and buttons, and how
// the platform's rules let it go out now.
type Outgoing struct {
	Delivery *Delivery
	Author   Author
	Text     string
	Buttons  []Button
	// Event is the entry's event: EventTemplate for an agent's template.
	Event string
	// Window is the platform's reply window as it stands when sending.
	Window ReplyWindow
	// Template, when set, is sent instead of the text: outside WhatsApp's
	// customer service window only an approved template may go out.
	Template *Template
}

// Sender sends messages on one channel account, through the platform's
// API. It returns the platform's id of the sent message. A failure that
// may pass (the platform is down, rate limits) is a *SendError with Retry;
// any other error is final.
type Sender interface {
	Send(ctx context.Context, out *Outgoing) (platformID string, err error)
}

// SendError is a failed send, saying whether trying again may help.
type SendError struct {
	// Retry: the platform may take it later (5xx, 429, a network error).
	Retry bool
	// RetryAfter is how long the platform asked to wait, if it said.
	RetryAfter time.Duration
	Reason     string
}

func (e *SendError) Error() string {
	if e.Retry {
		return fmt.Sprintf("send failed, will retry: %s", e.Reason)
	}
	return "send failed: " + e.Reason
}

// StatusUpdate is a platform's report on a message Baton sent, or, with
// no PlatformID, on every message sent to UserID up to Before (Messenger
// reports "read" as such a watermark).
type StatusUpdate struct {
	Channel    Channel
	Account    string
	PlatformID string
	UserID     string
	Before     time.Time
	Status     DeliveryStatus
	// Error is the platform's reason for a failure.
	Error string
	At    time.Time
}

// ChannelSink is what channel adapters hand their webhooks to. The engine
// implements it: Inbound returns once the message is durable.
type ChannelSink interface {
	Inbound(ctx context.Context, in Inbound) error
	StatusUpdate(ctx context.Context, u StatusUpdate) error
}

// Template is an approved WhatsApp message template, configured per
// department, the only thing that may reach a customer outside the 24-hour
// customer service window.
type Template struct {
	Name     string `json:"name" yaml:"name"`
	Language string `json:"language" yaml:"language"`
	// Params fill the template's body parameters {{1}}, {{2}}, …; they may
	// name {customer_name} and {agent_name}.
	Params []string `json:"params,omitempty" yaml:"params"`
}
