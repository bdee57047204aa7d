package engine

import (
	"context"
	"math/rand/v2"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/batonhq/baton"
	"github.com/batonhq/baton/lifecycle"
)

// Messaging channels: the engine is the adapters' baton.ChannelSink, and
// it sends what the outbox holds through their baton.Senders.

// Inbound stores a customer's message from a messaging channel, opening
// the customer's conversation on their first message. It returns once the
// message is durable; the platform's message id makes a repeated delivery
// a no-op.
func (e *Engine) Inbound(ctx context.Context, in baton.Inbound) error {
	if in.UserID == "" || in.MessageID == "" {
		return baton.Errorf(baton.EINVALID, "an inbound message needs the customer's and the message's ids")
	}
	// What the customer sent is stored whatever it is: a platform retries
	// a refused webhook for days, and the agent must see that they wrote.
	in.Text = fit(strings.ToValidUTF8(in.Text, "\uFFFD"), lifecycle.MaxTextLength)
	if strings.TrimSpace(in.Text) == "" {
		in.Text = "[empty message]"
	}
	in.Payload = fit(in.Payload, lifecycle.MaxFieldLength)
	in.Name, in.Phone = fit(in.Name, lifecycle.MaxFieldLength), fit(in.Phone, lifecycle.MaxFieldLength)
	if len(in.Locale) > 35 {
		in.Locale = ""
	}
	c, err := e.Store.ConversationByChannelUser(ctx, in.Channel, in.Account, in.UserID)
	if baton.ErrorCode(err) == baton.ENOTFOUND {
		c, _, err = e.CreateConversation(ctx, baton.Conversation{Channel: in.Channel, Locale: in.Locale,
			Contact: baton.Contact{Name: in.Name, Phone: in.Phone}, ChannelAccount: in.Account, ChannelUser: in.UserID})
		if err != nil {
			// Two deliveries of the customer's first message at once: the
			// other created it.
			if again, err2 := e.Store.ConversationByChannelUser(ctx, in.Channel, in.Account, in.UserID); err2 == nil {
				c, err = again, nil
			}
		}
	}
	if err != nil {
		return err
	}
	_, err = e.CustomerMessage(ctx, c.ID, lifecycle.CustomerInput{Text: in.Text, ClientMessageID: in.MessageID,
		Payload: in.Payload, Locale: in.Locale, SentAt: in.At})
	return err
}

// StatusUpdate records a platform's report on a message Baton sent, and
// tells the inbox.
func (e *Engine) StatusUpdate(ctx context.Context, u baton.StatusUpdate) error {
	if u.PlatformID == "" {
		moved, err := e.Store.ApplyWatermark(ctx, u)
		for _, d := range moved {
			e.publishDelivery(ctx, d)
		}
		return err
	}
	d, moved, err := e.Store.ApplyStatusUpdate(ctx, u)
	if baton.ErrorCode(err) == baton.ENOTFOUND {
		if e.sending(u.Channel, u.Account) && e.deferReport(u.PlatformID) {
			// The platform can report on a message before its send call
			// has returned the id Baton records: refuse, so the platform
			// repeats the report once the id is known. A few times only:
			// on a busy account the report may be on a message sent from
			// elsewhere, which Baton will never know.
			return baton.Errorf(baton.EUNAVAILABLE, "a message on this account is being sent; report again")
		}
		// Not ours (sent from elsewhere, or before Baton): nothing to record.
		return nil
	}
	if err != nil || !moved {
		return err // a repeated or late report changes nothing
	}
	e.publishDelivery(ctx, d)
	if d.Status == baton.DeliveryFailed {
		e.deliveryFailed(ctx, d)
	}
	return nil
}

// publishDelivery sends the entry, with its delivery as it now stands, to
// the streams.
func (e *Engine) publishDelivery(ctx context.Context, d *baton.Delivery) {
	if e.Publisher == nil {
		return
	}
	m, err := e.Store.Message(ctx, d.ConversationID, d.Seq)
	if err != nil {
		return
	}
	c, err := e.Conversation(ctx, d.ConversationID)
	if err != nil {
		return
	}
	e.Publisher.Publish(baton.Event{Type: baton.EventTypeMessage, Conversation: c, Message: m})
}

