package directline_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/batonhq/baton"
	"github.com/batonhq/baton/directline"
	"github.com/coder/websocket"
)

// streamTimeout bounds every stream test, so a missing frame fails the
// test instead of hanging it.
const streamTimeout = 20 * time.Second

// startStream starts the conversation (or reconnects from a watermark) and
// dials the streamUrl it gets, as directlinejs does: no header, the token
// in the URL.
func (st *stack) startStream(tb testing.TB, ctx context.Context, c conversation, wm string) *websocket.Conn {
	tb.Helper()
	var got conversation
	if wm == "" {
		st.request(tb, "POST", "/conversations", c.Token, nil).want(tb, http.StatusCreated, &got)
	} else {
		st.request(tb, "GET", "/conversations/"+c.ConversationID+"?watermark="+wm, c.Token, nil).want(tb, http.StatusOK, &got)
	}
	conn, resp, err := websocket.Dial(ctx, got.StreamURL, nil)
	if err != nil {
		tb.Fatalf("dial %s: %v (%v)", got.StreamURL, err, resp)
	}
	conn.SetReadLimit(1 << 20)
	tb.Cleanup(func() { conn.CloseNow() })
	return conn
}

// readFrame reads one stream message; empty reports a keep-alive.
func readFrame(tb testing.TB, ctx context.Context, conn *websocket.Conn) (set activitySet, empty bool) {
	tb.Helper()
	_, b, err := conn.Read(ctx)
	if err != nil {
		tb.Fatalf("read stream: %v", err)
	}
	if len(b) == 0 {
		return set, true
	}
	if err := json.Unmarshal(b, &set); err != nil {
		tb.Fatalf("frame %s: %v", b, err)
	}
	if set.Activities == nil || set.Watermark == "" {
		tb.Fatalf("frame %s lacks activities or watermark", b)
	}
	return set, false
}

// collector reads a stream's activities, failing on any id seen twice.
type collector struct {
	conn *websocket.Conn
	seen map[string]bool
	all  []activity
}

func (c *collector) until(tb testing.TB, ctx context.Context, done func(a activity) bool) []activity {
	tb.Helper()
	var got []activity
	for {
		set, empty := readFrame(tb, ctx, c.conn)
		if empty {
			continue
		}
		for _, a := range set.Activities {
			if c.seen[a.ID] {
				tb.Fatalf("activity %s (%q) sent twice", a.ID, a.Text)
			}
			c.seen[a.ID] = true
			c.all = append(c.all, a)
			got = append(got, a)
			if done(a) {
				return got
			}
		}
	}
}

func TestStreamReplaysAndFollows(t *testing.T) {
	st := newStack(t)
	ctx, cancel := context.WithTimeout(context.Background(), streamTimeout)
	defer cancel()
	alex := st.agent(t, "a_alex", "Alex")
	c := st.generate(t, "dl_dana")
	st.say(t, c, "hello", "m1")         // 2, answer 3
	st.say(t, c, "delivery time", "m2") // 4, answer 5

	conn := st.startStream(t, ctx, c, "3")
	col := &collector{conn: conn, seen: map[string]bool{}}
	replay, _ := readFrame(t, ctx, conn)
	if len(replay.Activities) != 2 || replay.Activities[0].Text != "delivery time" || replay.Watermark != "5" {
		t.Fatalf("replay from 3: %v, watermark %q", texts(replay.Activities), replay.Watermark)
	}
	for _, a := range replay.Activities {
		col.seen[a.ID] = true
	}
	// directlinejs pings with empty messages; the stream stays up.
	if err := conn.Write(ctx, websocket.MessageText, nil); err != nil {
		t.Fatal(err)
	}

	st.say(t, c, "I want to talk to a human", "m3")
	queued := col.until(t, ctx, func(a activity) bool { return a.ChannelData.Baton.Event == baton.EventQueued })
	if queued[0].Text != "I want to talk to a human" || queued[0].ChannelData.ClientActivityID != "m3" || queued[0].From.Role != "user" {
		t.Errorf("the live echo is %+v", queued[0])
	}
	st.takeOver(t, alex, c.ConversationID, "Hi, Alex here.")
	live := col.until(t, ctx, func(a activity) bool { return a.Text == "Hi, Alex here." })
	agentMsg := live[len(live)-1]
	if agentMsg.From.ID != "agent:a_alex" || agentMsg.From.Name != "Alex" || agentMsg.From.Role != "bot" {
		t.Errorf("agent's message from %+v", agentMsg.From)
	}
	joined := false
	for _, a := range live {
		if a.From.ID == "baton" && strings.Contains(a.Text, "Alex") {
			joined = true
		}
	}
	if !joined {
		t.Errorf("no system message that Alex joined in %v", texts(live))
	}
	var prev int64 = 3
	var prevAt time.Time
	for _, a := range col.all {
		at, err := time.Parse(time.RFC3339Nano, a.Timestamp)
		if err != nil || a.ChannelData.Baton.Seq <= prev || !at.After(prevAt) {
			t.Errorf("seq %d at %s after %d at %s (%v): %v", a.ChannelData.Baton.Seq, a.Timestamp, prev, prevAt, err, texts(col.all))
		}
		prev, prevAt = a.ChannelData.Baton.Seq, at
	}
	// Live and polled, an activity is the same.
	polled := map[string]activity{}
	for _, a := range st.activities(t, c, "0").Activities {
		polled[a.ID] = a
	}
	for _, a := range col.all {
		if p := polled[a.ID]; p.Timestamp != a.Timestamp || p.Text != a.Text || p.From != a.From {
			t.Errorf("live %+v, polled %+v", a, p)
		}
	}

	// A reconnect from the last watermark replays nothing the client has.
	conn2 := st.startStream(t, ctx, c, "0")
	all, _ := readFrame(t, ctx, conn2)
	if n := len(all.Activities); n != len(col.all)+4 || all.Watermark != watermarkOf(col.all) {
		t.Errorf("replay from 0 has %d activities (watermark %s), want %d (%s)", n, all.Watermark, len(col.all)+4, watermarkOf(col.all))
	}
}

