package engine

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/batonhq/baton"
	"github.com/batonhq/baton/lifecycle"
)

// Integrations: each stored change that matters to the systems around
// Baton carries its events into the outbox, in the same transaction; the
// outbox loop delivers them to webhook subscribers, the helpdesk and the
// notifiers, in order per conversation and integration.

// WebhookPoster posts an event to a subscriber, signed with its secret. It
// returns the HTTP status the subscriber answered (0 if none), and a
// *baton.SendError saying whether a retry may help when it failed.
type WebhookPoster interface {
	Post(ctx context.Context, s *baton.Subscription, d *baton.HookDelivery, body []byte) (status int, err error)
}

// DefaultHookAttempts is how often an integration event is tried before it
// fails: backoff doubling from 2 s to 30 min, so about 7½ hours in all.
const DefaultHookAttempts = 25

// Targets of integration events besides webhook subscriptions.
const (
	helpdeskTarget = "helpdesk"
	notifierPrefix = "notifier:"
)

// SetSubscriptions replaces the webhook subscriptions events are queued for.
func (e *Engine) SetSubscriptions(subs []*baton.Subscription) {
	e.subs.Store(&subs)
}

// ReloadSubscriptions reads the webhook subscriptions from the store.
func (e *Engine) ReloadSubscriptions(ctx context.Context) error {
	subs, err := e.Store.Subscriptions(ctx)
	if err != nil {
		return err
	}
	e.SetSubscriptions(subs)
	return nil
}

func (e *Engine) subscriptions() []*baton.Subscription {
	if p := e.subs.Load(); p != nil {
		return *p
	}
	return nil
}

// integrated reports whether any integration may receive events.
func (e *Engine) integrated() bool {
	return len(e.subscriptions()) > 0 || e.Helpdesk != nil || len(e.Notifiers) > 0
}

// targets returns who receives an event of type t about c.
func (e *Engine) targets(t string, c *baton.Conversation, m *baton.Message) []string {
	var out []string
	for _, s := range e.subscriptions() {
		if s.Wants(t) {
			out = append(out, s.Target())
		}
	}
	if e.Helpdesk != nil {
		switch {
		case t == baton.HookTicketCreated, t == baton.HookTicketClosed,
			t == baton.HookMessageCreated && c.TicketID != "" && m.Author == baton.AuthorAgent && !m.Private && m.Event == "":
			out = append(out, helpdeskTarget)
		}
	}
	if t == baton.HookHandoffUrgent {
		for name := range e.Notifiers {
			out = append(out, notifierPrefix+name)
		}
	}
	return out
}

