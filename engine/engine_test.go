package engine_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/batonhq/baton"
	"github.com/batonhq/baton/bot"
	"github.com/batonhq/baton/engine"
	"github.com/batonhq/baton/hub"
	"github.com/batonhq/baton/lifecycle"
	"github.com/batonhq/baton/sqlite"
	"github.com/batonhq/baton/trigger"
)

// t0 is when every test starts: a Monday morning.
var t0 = time.Date(2026, time.March, 2, 10, 0, 0, 0, time.UTC)

// clock is the engine's clock; tests move it by hand.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// MustOpenDB opens a fresh database in a temporary directory.
func MustOpenDB(tb testing.TB) *sqlite.DB {
	tb.Helper()
	return mustOpenDBAt(tb, filepath.Join(tb.TempDir(), "baton.db"))
}

func mustOpenDBAt(tb testing.TB, path string) *sqlite.DB {
	tb.Helper()
	db, err := sqlite.Open(path)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { closeDB(tb, db) })
	return db
}

var closedDBs sync.Map

// closeDB closes db once, however often it is called.
func closeDB(tb testing.TB, db *sqlite.DB) {
	tb.Helper()
	if _, done := closedDBs.LoadOrStore(db, true); done {
		return
	}
	if err := db.Close(); err != nil {
		tb.Error(err)
	}
}

var botConfig = bot.Config{
	Intents: []bot.Intent{{
		Name:     "hours",
		Examples: map[string][]string{"en": {"opening hours", "when are you open"}},
		Answer:   baton.Localized{"en": "We are open from 9 to 17."},
	}},
	Fallback: map[string]string{"en": "Sorry, I did not get that."},
}

const (
	hoursAnswer = "We are open from 9 to 17."
	fallback    = "Sorry, I did not get that."
)

// env is an engine over a real SQLite store, with an injected clock.
type env struct {
	ctx   context.Context
	db    *sqlite.DB
	hub   *hub.Hub
	clock *clock
	depts map[string]*baton.Department
	eng   *engine.Engine
}

// newEnv has one department, support; extra adds more.
func newEnv(tb testing.TB, extra ...*baton.Department) *env {
	tb.Helper()
	e := &env{ctx: context.Background(), db: MustOpenDB(tb), hub: hub.New(), clock: &clock{now: t0},
		depts: map[string]*baton.Department{"support": {Name: "support", Title: "Support"}}}
	for _, d := range extra {
		e.depts[d.Name] = d
	}
	e.eng = e.newEngine(e.db)
	return e
}

// newEngine builds an engine on db sharing the environment's clock, hub
// and settings, as a restarted process would.
func (e *env) newEngine(db *sqlite.DB) *engine.Engine {
	return &engine.Engine{
		Store: db,
		Rules: &lifecycle.Rules{
			Departments:       func(name string) *baton.Department { return e.depts[name] },
			DefaultDepartment: "support",
			InactivityTimeout: 30 * time.Minute,
			UnknownLimit:      2,
		},
		Publisher: e.hub,
		Bot:       mustBot(botConfig),
		Triggers:  mustTriggers(),
		Now:       e.clock.Now,
		Logger:    slog.New(slog.DiscardHandler),
	}
}

func (e *env) start(tb testing.TB, ch baton.Channel) string {
	tb.Helper()
	c, token, err := e.eng.CreateConversation(e.ctx, baton.Conversation{Channel: ch, Locale: "en", Contact: baton.Contact{Name: "Dana"}})
	if err != nil {
		tb.Fatal(err)
	}
	if c.ID == "" || token == "" || !baton.TokenMatches(token, c.CustomerTokenHash) {
		tb.Fatalf("created %+v with token %q", c, token)
	}
	return c.ID
}

func (e *env) say(tb testing.TB, id, text string) *baton.Message {
	tb.Helper()
	m, err := e.eng.CustomerMessage(e.ctx, id, lifecycle.CustomerInput{Text: text, ClientMessageID: ""})
	if err != nil {
		tb.Fatalf("customer says %q: %v", text, err)
	}
	return m
}

func (e *env) addAgent(tb testing.TB, id, name string, status baton.AgentStatus, max int, depts ...string) *baton.Agent {
	tb.Helper()
	if len(depts) == 0 {
		depts = []string{"support"}
	}
	now := e.clock.Now()
	a := &baton.Agent{ID: id, Name: name, Departments: depts, MaxConcurrent: max, Status: status,
		TokenHash: baton.HashToken(baton.NewToken("agt")), CreatedAt: now, UpdatedAt: now}
	if err := e.db.CreateAgent(e.ctx, a); err != nil {
		tb.Fatal(err)
	}
	return a
}

// conv returns the stored state, not the engine's cache.
func (e *env) conv(tb testing.TB, id string) *baton.Conversation {
	tb.Helper()
	c, err := e.db.Conversation(e.ctx, id)
	if err != nil {
		tb.Fatal(err)
	}
	return c
}

func (e *env) timeline(tb testing.TB, id string) []baton.Message {
	tb.Helper()
	ms, err := e.db.Messages(e.ctx, id, 0, 1000)
	if err != nil {
		tb.Fatal(err)
	}
	for i, m := range ms {
		if m.Seq != int64(i+1) {
			tb.Fatalf("stored timeline of %s: entry %d has seq %d", id, i, m.Seq)
		}
	}
	return ms
}

// lastBot returns what the bot said last.
func (e *env) lastBot(tb testing.TB, id string) string {
	tb.Helper()
	ms := e.timeline(tb, id)
	for i := len(ms) - 1; i >= 0; i-- {
		if ms[i].Author == baton.AuthorBot {
			return ms[i].Text
		}
	}
	return ""
}

