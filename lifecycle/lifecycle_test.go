package lifecycle_test

import (
	"bytes"
	"fmt"
	"maps"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
	_ "time/tzdata" // FormatOpening is tested across a daylight saving change

	"github.com/batonhq/baton"
	"github.com/batonhq/baton/lifecycle"
)

// t0 is the instant every decision is taken at: a Monday morning.
var t0 = time.Date(2026, time.March, 2, 10, 0, 0, 0, time.UTC)

// fakeCalendar is a department calendar that is either open or closed,
// and remembers when it was asked.
type fakeCalendar struct {
	open    bool
	next    time.Time
	hasNext bool
	asked   []time.Time
}

func (c *fakeCalendar) OpenAt(t time.Time) bool {
	c.asked = append(c.asked, t)
	return c.open
}

func (c *fakeCalendar) NextOpen(t time.Time) (time.Time, bool) {
	if c.open {
		return t, true
	}
	return c.next, c.hasNext
}

// testRules has three departments: support (needs nothing, always open),
// billing (needs nothing) and sales (needs an email, then an order number,
// which has no prompt of its own). extra replaces or adds departments.
func testRules(extra ...*baton.Department) *lifecycle.Rules {
	depts := map[string]*baton.Department{
		"support": {Name: "support", Title: "Customer Support"},
		"billing": {Name: "billing"},
		"sales": {Name: "sales", Title: "Sales", Required: []baton.DetailSpec{
			{Key: "email", Prompt: baton.Localized{"en": "What is your email address?"}, Kind: "email"},
			{Key: "order", Kind: "text"},
		}},
	}
	for _, d := range extra {
		depts[d.Name] = d
	}
	return &lifecycle.Rules{
		Departments:       func(name string) *baton.Department { return depts[name] },
		DefaultDepartment: "support",
		InactivityTimeout: 30 * time.Minute,
	}
}

// conversation returns a consistent conversation in the given mode, as it
// would be stored: version 7, 12 timeline entries so far.
func conversation(mode baton.Mode) *baton.Conversation {
	created := t0.Add(-time.Hour)
	c := &baton.Conversation{
		ID: "c_1", Version: 7, Channel: baton.ChannelWeb, Locale: "en",
		Contact: baton.Contact{Name: "Dana", Attributes: map[string]string{"plan": "pro"}},
		Mode:    baton.ModeBot, Priority: baton.PriorityNormal, LastSeq: 12,
		CreatedAt: created, UpdatedAt: created, LastActivityAt: created,
		CustomerTokenHash: baton.HashToken("secret"),
	}
	if mode == baton.ModeBot {
		return c
	}
	c.Mode = mode
	c.Handoffs = 1
	c.Department = "support"
	c.Handoff = &baton.Handoff{Trigger: baton.TriggerText, Reason: "the customer asked for a person",
		Department: "support", Priority: baton.PriorityNormal, Details: map[string]string{"name": "Dana"},
		RequestedAt: t0.Add(-20 * time.Minute)}
	queued := t0.Add(-10 * time.Minute)
	switch mode {
	case baton.ModeHandoff:
		c.Department, c.Handoff.Department = "sales", "sales"
		c.Handoff.Missing = []string{"email", "order"}
	case baton.ModeQueued:
		c.QueuedAt = &queued
	case baton.ModeAgent:
		assigned := t0.Add(-5 * time.Minute)
		c.QueuedAt = &queued
		c.Assignee, c.LastAgent, c.AssignedAt = "a_1", "a_1", &assigned
		c.LastActivityAt = assigned
	case baton.ModeTicket:
		c.TicketID = "c_1-1"
	case baton.ModeClosed:
		c.Resolution = 1
		c.LastAgent = "a_1"
	}
	return c
}

func with(c *baton.Conversation, f func(c *baton.Conversation)) *baton.Conversation {
	f(c)
	return c
}

func newAgent(id, name string, status baton.AgentStatus, max int, depts ...string) *baton.Agent {
	return &baton.Agent{ID: id, Name: name, Status: status, MaxConcurrent: max, Departments: depts}
}

func ann() *baton.Agent { return newAgent("a_1", "Ann", baton.StatusOnline, 2, "support") }
func bob() *baton.Agent { return newAgent("b_2", "Bob", baton.StatusOnline, 2, "sales", "support") }

// deepCopy copies c without sharing anything with it, independently of
// Conversation.Clone (which is part of what is under test).
func deepCopy(c *baton.Conversation) *baton.Conversation {
	n := *c
	n.Contact.Attributes = maps.Clone(c.Contact.Attributes)
	if c.Handoff != nil {
		h := *c.Handoff
		h.Details = maps.Clone(c.Handoff.Details)
		h.Missing = slices.Clone(c.Handoff.Missing)
		n.Handoff = &h
	}
	clone := func(t *time.Time) *time.Time {
		if t == nil {
			return nil
		}
		v := *t
		return &v
	}
	n.QueuedAt, n.AssignedAt, n.LastCustomerAt = clone(c.QueuedAt), clone(c.AssignedAt), clone(c.LastCustomerAt)
	n.CustomerTokenHash = bytes.Clone(c.CustomerTokenHash)
	return &n
}

// decide runs f on c and fails the test if f changed c in any way.
func decide(t *testing.T, c *baton.Conversation, f func(c *baton.Conversation) (*lifecycle.Decision, error)) (*lifecycle.Decision, error) {
	t.Helper()
	snap := deepCopy(c)
	d, err := f(c)
	if !reflect.DeepEqual(c, snap) {
		t.Errorf("the input conversation was mutated:\n got %+v\nwant %+v", c, snap)
	}
	return d, err
}

func wantCode(t *testing.T, err error, code string) {
	t.Helper()
	if got := baton.ErrorCode(err); got != code {
		t.Fatalf("error %v: code %q, want %q", err, got, code)
	}
}

// entry is what a timeline entry must be; empty text and agent are not checked.
type entry struct {
	author  baton.Author
	event   string
	private bool
	text    string
	agent   string
}

func customer(text string) entry { return entry{author: baton.AuthorCustomer, text: text} }
func botSays(text string) entry  { return entry{author: baton.AuthorBot, text: text} }
func system(event string, private bool) entry {
	return entry{author: baton.AuthorSystem, event: event, private: private}
}

// effects are the Decision's instructions to the engine.
type effects struct {
	AskBot, NeedsPlacement, Enqueued bool
	Freed, CloseTicket               string
	Ticket, Survey                   bool
}

func effectsOf(d *lifecycle.Decision) effects {
	return effects{AskBot: d.AskBot, NeedsPlacement: d.NeedsPlacement, Enqueued: d.Enqueued,
		Freed: d.Freed, CloseTicket: d.CloseTicket, Ticket: d.Ticket != nil, Survey: d.Survey != nil}
}

// checkDecision checks what every stored decision must be: one version
// after before, entries numbered on from before.LastSeq without gaps, all
// at now, as want.
func checkDecision(t *testing.T, before *baton.Conversation, d *lifecycle.Decision, now time.Time, want []entry) {
	t.Helper()
	if d == nil || d.Conversation == nil {
		t.Fatal("no decision")
	}
	if d.Unchanged {
		t.Fatal("decision is Unchanged")
	}
	c := d.Conversation
	if c == before {
		t.Fatal("the decision's conversation is the input itself")
	}
	if c.ID != before.ID {
		t.Errorf("ID = %q, want %q", c.ID, before.ID)
	}
	if c.Version != before.Version+1 {
		t.Errorf("Version = %d, want %d", c.Version, before.Version+1)
	}
	if !c.UpdatedAt.Equal(now) {
		t.Errorf("UpdatedAt = %v, want %v", c.UpdatedAt, now)
	}
	if c.LastSeq != before.LastSeq+int64(len(d.Entries)) {
		t.Errorf("LastSeq = %d, want %d (old %d + %d entries)", c.LastSeq, before.LastSeq+int64(len(d.Entries)), before.LastSeq, len(d.Entries))
	}
	for i, m := range d.Entries {
		if want := before.LastSeq + 1 + int64(i); m.Seq != want {
			t.Errorf("entry %d: Seq = %d, want %d", i, m.Seq, want)
		}
		if m.ConversationID != before.ID {
			t.Errorf("entry %d: ConversationID = %q", i, m.ConversationID)
		}
		if !m.CreatedAt.Equal(now) {
			t.Errorf("entry %d: CreatedAt = %v, want %v", i, m.CreatedAt, now)
		}
	}
	if len(d.Entries) != len(want) {
		t.Fatalf("%d entries, want %d:\n%s", len(d.Entries), len(want), dump(d.Entries))
	}
	for i, w := range want {
		m := d.Entries[i]
		if m.Author != w.author || m.Event != w.event || m.Private != w.private {
			t.Errorf("entry %d = {%s %q private=%v}, want {%s %q private=%v}", i, m.Author, m.Event, m.Private, w.author, w.event, w.private)
		}
		if w.text != "" && m.Text != w.text {
			t.Errorf("entry %d: text %q, want %q", i, m.Text, w.text)
		}
		if w.agent != "" && m.AgentID != w.agent {
			t.Errorf("entry %d: agent %q, want %q", i, m.AgentID, w.agent)
		}
	}
}

func dump(ms []baton.Message) string {
	var b strings.Builder
	for _, m := range ms {
		b.WriteString("  " + string(m.Author) + " " + m.Event + ": " + m.Text + "\n")
	}
	return b.String()
}

// transition is one table case: an event on a conversation in some mode.
type transition struct {
	name  string
	rules *lifecycle.Rules // nil: testRules()
	conv  *baton.Conversation
	do    func(r *lifecycle.Rules, c *baton.Conversation) (*lifecycle.Decision, error)
	// err is the wanted error code; the rest is checked only without error.
	err       string
	unchanged bool
	mode      baton.Mode
	entries   []entry
	effects   effects
	check     func(t *testing.T, before *baton.Conversation, d *lifecycle.Decision)
}

func runTransitions(t *testing.T, tests []transition) {
	t.Helper()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := tt.rules
			if r == nil {
				r = testRules()
			}
			before := deepCopy(tt.conv)
			d, err := decide(t, tt.conv, func(c *baton.Conversation) (*lifecycle.Decision, error) { return tt.do(r, c) })
			if tt.err != "" {
				wantCode(t, err, tt.err)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if tt.unchanged {
				if d == nil || !d.Unchanged {
					t.Fatalf("want an Unchanged decision, got %+v", d)
				}
				if len(d.Entries) != 0 || !reflect.DeepEqual(d.Conversation, before) {
					t.Fatalf("an Unchanged decision changed something: %+v", d)
				}
				return
			}
			checkDecision(t, before, d, t0, tt.entries)
			if d.Conversation.Mode != tt.mode {
				t.Errorf("Mode = %s, want %s", d.Conversation.Mode, tt.mode)
			}
			if got := effectsOf(d); got != tt.effects {
				t.Errorf("effects = %+v, want %+v", got, tt.effects)
			}
			if tt.check != nil {
				tt.check(t, before, d)
			}
		})
	}
}

func TestCreate(t *testing.T) {
	hash := baton.HashToken("secret")
	tests := []struct {
		name   string
		in     baton.Conversation
		err    string
		locale string
	}{
		{name: "web in Dutch", in: baton.Conversation{ID: "c_1", Channel: baton.ChannelWeb, Locale: "nl"}, locale: "nl"},
		{name: "no locale means English", in: baton.Conversation{ID: "c_1", Channel: baton.ChannelWhatsApp}, locale: "en"},
		{name: "stale state is reset", in: baton.Conversation{ID: "c_1", Channel: baton.ChannelAPI, Locale: "de",
			Version: 9, LastSeq: 40, Mode: baton.ModeAgent, Priority: baton.PriorityUrgent}, locale: "de"},
		{name: "no id", in: baton.Conversation{Channel: baton.ChannelWeb}, err: baton.EINVALID},
		{name: "unknown channel", in: baton.Conversation{ID: "c_1", Channel: "fax"}, err: baton.EINVALID},
		{name: "no channel", in: baton.Conversation{ID: "c_1"}, err: baton.EINVALID},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := tt.in
			in.Contact = baton.Contact{Name: "Dana", Email: "dana@example.com"}
			in.CustomerTokenHash = hash
			d, err := testRules().Create(in, t0)
			if tt.err != "" {
				wantCode(t, err, tt.err)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			// Create is checked against the empty conversation it starts from.
			checkDecision(t, &baton.Conversation{ID: "c_1"}, d, t0, []entry{system(baton.EventCreated, true)})
			c := d.Conversation
			if c.Mode != baton.ModeBot || c.Priority != baton.PriorityNormal || c.Locale != tt.locale || c.Channel != tt.in.Channel {
				t.Errorf("got mode %s, priority %s, locale %q, channel %s", c.Mode, c.Priority, c.Locale, c.Channel)
			}
			if !c.CreatedAt.Equal(t0) || !c.LastActivityAt.Equal(t0) {
				t.Errorf("CreatedAt %v, LastActivityAt %v, want %v", c.CreatedAt, c.LastActivityAt, t0)
			}
			if c.Contact.Email != "dana@example.com" || !bytes.Equal(c.CustomerTokenHash, hash) {
				t.Errorf("contact or token hash not kept: %+v", c)
			}
			if want := "Conversation started on " + string(tt.in.Channel) + " (" + tt.locale + ")"; d.Entries[0].Text != want {
				t.Errorf("text %q, want %q", d.Entries[0].Text, want)
			}
			if ef := effectsOf(d); ef != (effects{}) {
				t.Errorf("effects %+v, want none", ef)
			}
		})
	}
}