// hookEvents returns the integration events of a decision taken on prev.
func (e *Engine) hookEvents(ctx context.Context, prev *baton.Conversation, d *lifecycle.Decision) []baton.HookEvent {
	c := d.Conversation
	var out []baton.HookEvent
	// add queues an event of type t for whoever wants it; m is the entry
	// it is about, if any. fill, which may read the store, runs only then.
	add := func(t string, at time.Time, m *baton.Message, fill func(b *baton.HookBody)) {
		about := m
		if about == nil {
			about = &baton.Message{}
		}
		targets := e.targets(t, c, about)
		if len(targets) == 0 {
			return
		}
		b := &baton.HookBody{ID: baton.NewID("evt"), Type: t, CreatedAt: at, Conversation: baton.NewHookConversation(c), Message: m}
		if fill != nil {
			fill(b)
		}
		body, err := json.Marshal(b)
		if err != nil {
			e.logger().Error("encode an integration event", "conversation", c.ID, "type", t, "err", err)
			return
		}
		out = append(out, baton.HookEvent{ID: b.ID, Type: t, ConversationID: c.ID, At: at, Body: body, Targets: targets})
	}
	summary := func(b *baton.HookBody) { b.Handoff = c.Summary(e.now()) }
	agent := func(id string) func(b *baton.HookBody) {
		return func(b *baton.HookBody) {
			summary(b)
			b.Agent = &baton.HookAgent{ID: id, Name: e.agentName(ctx, id)}
		}
	}
	for i := range d.Entries {
		m := &d.Entries[i]
		at := m.CreatedAt
		switch m.Event {
		case "", baton.EventTemplate:
			if m.Author != baton.AuthorSystem {
				add(baton.HookMessageCreated, at, m, nil)
			}
		case baton.EventCreated:
			add(baton.HookConversationCreated, at, nil, nil)
		case baton.EventHandoffRequested:
			add(baton.HookHandoffRequested, at, nil, summary)
		case baton.EventQueued:
			add(baton.HookQueued, at, nil, summary)
		case baton.EventAssigned:
			add(baton.HookAssigned, at, nil, agent(m.AgentID))
		case baton.EventAgentTookOver:
			add(baton.HookTakenOver, at, nil, agent(m.AgentID))
		case baton.EventTransferred:
			add(baton.HookTransferred, at, nil, func(b *baton.HookBody) {
				summary(b)
				if prev != nil {
					b.From = prev.Department
				}
			})
		case baton.EventReturnedToBot:
			add(baton.HookReturnedToBot, at, nil, nil)
		case baton.EventTicketCreated:
			add(baton.HookTicketCreated, at, nil, func(b *baton.HookBody) { summary(b); b.Ticket = d.Ticket })
		case baton.EventSurveyStarted:
			add(baton.HookSurveyStarted, at, nil, nil)
		case baton.EventSurveyAnswered:
			add(baton.HookSurveyAnswered, at, nil, func(b *baton.HookBody) { b.Survey = d.Survey })
		case baton.EventClosed:
			add(baton.HookClosed, at, nil, nil)
		case baton.EventReopened:
			add(baton.HookReopened, at, nil, nil)
		case baton.EventDeliveryFailed:
			add(baton.HookDeliveryFailed, at, m, nil)
		}
	}
	transferred, rated := false, false
	for i := range d.Entries {
		transferred = transferred || d.Entries[i].Event == baton.EventTransferred
		rated = rated || d.Entries[i].Event == baton.EventSurveyAnswered
	}
	if d.Survey != nil && !rated {
		// The comment that follows a rating: the survey as stored, with both.
		add(baton.HookSurveyAnswered, c.UpdatedAt, nil, func(b *baton.HookBody) {
			b.Survey = d.Survey
			if all, err := e.Store.Surveys(ctx, c.ID); err == nil {
				for i := range all {
					if s := all[i]; s.Resolution == d.Survey.Resolution {
						s.Comment, s.UpdatedAt = d.Survey.Comment, d.Survey.UpdatedAt
						b.Survey = &s
					}
				}
			}
		})
	}
	if d.CloseTicket != "" {
		n := len(out)
		add(baton.HookTicketClosed, c.UpdatedAt, nil, func(b *baton.HookBody) {
			b.Ticket = &baton.Ticket{ID: d.CloseTicket, ConversationID: c.ID}
			if t, err := e.Store.Ticket(ctx, d.CloseTicket); err == nil {
				b.Ticket = t
			}
			b.Ticket.Status, b.Ticket.UpdatedAt = baton.TicketClosed, c.UpdatedAt
		})
		if transferred && len(out) > n {
			// Moved to another department, not resolved: the helpdesk's
			// ticket stays open.
			ev := &out[n]
			ev.Targets = slices.DeleteFunc(ev.Targets, func(t string) bool { return t == helpdeskTarget })
			if len(ev.Targets) == 0 {
				out = out[:n]
			}
		}
	}
	if becameUrgent(prev, c) {
		// With the customer's words that made it urgent, if they did.
		var words *baton.Message
		for i := len(d.Entries) - 1; i >= 0; i-- {
			if d.Entries[i].Author == baton.AuthorCustomer {
				words = &d.Entries[i]
				break
			}
		}
		add(baton.HookHandoffUrgent, c.UpdatedAt, words, summary)
	}
	return out
}

// becameUrgent reports whether a request for a human became urgent in the
// change from prev to c: a new urgent request, or one raised to urgent.
func becameUrgent(prev, c *baton.Conversation) bool {
	h := c.Handoff
	if h == nil || h.Priority != baton.PriorityUrgent || c.Mode == baton.ModeBot || c.Mode == baton.ModeClosed {
		return false
	}
	if prev == nil || prev.Handoff == nil || prev.Mode == baton.ModeBot || prev.Mode == baton.ModeClosed {
		return true
	}
	return !prev.Handoff.RequestedAt.Equal(h.RequestedAt) || prev.Handoff.Priority != baton.PriorityUrgent
}