func (e *env) wantState(tb testing.TB, id string, mode baton.Mode, assignee string) *baton.Conversation {
	tb.Helper()
	c := e.conv(tb, id)
	if c.Mode != mode || c.Assignee != assignee {
		tb.Fatalf("%s is %s with %q, want %s with %q", id, c.Mode, c.Assignee, mode, assignee)
	}
	// The engine's view matches what is stored.
	cached, err := e.eng.Conversation(e.ctx, id)
	if err != nil {
		tb.Fatal(err)
	}
	if cached.Version != c.Version || cached.Mode != c.Mode || cached.Assignee != c.Assignee || cached.LastSeq != c.LastSeq {
		tb.Fatalf("engine has %s v%d (%s, %q), store has v%d", id, cached.Version, cached.Mode, cached.Assignee, c.Version)
	}
	return c
}

func (e *env) activeCounts(tb testing.TB) map[string]int {
	tb.Helper()
	counts, err := e.db.ActiveCounts(e.ctx)
	if err != nil {
		tb.Fatal(err)
	}
	return counts
}

func wantCode(tb testing.TB, err error, code string) {
	tb.Helper()
	if got := baton.ErrorCode(err); got != code {
		tb.Fatalf("error %v: code %q, want %q", err, got, code)
	}
}

func countEvents(ms []baton.Message, event string) int {
	n := 0
	for _, m := range ms {
		if m.Event == event {
			n++
		}
	}
	return n
}

func TestCustomerMessageGetsBotReply(t *testing.T) {
	e := newEnv(t)
	id := e.start(t, baton.ChannelWeb)
	m := e.say(t, id, "What are your opening hours?")
	if m.Author != baton.AuthorCustomer || m.Seq != 2 || m.ConversationID != id || m.Text != "What are your opening hours?" || !m.CreatedAt.Equal(t0) {
		t.Fatalf("returned %+v", m)
	}
	tl := e.timeline(t, id)
	if len(tl) != 3 || tl[0].Event != baton.EventCreated || tl[1].Author != baton.AuthorCustomer ||
		tl[2].Author != baton.AuthorBot || tl[2].Text != hoursAnswer {
		t.Fatalf("timeline %+v", tl)
	}
	c := e.wantState(t, id, baton.ModeBot, "")
	// A bot answer only appends to the timeline: the version stays.
	if c.Version != 1 || c.LastSeq != 3 || c.UnknownStreak != 0 || c.LastCustomerAt == nil || !c.LastCustomerAt.Equal(t0) {
		t.Fatalf("stored %+v", c)
	}

	e.clock.Advance(time.Minute)
	e.say(t, id, "blorf")
	if got := e.lastBot(t, id); got != fallback {
		t.Fatalf("the bot said %q, want the fallback", got)
	}
	if c := e.wantState(t, id, baton.ModeBot, ""); c.UnknownStreak != 1 || c.Version != 2 || c.LastSeq != 5 {
		t.Fatalf("stored %+v", c)
	}
}

func TestBotNotUnderstandingTwiceHandsOff(t *testing.T) {
	e := newEnv(t)
	e.addAgent(t, "a_1", "Ann", baton.StatusAway, 2)
	id := e.start(t, baton.ChannelWeb)
	e.say(t, id, "blorf")
	e.wantState(t, id, baton.ModeBot, "")
	e.say(t, id, "zyxxy")
	c := e.wantState(t, id, baton.ModeQueued, "")
	if c.Handoff == nil || c.Handoff.Trigger != baton.TriggerUnknown || c.UnknownStreak != 0 {
		t.Fatalf("handoff %+v, unknown streak %d", c.Handoff, c.UnknownStreak)
	}
}

func TestBotFailureHandsOff(t *testing.T) {
	e := newEnv(t)
	e.eng.Bot = failingBot{}
	e.addAgent(t, "a_1", "Ann", baton.StatusAway, 2)
	id := e.start(t, baton.ChannelWeb)
	m := e.say(t, id, "Hello?")
	if m.Text != "Hello?" {
		t.Fatalf("returned %+v", m)
	}
	c := e.wantState(t, id, baton.ModeQueued, "")
	if c.Handoff.Trigger != baton.TriggerBotFailure {
		t.Fatalf("trigger %s, want bot_failure", c.Handoff.Trigger)
	}
}

type failingBot struct{}

func (failingBot) Reply(context.Context, baton.BotRequest) (*baton.BotReply, error) {
	return nil, errors.New("bot timed out")
}

// emptyBot answers with an empty message.
type emptyBot struct{}

func (emptyBot) Reply(context.Context, baton.BotRequest) (*baton.BotReply, error) {
	return &baton.BotReply{Messages: []baton.BotMessage{{Text: " "}}}, nil
}

// TestBotWithoutAnswerHandsOff: a bot that answers with an empty message
// must not strand the customer: their message is kept and a human takes over.
func TestBotWithoutAnswerHandsOff(t *testing.T) {
	e := newEnv(t)
	e.eng.Bot = emptyBot{}
	e.addAgent(t, "a_1", "Ann", baton.StatusAway, 2)
	id := e.start(t, baton.ChannelWeb)
	if _, err := e.eng.CustomerMessage(e.ctx, id, lifecycle.CustomerInput{Text: "blorf", ClientMessageID: ""}); err != nil {
		t.Fatalf("the customer's message was refused: %v", err)
	}
	c := e.wantState(t, id, baton.ModeQueued, "")
	if c.Handoff.Trigger != baton.TriggerBotFailure {
		t.Fatalf("trigger %s, want bot_failure", c.Handoff.Trigger)
	}
}