func customerSays(text string) func(r *lifecycle.Rules, c *baton.Conversation) (*lifecycle.Decision, error) {
	return func(r *lifecycle.Rules, c *baton.Conversation) (*lifecycle.Decision, error) {
		return r.CustomerMessage(c, lifecycle.CustomerInput{Text: text}, t0)
	}
}

func customerTriggers(text string, req baton.HandoffRequest) func(r *lifecycle.Rules, c *baton.Conversation) (*lifecycle.Decision, error) {
	return func(r *lifecycle.Rules, c *baton.Conversation) (*lifecycle.Decision, error) {
		return r.CustomerMessage(c, lifecycle.CustomerInput{Text: text, Handoff: &req}, t0)
	}
}

func TestCustomerMessage(t *testing.T) {
	text := baton.HandoffRequest{Trigger: baton.TriggerText}
	runTransitions(t, []transition{
		{
			name: "bot: the bot answers",
			conv: conversation(baton.ModeBot),
			do: func(r *lifecycle.Rules, c *baton.Conversation) (*lifecycle.Decision, error) {
				return r.CustomerMessage(c, lifecycle.CustomerInput{Text: "Where is my parcel?", ClientMessageID: "m-1"}, t0)
			},
			mode:    baton.ModeBot,
			entries: []entry{customer("Where is my parcel?")},
			effects: effects{AskBot: true},
			check: func(t *testing.T, before *baton.Conversation, d *lifecycle.Decision) {
				c := d.Conversation
				if d.Entries[0].ClientMessageID != "m-1" {
					t.Errorf("ClientMessageID %q", d.Entries[0].ClientMessageID)
				}
				// The inactivity timer only runs while an agent has the conversation.
				if c.LastCustomerAt == nil || !c.LastCustomerAt.Equal(t0) || !c.LastActivityAt.Equal(before.LastActivityAt) {
					t.Errorf("LastCustomerAt %v, LastActivityAt %v, want %v and unchanged", c.LastCustomerAt, c.LastActivityAt, t0)
				}
				if c.Handoff != nil || c.Handoffs != 0 {
					t.Errorf("a handoff started: %+v", c.Handoff)
				}
			},
		},
		{
			name: "bot: the client's locale becomes the conversation's at the first message",
			conv: conversation(baton.ModeBot),
			do: func(r *lifecycle.Rules, c *baton.Conversation) (*lifecycle.Decision, error) {
				return r.CustomerMessage(c, lifecycle.CustomerInput{Text: "שלום", Locale: "he-IL"}, t0)
			},
			mode:    baton.ModeBot,
			entries: []entry{customer("שלום")},
			effects: effects{AskBot: true},
			check: func(t *testing.T, _ *baton.Conversation, d *lifecycle.Decision) {
				if d.Conversation.Locale != "he-IL" {
					t.Errorf("locale %q, want he-IL", d.Conversation.Locale)
				}
			},
		},
		{
			name: "bot: once the customer has written, the locale stays",
			conv: func() *baton.Conversation {
				c := conversation(baton.ModeBot)
				c.LastCustomerAt = &t0
				return c
			}(),
			do: func(r *lifecycle.Rules, c *baton.Conversation) (*lifecycle.Decision, error) {
				return r.CustomerMessage(c, lifecycle.CustomerInput{Text: "hello", Locale: "nl"}, t0)
			},
			mode:    baton.ModeBot,
			entries: []entry{customer("hello")},
			effects: effects{AskBot: true},
			check: func(t *testing.T, before *baton.Conversation, d *lifecycle.Decision) {
				if d.Conversation.Locale != before.Locale {
					t.Errorf("locale %q, want %q", d.Conversation.Locale, before.Locale)
				}
			},
		},
		{
			name:    "bot: a text trigger hands off to the default department",
			conv:    conversation(baton.ModeBot),
			do:      customerTriggers("I want a human", text),
			mode:    baton.ModeHandoff,
			entries: []entry{customer("I want a human"), system(baton.EventHandoffRequested, true)},
			effects: effects{NeedsPlacement: true},
			check: func(t *testing.T, _ *baton.Conversation, d *lifecycle.Decision) {
				c := d.Conversation
				h := c.Handoff
				if h == nil {
					t.Fatal("no handoff")
				}
				want := baton.Handoff{Trigger: baton.TriggerText, Reason: "the customer asked for a person", Department: "support",
					Priority: baton.PriorityNormal, Details: map[string]string{"name": "Dana"}, RequestedAt: t0}
				if !reflect.DeepEqual(*h, want) {
					t.Errorf("handoff\n got %+v\nwant %+v", *h, want)
				}
				if c.Department != "support" || c.Priority != baton.PriorityNormal || c.Handoffs != 1 {
					t.Errorf("department %q, priority %s, handoffs %d", c.Department, c.Priority, c.Handoffs)
				}
				if want := "Handoff to Customer Support requested (text): the customer asked for a person"; d.Entries[1].Text != want {
					t.Errorf("text %q, want %q", d.Entries[1].Text, want)
				}
			},
		},
		{
			name: "bot: a trigger for a department that needs details asks the first",
			conv: conversation(baton.ModeBot),
			do: customerTriggers("I want to talk to sales, urgently",
				baton.HandoffRequest{Trigger: baton.TriggerText, Department: "sales", Priority: baton.PriorityUrgent, Reason: "wants sales"}),
			mode:    baton.ModeHandoff,
			entries: []entry{customer(""), system(baton.EventHandoffRequested, true), botSays("What is your email address?")},
			check: func(t *testing.T, _ *baton.Conversation, d *lifecycle.Decision) {
				c := d.Conversation
				if !slices.Equal(c.Handoff.Missing, []string{"email", "order"}) {
					t.Errorf("Missing %v", c.Handoff.Missing)
				}
				if c.Priority != baton.PriorityUrgent || c.Handoff.Priority != baton.PriorityUrgent || c.Department != "sales" || c.Handoff.Reason != "wants sales" {
					t.Errorf("priority %s/%s, department %q, reason %q", c.Priority, c.Handoff.Priority, c.Department, c.Handoff.Reason)
				}
			},
		},
		{
			name: "bot: what the contact tells is not asked again",
			conv: with(conversation(baton.ModeBot), func(c *baton.Conversation) { c.Contact.Email = "dana@example.com" }),
			do:   customerTriggers("agent", baton.HandoffRequest{Trigger: baton.TriggerText, Department: "sales"}),
			mode: baton.ModeHandoff,
			entries: []entry{customer("agent"), system(baton.EventHandoffRequested, true),
				botSays("Could you tell me your order?")},
			check: func(t *testing.T, _ *baton.Conversation, d *lifecycle.Decision) {
				h := d.Conversation.Handoff
				if !slices.Equal(h.Missing, []string{"order"}) || h.Details["email"] != "dana@example.com" {
					t.Errorf("Missing %v, details %v", h.Missing, h.Details)
				}
			},
		},
		{
			name: "bot: details given with the request are not asked again",
			conv: with(conversation(baton.ModeBot), func(c *baton.Conversation) { c.Contact.Email = "dana@example.com" }),
			do: customerTriggers("agent", baton.HandoffRequest{Trigger: baton.TriggerText, Department: "sales",
				Details: map[string]string{"order": "  A-17 ", "blank": "  "}}),
			mode:    baton.ModeHandoff,
			entries: []entry{customer("agent"), system(baton.EventHandoffRequested, true)},
			effects: effects{NeedsPlacement: true},
			check: func(t *testing.T, _ *baton.Conversation, d *lifecycle.Decision) {
				want := map[string]string{"name": "Dana", "email": "dana@example.com", "order": "A-17"}
				if h := d.Conversation.Handoff; len(h.Missing) != 0 || !maps.Equal(h.Details, want) {
					t.Errorf("Missing %v, details %v, want %v", h.Missing, h.Details, want)
				}
			},
		},
		{
			name: "bot: a trigger to an unknown department is refused",
			conv: conversation(baton.ModeBot),
			do:   customerTriggers("agent", baton.HandoffRequest{Trigger: baton.TriggerText, Department: "nope"}),
			err:  baton.EINVALID,
		},
		{
			name: "bot: a trigger with an unknown priority is refused",
			conv: conversation(baton.ModeBot),
			do:   customerTriggers("agent", baton.HandoffRequest{Trigger: baton.TriggerText, Priority: "asap"}),
			err:  baton.EINVALID,
		},
		{
			name: "bot: a trigger of an unknown kind is refused",
			conv: conversation(baton.ModeBot),
			do:   customerTriggers("agent", baton.HandoffRequest{Trigger: "telepathy"}),
			err:  baton.EINVALID,
		},
		{
			name:    "closed: a message reopens it to the bot",
			conv:    conversation(baton.ModeClosed),
			do:      customerSays("Hello again"),
			mode:    baton.ModeBot,
			entries: []entry{system(baton.EventReopened, false), customer("Hello again")},
			effects: effects{AskBot: true},
		},
		{
			name:    "closed: a trigger reopens it into a handoff",
			conv:    conversation(baton.ModeClosed),
			do:      customerTriggers("a person please", text),
			mode:    baton.ModeHandoff,
			entries: []entry{system(baton.EventReopened, false), customer("a person please"), system(baton.EventHandoffRequested, true)},
			effects: effects{NeedsPlacement: true},
			check: func(t *testing.T, _ *baton.Conversation, d *lifecycle.Decision) {
				if d.Conversation.Handoffs != 2 {
					t.Errorf("Handoffs %d, want 2", d.Conversation.Handoffs)
				}
			},
		},
		{
			name:    "handoff: a valid email is taken and the next detail asked",
			conv:    conversation(baton.ModeHandoff),
			do:      customerSays("  Dana@Example.COM "),
			mode:    baton.ModeHandoff,
			entries: []entry{customer("  Dana@Example.COM "), botSays("Could you tell me your order?")},
			check: func(t *testing.T, _ *baton.Conversation, d *lifecycle.Decision) {
				c := d.Conversation
				if c.Handoff.Details["email"] != "dana@example.com" || c.Contact.Email != "dana@example.com" {
					t.Errorf("details %v, contact email %q", c.Handoff.Details, c.Contact.Email)
				}
				if !slices.Equal(c.Handoff.Missing, []string{"order"}) {
					t.Errorf("Missing %v", c.Handoff.Missing)
				}
			},
		},
		{
			name: "handoff: an email answer does not overwrite the contact's own",
			conv: with(conversation(baton.ModeHandoff), func(c *baton.Conversation) { c.Contact.Email = "old@example.com" }),
			do:   customerSays("new@example.com"),
			mode: baton.ModeHandoff, entries: []entry{customer(""), botSays("Could you tell me your order?")},
			check: func(t *testing.T, _ *baton.Conversation, d *lifecycle.Decision) {
				c := d.Conversation
				if c.Handoff.Details["email"] != "new@example.com" || c.Contact.Email != "old@example.com" {
					t.Errorf("details %v, contact email %q", c.Handoff.Details, c.Contact.Email)
				}
			},
		},
		{
			name:    "handoff: an invalid email is asked again",
			conv:    conversation(baton.ModeHandoff),
			do:      customerSays("dana at example"),
			mode:    baton.ModeHandoff,
			entries: []entry{customer("dana at example"), botSays("That doesn't look right. What is your email address?")},
			check: func(t *testing.T, _ *baton.Conversation, d *lifecycle.Decision) {
				h := d.Conversation.Handoff
				if !slices.Equal(h.Missing, []string{"email", "order"}) || h.Details["email"] != "" {
					t.Errorf("Missing %v, details %v", h.Missing, h.Details)
				}
			},
		},
		{
			name:    "handoff: an email without a domain is asked again",
			conv:    conversation(baton.ModeHandoff),
			do:      customerSays("dana@localhost"),
			mode:    baton.ModeHandoff,
			entries: []entry{customer(""), botSays("That doesn't look right. What is your email address?")},
		},
		{
			name: "handoff: the last answer completes the details",
			conv: with(conversation(baton.ModeHandoff), func(c *baton.Conversation) {
				c.Handoff.Details["email"] = "dana@example.com"
				c.Handoff.Missing = []string{"order"}
			}),
			do:      customerSays("A-123"),
			mode:    baton.ModeHandoff,
			entries: []entry{customer("A-123"), {author: baton.AuthorSystem, event: baton.EventDetailsComplete, private: true, text: "All details collected"}},
			effects: effects{NeedsPlacement: true},
			check: func(t *testing.T, _ *baton.Conversation, d *lifecycle.Decision) {
				h := d.Conversation.Handoff
				if len(h.Missing) != 0 || h.Details["order"] != "A-123" || h.Details["email"] != "dana@example.com" {
					t.Errorf("Missing %v, details %v", h.Missing, h.Details)
				}
			},
		},
		{
			name:    "handoff: cancel hands off with what is known",
			conv:    conversation(baton.ModeHandoff),
			do:      customerSays("cancel"),
			mode:    baton.ModeHandoff,
			entries: []entry{customer("cancel"), botSays(lifecycle.English.DetailsSkipped)},
			effects: effects{NeedsPlacement: true},
			check: func(t *testing.T, _ *baton.Conversation, d *lifecycle.Decision) {
				if h := d.Conversation.Handoff; len(h.Missing) != 0 || len(h.Details) != 1 {
					t.Errorf("Missing %v, details %v", h.Missing, h.Details)
				}
			},
		},
		{
			name: "handoff: Stop! also skips", conv: conversation(baton.ModeHandoff), do: customerSays(" Stop! "),
			mode: baton.ModeHandoff, entries: []entry{customer(""), botSays(lifecycle.English.DetailsSkipped)}, effects: effects{NeedsPlacement: true},
		},
		{
			name: "handoff: SKIP. also skips", conv: conversation(baton.ModeHandoff), do: customerSays("SKIP."),
			mode: baton.ModeHandoff, entries: []entry{customer(""), botSays(lifecycle.English.DetailsSkipped)}, effects: effects{NeedsPlacement: true},
		},
		{
			name:    "handoff: a second trigger skips the remaining questions",
			conv:    conversation(baton.ModeHandoff),
			do:      customerTriggers("just get me a human", text),
			mode:    baton.ModeHandoff,
			entries: []entry{customer("just get me a human"), botSays(lifecycle.English.DetailsSkipped)},
			effects: effects{NeedsPlacement: true},
			check: func(t *testing.T, before *baton.Conversation, d *lifecycle.Decision) {
				c := d.Conversation
				if len(c.Handoff.Missing) != 0 || c.Handoffs != before.Handoffs || c.Department != "sales" {
					t.Errorf("Missing %v, handoffs %d, department %q", c.Handoff.Missing, c.Handoffs, c.Department)
				}
			},
		},
		{
			name: "queued: the message is only appended", conv: conversation(baton.ModeQueued), do: customerSays("Still there?"),
			mode: baton.ModeQueued, entries: []entry{customer("Still there?")},
		},
		{
			name: "queued: a trigger changes nothing", conv: conversation(baton.ModeQueued), do: customerTriggers("agent!!", text),
			mode: baton.ModeQueued, entries: []entry{customer("agent!!")},
			check: func(t *testing.T, before *baton.Conversation, d *lifecycle.Decision) {
				if d.Conversation.Handoffs != before.Handoffs || !reflect.DeepEqual(d.Conversation.Handoff, before.Handoff) {
					t.Errorf("the handoff changed: %+v", d.Conversation.Handoff)
				}
			},
		},
		{
			name: "agent: the message is only appended", conv: conversation(baton.ModeAgent), do: customerSays("Thanks, Ann"),
			mode: baton.ModeAgent, entries: []entry{customer("Thanks, Ann")},
			check: func(t *testing.T, _ *baton.Conversation, d *lifecycle.Decision) {
				if c := d.Conversation; c.Assignee != "a_1" || !c.LastActivityAt.Equal(t0) {
					t.Errorf("assignee %q, LastActivityAt %v", c.Assignee, c.LastActivityAt)
				}
			},
		},
		{
			name: "ticket: the message is only appended", conv: conversation(baton.ModeTicket), do: customerSays("Any news?"),
			mode: baton.ModeTicket, entries: []entry{customer("Any news?")},
		},
		{name: "empty text", conv: conversation(baton.ModeBot), do: customerSays(""), err: baton.EINVALID},
		{name: "blank text", conv: conversation(baton.ModeBot), do: customerSays(" \n\t "), err: baton.EINVALID},
		{name: "too long", conv: conversation(baton.ModeBot), do: customerSays(strings.Repeat("a", lifecycle.MaxTextLength+1)), err: baton.EINVALID},
		{name: "not UTF-8", conv: conversation(baton.ModeBot), do: customerSays("caf\xe9"), err: baton.EINVALID},
		{
			name: "the longest text is accepted, counted in characters", conv: conversation(baton.ModeBot),
			do:   customerSays(strings.Repeat("é", lifecycle.MaxTextLength)),
			mode: baton.ModeBot, entries: []entry{customer("")}, effects: effects{AskBot: true},
		},
	})
}

