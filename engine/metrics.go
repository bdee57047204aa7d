package engine

import (
	"context"
	"time"

	"github.com/batonhq/baton"
	"github.com/batonhq/baton/lifecycle"
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

func (e *Engine) metrics() Metrics {
	if e.Metrics == nil {
		return noMetrics{}
	}
	return e.Metrics
}

// count reports a stored decision to the metrics.
func (e *Engine) count(prev *baton.Conversation, d *lifecycle.Decision) {
	if e.Metrics == nil {
		return
	}
	c := d.Conversation
	for i := range d.Entries {
		m := &d.Entries[i]
		switch {
		case m.Author == baton.AuthorCustomer:
			e.Metrics.MessageIn(c.Channel)
		case m.Event == baton.EventHandoffRequested && c.Handoff != nil:
			e.Metrics.Handoff(c.Handoff.Trigger, c.Handoff.Department)
		case m.Outbound():
			e.Metrics.MessageOut(c.Channel, m.Author)
		}
	}
	if d.Assigned != "" && c.QueuedAt != nil && c.AssignedAt != nil && prev != nil && prev.Mode == baton.ModeQueued {
		e.Metrics.Assigned(c.Department, c.AssignedAt.Sub(*c.QueuedAt))
	}
}

// botReply asks the bot, timing its answer for the metrics.
func (e *Engine) botReply(ctx context.Context, req baton.BotRequest) (*baton.BotReply, error) {
	start := time.Now()
	reply, err := e.Bot.Reply(ctx, req)
	e.metrics().BotAnswered(e.RemoteBot, time.Since(start), err)
	return reply, err
}