// deliveryFailed notes on the timeline, for the agents, that a message did
// not reach the customer: a failed send is never silent.
func (e *Engine) deliveryFailed(ctx context.Context, d *baton.Delivery) {
	_, err := e.update(ctx, d.ConversationID, func(c *baton.Conversation, _ *entry) (*lifecycle.Decision, error) {
		return e.Rules.DeliveryFailed(c, d.Seq, d.Error, e.now())
	})
	if err != nil {
		e.logger().Error("note a failed delivery", "conversation", d.ConversationID, "seq", d.Seq, "err", err)
	}
}

// queueDeliveries adds to a change the entries that go out on the
// conversation's messaging channel. A notice from Baton itself ("Alex
// joined") that the platform would refuse now, outside its reply window,
// stays on the timeline only: it is not the agent's reply.
func queueDeliveries(ch *baton.Change, c *baton.Conversation, now time.Time) {
	if c.ChannelUser == "" {
		return
	}
	for i := range ch.Messages {
		m := &ch.Messages[i]
		if !m.Outbound() || m.Author == baton.AuthorSystem && !c.Window(m.Author, now).Open {
			continue
		}
		ch.Deliveries = append(ch.Deliveries, baton.Delivery{Seq: m.Seq, Channel: c.Channel, Account: c.ChannelAccount,
			UserID: c.ChannelUser, NextAttemptAt: now, UpdatedAt: now})
		// The entry as answered and published shows it is on its way.
		m.Delivery = &baton.Delivery{Status: baton.DeliveryPending, UpdatedAt: now}
	}
}

// Delivery retries: exponential backoff with jitter from 2 s, at most
// maxBackoff apart, until MaxDeliveryAttempts (about an hour in all).
const (
	MaxDeliveryAttempts = 12
	firstBackoff        = 2 * time.Second
	maxBackoff          = 30 * time.Minute
	sendTimeout         = 15 * time.Second
	// sendLease is how long a delivery being sent is not due again: if
	// Baton stops between the platform's answer and recording it, the
	// delivery is sent again after it (at least once, never lost).
	sendLease       = sendTimeout + time.Minute
	deliveryBatch   = 64
	deliveryWorkers = 8
)

// backoff is the wait after the n-th failed attempt: doubling from
// firstBackoff, with ±25% jitter so retries of many conversations spread.
func backoff(n int) time.Duration {
	d := firstBackoff << min(n-1, 20)
	if d > maxBackoff || d <= 0 {
		d = maxBackoff
	}
	return d - d/4 + time.Duration(rand.Int64N(int64(d/2)+1))
}

// RunDeliveries sends the outbox until ctx ends: at once when a change
// queues deliveries, and every interval for retries that come due.
func (e *Engine) RunDeliveries(ctx context.Context, interval time.Duration) {
	wake := e.outboxWake()
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		e.Deliver(ctx)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-wake:
		}
	}
}

func (e *Engine) outboxWake() chan struct{} {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.outbox == nil {
		e.outbox = make(chan struct{}, 1)
	}
	return e.outbox
}

func (e *Engine) wakeOutbox() {
	select {
	case e.outboxWake() <- struct{}{}:
	default: // already woken
	}
}

// Deliver sends the deliveries that are due, once. The background loop
// calls it every tick and whenever a change queued new ones. Calls run one
// at a time, so no delivery is sent by two at once. Each account is served
// on its own: a platform that is slow for one account holds up no other.
// When ctx ends, sends already begun finish and are recorded; no new one
// starts.
func (e *Engine) Deliver(ctx context.Context) {
	if len(e.Senders) == 0 {
		return
	}
	e.deliverMu.Lock()
	defer e.deliverMu.Unlock()
	accounts, err := e.Store.DueAccounts(ctx, e.now())
	if err != nil {
		e.logger().Error("read the outbox", "err", err)
		return
	}
	var wg sync.WaitGroup
	for _, a := range accounts {
		wg.Add(1)
		go func() {
			defer wg.Done()
			e.deliverAccount(ctx, a)
		}()
	}
	wg.Wait()
}

