package engine_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/batonhq/baton"
	"github.com/batonhq/baton/engine"
)

// fakeSender is a platform's send API: it records what it was given and
// answers with the errors queued in fail, then with success.
type fakeSender struct {
	mu   sync.Mutex
	sent []*baton.Outgoing
	fail []error
	n    int
}

func (f *fakeSender) Send(_ context.Context, out *baton.Outgoing) (string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.fail) > 0 {
		err := f.fail[0]
		f.fail = f.fail[1:]
		return "", err
	}
	f.n++
	cp := *out
	f.sent = append(f.sent, &cp)
	return fmt.Sprintf("wamid.out.%d", f.n), nil
}

func (f *fakeSender) texts() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []string
	for _, o := range f.sent {
		out = append(out, o.Text)
	}
	return out
}

func (e *env) withSender(ch baton.Channel, account string) *fakeSender {
	f := &fakeSender{}
	e.eng.Senders = map[string]baton.Sender{engine.SenderKey(ch, account): f}
	return f
}

func (e *env) inbound(tb testing.TB, ch baton.Channel, user, msgID, text string) string {
	tb.Helper()
	err := e.eng.Inbound(e.ctx, baton.Inbound{Channel: ch, Account: "main", UserID: user, Name: "Dana", Phone: "+" + user,
		MessageID: msgID, Text: text, Locale: "en", At: e.clock.Now()})
	if err != nil {
		tb.Fatalf("inbound %q: %v", text, err)
	}
	c, err := e.db.ConversationByChannelUser(e.ctx, ch, "main", user)
	if err != nil {
		tb.Fatal(err)
	}
	return c.ID
}

