package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/cookiejar"
	"strings"
	"testing"
	"time"

	"github.com/batonhq/baton"
	"github.com/batonhq/baton/api"
	"github.com/batonhq/baton/password"
	"github.com/coder/websocket"
	"golang.org/x/crypto/bcrypt"
)

func init() { password.Cost = bcrypt.MinCost } // the tests check behaviour, not bcrypt's slowness

// browser is an inbox in a browser: a cookie jar and the CSRF token it
// was given at sign-in.
type browser struct {
	ts     *testServer
	client *http.Client
	csrf   string
}

func (ts *testServer) browser(tb testing.TB) *browser {
	jar, err := cookiejar.New(nil)
	if err != nil {
		tb.Fatal(err)
	}
	return &browser{ts: ts, client: &http.Client{Jar: jar, Transport: ts.Client.Transport, Timeout: time.Minute}}
}

// do sends a request the way the inbox does: the cookie, and the CSRF
// token unless csrf is false.
func (b *browser) do(tb testing.TB, method, path string, body any, csrf bool) response {
	tb.Helper()
	var buf bytes.Buffer
	if body != nil {
		json.NewEncoder(&buf).Encode(body)
	}
	req, err := http.NewRequest(method, b.ts.URL+path, &buf)
	if err != nil {
		tb.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	if csrf && b.csrf != "" {
		req.Header.Set("X-CSRF-Token", b.csrf)
	}
	resp, err := b.client.Do(req)
	if err != nil {
		tb.Fatal(err)
	}
	defer resp.Body.Close()
	var out bytes.Buffer
	out.ReadFrom(resp.Body)
	return response{Status: resp.StatusCode, Header: resp.Header, Body: out.Bytes()}
}

type sessionResp struct {
	Agent struct {
		ID          string `json:"id"`
		Name        string `json:"name"`
		HasPassword bool   `json:"has_password"`
	} `json:"agent"`
	CSRFToken string `json:"csrf_token"`
}

func (b *browser) signIn(tb testing.TB, email, pw string) response {
	tb.Helper()
	r := b.do(tb, "POST", "/api/v1/session", map[string]string{"email": email, "password": pw}, false)
	if r.Status == http.StatusOK {
		var s sessionResp
		r.want(tb, http.StatusOK, &s)
		b.csrf = s.CSRFToken
	}
	return r
}

// agentWithPassword creates an agent who can sign in to the inbox.
func (ts *testServer) agentWithPassword(tb testing.TB, name, email, pw string) agentResp {
	tb.Helper()
	var a agentResp
	ts.request(tb, "POST", "/api/v1/agents", adminToken, map[string]any{"name": name, "email": email,
		"password": pw, "departments": []string{"support"}}).want(tb, http.StatusCreated, &a)
	return a
}

func TestSignInSessionAndSignOut(t *testing.T) {
	ts := newTestServer(t)
	a := ts.agentWithPassword(t, "Dana", "dana@example.com", "correct horse battery")
	b := ts.browser(t)

	// Not signed in yet.
	b.do(t, "GET", "/api/v1/session", nil, true).wantError(t, http.StatusUnauthorized, "unauthorized")
	b.signIn(t, "dana@example.com", "wrong password!!").wantError(t, http.StatusUnauthorized, "unauthorized")
	b.signIn(t, "nobody@example.com", "correct horse battery").wantError(t, http.StatusUnauthorized, "unauthorized")
	b.signIn(t, "", "").wantError(t, http.StatusBadRequest, "invalid")

	r := b.signIn(t, "DANA@example.com ", "correct horse battery")
	r.want(t, http.StatusOK, nil)
	var cookie *http.Cookie
	for _, c := range (&http.Response{Header: r.Header}).Cookies() {
		if c.Name == "baton_session" {
			cookie = c
		}
	}
	if cookie == nil || !cookie.HttpOnly || cookie.SameSite != http.SameSiteLaxMode || cookie.Path != "/" {
		t.Fatalf("session cookie %+v, want HttpOnly, SameSite=Lax, Path=/", cookie)
	}
	if b.csrf == "" || strings.Contains(string(r.Body), cookie.Value) {
		t.Fatalf("sign-in answer: csrf %q, body %s (must not carry the session token)", b.csrf, r.Body)
	}
	// The stored session is the token's hash, never the token.
	ctx := context.Background()
	if _, err := ts.DB.Session(ctx, []byte(cookie.Value)); baton.ErrorCode(err) != baton.ENOTFOUND {
		t.Fatalf("the session token is stored in clear: %v", err)
	}
	if sess, err := ts.DB.Session(ctx, baton.HashToken(cookie.Value)); err != nil || sess.AgentID != a.ID {
		t.Fatalf("stored session %+v, %v", sess, err)
	}

	// The cookie authenticates reads; writes need the CSRF header too.
	var me agentResp
	b.do(t, "GET", "/api/v1/agents/me", nil, false).want(t, http.StatusOK, &me)
	if me.ID != a.ID {
		t.Fatalf("me = %s, want %s", me.ID, a.ID)
	}
	b.do(t, "PUT", "/api/v1/agents/me/status", map[string]string{"status": "online"}, false).
		wantError(t, http.StatusForbidden, "forbidden")
	wrong := *b
	wrong.csrf = "forged"
	wrong.do(t, "PUT", "/api/v1/agents/me/status", map[string]string{"status": "online"}, true).
		wantError(t, http.StatusForbidden, "forbidden")
	b.do(t, "PUT", "/api/v1/agents/me/status", map[string]string{"status": "online"}, true).want(t, http.StatusOK, nil)

	// The agent's whole inbox works with the session: a customer waits, the agent claims.
	c := ts.askForPerson(t)
	b.do(t, "POST", "/api/v1/conversations/"+c.ID+"/messages", map[string]string{"text": "Hi, Dana here."}, true).
		want(t, http.StatusCreated, nil)
	// The customer sees who they are talking to.
	cv := ts.request(t, "GET", "/api/v1/conversations/"+c.ID, c.CustomerToken, nil).object(t)
	if cv["mode"] != "agent" || cv["agent_name"] != "Dana" {
		t.Fatalf("customer's view: mode %v, agent_name %v", cv["mode"], cv["agent_name"])
	}

	var s sessionResp
	b.do(t, "GET", "/api/v1/session", nil, false).want(t, http.StatusOK, &s)
	if s.Agent.ID != a.ID || s.CSRFToken != b.csrf || !s.Agent.HasPassword {
		t.Fatalf("session %+v", s)
	}

	// Signing out ends the session for good, even for someone who kept the
	// cookie, and takes the agent offline: nobody is assigned to an empty chair.
	b.do(t, "DELETE", "/api/v1/session", nil, true).want(t, http.StatusNoContent, nil)
	if ag, err := ts.DB.Agent(ctx, a.ID); err != nil || ag.Status != "offline" {
		t.Fatalf("after sign-out the agent is %v (%v), want offline", ag.Status, err)
	}
	b.do(t, "GET", "/api/v1/agents/me", nil, true).wantError(t, http.StatusUnauthorized, "unauthorized")
	req, _ := http.NewRequest("GET", ts.URL+"/api/v1/agents/me", nil)
	req.AddCookie(&http.Cookie{Name: "baton_session", Value: cookie.Value})
	resp, err := ts.Client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("old cookie after sign-out: %d", resp.StatusCode)
	}
}

