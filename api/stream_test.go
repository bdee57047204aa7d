package api_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/coder/websocket/wsjson"
)

// frame is one message of a WebSocket stream, as a client reads it.
type frame struct {
	Type           string            `json:"type"`
	ConversationID string            `json:"conversation_id"`
	Message        *messageResp      `json:"message"`
	Conversation   *conversationResp `json:"conversation"`
	Agent          *agentResp        `json:"agent"`
}

// streamTimeout bounds every stream test, so a missing frame fails the
// test instead of hanging it.
const streamTimeout = 20 * time.Second

// wsURL is the WebSocket address of an API path.
func (ts *testServer) wsURL(path string) string {
	return "ws" + strings.TrimPrefix(ts.URL, "http") + path
}

// dial opens a stream, sending token (if any) in the Authorization header.
func (ts *testServer) dial(tb testing.TB, ctx context.Context, path, token string) *websocket.Conn {
	tb.Helper()
	conn, resp, err := ts.dialRaw(ctx, path, token)
	if err != nil {
		status, body := 0, ""
		if resp != nil {
			status = resp.StatusCode
			b, _ := io.ReadAll(resp.Body)
			body = string(b)
		}
		tb.Fatalf("dial %s: %v (status %d %s)", path, err, status, body)
	}
	conn.SetReadLimit(1 << 20)
	tb.Cleanup(func() { conn.CloseNow() })
	return conn
}

func (ts *testServer) dialRaw(ctx context.Context, path, token string) (*websocket.Conn, *http.Response, error) {
	opts := &websocket.DialOptions{HTTPHeader: http.Header{}}
	if token != "" {
		opts.HTTPHeader.Set("Authorization", "Bearer "+token)
	}
	return websocket.Dial(ctx, ts.wsURL(path), opts)
}

// readUntil reads frames until done returns true for one, and returns all
// frames read. It fails the test if the stream ends or ctx expires first.
func readUntil(tb testing.TB, ctx context.Context, conn *websocket.Conn, done func(frame) bool) []frame {
	tb.Helper()
	var frames []frame
	for {
		var f frame
		if err := wsjson.Read(ctx, conn, &f); err != nil {
			tb.Fatalf("read stream: %v; frames so far: %s", err, describe(frames))
		}
		frames = append(frames, f)
		if done(f) {
			return frames
		}
	}
}

func describe(frames []frame) string {
	var b strings.Builder
	for _, f := range frames {
		switch {
		case f.Message != nil:
			fmt.Fprintf(&b, "\n  %s %s #%d %s %q private=%v", f.Type, f.ConversationID, f.Message.Seq, f.Message.Author, f.Message.Text, f.Message.Private)
		case f.Conversation != nil:
			fmt.Fprintf(&b, "\n  %s %s mode=%s dept=%s assignee=%q", f.Type, f.ConversationID, f.Conversation.Mode, f.Conversation.Department, f.Conversation.Assignee)
		case f.Agent != nil:
			fmt.Fprintf(&b, "\n  %s %s status=%s", f.Type, f.Agent.ID, f.Agent.Status)
		default:
			fmt.Fprintf(&b, "\n  %s (empty)", f.Type)
		}
	}
	return b.String()
}

func isMessage(convID string, seq int64) func(frame) bool {
	return func(f frame) bool { return f.Message != nil && f.ConversationID == convID && f.Message.Seq == seq }
}

// visibleAfter returns the seqs of the entries the customer may see after seq.
func visibleAfter(msgs []messageResp, after int64) []int64 {
	var out []int64
	for _, m := range msgs {
		if m.Seq > after && !m.Private {
			out = append(out, m.Seq)
		}
	}
	return out
}