func TestInboundIsStoredOnceAndAnswered(t *testing.T) {
	e := newEnv(t)
	wa := e.withSender(baton.ChannelWhatsApp, "main")
	id := e.inbound(t, baton.ChannelWhatsApp, "31612345678", "wamid.in.1", "when are you open")
	// The platform delivers it again, to this process and after a restart.
	if again := e.inbound(t, baton.ChannelWhatsApp, "31612345678", "wamid.in.1", "when are you open"); again != id {
		t.Fatalf("the repeated delivery opened conversation %s, want %s", again, id)
	}
	restarted := e.newEngine(e.db)
	if err := restarted.Inbound(e.ctx, baton.Inbound{Channel: baton.ChannelWhatsApp, Account: "main", UserID: "31612345678",
		MessageID: "wamid.in.1", Text: "when are you open"}); err != nil {
		t.Fatal(err)
	}
	customer := 0
	for _, m := range e.timeline(t, id) {
		if m.Author == baton.AuthorCustomer {
			customer++
		}
	}
	c := e.conv(t, id)
	if customer != 1 || c.Channel != baton.ChannelWhatsApp || c.ChannelUser != "31612345678" || c.Contact.Phone != "+31612345678" {
		t.Fatalf("%d customer messages in %+v", customer, c)
	}

	// The bot's answer goes out through the outbox, once.
	e.eng.Deliver(e.ctx)
	e.eng.Deliver(e.ctx)
	if got := wa.texts(); len(got) != 1 || got[0] != hoursAnswer {
		t.Fatalf("sent %q, want the bot's answer once", got)
	}
	if o := wa.sent[0]; o.Delivery.UserID != "31612345678" || !o.Window.Open {
		t.Fatalf("outgoing %+v", o)
	}
	ms := e.timeline(t, id)
	answer := ms[len(ms)-1]
	if answer.Delivery == nil || answer.Delivery.Status != baton.DeliverySent || answer.Delivery.PlatformID != "wamid.out.1" {
		t.Fatalf("answer's delivery %+v", answer.Delivery)
	}
	// WhatsApp reports it read, then (late) delivered: read stays.
	sub := e.hub.Subscribe(func(ev baton.Event) bool { return ev.Message != nil && ev.Message.Delivery != nil })
	defer sub.Close()
	for _, st := range []baton.DeliveryStatus{baton.DeliveryRead, baton.DeliveryDelivered} {
		if err := e.eng.StatusUpdate(e.ctx, baton.StatusUpdate{Channel: baton.ChannelWhatsApp, Account: "main",
			PlatformID: "wamid.out.1", Status: st, At: e.clock.Now()}); err != nil {
			t.Fatal(err)
		}
	}
	if m, _ := e.db.Message(e.ctx, id, answer.Seq); m.Delivery.Status != baton.DeliveryRead {
		t.Fatalf("after read then delivered: %s", m.Delivery.Status)
	}
	select {
	case ev := <-sub.C:
		if ev.Message.Seq != answer.Seq || ev.Message.Delivery.Status != baton.DeliveryRead {
			t.Fatalf("published %+v", ev.Message.Delivery)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the inbox was not told the message was read")
	}
	// A status for a message Baton never sent is ignored.
	if err := e.eng.StatusUpdate(e.ctx, baton.StatusUpdate{Channel: baton.ChannelWhatsApp, PlatformID: "wamid.other",
		Status: baton.DeliveryRead}); err != nil {
		t.Fatal(err)
	}
}

func TestDeliveryRetriesInOrderThenFailsVisibly(t *testing.T) {
	e := newEnv(t)
	wa := e.withSender(baton.ChannelWhatsApp, "main")
	id := e.inbound(t, baton.ChannelWhatsApp, "31612345678", "wamid.in.1", "when are you open")
	e.inbound(t, baton.ChannelWhatsApp, "31612345678", "wamid.in.2", "gibberish xyzzy")
	wa.fail = []error{&baton.SendError{Retry: true, RetryAfter: 90 * time.Second, Reason: "429 too many messages"}}

	e.eng.Deliver(e.ctx)
	if len(wa.texts()) != 0 {
		t.Fatalf("sent %q although the first answer waits for its retry", wa.texts())
	}
	e.clock.Advance(89 * time.Second)
	e.eng.Deliver(e.ctx)
	if len(wa.texts()) != 0 {
		t.Fatal("retried before the platform's Retry-After")
	}
	e.clock.Advance(2 * time.Second)
	e.eng.Deliver(e.ctx)
	if got := wa.texts(); len(got) != 2 || got[0] != hoursAnswer || got[1] != fallback {
		t.Fatalf("after the wait: %q, want both answers in order", got)
	}

	// A final refusal: failed on the message, and noted for the agents.
	wa.fail = []error{&baton.SendError{Reason: "131026 message undeliverable"}}
	e.inbound(t, baton.ChannelWhatsApp, "31612345678", "wamid.in.3", "when are you open")
	e.eng.Deliver(e.ctx)
	ms := e.timeline(t, id)
	var failed *baton.Message
	var note *baton.Message
	for i := range ms {
		if m := &ms[i]; m.Delivery != nil && m.Delivery.Status == baton.DeliveryFailed {
			failed = m
		}
		if m := &ms[i]; m.Event == baton.EventDeliveryFailed {
			note = m
		}
	}
	if failed == nil || !strings.Contains(failed.Delivery.Error, "undeliverable") {
		t.Fatalf("no failed delivery on the timeline: %+v", ms)
	}
	if note == nil || !note.Private || !strings.Contains(note.Text, "undeliverable") || !strings.Contains(note.Text, "WhatsApp") {
		t.Fatalf("agents' note %+v", note)
	}
}

func TestDeliveryGivesUpAfterMaxAttempts(t *testing.T) {
	e := newEnv(t)
	wa := e.withSender(baton.ChannelTelegram, "main")
	id := e.inbound(t, baton.ChannelTelegram, "777", "777:1", "when are you open")
	for range engine.MaxDeliveryAttempts {
		wa.fail = append(wa.fail, &baton.SendError{Retry: true, Reason: "502 bad gateway"})
	}
	for range engine.MaxDeliveryAttempts + 2 {
		e.eng.Deliver(e.ctx)
		e.clock.Advance(time.Hour)
	}
	ms := e.timeline(t, id)
	var answer *baton.Message
	for i := range ms {
		if ms[i].Author == baton.AuthorBot {
			answer = &ms[i]
		}
	}
	if answer == nil || answer.Delivery == nil || answer.Delivery.Status != baton.DeliveryFailed ||
		answer.Delivery.Attempts != engine.MaxDeliveryAttempts || len(wa.texts()) != 0 {
		t.Fatalf("after %d failures: %+v, sent %q", engine.MaxDeliveryAttempts, answer.Delivery, wa.texts())
	}
}

func TestWhatsAppWindowForAgents(t *testing.T) {
	e := newEnv(t)
	wa := e.withSender(baton.ChannelWhatsApp, "main")
	tmpl := &baton.Template{Name: "reopen_conversation", Language: "en_US"}
	e.eng.Rules.Template = func(c *baton.Conversation) *baton.Template { return tmpl }
	a := e.addAgent(t, "a_1", "Alex", baton.StatusOnline, 3)
	id := e.inbound(t, baton.ChannelWhatsApp, "31612345678", "wamid.in.1", "I want to talk to a human")

	e.clock.Advance(23*time.Hour + 59*time.Minute)
	if _, err := e.eng.AgentMessage(e.ctx, a, id, "Sorry for the wait!", "r1", false); err != nil {
		t.Fatalf("at 23:59 a reply is allowed: %v", err)
	}
	e.clock.Advance(2 * time.Minute) // 24:01
	_, err := e.eng.AgentMessage(e.ctx, a, id, "Are you still there?", "r2", false)
	if baton.ErrorCode(err) != baton.ECONFLICT || !strings.Contains(baton.ErrorMessage(err), "template") {
		t.Fatalf("at 24:01: %v, want a conflict that points to the template", err)
	}
	if _, err := e.eng.AgentMessage(e.ctx, a, id, "customer went quiet", "n1", true); err != nil {
		t.Fatalf("a private note is always allowed: %v", err)
	}
	if _, err := e.eng.AgentTemplate(e.ctx, a, id, "t1"); err != nil {
		t.Fatal(err)
	}
	e.eng.Deliver(e.ctx)
	var tmplSent *baton.Outgoing
	for _, o := range wa.sent {
		if o.Template != nil {
			tmplSent = o
		}
		if strings.Contains(o.Text, "customer went quiet") || strings.Contains(o.Text, "still there") {
			t.Fatalf("sent %q to the customer", o.Text)
		}
	}
	if tmplSent == nil || tmplSent.Template.Name != "reopen_conversation" || tmplSent.Window.Open {
		t.Fatalf("template not sent: %+v", wa.sent)
	}

	// A message accepted inside the window but still failing past its end
	// is not sent free-form: it fails with the reason.
	id2 := e.inbound(t, baton.ChannelWhatsApp, "31699999999", "wamid.in.9", "when are you open")
	wa.fail = []error{&baton.SendError{Retry: true, RetryAfter: 25 * time.Hour, Reason: "503"}}
	e.eng.Deliver(e.ctx)
	e.clock.Advance(25 * time.Hour)
	e.eng.Deliver(e.ctx)
	ms := e.timeline(t, id2)
	if d := ms[len(ms)-2].Delivery; d == nil || d.Status != baton.DeliveryFailed || !strings.Contains(d.Error, "24-hour") {
		t.Fatalf("late delivery: %+v", d)
	}
}

func TestMessengerHumanAgentTag(t *testing.T) {
	e := newEnv(t)
	fb := e.withSender(baton.ChannelMessenger, "main")
	a := e.addAgent(t, "a_1", "Alex", baton.StatusOnline, 3)
	id := e.inbound(t, baton.ChannelMessenger, "psid-1", "m_1", "I want to talk to a human")
	e.eng.Deliver(e.ctx)
	e.clock.Advance(30 * time.Hour)
	if _, err := e.eng.AgentMessage(e.ctx, a, id, "Back with an answer", "r1", false); err != nil {
		t.Fatal(err)
	}
	e.eng.Deliver(e.ctx)
	last := fb.sent[len(fb.sent)-1]
	if last.Text != "Back with an answer" || last.Window.Tag != baton.MessengerHumanAgentTag || !last.Window.Open {
		t.Fatalf("agent reply after 30 h: %+v", last)
	}
	e.clock.Advance(7 * 24 * time.Hour)
	if _, err := e.eng.AgentMessage(e.ctx, a, id, "Hello?", "r2", false); baton.ErrorCode(err) != baton.ECONFLICT {
		t.Fatalf("after 7 days: %v, want a conflict", err)
	}
}

func TestInboundStoresWhateverArrives(t *testing.T) {
	e := newEnv(t)
	long := strings.Repeat("a", 9000)
	for i, text := range []string{long, "  ", "bad \xff utf8"} {
		if err := e.eng.Inbound(e.ctx, baton.Inbound{Channel: baton.ChannelTelegram, Account: "main", UserID: "42",
			MessageID: fmt.Sprintf("42:%d", i), Text: text, Payload: strings.Repeat("p", 2000), Locale: strings.Repeat("x", 40)}); err != nil {
			t.Fatalf("message %d refused: %v", i, err)
		}
	}
	c, _ := e.db.ConversationByChannelUser(e.ctx, baton.ChannelTelegram, "main", "42")
	var got []string
	for _, m := range e.timeline(t, c.ID) {
		if m.Author == baton.AuthorCustomer {
			got = append(got, m.Text)
		}
	}
	if len(got) != 3 || !strings.HasSuffix(got[0], "…") || len([]rune(got[0])) != 8000 || got[1] != "[empty message]" || got[2] != "bad \uFFFD utf8" {
		t.Fatalf("stored %d messages: %.20q…", len(got), got)
	}
	if err := e.eng.Inbound(e.ctx, baton.Inbound{Channel: baton.ChannelTelegram, Account: "main", UserID: "42", Text: "x"}); baton.ErrorCode(err) != baton.EINVALID {
		t.Fatalf("no message id: %v", err)
	}
}

func TestMessengerReadWatermark(t *testing.T) {
	e := newEnv(t)
	fb := e.withSender(baton.ChannelMessenger, "main")
	id := e.inbound(t, baton.ChannelMessenger, "psid-1", "m_1", "when are you open")
	e.eng.Deliver(e.ctx)
	// The second answer is queued before the watermark but only sent
	// after it, on a retry: the customer cannot have read it.
	e.clock.Advance(time.Second)
	e.inbound(t, baton.ChannelMessenger, "psid-1", "m_2", "when are you open")
	fb.fail = []error{&baton.SendError{Retry: true, Reason: "503"}}
	e.eng.Deliver(e.ctx)
	watermark := e.clock.Now()
	e.clock.Advance(time.Minute)
	e.eng.Deliver(e.ctx)
	// Messenger: the customer read everything sent up to the watermark.
	if err := e.eng.StatusUpdate(e.ctx, baton.StatusUpdate{Channel: baton.ChannelMessenger, Account: "main", UserID: "psid-1",
		Before: watermark, Status: baton.DeliveryRead, At: e.clock.Now()}); err != nil {
		t.Fatal(err)
	}
	var statuses []baton.DeliveryStatus
	for _, m := range e.timeline(t, id) {
		if m.Delivery != nil {
			statuses = append(statuses, m.Delivery.Status)
		}
	}
	if len(statuses) != 2 || statuses[0] != baton.DeliveryRead || statuses[1] != baton.DeliverySent {
		t.Fatalf("statuses %v, want the first read and the one sent later still sent", statuses)
	}
}

func TestRepeatedFailureReportIsNotedOnce(t *testing.T) {
	e := newEnv(t)
	e.withSender(baton.ChannelWhatsApp, "main")
	id := e.inbound(t, baton.ChannelWhatsApp, "31612345678", "wamid.in.1", "when are you open")
	e.eng.Deliver(e.ctx)
	for range 2 {
		if err := e.eng.StatusUpdate(e.ctx, baton.StatusUpdate{Channel: baton.ChannelWhatsApp, Account: "main", PlatformID: "wamid.out.1",
			Status: baton.DeliveryFailed, Error: "131026 message undeliverable", At: e.clock.Now()}); err != nil {
			t.Fatal(err)
		}
	}
	notes := 0
	for _, m := range e.timeline(t, id) {
		if m.Event == baton.EventDeliveryFailed {
			notes++
		}
	}
	if notes != 1 {
		t.Fatalf("%d delivery_failed notes, want 1", notes)
	}
}

// flakyStore fails recording a delivery's outcome a number of times, as a
// store under load may.
type flakyStore struct {
	baton.Store
	mu         sync.Mutex
	failRecord int // failures left for outcomes (not claims)
}

func (s *flakyStore) UpdateDelivery(ctx context.Context, d *baton.Delivery) error {
	s.mu.Lock()
	fail := d.Attempts > 0 && s.failRecord > 0
	if fail {
		s.failRecord--
	}
	s.mu.Unlock()
	if fail {
		return baton.Errorf(baton.EUNAVAILABLE, "database is busy")
	}
	return s.Store.UpdateDelivery(ctx, d)
}

func TestSentMessageIsNotSentAgainWhenRecordingFails(t *testing.T) {
	e := newEnv(t)
	wa := e.withSender(baton.ChannelWhatsApp, "main")
	store := &flakyStore{Store: e.db, failRecord: 2}
	e.eng.Store = store
	id := e.inbound(t, baton.ChannelWhatsApp, "31612345678", "wamid.in.1", "when are you open")
	e.eng.Deliver(e.ctx) // recorded on the third try
	e.eng.Deliver(e.ctx)
	ms := e.timeline(t, id)
	if d := ms[len(ms)-1].Delivery; len(wa.texts()) != 1 || d.Status != baton.DeliverySent || d.PlatformID != "wamid.out.1" {
		t.Fatalf("sent %q, delivery %+v", wa.texts(), d)
	}

	// Recording never succeeds: the delivery is not due again until its
	// lease ends, then it is sent again rather than lost.
	store.failRecord = 100
	id2 := e.inbound(t, baton.ChannelWhatsApp, "31699999999", "wamid.in.2", "when are you open")
	e.eng.Deliver(e.ctx)
	e.clock.Advance(30 * time.Second)
	e.eng.Deliver(e.ctx)
	if got := len(wa.texts()); got != 2 {
		t.Fatalf("%d sends before the lease ended, want 2", got)
	}
	store.failRecord = 0
	e.clock.Advance(2 * time.Minute)
	e.eng.Deliver(e.ctx)
	ms = e.timeline(t, id2)
	if d := ms[len(ms)-1].Delivery; len(wa.texts()) != 3 || d.Status != baton.DeliverySent {
		t.Fatalf("after the lease: %d sends, delivery %+v", len(wa.texts()), d)
	}
}

// reportingSender is a platform that reports on a message before its send
// call has returned, and on one sent from elsewhere, repeatedly.
type reportingSender struct {
	eng     *engine.Engine
	reports []error
	other   []error
}

func (s *reportingSender) Send(ctx context.Context, out *baton.Outgoing) (string, error) {
	s.reports = append(s.reports, s.eng.StatusUpdate(ctx, baton.StatusUpdate{Channel: baton.ChannelWhatsApp, Account: "main",
		PlatformID: "wamid.early", Status: baton.DeliveryDelivered, At: t0}))
	for range 5 {
		s.other = append(s.other, s.eng.StatusUpdate(ctx, baton.StatusUpdate{Channel: baton.ChannelWhatsApp, Account: "main",
			PlatformID: "wamid.from-the-phone-app", Status: baton.DeliveryRead, At: t0}))
	}
	return "wamid.early", nil
}

func TestEarlyStatusReportIsRefusedUntilTheSendIsRecorded(t *testing.T) {
	e := newEnv(t)
	s := &reportingSender{eng: e.eng}
	e.eng.Senders = map[string]baton.Sender{engine.SenderKey(baton.ChannelWhatsApp, "main"): s}
	id := e.inbound(t, baton.ChannelWhatsApp, "31612345678", "wamid.in.1", "when are you open")
	e.eng.Deliver(e.ctx)
	if len(s.reports) != 1 || baton.ErrorCode(s.reports[0]) != baton.EUNAVAILABLE {
		t.Fatalf("early report: %v, want unavailable so the platform repeats it", s.reports)
	}
	// A report on a message Baton never sent is refused a few times only.
	var refused int
	for _, err := range s.other {
		if baton.ErrorCode(err) == baton.EUNAVAILABLE {
			refused++
		}
	}
	if refused != 3 || s.other[4] != nil {
		t.Fatalf("reports on an unknown message: %v, want 3 refused then taken", s.other)
	}
	// The platform repeats it: now it is recorded.
	if err := e.eng.StatusUpdate(e.ctx, baton.StatusUpdate{Channel: baton.ChannelWhatsApp, Account: "main",
		PlatformID: "wamid.early", Status: baton.DeliveryDelivered, At: e.clock.Now()}); err != nil {
		t.Fatal(err)
	}
	ms := e.timeline(t, id)
	if d := ms[len(ms)-1].Delivery; d.Status != baton.DeliveryDelivered {
		t.Fatalf("delivery %+v", d)
	}
	// A report on a message Baton never sent, with nothing in flight, is
	// taken and ignored.
	if err := e.eng.StatusUpdate(e.ctx, baton.StatusUpdate{Channel: baton.ChannelWhatsApp, Account: "main",
		PlatformID: "wamid.other", Status: baton.DeliveryRead, At: e.clock.Now()}); err != nil {
		t.Fatal(err)
	}
}

func TestWindowCountsFromWhenTheCustomerWrote(t *testing.T) {
	e := newEnv(t)
	e.withSender(baton.ChannelWhatsApp, "main")
	a := e.addAgent(t, "a_1", "Alex", baton.StatusOnline, 3)
	// The webhook arrives two hours after the customer wrote.
	if err := e.eng.Inbound(e.ctx, baton.Inbound{Channel: baton.ChannelWhatsApp, Account: "main", UserID: "316",
		MessageID: "wamid.in.1", Text: "I want to talk to a human", At: e.clock.Now().Add(-2 * time.Hour)}); err != nil {
		t.Fatal(err)
	}
	c, _ := e.db.ConversationByChannelUser(e.ctx, baton.ChannelWhatsApp, "main", "316")
	e.clock.Advance(22*time.Hour + time.Minute)
	if _, err := e.eng.AgentMessage(e.ctx, a, c.ID, "Hello?", "r1", false); baton.ErrorCode(err) != baton.ECONFLICT {
		t.Fatalf("24:01 after the customer wrote: %v, want a conflict", err)
	}
	// The same after a restart, from what is stored.
	if _, err := e.newEngine(e.db).AgentMessage(e.ctx, a, c.ID, "Hello?", "r1", false); baton.ErrorCode(err) != baton.ECONFLICT {
		t.Fatalf("after a restart: %v, want a conflict", err)
	}
}

func TestNoticesOutsideTheWindowStayOnTheTimeline(t *testing.T) {
	e := newEnv(t)
	wa := e.withSender(baton.ChannelWhatsApp, "main")
	e.eng.Rules.Template = func(c *baton.Conversation) *baton.Template {
		return &baton.Template{Name: "follow_up", Language: "en_US", Params: []string{"{customer_name}", "{agent_name}"}}
	}
	a := e.addAgent(t, "a_1", "Alex", baton.StatusAway, 3)
	id := e.inbound(t, baton.ChannelWhatsApp, "31612345678", "wamid.in.1", "when are you open")
	e.eng.Deliver(e.ctx)
	e.clock.Advance(26 * time.Hour)
	// Taking the conversation by sending the template adds "Alex joined",
	// which WhatsApp would refuse now: it is not sent, and not noted as
	// a failed delivery.
	if _, err := e.eng.AgentTemplate(e.ctx, a, id, "t1"); err != nil {
		t.Fatal(err)
	}
	e.eng.Deliver(e.ctx)
	last := wa.sent[len(wa.sent)-1]
	if len(wa.sent) != 2 || last.Template == nil || strings.Join(last.Template.Params, "|") != "Dana|Alex" {
		t.Fatalf("sent %+v, want the bot's answer then the template for Dana from Alex", wa.sent)
	}
	for _, m := range e.timeline(t, id) {
		if m.Event == baton.EventDeliveryFailed || m.Author == baton.AuthorSystem && m.Delivery != nil {
			t.Fatalf("entry %d %q (%s) has delivery %+v", m.Seq, m.Text, m.Event, m.Delivery)
		}
	}
	// Templates go out on WhatsApp only.
	fb := e.inbound(t, baton.ChannelMessenger, "psid-1", "m_1", "when are you open")
	e.clock.Advance(26 * time.Hour)
	if _, err := e.eng.AgentTemplate(e.ctx, a, fb, "t2"); baton.ErrorCode(err) != baton.EINVALID {
		t.Fatalf("template on Messenger: %v", err)
	}
}

// blockingSender is a platform that answers while Baton is stopping.
type blockingSender struct {
	stop    context.CancelFunc
	ctxErrs []error
	mu      sync.Mutex
	calls   int
}

func (s *blockingSender) Send(ctx context.Context, out *baton.Outgoing) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls++
	if s.stop != nil {
		s.stop() // Baton begins to stop while the platform answers
	}
	time.Sleep(time.Millisecond)
	s.ctxErrs = append(s.ctxErrs, ctx.Err())
	return fmt.Sprintf("wamid.out.%d", s.calls), nil
}