func TestTextTrigger(t *testing.T) {
	tests := []struct {
		name   string
		agents []baton.AgentStatus // in support
		other  bool                // an online agent of another department
		mode   baton.Mode
		told   string
	}{
		{name: "an agent signed in but away: queued", agents: []baton.AgentStatus{baton.StatusAway}, mode: baton.ModeQueued,
			told: "I'm connecting you with a person from Support. You are number 1 in the queue."},
		{name: "one of several signed in: queued", agents: []baton.AgentStatus{baton.StatusOffline, baton.StatusAway}, mode: baton.ModeQueued,
			told: "I'm connecting you with a person from Support. You are number 1 in the queue."},
		{name: "all agents offline: a ticket", agents: []baton.AgentStatus{baton.StatusOffline, baton.StatusOffline}, mode: baton.ModeTicket,
			told: "Nobody from Support can answer live right now. I've created a ticket and the team will get back to you."},
		{name: "no agents at all: a ticket", mode: baton.ModeTicket,
			told: "Nobody from Support can answer live right now. I've created a ticket and the team will get back to you."},
		{name: "only another department online: a ticket", other: true, mode: baton.ModeTicket,
			told: "Nobody from Support can answer live right now. I've created a ticket and the team will get back to you."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			for i, s := range tt.agents {
				e.addAgent(t, fmt.Sprintf("a_%d", i), fmt.Sprintf("Agent %d", i), s, 2)
			}
			if tt.other {
				e.addAgent(t, "s_1", "Sam", baton.StatusOnline, 2, "sales")
			}
			id := e.start(t, baton.ChannelWeb)
			m := e.say(t, id, "Can I talk to a human please?")
			if m.Author != baton.AuthorCustomer || m.Seq != 2 {
				t.Fatalf("returned %+v", m)
			}
			c := e.wantState(t, id, tt.mode, "")
			if c.Handoff == nil || c.Handoff.Trigger != baton.TriggerText || c.Department != "support" || c.Handoffs != 1 {
				t.Fatalf("handoff %+v, department %q", c.Handoff, c.Department)
			}
			if got := e.lastBot(t, id); !strings.HasPrefix(got, strings.TrimSuffix(tt.told, ".")) {
				t.Fatalf("told %q, want %q", got, tt.told)
			}
			tl := e.timeline(t, id)
			for _, m := range tl {
				if m.Author == baton.AuthorBot && m.Text == fallback {
					t.Fatalf("the bot answered a handoff: %+v", tl)
				}
			}
			tickets, err := e.db.Tickets(e.ctx, baton.TicketOpen, 10)
			if err != nil {
				t.Fatal(err)
			}
			if tt.mode == baton.ModeQueued {
				if len(tickets) != 0 || c.QueuedAt == nil || !c.QueuedAt.Equal(t0) {
					t.Fatalf("tickets %+v, queued at %v", tickets, c.QueuedAt)
				}
				return
			}
			if len(tickets) != 1 {
				t.Fatalf("%d open tickets, want 1", len(tickets))
			}
			tk := tickets[0]
			if tk.ID != c.TicketID || tk.ConversationID != id || tk.Department != "support" || tk.Trigger != baton.TriggerText ||
				tk.Priority != baton.PriorityNormal || !strings.Contains(tk.Subject, "human") || tk.Details["name"] != "Dana" {
				t.Fatalf("ticket %+v for conversation %+v", tk, c)
			}
		})
	}
}

func TestQueuePositionCountsThoseAhead(t *testing.T) {
	e := newEnv(t)
	e.addAgent(t, "a_1", "Ann", baton.StatusAway, 2)
	first := e.start(t, baton.ChannelWeb)
	e.say(t, first, "agent")
	e.clock.Advance(time.Minute)
	second := e.start(t, baton.ChannelWeb)
	e.say(t, second, "agent")
	if got, want := e.lastBot(t, second), "I'm connecting you with a person from Support. You are number 2 in the queue;"; !strings.HasPrefix(got, want) {
		t.Fatalf("told %q, want %q", got, want)
	}
	e.clock.Advance(time.Minute)
	urgent := e.start(t, baton.ChannelWhatsApp)
	if _, err := e.eng.RequestHandoff(e.ctx, urgent, baton.HandoffRequest{Trigger: baton.TriggerBot, Priority: baton.PriorityUrgent}); err != nil {
		t.Fatal(err)
	}
	if got, want := e.lastBot(t, urgent), "I'm connecting you with a person from Support. You are number 1 in the queue;"; !strings.HasPrefix(got, want) {
		t.Fatalf("urgent: told %q, want %q", got, want)
	}
}

