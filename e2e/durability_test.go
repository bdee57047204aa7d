package e2e_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// ack is a customer message the server acknowledged with a 2xx.
type ack struct {
	conv     int // index into the conversations
	clientID string
	text     string
	seq      int64
}

// TestKillDuringWritesLosesNothing kills the server with SIGKILL while
// hundreds of clients post messages, restarts it on the same data and checks
// that every acknowledged message is there, once, under the seq it was
// acknowledged with, and that client message ids still deduplicate.
func TestKillDuringWritesLosesNothing(t *testing.T) {
	writeStopRestart(t, false)
}

// TestStopDuringWritesLosesNothing is the same with SIGTERM: the server
// answers what it is working on, exits cleanly, and loses nothing.
func TestStopDuringWritesLosesNothing(t *testing.T) {
	writeStopRestart(t, true)
}

// writeStopRestart runs many clients posting customer messages, ends the
// server while they are at it (SIGTERM if graceful, else SIGKILL),
// restarts it on the same data and checks the timelines against what was
// acknowledged.
func writeStopRestart(t *testing.T, graceful bool) {
	const (
		conversations = 300
		clients       = 256  // each with one request in flight: hundreds at the kill
		killAfter     = 3000 // acknowledged messages before the kill
		maxPerClient  = 500  // bounds the load if the kill never comes
	)
	dir := t.TempDir()
	s := start(t, dir)

	convs := make([]conversation, conversations)
	for i := range convs {
		convs[i] = s.createConversation(t, fmt.Sprintf("Customer %d", i))
	}

	var (
		next, acked, inFlight atomic.Int64
		killed                atomic.Bool
		mu                    sync.Mutex
		acks, unanswered      []ack
		sentTo                = map[string]int{} // client message id → conversation index
		problems              []string
		wg                    sync.WaitGroup
	)
	problem := func(format string, args ...any) {
		mu.Lock()
		defer mu.Unlock()
		if len(problems) < 20 {
			problems = append(problems, fmt.Sprintf(format, args...))
		}
	}
	for w := 0; w < clients; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for k := 0; k < maxPerClient && !killed.Load(); k++ {
				n := next.Add(1)
				ci := (w + k) % conversations
				c := convs[ci]
				a := ack{conv: ci, clientID: fmt.Sprintf("cm-%d", n), text: fmt.Sprintf("msg-%d", n)}
				mu.Lock()
				sentTo[a.clientID] = ci
				mu.Unlock()
				inFlight.Add(1)
				status, body, err := s.call("POST", "/api/v1/conversations/"+c.ID+"/messages", c.CustomerToken,
					map[string]string{"text": a.text, "client_message_id": a.clientID})
				inFlight.Add(-1)
				switch {
				case err != nil && killed.Load():
					// No answer: the client cannot know whether it was stored.
					mu.Lock()
					unanswered = append(unanswered, a)
					mu.Unlock()
					return
				case err != nil:
					problem("%s before the kill: %v", a.clientID, err)
					return
				case status == http.StatusServiceUnavailable:
					// Overloaded: refused, not acknowledged. Allowed.
					continue
				case status/100 != 2:
					problem("%s: status %d: %s", a.clientID, status, body)
					continue
				}
				var m message
				if err := json.Unmarshal(body, &m); err != nil {
					problem("%s: decode %s: %v", a.clientID, body, err)
					continue
				}
				if m.ConversationID != c.ID || m.ClientMessageID != a.clientID || m.Text != a.text || m.Author != "customer" || m.Seq <= 0 {
					problem("%s: acknowledged as %+v", a.clientID, m)
					continue
				}
				a.seq = m.Seq
				mu.Lock()
				acks = append(acks, a)
				mu.Unlock()
				acked.Add(1)
			}
		}(w)
	}

	// Kill once enough is acknowledged, while the clients keep writing.
	allDone := make(chan struct{})
	go func() { wg.Wait(); close(allDone) }()
	deadline := time.After(30 * time.Second)
	tick := time.NewTicker(2 * time.Millisecond)