// RunHooks delivers integration events until ctx ends: at once when a
// change queues some, and every interval for retries that come due.
func (e *Engine) RunHooks(ctx context.Context, interval time.Duration) {
	wake := e.hookWake()
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		e.DeliverHooks(ctx)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-wake:
		}
	}
}

func (e *Engine) hookWake() chan struct{} {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.hooks == nil {
		e.hooks = make(chan struct{}, 1)
	}
	return e.hooks
}

func (e *Engine) wakeHooks() {
	select {
	case e.hookWake() <- struct{}{}:
	default:
	}
}

// hookWorkers bounds the attempts in flight to one integration.
const hookWorkers = 8

// DeliverHooks delivers the integration events that are due, once; calls
// run one at a time. Each integration is served on its own, so a receiver
// that hangs until every attempt times out slows only its own events.
func (e *Engine) DeliverHooks(ctx context.Context) {
	e.hookMu.Lock()
	defer e.hookMu.Unlock()
	targets, err := e.Store.DueHookTargets(ctx, e.now())
	if err != nil {
		e.logger().Error("read the integration outbox", "err", err)
		return
	}
	var wg sync.WaitGroup
	for _, t := range targets {
		wg.Add(1)
		go func() {
			defer wg.Done()
			e.deliverTarget(ctx, t)
		}()
	}
	wg.Wait()
}

// deliverTarget delivers what is due for one integration, in rounds: each
// takes the first pending event of each conversation, so a conversation's
// events arrive in order; the next round takes what came next.
func (e *Engine) deliverTarget(ctx context.Context, target string) {
	for round := 0; round < 1000 && ctx.Err() == nil; round++ {
		due, err := e.Store.DueHookDeliveries(ctx, e.now(), deliveryBatch, target)
		if err != nil {
			e.logger().Error("read the integration outbox", "target", target, "err", err)
			return
		}
		if len(due) == 0 {
			return
		}
		// Claim the round first: if an outcome cannot be recorded, or Baton
		// stops, the event is not due again until the lease ends.
		ids := make([]int64, len(due))
		for i, job := range due {
			ids[i] = job.Delivery.ID
		}
		if err := e.Store.ClaimHookDeliveries(ctx, ids, e.now().Add(sendLease)); err != nil {
			e.logger().Error("claim integration deliveries", "target", target, "err", err)
			return
		}
		sem := make(chan struct{}, hookWorkers)
		var wg sync.WaitGroup
		var unrecorded atomic.Bool
		for _, job := range due {
			sem <- struct{}{}
			wg.Add(1)
			go func() {
				defer func() { <-sem; wg.Done() }()
				if !e.deliverHook(ctx, job) {
					unrecorded.Store(true)
				}
			}()
		}
		wg.Wait()
		if unrecorded.Load() {
			return
		}
	}
}

// deliverHook makes one attempt at an integration delivery and records the
// outcome; false if it could not be recorded.
func (e *Engine) deliverHook(ctx context.Context, job *baton.HookJob) bool {
	d := job.Delivery
	log := e.logger().With("conversation", d.ConversationID, "event", d.EventType, "event_id", d.EventID, "target", d.Target)
	ctx = context.WithoutCancel(ctx)
	kind := targetKind(d.Target)
	code, err := e.dispatchHook(ctx, job)
	if kind == "webhook" && code == http.StatusGone {
		e.pauseSubscription(ctx, strings.TrimPrefix(d.Target, baton.WebhookTargetPrefix), log)
	}
	max := e.HookMaxAttempts
	if max <= 0 {
		max = DefaultHookAttempts
	}
	d.Attempts++
	d.StatusCode = code
	d.UpdatedAt = e.now()
	var se *baton.SendError
	switch {
	case err == nil:
		at := d.UpdatedAt
		d.Status, d.Error, d.DeliveredAt = baton.HookDelivered, "", &at
		e.metrics().OutboxAttempt(kind, "delivered")
	case asSendError(err, &se) && se.Retry && d.Attempts < max:
		wait := backoff(d.Attempts)
		if se.RetryAfter > wait {
			wait = se.RetryAfter
		}
		d.NextAttemptAt, d.Error = d.UpdatedAt.Add(wait), se.Reason
		e.metrics().OutboxAttempt(kind, "retry")
		log.Warn("integration delivery will be retried", "attempt", d.Attempts, "in", wait.Round(time.Second).String(), "status", code, "err", err)
	default:
		d.Status, d.Error = baton.HookFailed, sendReason(err)
		e.metrics().OutboxAttempt(kind, "failed")
		log.Error("integration delivery failed", "attempts", d.Attempts, "status", code, "err", err)
	}
	if rerr := retryWrite(func() error { return e.Store.UpdateHookDelivery(ctx, d) }); rerr != nil {
		log.Error("record an integration delivery", "status", d.Status, "err", rerr)
		return false
	}
	return true
}