func TestSendsInFlightFinishOnShutdownAndRunOneAtATime(t *testing.T) {
	e := newEnv(t)
	ctx, stop := context.WithCancel(e.ctx)
	s := &blockingSender{stop: stop}
	e.eng.Senders = map[string]baton.Sender{engine.SenderKey(baton.ChannelWhatsApp, "main"): s}
	id := e.inbound(t, baton.ChannelWhatsApp, "31612345678", "wamid.in.1", "when are you open")
	e.eng.Deliver(ctx)
	ms := e.timeline(t, id)
	if d := ms[len(ms)-1].Delivery; s.calls != 1 || s.ctxErrs[0] != nil || d.Status != baton.DeliverySent {
		t.Fatalf("%d sends, context %v, delivery %+v: the send begun must finish and be recorded", s.calls, s.ctxErrs, d)
	}

	// Two Deliver calls at once (the loop and a test, or two ticks) send
	// each message once.
	s.stop = nil
	for i := range 20 {
		e.inbound(t, baton.ChannelWhatsApp, fmt.Sprintf("3170000%04d", i), fmt.Sprintf("wamid.in.x%d", i), "when are you open")
	}
	var wg sync.WaitGroup
	for range 3 {
		wg.Add(1)
		go func() { defer wg.Done(); e.eng.Deliver(e.ctx) }()
	}
	wg.Wait()
	if s.calls != 21 {
		t.Fatalf("%d sends, want 21", s.calls)
	}
}

// hangingSender is a platform that does not answer until released.
type hangingSender struct{ release chan struct{} }

func (s *hangingSender) Send(ctx context.Context, out *baton.Outgoing) (string, error) {
	<-s.release
	return "wamid.late", nil
}

func TestSlowAccountHoldsUpNoOther(t *testing.T) {
	e := newEnv(t)
	slow := &hangingSender{release: make(chan struct{})}
	tg := &fakeSender{}
	e.eng.Senders = map[string]baton.Sender{engine.SenderKey(baton.ChannelWhatsApp, "main"): slow,
		engine.SenderKey(baton.ChannelTelegram, "main"): tg}
	e.inbound(t, baton.ChannelWhatsApp, "31612345678", "wamid.in.1", "when are you open")
	e.inbound(t, baton.ChannelTelegram, "42", "42:1", "when are you open")
	done := make(chan struct{})
	go func() { e.eng.Deliver(e.ctx); close(done) }()
	deadline := time.Now().Add(10 * time.Second)
	for len(tg.texts()) == 0 {
		if time.Now().After(deadline) {
			close(slow.release)
			t.Fatal("the Telegram answer waited for the WhatsApp account")
		}
		time.Sleep(5 * time.Millisecond)
	}
	close(slow.release)
	<-done
}