wait:
	for acked.Load() < killAfter {
		select {
		case <-allDone:
			break wait
		case <-deadline:
			break wait
		case <-tick.C:
		}
	}
	tick.Stop()
	atKill, inFlightAtKill := acked.Load(), inFlight.Load()
	killed.Store(true)
	if graceful {
		s.stop(t) // fails the test unless baton exits with status 0
	} else {
		s.kill()
		select {
		case <-s.done:
		default:
			t.Fatal("baton still running after SIGKILL")
		}
		if !strings.Contains(fmt.Sprint(s.waitErr), "killed") {
			t.Fatalf("baton was not killed by SIGKILL but ended with %v", s.waitErr)
		}
	}
	select {
	case <-allDone:
	case <-time.After(30 * time.Second):
		t.Fatal("clients still busy 30s after the server was stopped")
	}
	mu.Lock()
	for _, p := range problems {
		t.Error(p)
	}
	mu.Unlock()
	if atKill < killAfter {
		t.Fatalf("only %d messages acknowledged before the kill, want %d", atKill, killAfter)
	}
	t.Logf("stopped with %d acknowledged, %d in flight; %d acknowledged in all, %d requests failed by the stop",
		atKill, inFlightAtKill, len(acks), len(unanswered))

	// Restart on the same data and read everything back.
	s = start(t, dir)
	timelines := make([][]message, conversations)
	for i, c := range convs {
		tl := s.timeline(t, c.ID, testAdminToken)
		timelines[i] = tl
		checkContiguous(t, c.ID, tl)
		if got := s.conversation(t, c.ID, testAdminToken).LastSeq; got != int64(len(tl)) {
			t.Errorf("conversation %s: last_seq %d but %d timeline entries", c.ID, got, len(tl))
		}
		seen := map[string]int64{}
		for _, m := range tl {
			if m.ClientMessageID == "" {
				continue
			}
			if prev, ok := seen[m.ClientMessageID]; ok {
				t.Errorf("conversation %s: client_message_id %s at seq %d and %d", c.ID, m.ClientMessageID, prev, m.Seq)
			}
			seen[m.ClientMessageID] = m.Seq
			// Every stored message is one a client sent to this
			// conversation, unaltered.
			if ci, ok := sentTo[m.ClientMessageID]; !ok || ci != i {
				t.Errorf("conversation %s seq %d: %s was never sent to this conversation", c.ID, m.Seq, m.ClientMessageID)
			}
			if want := "msg-" + strings.TrimPrefix(m.ClientMessageID, "cm-"); m.Text != want || m.Author != "customer" {
				t.Errorf("conversation %s seq %d: %s by %s with text %q, want %q by customer", c.ID, m.Seq, m.ClientMessageID, m.Author, m.Text, want)
			}
		}
	}
	stored := 0
	for _, tl := range timelines {
		for _, m := range tl {
			if m.ClientMessageID != "" {
				stored++
			}
		}
	}
	lost := 0
	for _, a := range acks {
		tl := timelines[a.conv]
		if a.seq > int64(len(tl)) || tl[a.seq-1].Seq != a.seq {
			lost++
			if lost <= 10 {
				t.Errorf("acknowledged %s (seq %d in %s) is missing after the restart; the timeline has %d entries",
					a.clientID, a.seq, convs[a.conv].ID, len(tl))
			}
			continue
		}
		if m := tl[a.seq-1]; m.ClientMessageID != a.clientID || m.Text != a.text || m.Author != "customer" {
			lost++
			if lost <= 10 {
				t.Errorf("acknowledged %s %q at seq %d in %s, but after the restart seq %d is %s %q by %s",
					a.clientID, a.text, a.seq, convs[a.conv].ID, a.seq, m.ClientMessageID, m.Text, m.Author)
			}
		}
	}
	if lost > 0 {
		t.Fatalf("%d of %d acknowledged messages lost or changed", lost, len(acks))
	}
	t.Logf("after the restart: all %d acknowledged messages present; %d customer messages stored (%d committed without an answer reaching the client)",
		len(acks), stored, stored-len(acks))
	if graceful && stored != len(acks) {
		// A graceful stop finishes the requests it is serving; a stored
		// message whose answer never arrived means it did not.
		t.Errorf("after SIGTERM %d messages were stored but never acknowledged", stored-len(acks))
	}

	// Re-send acknowledged messages: the same seq comes back and nothing is
	// added. The last acknowledgements are the most at risk, so all of them
	// are included, plus a sample of the rest.
	resend := map[int]bool{}
	for i := range acks {
		if i%25 == 0 || i >= len(acks)-50 {
			resend[i] = true
		}
	}
	touched := map[int]bool{}
	for i := range resend {
		a := acks[i]
		c := convs[a.conv]
		touched[a.conv] = true
		var m message
		s.must(t, http.StatusCreated, "POST", "/api/v1/conversations/"+c.ID+"/messages", c.CustomerToken,
			map[string]string{"text": a.text, "client_message_id": a.clientID}, &m)
		if m.Seq != a.seq || m.ClientMessageID != a.clientID {
			t.Errorf("re-sent %s (acknowledged at seq %d): answered seq %d, client_message_id %q", a.clientID, a.seq, m.Seq, m.ClientMessageID)
		}
	}
	for ci := range touched {
		c := convs[ci]
		if n := len(s.timeline(t, c.ID, testAdminToken)); n != len(timelines[ci]) {
			t.Errorf("conversation %s: re-sending known messages grew the timeline from %d to %d entries", c.ID, len(timelines[ci]), n)
		}
		if got := s.conversation(t, c.ID, testAdminToken).LastSeq; got != int64(len(timelines[ci])) {
			t.Errorf("conversation %s: re-sending known messages moved last_seq to %d, want %d", c.ID, got, len(timelines[ci]))
		}
	}
	t.Logf("re-sent %d acknowledged messages: deduplicated", len(resend))

	// A client that got no answer retries with the same client message id:
	// if the message was stored it gets the stored seq back, else it is
	// stored now. Either way it ends up in the timeline exactly once.
	storedSeq := map[string]int64{}
	for _, tl := range timelines {
		for _, m := range tl {
			if m.ClientMessageID != "" {
				storedSeq[m.ClientMessageID] = m.Seq
			}
		}
	}
	retried := map[int]bool{}
	for _, a := range unanswered {
		c := convs[a.conv]
		retried[a.conv] = true
		var m message
		s.must(t, http.StatusCreated, "POST", "/api/v1/conversations/"+c.ID+"/messages", c.CustomerToken,
			map[string]string{"text": a.text, "client_message_id": a.clientID}, &m)
		if seq, ok := storedSeq[a.clientID]; ok && m.Seq != seq {
			t.Errorf("retried %s, stored before the restart at seq %d: answered seq %d", a.clientID, seq, m.Seq)
		} else if !ok && m.Seq <= int64(len(timelines[a.conv])) {
			t.Errorf("retried %s, not stored before the restart: answered seq %d, but the timeline already had %d entries",
				a.clientID, m.Seq, len(timelines[a.conv]))
		}
	}
	for ci := range retried {
		c := convs[ci]
		tl := s.timeline(t, c.ID, testAdminToken)
		checkContiguous(t, c.ID, tl)
		count := map[string]int{}
		for _, m := range tl {
			if m.ClientMessageID != "" {
				count[m.ClientMessageID]++
			}
		}
		for _, a := range unanswered {
			if a.conv == ci && count[a.clientID] != 1 {
				t.Errorf("conversation %s: retried %s appears %d times", c.ID, a.clientID, count[a.clientID])
			}
		}
	}
	t.Logf("retried %d unanswered messages: each stored once", len(unanswered))
}