// TestHandoffDetailsOneAtATime walks a whole detail collection: one
// question per message, a wrong answer asked again, then placement.
func TestHandoffDetailsOneAtATime(t *testing.T) {
	r := testRules()
	c := conversation(baton.ModeBot)
	steps := []struct {
		in        lifecycle.CustomerInput
		bot       string // what the bot asks next; "" for nothing
		missing   []string
		placement bool
	}{
		{lifecycle.CustomerInput{Text: "I need a person", Handoff: &baton.HandoffRequest{Trigger: baton.TriggerText, Department: "sales"}},
			"What is your email address?", []string{"email", "order"}, false},
		{lifecycle.CustomerInput{Text: "no"}, "That doesn't look right. What is your email address?", []string{"email", "order"}, false},
		{lifecycle.CustomerInput{Text: "Dana <Dana@Example.com>"}, "Could you tell me your order?", []string{"order"}, false},
		{lifecycle.CustomerInput{Text: "A-123"}, "", nil, true},
	}
	for i, st := range steps {
		d, err := decide(t, c, func(c *baton.Conversation) (*lifecycle.Decision, error) { return r.CustomerMessage(c, st.in, t0) })
		if err != nil {
			t.Fatalf("step %d: %v", i, err)
		}
		var asked []string
		for _, m := range d.Entries {
			if m.Author == baton.AuthorBot {
				asked = append(asked, m.Text)
			}
		}
		if st.bot == "" && len(asked) != 0 || st.bot != "" && !slices.Equal(asked, []string{st.bot}) {
			t.Fatalf("step %d: the bot said %q, want %q", i, asked, st.bot)
		}
		if !slices.Equal(d.Conversation.Handoff.Missing, st.missing) || d.NeedsPlacement != st.placement {
			t.Fatalf("step %d: Missing %v placement %v, want %v %v", i, d.Conversation.Handoff.Missing, d.NeedsPlacement, st.missing, st.placement)
		}
		if d.Conversation.Version != c.Version+1 || d.Entries[0].Seq != c.LastSeq+1 {
			t.Fatalf("step %d: version %d seq %d after version %d seq %d", i, d.Conversation.Version, d.Entries[0].Seq, c.Version, c.LastSeq)
		}
		c = d.Conversation
	}
	want := map[string]string{"name": "Dana", "email": "dana@example.com", "order": "A-123"}
	if !maps.Equal(c.Handoff.Details, want) || c.Contact.Email != "dana@example.com" {
		t.Fatalf("details %v, contact %+v; want %v", c.Handoff.Details, c.Contact, want)
	}
}

func botReply(reply baton.BotReply, unknownLimit int) func(r *lifecycle.Rules, c *baton.Conversation) (*lifecycle.Decision, error) {
	return func(r *lifecycle.Rules, c *baton.Conversation) (*lifecycle.Decision, error) {
		r.UnknownLimit = unknownLimit
		return r.BotReply(c, &reply, "", t0)
	}
}

func TestBotReply(t *testing.T) {
	answer := baton.BotReply{Understood: true, Messages: []baton.BotMessage{{Text: "We open at 9."}}}
	fallback := baton.BotReply{Messages: []baton.BotMessage{{Text: "Sorry, I did not get that."}}}
	tests := []transition{
		{
			name: "bot: an answer is shown with its buttons and ends the unknown streak",
			conv: with(conversation(baton.ModeBot), func(c *baton.Conversation) { c.UnknownStreak = 1 }),
			do: botReply(baton.BotReply{Understood: true, Messages: []baton.BotMessage{
				{Text: "We open at 9.", Buttons: []baton.Button{{Title: "Thanks", Payload: "thanks"}}},
				{Text: "Anything else?"},
			}}, 2),
			mode:    baton.ModeBot,
			entries: []entry{botSays("We open at 9."), botSays("Anything else?")},
			check: func(t *testing.T, _ *baton.Conversation, d *lifecycle.Decision) {
				if b := d.Entries[0].Buttons; len(b) != 1 || b[0].Payload != "thanks" || len(d.Entries[1].Buttons) != 0 {
					t.Errorf("buttons %+v / %+v", b, d.Entries[1].Buttons)
				}
				if d.Conversation.UnknownStreak != 0 {
					t.Errorf("UnknownStreak %d", d.Conversation.UnknownStreak)
				}
			},
		},
		{
			name: "bot: a first fallback counts", conv: conversation(baton.ModeBot), do: botReply(fallback, 2),
			mode: baton.ModeBot, entries: []entry{botSays("Sorry, I did not get that.")},
			check: func(t *testing.T, _ *baton.Conversation, d *lifecycle.Decision) {
				if d.Conversation.UnknownStreak != 1 || d.Conversation.Handoff != nil {
					t.Errorf("UnknownStreak %d, handoff %+v", d.Conversation.UnknownStreak, d.Conversation.Handoff)
				}
			},
		},
		{
			name:    "bot: the fallback that reaches the limit hands off (unknown)",
			conv:    with(conversation(baton.ModeBot), func(c *baton.Conversation) { c.UnknownStreak = 1 }),
			do:      botReply(fallback, 2),
			mode:    baton.ModeHandoff,
			entries: []entry{botSays("Sorry, I did not get that."), system(baton.EventHandoffRequested, true)},
			effects: effects{NeedsPlacement: true},
			check: func(t *testing.T, _ *baton.Conversation, d *lifecycle.Decision) {
				c := d.Conversation
				if c.Handoff.Trigger != baton.TriggerUnknown || c.Handoff.Reason != "the bot did not understand 2 times in a row" {
					t.Errorf("handoff %+v", c.Handoff)
				}
				if c.UnknownStreak != 0 || c.Handoffs != 1 || c.Department != "support" {
					t.Errorf("UnknownStreak %d, handoffs %d, department %q", c.UnknownStreak, c.Handoffs, c.Department)
				}
			},
		},
		{
			name: "bot: no limit never hands off",
			conv: with(conversation(baton.ModeBot), func(c *baton.Conversation) { c.UnknownStreak = 5 }),
			do:   botReply(fallback, 0), mode: baton.ModeBot, entries: []entry{botSays("")},
			check: func(t *testing.T, _ *baton.Conversation, d *lifecycle.Decision) {
				if d.Conversation.UnknownStreak != 6 {
					t.Errorf("UnknownStreak %d, want 6", d.Conversation.UnknownStreak)
				}
			},
		},
		{
			name: "bot: a handoff action hands off with trigger bot",
			conv: conversation(baton.ModeBot),
			do: botReply(baton.BotReply{Understood: true, Handoff: &baton.HandoffRequest{Department: "sales",
				Priority: baton.PriorityHigh, Reason: "wants to cancel", Details: map[string]string{"email": "dana@example.com"}}}, 2),
			mode:    baton.ModeHandoff,
			entries: []entry{system(baton.EventHandoffRequested, true), botSays("Could you tell me your order?")},
			check: func(t *testing.T, _ *baton.Conversation, d *lifecycle.Decision) {
				h := d.Conversation.Handoff
				if h.Trigger != baton.TriggerBot || h.Department != "sales" || h.Priority != baton.PriorityHigh ||
					h.Reason != "wants to cancel" || h.Details["email"] != "dana@example.com" || !slices.Equal(h.Missing, []string{"order"}) {
					t.Errorf("handoff %+v", h)
				}
				if d.Conversation.Priority != baton.PriorityHigh {
					t.Errorf("priority %s", d.Conversation.Priority)
				}
			},
		},
		{
			name: "bot: a handoff action keeps its own trigger and shows its message first",
			conv: conversation(baton.ModeBot),
			do: botReply(baton.BotReply{Understood: true, Messages: []baton.BotMessage{{Text: "Let me find someone."}},
				Handoff: &baton.HandoffRequest{Trigger: baton.TriggerSensitiveIntent}}, 2),
			mode:    baton.ModeHandoff,
			entries: []entry{botSays("Let me find someone."), system(baton.EventHandoffRequested, true)},
			effects: effects{NeedsPlacement: true},
			check: func(t *testing.T, _ *baton.Conversation, d *lifecycle.Decision) {
				if h := d.Conversation.Handoff; h.Trigger != baton.TriggerSensitiveIntent || h.Reason != "a sensitive topic" {
					t.Errorf("handoff %+v", h)
				}
			},
		},
		{
			name: "handoff: accepted, and a handoff action changes nothing",
			conv: conversation(baton.ModeHandoff),
			do: botReply(baton.BotReply{Understood: true, Messages: []baton.BotMessage{{Text: "One moment."}},
				Handoff: &baton.HandoffRequest{Trigger: baton.TriggerBot, Department: "support"}}, 2),
			mode:    baton.ModeHandoff,
			entries: []entry{botSays("One moment.")},
			check: func(t *testing.T, before *baton.Conversation, d *lifecycle.Decision) {
				if !reflect.DeepEqual(d.Conversation.Handoff, before.Handoff) || d.Conversation.Handoffs != before.Handoffs {
					t.Errorf("the handoff changed: %+v", d.Conversation.Handoff)
				}
			},
		},
		{
			name: "handoff: fallbacks never start a second handoff",
			conv: with(conversation(baton.ModeHandoff), func(c *baton.Conversation) { c.UnknownStreak = 1 }),
			do:   botReply(fallback, 2), mode: baton.ModeHandoff, entries: []entry{botSays("")},
		},
		{name: "no message and no handoff", conv: conversation(baton.ModeBot), do: botReply(baton.BotReply{Understood: true}, 2), err: baton.EINVALID},
		{name: "a blank message", conv: conversation(baton.ModeBot), do: botReply(baton.BotReply{Messages: []baton.BotMessage{{Text: " "}}}, 2), err: baton.EINVALID},
		{name: "a handoff with an unknown trigger", conv: conversation(baton.ModeBot),
			do: botReply(baton.BotReply{Handoff: &baton.HandoffRequest{Trigger: "nope"}}, 2), err: baton.EINVALID},
	}
	for _, mode := range []baton.Mode{baton.ModeQueued, baton.ModeAgent, baton.ModeTicket, baton.ModeClosed} {
		tests = append(tests,
			transition{name: string(mode) + ": an answer is dropped", conv: conversation(mode), do: botReply(answer, 2), err: baton.ECONFLICT},
			transition{name: string(mode) + ": a handoff action is dropped", conv: conversation(mode),
				do: botReply(baton.BotReply{Handoff: &baton.HandoffRequest{Trigger: baton.TriggerBot}}, 2), err: baton.ECONFLICT},
		)
	}
	runTransitions(t, tests)
}

