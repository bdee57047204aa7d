package engine_test

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/batonhq/baton"
	"github.com/batonhq/baton/engine"
	"github.com/batonhq/baton/lifecycle"
	"github.com/batonhq/baton/webhooks"
)

// receiver is a webhook subscriber that checks every delivery's signature
// on its own, the way the documentation tells receivers to, and can be
// made to fail.
type receiver struct {
	t      *testing.T
	secret string
	mu     sync.Mutex
	down   bool
	got    []baton.HookBody
	seen   map[string]int
	bad    int
}

func newReceiver(t *testing.T, secret string) (*receiver, *httptest.Server) {
	r := &receiver{t: t, secret: secret, seen: map[string]int{}}
	srv := httptest.NewServer(r)
	t.Cleanup(srv.Close)
	return r, srv
}

func (rc *receiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	rc.mu.Lock()
	defer rc.mu.Unlock()
	if rc.down {
		http.Error(w, "down for maintenance", http.StatusInternalServerError)
		return
	}
	// X-Baton-Signature: t=<unix>,v1=<hex HMAC-SHA256 of "<t>.<body>">
	var ts, sig string
	for _, part := range strings.Split(r.Header.Get("X-Baton-Signature"), ",") {
		k, v, _ := strings.Cut(part, "=")
		switch k {
		case "t":
			ts = v
		case "v1":
			sig = v
		}
	}
	mac := hmac.New(sha256.New, []byte(rc.secret))
	mac.Write([]byte(ts + "." + string(body)))
	sec, _ := strconv.ParseInt(ts, 10, 64)
	if !hmac.Equal([]byte(sig), []byte(hex.EncodeToString(mac.Sum(nil)))) || time.Since(time.Unix(sec, 0)).Abs() > 5*time.Minute {
		rc.bad++
		http.Error(w, "bad signature", http.StatusUnauthorized)
		return
	}
	var b baton.HookBody
	if err := json.Unmarshal(body, &b); err != nil || b.ID == "" || r.Header.Get("X-Baton-Event") != b.Type ||
		r.Header.Get("X-Baton-Delivery") == "" {
		rc.bad++
		http.Error(w, "bad body", http.StatusBadRequest)
		return
	}
	rc.seen[b.ID]++
	rc.got = append(rc.got, b)
	w.WriteHeader(http.StatusNoContent)
}

func (rc *receiver) types(conversationID string) []string {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	var out []string
	for _, b := range rc.got {
		if b.Conversation.ID == conversationID {
			out = append(out, b.Type)
		}
	}
	return out
}

func (e *env) subscribe(t *testing.T, eng *engine.Engine, s *baton.Subscription) {
	t.Helper()
	s.Active, s.CreatedAt, s.UpdatedAt = true, e.clock.Now(), e.clock.Now()
	if err := e.db.PutSubscription(e.ctx, s); err != nil {
		t.Fatal(err)
	}
	eng.Webhooks = webhooks.New(nil)
	if err := eng.ReloadSubscriptions(e.ctx); err != nil {
		t.Fatal(err)
	}
}

func (e *env) pendingHooks(t testing.TB) int {
	t.Helper()
	ds, err := e.db.HookDeliveries(e.ctx, baton.HookDeliveryFilter{Status: baton.HookPending, Limit: 500})
	if err != nil {
		t.Fatal(err)
	}
	return len(ds)
}