func TestAgentComingOnlineDrainsTheQueue(t *testing.T) {
	e := newEnv(t)
	ann := e.addAgent(t, "a_1", "Ann", baton.StatusAway, 2)
	// Oldest normal, newer normal, newest high: Ann can take two.
	oldest := e.start(t, baton.ChannelWeb)
	e.say(t, oldest, "I want to talk to someone")
	e.clock.Advance(time.Minute)
	newer := e.start(t, baton.ChannelWeb)
	e.say(t, newer, "human please")
	e.clock.Advance(time.Minute)
	high := e.start(t, baton.ChannelWeb)
	if _, err := e.eng.RequestHandoff(e.ctx, high, baton.HandoffRequest{Trigger: baton.TriggerBot, Priority: baton.PriorityHigh}); err != nil {
		t.Fatal(err)
	}
	queue, err := e.eng.Queue(e.ctx, "support")
	if err != nil {
		t.Fatal(err)
	}
	var order []string
	for _, c := range queue {
		order = append(order, c.ID)
	}
	if want := []string{high, oldest, newer}; !slices.Equal(order, want) {
		t.Fatalf("queue %v, want %v", order, want)
	}
	for _, id := range order {
		e.wantState(t, id, baton.ModeQueued, "")
	}

	e.clock.Advance(time.Minute)
	got, err := e.eng.SetAgentStatus(e.ctx, ann, baton.StatusOnline)
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != baton.StatusOnline || !got.UpdatedAt.Equal(e.clock.Now()) || ann.Status != baton.StatusAway {
		t.Fatalf("returned %+v (the argument became %s)", got, ann.Status)
	}
	if stored, err := e.db.Agent(e.ctx, "a_1"); err != nil || stored.Status != baton.StatusOnline {
		t.Fatalf("stored %+v, %v", stored, err)
	}
	e.wantState(t, high, baton.ModeAgent, "a_1")
	c := e.wantState(t, oldest, baton.ModeAgent, "a_1")
	e.wantState(t, newer, baton.ModeQueued, "")
	if c.AssignedAt == nil || !c.AssignedAt.Equal(e.clock.Now()) {
		t.Fatalf("assigned at %v, want %v", c.AssignedAt, e.clock.Now())
	}
	tl := e.timeline(t, oldest)
	if last := tl[len(tl)-1]; last.Event != baton.EventAssigned || last.AgentID != "a_1" || last.Text != "Ann has joined the conversation." {
		t.Fatalf("last entry %+v", last)
	}
	if counts := e.activeCounts(t); counts["a_1"] != 2 {
		t.Fatalf("active %v", counts)
	}
}

func TestCapacityIsRespected(t *testing.T) {
	e := newEnv(t)
	e.addAgent(t, "a_1", "Ann", baton.StatusOnline, 1)
	first := e.start(t, baton.ChannelWeb)
	e.say(t, first, "agent")
	// Ann is online with room: assigned at once.
	e.wantState(t, first, baton.ModeAgent, "a_1")

	second := e.start(t, baton.ChannelWeb)
	e.say(t, second, "agent")
	e.wantState(t, second, baton.ModeQueued, "")
	if got := e.lastBot(t, second); !strings.Contains(got, "You are number 1 in the queue; the expected wait is about 6 minutes.") {
		t.Fatalf("told %q", got)
	}
	e.eng.Drain(e.ctx, "support")
	e.eng.Tick(e.ctx, []string{"support"})
	e.wantState(t, second, baton.ModeQueued, "")
	if counts := e.activeCounts(t); counts["a_1"] != 1 {
		t.Fatalf("active %v", counts)
	}

	bob := e.addAgent(t, "b_2", "Bob", baton.StatusAway, 1)
	if _, err := e.eng.SetAgentStatus(e.ctx, bob, baton.StatusOnline); err != nil {
		t.Fatal(err)
	}
	e.wantState(t, second, baton.ModeAgent, "b_2")
	if counts := e.activeCounts(t); counts["a_1"] != 1 || counts["b_2"] != 1 {
		t.Fatalf("active %v", counts)
	}
}

func TestReleaseAssignsTheNextAtOnce(t *testing.T) {
	e := newEnv(t)
	ann := e.addAgent(t, "a_1", "Ann", baton.StatusOnline, 1)
	first := e.start(t, baton.ChannelWeb)
	e.say(t, first, "agent")
	second := e.start(t, baton.ChannelWeb)
	e.say(t, second, "agent")
	e.wantState(t, first, baton.ModeAgent, "a_1")
	e.wantState(t, second, baton.ModeQueued, "")

	e.clock.Advance(5 * time.Minute)
	c, err := e.eng.Release(e.ctx, ann, first, false)
	if err != nil {
		t.Fatal(err)
	}
	if c.Mode != baton.ModeBot || c.Assignee != "" || c.Resolution != 1 {
		t.Fatalf("released %+v", c)
	}
	e.wantState(t, first, baton.ModeBot, "")
	e.wantState(t, second, baton.ModeAgent, "a_1")
	if counts := e.activeCounts(t); counts["a_1"] != 1 {
		t.Fatalf("active %v", counts)
	}
	if n := countEvents(e.timeline(t, second), baton.EventAssigned); n != 1 {
		t.Fatalf("%d assigned entries, want 1", n)
	}
}

func TestClaimIsExclusive(t *testing.T) {
	e := newEnv(t)
	e.addAgent(t, "a_1", "Ann", baton.StatusAway, 3)
	const claimers = 8
	agents := make([]*baton.Agent, claimers)
	for i := range agents {
		agents[i] = e.addAgent(t, fmt.Sprintf("x_%d", i), fmt.Sprintf("X%d", i), baton.StatusAway, 3)
	}
	id := e.start(t, baton.ChannelWeb)
	e.say(t, id, "agent")
	e.wantState(t, id, baton.ModeQueued, "")

	errs := make([]error, claimers)
	var wg sync.WaitGroup
	for i, a := range agents {
		wg.Go(func() { _, errs[i] = e.eng.Claim(e.ctx, a, id) })
	}
	wg.Wait()
	winner := ""
	for i, err := range errs {
		switch baton.ErrorCode(err) {
		case "":
			if winner != "" {
				t.Fatalf("both %s and %s claimed %s", winner, agents[i].ID, id)
			}
			winner = agents[i].ID
		case baton.ECONFLICT:
		default:
			t.Fatalf("claim by %s: %v", agents[i].ID, err)
		}
	}
	if winner == "" {
		t.Fatal("nobody claimed it")
	}
	e.wantState(t, id, baton.ModeAgent, winner)
	if n := countEvents(e.timeline(t, id), baton.EventAssigned); n != 1 {
		t.Fatalf("%d assigned entries, want 1", n)
	}
	// The winner claiming again is a no-op; anyone else is refused.
	c := e.conv(t, id)
	for _, a := range agents {
		_, err := e.eng.Claim(e.ctx, a, id)
		if a.ID == winner {
			if err != nil {
				t.Fatalf("claim again: %v", err)
			}
		} else {
			wantCode(t, err, baton.ECONFLICT)
		}
	}
	if after := e.conv(t, id); after.Version != c.Version {
		t.Fatalf("version %d after refused claims, want %d", after.Version, c.Version)
	}
}

