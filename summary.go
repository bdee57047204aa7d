package baton

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"
)

// Summary is what an agent sees pinned above a conversation that needed a
// human: why, what is known, and how long the customer has waited. The
// customer is never asked again for what is here.
type Summary struct {
	Trigger     Trigger           `json:"trigger"`
	Reason      string            `json:"reason"`
	Intent      string            `json:"intent,omitempty"`
	Department  string            `json:"department"`
	Priority    Priority          `json:"priority"`
	Details     map[string]string `json:"details"`
	Locale      string            `json:"locale"`
	Channel     Channel           `json:"channel"`
	RequestedAt time.Time         `json:"requested_at"`
	// Waited is from the request until an agent first took the
	// conversation, or until now while the customer still waits.
	Waited Duration `json:"waited_seconds"`
	// Text is the same in one paragraph, for a notification or a ticket.
	Text string `json:"text"`
}

// Summary returns the handoff summary, nil if no human was ever asked for.
func (c *Conversation) Summary(now time.Time) *Summary {
	h := c.Handoff
	if h == nil {
		return nil
	}
	// The wait ends when an agent first took the conversation; it goes on
	// while the customer is still waiting for one.
	end := now
	switch {
	case h.AnsweredAt != nil:
		end = *h.AnsweredAt
	case c.AssignedAt != nil && !c.AssignedAt.Before(h.RequestedAt):
		end = *c.AssignedAt
	case c.Mode != ModeHandoff && c.Mode != ModeQueued && c.Mode != ModeTicket:
		end = c.UpdatedAt // nobody took it before it ended
	}
	s := &Summary{Trigger: h.Trigger, Reason: h.Reason, Intent: h.Intent, Department: h.Department,
		Priority: h.Priority, Details: cloneMap(h.Details), Locale: c.Locale, Channel: c.Channel,
		RequestedAt: h.RequestedAt, Waited: Duration(max(0, end.Sub(h.RequestedAt)))}
	if s.Details == nil {
		s.Details = map[string]string{}
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s (trigger %s", h.Reason, h.Trigger)
	if h.Intent != "" {
		fmt.Fprintf(&b, ", topic %s", h.Intent)
	}
	fmt.Fprintf(&b, "). %s priority, %s, %s via %s. Waited %s.", h.Priority, h.Department, c.Locale, c.Channel,
		time.Duration(s.Waited).Round(time.Second))
	if len(h.Details) > 0 {
		b.WriteString(" Details:")
		for i, k := range slices.Sorted(maps.Keys(h.Details)) {
			if i > 0 {
				b.WriteByte(',')
			}
			fmt.Fprintf(&b, " %s: %s", k, h.Details[k])
		}
		b.WriteByte('.')
	}
	s.Text = b.String()
	return s
}