func TestWebhooksSurviveAnOutageAndARestart(t *testing.T) {
	e := newEnv(t)
	rc, srv := newReceiver(t, "whsec_test")
	e.subscribe(t, e.eng, &baton.Subscription{ID: "wh_1", Name: "crm", URL: srv.URL, Secret: "whsec_test"})

	rc.down = true
	a, b := e.start(t, baton.ChannelWeb), e.start(t, baton.ChannelAPI)
	e.say(t, a, "when are you open")
	e.say(t, b, "I want to talk to a human") // nobody is signed in: a ticket
	e.say(t, a, "I want to talk to a human")
	// The receiver is down for an hour: every attempt fails, nothing is lost.
	for range 12 {
		e.eng.DeliverHooks(e.ctx)
		e.clock.Advance(5 * time.Minute)
	}
	if len(rc.got) != 0 || e.pendingHooks(t) == 0 {
		t.Fatalf("delivered %d during the outage, %d pending", len(rc.got), e.pendingHooks(t))
	}
	// Baton restarts in the middle of the retries; the receiver recovers.
	restarted := e.newEngine(e.db)
	e.subscribe(t, restarted, &baton.Subscription{ID: "wh_1", Name: "crm", URL: srv.URL, Secret: "whsec_test"})
	rc.mu.Lock()
	rc.down = false
	rc.mu.Unlock()
	for i := 0; i < 10 && e.pendingHooks(t) > 0; i++ {
		e.clock.Advance(40 * time.Minute)
		restarted.DeliverHooks(e.ctx)
	}
	if n := e.pendingHooks(t); n != 0 || rc.bad != 0 {
		t.Fatalf("%d still pending, %d refused by the receiver", n, rc.bad)
	}
	for id, n := range rc.seen {
		if n != 1 {
			t.Errorf("event %s arrived %d times", id, n)
		}
	}
	// In order per conversation, every lifecycle event.
	wantA := []string{baton.HookConversationCreated, baton.HookMessageCreated, baton.HookMessageCreated,
		baton.HookMessageCreated, baton.HookHandoffRequested, baton.HookMessageCreated, baton.HookTicketCreated}
	if got := rc.types(a); !slices.Equal(got, wantA) {
		t.Fatalf("conversation a: %v\nwant %v", got, wantA)
	}
	gotB := rc.types(b)
	if gotB[0] != baton.HookConversationCreated || !slices.Contains(gotB, baton.HookTicketCreated) {
		t.Fatalf("conversation b: %v", gotB)
	}
	// The log shows the retries.
	log, err := e.db.HookDeliveries(e.ctx, baton.HookDeliveryFilter{ConversationID: a, Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	first := log[len(log)-1]
	if first.Status != baton.HookDelivered || first.Attempts < 10 || first.StatusCode != http.StatusNoContent || first.DeliveredAt == nil {
		t.Fatalf("first delivery of a: %+v", first)
	}
}

func TestWebhookFiltersAndSubscriptionChanges(t *testing.T) {
	e := newEnv(t)
	rc, srv := newReceiver(t, "k1")
	e.subscribe(t, e.eng, &baton.Subscription{ID: "wh_h", Name: "handoffs", URL: srv.URL, Secret: "k1",
		Events: []string{baton.HookHandoffRequested, baton.HookTicketCreated}})
	id := e.start(t, baton.ChannelWeb)
	e.say(t, id, "when are you open")
	e.say(t, id, "I want to talk to a human")
	e.eng.DeliverHooks(e.ctx)
	if got := rc.types(id); !slices.Equal(got, []string{baton.HookHandoffRequested, baton.HookTicketCreated}) {
		t.Fatalf("got %v", got)
	}
	if h := rc.got[0].Handoff; h == nil || h.Trigger != baton.TriggerText || h.Text == "" {
		t.Fatalf("handoff.requested carries %+v, want the summary with its trigger", h)
	}
	if tk := rc.got[1].Ticket; tk == nil || tk.ConversationID != id {
		t.Fatalf("ticket.created carries %+v", tk)
	}

	// Deleting a subscription fails what it still had pending.
	rc.mu.Lock()
	rc.down = true
	rc.mu.Unlock()
	id2 := e.start(t, baton.ChannelWeb)
	e.say(t, id2, "I want to talk to a human")
	e.eng.DeliverHooks(e.ctx)
	if err := e.db.DeleteSubscription(e.ctx, "wh_h", e.clock.Now()); err != nil {
		t.Fatal(err)
	}
	if err := e.eng.ReloadSubscriptions(e.ctx); err != nil {
		t.Fatal(err)
	}
	failed, _ := e.db.HookDeliveries(e.ctx, baton.HookDeliveryFilter{ConversationID: id2, Status: baton.HookFailed})
	if len(failed) != 2 || failed[0].Error != "the subscription was deleted" || e.pendingHooks(t) != 0 {
		t.Fatalf("after delete: failed %+v, %d pending", failed, e.pendingHooks(t))
	}
	// With no subscription left, changes queue nothing.
	e.say(t, e.start(t, baton.ChannelWeb), "when are you open")
	if n := e.pendingHooks(t); n != 0 {
		t.Fatalf("%d deliveries queued with no subscriber", n)
	}
}

func TestWebhookGivesUpAtTheLimitAndCanBeRetried(t *testing.T) {
	e := newEnv(t)
	rc, srv := newReceiver(t, "k")
	e.subscribe(t, e.eng, &baton.Subscription{ID: "wh_1", Name: "x", URL: srv.URL, Secret: "k", Events: []string{baton.HookConversationCreated}})
	e.eng.HookMaxAttempts = 3
	rc.down = true
	id := e.start(t, baton.ChannelWeb)
	for range 5 {
		e.eng.DeliverHooks(e.ctx)
		e.clock.Advance(time.Hour)
	}
	log, _ := e.db.HookDeliveries(e.ctx, baton.HookDeliveryFilter{ConversationID: id})
	if len(log) != 1 || log[0].Status != baton.HookFailed || log[0].Attempts != 3 || log[0].StatusCode != 500 ||
		!strings.Contains(log[0].Error, "500") {
		t.Fatalf("log %+v", log)
	}
	rc.down = false
	if _, err := e.db.RetryHookDelivery(e.ctx, log[0].ID, e.clock.Now()); err != nil {
		t.Fatal(err)
	}
	e.eng.DeliverHooks(e.ctx)
	if got := rc.types(id); len(got) != 1 {
		t.Fatalf("after a retry by hand: %v", got)
	}
	if _, err := e.db.RetryHookDelivery(e.ctx, log[0].ID, e.clock.Now()); baton.ErrorCode(err) != baton.ECONFLICT {
		t.Fatalf("retrying a delivered event: %v", err)
	}
}

// fakeNotifier records alerts.
type fakeNotifier struct {
	mu     sync.Mutex
	alerts []*baton.Alert
}

func (f *fakeNotifier) Notify(_ context.Context, a *baton.Alert) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.alerts = append(f.alerts, a)
	return nil
}

func TestUrgentHandoffAlertsOnce(t *testing.T) {
	e := newEnv(t)
	n := &fakeNotifier{}
	e.eng.Notifiers = map[string]baton.Notifier{"slack": n}
	e.eng.PublicURL = "https://support.example.com/"
	e.addAgent(t, "a_1", "Alex", baton.StatusOnline, 1)
	e.addAgent(t, "a_2", "Sam", baton.StatusOnline, 1)
	busy := e.start(t, baton.ChannelWeb)
	e.say(t, busy, "I want to talk to a human") // Alex or Sam takes it
	sub := e.hub.Subscribe(func(ev baton.Event) bool { return ev.Type == baton.EventTypeAlert })
	defer sub.Close()

	id := e.start(t, baton.ChannelWeb)
	e.say(t, id, "this is urgent, my card was charged twice")
	e.say(t, id, "hello??")
	calm := e.start(t, baton.ChannelWeb)
	e.say(t, calm, "I want to talk to a human")
	e.eng.DeliverHooks(e.ctx)
	if len(n.alerts) != 1 {
		t.Fatalf("%d alerts, want 1", len(n.alerts))
	}
	a := n.alerts[0]
	if a.ConversationID != id || a.Priority != baton.PriorityUrgent || a.Text != "this is urgent, my card was charged twice" ||
		a.URL != "https://support.example.com/inbox/#"+id || a.Summary == "" {
		t.Fatalf("alert %+v", a)
	}
	select {
	case ev := <-sub.C:
		if ev.Conversation.ID != id {
			t.Fatalf("inbox alert for %s", ev.Conversation.ID)
		}
	default:
		t.Fatal("the inbox was not alerted")
	}
}

// fakeHelpdesk records what it was asked.
type fakeHelpdesk struct {
	created []*baton.HelpdeskTicket
	updates []*baton.TicketUpdate
	ext     []string
}

func (f *fakeHelpdesk) CreateTicket(_ context.Context, t *baton.HelpdeskTicket) (string, error) {
	f.created = append(f.created, t)
	return "ZD-" + strconv.Itoa(len(f.created)), nil
}

func (f *fakeHelpdesk) UpdateTicket(_ context.Context, ext string, u *baton.TicketUpdate) error {
	f.updates = append(f.updates, u)
	f.ext = append(f.ext, ext)
	return nil
}

func TestTicketsAreMirroredToTheHelpdesk(t *testing.T) {
	e := newEnv(t)
	hd := &fakeHelpdesk{}
	e.eng.Helpdesk = hd
	id := e.start(t, baton.ChannelWeb)
	e.say(t, id, "when are you open")
	e.say(t, id, "I want to talk to a human") // nobody signed in: a ticket
	e.eng.DeliverHooks(e.ctx)
	c := e.conv(t, id)
	if len(hd.created) != 1 || c.TicketID == "" {
		t.Fatalf("created %d tickets; conversation ticket %q", len(hd.created), c.TicketID)
	}
	ht := hd.created[0]
	if ht.Ticket.ID != c.TicketID || ht.Customer.Name != "Dana" || ht.Summary == "" || len(ht.Transcript) < 3 ||
		ht.Transcript[0].Text != "when are you open" {
		t.Fatalf("helpdesk ticket %+v", ht)
	}
	if tk, _ := e.db.Ticket(e.ctx, c.TicketID); tk.ExternalID != "ZD-1" {
		t.Fatalf("external id %q", tk.ExternalID)
	}
	// An agent takes the ticket's conversation, answers and hands it back.
	a := e.addAgent(t, "a_1", "Alex", baton.StatusOnline, 3)
	if _, err := e.eng.AgentMessage(e.ctx, a, id, "Your refund is on its way", "r1", false); err != nil {
		t.Fatal(err)
	}
	if _, err := e.eng.AgentMessage(e.ctx, a, id, "private: checked in Stripe", "n1", true); err != nil {
		t.Fatal(err)
	}
	if _, err := e.eng.Release(e.ctx, a, id, false); err != nil {
		t.Fatal(err)
	}
	e.eng.DeliverHooks(e.ctx)
	if len(hd.updates) != 2 || hd.updates[0].Kind != baton.TicketAgentReplied || hd.updates[0].Text != "Your refund is on its way" ||
		hd.updates[0].Author != "Alex" || hd.updates[1].Kind != baton.TicketResolved || !slices.Equal(hd.ext, []string{"ZD-1", "ZD-1"}) {
		t.Fatalf("updates %+v to %v", hd.updates, hd.ext)
	}
}

func TestSurveyAndClosedTicketEventsCarryTheirRecords(t *testing.T) {
	e := newEnv(t)
	rc, srv := newReceiver(t, "0123456789abcdef")
	e.subscribe(t, e.eng, &baton.Subscription{ID: "wh_1", Name: "x", URL: srv.URL, Secret: "0123456789abcdef",
		Events: []string{baton.HookTicketClosed, baton.HookSurveyAnswered}})
	id := e.start(t, baton.ChannelWeb)
	e.say(t, id, "I want to talk to a human") // a ticket
	a := e.addAgent(t, "a_1", "Alex", baton.StatusOnline, 3)
	if _, err := e.eng.AgentMessage(e.ctx, a, id, "Sorted, your refund is on its way", "r1", false); err != nil {
		t.Fatal(err)
	}
	if _, err := e.eng.Release(e.ctx, a, id, true); err != nil {
		t.Fatal(err)
	}
	e.say(t, id, "5")
	e.say(t, id, "quick and friendly")
	e.eng.DeliverHooks(e.ctx)
	if got := rc.types(id); !slices.Equal(got, []string{baton.HookTicketClosed, baton.HookSurveyAnswered, baton.HookSurveyAnswered}) {
		t.Fatalf("events %v", got)
	}
	if tk := rc.got[0].Ticket; tk.Status != baton.TicketClosed || tk.Subject == "" || tk.Department != "support" || tk.CreatedAt.IsZero() {
		t.Fatalf("ticket.closed carries %+v", tk)
	}
	if s1, s2 := rc.got[1].Survey, rc.got[2].Survey; s1.Rating != 5 || s1.Comment != "" || s2.Rating != 5 || s2.Comment != "quick and friendly" {
		t.Fatalf("surveys %+v then %+v", s1, s2)
	}
}

func TestTransferKeepsTheHelpdeskTicketOpen(t *testing.T) {
	e := newEnv(t, &baton.Department{Name: "billing", Title: "Billing"})
	hd := &fakeHelpdesk{}
	e.eng.Helpdesk = hd
	id := e.start(t, baton.ChannelWeb)
	e.say(t, id, "I want to talk to a human")
	a := e.addAgent(t, "a_1", "Alex", baton.StatusOnline, 3, "support", "billing")
	if _, err := e.eng.Claim(e.ctx, a, id); err != nil {
		t.Fatal(err)
	}
	if _, err := e.eng.Transfer(e.ctx, a, id, lifecycle.TransferTarget{Department: e.depts["billing"]}); err != nil {
		t.Fatal(err)
	}
	e.eng.DeliverHooks(e.ctx)
	if len(hd.created) != 1 || len(hd.updates) != 0 {
		t.Fatalf("created %d, updates %+v: a transfer is not a resolution", len(hd.created), hd.updates)
	}
}

func TestGoneReceiverPausesItsSubscription(t *testing.T) {
	e := newEnv(t)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusGone) }))
	defer srv.Close()
	e.subscribe(t, e.eng, &baton.Subscription{ID: "wh_1", Name: "x", URL: srv.URL, Secret: "0123456789abcdef"})
	id := e.start(t, baton.ChannelWeb)
	e.eng.DeliverHooks(e.ctx)
	s, _ := e.db.Subscription(e.ctx, "wh_1")
	log, _ := e.db.HookDeliveries(e.ctx, baton.HookDeliveryFilter{ConversationID: id})
	if s.Active || len(log) != 1 || log[0].Status != baton.HookFailed || log[0].Attempts != 1 {
		t.Fatalf("subscription active %v, log %+v", s.Active, log)
	}
	e.say(t, id, "when are you open")
	if n := e.pendingHooks(t); n != 0 {
		t.Fatalf("%d events queued for a paused subscription", n)
	}
}