func watermarkOf(acts []activity) string {
	b, _ := json.Marshal(acts[len(acts)-1].ChannelData.Baton.Seq)
	return string(b)
}

func TestStreamKeepAliveAndShutdown(t *testing.T) {
	st := newStack(t, func(s *directline.Server) { s.KeepAlive = 20 * time.Millisecond })
	ctx, cancel := context.WithTimeout(context.Background(), streamTimeout)
	defer cancel()
	c := st.generate(t, "u")
	conn := st.startStream(t, ctx, c, "")
	if _, empty := readFrame(t, ctx, conn); !empty {
		t.Fatal("an idle new conversation's first frame is not a keep-alive")
	}
	close(st.Closing)
	for {
		_, _, err := conn.Read(ctx)
		if err == nil {
			continue // keep-alives sent before the close
		}
		if websocket.CloseStatus(err) != websocket.StatusGoingAway {
			t.Errorf("stream ended with %v, want going away", err)
		}
		return
	}
}

func TestStreamEchoesTyping(t *testing.T) {
	st := newStack(t)
	ctx, cancel := context.WithTimeout(context.Background(), streamTimeout)
	defer cancel()
	c := st.generate(t, "u-1")
	conn := st.startStream(t, ctx, c, "")
	id := st.post(t, c, map[string]any{"type": "typing", "channelData": map[string]string{"clientActivityID": "t1"}})
	set, _ := readFrame(t, ctx, conn)
	if len(set.Activities) != 1 {
		t.Fatalf("frame %+v", set)
	}
	if a := set.Activities[0]; a.Type != "typing" || a.ID != id || a.ChannelData.ClientActivityID != "t1" || a.From.ID != "u-1" || a.From.Role != "user" {
		t.Errorf("typing echo %+v", a)
	}
}

func TestStreamAuth(t *testing.T) {
	st := newStack(t)
	ctx, cancel := context.WithTimeout(context.Background(), streamTimeout)
	defer cancel()
	mine, other := st.generate(t, "a"), st.generate(t, "b")
	ws := "ws" + strings.TrimPrefix(st.URL, "http") + "/v3/directline/conversations/"
	dial := func(url, header string) int {
		t.Helper()
		opts := &websocket.DialOptions{HTTPHeader: http.Header{}}
		if header != "" {
			opts.HTTPHeader.Set("Authorization", "Bearer "+header)
		}
		conn, resp, err := websocket.Dial(ctx, url, opts)
		if err == nil {
			conn.CloseNow()
			return http.StatusSwitchingProtocols
		}
		if resp == nil {
			t.Fatalf("dial %s: %v", url, err)
		}
		return resp.StatusCode
	}
	for _, tt := range []struct {
		name, url, header string
		want              int
	}{
		{"no token", ws + mine.ConversationID + "/stream", "", http.StatusUnauthorized},
		{"conversation token in the URL", ws + mine.ConversationID + "/stream?t=" + mine.Token, "", http.StatusSwitchingProtocols},
		{"token in the header", ws + mine.ConversationID + "/stream", mine.Token, http.StatusSwitchingProtocols},
		{"another conversation", ws + other.ConversationID + "/stream?t=" + mine.Token, "", http.StatusForbidden},
		{"secret in the header", ws + other.ConversationID + "/stream", secret, http.StatusSwitchingProtocols},
		{"secret in the URL", ws + other.ConversationID + "/stream?t=" + secret, "", http.StatusUnauthorized},
		{"bad watermark", ws + mine.ConversationID + "/stream?watermark=x&t=" + mine.Token, "", http.StatusBadRequest},
	} {
		if got := dial(tt.url, tt.header); got != tt.want {
			t.Errorf("%s: status %d, want %d", tt.name, got, tt.want)
		}
	}
	// A streamUrl is to be opened within a minute.
	var started conversation
	st.request(t, "POST", "/conversations", mine.Token, nil).want(t, http.StatusCreated, &started)
	st.Clock.Advance(2 * time.Minute)
	if got := dial(started.StreamURL, ""); got != http.StatusForbidden {
		t.Errorf("stale streamUrl: status %d, want 403", got)
	}
}
