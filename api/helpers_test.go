package api_test

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
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/batonhq/baton"
	"github.com/batonhq/baton/api"
	"github.com/batonhq/baton/bot"
	"github.com/batonhq/baton/engine"
	"github.com/batonhq/baton/hub"
	"github.com/batonhq/baton/lifecycle"
	"github.com/batonhq/baton/sqlite"
	"github.com/batonhq/baton/trigger"
)

// adminToken is the operator's token in every test server.
const adminToken = "test-admin-token-0123456789"

// testServer is the whole Baton stack (real SQLite file, hub, engine,
// built-in bot, text trigger, API) behind a real HTTP listener.
type testServer struct {
	URL    string
	Client *http.Client
	DB     *sqlite.DB
	Hub    *hub.Hub
	Engine *engine.Engine
}

// testDepartments are the departments of every test server: both always open.
func testDepartments() []*baton.Department {
	return []*baton.Department{
		{Name: "support", Title: "Support"},
		{Name: "billing", Title: "Billing"},
	}
}

// testBot is a tiny FAQ: one intent, and a fallback.
var testBot = bot.Config{
	Intents: []bot.Intent{{
		Name:     "shipping",
		Examples: map[string][]string{"en": {"shipping", "delivery time"}},
		Answer:   baton.Localized{"en": "We ship within one business day."},
	}},
	Fallback: map[string]string{"en": "Sorry, I did not get that."},
}

