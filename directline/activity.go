package directline

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/batonhq/baton"
)

// UserIDAttribute is the contact attribute that keeps the user id a Direct
// Line client gave, so the customer's messages come back from that id.
const UserIDAttribute = "directline_user_id"

// channelID is what activities say they came through.
const channelID = "directline"

// Senders that are not the customer. Everything but the customer is on the
// "bot" side for Web Chat, which lays out messages by from.role.
var (
	botAccount    = account{ID: "baton-bot", Name: "Bot", Role: "bot"}
	systemAccount = account{ID: "baton", Name: "Baton", Role: "bot"}
)

// activity is a Direct Line (Bot Framework) activity as Baton sends it.
type activity struct {
	Type             string            `json:"type"`
	ID               string            `json:"id"`
	Timestamp        string            `json:"timestamp"`
	ChannelID        string            `json:"channelId"`
	Conversation     conversationRef   `json:"conversation"`
	From             account           `json:"from"`
	Text             string            `json:"text,omitempty"`
	Locale           string            `json:"locale,omitempty"`
	SuggestedActions *suggestedActions `json:"suggestedActions,omitempty"`
	ReplyToID        string            `json:"replyToId,omitempty"`
	ChannelData      *channelData      `json:"channelData,omitempty"`
	// Name and Value of an echoed event activity.
	Name  string          `json:"name,omitempty"`
	Value json.RawMessage `json:"value,omitempty"`
}

type conversationRef struct {
	ID string `json:"id"`
}

type account struct {
	ID   string `json:"id"`
	Name string `json:"name,omitempty"`
	Role string `json:"role,omitempty"`
}

type suggestedActions struct {
	Actions []cardAction `json:"actions"`
}

type cardAction struct {
	Type  string `json:"type"`
	Title string `json:"title"`
	Value string `json:"value"`
}

// channelData carries the client's own id for its message, which Web Chat
// matches to mark the message sent, and where the activity stands in Baton.
type channelData struct {
	ClientActivityID string `json:"clientActivityID,omitempty"`
	// SequenceID orders the transcript in Web Chat, which reads it as a
	// Unix time in milliseconds (see mapper.at).
	SequenceID float64 `json:"webchat:sequence-id,omitempty"`
	// PostBack marks a tapped quick reply, as the client posted it: Web
	// Chat keeps such taps out of the transcript, as with Azure's Direct Line.
	PostBack bool       `json:"postBack,omitempty"`
	Baton    *batonData `json:"baton,omitempty"`
}

type batonData struct {
	Seq     int64        `json:"seq"`
	Author  baton.Author `json:"author"`
	Event   string       `json:"event,omitempty"`
	Payload string       `json:"payload,omitempty"`
}

// activitySet is a page of activities, on the stream and from GET.
type activitySet struct {
	Activities []activity `json:"activities"`
	Watermark  string     `json:"watermark"`
}

// activityID names the activity of a timeline entry: the conversation and
// the seq, zero-padded so ids sort in timeline order.
func activityID(conversationID string, seq int64) string {
	return fmt.Sprintf("%s|%07d", conversationID, seq)
}

func watermark(seq int64) string { return strconv.FormatInt(seq, 10) }

