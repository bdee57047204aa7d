package lifecycle_test

import (
	"maps"
	"slices"
	"testing"
	"time"

	"github.com/batonhq/baton"
	"github.com/batonhq/baton/lifecycle"
)

// shop is a department like the demo's support: an email always, the
// order number only for order topics.
func shop() *baton.Department {
	d := &baton.Department{Name: "support", Title: "Support", Required: []baton.DetailSpec{
		{Key: "email", Kind: baton.DetailEmail},
		{Key: "order_number", Kind: baton.DetailOrderNumber, Prompt: baton.Localized{"en": "Your order number?", "nl": "Je bestelnummer?"},
			When: baton.DetailCondition{Intents: []string{"order_status", "cancel_order"}}},
	}}
	for i := range d.Required {
		if err := d.Required[i].Compile(); err != nil {
			panic(err)
		}
	}
	return d
}

func TestRequiredDetailsFollowTheTopic(t *testing.T) {
	tests := []struct {
		name    string
		req     baton.HandoffRequest
		contact baton.Contact
		state   *baton.BotState
		locale  string
		missing []string
		asked   string
		details map[string]string
	}{
		{name: "no order topic: only the email", req: baton.HandoffRequest{Trigger: baton.TriggerText},
			missing: []string{"email"}, asked: lifecycle.English.AskEmail},
		{name: "order topic: email then order number", req: baton.HandoffRequest{Trigger: baton.TriggerSensitiveIntent, Intent: "cancel_order"},
			missing: []string{"email", "order_number"}, asked: lifecycle.English.AskEmail},
		{name: "the contact's email is known", req: baton.HandoffRequest{Trigger: baton.TriggerSensitiveIntent, Intent: "cancel_order"},
			contact: baton.Contact{Email: "dana@example.com"}, missing: []string{"order_number"}, asked: "Your order number?",
			details: map[string]string{"email": "dana@example.com"}},
		{name: "the prompt in the customer's language", req: baton.HandoffRequest{Trigger: baton.TriggerText, Intent: "order_status"},
			contact: baton.Contact{Email: "dana@example.com"}, locale: "nl-BE", missing: []string{"order_number"}, asked: "Je bestelnummer?",
			details: map[string]string{"email": "dana@example.com"}},
		{name: "what the bot collected is known", req: baton.HandoffRequest{Trigger: baton.TriggerText, Intent: "order_status"},
			state:   &baton.BotState{Slots: map[string]string{"order_number": "AB-12345", "email": "x@example.org"}},
			details: map[string]string{"email": "x@example.org", "order_number": "AB-12345"}},
		{name: "a valid contact attribute is known", req: baton.HandoffRequest{Trigger: baton.TriggerText, Intent: "order_status"},
			contact: baton.Contact{Email: "dana@example.com", Attributes: map[string]string{"order_number": "#55512", "plan": "pro"}},
			details: map[string]string{"email": "dana@example.com", "order_number": "55512"}},
		{name: "an invalid contact attribute is asked for", req: baton.HandoffRequest{Trigger: baton.TriggerText, Intent: "order_status"},
			contact: baton.Contact{Email: "dana@example.com", Attributes: map[string]string{"order_number": "none"}},
			missing: []string{"order_number"}, asked: "Your order number?", details: map[string]string{"email": "dana@example.com"}},
		{name: "the request's details win", req: baton.HandoffRequest{Trigger: baton.TriggerBot, Intent: "order_status",
			Details: map[string]string{"email": "new@example.com", "order_number": "ZZ-9999"}},
			contact: baton.Contact{Email: "dana@example.com"}, details: map[string]string{"email": "new@example.com", "order_number": "ZZ-9999"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := testRules(shop())
			c := with(conversation(baton.ModeBot), func(c *baton.Conversation) {
				c.Contact = tt.contact
				c.BotState = tt.state
				if tt.locale != "" {
					c.Locale = tt.locale
				}
			})
			d, err := r.RequestHandoff(c, tt.req, t0)
			if err != nil {
				t.Fatal(err)
			}
			h := d.Conversation.Handoff
			if !slices.Equal(h.Missing, tt.missing) {
				t.Errorf("missing %v, want %v", h.Missing, tt.missing)
			}
			want := map[string]string{}
			maps.Copy(want, tt.details)
			if !maps.Equal(h.Details, want) {
				t.Errorf("details %v, want %v", h.Details, want)
			}
			last := d.Entries[len(d.Entries)-1]
			switch {
			case tt.asked != "" && (last.Author != baton.AuthorBot || last.Text != tt.asked):
				t.Errorf("asked %q, want %q", last.Text, tt.asked)
			case tt.asked == "" && !d.NeedsPlacement:
				t.Errorf("nothing to ask, but not ready for placement")
			}
			if h.Intent != tt.req.Intent {
				t.Errorf("intent %q, want %q", h.Intent, tt.req.Intent)
			}
		})
	}
}