// newTestServer wires the stack as cmd/baton's open does and serves it
// with httptest. Everything is torn down when the test ends; the log is
// printed only if the test failed.
func newTestServer(tb testing.TB, opts ...func(*api.Server)) *testServer {
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

	depts := testDepartments()
	byName := map[string]*baton.Department{}
	for _, d := range depts {
		byName[d.Name] = d
	}
	h := hub.New()
	eng := &engine.Engine{
		Store: db,
		Rules: &lifecycle.Rules{
			Departments:       func(name string) *baton.Department { return byName[name] },
			DefaultDepartment: "support",
			InactivityTimeout: 30 * time.Minute,
		},
		Publisher: h,
		Bot:       mustBot(testBot),
		Triggers:  mustTriggers(),
		Logger:    logger,
	}
	srv := &api.Server{Engine: eng, Store: db, Hub: h, AdminTokenHash: baton.HashToken(adminToken),
		Departments: depts, Logger: logger}
	for _, o := range opts {
		o(srv)
	}
	hs := httptest.NewServer(srv.Handler())
	tb.Cleanup(hs.Close) // runs before the database closes

	tr := &http.Transport{MaxIdleConns: 1024, MaxIdleConnsPerHost: 1024}
	tb.Cleanup(tr.CloseIdleConnections)
	return &testServer{URL: hs.URL, Client: &http.Client{Transport: tr, Timeout: time.Minute}, DB: db, Hub: h, Engine: eng}
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

// response is an answer of the API.
type response struct {
	Status int
	Header http.Header
	Body   []byte
}

// rawBody is a request body sent exactly as given, not encoded as JSON.
type rawBody string

// request sends a request with an optional bearer token and body: nil for
// none, a rawBody as is, anything else encoded as JSON.
func (ts *testServer) request(tb testing.TB, method, path, token string, body any) response {
	tb.Helper()
	r, err := ts.send(method, path, token, body)
	if err != nil {
		tb.Fatal(err)
	}
	return r
}

// send is request for goroutines other than the test's: it returns its error.
func (ts *testServer) send(method, path, token string, body any) (response, error) {
	var r io.Reader
	switch b := body.(type) {
	case nil:
	case rawBody:
		r = strings.NewReader(string(b))
	default:
		j, err := json.Marshal(b)
		if err != nil {
			return response{}, fmt.Errorf("encode request body: %w", err)
		}
		r = bytes.NewReader(j)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, ts.URL+path, r)
	if err != nil {
		return response{}, err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := ts.Client.Do(req)
	if err != nil {
		return response{}, fmt.Errorf("%s %s: %w", method, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return response{}, fmt.Errorf("%s %s: read body: %w", method, path, err)
	}
	return response{Status: resp.StatusCode, Header: resp.Header, Body: b}, nil
}

// want fails the test unless the status is status, and decodes the body into v (if not nil).
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

// object decodes the body as a JSON object.
func (r response) object(tb testing.TB) map[string]any {
	tb.Helper()
	var m map[string]any
	if err := json.Unmarshal(r.Body, &m); err != nil {
		tb.Fatalf("body is not a JSON object: %v; body: %s", err, r.Body)
	}
	return m
}

// apiError is the one error shape of the API.
type apiError struct {
	Error *struct {
		Code    string `json:"code"`
		Message string `json:"message"`
	} `json:"error"`
}

// wantError reports an error unless r is the JSON error
// {"error":{"code","message"}} with this status and code and a non-empty
// message. It does not stop the test, so callers can still check that
// nothing was stored.
func (r response) wantError(tb testing.TB, status int, code string) {
	tb.Helper()
	if r.Status != status {
		tb.Errorf("status %d, want %d; body: %s", r.Status, status, r.Body)
		return
	}
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		tb.Errorf("Content-Type %q, want application/json", ct)
	}
	var e apiError
	var shape map[string]map[string]any
	if json.Unmarshal(r.Body, &e) != nil || e.Error == nil || json.Unmarshal(r.Body, &shape) != nil {
		tb.Errorf("body is not {\"error\":{\"code\":...,\"message\":...}}: %s", r.Body)
		return
	}
	if e.Error.Code != code {
		tb.Errorf("error code %q, want %q (message %q)", e.Error.Code, code, e.Error.Message)
	}
	if strings.TrimSpace(e.Error.Message) == "" {
		tb.Errorf("error %q has an empty message", e.Error.Code)
	}
	if len(shape) != 1 || len(shape["error"]) != 2 {
		tb.Errorf("error body %s, want exactly {\"error\":{\"code\",\"message\"}}", r.Body)
	}
}

// requireKeys fails the test unless the object has every key.
func requireKeys(tb testing.TB, m map[string]any, keys ...string) {
	tb.Helper()
	for _, k := range keys {
		if _, ok := m[k]; !ok {
			tb.Errorf("missing field %q in %v", k, m)
		}
	}
}

// The API's answers, as a client reads them.

type agentResp struct {
	ID          string   `json:"id"`
	Token       string   `json:"token"`
	Name        string   `json:"name"`
	Departments []string `json:"departments"`
	Status      string   `json:"status"`
}

type conversationResp struct {
	ID             string        `json:"id"`
	Version        int64         `json:"version"`
	CustomerToken  string        `json:"customer_token"`
	Mode           string        `json:"mode"`
	Department     string        `json:"department"`
	Priority       string        `json:"priority"`
	Assignee       string        `json:"assignee"`
	Handoff        *handoffResp  `json:"handoff"`
	LastSeq        int64         `json:"last_seq"`
	SurveyStep     string        `json:"survey_step"`
	TicketID       string        `json:"ticket_id"`
	WaitingSeconds *int64        `json:"waiting_seconds"`
	QueuePosition  int           `json:"queue_position"`
	Contact        baton.Contact `json:"contact"`
}

type handoffResp struct {
	Trigger     string            `json:"trigger"`
	Reason      string            `json:"reason"`
	Department  string            `json:"department"`
	Priority    string            `json:"priority"`
	Details     map[string]string `json:"details"`
	RequestedAt time.Time         `json:"requested_at"`
}

type messageResp struct {
	ConversationID  string         `json:"conversation_id"`
	Seq             int64          `json:"seq"`
	Author          string         `json:"author"`
	Text            string         `json:"text"`
	Event           string         `json:"event"`
	AgentID         string         `json:"agent_id"`
	ClientMessageID string         `json:"client_message_id"`
	Private         bool           `json:"private"`
	Buttons         []baton.Button `json:"buttons"`
	CreatedAt       time.Time      `json:"created_at"`
}

type messagesResp struct {
	Messages []messageResp `json:"messages"`
	LastSeq  int64         `json:"last_seq"`
}

type queueResp struct {
	Queue []struct {
		Position int `json:"position"`
		conversationResp
	} `json:"queue"`
}

// createAgent creates an agent through the API, with the admin token.
func (ts *testServer) createAgent(tb testing.TB, name string, departments ...string) agentResp {
	tb.Helper()
	var a agentResp
	ts.request(tb, "POST", "/api/v1/agents", adminToken,
		map[string]any{"name": name, "departments": departments}).want(tb, http.StatusCreated, &a)
	if a.ID == "" || a.Token == "" {
		tb.Fatalf("created agent without id or token: %+v", a)
	}
	return a
}

// setStatus sets an agent's own status.
func (ts *testServer) setStatus(tb testing.TB, agentToken, status string) {
	tb.Helper()
	var a agentResp
	ts.request(tb, "PUT", "/api/v1/agents/me/status", agentToken, map[string]string{"status": status}).
		want(tb, http.StatusOK, &a)
	if a.Status != status {
		tb.Fatalf("status is %q after setting %q", a.Status, status)
	}
}

// signedInAgent creates an agent of the departments whose status is away:
// signed in, so handoffs are queued rather than ticketed, but never
// assigned automatically.
func (ts *testServer) signedInAgent(tb testing.TB, name string, departments ...string) agentResp {
	tb.Helper()
	a := ts.createAgent(tb, name, departments...)
	ts.setStatus(tb, a.Token, "away")
	a.Status = "away"
	return a
}

// createConversation starts a web conversation, without credentials.
func (ts *testServer) createConversation(tb testing.TB) conversationResp {
	tb.Helper()
	var c conversationResp
	ts.request(tb, "POST", "/api/v1/conversations", "", map[string]any{"channel": "web", "locale": "en"}).
		want(tb, http.StatusCreated, &c)
	if c.ID == "" || c.CustomerToken == "" {
		tb.Fatalf("created conversation without id or customer token: %+v", c)
	}
	return c
}

// createIntegration creates a bot integration and returns its token.
func (ts *testServer) createIntegration(tb testing.TB, name string) string {
	tb.Helper()
	var i struct {
		ID    string `json:"id"`
		Token string `json:"token"`
	}
	ts.request(tb, "POST", "/api/v1/integrations", adminToken, map[string]string{"name": name}).
		want(tb, http.StatusCreated, &i)
	if i.ID == "" || i.Token == "" {
		tb.Fatalf("created integration without id or token: %+v", i)
	}
	return i.Token
}

// postMessage posts a message and expects it stored (201).
func (ts *testServer) postMessage(tb testing.TB, convID, token string, body any) messageResp {
	tb.Helper()
	if s, ok := body.(string); ok {
		body = map[string]string{"text": s}
	}
	var m messageResp
	ts.request(tb, "POST", "/api/v1/conversations/"+convID+"/messages", token, body).want(tb, http.StatusCreated, &m)
	if m.Seq <= 0 {
		tb.Fatalf("stored message has seq %d", m.Seq)
	}
	return m
}

// conversation reads a conversation.
func (ts *testServer) conversation(tb testing.TB, convID, token string) conversationResp {
	tb.Helper()
	var c conversationResp
	ts.request(tb, "GET", "/api/v1/conversations/"+convID, token, nil).want(tb, http.StatusOK, &c)
	return c
}

// messages reads a conversation's timeline after seq.
func (ts *testServer) messages(tb testing.TB, convID, token string, after int64) messagesResp {
	tb.Helper()
	var m messagesResp
	ts.request(tb, "GET", "/api/v1/conversations/"+convID+"/messages?after="+itoa(after), token, nil).
		want(tb, http.StatusOK, &m)
	return m
}

// askForPerson starts a conversation whose customer asks for a person (the
// text trigger), which hands it to the default department, support.
func (ts *testServer) askForPerson(tb testing.TB) conversationResp {
	tb.Helper()
	c := ts.createConversation(tb)
	ts.postMessage(tb, c.ID, c.CustomerToken, "I want to talk to a human please")
	return c
}

// queuedConversation is askForPerson when nobody of support is online but
// somebody is signed in: the conversation waits in the queue.
func (ts *testServer) queuedConversation(tb testing.TB) conversationResp {
	tb.Helper()
	c := ts.askForPerson(tb)
	got := ts.conversation(tb, c.ID, adminToken)
	if got.Mode != "queued" {
		tb.Fatalf("after asking for a person the conversation is %q, want queued", got.Mode)
	}
	c.Mode, c.Department = got.Mode, got.Department
	return c
}

// events returns the event names of the timeline's system entries.
func events(msgs []messageResp) []string {
	var out []string
	for _, m := range msgs {
		if m.Event != "" {
			out = append(out, m.Event)
		}
	}
	return out
}

func countEvent(msgs []messageResp, event string) int {
	n := 0
	for _, m := range msgs {
		if m.Event == event {
			n++
		}
	}
	return n
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

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