func requestHandoff(req baton.HandoffRequest) func(r *lifecycle.Rules, c *baton.Conversation) (*lifecycle.Decision, error) {
	return func(r *lifecycle.Rules, c *baton.Conversation) (*lifecycle.Decision, error) {
		return r.RequestHandoff(c, req, t0)
	}
}

func TestRequestHandoff(t *testing.T) {
	tests := []transition{
		{
			name: "bot: the defaults are filled in",
			conv: with(conversation(baton.ModeBot), func(c *baton.Conversation) {
				c.UnknownStreak, c.Survey = 1, baton.SurveyRating
			}),
			do:      requestHandoff(baton.HandoffRequest{Trigger: baton.TriggerFrustration}),
			mode:    baton.ModeHandoff,
			entries: []entry{system(baton.EventHandoffRequested, true)},
			effects: effects{NeedsPlacement: true},
			check: func(t *testing.T, _ *baton.Conversation, d *lifecycle.Decision) {
				c := d.Conversation
				if h := c.Handoff; h.Department != "support" || h.Priority != baton.PriorityNormal || h.Reason != "the customer is frustrated" {
					t.Errorf("handoff %+v", h)
				}
				if c.Survey != baton.SurveyNone || c.UnknownStreak != 0 || c.Handoffs != 1 {
					t.Errorf("survey %q, unknown streak %d, handoffs %d", c.Survey, c.UnknownStreak, c.Handoffs)
				}
			},
		},
		{
			name: "bot: to a department that needs details",
			conv: conversation(baton.ModeBot),
			do:   requestHandoff(baton.HandoffRequest{Trigger: baton.TriggerBot, Department: "sales"}),
			mode: baton.ModeHandoff, entries: []entry{system(baton.EventHandoffRequested, true), botSays("What is your email address?")},
		},
		{
			name:    "closed: reopened into the handoff",
			conv:    conversation(baton.ModeClosed),
			do:      requestHandoff(baton.HandoffRequest{Trigger: baton.TriggerBot}),
			mode:    baton.ModeHandoff,
			entries: []entry{system(baton.EventReopened, false), system(baton.EventHandoffRequested, true)},
			effects: effects{NeedsPlacement: true},
		},
		{name: "bot: no trigger", conv: conversation(baton.ModeBot), do: requestHandoff(baton.HandoffRequest{}), err: baton.EINVALID},
		{name: "bot: unknown department", conv: conversation(baton.ModeBot),
			do: requestHandoff(baton.HandoffRequest{Trigger: baton.TriggerBot, Department: "nope"}), err: baton.EINVALID},
	}
	for _, mode := range []baton.Mode{baton.ModeHandoff, baton.ModeQueued, baton.ModeAgent, baton.ModeTicket} {
		tests = append(tests, transition{name: string(mode) + ": refused", conv: conversation(mode),
			do: requestHandoff(baton.HandoffRequest{Trigger: baton.TriggerBot}), err: baton.ECONFLICT})
	}
	runTransitions(t, tests)
}

func TestPlace(t *testing.T) {
	nextOpen := time.Date(2026, time.March, 3, 9, 0, 0, 0, time.UTC)
	closedTill := func() *fakeCalendar { return &fakeCalendar{next: nextOpen, hasNext: true} }
	tests := []struct {
		name    string
		cal     *fakeCalendar // support's calendar; nil: always open
		facts   lifecycle.Facts
		mode    baton.Mode
		entries []entry // after handoff_requested
		effects effects
		check   func(t *testing.T, d *lifecycle.Decision)
	}{
		{
			name:  "open and staffed: queued first",
			facts: lifecycle.Facts{Staffed: true, Capacity: 3, Free: 1, HandlingTime: 10 * time.Minute},
			mode:  baton.ModeQueued,
			entries: []entry{{author: baton.AuthorSystem, event: baton.EventQueued, text: "Waiting for Customer Support"},
				botSays("I'm connecting you with a person from Customer Support. You are number 1 in the queue; the expected wait is less than a minute.")},
			effects: effects{Enqueued: true},
			check: func(t *testing.T, d *lifecycle.Decision) {
				if c := d.Conversation; c.QueuedAt == nil || !c.QueuedAt.Equal(t0) || c.TicketID != "" {
					t.Errorf("QueuedAt %v, ticket %q", c.QueuedAt, c.TicketID)
				}
				want := baton.Wait{Position: 1, Estimate: 0, Known: true, ToldAt: t0}
				if w := d.Conversation.Handoff.Wait; w == nil || *w != want {
					t.Errorf("wait %+v, want %+v", w, want)
				}
			},
		},
		{
			name:  "open and staffed: the position counts those ahead",
			cal:   &fakeCalendar{open: true},
			facts: lifecycle.Facts{Staffed: true, QueueAhead: 4, Capacity: 2, HandlingTime: 8 * time.Minute},
			mode:  baton.ModeQueued,
			entries: []entry{system(baton.EventQueued, false),
				botSays("I'm connecting you with a person from Customer Support. You are number 5 in the queue; the expected wait is about 20 minutes.")},
			effects: effects{Enqueued: true},
		},
		{
			name:  "open and staffed but nobody online: no estimate",
			facts: lifecycle.Facts{Staffed: true, QueueAhead: 1, HandlingTime: 8 * time.Minute},
			mode:  baton.ModeQueued,
			entries: []entry{system(baton.EventQueued, false),
				botSays("I'm connecting you with a person from Customer Support. You are number 2 in the queue; everyone is busy right now, so I can't say how long it will take yet.")},
			effects: effects{Enqueued: true},
			check: func(t *testing.T, d *lifecycle.Decision) {
				if w := d.Conversation.Handoff.Wait; w == nil || w.Known || w.Position != 2 {
					t.Errorf("wait %+v, want position 2, unknown", w)
				}
			},
		},
		{
			name:  "nobody signed in: a ticket",
			facts: lifecycle.Facts{Staffed: false},
			mode:  baton.ModeTicket,
			entries: []entry{
				botSays("Nobody from Customer Support can answer live right now. I've created a ticket and the team will get back to you."),
				{author: baton.AuthorSystem, event: baton.EventTicketCreated, private: true, text: "Ticket c_1-8 created (nobody signed in)"}},
			effects: effects{Ticket: true},
			check: func(t *testing.T, d *lifecycle.Decision) {
				want := baton.Ticket{ID: "c_1-8", ConversationID: "c_1", Department: "support", Priority: baton.PriorityHigh,
					Status: baton.TicketOpen, Subject: "wants a person", Trigger: baton.TriggerText,
					Details: map[string]string{"name": "Dana"}, CreatedAt: t0, UpdatedAt: t0}
				if !reflect.DeepEqual(*d.Ticket, want) {
					t.Errorf("ticket\n got %+v\nwant %+v", *d.Ticket, want)
				}
				if c := d.Conversation; c.TicketID != "c_1-8" || c.QueuedAt != nil {
					t.Errorf("TicketID %q, QueuedAt %v", c.TicketID, c.QueuedAt)
				}
			},
		},
		{
			name:  "out of hours: a ticket with the next opening",
			cal:   closedTill(),
			facts: lifecycle.Facts{Staffed: true},
			mode:  baton.ModeTicket,
			entries: []entry{
				botSays("Customer Support is closed right now. I've created a ticket; the team opens tomorrow at 09:00 and will get back to you then."),
				{author: baton.AuthorSystem, event: baton.EventTicketCreated, private: true, text: "Ticket c_1-8 created (out of hours)"}},
			effects: effects{Ticket: true},
			check: func(t *testing.T, d *lifecycle.Decision) {
				if e := d.Ticket.ExpectedBy; e == nil || !e.Equal(nextOpen) {
					t.Errorf("ExpectedBy %v, want %v", e, nextOpen)
				}
			},
		},
		{
			name:  "out of hours for good: a ticket without a promise",
			cal:   &fakeCalendar{},
			facts: lifecycle.Facts{Staffed: true},
			mode:  baton.ModeTicket,
			entries: []entry{
				botSays("Nobody from Customer Support can answer live right now. I've created a ticket and the team will get back to you."),
				system(baton.EventTicketCreated, true)},
			effects: effects{Ticket: true},
			check: func(t *testing.T, d *lifecycle.Decision) {
				if d.Ticket.ExpectedBy != nil {
					t.Errorf("ExpectedBy %v, want none", d.Ticket.ExpectedBy)
				}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			support := &baton.Department{Name: "support", Title: "Customer Support"}
			if tt.cal != nil {
				support.Hours = tt.cal
			}
			r := testRules(support)
			before := conversation(baton.ModeBot)
			d, err := r.RequestHandoff(before, baton.HandoffRequest{Trigger: baton.TriggerText, Reason: "wants a person", Priority: baton.PriorityHigh}, t0)
			if err != nil {
				t.Fatal(err)
			}
			if err := r.Place(d, tt.facts, t0); err != nil {
				t.Fatal(err)
			}
			checkDecision(t, before, d, t0, append([]entry{system(baton.EventHandoffRequested, true)}, tt.entries...))
			if d.Conversation.Mode != tt.mode {
				t.Errorf("Mode = %s, want %s", d.Conversation.Mode, tt.mode)
			}
			if got := effectsOf(d); got != tt.effects {
				t.Errorf("effects = %+v, want %+v", got, tt.effects)
			}
			if tt.cal != nil && !slices.Equal(tt.cal.asked, []time.Time{t0}) {
				t.Errorf("calendar asked at %v, want at %v", tt.cal.asked, t0)
			}
			if tt.check != nil {
				tt.check(t, d)
			}
		})
	}
}