func targetKind(target string) string {
	switch {
	case strings.HasPrefix(target, baton.WebhookTargetPrefix):
		return "webhook"
	case strings.HasPrefix(target, notifierPrefix):
		return "notifier"
	}
	return target
}

// dispatchHook sends one event to its integration.
func (e *Engine) dispatchHook(ctx context.Context, job *baton.HookJob) (int, error) {
	d := job.Delivery
	ctx, cancel := context.WithTimeout(ctx, sendTimeout)
	defer cancel()
	switch {
	case strings.HasPrefix(d.Target, baton.WebhookTargetPrefix):
		if e.Webhooks == nil {
			return 0, &baton.SendError{Reason: "webhooks are not configured"}
		}
		s, err := e.Store.Subscription(ctx, strings.TrimPrefix(d.Target, baton.WebhookTargetPrefix))
		if baton.ErrorCode(err) == baton.ENOTFOUND {
			return 0, &baton.SendError{Reason: "the subscription was deleted"}
		} else if err != nil {
			return 0, &baton.SendError{Retry: true, Reason: "read the subscription: " + err.Error()}
		}
		return e.Webhooks.Post(ctx, s, d, job.Event.Body)
	case strings.HasPrefix(d.Target, notifierPrefix):
		n := e.Notifiers[strings.TrimPrefix(d.Target, notifierPrefix)]
		if n == nil {
			return 0, &baton.SendError{Reason: "the notifier is no longer configured"}
		}
		var b baton.HookBody
		if err := json.Unmarshal(job.Event.Body, &b); err != nil {
			return 0, &baton.SendError{Reason: "unreadable event: " + err.Error()}
		}
		return 0, n.Notify(ctx, e.alert(ctx, &b))
	case d.Target == helpdeskTarget:
		if e.Helpdesk == nil {
			return 0, &baton.SendError{Reason: "no helpdesk is configured"}
		}
		var b baton.HookBody
		if err := json.Unmarshal(job.Event.Body, &b); err != nil {
			return 0, &baton.SendError{Reason: "unreadable event: " + err.Error()}
		}
		return 0, e.pushTicket(ctx, &b)
	}
	return 0, &baton.SendError{Reason: "unknown integration " + d.Target}
}

// alert is what notifiers say of an urgent handoff.
func (e *Engine) alert(ctx context.Context, b *baton.HookBody) *baton.Alert {
	c := b.Conversation
	a := &baton.Alert{ConversationID: c.ID, Priority: c.Priority, Department: c.Department, Customer: c.Contact,
		Channel: c.Channel, At: b.CreatedAt, URL: e.inboxURL(c.ID)}
	if h := b.Handoff; h != nil {
		a.Trigger, a.Reason, a.Summary, a.Department = h.Trigger, h.Reason, h.Text, h.Department
	}
	if b.Message != nil {
		a.Text = b.Message.Text
	} else if ms, err := e.Store.RecentMessages(ctx, c.ID, 20); err == nil {
		// Raised by an agent or a rule: the customer's last words.
		for i := len(ms) - 1; i >= 0; i-- {
			if ms[i].Author == baton.AuthorCustomer {
				a.Text = ms[i].Text
				break
			}
		}
	}
	return a
}

func (e *Engine) inboxURL(conversationID string) string {
	if e.PublicURL == "" {
		return ""
	}
	return strings.TrimSuffix(e.PublicURL, "/") + "/inbox/#" + conversationID
}

// transcriptLimit bounds the conversation a helpdesk ticket carries.
const transcriptLimit = 500

