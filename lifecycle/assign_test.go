package lifecycle_test

import (
	"slices"
	"testing"
	"time"

	"github.com/batonhq/baton"
	"github.com/batonhq/baton/lifecycle"
)

// waiting returns a queued conversation that has waited since t0 minus waited.
func waiting(id string, p baton.Priority, ch baton.Channel, waited time.Duration) *baton.Conversation {
	at := t0.Add(-waited)
	return &baton.Conversation{ID: id, Mode: baton.ModeQueued, Department: "support", Priority: p, Channel: ch, QueuedAt: &at}
}

func sign(n int) int {
	switch {
	case n < 0:
		return -1
	case n > 0:
		return 1
	}
	return 0
}

func TestQueueOrder(t *testing.T) {
	const (
		web      = baton.ChannelWeb
		api      = baton.ChannelAPI
		whatsapp = baton.ChannelWhatsApp
		tg       = baton.ChannelTelegram
		msgr     = baton.ChannelMessenger
	)
	tests := []struct {
		name string
		a, b *baton.Conversation
		want int // -1: a goes first
	}{
		{"urgent before normal", waiting("a", baton.PriorityUrgent, web, 0), waiting("b", baton.PriorityNormal, web, time.Hour), -1},
		{"high before normal", waiting("a", baton.PriorityHigh, web, 0), waiting("b", baton.PriorityNormal, web, time.Hour), -1},
		{"low after normal", waiting("a", baton.PriorityLow, web, time.Hour), waiting("b", baton.PriorityNormal, web, 0), 1},
		{"urgent before high", waiting("a", baton.PriorityUrgent, web, 0), waiting("b", baton.PriorityHigh, web, 0), -1},
		{"priority before channel", waiting("a", baton.PriorityHigh, whatsapp, 0), waiting("b", baton.PriorityNormal, web, time.Hour), -1},
		{"live chat before whatsapp", waiting("a", baton.PriorityNormal, web, 0), waiting("b", baton.PriorityNormal, whatsapp, time.Hour), -1},
		{"api is live too", waiting("a", baton.PriorityNormal, whatsapp, time.Hour), waiting("b", baton.PriorityNormal, api, 0), 1},
		{"messenger is not live", waiting("a", baton.PriorityNormal, msgr, time.Hour), waiting("b", baton.PriorityNormal, web, 0), 1},
		{"longest waiting first", waiting("a", baton.PriorityNormal, web, 2*time.Minute), waiting("b", baton.PriorityNormal, web, time.Minute), -1},
		{"longest waiting first among async", waiting("a", baton.PriorityNormal, tg, time.Minute), waiting("b", baton.PriorityNormal, whatsapp, 2*time.Minute), 1},
		{"ties by id", waiting("a", baton.PriorityNormal, web, time.Minute), waiting("b", baton.PriorityNormal, web, time.Minute), -1},
		{"ties by id without queue times", &baton.Conversation{ID: "b", Priority: baton.PriorityNormal, Channel: web},
			&baton.Conversation{ID: "a", Priority: baton.PriorityNormal, Channel: web}, 1},
		{"itself", waiting("a", baton.PriorityNormal, web, time.Minute), waiting("a", baton.PriorityNormal, web, time.Minute), 0},
	}
	for _, tt := range tests {
		if got := sign(lifecycle.QueueOrder(tt.a, tt.b)); got != tt.want {
			t.Errorf("%s: QueueOrder(a, b) = %d, want %d", tt.name, got, tt.want)
		}
		if got := sign(lifecycle.QueueOrder(tt.b, tt.a)); got != -tt.want {
			t.Errorf("%s: QueueOrder(b, a) = %d, want %d", tt.name, got, -tt.want)
		}
	}
}

func TestSortQueue(t *testing.T) {
	queue := []*baton.Conversation{
		waiting("c_async_old", baton.PriorityNormal, baton.ChannelWhatsApp, 50*time.Minute),
		waiting("c_low", baton.PriorityLow, baton.ChannelWeb, 3*time.Hour),
		waiting("c_web_new", baton.PriorityNormal, baton.ChannelWeb, time.Minute),
		waiting("c_urgent", baton.PriorityUrgent, baton.ChannelMessenger, 0),
		waiting("c_web_old", baton.PriorityNormal, baton.ChannelWeb, 10*time.Minute),
		waiting("c_high", baton.PriorityHigh, baton.ChannelWhatsApp, 0),
		waiting("c_async_new", baton.PriorityNormal, baton.ChannelTelegram, 5*time.Minute),
	}
	want := []string{"c_urgent", "c_high", "c_web_old", "c_web_new", "c_async_old", "c_async_new", "c_low"}
	// Every starting order gives the same queue.
	for i := range queue {
		q := slices.Clone(queue)
		q = append(q[i:], q[:i]...)
		if i%2 == 1 {
			slices.Reverse(q)
		}
		lifecycle.SortQueue(q)
		var got []string
		for _, c := range q {
			got = append(got, c.ID)
		}
		if !slices.Equal(got, want) {
			t.Fatalf("rotation %d: order %v, want %v", i, got, want)
		}
	}
}

