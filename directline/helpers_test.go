package directline_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/batonhq/baton"
	"github.com/batonhq/baton/bot"
	"github.com/batonhq/baton/directline"
	"github.com/batonhq/baton/engine"
	"github.com/batonhq/baton/hub"
	"github.com/batonhq/baton/lifecycle"
	"github.com/batonhq/baton/sqlite"
	"github.com/batonhq/baton/trigger"
)

// secret is the Direct Line secret of every test server.
const secret = "test-directline-secret-0123456789"

// testBot greets with a quick reply, and knows shipping.
var testBot = bot.Config{
	Intents: []bot.Intent{
		{
			Name:     "greeting",
			Examples: map[string][]string{"en": {"hello", "hi there"}},
			Answer:   baton.Localized{"en": "Hi! What can I do for you?"},
			Buttons:  []bot.Button{{Title: baton.Localized{"en": "Shipping times"}, Payload: "shipping"}},
		},
		{
			Name:     "shipping",
			Examples: map[string][]string{"en": {"shipping", "delivery time"}},
			Answer:   baton.Localized{"en": "We ship within one business day."},
		},
	},
	Fallback: map[string]string{"en": "Sorry, I did not get that."},
}

// clock is the Direct Line server's clock, moved by hand.
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

// stack is the whole Baton stack (real SQLite file, hub, engine, built-in
// bot, triggers) with the Direct Line server behind a real listener.
type stack struct {
	URL     string
	DB      *sqlite.DB
	Engine  *engine.Engine
	Hub     *hub.Hub
	DL      *directline.Server
	Clock   *clock
	Closing chan struct{}
	client  *http.Client
}

func newStack(tb testing.TB, opts ...func(*directline.Server)) *stack {
	tb.Helper()
	db, err := sqlite.Open(filepath.Join(tb.TempDir(), "baton.db"))
	if err != nil {
		tb.Fatalf("open database: %v", err)
	}
	tb.Cleanup(func() {
		if err := db.Close(); err != nil {
			tb.Errorf("close database: %v", err)
		}
	})
	logs := &syncBuffer{}
	tb.Cleanup(func() {
		if tb.Failed() {
			tb.Logf("server log:\n%s", logs.String())
		}
	})
	logger := slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelInfo}))

	support := &baton.Department{Name: "support", Title: "Support"}
	b, err := bot.New(testBot)
	if err != nil {
		tb.Fatal(err)
	}
	triggers, err := trigger.New(trigger.Config{})
	if err != nil {
		tb.Fatal(err)
	}
	h := hub.New()
	eng := &engine.Engine{
		Store: db,
		Rules: &lifecycle.Rules{
			Departments: func(name string) *baton.Department {
				if name == support.Name {
					return support
				}
				return nil
			},
			DefaultDepartment: "support",
			InactivityTimeout: 30 * time.Minute,
		},
		Publisher: h,
		Bot:       b,
		Triggers:  triggers,
		Logger:    logger,
	}
	clk := &clock{now: time.Date(2026, time.March, 2, 10, 0, 0, 0, time.UTC)}
	closing := make(chan struct{})
	dl := &directline.Server{
		Engine:       eng,
		Store:        db,
		Hub:          h,
		SecretHashes: [][]byte{baton.HashToken("another-secret-for-another-site"), baton.HashToken(secret)},
		TokenKey:     []byte("0123456789abcdef0123456789abcdef-test-key"),
		Logger:       logger,
		Closing:      closing,
		Now:          clk.Now,
	}
	for _, o := range opts {
		o(dl)
	}
	hs := httptest.NewServer(dl.Handler())
	tb.Cleanup(hs.Close) // before the database closes
	tr := &http.Transport{}
	tb.Cleanup(tr.CloseIdleConnections)
	return &stack{URL: hs.URL, DB: db, Engine: eng, Hub: h, DL: dl, Clock: clk, Closing: closing,
		client: &http.Client{Transport: tr, Timeout: 30 * time.Second}}
}