func TestPlaceClearsUnansweredDetails(t *testing.T) {
	r := testRules()
	d, err := r.CustomerMessage(conversation(baton.ModeHandoff), lifecycle.CustomerInput{Text: "cancel"}, t0)
	if err != nil {
		t.Fatal(err)
	}
	if err := r.Place(d, lifecycle.Facts{Staffed: true}, t0); err != nil {
		t.Fatal(err)
	}
	if c := d.Conversation; c.Mode != baton.ModeQueued || len(c.Handoff.Missing) != 0 || c.Department != "sales" || d.NeedsPlacement {
		t.Fatalf("mode %s, missing %v, department %q, needs placement %v", c.Mode, c.Handoff.Missing, c.Department, d.NeedsPlacement)
	}
	if got := d.Entries[len(d.Entries)-1].Text; got != "I'm connecting you with a person from Sales. You are number 1 in the queue; everyone is busy right now, so I can't say how long it will take yet." {
		t.Fatalf("told %q", got)
	}
}

func TestPlaceAgainKeepsTheWaitingTime(t *testing.T) {
	c := conversation(baton.ModeQueued)
	queuedAt := *c.QueuedAt
	d := &lifecycle.Decision{Conversation: c.Clone()}
	if err := testRules().Place(d, lifecycle.Facts{Staffed: true}, t0); err != nil {
		t.Fatal(err)
	}
	if !d.Conversation.QueuedAt.Equal(queuedAt) {
		t.Fatalf("QueuedAt %v, want the first %v", d.Conversation.QueuedAt, queuedAt)
	}
}

func TestPlaceRefused(t *testing.T) {
	r := testRules()
	for _, mode := range []baton.Mode{baton.ModeBot, baton.ModeAgent, baton.ModeTicket, baton.ModeClosed} {
		d := &lifecycle.Decision{Conversation: conversation(mode)}
		wantCode(t, r.Place(d, lifecycle.Facts{Staffed: true}, t0), baton.ECONFLICT)
	}
	d := &lifecycle.Decision{Conversation: with(conversation(baton.ModeQueued), func(c *baton.Conversation) { c.Department = "gone" })}
	wantCode(t, r.Place(d, lifecycle.Facts{Staffed: true}, t0), baton.EINVALID)
}

func assign(a *baton.Agent, how lifecycle.AssignHow) func(r *lifecycle.Rules, c *baton.Conversation) (*lifecycle.Decision, error) {
	return func(r *lifecycle.Rules, c *baton.Conversation) (*lifecycle.Decision, error) {
		return r.Assign(c, a, how, t0)
	}
}

// joined is the entry of an agent joining, by event.
func joined(event, agent, name string) entry {
	return entry{author: baton.AuthorSystem, event: event, agent: agent, text: name + " has joined the conversation."}
}

func checkAssigned(agent string) func(t *testing.T, before *baton.Conversation, d *lifecycle.Decision) {
	return func(t *testing.T, before *baton.Conversation, d *lifecycle.Decision) {
		t.Helper()
		c := d.Conversation
		if c.Assignee != agent || c.LastAgent != agent || c.AssignedAt == nil || !c.AssignedAt.Equal(t0) || !c.LastActivityAt.Equal(t0) {
			t.Errorf("assignee %q, last agent %q, AssignedAt %v, LastActivityAt %v", c.Assignee, c.LastAgent, c.AssignedAt, c.LastActivityAt)
		}
		if c.Survey != baton.SurveyNone || c.Handoff == nil || len(c.Handoff.Missing) != 0 || c.Handoff.AnsweredAt == nil {
			t.Errorf("survey %q, handoff %+v (answered_at must be set)", c.Survey, c.Handoff)
		}
	}
}

func TestAssign(t *testing.T) {
	bargeIn := func(handoffs int, dept string) func(t *testing.T, before *baton.Conversation, d *lifecycle.Decision) {
		return func(t *testing.T, before *baton.Conversation, d *lifecycle.Decision) {
			checkAssigned("a_1")(t, before, d)
			c := d.Conversation
			want := baton.Handoff{Trigger: baton.TriggerAgent, Reason: "an agent joined", Department: dept,
				Priority: before.Priority, Details: map[string]string{}, RequestedAt: t0, AnsweredAt: &t0}
			if !reflect.DeepEqual(*c.Handoff, want) {
				t.Errorf("handoff\n got %+v\nwant %+v", *c.Handoff, want)
			}
			if c.Handoffs != handoffs || c.Department != dept {
				t.Errorf("handoffs %d, department %q; want %d, %q", c.Handoffs, c.Department, handoffs, dept)
			}
		}
	}
	keepsHandoff := func(t *testing.T, before *baton.Conversation, d *lifecycle.Decision) {
		checkAssigned("a_1")(t, before, d)
		c := d.Conversation
		if c.Handoff.Trigger != before.Handoff.Trigger || c.Handoffs != before.Handoffs || c.Department != before.Department {
			t.Errorf("handoff %+v, handoffs %d, department %q", c.Handoff, c.Handoffs, c.Department)
		}
	}
	tests := []transition{
		{
			name: "queued: automatic", conv: conversation(baton.ModeQueued), do: assign(ann(), lifecycle.AssignAuto),
			mode: baton.ModeAgent, entries: []entry{joined(baton.EventAssigned, "a_1", "Ann")}, check: keepsHandoff,
		},
		{
			name: "queued: claimed", conv: conversation(baton.ModeQueued), do: assign(ann(), lifecycle.AssignClaim),
			mode: baton.ModeAgent, entries: []entry{joined(baton.EventAssigned, "a_1", "Ann")}, check: keepsHandoff,
		},
		{
			name: "bot: a claim barges in", conv: conversation(baton.ModeBot), do: assign(ann(), lifecycle.AssignClaim),
			mode: baton.ModeAgent, entries: []entry{joined(baton.EventAssigned, "a_1", "Ann")}, check: bargeIn(1, "support"),
		},
		{
			name: "bot: a reply takes over", conv: with(conversation(baton.ModeBot), func(c *baton.Conversation) { c.Survey = baton.SurveyComment }),
			do:   assign(ann(), lifecycle.AssignReply),
			mode: baton.ModeAgent, entries: []entry{joined(baton.EventAgentTookOver, "a_1", "Ann")}, check: bargeIn(1, "support"),
		},
		{
			name: "bot: a barge-in keeps the department it already has",
			conv: with(conversation(baton.ModeBot), func(c *baton.Conversation) { c.Department = "sales" }),
			do:   assign(ann(), lifecycle.AssignClaim),
			mode: baton.ModeAgent, entries: []entry{joined(baton.EventAssigned, "a_1", "Ann")}, check: bargeIn(1, "sales"),
		},
		{
			name: "handoff: a claim stops the questions", conv: conversation(baton.ModeHandoff), do: assign(ann(), lifecycle.AssignClaim),
			mode: baton.ModeAgent, entries: []entry{joined(baton.EventAssigned, "a_1", "Ann")}, check: keepsHandoff,
		},
		{
			name: "ticket: a reply picks it up", conv: conversation(baton.ModeTicket), do: assign(ann(), lifecycle.AssignReply),
			mode: baton.ModeAgent, entries: []entry{joined(baton.EventAgentTookOver, "a_1", "Ann")},
			check: func(t *testing.T, before *baton.Conversation, d *lifecycle.Decision) {
				keepsHandoff(t, before, d)
				if d.Conversation.TicketID != "c_1-1" {
					t.Errorf("TicketID %q: the ticket is closed when the agent hands back, not before", d.Conversation.TicketID)
				}
			},
		},
		{
			name: "closed: a claim is a new handoff", conv: conversation(baton.ModeClosed), do: assign(ann(), lifecycle.AssignClaim),
			mode: baton.ModeAgent, entries: []entry{joined(baton.EventAssigned, "a_1", "Ann")}, check: bargeIn(2, "support"),
		},
		{name: "agent: the same agent again changes nothing", conv: conversation(baton.ModeAgent), do: assign(ann(), lifecycle.AssignClaim), unchanged: true},
		{name: "agent: the same agent's reply changes nothing", conv: conversation(baton.ModeAgent), do: assign(ann(), lifecycle.AssignReply), unchanged: true},
		{name: "agent: another agent's claim", conv: conversation(baton.ModeAgent), do: assign(bob(), lifecycle.AssignClaim), err: baton.ECONFLICT},
		{name: "agent: another agent's reply", conv: conversation(baton.ModeAgent), do: assign(bob(), lifecycle.AssignReply), err: baton.ECONFLICT},
		{name: "agent: automatic for another agent", conv: conversation(baton.ModeAgent), do: assign(bob(), lifecycle.AssignAuto), err: baton.ECONFLICT},
	}
	for _, mode := range []baton.Mode{baton.ModeBot, baton.ModeHandoff, baton.ModeTicket, baton.ModeClosed} {
		tests = append(tests, transition{name: string(mode) + ": automatic only takes queued", conv: conversation(mode),
			do: assign(ann(), lifecycle.AssignAuto), err: baton.ECONFLICT})
	}
	runTransitions(t, tests)
}

func agentSays(a *baton.Agent, text string, private bool) func(r *lifecycle.Rules, c *baton.Conversation) (*lifecycle.Decision, error) {
	return func(r *lifecycle.Rules, c *baton.Conversation) (*lifecycle.Decision, error) {
		return r.AgentMessage(c, a, text, "am-1", private, t0)
	}
}

func TestAgentMessage(t *testing.T) {
	note := func(agent string) entry {
		return entry{author: baton.AuthorAgent, private: true, agent: agent, text: "VIP, be nice"}
	}
	reply := entry{author: baton.AuthorAgent, agent: "a_1", text: "Hi, I'm Ann."}
	changesNothingElse := func(t *testing.T, before *baton.Conversation, d *lifecycle.Decision) {
		c := d.Conversation
		if c.Assignee != before.Assignee || !c.LastActivityAt.Equal(before.LastActivityAt) || !reflect.DeepEqual(c.Handoff, before.Handoff) {
			t.Errorf("a note changed the conversation: %+v", c)
		}
		if d.Entries[0].ClientMessageID != "am-1" {
			t.Errorf("ClientMessageID %q", d.Entries[0].ClientMessageID)
		}
	}
	var tests []transition
	for _, mode := range []baton.Mode{baton.ModeBot, baton.ModeHandoff, baton.ModeQueued, baton.ModeAgent, baton.ModeTicket, baton.ModeClosed} {
		tests = append(tests, transition{name: string(mode) + ": a private note changes no mode", conv: conversation(mode),
			do: agentSays(bob(), "VIP, be nice", true), mode: mode, entries: []entry{note("b_2")}, check: changesNothingElse})
	}
	tests = append(tests,
		transition{
			name: "agent: the assignee's reply", conv: conversation(baton.ModeAgent), do: agentSays(ann(), "Hi, I'm Ann.", false),
			mode: baton.ModeAgent, entries: []entry{reply},
			check: func(t *testing.T, _ *baton.Conversation, d *lifecycle.Decision) {
				if c := d.Conversation; c.Assignee != "a_1" || !c.LastActivityAt.Equal(t0) {
					t.Errorf("assignee %q, LastActivityAt %v", c.Assignee, c.LastActivityAt)
				}
			},
		},
		transition{
			name: "bot: a reply takes over first", conv: conversation(baton.ModeBot), do: agentSays(ann(), "Hi, I'm Ann.", false),
			mode: baton.ModeAgent, entries: []entry{joined(baton.EventAgentTookOver, "a_1", "Ann"), reply},
			check: func(t *testing.T, before *baton.Conversation, d *lifecycle.Decision) {
				checkAssigned("a_1")(t, before, d)
				if d.Conversation.Handoff.Trigger != baton.TriggerAgent {
					t.Errorf("trigger %s, want agent", d.Conversation.Handoff.Trigger)
				}
			},
		},
		transition{
			name: "queued: a reply takes over first", conv: conversation(baton.ModeQueued), do: agentSays(ann(), "Hi, I'm Ann.", false),
			mode: baton.ModeAgent, entries: []entry{joined(baton.EventAgentTookOver, "a_1", "Ann"), reply}, check: checkAssigned("a_1"),
		},
		transition{
			name: "ticket: a reply takes over first", conv: conversation(baton.ModeTicket), do: agentSays(ann(), "Hi, I'm Ann.", false),
			mode: baton.ModeAgent, entries: []entry{joined(baton.EventAgentTookOver, "a_1", "Ann"), reply}, check: checkAssigned("a_1"),
		},
		transition{name: "agent: another agent's reply", conv: conversation(baton.ModeAgent), do: agentSays(bob(), "Let me", false), err: baton.ECONFLICT},
		transition{name: "empty text", conv: conversation(baton.ModeAgent), do: agentSays(ann(), "  ", false), err: baton.EINVALID},
		transition{name: "empty note", conv: conversation(baton.ModeAgent), do: agentSays(ann(), "", true), err: baton.EINVALID},
	)
	runTransitions(t, tests)
}