// pushTicket creates or updates the helpdesk's copy of a ticket.
func (e *Engine) pushTicket(ctx context.Context, b *baton.HookBody) error {
	id := b.Conversation.TicketID
	if b.Ticket != nil {
		id = b.Ticket.ID
	}
	t, err := e.Store.Ticket(ctx, id)
	if err != nil {
		return &baton.SendError{Retry: baton.ErrorCode(err) != baton.ENOTFOUND, Reason: "read ticket " + id + ": " + err.Error()}
	}
	if b.Type == baton.HookTicketCreated {
		if t.ExternalID != "" {
			return nil // created before a restart cut the recording short
		}
		c, err := e.Conversation(ctx, t.ConversationID)
		if err != nil {
			return &baton.SendError{Retry: true, Reason: "read the conversation: " + err.Error()}
		}
		ms, err := e.Store.Messages(ctx, c.ID, 0, transcriptLimit)
		if err != nil {
			return &baton.SendError{Retry: true, Reason: "read the conversation: " + err.Error()}
		}
		ht := &baton.HelpdeskTicket{Ticket: t, Customer: c.Contact, Channel: c.Channel, Locale: c.Locale, URL: e.inboxURL(c.ID)}
		if s := c.Summary(e.now()); s != nil {
			ht.Summary = s.Text
		}
		for _, m := range ms {
			if m.VisibleToCustomer() && m.Text != "" {
				ht.Transcript = append(ht.Transcript, m)
			}
		}
		ext, err := e.Helpdesk.CreateTicket(ctx, ht)
		if err != nil {
			return err
		}
		if err := e.Store.SetTicketExternalID(ctx, t.ID, ext); err != nil {
			// Not retried: the helpdesk has it; a retry would make a second.
			e.logger().Error("record the helpdesk's ticket id", "conversation", c.ID, "ticket", t.ID, "external_id", ext, "err", err)
		}
		return nil
	}
	if t.ExternalID == "" {
		return &baton.SendError{Reason: fmt.Sprintf("ticket %s was not created in the helpdesk", t.ID)}
	}
	u := &baton.TicketUpdate{Ticket: t, At: b.CreatedAt}
	switch b.Type {
	case baton.HookTicketClosed:
		u.Kind = baton.TicketResolved
	default:
		u.Kind = baton.TicketAgentReplied
		if b.Message != nil {
			u.Text, u.Author = b.Message.Text, e.agentName(ctx, b.Message.AgentID)
		}
	}
	return e.Helpdesk.UpdateTicket(ctx, t.ExternalID, u)
}

// PruneHooks deletes the delivery log's finished entries older than keep.
func (e *Engine) PruneHooks(ctx context.Context, keep time.Duration) {
	n, err := e.Store.PruneHooks(ctx, e.now().Add(-keep))
	if err != nil {
		e.logger().Error("prune the integration delivery log", "err", err)
	} else if n > 0 {
		e.logger().Info("pruned the integration delivery log", "deliveries", n)
	}
}

// PutSubscription stores a webhook subscription, created or changed, and
// queues events for it from now on.
func (e *Engine) PutSubscription(ctx context.Context, s *baton.Subscription) error {
	if err := e.Store.PutSubscription(ctx, s); err != nil {
		return err
	}
	return e.ReloadSubscriptions(ctx)
}

// DeleteSubscription deletes a webhook subscription; what it still had
// pending fails.
func (e *Engine) DeleteSubscription(ctx context.Context, id string) error {
	if err := e.Store.DeleteSubscription(ctx, id, e.now()); err != nil {
		return err
	}
	return e.ReloadSubscriptions(ctx)
}

// pauseSubscription stops queueing events for a subscriber that answered
// 410 Gone: it asked for no more. An administrator can resume it.
func (e *Engine) pauseSubscription(ctx context.Context, id string, log *slog.Logger) {
	s, err := e.Store.Subscription(ctx, id)
	if err != nil || !s.Active {
		return
	}
	s.Active, s.UpdatedAt = false, e.now().UTC()
	if err := e.PutSubscription(ctx, s); err != nil {
		log.Error("pause a subscription that answered 410 Gone", "err", err)
		return
	}
	log.Warn("webhook subscription paused: the receiver answered 410 Gone", "subscription", s.Name)
}

// RetryHookDelivery sends a failed integration delivery again, now.
func (e *Engine) RetryHookDelivery(ctx context.Context, id int64) (*baton.HookDelivery, error) {
	d, err := e.Store.RetryHookDelivery(ctx, id, e.now())
	if err == nil {
		e.wakeHooks()
	}
	return d, err
}
