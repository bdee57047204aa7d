package baton

import (
	"net/url"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// Integration events tell the systems around Baton what happened: webhook
// subscribers get them signed, a helpdesk gets its tickets from them, and
// notifiers get the urgent handoffs. Each event is written in the same
// transaction as what it reports, then delivered from the store's outbox
// to each integration, in order per conversation, retried until delivered.

// Integration event types.
const (
	HookConversationCreated = "conversation.created"
	HookMessageCreated      = "message.created"
	HookHandoffRequested    = "handoff.requested"
	HookHandoffUrgent       = "handoff.urgent"
	HookQueued              = "conversation.queued"
	HookAssigned            = "conversation.assigned"
	HookTakenOver           = "conversation.taken_over"
	HookTransferred         = "conversation.transferred"
	HookReturnedToBot       = "conversation.returned_to_bot"
	HookTicketCreated       = "ticket.created"
	HookTicketClosed        = "ticket.closed"
	HookSurveyStarted       = "survey.started"
	HookSurveyAnswered      = "survey.answered"
	HookClosed              = "conversation.closed"
	HookReopened            = "conversation.reopened"
	HookDeliveryFailed      = "message.delivery_failed"
)

// HookEventTypes lists every integration event type.
var HookEventTypes = []string{HookConversationCreated, HookMessageCreated, HookHandoffRequested, HookHandoffUrgent,
	HookQueued, HookAssigned, HookTakenOver, HookTransferred, HookReturnedToBot, HookTicketCreated, HookTicketClosed,
	HookSurveyStarted, HookSurveyAnswered, HookClosed, HookReopened, HookDeliveryFailed}

// HookEvent is one integration event, as stored in the outbox.
type HookEvent struct {
	// ID names the event ("evt_…"); a receiver deduplicates on it.
	ID             string
	Type           string
	ConversationID string
	At             time.Time
	// Body is the JSON document webhook subscribers receive (HookBody).
	Body []byte
	// Targets are the integrations that receive it: "webhook:<id>",
	// "helpdesk", "notifier:<name>".
	Targets []string
}

// HookBody is the JSON document of an event. Only the parts that concern
// the event are set.
type HookBody struct {
	ID           string            `json:"id"`
	Type         string            `json:"type"`
	CreatedAt    time.Time         `json:"created_at"`
	Conversation *HookConversation `json:"conversation"`
	Message      *Message          `json:"message,omitempty"`
	Handoff      *Summary          `json:"handoff,omitempty"`
	Ticket       *Ticket           `json:"ticket,omitempty"`
	Survey       *SurveyResponse   `json:"survey,omitempty"`
	Agent        *HookAgent        `json:"agent,omitempty"`
	// From is the department a transfer came from.
	From string `json:"from_department,omitempty"`
}

// HookConversation is a conversation as integrations see it.
type HookConversation struct {
	ID         string     `json:"id"`
	Channel    Channel    `json:"channel"`
	Locale     string     `json:"locale"`
	Contact    Contact    `json:"contact"`
	Mode       Mode       `json:"mode"`
	Department string     `json:"department"`
	Priority   Priority   `json:"priority"`
	Assignee   string     `json:"assignee,omitempty"`
	TicketID   string     `json:"ticket_id,omitempty"`
	CreatedAt  time.Time  `json:"created_at"`
	UpdatedAt  time.Time  `json:"updated_at"`
	QueuedAt   *time.Time `json:"queued_at,omitempty"`
	AssignedAt *time.Time `json:"assigned_at,omitempty"`
}

// NewHookConversation returns c as integrations see it.
func NewHookConversation(c *Conversation) *HookConversation {
	return &HookConversation{ID: c.ID, Channel: c.Channel, Locale: c.Locale, Contact: c.Contact, Mode: c.Mode,
		Department: c.Department, Priority: c.Priority, Assignee: c.Assignee, TicketID: c.TicketID,
		CreatedAt: c.CreatedAt, UpdatedAt: c.UpdatedAt, QueuedAt: c.QueuedAt, AssignedAt: c.AssignedAt}
}

// HookAgent names the agent an event is about.
type HookAgent struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

// HookStatus is where the delivery of an event to one integration stands.
type HookStatus string

const (
	HookPending   HookStatus = "pending"   // waiting, maybe for a retry
	HookDelivered HookStatus = "delivered" // the integration took it
	HookFailed    HookStatus = "failed"    // given up; see the error
)

// HookDelivery is the delivery of one event to one integration: a row of
// the outbox and of the delivery log.
type HookDelivery struct {
	ID             int64      `json:"id"`
	EventID        string     `json:"event_id"`
	EventType      string     `json:"event_type"`
	ConversationID string     `json:"conversation_id"`
	Target         string     `json:"target"`
	Status         HookStatus `json:"status"`
	Attempts       int        `json:"attempts"`
	NextAttemptAt  time.Time  `json:"next_attempt_at"`
	// StatusCode is the HTTP status of the last attempt, 0 if none came.
	StatusCode  int        `json:"last_status_code,omitempty"`
	Error       string     `json:"last_error,omitempty"`
	CreatedAt   time.Time  `json:"created_at"`
	UpdatedAt   time.Time  `json:"updated_at"`
	DeliveredAt *time.Time `json:"delivered_at,omitempty"`
}

// HookJob is a delivery that is due, with its event.
type HookJob struct {
	Delivery *HookDelivery
	Event    *HookEvent
}

// HookDeliveryFilter selects deliveries of the log, newest first.
type HookDeliveryFilter struct {
	Target         string
	Status         HookStatus
	ConversationID string
	EventType      string
	// Before pages: only deliveries with a smaller id.
	Before int64
	Limit  int
}

// Subscription sends events to a URL, signed with its secret.
type Subscription struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	URL  string `json:"url"`
	// Events are the event types sent; empty sends every type.
	Events []string `json:"events"`
	// Secret signs each delivery. It is kept as given, since signing
	// needs it, and never shown again after it is set.
	Secret string `json:"-"`
	// PreviousSecret also signs deliveries until PreviousUntil, after a
	// rotation, so a receiver can move to the new secret without losing
	// deliveries.
	PreviousSecret string     `json:"-"`
	PreviousUntil  *time.Time `json:"previous_secret_expires_at,omitempty"`
	Active         bool       `json:"active"`
	// Config: defined in the config file, changed only there.
	Config    bool      `json:"from_config"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// Wants reports whether the subscription sends events of type t.
func (s *Subscription) Wants(t string) bool {
	return s.Active && (len(s.Events) == 0 || slices.Contains(s.Events, t))
}

// Secrets are the secrets that sign a delivery at now: the current one,
// and the previous one during a rotation.
func (s *Subscription) Secrets(now time.Time) []string {
	if s.PreviousSecret != "" && s.PreviousUntil != nil && now.Before(*s.PreviousUntil) {
		return []string{s.Secret, s.PreviousSecret}
	}
	return []string{s.Secret}
}

// WebhookTargetPrefix starts a subscription's name among an event's
// targets: "webhook:<subscription id>".
const WebhookTargetPrefix = "webhook:"

// WebhookTarget names the subscription with this id among an event's
// targets.
func WebhookTarget(subscriptionID string) string { return WebhookTargetPrefix + subscriptionID }

// Target is the subscription's name among an event's targets.
func (s *Subscription) Target() string { return WebhookTarget(s.ID) }

// MinSecretLength is the shortest secret a subscription may sign with.
const MinSecretLength = 16

// Validate checks a subscription's name, URL, event types and secret.
func (s *Subscription) Validate() error {
	if s.Name = strings.TrimSpace(s.Name); s.Name == "" || utf8.RuneCountInString(s.Name) > 100 {
		return Errorf(EINVALID, "name is required, at most 100 characters")
	}
	u, err := url.Parse(s.URL)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || len(s.URL) > 2000 {
		return Errorf(EINVALID, "url must be an absolute http or https URL")
	}
	for _, t := range s.Events {
		if !slices.Contains(HookEventTypes, t) {
			return Errorf(EINVALID, "unknown event type %q; known: %s", t, strings.Join(HookEventTypes, ", "))
		}
	}
	if len(s.Secret) < MinSecretLength {
		return Errorf(EINVALID, "the secret must be at least %d characters", MinSecretLength)
	}
	return nil
}