func release(a *baton.Agent, survey bool) func(r *lifecycle.Rules, c *baton.Conversation) (*lifecycle.Decision, error) {
	return func(r *lifecycle.Rules, c *baton.Conversation) (*lifecycle.Decision, error) {
		return r.Release(c, a, survey, t0)
	}
}

func checkReturned(t *testing.T, before *baton.Conversation, d *lifecycle.Decision) {
	t.Helper()
	c := d.Conversation
	if c.Assignee != "" || c.AssignedAt != nil || c.QueuedAt != nil || c.TicketID != "" || c.UnknownStreak != 0 {
		t.Errorf("still held: assignee %q, AssignedAt %v, QueuedAt %v, ticket %q", c.Assignee, c.AssignedAt, c.QueuedAt, c.TicketID)
	}
	if c.Resolution != before.Resolution+1 || c.LastAgent != before.Assignee {
		t.Errorf("resolution %d, last agent %q; want %d, %q", c.Resolution, c.LastAgent, before.Resolution+1, before.Assignee)
	}
}

func TestRelease(t *testing.T) {
	returned := func(text string) entry {
		return entry{author: baton.AuthorSystem, event: baton.EventReturnedToBot, text: text}
	}
	tests := []transition{
		{
			name: "by the assignee", conv: conversation(baton.ModeAgent), do: release(ann(), false),
			mode:    baton.ModeBot,
			entries: []entry{returned("Ann handed the conversation back to the bot"), botSays(lifecycle.English.Returned)},
			effects: effects{Freed: "a_1"},
			check: func(t *testing.T, before *baton.Conversation, d *lifecycle.Decision) {
				checkReturned(t, before, d)
				if d.Conversation.Survey != baton.SurveyNone {
					t.Errorf("survey %q", d.Conversation.Survey)
				}
			},
		},
		{
			name: "by an administrator", conv: conversation(baton.ModeAgent), do: release(nil, false),
			mode:    baton.ModeBot,
			entries: []entry{returned("The agent handed the conversation back to the bot"), botSays("")},
			effects: effects{Freed: "a_1"}, check: checkReturned,
		},
		{
			name: "a picked-up ticket is closed",
			conv: with(conversation(baton.ModeAgent), func(c *baton.Conversation) { c.TicketID = "c_1-1" }),
			do:   release(ann(), false), mode: baton.ModeBot,
			entries: []entry{returned(""), botSays("")},
			effects: effects{Freed: "a_1", CloseTicket: "c_1-1"}, check: checkReturned,
		},
		{
			name: "with the survey", conv: with(conversation(baton.ModeAgent), func(c *baton.Conversation) { c.Resolution = 2 }),
			do: release(ann(), true), mode: baton.ModeBot,
			entries: []entry{returned(""), {author: baton.AuthorSystem, event: baton.EventSurveyStarted, text: "Satisfaction survey started"},
				botSays(lifecycle.English.SurveyAsk)},
			effects: effects{Freed: "a_1"},
			check: func(t *testing.T, before *baton.Conversation, d *lifecycle.Decision) {
				checkReturned(t, before, d)
				if d.Conversation.Survey != baton.SurveyRating {
					t.Errorf("survey %q, want rating", d.Conversation.Survey)
				}
				var got []string
				for _, b := range d.Entries[2].Buttons {
					got = append(got, b.Title+"="+b.Payload)
				}
				if want := []string{"1=1", "2=2", "3=3", "4=4", "5=5"}; !slices.Equal(got, want) {
					t.Errorf("buttons %v, want %v", got, want)
				}
			},
		},
		{name: "by another agent", conv: conversation(baton.ModeAgent), do: release(bob(), false), err: baton.EFORBIDDEN},
		{name: "by another agent, with the survey", conv: conversation(baton.ModeAgent), do: release(bob(), true), err: baton.EFORBIDDEN},
	}
	for _, mode := range []baton.Mode{baton.ModeBot, baton.ModeHandoff, baton.ModeQueued, baton.ModeTicket, baton.ModeClosed} {
		tests = append(tests,
			transition{name: string(mode) + ": refused", conv: conversation(mode), do: release(ann(), false), err: baton.ECONFLICT},
			transition{name: string(mode) + ": refused to an administrator", conv: conversation(mode), do: release(nil, true), err: baton.ECONFLICT},
		)
	}
	runTransitions(t, tests)
}

// TestSurvey runs the satisfaction survey after a release: a rating, then
// an optional comment, both stored for the resolution that just ended.
func TestSurvey(t *testing.T) {
	r := testRules()
	start := with(conversation(baton.ModeAgent), func(c *baton.Conversation) { c.Resolution = 2 })
	d, err := r.Release(start, ann(), true, t0)
	if err != nil {
		t.Fatal(err)
	}
	rating := d.Conversation // the survey waits for a rating, resolution 3
	if rating.Resolution != 3 || rating.Survey != baton.SurveyRating {
		t.Fatalf("resolution %d, survey %q", rating.Resolution, rating.Survey)
	}

	ratingTests := []struct {
		text    string
		rating  int // 0: asked again
		abandon bool
	}{
		{text: "4", rating: 4},
		{text: "٥", rating: 5},   // Arabic-Indic digit
		{text: "۳/5", rating: 3}, // Persian digit
		{text: " 5 ", rating: 5},
		{text: "1/5", rating: 1},
		{text: "0"},
		{text: "6"},
		{text: "-3"},
		{text: "five", abandon: true},
		{text: "where is my order?", abandon: true},
	}
	for _, tt := range ratingTests {
		t.Run("rating "+tt.text, func(t *testing.T) {
			d, err := decide(t, rating, func(c *baton.Conversation) (*lifecycle.Decision, error) {
				return r.CustomerMessage(c, lifecycle.CustomerInput{Text: tt.text}, t0)
			})
			if err != nil {
				t.Fatal(err)
			}
			c := d.Conversation
			switch {
			case tt.abandon:
				checkDecision(t, rating, d, t0, []entry{customer(tt.text)})
				if c.Survey != baton.SurveyNone || d.Survey != nil || !d.AskBot {
					t.Errorf("survey %q, response %+v, ask bot %v; want the survey dropped and the bot asked", c.Survey, d.Survey, d.AskBot)
				}
			case tt.rating == 0:
				checkDecision(t, rating, d, t0, []entry{customer(tt.text), botSays(lifecycle.English.SurveyAsk)})
				if c.Survey != baton.SurveyRating || d.Survey != nil || d.AskBot || len(d.Entries[1].Buttons) != 5 {
					t.Errorf("survey %q, response %+v, ask bot %v, buttons %v; want the rating asked again", c.Survey, d.Survey, d.AskBot, d.Entries[1].Buttons)
				}
			default:
				checkDecision(t, rating, d, t0, []entry{customer(tt.text), system(baton.EventSurveyAnswered, true),
					botSays(lifecycle.English.SurveyComment)})
				want := baton.SurveyResponse{ConversationID: "c_1", Resolution: 3, AgentID: "a_1", Rating: tt.rating, CreatedAt: t0, UpdatedAt: t0}
				if d.Survey == nil || *d.Survey != want {
					t.Errorf("response %+v, want %+v", d.Survey, want)
				}
				if c.Survey != baton.SurveyComment || d.AskBot {
					t.Errorf("survey %q, ask bot %v", c.Survey, d.AskBot)
				}
				if b := d.Entries[2].Buttons; len(b) != 1 || b[0].Title != "No, thanks" || b[0].Payload != "skip" {
					t.Errorf("skip button %+v", b)
				}
			}
		})
	}

	d, err = r.CustomerMessage(rating, lifecycle.CustomerInput{Text: "4"}, t0)
	if err != nil {
		t.Fatal(err)
	}
	comment := d.Conversation
	commentTests := []struct {
		text    string
		comment string // "": none stored
	}{
		{text: "Quick and kind.", comment: "Quick and kind."},
		{text: "  12  ", comment: "12"},
		{text: "skip"},
		{text: "SKIP"},
		{text: "No, thanks"},
		{text: "no, THANKS"},
	}
	for _, tt := range commentTests {
		t.Run("comment "+tt.text, func(t *testing.T) {
			d, err := decide(t, comment, func(c *baton.Conversation) (*lifecycle.Decision, error) {
				return r.CustomerMessage(c, lifecycle.CustomerInput{Text: tt.text}, t0)
			})
			if err != nil {
				t.Fatal(err)
			}
			checkDecision(t, comment, d, t0, []entry{customer(tt.text), botSays(lifecycle.English.SurveyThanks)})
			if d.Conversation.Survey != baton.SurveyNone || d.AskBot {
				t.Errorf("survey %q, ask bot %v", d.Conversation.Survey, d.AskBot)
			}
			if tt.comment == "" {
				if d.Survey != nil {
					t.Errorf("a skipped comment stored %+v", d.Survey)
				}
				return
			}
			want := baton.SurveyResponse{ConversationID: "c_1", Resolution: 3, AgentID: "a_1", Comment: tt.comment, CreatedAt: t0, UpdatedAt: t0}
			if d.Survey == nil || *d.Survey != want {
				t.Errorf("response %+v, want %+v", d.Survey, want)
			}
		})
	}

	// After the survey, the bot answers again.
	d, err = r.CustomerMessage(comment, lifecycle.CustomerInput{Text: "skip"}, t0)
	if err != nil {
		t.Fatal(err)
	}
	d, err = r.CustomerMessage(d.Conversation, lifecycle.CustomerInput{Text: "3"}, t0)
	if err != nil {
		t.Fatal(err)
	}
	if !d.AskBot || d.Survey != nil {
		t.Fatalf("after the survey a %q went to the survey: %+v", "3", d.Survey)
	}
}

func timeoutAfter(idle time.Duration) *baton.Conversation {
	return with(conversation(baton.ModeAgent), func(c *baton.Conversation) { c.LastActivityAt = t0.Add(-idle) })
}

func TestTimeout(t *testing.T) {
	timeout := func(r *lifecycle.Rules, c *baton.Conversation) (*lifecycle.Decision, error) { return r.Timeout(c, t0) }
	timedOut := []entry{
		{author: baton.AuthorSystem, event: baton.EventReturnedToBot, text: "Returned to the bot after 30 min without messages"},
		botSays(lifecycle.English.TimedOut),
	}
	tests := []transition{
		{name: "just before the timeout", conv: timeoutAfter(30*time.Minute - time.Microsecond), do: timeout, err: baton.ECONFLICT},
		{name: "recent activity", conv: timeoutAfter(time.Minute), do: timeout, err: baton.ECONFLICT},
		{name: "activity in the future", conv: timeoutAfter(-time.Minute), do: timeout, err: baton.ECONFLICT},
		{name: "at the timeout", conv: timeoutAfter(30 * time.Minute), do: timeout, mode: baton.ModeBot, entries: timedOut,
			effects: effects{Freed: "a_1"}, check: checkReturned},
		{name: "long after", conv: timeoutAfter(26 * time.Hour), do: timeout, mode: baton.ModeBot, entries: timedOut,
			effects: effects{Freed: "a_1"}, check: checkReturned},
		{
			name: "a picked-up ticket is closed",
			conv: with(timeoutAfter(time.Hour), func(c *baton.Conversation) { c.TicketID = "c_1-1" }),
			do:   timeout, mode: baton.ModeBot, entries: timedOut,
			effects: effects{Freed: "a_1", CloseTicket: "c_1-1"}, check: checkReturned,
		},
		{
			name:  "no timeout configured",
			rules: func() *lifecycle.Rules { r := testRules(); r.InactivityTimeout = 0; return r }(),
			conv:  timeoutAfter(48 * time.Hour), do: timeout, err: baton.ECONFLICT,
		},
		{
			name:  "an hour-long timeout is said in hours",
			rules: func() *lifecycle.Rules { r := testRules(); r.InactivityTimeout = 2 * time.Hour; return r }(),
			conv:  timeoutAfter(2 * time.Hour), do: timeout, mode: baton.ModeBot,
			entries: []entry{{author: baton.AuthorSystem, event: baton.EventReturnedToBot, text: "Returned to the bot after 2 h without messages"},
				botSays("")},
			effects: effects{Freed: "a_1"},
		},
	}
	for _, mode := range []baton.Mode{baton.ModeBot, baton.ModeHandoff, baton.ModeQueued, baton.ModeTicket, baton.ModeClosed} {
		tests = append(tests, transition{name: string(mode) + ": refused", do: timeout, err: baton.ECONFLICT,
			conv: with(conversation(mode), func(c *baton.Conversation) { c.LastActivityAt = t0.Add(-48 * time.Hour) })})
	}
	runTransitions(t, tests)
}

