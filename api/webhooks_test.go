package api_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/batonhq/baton"
	"github.com/batonhq/baton/api"
	"github.com/batonhq/baton/signature"
	"github.com/batonhq/baton/webhooks"
)

func TestWebhookSubscriptions(t *testing.T) {
	ts := newTestServer(t)
	ts.Engine.Webhooks = webhooks.New(nil)
	var mu sync.Mutex
	var bodies []string
	var secret string
	recv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		mu.Lock()
		defer mu.Unlock()
		if err := signature.Verify(secret, r.Header.Get(signature.Header), body, time.Now(), 0); err != nil {
			http.Error(w, err.Error(), http.StatusUnauthorized)
			return
		}
		bodies = append(bodies, string(body))
	}))
	defer recv.Close()

	// Only the administrator manages subscriptions.
	agent := ts.createAgent(t, "Alex", "support")
	ts.request(t, "GET", "/api/v1/webhooks", agent.Token, nil).wantError(t, http.StatusForbidden, baton.EFORBIDDEN)
	for name, body := range map[string]any{
		"no url":         map[string]any{"name": "crm"},
		"ftp url":        map[string]any{"name": "crm", "url": "ftp://x"},
		"unknown event":  map[string]any{"name": "crm", "url": recv.URL, "events": []string{"conversation.exploded"}},
		"no name":        map[string]any{"url": recv.URL},
		"events not arr": map[string]any{"name": "crm", "url": recv.URL, "events": "handoff.requested"},
	} {
		t.Run(name, func(t *testing.T) {
			ts.request(t, "POST", "/api/v1/webhooks", adminToken, body).wantError(t, http.StatusBadRequest, baton.EINVALID)
		})
	}
	var created struct {
		ID     string   `json:"id"`
		Secret string   `json:"secret"`
		Events []string `json:"events"`
		Active bool     `json:"active"`
	}
	ts.request(t, "POST", "/api/v1/webhooks", adminToken, map[string]any{"name": "crm", "url": recv.URL,
		"events": []string{"handoff.requested"}}).want(t, http.StatusCreated, &created)
	if !strings.HasPrefix(created.Secret, "whsec_") || !created.Active || len(created.Events) != 1 {
		t.Fatalf("created %+v", created)
	}
	mu.Lock()
	secret = created.Secret
	mu.Unlock()
	ts.request(t, "POST", "/api/v1/webhooks", adminToken, map[string]any{"name": "crm", "url": recv.URL}).
		wantError(t, http.StatusConflict, baton.ECONFLICT)
	// The secret is shown once.
	got := ts.request(t, "GET", "/api/v1/webhooks/"+created.ID, adminToken, nil)
	if got.Status != http.StatusOK || strings.Contains(string(got.Body), created.Secret) || strings.Contains(string(got.Body), "secret") {
		t.Fatalf("GET shows %s", got.Body)
	}

	conv := ts.askForPerson(t)
	ts.Engine.DeliverHooks(t.Context())
	mu.Lock()
	if len(bodies) != 1 || !strings.Contains(bodies[0], `"type":"handoff.requested"`) || !strings.Contains(bodies[0], conv.ID) {
		t.Fatalf("receiver got %q", bodies)
	}
	mu.Unlock()

	// The log lists it, with the event it carried; a delivered event
	// cannot be retried.
	var log struct {
		Deliveries []baton.HookDelivery `json:"deliveries"`
	}
	ts.request(t, "GET", "/api/v1/event-deliveries?subscription="+created.ID+"&status=delivered", adminToken, nil).want(t, http.StatusOK, &log)
	if len(log.Deliveries) != 1 || log.Deliveries[0].EventType != baton.HookHandoffRequested || log.Deliveries[0].ConversationID != conv.ID {
		t.Fatalf("log %+v", log)
	}
	one := ts.request(t, "GET", "/api/v1/event-deliveries/"+itoa(log.Deliveries[0].ID), adminToken, nil)
	if one.Status != http.StatusOK || !strings.Contains(string(one.Body), `"event":{"id":"evt_`) {
		t.Fatalf("one delivery: %d %s", one.Status, one.Body)
	}
	ts.request(t, "POST", "/api/v1/event-deliveries/"+itoa(log.Deliveries[0].ID)+"/retry", adminToken, nil).
		wantError(t, http.StatusConflict, baton.ECONFLICT)
	ts.request(t, "GET", "/api/v1/event-deliveries?status=lost", adminToken, nil).wantError(t, http.StatusBadRequest, baton.EINVALID)
	ts.request(t, "GET", "/api/v1/event-deliveries/abc", adminToken, nil).wantError(t, http.StatusNotFound, baton.ENOTFOUND)

	// A test ping reaches the receiver at once, signed.
	var ping struct {
		Delivered  bool `json:"delivered"`
		StatusCode int  `json:"status_code"`
	}
	ts.request(t, "POST", "/api/v1/webhooks/"+created.ID+"/test", adminToken, nil).want(t, http.StatusOK, &ping)
	mu.Lock()
	if !ping.Delivered || ping.StatusCode != 200 || len(bodies) != 2 || !strings.Contains(bodies[1], `"type":"ping"`) {
		t.Fatalf("ping %+v, receiver got %q", ping, bodies)
	}
	mu.Unlock()

	// Paused: nothing is queued. Rotating the secret shows the new one.
	ts.request(t, "PATCH", "/api/v1/webhooks/"+created.ID, adminToken, map[string]any{"active": false}).want(t, http.StatusOK, nil)
	ts.askForPerson(t)
	var pending struct {
		Deliveries []baton.HookDelivery `json:"deliveries"`
	}
	ts.request(t, "GET", "/api/v1/event-deliveries?status=pending", adminToken, nil).want(t, http.StatusOK, &pending)
	if len(pending.Deliveries) != 0 {
		t.Fatalf("a paused subscription queued %+v", pending.Deliveries)
	}
	// A rotated secret: the old one signs too for a day, unless dropped.
	var rotated struct {
		Secret        string     `json:"secret"`
		PreviousUntil *time.Time `json:"previous_secret_expires_at"`
	}
	ts.request(t, "POST", "/api/v1/webhooks/"+created.ID+"/secret", adminToken, nil).want(t, http.StatusOK, &rotated)
	if rotated.Secret == "" || rotated.Secret == created.Secret || rotated.PreviousUntil == nil {
		t.Fatalf("rotated to %+v", rotated)
	}
	stored, _ := ts.DB.Subscription(t.Context(), created.ID)
	if got := stored.Secrets(time.Now()); len(got) != 2 || got[0] != rotated.Secret || got[1] != created.Secret {
		t.Fatalf("signing secrets after a rotation: %d", len(got))
	}
	var dropped map[string]any
	ts.request(t, "POST", "/api/v1/webhooks/"+created.ID+"/secret", adminToken, map[string]any{"keep_previous": false}).want(t, http.StatusOK, &dropped)
	if stored, _ = ts.DB.Subscription(t.Context(), created.ID); len(stored.Secrets(time.Now())) != 1 || dropped["previous_secret_expires_at"] != nil {
		t.Fatalf("keep_previous false still signs with the old secret")
	}
	ts.request(t, "DELETE", "/api/v1/webhooks/"+created.ID, adminToken, nil).want(t, http.StatusNoContent, nil)
	ts.request(t, "GET", "/api/v1/webhooks/"+created.ID, adminToken, nil).wantError(t, http.StatusNotFound, baton.ENOTFOUND)
}