func load(id string, status baton.AgentStatus, active, max int, depts ...string) baton.AgentLoad {
	return baton.AgentLoad{Agent: newAgent(id, id, status, max, depts...), Active: active}
}

func queueOf(ids ...string) []*baton.Conversation {
	var q []*baton.Conversation
	for i, id := range ids {
		q = append(q, waiting(id, baton.PriorityNormal, baton.ChannelWeb, time.Duration(len(ids)-i)*time.Minute))
	}
	return q
}

func TestPlanAssignments(t *testing.T) {
	const (
		online  = baton.StatusOnline
		away    = baton.StatusAway
		offline = baton.StatusOffline
	)
	tests := []struct {
		name   string
		queue  []*baton.Conversation
		loads  []baton.AgentLoad
		want   []string // "conversation>agent"
		active map[string]int
	}{
		{
			name:  "the least busy agent",
			queue: queueOf("c1"),
			loads: []baton.AgentLoad{load("a", online, 1, 3, "support"), load("b", online, 0, 3, "support")},
			want:  []string{"c1>b"}, active: map[string]int{"a": 1, "b": 1},
		},
		{
			name:  "spread over agents as they fill",
			queue: queueOf("c1", "c2", "c3", "c4"),
			loads: []baton.AgentLoad{load("b", online, 0, 2, "support"), load("a", online, 0, 2, "support")},
			want:  []string{"c1>a", "c2>b", "c3>a", "c4>b"}, active: map[string]int{"a": 2, "b": 2},
		},
		{
			name:  "capacity is respected",
			queue: queueOf("c1", "c2", "c3"),
			loads: []baton.AgentLoad{load("a", online, 1, 2, "support")},
			want:  []string{"c1>a"}, active: map[string]int{"a": 2},
		},
		{
			name:  "an agent over capacity takes nothing",
			queue: queueOf("c1"),
			loads: []baton.AgentLoad{load("a", online, 3, 2, "support"), load("b", online, 0, 0, "support")},
			want:  nil, active: map[string]int{"a": 3, "b": 0},
		},
		{
			name:  "away and offline agents are never assigned",
			queue: queueOf("c1", "c2"),
			loads: []baton.AgentLoad{load("a", away, 0, 5, "support"), load("b", offline, 0, 5, "support"), load("c", online, 4, 5, "support")},
			want:  []string{"c1>c"}, active: map[string]int{"a": 0, "b": 0, "c": 5},
		},
		{
			name:  "only the department's agents",
			queue: queueOf("c1"),
			loads: []baton.AgentLoad{load("a", online, 0, 5, "sales"), load("b", online, 2, 5, "sales", "support")},
			want:  []string{"c1>b"}, active: map[string]int{"a": 0, "b": 3},
		},
		{
			name:  "nobody of the department",
			queue: queueOf("c1"),
			loads: []baton.AgentLoad{load("a", online, 0, 5, "sales")},
			want:  nil,
		},
		{
			name:  "equally busy: more free capacity first",
			queue: queueOf("c1"),
			loads: []baton.AgentLoad{load("a", online, 1, 2, "support"), load("b", online, 1, 4, "support")},
			want:  []string{"c1>b"},
		},
		{
			name:  "all equal: by id",
			queue: queueOf("c1"),
			loads: []baton.AgentLoad{load("z", online, 0, 2, "support"), load("m", online, 0, 2, "support"), load("q", online, 0, 2, "support")},
			want:  []string{"c1>m"},
		},
		{
			name:  "the queue is served in its order",
			queue: queueOf("first", "second", "third"),
			loads: []baton.AgentLoad{load("a", online, 0, 1, "support"), load("b", online, 0, 1, "support")},
			want:  []string{"first>a", "second>b"},
		},
		{name: "no queue", loads: []baton.AgentLoad{load("a", online, 0, 1, "support")}, want: nil},
		{name: "no agents", queue: queueOf("c1"), want: nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// The plan must not depend on the order agents are listed in.
			for rot := range max(1, len(tt.loads)) {
				loads := slices.Clone(tt.loads)
				loads = append(loads[rot:], loads[:rot]...)
				plan := lifecycle.PlanAssignments("support", tt.queue, loads)
				var got []string
				for _, a := range plan {
					got = append(got, a.Conversation.ID+">"+a.Agent.ID)
				}
				if !slices.Equal(got, tt.want) {
					t.Fatalf("rotation %d: plan %v, want %v", rot, got, tt.want)
				}
				for _, a := range plan {
					if !slices.ContainsFunc(loads, func(l baton.AgentLoad) bool { return l.Agent == a.Agent }) {
						t.Fatalf("the plan names agent %s not from loads", a.Agent.ID)
					}
				}
				for _, l := range loads {
					if want, ok := tt.active[l.Agent.ID]; ok && l.Active != want {
						t.Errorf("rotation %d: agent %s active %d after planning, want %d", rot, l.Agent.ID, l.Active, want)
					}
				}
			}
		})
	}
}

