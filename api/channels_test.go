package api_test

import (
	"context"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/batonhq/baton"
	"github.com/batonhq/baton/api"
)

// testClock is a clock the test moves.
type testClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *testClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *testClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

func TestWhatsAppReplyWindowForAgents(t *testing.T) {
	clock := &testClock{now: time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)}
	ts := newTestServer(t, func(s *api.Server) {
		s.Engine.Now = clock.Now
		s.Engine.Rules.Template = func(c *baton.Conversation) *baton.Template {
			return &baton.Template{Name: "reopen_conversation", Language: "en_US"}
		}
	})
	a := ts.createAgent(t, "Dana", "support")
	ts.setStatus(t, a.Token, "online")
	err := ts.Engine.Inbound(context.Background(), baton.Inbound{Channel: baton.ChannelWhatsApp, Account: "main",
		UserID: "31612345678", MessageID: "wamid.1", Text: "I want to talk to a human", At: clock.Now()})
	if err != nil {
		t.Fatal(err)
	}
	c, err := ts.DB.ConversationByChannelUser(context.Background(), baton.ChannelWhatsApp, "main", "31612345678")
	if err != nil {
		t.Fatal(err)
	}
	view := func() map[string]any {
		return ts.request(t, "GET", "/api/v1/conversations/"+c.ID, a.Token, nil).object(t)
	}
	w, _ := view()["reply_window"].(map[string]any)
	if w["open"] != true || !strings.HasPrefix(w["closes_at"].(string), "2026-03-03T09:00:00") {
		t.Fatalf("reply window at first: %v", w)
	}

	clock.Advance(24*time.Hour + time.Minute)
	v := view()
	w, _ = v["reply_window"].(map[string]any)
	if w["open"] != false || w["template_only"] != true || v["template_available"] != true || !strings.Contains(w["reason"].(string), "24-hour") {
		t.Fatalf("reply window after 24:01: %v, template_available %v", w, v["template_available"])
	}
	ts.request(t, "POST", "/api/v1/conversations/"+c.ID+"/messages", a.Token, map[string]any{"text": "Still there?"}).
		wantError(t, http.StatusConflict, "conflict")
	var m messageResp
	ts.request(t, "POST", "/api/v1/conversations/"+c.ID+"/messages", a.Token, map[string]any{"template": true, "client_message_id": "t1"}).
		want(t, http.StatusCreated, &m)
	if m.Author != "agent" || !strings.Contains(m.Text, "reopen_conversation") {
		t.Fatalf("template entry %+v", m)
	}
	// Web conversations have no reply window.
	web := ts.createConversation(t)
	if _, ok := ts.request(t, "GET", "/api/v1/conversations/"+web.ID, adminToken, nil).object(t)["reply_window"]; ok {
		t.Error("a web conversation shows a reply window")
	}
}