// deliverAccount sends what is due on one account, in rounds: each sends
// the first pending delivery of each conversation, in parallel across
// conversations; the next round sends what came next. Every attempt leaves
// its delivery done or scheduled later, so the rounds end when nothing is
// due.
func (e *Engine) deliverAccount(ctx context.Context, a baton.Account) {
	log := e.logger().With("channel", a.Channel, "account", a.Name)
	for round := 0; round < 1000 && ctx.Err() == nil; round++ {
		due, err := e.Store.DueDeliveries(ctx, e.now(), deliveryBatch, a)
		if err != nil {
			log.Error("read the outbox", "err", err)
			return
		}
		if len(due) == 0 {
			return
		}
		// Claim the round first: if recording an outcome fails, or Baton
		// stops, the message is not due again until the lease ends.
		ids := make([]int64, len(due))
		for i, out := range due {
			ids[i] = out.Delivery.ID
		}
		if err := e.Store.ClaimDeliveries(ctx, ids, e.now().Add(sendLease)); err != nil {
			log.Error("claim deliveries", "err", err)
			return
		}
		sem := make(chan struct{}, deliveryWorkers)
		var wg sync.WaitGroup
		var unrecorded atomic.Bool
		for _, out := range due {
			sem <- struct{}{}
			wg.Add(1)
			go func() {
				defer func() { <-sem; wg.Done() }()
				if !e.send(ctx, out) {
					unrecorded.Store(true)
				}
			}()
		}
		wg.Wait()
		if unrecorded.Load() {
			// The store did not take an outcome: stop here rather than
			// risk sending the same message again; the next tick retries.
			return
		}
	}
}

// send makes one attempt at a claimed delivery and records the outcome;
// false if the outcome could not be recorded.
func (e *Engine) send(ctx context.Context, out *baton.Outgoing) bool {
	d := out.Delivery
	log := e.logger().With("conversation", d.ConversationID, "seq", d.Seq, "channel", d.Channel, "account", d.Account)
	// A send that has begun finishes even when Baton is stopping.
	ctx = context.WithoutCancel(ctx)
	done := e.beginSend(d.Channel, d.Account)
	defer done()
	platformID, err := e.attempt(ctx, out)
	d.Attempts++
	d.UpdatedAt = e.now()
	var se *baton.SendError
	switch {
	case err == nil:
		d.Status, d.PlatformID, d.Error = baton.DeliverySent, platformID, ""
		e.metrics().ChannelSend(d.Channel, "sent")
	case asSendError(err, &se) && se.Retry && d.Attempts < MaxDeliveryAttempts:
		wait := backoff(d.Attempts)
		if se.RetryAfter > wait {
			wait = se.RetryAfter
		}
		d.NextAttemptAt, d.Error = d.UpdatedAt.Add(wait), se.Reason
		e.metrics().ChannelSend(d.Channel, "retry")
		log.Warn("delivery will be retried", "attempt", d.Attempts, "in", wait.Round(time.Second).String(), "err", err)
	default:
		d.Status, d.Error = baton.DeliveryFailed, sendReason(err)
		e.metrics().ChannelSend(d.Channel, "failed")
		log.Error("delivery failed", "attempts", d.Attempts, "err", err)
	}
	if err := e.record(ctx, d); err != nil {
		log.Error("record a delivery", "status", d.Status, "platform_id", d.PlatformID, "err", err)
		return false
	}
	e.publishDelivery(ctx, d) // sent, failed, or pending with one more attempt
	if d.Status == baton.DeliveryFailed {
		e.deliveryFailed(ctx, d)
	}
	return true
}

// attempt sends a delivery once, as the platform's rules allow now.
func (e *Engine) attempt(ctx context.Context, out *baton.Outgoing) (string, error) {
	d := out.Delivery
	sender := e.Senders[SenderKey(d.Channel, d.Account)]
	if sender == nil {
		return "", &baton.SendError{Reason: "the " + d.Channel.Title() + " account " + d.Account + " is not configured"}
	}
	c, err := e.Conversation(ctx, d.ConversationID)
	if err != nil {
		// Counted as an attempt, so a conversation that cannot be read
		// fails its delivery in the end instead of holding the outbox.
		return "", &baton.SendError{Retry: true, Reason: "the conversation could not be read: " + err.Error()}
	}
	out.Window = c.Window(out.Author, e.now())
	if out.Event == baton.EventTemplate {
		if e.Rules.Template != nil {
			out.Template = renderTemplate(e.Rules.Template(c), c, e.agentName(ctx, c.Assignee))
		}
		if out.Template == nil {
			return "", &baton.SendError{Reason: "no WhatsApp template is configured for department " + c.Department}
		}
	} else if !out.Window.Open {
		// Accepted inside the window, but retried past its end.
		return "", &baton.SendError{Reason: out.Window.Reason}
	}
	ctx, cancel := context.WithTimeout(ctx, sendTimeout)
	defer cancel()
	return sender.Send(ctx, out)
}