func TestDetailAnswersAreValidatedAndNormalised(t *testing.T) {
	r := testRules(shop())
	c := conversation(baton.ModeBot)
	d, err := r.RequestHandoff(c, baton.HandoffRequest{Trigger: baton.TriggerSensitiveIntent, Intent: "cancel_order"}, t0)
	if err != nil {
		t.Fatal(err)
	}
	for _, step := range []struct {
		say, reply string
		missing    int
	}{
		{"my email is DANA@Example.COM", lifecycle.English.AskOrderNumber, 1},
		{"I don't know", "", 1}, // invalid: asked again
		{"it's order #AB-12345.", "", 0},
	} {
		next, err := r.CustomerMessage(d.Conversation, lifecycle.CustomerInput{Text: step.say}, t0)
		if err != nil {
			t.Fatal(err)
		}
		d = next
		if n := len(d.Conversation.Handoff.Missing); n != step.missing {
			t.Fatalf("after %q: %d missing, want %d", step.say, n, step.missing)
		}
	}
	want := map[string]string{"name": "Dana", "email": "dana@example.com", "order_number": "AB-12345"}
	if got := d.Conversation.Handoff.Details; !maps.Equal(got, want) || !d.NeedsPlacement {
		t.Fatalf("details %v (placement %v), want %v", got, d.NeedsPlacement, want)
	}
}

func TestRouting(t *testing.T) {
	r := testRules(shop())
	var seen []string
	r.Route = func(c *baton.Conversation, req baton.HandoffRequest, text string) (string, baton.Priority) {
		seen = append(seen, text)
		if req.Intent == "invoice" {
			return "billing", baton.PriorityHigh
		}
		return "", baton.PriorityLow
	}
	// Routed: department and a higher priority.
	d, err := r.CustomerMessage(conversation(baton.ModeBot), lifecycle.CustomerInput{Text: "invoice please, agent",
		Handoff: &baton.HandoffRequest{Trigger: baton.TriggerText, Intent: "invoice"}}, t0)
	if err != nil {
		t.Fatal(err)
	}
	if c := d.Conversation; c.Department != "billing" || c.Priority != baton.PriorityHigh || !slices.Equal(seen, []string{"invoice please, agent"}) {
		t.Fatalf("department %q priority %q, router saw %q", c.Department, c.Priority, seen)
	}
	// A named department stays; a lower routed priority does not lower the request's.
	d, err = r.RequestHandoff(conversation(baton.ModeBot), baton.HandoffRequest{Trigger: baton.TriggerBot, Department: "sales",
		Priority: baton.PriorityUrgent, Intent: "invoice"}, t0)
	if err != nil {
		t.Fatal(err)
	}
	if c := d.Conversation; c.Department != "sales" || c.Priority != baton.PriorityUrgent {
		t.Fatalf("department %q priority %q", c.Department, c.Priority)
	}
	// Nothing routed: the default department, the routed low priority.
	d, _ = r.RequestHandoff(conversation(baton.ModeBot), baton.HandoffRequest{Trigger: baton.TriggerBot}, t0)
	if c := d.Conversation; c.Department != "support" || c.Priority != baton.PriorityLow {
		t.Fatalf("department %q priority %q", c.Department, c.Priority)
	}
}

func TestSensitiveIntentHandsOff(t *testing.T) {
	r := testRules()
	r.Sensitive = func(intent string) bool { return intent == "cancel_order" }
	c := conversation(baton.ModeBot)
	reply := &baton.BotReply{Understood: true, Intent: "cancel_order", Messages: []baton.BotMessage{{Text: "Let me get a colleague."}}}
	d, err := r.BotReply(c, reply, "cancel my order", t0)
	if err != nil {
		t.Fatal(err)
	}
	h := d.Conversation.Handoff
	if d.Conversation.Mode != baton.ModeHandoff || h == nil || h.Trigger != baton.TriggerSensitiveIntent || h.Intent != "cancel_order" {
		t.Fatalf("mode %s handoff %+v", d.Conversation.Mode, h)
	}
	if d.Entries[0].Intent != "cancel_order" {
		t.Fatalf("the bot message does not carry its intent: %+v", d.Entries[0])
	}
	// Not sensitive: just an answer.
	d, _ = r.BotReply(c, &baton.BotReply{Understood: true, Intent: "shipping", Messages: []baton.BotMessage{{Text: "2 days"}}}, "shipping", t0)
	if d.Conversation.Mode != baton.ModeBot {
		t.Fatalf("mode %s", d.Conversation.Mode)
	}
}

