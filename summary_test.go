package baton_test

import (
	"strings"
	"testing"
	"time"

	"github.com/batonhq/baton"
)

func TestSummaryWaited(t *testing.T) {
	asked := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	at := func(min int) *time.Time { t := asked.Add(time.Duration(min) * time.Minute); return &t }
	conv := func(mode baton.Mode, answered, assigned *time.Time) *baton.Conversation {
		return &baton.Conversation{ID: "c_1", Mode: mode, Locale: "en", Channel: baton.ChannelWeb, AssignedAt: assigned,
			UpdatedAt: *at(20), Handoff: &baton.Handoff{Trigger: baton.TriggerText, Reason: "asked for a person",
				Department: "support", Priority: baton.PriorityNormal, RequestedAt: asked, AnsweredAt: answered,
				Details: map[string]string{"email": "dana@example.com"}}}
	}
	now := *at(30)
	for _, tc := range []struct {
		name string
		c    *baton.Conversation
		want time.Duration
	}{
		{"still queued: until now", conv(baton.ModeQueued, nil, nil), 30 * time.Minute},
		{"answered after 4 minutes, agent still on it", conv(baton.ModeAgent, at(4), at(4)), 4 * time.Minute},
		{"answered after 4, transferred at 10: the first answer counts", conv(baton.ModeAgent, at(4), at(10)), 4 * time.Minute},
		{"answered after 4, handed back: frozen", conv(baton.ModeBot, at(4), nil), 4 * time.Minute},
		{"stored before answered_at existed", conv(baton.ModeAgent, nil, at(7)), 7 * time.Minute},
		{"closed without an agent: until it ended", conv(baton.ModeClosed, nil, nil), 20 * time.Minute},
	} {
		s := tc.c.Summary(now)
		if got := time.Duration(s.Waited); got != tc.want {
			t.Errorf("%s: waited %v, want %v", tc.name, got, tc.want)
		}
		if !strings.Contains(s.Text, "dana@example.com") || !strings.Contains(s.Text, "asked for a person") {
			t.Errorf("%s: text %q", tc.name, s.Text)
		}
	}
	if (&baton.Conversation{}).Summary(now) != nil {
		t.Error("a conversation that never asked for a person has a summary")
	}
}