// TestPlanAssignmentsNeverExceedsCapacity plans a long queue over agents
// of every kind and checks the promises of the plan as a whole.
func TestPlanAssignmentsNeverExceedsCapacity(t *testing.T) {
	var queue []*baton.Conversation
	for i := range 40 {
		queue = append(queue, waiting("c"+string(rune('A'+i)), baton.PriorityNormal, baton.ChannelWeb, time.Duration(40-i)*time.Minute))
	}
	loads := []baton.AgentLoad{
		load("a", baton.StatusOnline, 0, 3, "support"),
		load("b", baton.StatusOnline, 2, 5, "support"),
		load("c", baton.StatusAway, 0, 9, "support"),
		load("d", baton.StatusOnline, 0, 9, "sales"),
		load("e", baton.StatusOnline, 1, 1, "support"),
		load("f", baton.StatusOffline, 0, 9, "support"),
	}
	plan := lifecycle.PlanAssignments("support", queue, loads)
	got := map[string]int{}
	seen := map[string]bool{}
	for i, a := range plan {
		if a.Conversation != queue[i] {
			t.Fatalf("assignment %d is %s, want the queue's next %s", i, a.Conversation.ID, queue[i].ID)
		}
		if seen[a.Conversation.ID] {
			t.Fatalf("%s assigned twice", a.Conversation.ID)
		}
		seen[a.Conversation.ID] = true
		got[a.Agent.ID]++
	}
	want := map[string]int{"a": 3, "b": 3}
	if len(plan) != 6 || got["a"] != want["a"] || got["b"] != want["b"] || len(got) != 2 {
		t.Fatalf("assigned %v (%d in all), want %v", got, len(plan), want)
	}
}

// Among equally busy agents, the one who has waited longest for a
// conversation gets the next; one never assigned goes first.
func TestPlanAssignmentsRotatesAmongIdleAgents(t *testing.T) {
	at := func(l baton.AgentLoad, ago time.Duration) baton.AgentLoad {
		ts := t0.Add(-ago)
		l.Agent.LastAssignedAt = &ts
		return l
	}
	loads := []baton.AgentLoad{
		at(load("a", baton.StatusOnline, 0, 3, "support"), time.Minute),
		at(load("b", baton.StatusOnline, 0, 3, "support"), time.Hour),
		load("c", baton.StatusOnline, 0, 3, "support"), // never assigned
		at(load("d", baton.StatusOnline, 0, 3, "support"), 10*time.Minute),
	}
	plan := lifecycle.PlanAssignments("support", queueOf("c1", "c2", "c3", "c4"), loads)
	var got []string
	for _, p := range plan {
		got = append(got, p.Conversation.ID+">"+p.Agent.ID)
	}
	if want := []string{"c1>c", "c2>b", "c3>d", "c4>a"}; !slices.Equal(got, want) {
		t.Fatalf("plan %v, want %v", got, want)
	}
}

func TestAssignNamesTheAgent(t *testing.T) {
	r := testRules()
	d, err := r.Assign(conversation(baton.ModeQueued), newAgent("a_7", "Gil", baton.StatusOnline, 3, "support"), lifecycle.AssignAuto, t0)
	if err != nil {
		t.Fatal(err)
	}
	ch := d.Change(conversation(baton.ModeQueued))
	if d.Assigned != "a_7" || ch.Assigned != "a_7" || ch.AppendOnly {
		t.Fatalf("assigned %q, change %+v", d.Assigned, ch)
	}
}