// parseWatermark reads a watermark Baton handed out; empty is the start.
func parseWatermark(v string) (int64, error) {
	if v == "" {
		return 0, nil
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n < 0 {
		return 0, baton.Errorf(baton.EINVALID, "watermark %q is not one this server gave out", v)
	}
	return n, nil
}

// timestamp formats a time the way activities carry it: RFC 3339 in UTC
// with a fixed six digits of fraction (Baton keeps microseconds), so that
// timestamps also sort as strings.
func timestamp(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000000Z07:00") }

// mapper turns timeline entries of one conversation into activities.
type mapper struct {
	s              *Server
	conversationID string
	locale         string
	user           account
	// lastCustomer is the id of the latest customer message mapped, which
	// the answers after it reply to.
	lastCustomer string
	// prevAt and run place the entries of one change in order in time
	// (see at).
	prevAt time.Time
	run    int
}

// newMapper maps for conversation c as seen by the credential's holder.
func (s *Server) newMapper(c *baton.Conversation, cred credential) *mapper {
	return &mapper{s: s, conversationID: c.ID, locale: c.Locale, user: customerAccount(c, cred)}
}

// customerAccount is who the customer is on Direct Line: the user id given
// when the conversation was opened, else the one in the caller's token,
// else "user".
func customerAccount(c *baton.Conversation, cred credential) account {
	a := account{ID: c.Contact.Attributes[UserIDAttribute], Name: c.Contact.Name, Role: "user"}
	if a.ID == "" && cred.claims != nil {
		a.ID = cred.claims.User
	}
	if a.ID == "" {
		a.ID = "user"
	}
	return a
}

// at is when an entry is said to be written. The entries of one change
// (the customer's message and the bot's answer) share a time, and Web Chat
// sorts by time alone, so an answer could show above its question: each
// entry after the first of a run with the same time is a microsecond later.
// The next change comes after a durable commit, far more than the few
// microseconds a run adds. Every entry, seen or not, passes through here in
// seq order; prime starts a mapper in the middle of a timeline.
func (m *mapper) at(msg *baton.Message) time.Time {
	if msg.CreatedAt.Equal(m.prevAt) {
		m.run++
	} else {
		m.prevAt, m.run = msg.CreatedAt, 0
	}
	return msg.CreatedAt.Add(time.Duration(m.run) * time.Microsecond)
}

// maxRun is how far back prime looks for entries of the same change.
const maxRun = 16

// prime readies the mapper to map the entries after seq after.
func (m *mapper) prime(ctx context.Context, after int64) error {
	if after <= 0 {
		return nil
	}
	from := max(0, after-maxRun)
	msgs, err := m.s.Store.Messages(ctx, m.conversationID, from, int(after-from))
	if err != nil {
		return err
	}
	for i := range msgs {
		if msgs[i].Seq <= after {
			m.at(&msgs[i])
		}
	}
	return nil
}

// activity maps one entry; ok is false for what the customer does not see
// as a message (private entries, system events without words). Entries
// must come in seq order, from the one after the mapper's start.
func (m *mapper) activity(ctx context.Context, msg *baton.Message) (activity, bool) {
	at := m.at(msg)
	if !msg.VisibleToCustomer() || strings.TrimSpace(msg.Text) == "" {
		return activity{}, false
	}
	a := activity{
		Type:         "message",
		ID:           activityID(m.conversationID, msg.Seq),
		Timestamp:    timestamp(at),
		ChannelID:    channelID,
		Conversation: conversationRef{ID: m.conversationID},
		Text:         msg.Text,
		Locale:       m.locale,
		ChannelData: &channelData{SequenceID: float64(at.UnixMicro()) / 1000,
			Baton: &batonData{Seq: msg.Seq, Author: msg.Author, Event: msg.Event, Payload: msg.Payload}},
	}
	switch msg.Author {
	case baton.AuthorCustomer:
		a.From = m.user
		a.ChannelData.ClientActivityID = msg.ClientMessageID
		a.ChannelData.PostBack = msg.Payload != "" // Baton's buttons go out as postBack actions
		m.lastCustomer = a.ID
	case baton.AuthorBot:
		a.From = botAccount
	case baton.AuthorAgent:
		a.From = account{ID: "agent:" + msg.AgentID, Name: m.s.agentName(ctx, msg.AgentID), Role: "bot"}
	default:
		a.From = systemAccount
	}
	if msg.Author != baton.AuthorCustomer {
		a.ReplyToID = m.lastCustomer
	}
	if len(msg.Buttons) > 0 {
		sa := &suggestedActions{Actions: make([]cardAction, len(msg.Buttons))}
		for i, b := range msg.Buttons {
			sa.Actions[i] = cardAction{Type: "postBack", Title: b.Title, Value: b.Payload}
		}
		a.SuggestedActions = sa
	}
	return a, true
}

// activities maps entries in order, skipping what the customer does not see.
func (m *mapper) activities(ctx context.Context, msgs []baton.Message) []activity {
	out := make([]activity, 0, len(msgs))
	for i := range msgs {
		if a, ok := m.activity(ctx, &msgs[i]); ok {
			out = append(out, a)
		}
	}
	return out
}