func TestConfigSubscriptionsAreReadOnly(t *testing.T) {
	ts := newTestServer(t)
	now := time.Now().UTC()
	if err := ts.Engine.PutSubscription(t.Context(), &baton.Subscription{ID: "wh_cfg", Name: "from-config", URL: "https://example.com/hook",
		Secret: "0123456789abcdef", Active: true, Config: true, CreatedAt: now, UpdatedAt: now}); err != nil {
		t.Fatal(err)
	}
	ts.request(t, "PATCH", "/api/v1/webhooks/wh_cfg", adminToken, map[string]any{"active": false}).wantError(t, http.StatusConflict, baton.ECONFLICT)
	ts.request(t, "DELETE", "/api/v1/webhooks/wh_cfg", adminToken, nil).wantError(t, http.StatusConflict, baton.ECONFLICT)
	var list struct {
		Subscriptions []baton.Subscription `json:"subscriptions"`
		EventTypes    []string             `json:"event_types"`
	}
	ts.request(t, "GET", "/api/v1/webhooks", adminToken, nil).want(t, http.StatusOK, &list)
	if len(list.Subscriptions) != 1 || !list.Subscriptions[0].Config || len(list.EventTypes) != len(baton.HookEventTypes) {
		t.Fatalf("list %+v", list)
	}
}

func TestHealthAndReadiness(t *testing.T) {
	var down error
	closing := make(chan struct{})
	ts := newTestServer(t, func(s *api.Server) {
		s.Ready = func(ctx context.Context) error { return down }
		s.Closing = closing
	})
	ts.request(t, "GET", "/healthz", "", nil).want(t, http.StatusOK, nil)
	ts.request(t, "GET", "/readyz", "", nil).want(t, http.StatusOK, nil)
	down = errors.New("disk I/O error")
	r := ts.request(t, "GET", "/readyz", "", nil)
	if r.Status != http.StatusServiceUnavailable || strings.Contains(string(r.Body), "disk") {
		t.Fatalf("database down: %d %s", r.Status, r.Body)
	}
	down = nil
	close(closing)
	if r := ts.request(t, "GET", "/readyz", "", nil); r.Status != http.StatusServiceUnavailable || !strings.Contains(string(r.Body), "stopping") {
		t.Fatalf("stopping: %d %s", r.Status, r.Body)
	}
	ts.request(t, "GET", "/healthz", "", nil).want(t, http.StatusOK, nil)
}