func TestClientMessageIDDedup(t *testing.T) {
	e := newEnv(t)
	id := e.start(t, baton.ChannelWeb)
	first, err := e.eng.CustomerMessage(e.ctx, id, lifecycle.CustomerInput{Text: "What are your opening hours?", ClientMessageID: "m-1"})
	if err != nil {
		t.Fatal(err)
	}
	again, err := e.eng.CustomerMessage(e.ctx, id, lifecycle.CustomerInput{Text: "What are your opening hours? (retry)", ClientMessageID: "m-1"})
	if err != nil {
		t.Fatal(err)
	}
	if again.Seq != first.Seq || again.Text != first.Text || again.ClientMessageID != "m-1" {
		t.Fatalf("retry returned %+v, want the first %+v", again, first)
	}
	// A restarted engine knows the id from the store.
	fresh := e.newEngine(e.db)
	third, err := fresh.CustomerMessage(e.ctx, id, lifecycle.CustomerInput{Text: "third try", ClientMessageID: "m-1"})
	if err != nil {
		t.Fatal(err)
	}
	if third.Seq != first.Seq || third.Text != first.Text {
		t.Fatalf("after a restart returned %+v, want the first %+v", third, first)
	}
	other, err := fresh.CustomerMessage(e.ctx, id, lifecycle.CustomerInput{Text: "Another question", ClientMessageID: "m-2"})
	if err != nil {
		t.Fatal(err)
	}
	if other.Seq == first.Seq {
		t.Fatalf("a new id was taken for a retry: %+v", other)
	}

	tl := e.timeline(t, id)
	var customer, withID, bot int
	for _, m := range tl {
		switch {
		case m.Author == baton.AuthorCustomer:
			customer++
			if m.ClientMessageID == "m-1" {
				withID++
			}
		case m.Author == baton.AuthorBot:
			bot++
		}
	}
	if customer != 2 || withID != 1 || bot != 2 {
		t.Fatalf("stored %d customer messages (%d with m-1) and %d bot answers, want 2 (1) and 2:\n%+v", customer, withID, bot, tl)
	}
}

func TestInactivityTimeoutReturnsToTheBot(t *testing.T) {
	e := newEnv(t)
	e.addAgent(t, "a_1", "Ann", baton.StatusOnline, 1)
	first := e.start(t, baton.ChannelWeb)
	e.say(t, first, "agent")
	second := e.start(t, baton.ChannelWeb)
	e.say(t, second, "agent")
	e.wantState(t, first, baton.ModeAgent, "a_1")
	e.wantState(t, second, baton.ModeQueued, "")

	e.clock.Advance(30*time.Minute - time.Microsecond)
	e.eng.Tick(e.ctx, []string{"support"})
	e.wantState(t, first, baton.ModeAgent, "a_1")

	e.clock.Advance(time.Microsecond)
	e.eng.Tick(e.ctx, nil) // no safety-net drain: the freed agent's queue drains by itself
	c := e.wantState(t, first, baton.ModeBot, "")
	if c.Resolution != 1 || c.LastAgent != "a_1" || c.AssignedAt != nil {
		t.Fatalf("returned %+v", c)
	}
	tl := e.timeline(t, first)
	n := len(tl)
	if tl[n-2].Event != baton.EventReturnedToBot || tl[n-2].Text != "Returned to the bot after 30 min without messages" ||
		tl[n-1].Author != baton.AuthorBot || tl[n-1].Text != lifecycle.English.TimedOut {
		t.Fatalf("timeline ends %+v", tl[n-2:])
	}
	// The freed capacity went to the next in the queue at once.
	e.wantState(t, second, baton.ModeAgent, "a_1")
}

func TestInactivityTimeoutCountsFromTheLastMessage(t *testing.T) {
	e := newEnv(t)
	ann := e.addAgent(t, "a_1", "Ann", baton.StatusOnline, 1)
	id := e.start(t, baton.ChannelWeb)
	e.say(t, id, "agent")
	e.clock.Advance(20 * time.Minute)
	if _, err := e.eng.AgentMessage(e.ctx, ann, id, "Checking, one moment.", "", false); err != nil {
		t.Fatal(err)
	}
	e.clock.Advance(20 * time.Minute)
	if _, err := e.eng.AgentMessage(e.ctx, ann, id, "note: waiting for the warehouse", "", true); err != nil {
		t.Fatal(err)
	}
	e.clock.Advance(5 * time.Minute) // 45 min after assignment, 25 after the reply
	e.eng.Tick(e.ctx, nil)
	e.wantState(t, id, baton.ModeAgent, "a_1")
	e.say(t, id, "Any news?")
	e.clock.Advance(29 * time.Minute)
	e.eng.Tick(e.ctx, nil)
	e.wantState(t, id, baton.ModeAgent, "a_1")
	e.clock.Advance(time.Minute)
	e.eng.Tick(e.ctx, nil)
	e.wantState(t, id, baton.ModeBot, "")
}