func transfer(by *baton.Agent, to lifecycle.TransferTarget) func(r *lifecycle.Rules, c *baton.Conversation) (*lifecycle.Decision, error) {
	return func(r *lifecycle.Rules, c *baton.Conversation) (*lifecycle.Decision, error) {
		return r.Transfer(c, by, to, t0)
	}
}

func TestTransfer(t *testing.T) {
	sales := testRules().Departments("sales")
	toSales := lifecycle.TransferTarget{Department: sales}
	toBob := lifecycle.TransferTarget{Agent: bob()}
	toDept := []entry{{author: baton.AuthorSystem, event: baton.EventTransferred, text: "Transferred to Sales"},
		botSays("I'm passing you on to Sales.")}
	toAgent := []entry{{author: baton.AuthorSystem, event: baton.EventTransferred, agent: "b_2", text: "Transferred to Bob"}}
	inSales := func(t *testing.T, _ *baton.Conversation, d *lifecycle.Decision) {
		c := d.Conversation
		if c.Department != "sales" || c.Handoff.Department != "sales" || c.Assignee != "" || c.AssignedAt != nil {
			t.Errorf("department %q/%q, assignee %q, AssignedAt %v", c.Department, c.Handoff.Department, c.Assignee, c.AssignedAt)
		}
	}
	withBob := func(t *testing.T, _ *baton.Conversation, d *lifecycle.Decision) {
		c := d.Conversation
		if c.Assignee != "b_2" || c.LastAgent != "b_2" || c.AssignedAt == nil || !c.AssignedAt.Equal(t0) || !c.LastActivityAt.Equal(t0) {
			t.Errorf("assignee %q, last agent %q, AssignedAt %v, LastActivityAt %v", c.Assignee, c.LastAgent, c.AssignedAt, c.LastActivityAt)
		}
	}
	tests := []transition{
		{name: "agent to a department", conv: conversation(baton.ModeAgent), do: transfer(ann(), toSales),
			mode: baton.ModeHandoff, entries: toDept, effects: effects{NeedsPlacement: true, Freed: "a_1"}, check: inSales},
		{name: "agent to a department by an administrator", conv: conversation(baton.ModeAgent), do: transfer(nil, toSales),
			mode: baton.ModeHandoff, entries: toDept, effects: effects{NeedsPlacement: true, Freed: "a_1"}, check: inSales},
		{name: "queued to a department", conv: conversation(baton.ModeQueued), do: transfer(ann(), toSales),
			mode: baton.ModeHandoff, entries: toDept, effects: effects{NeedsPlacement: true}, check: inSales},
		{name: "handoff to a department", conv: conversation(baton.ModeHandoff), do: transfer(nil, toSales),
			mode: baton.ModeHandoff, entries: toDept, effects: effects{NeedsPlacement: true}, check: inSales},
		{name: "ticket to a department closes the ticket", conv: conversation(baton.ModeTicket), do: transfer(ann(), toSales),
			mode: baton.ModeHandoff, entries: toDept, effects: effects{NeedsPlacement: true, CloseTicket: "c_1-1"},
			check: func(t *testing.T, before *baton.Conversation, d *lifecycle.Decision) {
				inSales(t, before, d)
				if d.Conversation.TicketID != "" {
					t.Errorf("TicketID %q", d.Conversation.TicketID)
				}
			}},
		{name: "agent to an agent", conv: conversation(baton.ModeAgent), do: transfer(ann(), toBob),
			mode: baton.ModeAgent, entries: toAgent, effects: effects{Freed: "a_1"}, check: withBob},
		{name: "queued to an agent", conv: conversation(baton.ModeQueued), do: transfer(nil, toBob),
			mode: baton.ModeAgent, entries: toAgent, check: withBob},
		{name: "handoff to an agent", conv: conversation(baton.ModeHandoff), do: transfer(nil, toBob),
			mode: baton.ModeAgent, entries: toAgent,
			check: func(t *testing.T, before *baton.Conversation, d *lifecycle.Decision) {
				withBob(t, before, d)
				if len(d.Conversation.Handoff.Missing) != 0 {
					t.Errorf("Missing %v", d.Conversation.Handoff.Missing)
				}
			}},
		{name: "to an agent who is away", conv: conversation(baton.ModeAgent),
			do:   transfer(ann(), lifecycle.TransferTarget{Agent: newAgent("b_2", "Bob", baton.StatusAway, 1, "support")}),
			mode: baton.ModeAgent, entries: toAgent, effects: effects{Freed: "a_1"}, check: withBob},
		{name: "to an agent who is offline", conv: conversation(baton.ModeAgent),
			do: transfer(ann(), lifecycle.TransferTarget{Agent: newAgent("b_2", "Bob", baton.StatusOffline, 1, "support")}), err: baton.EINVALID},
		{name: "to the assignee", conv: conversation(baton.ModeAgent), do: transfer(ann(), lifecycle.TransferTarget{Agent: ann()}), unchanged: true},
		{name: "by another agent", conv: conversation(baton.ModeAgent), do: transfer(bob(), toSales), err: baton.EFORBIDDEN},
		{name: "by another agent to himself", conv: conversation(baton.ModeAgent), do: transfer(bob(), toBob), err: baton.EFORBIDDEN},
		{name: "nowhere", conv: conversation(baton.ModeAgent), do: transfer(ann(), lifecycle.TransferTarget{}), err: baton.EINVALID},
		{name: "two places", conv: conversation(baton.ModeAgent), do: transfer(ann(), lifecycle.TransferTarget{Department: sales, Agent: bob()}), err: baton.EINVALID},
		{name: "bot", conv: conversation(baton.ModeBot), do: transfer(nil, toSales), err: baton.ECONFLICT},
		{name: "closed", conv: conversation(baton.ModeClosed), do: transfer(nil, toBob), err: baton.ECONFLICT},
	}
	runTransitions(t, tests)
}

// TestTransferTicketGetsANewTicket: a ticket transferred to a department
// where nobody can take it live becomes a new ticket, and the old one is
// closed. Both ids come from the conversation id and its handoff count,
// which a transfer does not change, so the new ticket reuses the id of
// the one it closes; the store then refuses the duplicate primary key.
func TestTransferTicketGetsANewTicket(t *testing.T) {
	r := testRules()
	d, err := r.Transfer(conversation(baton.ModeTicket), nil, lifecycle.TransferTarget{Department: r.Departments("billing")}, t0)
	if err != nil {
		t.Fatal(err)
	}
	if err := r.Place(d, lifecycle.Facts{Staffed: false}, t0); err != nil {
		t.Fatal(err)
	}
	if d.Ticket == nil || d.CloseTicket != "c_1-1" {
		t.Fatalf("ticket %+v, closes %q", d.Ticket, d.CloseTicket)
	}
	if d.Ticket.ID == d.CloseTicket {
		t.Fatalf("the new ticket has the id %q of the ticket it closes", d.Ticket.ID)
	}
}

func TestClose(t *testing.T) {
	closeBy := func(r *lifecycle.Rules, c *baton.Conversation) (*lifecycle.Decision, error) {
		return r.Close(c, nil, "Ann", t0)
	}
	closeByOther := func(r *lifecycle.Rules, c *baton.Conversation) (*lifecycle.Decision, error) {
		return r.Close(c, newAgent("a_2", "Bea", baton.StatusOnline, 3, "support"), "Bea", t0)
	}
	closeByAssignee := func(r *lifecycle.Rules, c *baton.Conversation) (*lifecycle.Decision, error) {
		return r.Close(c, newAgent("a_1", "Ann", baton.StatusOnline, 3, "support"), "Ann", t0)
	}
	closed := []entry{{author: baton.AuthorSystem, event: baton.EventClosed, text: "Conversation closed by Ann"}}
	cleared := func(resolutions int) func(t *testing.T, before *baton.Conversation, d *lifecycle.Decision) {
		return func(t *testing.T, before *baton.Conversation, d *lifecycle.Decision) {
			c := d.Conversation
			if c.Assignee != "" || c.AssignedAt != nil || c.QueuedAt != nil || c.TicketID != "" || c.Survey != baton.SurveyNone {
				t.Errorf("not cleared: %+v", c)
			}
			if c.Resolution != before.Resolution+resolutions {
				t.Errorf("resolution %d, want %d", c.Resolution, before.Resolution+resolutions)
			}
		}
	}
	runTransitions(t, []transition{
		{name: "bot", conv: with(conversation(baton.ModeBot), func(c *baton.Conversation) { c.Survey = baton.SurveyRating }),
			do: closeBy, mode: baton.ModeClosed, entries: closed, check: cleared(0)},
		{name: "handoff", conv: conversation(baton.ModeHandoff), do: closeBy, mode: baton.ModeClosed, entries: closed, check: cleared(0)},
		{name: "queued", conv: conversation(baton.ModeQueued), do: closeBy, mode: baton.ModeClosed, entries: closed, check: cleared(0)},
		{name: "agent: frees the agent", conv: conversation(baton.ModeAgent), do: closeBy, mode: baton.ModeClosed, entries: closed,
			effects: effects{Freed: "a_1"}, check: cleared(1)},
		{name: "ticket: closes the ticket", conv: conversation(baton.ModeTicket), do: closeBy, mode: baton.ModeClosed, entries: closed,
			effects: effects{CloseTicket: "c_1-1"}, check: cleared(0)},
		{name: "agent with a picked-up ticket", conv: with(conversation(baton.ModeAgent), func(c *baton.Conversation) { c.TicketID = "c_1-1" }),
			do: closeBy, mode: baton.ModeClosed, entries: closed, effects: effects{Freed: "a_1", CloseTicket: "c_1-1"}, check: cleared(1)},
		{name: "closed: idempotent", conv: conversation(baton.ModeClosed), do: closeBy, unchanged: true},
		{name: "agent: another agent is refused", conv: conversation(baton.ModeAgent), do: closeByOther, err: baton.EFORBIDDEN},
		{name: "agent: by its agent", conv: conversation(baton.ModeAgent), do: closeByAssignee, mode: baton.ModeClosed, entries: closed,
			effects: effects{Freed: "a_1"}, check: cleared(1)},
		{name: "queued: any agent", conv: conversation(baton.ModeQueued), do: closeByOther, mode: baton.ModeClosed,
			entries: []entry{{author: baton.AuthorSystem, event: baton.EventClosed, text: "Conversation closed by Bea"}}, check: cleared(0)},
	})
}

// TestDecisionsShareNothingWithTheInput: changing a decision's conversation
// must not reach back into the state it was decided from (the engine's cache).
func TestDecisionsShareNothingWithTheInput(t *testing.T) {
	r := testRules()
	c := conversation(baton.ModeHandoff)
	snap := deepCopy(c)
	d, err := r.CustomerMessage(c, lifecycle.CustomerInput{Text: "dana@example.com"}, t0)
	if err != nil {
		t.Fatal(err)
	}
	n := d.Conversation
	n.Handoff.Details["name"] = "changed"
	n.Handoff.Missing[0] = "changed"
	n.Contact.Attributes["plan"] = "changed"
	*n.LastCustomerAt = time.Time{}
	if !reflect.DeepEqual(c, snap) {
		t.Fatalf("the decision shares state with its input:\n got %+v\nwant %+v", c, snap)
	}
}

// TestThen folds a bot answer into the customer message's decision: one
// stored change, one version step, one run of seq numbers.
func TestThen(t *testing.T) {
	r := testRules()
	before := conversation(baton.ModeBot)
	d, err := r.CustomerMessage(before, lifecycle.CustomerInput{Text: "What now?"}, t0)
	if err != nil {
		t.Fatal(err)
	}
	next, err := r.BotReply(d.Conversation, &baton.BotReply{Understood: true, Messages: []baton.BotMessage{{Text: "Let me get someone."}},
		Handoff: &baton.HandoffRequest{Trigger: baton.TriggerSensitiveIntent}}, "What now?", t0)
	if err != nil {
		t.Fatal(err)
	}
	d = d.Then(next)
	checkDecision(t, before, d, t0, []entry{customer("What now?"), botSays("Let me get someone."), system(baton.EventHandoffRequested, true)})
	if got := effectsOf(d); got != (effects{NeedsPlacement: true}) {
		t.Fatalf("effects %+v", got)
	}
	ch := d.Change(before)
	if ch.Conversation != d.Conversation || len(ch.Messages) != 3 || ch.Create || ch.AppendOnly || d.Conversation.Version != before.Version+1 {
		t.Fatalf("change %+v", ch)
	}

	unchanged := &lifecycle.Decision{Conversation: d.Conversation, Unchanged: true}
	if got := d.Then(unchanged); got != d || len(got.Entries) != 3 {
		t.Fatalf("folding an unchanged decision changed the result")
	}
}