func TestBotStateIsKeptAndCleared(t *testing.T) {
	r := testRules()
	c := conversation(baton.ModeBot)
	d, err := r.BotReply(c, &baton.BotReply{Understood: true, Intent: "order_status", Messages: []baton.BotMessage{{Text: "Order number?"}},
		State: &baton.BotState{Flow: "order_status", Pending: "order_number"}}, "where is my order", t0)
	if err != nil {
		t.Fatal(err)
	}
	if st := d.Conversation.BotState; st == nil || st.Flow != "order_status" || d.Change(c).AppendOnly {
		t.Fatalf("state %+v; a new state is a change of state", st)
	}
	c = d.Conversation
	// No State: unchanged, and the answer is append-only.
	d, _ = r.BotReply(c, &baton.BotReply{Understood: true, Messages: []baton.BotMessage{{Text: "ok"}}}, "x", t0)
	if d.Conversation.BotState == nil || !d.Change(c).AppendOnly {
		t.Fatalf("state %+v, append-only %v", d.Conversation.BotState, d.Change(c).AppendOnly)
	}
	// An empty State clears it.
	d, _ = r.BotReply(c, &baton.BotReply{Understood: true, Messages: []baton.BotMessage{{Text: "ok"}}, State: &baton.BotState{}}, "x", t0)
	if d.Conversation.BotState != nil {
		t.Fatalf("state %+v, want cleared", d.Conversation.BotState)
	}
	// Oversized state is refused.
	big := map[string]string{}
	for i := range lifecycle.MaxKeys + 1 {
		big[string(rune('a'+i%26))+string(rune('a'+i/26))] = "v"
	}
	if _, err := r.BotReply(c, &baton.BotReply{Understood: true, Messages: []baton.BotMessage{{Text: "ok"}}, State: &baton.BotState{Slots: big}}, "x", t0); baton.ErrorCode(err) != baton.EINVALID {
		t.Fatalf("oversized state: %v", err)
	}
}

func TestEstimateWait(t *testing.T) {
	const h = 12 * time.Minute
	tests := []struct {
		name     string
		position int
		f        lifecycle.Facts
		want     time.Duration
		known    bool
	}{
		{"a free seat: no wait", 1, lifecycle.Facts{Capacity: 3, Free: 1, HandlingTime: h}, 0, true},
		{"second with one free seat", 2, lifecycle.Facts{Capacity: 3, Free: 1, HandlingTime: h}, h / 3, true},
		{"all busy, one agent of three", 1, lifecycle.Facts{Capacity: 3, HandlingTime: h}, 4 * time.Minute, true},
		{"two agents, two each, fifth in line", 5, lifecycle.Facts{Capacity: 4, HandlingTime: h}, 15 * time.Minute, true},
		{"more agents, shorter wait", 5, lifecycle.Facts{Capacity: 10, HandlingTime: h}, 6 * time.Minute, true},
		{"nobody online", 1, lifecycle.Facts{Staffed: true, HandlingTime: h}, 0, false},
		{"no handling time", 2, lifecycle.Facts{Capacity: 2}, 0, false},
	}
	for _, tt := range tests {
		got, known := lifecycle.EstimateWait(tt.position, tt.f)
		if got != tt.want || known != tt.known {
			t.Errorf("%s: %v, %v; want %v, %v", tt.name, got, known, tt.want, tt.known)
		}
	}
}

func TestWaitTexts(t *testing.T) {
	for d, want := range map[time.Duration]string{
		0:                 "less than a minute",
		59 * time.Second:  "less than a minute",
		time.Minute:       "about a minute",
		61 * time.Second:  "about 2 minutes", // rounded up: never promise too little
		14 * time.Minute:  "about 14 minutes",
		65 * time.Minute:  "about an hour",
		100 * time.Minute: "about 2 hours",
	} {
		if got := lifecycle.English.Wait(d); got != want {
			t.Errorf("Wait(%v) = %q, want %q", d, got, want)
		}
	}
}

// queued is a conversation placed in the queue at t0 and told wait.
func queued(w *baton.Wait) *baton.Conversation {
	return with(conversation(baton.ModeQueued), func(c *baton.Conversation) { c.Handoff.Wait = w })
}