func TestSignInFromAnotherSiteIsRefused(t *testing.T) {
	ts := newTestServer(t)
	ts.agentWithPassword(t, "Dana", "dana@example.com", "correct horse battery")
	req, _ := http.NewRequest("POST", ts.URL+"/api/v1/session",
		strings.NewReader(`{"email":"dana@example.com","password":"correct horse battery"}`))
	req.Header.Set("Origin", "https://evil.example")
	resp, err := ts.Client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden || len(resp.Cookies()) != 0 {
		t.Fatalf("sign-in from another origin: %d, cookies %v", resp.StatusCode, resp.Cookies())
	}
}

func TestRepeatedFailedSignInsAreSlowedDown(t *testing.T) {
	ts := newTestServer(t)
	ts.agentWithPassword(t, "Dana", "dana@example.com", "correct horse battery")
	b := ts.browser(t)
	for i := range 5 {
		b.signIn(t, "dana@example.com", "guess number "+itoa(int64(i))).wantError(t, http.StatusUnauthorized, "unauthorized")
	}
	// Now even the right password must wait; the answer says how long.
	r := b.signIn(t, "dana@example.com", "correct horse battery")
	r.wantError(t, http.StatusTooManyRequests, "rate_limited")
	if r.Header.Get("Retry-After") == "" {
		t.Error("429 without Retry-After")
	}
	// Another agent's email is not held up by Dana's failures.
	ts.agentWithPassword(t, "Sam", "sam@example.com", "another good password")
	ts.browser(t).signIn(t, "sam@example.com", "another good password").want(t, http.StatusOK, nil)
}