func TestInactivityTimeoutSurvivesRestart(t *testing.T) {
	e := newEnv(t)
	e.addAgent(t, "a_1", "Ann", baton.StatusOnline, 1)
	id := e.start(t, baton.ChannelWeb)
	e.say(t, id, "agent")
	e.wantState(t, id, baton.ModeAgent, "a_1")
	path := e.db.Path
	closeDB(t, e.db)

	e.clock.Advance(31 * time.Minute)
	db := mustOpenDBAt(t, path)
	eng := e.newEngine(db)
	if c, err := db.Conversation(e.ctx, id); err != nil || c.Mode != baton.ModeAgent {
		t.Fatalf("after restart %+v, %v", c, err)
	}
	eng.Tick(e.ctx, []string{"support"})
	c, err := db.Conversation(e.ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if c.Mode != baton.ModeBot || c.Assignee != "" || c.Resolution != 1 {
		t.Fatalf("after the timeout %+v", c)
	}
	counts, err := db.ActiveCounts(e.ctx)
	if err != nil || counts["a_1"] != 0 {
		t.Fatalf("active %v, %v", counts, err)
	}
}

func TestLateBotReplyIsDropped(t *testing.T) {
	e := newEnv(t)
	e.eng.Bot = nil // replies come from an external bot through BotMessage
	e.addAgent(t, "a_1", "Ann", baton.StatusOnline, 1)
	id := e.start(t, baton.ChannelWeb)
	e.say(t, id, "Where is my parcel?")
	if _, err := e.eng.BotMessage(e.ctx, id, &baton.BotReply{Understood: true, Messages: []baton.BotMessage{{Text: "On its way."}}}); err != nil {
		t.Fatalf("a reply in bot mode: %v", err)
	}
	if got := e.lastBot(t, id); got != "On its way." {
		t.Fatalf("the bot said %q", got)
	}
	e.say(t, id, "a human please")
	before := e.wantState(t, id, baton.ModeAgent, "a_1")
	n := len(e.timeline(t, id))

	for _, reply := range []*baton.BotReply{
		{Understood: true, Messages: []baton.BotMessage{{Text: "Here is our FAQ."}}},
		{Understood: true, Handoff: &baton.HandoffRequest{Trigger: baton.TriggerBot}},
	} {
		d, err := e.eng.BotMessage(e.ctx, id, reply)
		wantCode(t, err, baton.ECONFLICT)
		if d != nil {
			t.Fatalf("a dropped reply returned a decision %+v", d)
		}
	}
	after := e.wantState(t, id, baton.ModeAgent, "a_1")
	if after.Version != before.Version || after.LastSeq != before.LastSeq {
		t.Fatalf("v%d seq %d, want v%d seq %d", after.Version, after.LastSeq, before.Version, before.LastSeq)
	}
	tl := e.timeline(t, id)
	if len(tl) != n {
		t.Fatalf("%d entries, want %d", len(tl), n)
	}
	for _, m := range tl {
		if m.Text == "Here is our FAQ." {
			t.Fatalf("the late reply was stored: %+v", m)
		}
	}
}

func TestEventsArePublishedInSeqOrder(t *testing.T) {
	e := newEnv(t)
	sub := e.hub.Subscribe(func(baton.Event) bool { return true })
	defer sub.Close()
	ann := e.addAgent(t, "a_1", "Ann", baton.StatusAway, 1)
	id := e.start(t, baton.ChannelWeb)
	e.say(t, id, "What are your opening hours?")
	e.say(t, id, "talk to someone")
	if _, err := e.eng.SetAgentStatus(e.ctx, ann, baton.StatusOnline); err != nil {
		t.Fatal(err)
	}
	if _, err := e.eng.AgentMessage(e.ctx, ann, id, "Hi, I'm Ann.", "", false); err != nil {
		t.Fatal(err)
	}
	if _, err := e.eng.Release(e.ctx, ann, id, true); err != nil {
		t.Fatal(err)
	}
	e.say(t, id, "5")

	var events []baton.Event
	for done := false; !done; {
		select {
		case ev, ok := <-sub.C:
			if !ok {
				t.Fatal("the subscription was cut off")
			}
			events = append(events, ev)
		default:
			done = true
		}
	}
	var seqs []int64
	var modes []baton.Mode
	agentEvents := 0
	for _, ev := range events {
		switch ev.Type {
		case baton.EventTypeMessage:
			if ev.Conversation == nil || ev.Conversation.ID != id || ev.Message.ConversationID != id || ev.Conversation.LastSeq < ev.Message.Seq {
				t.Fatalf("message event %+v", ev)
			}
			seqs = append(seqs, ev.Message.Seq)
		case baton.EventTypeConversation:
			if len(modes) == 0 || modes[len(modes)-1] != ev.Conversation.Mode {
				modes = append(modes, ev.Conversation.Mode)
			}
		case baton.EventTypeAgent:
			if ev.Agent.ID != "a_1" || ev.Agent.Status != baton.StatusOnline {
				t.Fatalf("agent event %+v", ev.Agent)
			}
			agentEvents++
		}
	}
	last := e.conv(t, id).LastSeq
	if int64(len(seqs)) != last {
		t.Fatalf("%d message events, want %d: %v", len(seqs), last, seqs)
	}
	for i, s := range seqs {
		if s != int64(i+1) {
			t.Fatalf("message events in seq order %v, want 1..%d", seqs, last)
		}
	}
	if want := []baton.Mode{baton.ModeBot, baton.ModeQueued, baton.ModeAgent, baton.ModeBot}; !slices.Equal(modes, want) {
		t.Fatalf("conversation events went through %v, want %v", modes, want)
	}
	if agentEvents != 1 {
		t.Fatalf("%d agent events, want 1", agentEvents)
	}
}

// TestConcurrentMessagesKeepOneTimeline: messages written at once to one
// conversation are all stored, numbered without gaps.
func TestConcurrentMessagesKeepOneTimeline(t *testing.T) {
	e := newEnv(t)
	ann := e.addAgent(t, "a_1", "Ann", baton.StatusOnline, 1)
	id := e.start(t, baton.ChannelWeb)
	e.say(t, id, "agent")
	e.wantState(t, id, baton.ModeAgent, "a_1")
	before := e.conv(t, id)

	const n = 20
	errs := make(chan error, 2*n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			_, err := e.eng.CustomerMessage(e.ctx, id, lifecycle.CustomerInput{Text: fmt.Sprintf("customer %d", i), ClientMessageID: fmt.Sprintf("c-%d", i)})
			errs <- err
		})
		wg.Go(func() {
			_, err := e.eng.AgentMessage(e.ctx, ann, id, fmt.Sprintf("agent %d", i), fmt.Sprintf("a-%d", i), false)
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	c := e.wantState(t, id, baton.ModeAgent, "a_1")
	// The clock stood still, so the inactivity timer did not move: every
	// message only appended, and the seq alone kept the writers apart.
	if c.LastSeq != before.LastSeq+2*n || c.Version != before.Version {
		t.Fatalf("seq %d version %d, want %d and %d", c.LastSeq, c.Version, before.LastSeq+2*n, before.Version)
	}
	if tl := e.timeline(t, id); int64(len(tl)) != c.LastSeq {
		t.Fatalf("%d entries stored, last seq %d", len(tl), c.LastSeq)
	}
}

// TestTransferTicketToAnotherDepartment: a ticket moved to a department
// where nobody is signed in either becomes that department's ticket.
func TestTransferTicketToAnotherDepartment(t *testing.T) {
	e := newEnv(t, &baton.Department{Name: "billing", Title: "Billing"})
	id := e.start(t, baton.ChannelWeb)
	e.say(t, id, "agent")
	old := e.wantState(t, id, baton.ModeTicket, "").TicketID
	c, err := e.eng.Transfer(e.ctx, nil, id, lifecycle.TransferTarget{Department: e.depts["billing"]})
	if err != nil {
		t.Fatalf("transfer: %v", err)
	}
	if c.Mode != baton.ModeTicket || c.Department != "billing" || c.TicketID == old {
		t.Fatalf("transferred %+v", c)
	}
	closed, err := e.db.Ticket(e.ctx, old)
	if err != nil || closed.Status != baton.TicketClosed {
		t.Fatalf("old ticket %+v, %v", closed, err)
	}
}

// TestSurveyCommentMentioningTheAgent: after a release with the survey, the
// customer rates and comments. A comment that praises "the agent" is a
// comment, not a request for a person.
func TestSurveyCommentMentioningTheAgent(t *testing.T) {
	e := newEnv(t)
	ann := e.addAgent(t, "a_1", "Ann", baton.StatusOnline, 1)
	id := e.start(t, baton.ChannelWeb)
	e.say(t, id, "agent")
	if _, err := e.eng.Release(e.ctx, ann, id, true); err != nil {
		t.Fatal(err)
	}
	e.say(t, id, "5")
	e.say(t, id, "The agent was very helpful")
	c := e.wantState(t, id, baton.ModeBot, "")
	if c.Survey != baton.SurveyNone || c.Handoffs != 1 {
		t.Fatalf("survey %q, handoffs %d", c.Survey, c.Handoffs)
	}
	surveys, err := e.db.Surveys(e.ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if len(surveys) != 1 || surveys[0].Rating != 5 || surveys[0].Comment != "The agent was very helpful" {
		t.Fatalf("surveys %+v", surveys)
	}
}

func TestSurveyIsStored(t *testing.T) {
	e := newEnv(t)
	ann := e.addAgent(t, "a_1", "Ann", baton.StatusOnline, 1)
	id := e.start(t, baton.ChannelWeb)
	for round, comment := range []string{"Quick and kind", "skip"} {
		e.say(t, id, "agent")
		e.wantState(t, id, baton.ModeAgent, "a_1")
		e.clock.Advance(time.Minute)
		if _, err := e.eng.Release(e.ctx, ann, id, true); err != nil {
			t.Fatal(err)
		}
		e.say(t, id, "9")
		e.say(t, id, fmt.Sprint(4+round))
		e.say(t, id, comment)
		if got := e.lastBot(t, id); got != lifecycle.English.SurveyThanks {
			t.Fatalf("round %d: the bot said %q", round, got)
		}
	}
	surveys, err := e.db.Surveys(e.ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	want := []baton.SurveyResponse{
		{ConversationID: id, Resolution: 1, AgentID: "a_1", Rating: 4, Comment: "Quick and kind"},
		{ConversationID: id, Resolution: 2, AgentID: "a_1", Rating: 5},
	}
	if len(surveys) != len(want) {
		t.Fatalf("surveys %+v", surveys)
	}
	for i, s := range surveys {
		s.CreatedAt, s.UpdatedAt = time.Time{}, time.Time{}
		if s != want[i] {
			t.Fatalf("survey %d = %+v, want %+v", i, s, want[i])
		}
	}
}

// TestAnotherWriterIsNoticed: two engines on one store (an old process
// still finishing, say). When one's cached state is stale, the store
// refuses its write and the engine reloads and decides again.
func TestAnotherWriterIsNoticed(t *testing.T) {
	e := newEnv(t)
	other := e.newEngine(e.db)
	id := e.start(t, baton.ChannelWeb)
	e.say(t, id, "What are your opening hours?") // e.eng caches the conversation
	if _, err := other.CustomerMessage(e.ctx, id, lifecycle.CustomerInput{Text: "When are you open?", ClientMessageID: "x-1"}); err != nil {
		t.Fatal(err)
	}
	m, err := e.eng.CustomerMessage(e.ctx, id, lifecycle.CustomerInput{Text: "blorf", ClientMessageID: "x-2"})
	if err != nil {
		t.Fatalf("a write on stale state: %v", err)
	}
	if m.Seq != 6 {
		t.Fatalf("stored at seq %d, want 6", m.Seq)
	}
	// The reload also brought the other engine's client message ids.
	dup, err := e.eng.CustomerMessage(e.ctx, id, lifecycle.CustomerInput{Text: "When are you open?", ClientMessageID: "x-1"})
	if err != nil || dup.Seq != 4 {
		t.Fatalf("retry of the other engine's message: %+v, %v", dup, err)
	}
	// Only "blorf" (not understood: the streak grows) changed state.
	if c := e.conv(t, id); c.Version != 2 || c.UnknownStreak != 1 || c.LastSeq != 7 || len(e.timeline(t, id)) != 7 {
		t.Fatalf("stored v%d seq %d", c.Version, c.LastSeq)
	}
}

// Automatic assignment takes turns: with both agents free, the next
// conversation goes to the one who has waited longest for one, and the
// store remembers it across engines.
func TestAssignmentTakesTurns(t *testing.T) {
	e := newEnv(t)
	ann := e.addAgent(t, "a_1", "Ann", baton.StatusOnline, 1)
	bob := e.addAgent(t, "a_2", "Bob", baton.StatusOnline, 1)
	first := e.start(t, baton.ChannelWeb)
	e.say(t, first, "agent")
	c := e.wantState(t, first, baton.ModeAgent, "a_1") // neither had one: by id
	if _, err := e.eng.Release(e.ctx, ann, first, false); err != nil {
		t.Fatal(err)
	}
	e.clock.Advance(time.Minute)
	second := e.start(t, baton.ChannelWeb)
	e.say(t, second, "agent")
	e.wantState(t, second, baton.ModeAgent, "a_2") // Bob never had one
	if _, err := e.eng.Release(e.ctx, bob, second, false); err != nil {
		t.Fatal(err)
	}
	e.clock.Advance(time.Minute)
	other := e.newEngine(e.db) // a restart: the turn order comes from the store
	third := e.start(t, baton.ChannelWeb)
	if _, err := other.CustomerMessage(e.ctx, third, lifecycle.CustomerInput{Text: "agent", ClientMessageID: ""}); err != nil {
		t.Fatal(err)
	}
	if got, _ := e.db.Conversation(e.ctx, third); got.Assignee != "a_1" {
		t.Fatalf("third conversation went to %q, want a_1 (waited since %v)", got.Assignee, c.AssignedAt)
	}
	if a, _ := e.db.Agent(e.ctx, "a_2"); a.LastAssignedAt == nil || !a.LastAssignedAt.Equal(t0.Add(time.Minute)) {
		t.Fatalf("Bob's last assignment %v", a.LastAssignedAt)
	}
}

// The in-memory cache stays near its bound however many conversations
// pass through, and an evicted conversation loads again unchanged.
func TestCacheIsBounded(t *testing.T) {
	e := newEnv(t)
	e.eng.CacheSize = 10
	var ids []string
	for range 60 {
		id := e.start(t, baton.ChannelWeb)
		e.say(t, id, "What are your opening hours?")
		ids = append(ids, id)
	}
	if n := e.eng.Cached(); n > 11 {
		t.Fatalf("%d conversations cached, bound 10", n)
	}
	c, err := e.eng.Conversation(e.ctx, ids[0])
	if err != nil || c.LastSeq != 3 || c.Mode != baton.ModeBot {
		t.Fatalf("first conversation after eviction: %+v, %v", c, err)
	}
	m := e.say(t, ids[0], "What are your opening hours?")
	if m.Seq != 4 {
		t.Fatalf("next message at seq %d, want 4", m.Seq)
	}
}

// An agent who signs off hands their conversations to the others at once
// (keeping their place: they waited already), or to a ticket when nobody
// else is signed in.
func TestSigningOffHandsConversationsBack(t *testing.T) {
	e := newEnv(t)
	ann := e.addAgent(t, "a_1", "Ann", baton.StatusOnline, 2)
	bob := e.addAgent(t, "a_2", "Bob", baton.StatusAway, 2)
	first, second := e.start(t, baton.ChannelWeb), e.start(t, baton.ChannelWeb)
	e.say(t, first, "agent")
	e.say(t, second, "agent")
	e.wantState(t, first, baton.ModeAgent, "a_1")
	e.wantState(t, second, baton.ModeAgent, "a_1")
	if _, err := e.eng.SetAgentStatus(e.ctx, bob, baton.StatusOnline); err != nil {
		t.Fatal(err)
	}
	e.clock.Advance(time.Minute)
	if _, err := e.eng.SetAgentStatus(e.ctx, ann, baton.StatusOffline); err != nil {
		t.Fatal(err)
	}
	e.wantState(t, first, baton.ModeAgent, "a_2")
	e.wantState(t, second, baton.ModeAgent, "a_2")

	// Bob signs off too: nobody is left, so the conversations become tickets.
	bobNow, _ := e.db.Agent(e.ctx, "a_2")
	if _, err := e.eng.SetAgentStatus(e.ctx, bobNow, baton.StatusOffline); err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{first, second} {
		c := e.wantState(t, id, baton.ModeTicket, "")
		if c.TicketID == "" {
			t.Fatalf("%s: no ticket", id)
		}
	}
}

func mustTriggers() *trigger.Detector {
	d, err := trigger.New(trigger.Config{})
	if err != nil {
		panic(err)
	}
	return d
}

func mustBot(c bot.Config) *bot.Bot {
	b, err := bot.New(c)
	if err != nil {
		panic(err)
	}
	return b
}
