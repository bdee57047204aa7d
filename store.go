package baton

import (
	"context"
	"time"
)

// Change is one atomic write to a conversation: its new state and what is
// appended to its timeline, plus the records that go with it.
//
// The store applies a change only if the stored version equals
// Conversation.Version-1 (or, with Create, if no such conversation exists),
// and reports ECONFLICT otherwise. An AppendOnly change leaves the stored
// state as it is and only appends Messages, which must continue the stored
// timeline: a seq already taken is ECONFLICT. A change is durable when
// Commit returns.
type Change struct {
	Create       bool
	AppendOnly   bool
	Conversation *Conversation
	Messages     []Message
	Ticket       *Ticket
	// CloseTicket names a ticket to mark closed.
	CloseTicket string
	// Assigned names the agent who got the conversation in this change;
	// their LastAssignedAt becomes the conversation's AssignedAt.
	Assigned string
	// Survey is a rating or a comment to store for Survey.Resolution;
	// a zero rating or an empty comment keeps what is stored.
	Survey *SurveyResponse
	// Handled records an agent's finished stretch of work on the conversation.
	Handled *Handling
	// Deliveries queue timeline entries of Messages for sending on the
	// conversation's messaging channel (Seq, Channel, Account, UserID,
	// NextAttemptAt and UpdatedAt are read); allowed in append-only changes.
	Deliveries []Delivery
	// Hooks are the integration events the change causes, each with the
	// integrations that receive it; allowed in append-only changes.
	Hooks []HookEvent
}

// Handling is one stretch of an agent's work on a conversation, from the
// moment they got it to the hand-back, transfer, sign-off or close. Recent
// handlings give a department's average handling time, which the expected
// wait is computed from.
type Handling struct {
	ConversationID string
	Department     string
	AgentID        string
	Start, End     time.Time
}

// ConversationFilter selects conversations to list.
type ConversationFilter struct {
	Modes       []Mode
	Departments []string
	Assignee    string
	Limit       int
}