// TestCustomerStream follows a conversation from a seq while it keeps
// changing: the replay and the live entries join up in seq order, with no
// duplicates, no gaps and no private entries.
func TestCustomerStream(t *testing.T) {
	ts := newTestServer(t)
	agent := ts.signedInAgent(t, "Ana", "support")
	c := ts.createConversation(t)
	ts.postMessage(t, c.ID, c.CustomerToken, "shipping")
	ts.postMessage(t, c.ID, agent.Token, map[string]any{"text": "note before the stream", "private": true})
	ts.postMessage(t, c.ID, c.CustomerToken, "something odd")
	const after = 3 // the stream starts after the bot's first answer

	ctx, cancel := context.WithTimeout(context.Background(), streamTimeout)
	defer cancel()

	// Keep writing while the stream connects and replays.
	var wg sync.WaitGroup
	wg.Go(func() {
		for i := range 10 {
			if r, err := ts.send("POST", "/api/v1/conversations/"+c.ID+"/messages", c.CustomerToken,
				map[string]string{"text": fmt.Sprintf("question %d", i)}); err != nil || r.Status != http.StatusCreated {
				t.Errorf("question %d: %v %d %s", i, err, r.Status, r.Body)
			}
			if i%3 == 0 {
				if r, err := ts.send("POST", "/api/v1/conversations/"+c.ID+"/messages", agent.Token,
					map[string]any{"text": fmt.Sprintf("secret note %d", i), "private": true}); err != nil || r.Status != http.StatusCreated {
					t.Errorf("note %d: %v %d %s", i, err, r.Status, r.Body)
				}
			}
		}
	})
	conn := ts.dial(t, ctx, fmt.Sprintf("/api/v1/conversations/%s/stream?after=%d", c.ID, after), c.CustomerToken)
	wg.Wait()
	// Surely live: the agent takes over, notes, and the customer answers.
	ts.postMessage(t, c.ID, agent.Token, "Ana here, I'll take it from here.")
	ts.postMessage(t, c.ID, agent.Token, map[string]any{"text": "secret note, live", "private": true})
	last := ts.postMessage(t, c.ID, c.CustomerToken, "thanks")

	timeline := ts.messages(t, c.ID, adminToken, 0).Messages
	want := visibleAfter(timeline, after)
	frames := readUntil(t, ctx, conn, isMessage(c.ID, last.Seq))

	var got []int64
	byseq := map[int64]messageResp{}
	for _, m := range timeline {
		byseq[m.Seq] = m
	}
	sawAgentMode := false
	for _, f := range frames {
		if f.ConversationID != c.ID {
			t.Errorf("frame of another conversation: %+v", f)
		}
		switch f.Type {
		case "message":
			if f.Message == nil {
				t.Fatalf("message frame without a message")
			}
			if f.Message.Private || f.Message.Text != byseq[f.Message.Seq].Text || f.Message.Author != byseq[f.Message.Seq].Author {
				t.Errorf("frame message %+v, stored %+v", *f.Message, byseq[f.Message.Seq])
			}
			got = append(got, f.Message.Seq)
		case "conversation":
			if f.Conversation == nil {
				t.Fatalf("conversation frame without a conversation")
			}
			if h := f.Conversation.Handoff; h != nil {
				t.Errorf("the customer's stream shows the internal handoff: %+v", *h)
			}
			sawAgentMode = sawAgentMode || f.Conversation.Mode == "agent"
		default:
			t.Errorf("unexpected frame type %q on a customer stream", f.Type)
		}
	}
	if !slices.Equal(got, want) {
		t.Errorf("stream delivered seqs\n%v, want\n%v%s", got, want, describe(frames))
	}
	if !sawAgentMode {
		t.Errorf("no conversation frame for the change to agent mode:%s", describe(frames))
	}
}

// TestCustomerStreamAccessToken opens the customer's stream the way a
// browser must, with the token in the query.
func TestCustomerStreamAccessToken(t *testing.T) {
	ts := newTestServer(t)
	c := ts.createConversation(t)
	first := ts.postMessage(t, c.ID, c.CustomerToken, "shipping")

	ctx, cancel := context.WithTimeout(context.Background(), streamTimeout)
	defer cancel()
	conn := ts.dial(t, ctx, "/api/v1/conversations/"+c.ID+"/stream?access_token="+url.QueryEscape(c.CustomerToken), "")

	// Replay from the start (the private creation event left out), then the state.
	frames := readUntil(t, ctx, conn, func(f frame) bool { return f.Type == "conversation" })
	var got []int64
	for _, f := range frames {
		if f.Message != nil {
			got = append(got, f.Message.Seq)
		}
	}
	if want := []int64{first.Seq, first.Seq + 1}; !slices.Equal(got, want) {
		t.Errorf("replayed seqs %v, want %v (the message and the bot's answer)%s", got, want, describe(frames))
	}
	if f := frames[len(frames)-1]; f.Conversation.ID != c.ID || f.Conversation.Mode != "bot" {
		t.Errorf("state frame %+v", f.Conversation)
	}
	m := ts.postMessage(t, c.ID, c.CustomerToken, "delivery time")
	frames = readUntil(t, ctx, conn, isMessage(c.ID, m.Seq+1))
	if f := frames[0]; f.Message == nil || f.Message.Seq != m.Seq || f.Message.Text != "delivery time" {
		t.Errorf("first live frame %s, want the customer's message #%d", describe(frames[:1]), m.Seq)
	}
}