func TestPasswords(t *testing.T) {
	ts := newTestServer(t)
	a := ts.createAgent(t, "Noa", "support") // no email, no password
	ts.request(t, "PUT", "/api/v1/agents/"+a.ID+"/password", adminToken, map[string]string{"password": "long enough pw"}).
		wantError(t, http.StatusBadRequest, "invalid")
	ts.request(t, "PATCH", "/api/v1/agents/"+a.ID, adminToken, map[string]string{"email": "noa@example.com"}).want(t, http.StatusOK, nil)
	ts.request(t, "PUT", "/api/v1/agents/"+a.ID+"/password", adminToken, map[string]string{"password": "short"}).
		wantError(t, http.StatusBadRequest, "invalid")
	ts.request(t, "PUT", "/api/v1/agents/"+a.ID+"/password", a.Token, map[string]string{"password": "long enough pw"}).
		wantError(t, http.StatusForbidden, "forbidden")
	ts.request(t, "PUT", "/api/v1/agents/"+a.ID+"/password", adminToken, map[string]string{"password": "long enough pw"}).
		want(t, http.StatusNoContent, nil)

	b := ts.browser(t)
	b.signIn(t, "noa@example.com", "long enough pw").want(t, http.StatusOK, nil)
	other := ts.browser(t)
	other.signIn(t, "noa@example.com", "long enough pw").want(t, http.StatusOK, nil)

	// Changing one's own password needs the current one, ends the other
	// sessions and keeps this browser signed in with a new session.
	b.do(t, "PUT", "/api/v1/agents/me/password", map[string]string{"current_password": "nope", "password": "a new long password"}, true).
		wantError(t, http.StatusForbidden, "forbidden")
	r := b.do(t, "PUT", "/api/v1/agents/me/password", map[string]string{"current_password": "long enough pw", "password": "a new long password"}, true)
	var s sessionResp
	r.want(t, http.StatusOK, &s)
	b.csrf = s.CSRFToken
	b.do(t, "GET", "/api/v1/agents/me", nil, true).want(t, http.StatusOK, nil)
	other.do(t, "GET", "/api/v1/agents/me", nil, true).wantError(t, http.StatusUnauthorized, "unauthorized")
	ts.browser(t).signIn(t, "noa@example.com", "long enough pw").wantError(t, http.StatusUnauthorized, "unauthorized")
	ts.browser(t).signIn(t, "noa@example.com", "a new long password").want(t, http.StatusOK, nil)

	// An email names one agent.
	ts.request(t, "POST", "/api/v1/agents", adminToken, map[string]any{"name": "Other Noa", "email": "NOA@example.com", "departments": []string{"support"}}).
		wantError(t, http.StatusConflict, "conflict")
}

func TestCookieStreamOnlyFromOwnOrigin(t *testing.T) {
	ts := newTestServer(t)
	ts.agentWithPassword(t, "Dana", "dana@example.com", "correct horse battery")
	b := ts.browser(t)
	b.signIn(t, "dana@example.com", "correct horse battery").want(t, http.StatusOK, nil)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	dial := func(origin string) error {
		h := http.Header{}
		h.Set("Origin", origin)
		conn, _, err := websocket.Dial(ctx, ts.wsURL("/api/v1/stream"), &websocket.DialOptions{HTTPClient: b.client, HTTPHeader: h})
		if err == nil {
			conn.CloseNow()
		}
		return err
	}
	if err := dial(ts.URL); err != nil {
		t.Fatalf("the inbox's own page cannot open the stream: %v", err)
	}
	if err := dial("https://evil.example"); err == nil {
		t.Fatal("a page of another site opened the stream with the agent's cookie")
	}
}

func TestCannedRepliesByDepartment(t *testing.T) {
	ts := newTestServer(t, func(s *api.Server) {
		s.CannedReplies = []baton.CannedReply{
			{ID: "hello", Title: "Greeting", Text: "Hi {customer_name}, {agent_name} here."},
			{ID: "refund", Title: "Refund", Text: "Your refund is on its way.", Department: "billing"},
		}
	})
	a := ts.createAgent(t, "Dana", "support")
	var out struct {
		CannedReplies []baton.CannedReply `json:"canned_replies"`
	}
	ts.request(t, "GET", "/api/v1/canned-replies", a.Token, nil).want(t, http.StatusOK, &out)
	if len(out.CannedReplies) != 1 || out.CannedReplies[0].ID != "hello" {
		t.Fatalf("support agent sees %+v, want only the greeting", out.CannedReplies)
	}
	ts.request(t, "GET", "/api/v1/canned-replies", adminToken, nil).want(t, http.StatusOK, &out)
	if len(out.CannedReplies) != 2 {
		t.Fatalf("admin sees %d canned replies, want 2", len(out.CannedReplies))
	}
	c := ts.createConversation(t)
	ts.request(t, "GET", "/api/v1/canned-replies", c.CustomerToken, nil).wantError(t, http.StatusForbidden, "forbidden")
}

func TestWidgetMayCallCustomerEndpointsFromAnotherSite(t *testing.T) {
	ts := newTestServer(t)
	req, _ := http.NewRequest("OPTIONS", ts.URL+"/api/v1/conversations/c_x/messages", nil)
	req.Header.Set("Origin", "https://shop.example")
	req.Header.Set("Access-Control-Request-Method", "POST")
	req.Header.Set("Access-Control-Request-Headers", "authorization, content-type")
	resp, err := ts.Client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNoContent || resp.Header.Get("Access-Control-Allow-Origin") != "*" ||
		!strings.Contains(strings.ToLower(resp.Header.Get("Access-Control-Allow-Headers")), "authorization") {
		t.Fatalf("preflight: %d %v", resp.StatusCode, resp.Header)
	}
	if resp.Header.Get("Access-Control-Allow-Credentials") != "" {
		t.Fatal("credentials allowed cross-origin")
	}
	// Agent endpoints get no CORS headers.
	req, _ = http.NewRequest("GET", ts.URL+"/api/v1/agents", nil)
	req.Header.Set("Origin", "https://shop.example")
	resp, err = ts.Client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.Header.Get("Access-Control-Allow-Origin") != "" {
		t.Fatal("agent endpoint open to other sites")
	}
}
