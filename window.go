package baton

import (
	"fmt"
	"time"
)

// Messaging platforms let a business write to a customer only for a while
// after the customer last wrote.
const (
	// StandardWindow is WhatsApp's customer service window and Messenger's
	// standard messaging window.
	StandardWindow = 24 * time.Hour
	// HumanAgentWindow is how long Messenger lets a human agent answer,
	// with the HUMAN_AGENT message tag.
	HumanAgentWindow = 7 * 24 * time.Hour
)

// MessengerHumanAgentTag is the Messenger message tag for a human agent's
// reply after the standard window.
const MessengerHumanAgentTag = "HUMAN_AGENT"

// ReplyWindow says whether, and how, a message may reach the customer now.
type ReplyWindow struct {
	Open bool `json:"open"`
	// ClosesAt is when the current way of replying stops (zero: never).
	ClosesAt *time.Time `json:"closes_at,omitempty"`
	// Tag is the platform's message tag to send with (Messenger's HUMAN_AGENT).
	Tag string `json:"tag,omitempty"`
	// TemplateOnly: only an approved template may be sent (WhatsApp).
	TemplateOnly bool `json:"template_only,omitempty"`
	// Reason explains a closed window, for the agent.
	Reason string `json:"reason,omitempty"`
}

// Window returns the reply window of a conversation on its channel for a
// message by author at now. The platforms count from the customer's last
// message; a window is open strictly before its end.
func (c *Conversation) Window(author Author, now time.Time) ReplyWindow {
	switch c.Channel {
	case ChannelWhatsApp, ChannelMessenger:
	default:
		return ReplyWindow{Open: true}
	}
	if c.LastCustomerAt == nil {
		return ReplyWindow{Reason: fmt.Sprintf("the customer has not written on %s yet", c.Channel.Title())}
	}
	last := *c.LastCustomerAt
	std := last.Add(StandardWindow)
	if now.Before(std) {
		return ReplyWindow{Open: true, ClosesAt: &std}
	}
	ago := agoText(now.Sub(last))
	switch c.Channel {
	case ChannelWhatsApp:
		return ReplyWindow{TemplateOnly: true, Reason: fmt.Sprintf(
			"the customer last wrote %s ago; outside WhatsApp's 24-hour window only an approved template can be sent", ago)}
	default: // Messenger
		if agent := last.Add(HumanAgentWindow); author == AuthorAgent && now.Before(agent) {
			return ReplyWindow{Open: true, ClosesAt: &agent, Tag: MessengerHumanAgentTag}
		}
		if author == AuthorAgent {
			return ReplyWindow{Reason: fmt.Sprintf(
				"the customer last wrote %s ago; Messenger lets a person reply for 7 days after the customer's last message", ago)}
		}
		return ReplyWindow{Reason: fmt.Sprintf(
			"the customer last wrote %s ago; Messenger allows automated messages for 24 hours after the customer's last message", ago)}
	}
}

// Title is the channel's name for people.
func (c Channel) Title() string {
	switch c {
	case ChannelWhatsApp:
		return "WhatsApp"
	case ChannelMessenger:
		return "Messenger"
	case ChannelTelegram:
		return "Telegram"
	case ChannelWeb:
		return "web chat"
	case ChannelAPI:
		return "the API"
	}
	return string(c)
}

// agoText says how long ago in words an agent reads at a glance.
func agoText(d time.Duration) string {
	if h := int(d.Round(time.Hour) / time.Hour); h < 48 {
		return fmt.Sprintf("%d hours", h)
	}
	return fmt.Sprintf("%d days", int(d.Round(24*time.Hour)/(24*time.Hour)))
}