// TestStreamRefused checks that a stream refused before the upgrade
// answers with the API's error shape.
func TestStreamRefused(t *testing.T) {
	ts := newTestServer(t)
	ts.signedInAgent(t, "Ana", "support")
	billing := ts.signedInAgent(t, "Bo", "billing")
	a := ts.createConversation(t)
	b := ts.queuedConversation(t)
	stream := func(id string) string { return "/api/v1/conversations/" + id + "/stream" }

	tests := []struct {
		name, path, token string
		status            int
		code              string
	}{
		{"no token", stream(a.ID), "", 401, "unauthorized"},
		{"garbage token", stream(a.ID), "garbage", 401, "unauthorized"},
		{"garbage access_token", stream(a.ID) + "?access_token=garbage", "", 401, "unauthorized"},
		{"other conversation's token", stream(b.ID), a.CustomerToken, 403, "forbidden"},
		{"other conversation's access_token", stream(b.ID) + "?access_token=" + a.CustomerToken, "", 403, "forbidden"},
		{"agent of another department", stream(b.ID), billing.Token, 403, "forbidden"},
		{"unknown conversation", stream("c_nope"), adminToken, 404, "not_found"},
		{"negative after", stream(a.ID) + "?after=-2", a.CustomerToken, 400, "invalid"},
		{"customer on the agent stream", "/api/v1/stream", a.CustomerToken, 403, "forbidden"},
		{"agent stream without token", "/api/v1/stream", "", 401, "unauthorized"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), streamTimeout)
			defer cancel()
			conn, resp, err := ts.dialRaw(ctx, tt.path, tt.token)
			if err == nil {
				conn.CloseNow()
				t.Fatalf("dial succeeded, want %d", tt.status)
			}
			if resp == nil {
				t.Fatalf("dial failed without a response: %v", err)
			}
			body, _ := io.ReadAll(resp.Body)
			response{Status: resp.StatusCode, Header: resp.Header, Body: body}.wantError(t, tt.status, tt.code)
		})
	}
}

// TestAgentStream follows an agent's departments: new messages after a
// handoff and changes of mode, and nothing of other departments.
func TestAgentStream(t *testing.T) {
	ts := newTestServer(t)
	ana := ts.signedInAgent(t, "Ana", "support")
	bo := ts.signedInAgent(t, "Bo", "billing")
	ctx, cancel := context.WithTimeout(context.Background(), streamTimeout)
	defer cancel()
	anaStream := ts.dial(t, ctx, "/api/v1/stream", ana.Token)
	boStream := ts.dial(t, ctx, "/api/v1/stream?access_token="+url.QueryEscape(bo.Token), "")

	c := ts.createConversation(t)
	ts.postMessage(t, c.ID, c.CustomerToken, "shipping")
	ask := ts.postMessage(t, c.ID, c.CustomerToken, "can I talk to a human")
	if got := ts.conversation(t, c.ID, adminToken); got.Mode != "queued" || got.Department != "support" {
		t.Fatalf("after asking for a person: %s/%s", got.Mode, got.Department)
	}
	m := ts.postMessage(t, c.ID, c.CustomerToken, "hello? anyone there?")

	frames := readUntil(t, ctx, anaStream, isMessage(c.ID, m.Seq))
	var queued, asked bool
	for _, f := range frames {
		if f.Type == "conversation" && f.ConversationID == c.ID && f.Conversation.Mode == "queued" {
			queued = true
			if f.Conversation.Handoff == nil || f.Conversation.Handoff.Trigger != "text" {
				t.Errorf("the agent's frame lacks the handoff: %+v", f.Conversation)
			}
		}
		if f.Type == "message" && f.Message.Seq == ask.Seq {
			asked = true
		}
	}
	if !queued {
		t.Errorf("no conversation frame for the change to queued:%s", describe(frames))
	}
	if !asked {
		t.Errorf("no message frame for the customer's request for a person:%s", describe(frames))
	}
	if f := frames[len(frames)-1]; f.Type != "message" || f.Message.Author != "customer" || f.Message.Text != "hello? anyone there?" {
		t.Errorf("last frame %s, want the customer's message", describe(frames[len(frames)-1:]))
	}

	ts.request(t, "POST", "/api/v1/conversations/"+c.ID+"/claim", ana.Token, nil).want(t, http.StatusOK, nil)
	frames = readUntil(t, ctx, anaStream, func(f frame) bool {
		return f.Type == "conversation" && f.ConversationID == c.ID && f.Conversation.Mode == "agent"
	})
	if f := frames[len(frames)-1]; f.Conversation.Assignee != ana.ID {
		t.Errorf("after the claim the assignee is %q, want %s", f.Conversation.Assignee, ana.ID)
	}

	// Bo, of billing, heard nothing of it. Agents' status changes reach
	// every agent, so one marks the end of what Bo's stream carried.
	ts.request(t, "PUT", "/api/v1/agents/"+bo.ID+"/status", adminToken, map[string]string{"status": "online"}).want(t, http.StatusOK, nil)
	frames = readUntil(t, ctx, boStream, func(f frame) bool { return f.Type == "agent" && f.Agent.ID == bo.ID && f.Agent.Status == "online" })
	for _, f := range frames {
		if f.ConversationID == c.ID {
			t.Errorf("billing's agent got a frame of a support conversation:%s", describe([]frame{f}))
		}
	}
}

