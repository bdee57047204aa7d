package engine_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/batonhq/baton"
	"github.com/batonhq/baton/lifecycle"
)

// remoteBot is a bot over the network: each call waits for release (if
// set) and answers with the text it was asked, or fails.
type remoteBot struct {
	mu      sync.Mutex
	asked   []string
	recent  [][]baton.Message
	release chan struct{}
	fail    error
}

func (b *remoteBot) Reply(ctx context.Context, req baton.BotRequest) (*baton.BotReply, error) {
	b.mu.Lock()
	b.asked = append(b.asked, req.Text)
	b.recent = append(b.recent, req.Recent)
	b.mu.Unlock()
	if b.release != nil {
		select {
		case <-b.release:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	if b.fail != nil {
		return nil, b.fail
	}
	return &baton.BotReply{Understood: true, Intent: "echo", Messages: []baton.BotMessage{{Text: "you said: " + req.Text}}}, nil
}

func TestRemoteBotAnswersAfterTheMessageIsStored(t *testing.T) {
	e := newEnv(t)
	b := &remoteBot{release: make(chan struct{})}
	e.eng.Bot, e.eng.RemoteBot = b, true
	id := e.start(t, baton.ChannelWeb)
	for _, text := range []string{"one", "two", "three"} {
		e.say(t, id, text)
	}
	// The customer's messages are stored before the bot has answered.
	if got := e.lastBot(t, id); got != "" {
		t.Fatalf("the bot answered before it was released: %q", got)
	}
	close(b.release)
	e.eng.Wait()
	var got []string
	for _, m := range e.timeline(t, id) {
		if m.Author != baton.AuthorSystem {
			got = append(got, string(m.Author)+": "+m.Text)
		}
	}
	want := []string{"customer: one", "customer: two", "customer: three", "bot: you said: one", "bot: you said: two", "bot: you said: three"}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Fatalf("timeline\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	// The bot sees the timeline before each message, answers included.
	b.mu.Lock()
	defer b.mu.Unlock()
	if n := len(b.recent[2]); n == 0 || b.recent[2][n-1].Text == "three" {
		t.Fatalf("the bot saw its own question as recent: %+v", b.recent[2])
	}
	if m := e.timeline(t, id); m[len(m)-1].Intent != "echo" {
		t.Fatalf("the reply's intent is not stored: %+v", m[len(m)-1])
	}
}

func TestRemoteBotFailureHandsOff(t *testing.T) {
	e := newEnv(t)
	e.addAgent(t, "a_1", "Ann", baton.StatusAway, 2)
	e.eng.Bot, e.eng.RemoteBot = &remoteBot{fail: errors.New("bot returned HTTP 503 after 2 attempts")}, true
	id := e.start(t, baton.ChannelWeb)
	e.say(t, id, "hello?")
	e.eng.Wait()
	c := e.wantState(t, id, baton.ModeQueued, "")
	if c.Handoff == nil || c.Handoff.Trigger != baton.TriggerBotFailure || !strings.Contains(c.Handoff.Reason, "HTTP 503") {
		t.Fatalf("handoff %+v", c.Handoff)
	}
	if !strings.HasPrefix(e.lastBot(t, id), "I'm connecting you") {
		t.Fatalf("the customer was told %q", e.lastBot(t, id))
	}
}

func TestRemoteBotTimeoutHandsOff(t *testing.T) {
	e := newEnv(t)
	e.eng.Bot, e.eng.RemoteBot, e.eng.BotTimeout = &remoteBot{release: make(chan struct{})}, true, 20*time.Millisecond
	id := e.start(t, baton.ChannelWeb)
	e.say(t, id, "hello?")
	e.eng.Wait()
	// Nobody signed in: a ticket, but never silence.
	c := e.wantState(t, id, baton.ModeTicket, "")
	if c.Handoff.Trigger != baton.TriggerBotFailure || !strings.Contains(c.Handoff.Reason, "deadline") {
		t.Fatalf("handoff %+v", c.Handoff)
	}
}

func TestRemoteBotReplyAfterTakeoverIsDropped(t *testing.T) {
	e := newEnv(t)
	b := &remoteBot{release: make(chan struct{})}
	e.eng.Bot, e.eng.RemoteBot = b, true
	a := e.addAgent(t, "a_1", "Ann", baton.StatusOnline, 2)
	id := e.start(t, baton.ChannelWeb)
	e.say(t, id, "hello?")
	if _, err := e.eng.AgentMessage(e.ctx, a, id, "Hi, Ann here.", "", false); err != nil {
		t.Fatal(err)
	}
	close(b.release)
	e.eng.Wait()
	for _, m := range e.timeline(t, id) {
		if m.Author == baton.AuthorBot && strings.HasPrefix(m.Text, "you said") {
			t.Fatalf("a late bot reply was shown: %+v", m)
		}
	}
	e.wantState(t, id, baton.ModeAgent, "a_1")
}

func TestExpectedWaitAndItsUpdates(t *testing.T) {
	e := newEnv(t, &baton.Department{Name: "support", Title: "Support", HandlingTime: 10 * time.Minute})
	ann := e.addAgent(t, "a_1", "Ann", baton.StatusOnline, 1)
	busy := e.start(t, baton.ChannelWeb)
	e.say(t, busy, "agent")
	e.wantState(t, busy, baton.ModeAgent, "a_1")

	var ids []string
	for range 3 {
		e.clock.Advance(time.Second)
		id := e.start(t, baton.ChannelWeb)
		e.say(t, id, "agent")
		ids = append(ids, id)
	}
	// One agent with room for one: each waits one handling time per place.
	for i, want := range []string{"about 10 minutes", "about 20 minutes", "about 30 minutes"} {
		if got := e.lastBot(t, ids[i]); !strings.Contains(got, want) {
			t.Fatalf("conversation %d was told %q, want %q", i+1, got, want)
		}
		if w := e.conv(t, ids[i]).Handoff.Wait; w == nil || w.Position != i+1 || !w.Known {
			t.Fatalf("conversation %d: wait %+v", i+1, w)
		}
	}
	// A second agent comes online but busy elsewhere... just more capacity:
	// after a minute the waits are halved and the customers are told.
	bob := e.addAgent(t, "a_2", "Bob", baton.StatusAway, 1)
	if _, err := e.eng.SetAgentStatus(e.ctx, bob, baton.StatusOnline); err != nil {
		t.Fatal(err)
	}
	// Bob took the first in line at once; the others moved up.
	e.wantState(t, ids[0], baton.ModeAgent, "a_2")
	e.clock.Advance(30 * time.Second)
	e.eng.Tick(e.ctx, []string{"support"})
	if got := countEvents(e.timeline(t, ids[1]), baton.EventWaitUpdated); got != 0 {
		t.Fatalf("updated within the minute: %d updates", got)
	}
	e.clock.Advance(31 * time.Second)
	e.eng.Tick(e.ctx, []string{"support"})
	for i, want := range []string{"number 1 in the queue; the expected wait is now about 5 minutes", "number 2 in the queue; the expected wait is now about 10 minutes"} {
		if got := e.lastBot(t, ids[i+1]); !strings.Contains(got, want) {
			t.Fatalf("conversation %d was told %q, want %q", i+2, got, want)
		}
	}
	// Nothing changed since: no more messages, however often the loop runs.
	e.clock.Advance(5 * time.Minute)
	e.eng.Tick(e.ctx, []string{"support"})
	if got := countEvents(e.timeline(t, ids[2]), baton.EventWaitUpdated); got != 1 {
		t.Fatalf("%d updates, want 1", got)
	}
	// Both agents go away: no honest estimate; the customers are told so once.
	for _, a := range []*baton.Agent{ann, bob} {
		if _, err := e.eng.SetAgentStatus(e.ctx, a, baton.StatusAway); err != nil {
			t.Fatal(err)
		}
	}
	e.clock.Advance(time.Minute)
	e.eng.Tick(e.ctx, []string{"support"})
	e.clock.Advance(time.Minute)
	e.eng.Tick(e.ctx, []string{"support"})
	tl := e.timeline(t, ids[2])
	if got := countEvents(tl, baton.EventWaitUpdated); got != 2 || !strings.Contains(e.lastBot(t, ids[2]), "Everyone is busy") {
		t.Fatalf("%d updates, last %q", got, e.lastBot(t, ids[2]))
	}
}

func TestHandlingTimeComesFromRecentHandlings(t *testing.T) {
	e := newEnv(t, &baton.Department{Name: "support", HandlingTime: 10 * time.Minute})
	a := e.addAgent(t, "a_1", "Ann", baton.StatusOnline, 5)
	if got := e.eng.HandlingTime(e.ctx, "support", e.clock.Now()); got != 10*time.Minute {
		t.Fatalf("nothing measured: %v, want the configured 10m", got)
	}
	for i, d := range []time.Duration{2 * time.Minute, 4 * time.Minute, 6 * time.Minute} {
		id := e.start(t, baton.ChannelWeb)
		e.say(t, id, "agent")
		e.wantState(t, id, baton.ModeAgent, "a_1")
		e.clock.Advance(d)
		if _, err := e.eng.Release(e.ctx, a, id, false); err != nil {
			t.Fatal(err)
		}
		want := 10 * time.Minute // fewer than three measured
		if i == 2 {
			want = 4 * time.Minute
		}
		if got := e.eng.HandlingTime(e.ctx, "support", e.clock.Now()); got != want {
			t.Fatalf("after %d handlings: %v, want %v", i+1, got, want)
		}
	}
	// A week later the old handlings no longer count.
	e.clock.Advance(8 * 24 * time.Hour)
	if got := e.eng.HandlingTime(e.ctx, "support", e.clock.Now()); got != 10*time.Minute {
		t.Fatalf("a week later: %v", got)
	}
}

func TestTriggersSeeTheRecentTimeline(t *testing.T) {
	e := newEnv(t)
	rec := &recordingDetector{}
	e.eng.Triggers = rec
	id := e.start(t, baton.ChannelWeb)
	e.say(t, id, "opening hours")

	// After a restart the engine reads the recent timeline back.
	e.eng = e.newEngine(e.db)
	e.eng.Triggers = rec
	if _, err := e.eng.CustomerMessage(e.ctx, id, lifecycle.CustomerInput{Text: "No", Payload: baton.PayloadNotHelpful}); err != nil {
		t.Fatal(err)
	}
	if len(rec.calls) != 2 {
		t.Fatalf("%d calls", len(rec.calls))
	}
	last := rec.calls[1]
	if last.payload != baton.PayloadNotHelpful || len(last.recent) != 2 || last.recent[0].Text != "opening hours" || last.recent[1].Text != hoursAnswer {
		t.Fatalf("second call: payload %q, recent %+v", last.payload, last.recent)
	}
	// A handoff from a trigger carries the topic of the bot's last answer.
	c := e.conv(t, id)
	if c.Handoff == nil || c.Handoff.Trigger != baton.TriggerFeedback || c.Handoff.Intent != "hours" {
		t.Fatalf("handoff %+v", c.Handoff)
	}
	stored := false
	for _, m := range e.timeline(t, id) {
		stored = stored || m.Author == baton.AuthorCustomer && m.Text == "No" && m.Payload == baton.PayloadNotHelpful
	}
	if !stored {
		t.Fatal("the payload is not stored with the message")
	}
}

type detectCall struct {
	payload string
	recent  []baton.Message
}

// recordingDetector records what it is asked and fires feedback on the
// not-helpful payload.
type recordingDetector struct{ calls []detectCall }

func (d *recordingDetector) Detect(_ *baton.Conversation, _, payload string, recent []baton.Message) *baton.HandoffRequest {
	d.calls = append(d.calls, detectCall{payload, append([]baton.Message(nil), recent...)})
	if payload == baton.PayloadNotHelpful {
		return &baton.HandoffRequest{Trigger: baton.TriggerFeedback}
	}
	return nil
}