// record stores a delivery's outcome, trying a few times: the message may
// have reached the customer, and an unrecorded send is sent again.
func (e *Engine) record(ctx context.Context, d *baton.Delivery) error {
	return retryWrite(func() error { return e.Store.UpdateDelivery(ctx, d) })
}

// retryWrite runs a store write a few times over about a second and a
// half, for outcomes that must not be lost to a moment's load: a message
// or event that went out and is not recorded goes out again.
func retryWrite(write func() error) error {
	var err error
	for i, wait := range []time.Duration{0, 50 * time.Millisecond, 250 * time.Millisecond, time.Second} {
		if i > 0 {
			time.Sleep(wait)
		}
		if err = write(); err == nil || baton.ErrorCode(err) == baton.ENOTFOUND {
			return err
		}
	}
	return err
}

// beginSend counts a send in flight on an account until done is called.
func (e *Engine) beginSend(ch baton.Channel, account string) (done func()) {
	k := SenderKey(ch, account)
	e.mu.Lock()
	if e.inflight == nil {
		e.inflight = map[string]int{}
	}
	e.inflight[k]++
	e.mu.Unlock()
	return func() {
		e.mu.Lock()
		if e.inflight[k]--; e.inflight[k] <= 0 {
			delete(e.inflight, k)
		}
		e.mu.Unlock()
	}
}

// maxDeferredReports is how often a report on an unknown message is
// refused while sends are in flight, before it is taken and ignored.
const maxDeferredReports = 3

// deferReport counts a refusal of a report on an unknown platform id and
// says whether it may be refused once more.
func (e *Engine) deferReport(platformID string) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.deferred == nil || len(e.deferred) > 10_000 {
		e.deferred = map[string]int{} // bounded: old entries are stale anyway
	}
	if e.deferred[platformID] >= maxDeferredReports {
		return false
	}
	e.deferred[platformID]++
	return true
}

// sending reports whether a send on the account is in flight.
func (e *Engine) sending(ch baton.Channel, account string) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.inflight[SenderKey(ch, account)] > 0
}

func (e *Engine) agentName(ctx context.Context, id string) string {
	if id == "" {
		return ""
	}
	a, err := e.Store.Agent(ctx, id)
	if err != nil {
		return ""
	}
	return a.Name
}

func asSendError(err error, target **baton.SendError) bool {
	se, ok := err.(*baton.SendError)
	if ok {
		*target = se
	}
	return ok
}

func sendReason(err error) string {
	if se, ok := err.(*baton.SendError); ok {
		return se.Reason
	}
	return err.Error()
}

// SenderKey names a channel account among Engine.Senders.
func SenderKey(ch baton.Channel, account string) string { return string(ch) + "/" + account }

// renderTemplate fills {customer_name} and {agent_name} in a template's
// parameters. WhatsApp refuses an empty parameter, so an unknown name
// reads "there" ("Hi there") and an unknown agent "our team".
func renderTemplate(t *baton.Template, c *baton.Conversation, agent string) *baton.Template {
	if t == nil {
		return nil
	}
	customer := strings.TrimSpace(c.Contact.Name)
	if customer == "" {
		customer = "there"
	}
	if agent = strings.TrimSpace(agent); agent == "" {
		agent = "our team"
	}
	fill := strings.NewReplacer("{customer_name}", customer, "{agent_name}", agent)
	r := *t
	r.Params = make([]string, len(t.Params))
	for i, p := range t.Params {
		r.Params[i] = fill.Replace(p)
	}
	return &r
}

// fit cuts s to at most n characters, ending a cut text with "…".
func fit(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n-1]) + "…"
}