// TestAgentStreamConversationLeaves: an agent whose conversation is taken
// away (transferred to another department by an administrator) must hear of
// it, or their inbox goes on showing it as theirs.
func TestAgentStreamConversationLeaves(t *testing.T) {
	ts := newTestServer(t)
	ana := ts.signedInAgent(t, "Ana", "support")
	bo := ts.signedInAgent(t, "Bo", "billing")
	c := ts.queuedConversation(t)
	ts.request(t, "POST", "/api/v1/conversations/"+c.ID+"/claim", ana.Token, nil).want(t, http.StatusOK, nil)

	ctx, cancel := context.WithTimeout(context.Background(), streamTimeout)
	defer cancel()
	conn := ts.dial(t, ctx, "/api/v1/stream", ana.Token)
	ts.request(t, "POST", "/api/v1/conversations/"+c.ID+"/transfer", adminToken, map[string]string{"department": "billing"}).
		want(t, http.StatusOK, nil)
	// A status change reaches every agent after the transfer's frames.
	ts.request(t, "PUT", "/api/v1/agents/"+bo.ID+"/status", adminToken, map[string]string{"status": "away"}).want(t, http.StatusOK, nil)
	frames := readUntil(t, ctx, conn, func(f frame) bool { return f.Type == "agent" && f.Agent.ID == bo.ID })
	for _, f := range frames {
		if f.Type == "conversation" && f.ConversationID == c.ID && f.Conversation.Assignee == "" && f.Conversation.Department == "billing" {
			return
		}
	}
	t.Errorf("the agent who held the conversation got no frame of its transfer:%s", describe(frames))
}

// An agent following a conversation that is transferred out of their
// departments stops receiving it: the stream closes with 1008.
func TestConversationStreamEndsWhenAccessEnds(t *testing.T) {
	ts := newTestServer(t)
	ana := ts.signedInAgent(t, "Ana", "support")
	c := ts.createConversation(t)
	ts.request(t, "POST", "/api/v1/conversations/"+c.ID+"/handoff", adminToken, map[string]string{"department": "support"}).
		want(t, http.StatusOK, nil)

	ctx, cancel := context.WithTimeout(context.Background(), streamTimeout)
	defer cancel()
	conn := ts.dial(t, ctx, "/api/v1/conversations/"+c.ID+"/stream", ana.Token)
	readUntil(t, ctx, conn, func(f frame) bool { return f.Type == "conversation" })

	ts.request(t, "POST", "/api/v1/conversations/"+c.ID+"/transfer", adminToken, map[string]string{"department": "billing"}).
		want(t, http.StatusOK, nil)
	for {
		var f frame
		err := wsjson.Read(ctx, conn, &f)
		if err == nil {
			if f.Conversation != nil && f.Conversation.Department == "billing" || f.Message != nil && f.Message.Event == "transferred" {
				t.Fatalf("the stream sent the transferred conversation to an agent outside billing: %+v", f)
			}
			continue
		}
		if status := websocket.CloseStatus(err); status != websocket.StatusPolicyViolation {
			t.Fatalf("stream ended with %v (status %d), want 1008", err, status)
		}
		return
	}
}

// An agent given a new department while connected sees that department's
// handoffs on the stream they already have open.
func TestAgentStreamFollowsDepartmentChanges(t *testing.T) {
	ts := newTestServer(t)
	bo := ts.signedInAgent(t, "Bo", "billing")
	ts.signedInAgent(t, "Ana", "support") // keeps support staffed
	ctx, cancel := context.WithTimeout(context.Background(), streamTimeout)
	defer cancel()
	stream := ts.dial(t, ctx, "/api/v1/stream", bo.Token)
	ts.request(t, "PATCH", "/api/v1/agents/"+bo.ID, adminToken, map[string]any{"departments": []string{"billing", "support"}}).
		want(t, http.StatusOK, nil)
	c := ts.createConversation(t)
	ts.request(t, "POST", "/api/v1/conversations/"+c.ID+"/handoff", adminToken, map[string]string{"department": "support"}).
		want(t, http.StatusOK, nil)
	readUntil(t, ctx, stream, func(f frame) bool {
		return f.Type == "conversation" && f.Conversation != nil && f.Conversation.ID == c.ID && f.Conversation.Mode == "queued"
	})
}
