package engine

import (
	"time"

	"github.com/batonhq/baton"
)

// Metrics counts what the engine does, for monitoring. Its methods are
// called on the hot paths: they must be cheap and never block.
type Metrics interface {
	// MessageIn counts a customer's message.
	MessageIn(ch baton.Channel)
	// MessageOut counts a message to the customer: the bot's, an agent's
	// or Baton's own notice.
	MessageOut(ch baton.Channel, author baton.Author)
	// Handoff counts a request for a human, by what triggered it and the
	// department it went to.
	Handoff(trigger baton.Trigger, department string)
	// Assigned observes how long a queued conversation waited for its
	// agent.
	Assigned(department string, waited time.Duration)
	// BotAnswered observes one answer of the bot: how long it took and
	// whether it failed.
	BotAnswered(remote bool, took time.Duration, err error)
	// ChannelSend counts one attempt to send on a messaging channel;
	// outcome is "sent", "retry" or "failed".
	ChannelSend(ch baton.Channel, outcome string)
	// OutboxAttempt counts one attempt to deliver an integration event;
	// kind is "webhook", "helpdesk" or "notifier", outcome "delivered",
	// "retry" or "failed".
	OutboxAttempt(kind, outcome string)
}

// noMetrics is the Metrics of an engine that has none.
type noMetrics struct{}

func (noMetrics) MessageIn(baton.Channel)                {}
func (noMetrics) MessageOut(baton.Channel, baton.Author) {}
func (noMetrics) Handoff(baton.Trigger, string)          {}
func (noMetrics) Assigned(string, time.Duration)         {}
func (noMetrics) BotAnswered(bool, time.Duration, error) {}
func (noMetrics) ChannelSend(baton.Channel, string)      {}
func (noMetrics) OutboxAttempt(string, string)           {}