// Store keeps Baton's state durably. Implementations: sqlite (embedded).
type Store interface {
	// Commit applies a change atomically and durably (see Change).
	Commit(ctx context.Context, c *Change) error

	Conversation(ctx context.Context, id string) (*Conversation, error)
	Conversations(ctx context.Context, f ConversationFilter) ([]*Conversation, error)
	// Queued returns every conversation waiting in a department's queue
	// ("" for all departments), in no particular order.
	Queued(ctx context.Context, department string) ([]*Conversation, error)
	// ClientMessageIDs returns the client message ids of a conversation,
	// keyed by ClientKey, with the seq each was stored under.
	ClientMessageIDs(ctx context.Context, conversationID string) (map[string]int64, error)
	Message(ctx context.Context, conversationID string, seq int64) (*Message, error)
	// Messages returns up to limit entries with seq > after, in order.
	Messages(ctx context.Context, conversationID string, after int64, limit int) ([]Message, error)
	// RecentMessages returns the last limit entries the customer can see, in order.
	RecentMessages(ctx context.Context, conversationID string, limit int) ([]Message, error)
	// ConversationByChannelUser finds the conversation of a customer on a
	// messaging channel account.
	ConversationByChannelUser(ctx context.Context, ch Channel, account, user string) (*Conversation, error)
	// DueAccounts returns the channel accounts with deliveries due.
	DueAccounts(ctx context.Context, now time.Time) ([]Account, error)
	// DueDeliveries returns an account's pending deliveries whose time has
	// come, each the first pending one of its conversation (the rest wait
	// their turn), with the entry's author, text and buttons.
	DueDeliveries(ctx context.Context, now time.Time, limit int, a Account) ([]*Outgoing, error)
	// ClaimDeliveries puts off pending deliveries until a time, while they
	// are being sent.
	ClaimDeliveries(ctx context.Context, ids []int64, until time.Time) error
	// UpdateDelivery stores a delivery's status, attempts, next attempt,
	// error and platform id.
	UpdateDelivery(ctx context.Context, d *Delivery) error
	// ApplyStatusUpdate moves the delivery the platform names forward (a
	// status never goes back) and returns it, and whether it moved;
	// ENOTFOUND if unknown.
	ApplyStatusUpdate(ctx context.Context, u StatusUpdate) (d *Delivery, moved bool, err error)
	// ApplyWatermark moves forward every delivery to u.UserID on the
	// account queued at or before u.Before, and returns those it moved.
	ApplyWatermark(ctx context.Context, u StatusUpdate) ([]*Delivery, error)
	// IdleAgentConversations returns conversations in agent mode whose last
	// activity is at or before idleSince.
	IdleAgentConversations(ctx context.Context, idleSince time.Time, limit int) ([]string, error)

	CreateAgent(ctx context.Context, a *Agent) error
	// SetAgentStatus and SetAgentToken change one thing of an agent, so
	// that two changes at once never undo each other.
	SetAgentStatus(ctx context.Context, id string, s AgentStatus, at time.Time) error
	SetAgentToken(ctx context.Context, id string, hash []byte, at time.Time) error
	// SetAgentPassword replaces an agent's password hash and ends their
	// browser sessions.
	SetAgentPassword(ctx context.Context, id string, hash []byte, at time.Time) error
	// AgentByEmail finds an agent by email, ignoring case.
	AgentByEmail(ctx context.Context, email string) (*Agent, error)
	// SetAgentProfile stores an agent's name, email, departments, skills
	// and capacity.
	SetAgentProfile(ctx context.Context, a *Agent) error
	Agent(ctx context.Context, id string) (*Agent, error)
	AgentByTokenHash(ctx context.Context, hash []byte) (*Agent, error)
	Agents(ctx context.Context) ([]*Agent, error)
	// ActiveCounts returns, per agent id, the conversations they hold now.
	ActiveCounts(ctx context.Context) (map[string]int, error)

	CreateSession(ctx context.Context, s *Session) error
	// Session returns the session with this token hash, expired or not.
	Session(ctx context.Context, tokenHash []byte) (*Session, error)
	ExtendSession(ctx context.Context, tokenHash []byte, expires time.Time) error
	DeleteSession(ctx context.Context, tokenHash []byte) error

	CreateIntegration(ctx context.Context, i *Integration) error
	IntegrationByTokenHash(ctx context.Context, hash []byte) (*Integration, error)

	Ticket(ctx context.Context, id string) (*Ticket, error)
	Tickets(ctx context.Context, status TicketStatus, limit int) ([]*Ticket, error)
	Surveys(ctx context.Context, conversationID string) ([]SurveyResponse, error)
	// HandlingTimes returns the durations of the department's most recent
	// handlings that ended at or after since, newest first, at most limit.
	HandlingTimes(ctx context.Context, department string, since time.Time, limit int) ([]time.Duration, error)

	// DueHookTargets returns the integrations with deliveries due.
	DueHookTargets(ctx context.Context, now time.Time) ([]string, error)
	// DueHookDeliveries returns a target's pending deliveries whose time
	// has come, each the first pending one of its conversation, with its
	// event.
	DueHookDeliveries(ctx context.Context, now time.Time, limit int, target string) ([]*HookJob, error)
	// ClaimHookDeliveries puts off pending deliveries until a time, while
	// they are being sent.
	ClaimHookDeliveries(ctx context.Context, ids []int64, until time.Time) error
	// UpdateHookDelivery stores a delivery's status, attempts, next
	// attempt, last status code and error.
	UpdateHookDelivery(ctx context.Context, d *HookDelivery) error
	HookDelivery(ctx context.Context, id int64) (*HookDelivery, error)
	HookEventBody(ctx context.Context, deliveryID int64) ([]byte, error)
	HookDeliveries(ctx context.Context, f HookDeliveryFilter) ([]*HookDelivery, error)
	// RetryHookDelivery makes a failed delivery pending again.
	RetryHookDelivery(ctx context.Context, id int64, now time.Time) (*HookDelivery, error)
	// PruneHooks deletes finished deliveries last changed before a time.
	PruneHooks(ctx context.Context, before time.Time) (int64, error)
	Subscription(ctx context.Context, id string) (*Subscription, error)
	Subscriptions(ctx context.Context) ([]*Subscription, error)
	// PutSubscription creates or replaces a subscription by its id.
	PutSubscription(ctx context.Context, s *Subscription) error
	// DeleteSubscription deletes a subscription and fails its pending
	// deliveries.
	DeleteSubscription(ctx context.Context, id string, now time.Time) error
	SetTicketExternalID(ctx context.Context, id, externalID string) error

	// Setting and SetSetting keep small server-wide values.
	Setting(ctx context.Context, key string) (string, error)
	SetSetting(ctx context.Context, key, value string) error
}

// Integration is a machine client, such as an external bot, with its own token.
type Integration struct {
	ID        string    `json:"id"`
	Name      string    `json:"name"`
	CreatedAt time.Time `json:"created_at"`
	TokenHash []byte    `json:"-"`
}