// syncBuffer is a bytes.Buffer safe for concurrent writers.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// response is an answer of the server.
type response struct {
	Status int
	Header http.Header
	Body   []byte
}

// rawBody is a request body sent exactly as given.
type rawBody string

// request sends a request under /v3/directline with an optional bearer
// credential and body (nil for none, rawBody as is, else JSON).
func (st *stack) request(tb testing.TB, method, path, bearer string, body any) response {
	tb.Helper()
	var r io.Reader
	switch b := body.(type) {
	case nil:
	case rawBody:
		r = strings.NewReader(string(b))
	default:
		j, err := json.Marshal(b)
		if err != nil {
			tb.Fatal(err)
		}
		r = bytes.NewReader(j)
	}
	req, err := http.NewRequest(method, st.URL+"/v3/directline"+path, r)
	if err != nil {
		tb.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if bearer != "" {
		req.Header.Set("Authorization", "Bearer "+bearer)
	}
	resp, err := st.client.Do(req)
	if err != nil {
		tb.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		tb.Fatal(err)
	}
	return response{Status: resp.StatusCode, Header: resp.Header, Body: b}
}

// want fails the test unless the status is status, and decodes the body into v.
func (r response) want(tb testing.TB, status int, v any) {
	tb.Helper()
	if r.Status != status {
		tb.Fatalf("status %d, want %d; body: %s", r.Status, status, r.Body)
	}
	if v != nil {
		if err := json.Unmarshal(r.Body, v); err != nil {
			tb.Fatalf("decode %s: %v", r.Body, err)
		}
	}
}

// wantError reports an error unless r is {"error":{"code","message"}}
// with this status and code.
func (r response) wantError(tb testing.TB, status int, code string) {
	tb.Helper()
	if r.Status != status {
		tb.Errorf("status %d, want %d; body: %s", r.Status, status, r.Body)
		return
	}
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		tb.Errorf("Content-Type %q, want application/json", ct)
	}
	var e struct {
		Error map[string]string `json:"error"`
	}
	if err := json.Unmarshal(r.Body, &e); err != nil || len(e.Error) != 2 {
		tb.Errorf("body is not {\"error\":{\"code\",\"message\"}}: %s", r.Body)
		return
	}
	if e.Error["code"] != code {
		tb.Errorf("error code %q, want %q (message %q)", e.Error["code"], code, e.Error["message"])
	}
	if strings.TrimSpace(e.Error["message"]) == "" {
		tb.Errorf("error %q has an empty message", code)
	}
}

// conversation is Direct Line's Conversation object as a client reads it.
type conversation struct {
	ConversationID string `json:"conversationId"`
	Token          string `json:"token"`
	ExpiresIn      int    `json:"expires_in"`
	StreamURL      string `json:"streamUrl"`
}

// activity is an activity as a client reads it.
type activity struct {
	Type         string `json:"type"`
	ID           string `json:"id"`
	Timestamp    string `json:"timestamp"`
	ChannelID    string `json:"channelId"`
	Conversation struct {
		ID string `json:"id"`
	} `json:"conversation"`
	From struct {
		ID   string `json:"id"`
		Name string `json:"name"`
		Role string `json:"role"`
	} `json:"from"`
	Text             string `json:"text"`
	Locale           string `json:"locale"`
	ReplyToID        string `json:"replyToId"`
	SuggestedActions *struct {
		Actions []struct {
			Type  string `json:"type"`
			Title string `json:"title"`
			Value string `json:"value"`
		} `json:"actions"`
	} `json:"suggestedActions"`
	ChannelData struct {
		ClientActivityID string  `json:"clientActivityID"`
		SequenceID       float64 `json:"webchat:sequence-id"`
		Baton            *struct {
			Seq     int64  `json:"seq"`
			Author  string `json:"author"`
			Event   string `json:"event"`
			Payload string `json:"payload"`
		} `json:"baton"`
	} `json:"channelData"`
}