// A receiver that hangs holds up only its own events.
func TestHangingReceiverDoesNotHoldUpOthers(t *testing.T) {
	e := newEnv(t)
	release := make(chan struct{})
	var hung atomic.Int32
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hung.Add(1)
		<-release
	}))
	defer slow.Close()
	fast, fastSrv := newReceiver(t, "0123456789abcdef")
	e.subscribe(t, e.eng, &baton.Subscription{ID: "wh_slow", Name: "slow", URL: slow.URL, Secret: "0123456789abcdef",
		Events: []string{baton.HookConversationCreated}})
	e.subscribe(t, e.eng, &baton.Subscription{ID: "wh_fast", Name: "fast", URL: fastSrv.URL, Secret: "0123456789abcdef",
		Events: []string{baton.HookConversationCreated}})
	for range 20 {
		e.start(t, baton.ChannelWeb)
	}
	done := make(chan struct{})
	go func() { e.eng.DeliverHooks(e.ctx); close(done) }()
	deadline := time.Now().Add(10 * time.Second)
	for {
		fast.mu.Lock()
		n := len(fast.got)
		fast.mu.Unlock()
		if n == 20 {
			break
		}
		if time.Now().After(deadline) {
			close(release)
			t.Fatalf("the fast receiver got %d of 20 while the slow one hung", n)
		}
		time.Sleep(10 * time.Millisecond)
	}
	if n := hung.Load(); n == 0 || n > 8 {
		t.Errorf("%d requests hanging at the slow receiver at once, want 1 to 8", n)
	}
	close(release)
	<-done
	if n := e.pendingHooks(t); n != 0 {
		t.Fatalf("%d still pending", n)
	}
}
