package directline_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// jsDir holds the Node client and its locked dependencies.
var jsDir = filepath.Join("testdata", "directlinejs")

// installJS runs npm ci once, if node_modules is missing.
var installJS = sync.OnceValues(func() ([]byte, error) {
	if _, err := os.Stat(filepath.Join(jsDir, "node_modules", "botframework-directlinejs")); err == nil {
		return nil, nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "npm", "ci", "--no-audit", "--no-fund")
	cmd.Dir = jsDir
	return cmd.CombinedOutput()
})

// jsActivity is an activity as client.mjs reports it.
type jsActivity struct {
	ID               string `json:"id"`
	Type             string `json:"type"`
	Role             string `json:"role"`
	FromID           string `json:"fromId"`
	Name             string `json:"name"`
	Text             string `json:"text"`
	ClientActivityID string `json:"clientActivityID"`
	Actions          []struct {
		Type, Title, Value string
	} `json:"actions"`
}

type jsSummary struct {
	ConversationID string       `json:"conversationId"`
	Statuses       []string     `json:"statuses"`
	Sockets        int          `json:"sockets"`
	PostIDs        []string     `json:"postIds"`
	Activities     []jsActivity `json:"activities"`
}

// TestDirectLineJS runs Microsoft's botframework-directlinejs, the client
// inside Web Chat, against the server: a token from tokens/generate (or the
// secret), a WebSocket that is dropped and resumed (or polling), a quick
// reply, typing, a handoff, and an agent who takes over.
func TestDirectLineJS(t *testing.T) {
	node, err := exec.LookPath("node")
	if err == nil {
		_, err = exec.LookPath("npm")
	}
	if err != nil {
		// CI sets BATON_REQUIRE_NODE so a missing Node fails instead.
		if os.Getenv("BATON_REQUIRE_NODE") != "" {
			t.Fatalf("node and npm are needed (%v), and BATON_REQUIRE_NODE is set", err)
		}
		t.Skipf("node and npm are needed: %v", err)
	}
	if out, err := installJS(); err != nil {
		t.Fatalf("npm ci in %s: %v\n%s", jsDir, err, out)
	}
	for _, mode := range []string{"token", "secret", "polling"} {
		t.Run(mode, func(t *testing.T) {
			t.Parallel()
			runDirectLineJS(t, node, mode)
		})
	}
}

func runDirectLineJS(t *testing.T, node, mode string) {
	st := newStack(t)
	alex := st.agent(t, "a_alex", "Alex")
	ctx, cancel := context.WithTimeout(context.Background(), 55*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, "client.mjs", st.URL, secret)
	cmd.Dir = jsDir
	cmd.Env = append(os.Environ(), "DL_MODE="+mode, "DL_TIMEOUT_MS=50000")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var sum *jsSummary
	lines := bufio.NewScanner(stdout)
	lines.Buffer(make([]byte, 0, 64<<10), 4<<20)
	for lines.Scan() {
		var line struct {
			Ready   string     `json:"ready"`
			Summary *jsSummary `json:"summary"`
		}
		if err := json.Unmarshal(lines.Bytes(), &line); err != nil {
			t.Errorf("client printed %q", lines.Text())
			continue
		}
		if line.Ready != "" {
			// The handoff is acknowledged: an agent takes over and writes.
			st.takeOver(t, alex, line.Ready, "Hi, this is Alex.")
		}
		if line.Summary != nil {
			sum = line.Summary
		}
	}
	if err := cmd.Wait(); err != nil {
		t.Fatalf("client.mjs: %v\n%s", err, stderr.String())
	}
	if sum == nil {
		t.Fatalf("client.mjs printed no summary\n%s", stderr.String())
	}
	if testing.Verbose() {
		b, _ := json.MarshalIndent(sum, "", "  ")
		t.Logf("%s", b)
	}
	t.Logf("directlinejs saw %d activities on %d sockets; statuses %v", len(sum.Activities), sum.Sockets, sum.Statuses)

	webSocket := mode != "polling"
	wantPosts, wantSockets := 4, 2 // hello, tap, typing, a person; the dropped socket and its successor
	if !webSocket {
		wantPosts, wantSockets = 3, 0 // no typing: it is echoed on the stream only
	}
	if len(sum.PostIDs) != wantPosts {
		t.Fatalf("postActivity ids %v, want %d", sum.PostIDs, wantPosts)
	}
	for _, id := range sum.PostIDs {
		if !strings.HasPrefix(id, sum.ConversationID+"|") {
			t.Errorf("postActivity id %q is not of conversation %s", id, sum.ConversationID)
		}
	}
	if !slices.Contains(sum.Statuses, "Online") || slices.Contains(sum.Statuses, "FailedToConnect") || slices.Contains(sum.Statuses, "ExpiredToken") {
		t.Errorf("connection statuses %v", sum.Statuses)
	}
	// The client drops its socket once; the server never closes one (the
	// client's empty pings must not upset it).
	if sum.Sockets != wantSockets {
		t.Errorf("directlinejs opened %d sockets, want %d", sum.Sockets, wantSockets)
	}

	find := func(what string, match func(a jsActivity) bool) jsActivity {
		t.Helper()
		for _, a := range sum.Activities {
			if match(a) {
				return a
			}
		}
		t.Errorf("no %s among %+v", what, sum.Activities)
		return jsActivity{}
	}
	wantUser := "dl_node-user"
	if mode == "secret" {
		wantUser = "user" // directlinejs names no user when it starts with a secret
	}
	hello := find("echo of hello", func(a jsActivity) bool { return a.ClientActivityID == "node-1" })
	if hello.ID != sum.PostIDs[0] || hello.Role != "user" || hello.Text != "hello" || hello.FromID != wantUser {
		t.Errorf("echo of hello %+v, want id %s from %s", hello, sum.PostIDs[0], wantUser)
	}
	greeting := find("bot greeting", func(a jsActivity) bool { return a.Role == "bot" && a.Text == "Hi! What can I do for you?" })
	if len(greeting.Actions) != 1 || greeting.Actions[0].Type != "postBack" || greeting.Actions[0].Title != "Shipping times" || greeting.Actions[0].Value != "shipping" {
		t.Errorf("greeting's suggested actions %+v", greeting.Actions)
	}
	if tap := find("echo of the tap", func(a jsActivity) bool { return a.ClientActivityID == "node-2" }); tap.Text != "Shipping times" || tap.ID != sum.PostIDs[1] {
		t.Errorf("echo of the tap %+v", tap)
	}
	find("shipping answer", func(a jsActivity) bool { return a.Role == "bot" && a.Text == "We ship within one business day." })
	if webSocket {
		if typing := find("typing echo", func(a jsActivity) bool { return a.ClientActivityID == "node-typing" }); typing.Type != "typing" || typing.ID != sum.PostIDs[2] {
			t.Errorf("typing echo %+v", typing)
		}
	}
	find("handoff acknowledgement", func(a jsActivity) bool { return a.FromID == "baton" && strings.Contains(a.Text, "Support") })
	find("Alex joining", func(a jsActivity) bool { return a.FromID == "baton" && strings.Contains(a.Text, "Alex") })
	agent := find("agent's message", func(a jsActivity) bool { return a.Text == "Hi, this is Alex." })
	if agent.Role != "bot" || agent.Name != "Alex" || agent.FromID != "agent:a_alex" {
		t.Errorf("agent's message %+v", agent)
	}
}