func TestUpdateWait(t *testing.T) {
	told := func(est time.Duration, known bool, pos int) *baton.Wait {
		return &baton.Wait{Position: pos, Estimate: baton.Duration(est), Known: known, ToldAt: t0}
	}
	busy := func(pos int) lifecycle.Facts {
		return lifecycle.Facts{Staffed: true, QueueAhead: pos - 1, HandlingTime: 10 * time.Minute}
	}
	online := func(pos, capacity int) lifecycle.Facts {
		return lifecycle.Facts{Staffed: true, QueueAhead: pos - 1, Capacity: capacity, HandlingTime: 10 * time.Minute}
	}
	tests := []struct {
		name  string
		last  *baton.Wait
		f     lifecycle.Facts
		after time.Duration
		want  string // "" for no update
	}{
		{"never told: told", nil, online(3, 2), 0, "An update: you are number 3 in the queue; the expected wait is now about 15 minutes."},
		{"the same: nothing", told(15*time.Minute, true, 3), online(3, 2), 5 * time.Minute, ""},
		{"a big change, too soon: nothing", told(15*time.Minute, true, 3), online(1, 2), 30 * time.Second, ""},
		{"a big change after a minute: told", told(15*time.Minute, true, 3), online(1, 2), time.Minute,
			"An update: you are number 1 in the queue; the expected wait is now about 5 minutes."},
		{"a small change: nothing", told(15*time.Minute, true, 3), lifecycle.Facts{Staffed: true, QueueAhead: 2, Capacity: 2, HandlingTime: 28 * time.Minute / 3}, 2 * time.Minute, ""},
		{"an estimate appears: told", told(0, false, 2), online(2, 1), 2 * time.Minute,
			"An update: you are number 2 in the queue; the expected wait is now about 20 minutes."},
		{"the estimate is gone: told", told(10*time.Minute, true, 2), busy(2), 2 * time.Minute,
			"An update: you are number 2 in the queue. Everyone is busy right now; thank you for your patience."},
		{"still no estimate: nothing", told(0, false, 2), busy(1), 5 * time.Minute, ""},
	}
	r := testRules()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := queued(tt.last)
			now := t0.Add(tt.after)
			d, err := r.UpdateWait(c, tt.f, now)
			if err != nil {
				t.Fatal(err)
			}
			if tt.want == "" {
				if !d.Unchanged {
					t.Fatalf("told %q, want no update", d.Entries[0].Text)
				}
				return
			}
			checkDecision(t, c, d, now, []entry{{author: baton.AuthorBot, event: baton.EventWaitUpdated, text: tt.want}})
			if d.Entries[0].Event != baton.EventWaitUpdated {
				t.Errorf("event %q", d.Entries[0].Event)
			}
			if w := d.Conversation.Handoff.Wait; w == nil || !w.ToldAt.Equal(now) || w.Position != tt.f.QueueAhead+1 {
				t.Errorf("wait %+v", w)
			}
		})
	}
	if _, err := r.UpdateWait(conversation(baton.ModeAgent), online(1, 1), t0); baton.ErrorCode(err) != baton.ECONFLICT {
		t.Fatalf("not queued: %v", err)
	}
}

func TestHandlingIsRecorded(t *testing.T) {
	r := testRules()
	a := newAgent("a_1", "Ann", baton.StatusOnline, 3, "support")
	assigned := func() *baton.Conversation {
		return with(conversation(baton.ModeAgent), func(c *baton.Conversation) {
			at := t0.Add(-20 * time.Minute)
			c.AssignedAt = &at
			c.LastActivityAt = t0.Add(-15 * time.Minute)
		})
	}
	tests := []struct {
		name string
		do   func(c *baton.Conversation) (*lifecycle.Decision, error)
		want time.Duration
	}{
		{"hand back", func(c *baton.Conversation) (*lifecycle.Decision, error) { return r.Release(c, a, false, t0) }, 20 * time.Minute},
		{"close", func(c *baton.Conversation) (*lifecycle.Decision, error) { return r.Close(c, a, "Ann", t0) }, 20 * time.Minute},
		{"sign off", func(c *baton.Conversation) (*lifecycle.Decision, error) { return r.AgentLeft(c, a, t0) }, 20 * time.Minute},
		{"transfer", func(c *baton.Conversation) (*lifecycle.Decision, error) {
			return r.Transfer(c, a, lifecycle.TransferTarget{Department: &baton.Department{Name: "billing"}}, t0)
		}, 20 * time.Minute},
		// The quiet time before an inactivity timeout is not handling.
		{"timeout", func(c *baton.Conversation) (*lifecycle.Decision, error) { return r.Timeout(c, t0.Add(20*time.Minute)) }, 5 * time.Minute},
	}
	for _, tt := range tests {
		c := assigned()
		c.Assignee = a.ID
		d, err := tt.do(c)
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		h := d.Handled
		if h == nil || h.AgentID != "a_1" || h.ConversationID != c.ID || h.Department != c.Department || h.End.Sub(h.Start) != tt.want {
			t.Errorf("%s: handled %+v, want %v", tt.name, h, tt.want)
		}
		if d.Change(c).Handled != h {
			t.Errorf("%s: the change does not carry the handling", tt.name)
		}
	}
}
