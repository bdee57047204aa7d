package api_test

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"github.com/coder/websocket/wsjson"
)

// BenchmarkInboxFanout is one customer message reaching every agent whose
// inbox is open: 50 agents of the department follow /api/v1/stream, and an
// operation ends when all 50 have the message frame. The whole stack is
// real: HTTP, the engine, a SQLite file with fsync, the hub, WebSockets.
func BenchmarkInboxFanout(b *testing.B) {
	const agents = 50
	ts := newTestServer(b)
	tokens := make([]string, agents)
	for i := range tokens {
		tokens[i] = ts.signedInAgent(b, fmt.Sprintf("Agent %d", i), "support").Token
	}
	c := ts.queuedConversation(b)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()

	var got sync.WaitGroup
	want := make([]chan string, agents)
	for i, tok := range tokens {
		conn := ts.dial(b, ctx, "/api/v1/stream", tok)
		want[i] = make(chan string, 1)
		go func(i int) {
			for text := range want[i] {
				for {
					var f frame
					if err := wsjson.Read(ctx, conn, &f); err != nil {
						return
					}
					if f.Message != nil && f.Message.Text == text {
						got.Done()
						break
					}
				}
			}
		}(i)
	}
	n := 0
	for b.Loop() {
		n++
		text := fmt.Sprintf("still there? %d", n)
		got.Add(agents)
		for _, w := range want {
			w <- text
		}
		ts.postMessage(b, c.ID, c.CustomerToken, text)
		got.Wait()
	}
	b.ReportMetric(agents, "agents")
}