type activitySet struct {
	Activities []activity `json:"activities"`
	Watermark  string     `json:"watermark"`
}

// generate opens a conversation through tokens/generate, for a user id.
func (st *stack) generate(tb testing.TB, userID string) conversation {
	tb.Helper()
	var body any
	if userID != "" {
		body = map[string]any{"user": map[string]string{"id": userID, "name": "Dana"}}
	}
	var c conversation
	st.request(tb, "POST", "/tokens/generate", secret, body).want(tb, http.StatusOK, &c)
	if c.ConversationID == "" || c.Token == "" {
		tb.Fatalf("generated without conversation or token: %+v", c)
	}
	return c
}

// post posts an activity and returns the id the server gave it.
func (st *stack) post(tb testing.TB, c conversation, act map[string]any) string {
	tb.Helper()
	var out struct {
		ID string `json:"id"`
	}
	st.request(tb, "POST", "/conversations/"+c.ConversationID+"/activities", c.Token, act).want(tb, http.StatusOK, &out)
	if out.ID == "" {
		tb.Fatalf("posted activity got no id")
	}
	return out.ID
}

// say posts a message with a client activity id.
func (st *stack) say(tb testing.TB, c conversation, text, clientID string) string {
	tb.Helper()
	return st.post(tb, c, map[string]any{"type": "message", "text": text, "from": map[string]string{"id": "dana"},
		"channelData": map[string]string{"clientActivityID": clientID}})
}

// activities polls the conversation after a watermark.
func (st *stack) activities(tb testing.TB, c conversation, wm string) activitySet {
	tb.Helper()
	var set activitySet
	st.request(tb, "GET", "/conversations/"+c.ConversationID+"/activities?watermark="+wm, c.Token, nil).
		want(tb, http.StatusOK, &set)
	return set
}

// timeline is the stored timeline of a conversation.
func (st *stack) timeline(tb testing.TB, id string) []baton.Message {
	tb.Helper()
	msgs, err := st.DB.Messages(context.Background(), id, 0, 1000)
	if err != nil {
		tb.Fatal(err)
	}
	return msgs
}

// customerMessages are the customer's entries of a timeline.
func customerMessages(msgs []baton.Message) []baton.Message {
	var out []baton.Message
	for _, m := range msgs {
		if m.Author == baton.AuthorCustomer {
			out = append(out, m)
		}
	}
	return out
}

// agent creates an agent of support who is signed in but away: a handoff
// is queued, and the agent claims it by hand.
func (st *stack) agent(tb testing.TB, id, name string) *baton.Agent {
	tb.Helper()
	ctx := context.Background()
	now := time.Now().UTC()
	a := &baton.Agent{ID: id, Name: name, Departments: []string{"support"}, MaxConcurrent: 3,
		Status: baton.StatusOffline, TokenHash: baton.HashToken(baton.NewToken(baton.TokenPrefixAgent)), CreatedAt: now, UpdatedAt: now}
	if err := st.DB.CreateAgent(ctx, a); err != nil {
		tb.Fatal(err)
	}
	a, err := st.Engine.SetAgentStatus(ctx, a, baton.StatusAway)
	if err != nil {
		tb.Fatal(err)
	}
	return a
}

// takeOver has the agent claim the conversation and write to the customer.
func (st *stack) takeOver(tb testing.TB, a *baton.Agent, id, text string) {
	tb.Helper()
	ctx := context.Background()
	if _, err := st.Engine.Claim(ctx, a, id); err != nil {
		tb.Fatalf("claim %s: %v", id, err)
	}
	if _, err := st.Engine.AgentMessage(ctx, a, id, text, "", false); err != nil {
		tb.Fatalf("agent message: %v", err)
	}
}

func texts(acts []activity) []string {
	out := make([]string, len(acts))
	for i, a := range acts {
		out[i] = fmt.Sprintf("%s(%s): %s", a.From.Role, a.From.Name, a.Text)
	}
	return out
}