func TestTextsPerLocale(t *testing.T) {
	dutch := lifecycle.English
	dutch.ConnectingBusy = "Ik verbind je met iemand van %s. Je bent nummer %d in de wachtrij."
	r := testRules()
	r.Texts = func(locale string) *lifecycle.Texts {
		if locale == "nl" {
			return &dutch
		}
		return nil
	}
	for locale, want := range map[string]string{
		"nl": "Ik verbind je met iemand van Customer Support. Je bent nummer 3 in de wachtrij.",
		"xx": "I'm connecting you with a person from Customer Support. You are number 3 in the queue; everyone is busy right now, so I can't say how long it will take yet.",
	} {
		c := with(conversation(baton.ModeBot), func(c *baton.Conversation) { c.Locale = locale })
		d, err := r.RequestHandoff(c, baton.HandoffRequest{Trigger: baton.TriggerText}, t0)
		if err != nil {
			t.Fatal(err)
		}
		if err := r.Place(d, lifecycle.Facts{Staffed: true, QueueAhead: 2}, t0); err != nil {
			t.Fatal(err)
		}
		if got := d.Entries[len(d.Entries)-1].Text; got != want {
			t.Errorf("%s: %q, want %q", locale, got, want)
		}
	}
}

func TestFormatOpening(t *testing.T) {
	amsterdam, err := time.LoadLocation("Europe/Amsterdam")
	if err != nil {
		t.Fatal(err)
	}
	plus2 := time.FixedZone("+02", 2*60*60)
	monday := time.Date(2026, time.March, 2, 10, 0, 0, 0, time.UTC)
	tests := []struct {
		name    string
		now, at time.Time
		want    string
	}{
		{"later today", monday, time.Date(2026, time.March, 2, 14, 30, 0, 0, time.UTC), "today at 14:30"},
		{"now", monday, monday, "today at 10:00"},
		{"earlier today", monday, time.Date(2026, time.March, 2, 9, 0, 0, 0, time.UTC), "today at 09:00"},
		{"tomorrow", monday, time.Date(2026, time.March, 3, 9, 0, 0, 0, time.UTC), "tomorrow at 09:00"},
		{"tomorrow just after midnight", time.Date(2026, time.March, 2, 23, 59, 0, 0, time.UTC), time.Date(2026, time.March, 3, 0, 1, 0, 0, time.UTC), "tomorrow at 00:01"},
		{"in two days", monday, time.Date(2026, time.March, 4, 9, 0, 0, 0, time.UTC), "on Wednesday at 09:00"},
		{"in six days", monday, time.Date(2026, time.March, 8, 9, 0, 0, 0, time.UTC), "on Sunday at 09:00"},
		{"in a week", monday, time.Date(2026, time.March, 9, 9, 0, 0, 0, time.UTC), "on Monday 9 March at 09:00"},
		{"after a holiday", monday, time.Date(2026, time.April, 6, 8, 0, 0, 0, time.UTC), "on Monday 6 April at 08:00"},
		// The day is counted in the department's zone, not the server's.
		{"already today there", time.Date(2026, time.March, 2, 23, 30, 0, 0, time.UTC), time.Date(2026, time.March, 3, 9, 0, 0, 0, plus2), "today at 09:00"},
		{"still yesterday there", time.Date(2026, time.March, 3, 0, 30, 0, 0, plus2), time.Date(2026, time.March, 3, 9, 0, 0, 0, time.UTC), "tomorrow at 09:00"},
		// Days of 23 and 25 hours still count as one.
		{"over spring forward", time.Date(2026, time.March, 28, 12, 0, 0, 0, amsterdam), time.Date(2026, time.March, 29, 9, 0, 0, 0, amsterdam), "tomorrow at 09:00"},
		{"two days over spring forward", time.Date(2026, time.March, 28, 12, 0, 0, 0, amsterdam), time.Date(2026, time.March, 30, 9, 0, 0, 0, amsterdam), "on Monday at 09:00"},
		{"over fall back", time.Date(2026, time.October, 24, 12, 0, 0, 0, amsterdam), time.Date(2026, time.October, 25, 9, 0, 0, 0, amsterdam), "tomorrow at 09:00"},
		{"a week over fall back", time.Date(2026, time.October, 24, 12, 0, 0, 0, amsterdam), time.Date(2026, time.October, 31, 9, 0, 0, 0, amsterdam), "on Saturday 31 October at 09:00"},
	}
	for _, tt := range tests {
		if got := lifecycle.English.Opening(tt.now, tt.at); got != tt.want {
			t.Errorf("%s: FormatOpening(%v, %v) = %q, want %q", tt.name, tt.now, tt.at, got, tt.want)
		}
	}
}

// A survey comment is a comment whatever it says: "the agent was great"
// must not start a new handoff.
func TestSurveyCommentWinsOverTrigger(t *testing.T) {
	r := testRules()
	c := with(conversation(baton.ModeBot), func(c *baton.Conversation) { c.Survey = baton.SurveyComment; c.Resolution = 1 })
	d, err := r.CustomerMessage(c, lifecycle.CustomerInput{Text: "The agent was very helpful",
		Handoff: &baton.HandoffRequest{Trigger: baton.TriggerText}}, t0)
	if err != nil {
		t.Fatal(err)
	}
	if d.Conversation.Mode != baton.ModeBot || d.Survey == nil || d.Survey.Comment != "The agent was very helpful" || d.NeedsPlacement {
		t.Fatalf("mode %s, survey %+v, placement %v", d.Conversation.Mode, d.Survey, d.NeedsPlacement)
	}
}

// A valid answer to a structured detail question is an answer, even when
// a trigger phrase hides in it ("human@example.com"); a free-text answer
// that asks for a person again still skips the rest.
func TestDetailAnswerWinsOverTrigger(t *testing.T) {
	r := testRules()
	trig := &baton.HandoffRequest{Trigger: baton.TriggerText}
	d, err := r.CustomerMessage(conversation(baton.ModeHandoff), lifecycle.CustomerInput{Text: "human@example.com", Handoff: trig}, t0)
	if err != nil {
		t.Fatal(err)
	}
	if h := d.Conversation.Handoff; h.Details["email"] != "human@example.com" || len(h.Missing) != 1 || d.NeedsPlacement {
		t.Fatalf("email answer: details %v, missing %v, placement %v", h.Details, h.Missing, d.NeedsPlacement)
	}
	c := with(conversation(baton.ModeHandoff), func(c *baton.Conversation) {
		c.Handoff.Missing = []string{"order"}
		c.Handoff.Details["email"] = "dana@example.com"
	})
	d, err = r.CustomerMessage(c, lifecycle.CustomerInput{Text: "just get me a human", Handoff: trig}, t0)
	if err != nil {
		t.Fatal(err)
	}
	if !d.NeedsPlacement || d.Conversation.Handoff.Details["order"] != "" {
		t.Fatalf("free-text question: placement %v, details %v", d.NeedsPlacement, d.Conversation.Handoff.Details)
	}
}

// A bot answering in bot mode changes nothing but the timeline: the change
// is append-only and keeps the version. Anything else is a change of state.
func TestChangeIsAppendOnlyWhenOnlyTheTimelineGrows(t *testing.T) {
	r := testRules()
	c := conversation(baton.ModeBot)
	d, err := r.CustomerMessage(c, lifecycle.CustomerInput{Text: "shipping?"}, t0)
	if err != nil {
		t.Fatal(err)
	}
	next, err := r.BotReply(d.Conversation, &baton.BotReply{Understood: true, Messages: []baton.BotMessage{{Text: "Two days."}}}, "shipping?", t0)
	if err != nil {
		t.Fatal(err)
	}
	d = d.Then(next)
	ch := d.Change(c)
	if !ch.AppendOnly || d.Conversation.Version != c.Version || d.Conversation.LastSeq != c.LastSeq+2 {
		t.Fatalf("bot answer: append-only %v, version %d (was %d), last seq %d", ch.AppendOnly, d.Conversation.Version, c.Version, d.Conversation.LastSeq)
	}

	// Not understood: the streak is state.
	d, _ = r.CustomerMessage(c, lifecycle.CustomerInput{Text: "blah"}, t0)
	r.UnknownLimit = 3
	next, _ = r.BotReply(d.Conversation, &baton.BotReply{Messages: []baton.BotMessage{{Text: "Sorry?"}}}, "blah", t0)
	d = d.Then(next)
	if ch := d.Change(c); ch.AppendOnly || d.Conversation.Version != c.Version+1 {
		t.Fatalf("unknown streak: append-only %v, version %d", ch.AppendOnly, d.Conversation.Version)
	}

	// A customer writing to their agent moves the inactivity timer: state.
	a := conversation(baton.ModeAgent)
	d, _ = r.CustomerMessage(a, lifecycle.CustomerInput{Text: "still there?"}, t0)
	if ch := d.Change(a); ch.AppendOnly || !d.Conversation.LastActivityAt.Equal(t0) {
		t.Fatalf("agent mode: append-only %v, last activity %v", ch.AppendOnly, d.Conversation.LastActivityAt)
	}
}

func TestLimits(t *testing.T) {
	r := testRules()
	long := strings.Repeat("ש", lifecycle.MaxFieldLength+1)
	many := map[string]string{}
	for i := range lifecycle.MaxKeys + 1 {
		many[fmt.Sprint("k", i)] = "v"
	}
	for name, contact := range map[string]baton.Contact{
		"long name":       {Name: long},
		"long attribute":  {Attributes: map[string]string{"note": long}},
		"many attributes": {Attributes: many},
		"empty key":       {Attributes: map[string]string{"": "v"}},
	} {
		if _, err := r.Create(baton.Conversation{ID: "c_1", Channel: baton.ChannelWeb, Contact: contact}, t0); baton.ErrorCode(err) != baton.EINVALID {
			t.Errorf("create with %s: %v, want invalid", name, err)
		}
	}
	for name, req := range map[string]baton.HandoffRequest{
		"long reason":  {Trigger: baton.TriggerBot, Reason: long},
		"long detail":  {Trigger: baton.TriggerBot, Details: map[string]string{"order": long}},
		"many details": {Trigger: baton.TriggerBot, Details: many},
	} {
		if _, err := r.RequestHandoff(conversation(baton.ModeBot), req, t0); baton.ErrorCode(err) != baton.EINVALID {
			t.Errorf("handoff with %s: %v, want invalid", name, err)
		}
	}
	ok := strings.Repeat("ש", lifecycle.MaxFieldLength)
	if _, err := r.RequestHandoff(conversation(baton.ModeBot), baton.HandoffRequest{Trigger: baton.TriggerBot, Reason: ok,
		Details: map[string]string{"order": ok}}, t0); err != nil {
		t.Errorf("handoff at the limits: %v", err)
	}
}

func TestAgentLeft(t *testing.T) {
	r := testRules()
	ann := newAgent("a_1", "Ann", baton.StatusOffline, 3, "support")
	c := conversation(baton.ModeAgent)
	d, err := r.AgentLeft(c, ann, t0)
	if err != nil {
		t.Fatal(err)
	}
	n := d.Conversation
	if n.Mode != baton.ModeHandoff || n.Assignee != "" || !d.NeedsPlacement || d.Freed != "a_1" || n.Version != c.Version+1 {
		t.Fatalf("after sign-off: mode %s assignee %q placement %v freed %q", n.Mode, n.Assignee, d.NeedsPlacement, d.Freed)
	}
	if len(d.Entries) != 2 || d.Entries[0].Event != baton.EventAgentLeft || d.Entries[1].Author != baton.AuthorBot ||
		d.Entries[1].Text != "Ann had to leave. I'm finding you someone else from Customer Support." {
		t.Fatalf("entries %+v", d.Entries)
	}
	if err := r.Place(d, lifecycle.Facts{Staffed: true, QueueAhead: 2}, t0); err != nil || d.Conversation.Mode != baton.ModeQueued ||
		!d.Conversation.QueuedAt.Equal(*c.QueuedAt) {
		t.Fatalf("placed: %v, mode %s, queued at %v (was %v)", err, d.Conversation.Mode, d.Conversation.QueuedAt, c.QueuedAt)
	}
	bob := newAgent("a_2", "Bob", baton.StatusOffline, 3, "support")
	if _, err := r.AgentLeft(conversation(baton.ModeAgent), bob, t0); baton.ErrorCode(err) != baton.ECONFLICT {
		t.Fatalf("someone else's conversation: %v", err)
	}
	if _, err := r.AgentLeft(conversation(baton.ModeQueued), ann, t0); baton.ErrorCode(err) != baton.ECONFLICT {
		t.Fatalf("queued conversation: %v", err)
	}
}
