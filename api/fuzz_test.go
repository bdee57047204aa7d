package api_test

// Native fuzz targets (go test -fuzz) for the API's request bodies. Each
// target keeps one test server for the whole run, sends the fuzzer's bytes
// as they are, and checks two things: bad input gets a 4xx in the one error
// shape, never a 5xx; and nothing is stored that should not be, nor
// stored differently from what was sent.
//
// Every target predicts the status from the request and the state before
// it, following the order of checks in the handlers, the engine and the
// lifecycle rules (authorization, decoding, validation, then the rules of
// the current mode). A status the code does not explain is a failure.
//
// The seed corpora are in testdata/fuzz/<FuzzName>/ and run in plain go test.
// Run one target at a time, e.g.
//
//	go test ./api/ -run XXX -fuzz FuzzPostMessage -fuzztime 45s

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"unicode/utf8"

	"github.com/batonhq/baton"
	"github.com/batonhq/baton/api"
	"github.com/batonhq/baton/lifecycle"
)

// fuzzErrorCodes is the error code each refusal status must carry.
var fuzzErrorCodes = map[int]string{
	http.StatusBadRequest:            baton.EINVALID,
	http.StatusForbidden:             baton.EFORBIDDEN,
	http.StatusConflict:              baton.ECONFLICT,
	http.StatusRequestEntityTooLarge: baton.ETOOLARGE,
}

// fuzzWant is the statuses a request may get, and why.
type fuzzWant struct {
	statuses []int
	why      string
}

func expect(why string, statuses ...int) fuzzWant { return fuzzWant{statuses, why} }

// decodeWant is what the shared decode function makes of a body the client
// cannot parse, or a body over the limit: 400 for a malformed body within
// the limit; 413 for a body over it, unless the decoder saw the body was
// malformed before it reached the limit (then 400). ok is false when the
// body decodes and is within the limit, so the handler goes on.
func decodeWant(body []byte, parseErr error) (w fuzzWant, ok bool) {
	big := len(body) > api.MaxBodyBytes
	switch {
	case parseErr != nil && big:
		return expect("malformed and over the limit: "+parseErr.Error(), 400, 413), true
	case parseErr != nil:
		return expect("malformed: "+parseErr.Error(), 400), true
	case big:
		return expect("over the 64 KiB limit", 413), true
	}
	return fuzzWant{}, false
}

// checkStatus stops the iteration on a 5xx or on a status the code does
// not explain.
func (w fuzzWant) checkStatus(t *testing.T, r response, what string) {
	t.Helper()
	if r.Status >= 500 {
		t.Fatalf("%s: server error %d (want %v: %s); body: %s", what, r.Status, w.statuses, w.why, fuzzTrim(r.Body))
	}
	if !slices.Contains(w.statuses, r.Status) {
		t.Fatalf("%s: status %d, want %v (%s); body: %s", what, r.Status, w.statuses, w.why, fuzzTrim(r.Body))
	}
}

// fieldKind is the JSON kind a request field must have and, for an array
// or an object of values, the kind of its elements.
type fieldKind struct{ kind, elem string }

// fieldKinds are the fields of a request body by the path decode names
// them with ("contact.name").
type fieldKinds map[string]fieldKind

var (
	messageFields = fieldKinds{"text": {"a string", ""}, "client_message_id": {"a string", ""},
		"private": {"true or false", ""}, "buttons": {"an array", "an object"},
		"buttons.title": {"a string", ""}, "buttons.payload": {"a string", ""}}
	createFields = fieldKinds{"channel": {"a string", ""}, "locale": {"a string", ""}, "contact": {"an object", ""},
		"contact.name": {"a string", ""}, "contact.email": {"a string", ""}, "contact.phone": {"a string", ""},
		"contact.attributes": {"an object", "a string"}}
	handoffFields = fieldKinds{"trigger": {"a string", ""}, "reason": {"a string", ""}, "department": {"a string", ""},
		"priority": {"a string", ""}, "details": {"an object", "a string"}}
	transferFields = fieldKinds{"department": {"a string", ""}, "agent_id": {"a string", ""}}

	typeErrorMessage = regexp.MustCompile(`^field "([^"]*)" must be (.+)$`)
)

// fuzzCheckError reports an error unless r is exactly
// {"error":{"code":...,"message":...}} with the code of its status and a
// non-empty message that does not show Go internals. A type error must
// name a field of the request and the kind that field has (fields).
func fuzzCheckError(t *testing.T, r response, fields fieldKinds) {
	t.Helper()
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Errorf("error %d: Content-Type %q, want application/json", r.Status, ct)
	}
	var shape map[string]map[string]json.RawMessage
	if err := json.Unmarshal(r.Body, &shape); err != nil || len(shape) != 1 || len(shape["error"]) != 2 {
		t.Errorf("error %d: body is not {\"error\":{\"code\",\"message\"}}: %s", r.Status, fuzzTrim(r.Body))
		return
	}
	var code, msg string
	if json.Unmarshal(shape["error"]["code"], &code) != nil || json.Unmarshal(shape["error"]["message"], &msg) != nil {
		t.Errorf("error %d: code and message must be strings: %s", r.Status, fuzzTrim(r.Body))
		return
	}
	if want := fuzzErrorCodes[r.Status]; code != want {
		t.Errorf("error %d has code %q, want %q (message %q)", r.Status, code, want, msg)
	}
	if strings.TrimSpace(msg) == "" {
		t.Errorf("error %d (%s) has an empty message", r.Status, code)
	}
	// Messages that quote the client's input may contain anything; the
	// others must speak JSON, not Go.
	if !strings.ContainsAny(msg, `"`) {
		for _, leak := range []string{"baton.", "api.", "json:", "Go value", "Go struct", "struct field", "map[", "[]"} {
			if strings.Contains(msg, leak) {
				t.Errorf("error %d message %q shows Go internals (%q)", r.Status, msg, leak)
			}
		}
	}
	if m := typeErrorMessage.FindStringSubmatch(msg); m != nil {
		path, kind := m[1], m[2]
		switch f, ok := fields[path]; {
		case !ok:
			t.Errorf("error message %q names a field the request does not have", msg)
		case kind == f.kind:
		case f.elem != "" && strings.HasPrefix(kind, f.kind+" of "):
			// A container names what it holds: "an array of objects".
		default:
			t.Errorf("error message %q: field %q must be %s", msg, path, f.kind)
		}
	}
}

// fuzzTrim shortens a body for a failure message.
func fuzzTrim(b []byte) string {
	if len(b) > 600 {
		return fmt.Sprintf("%q... (%d bytes)", b[:600], len(b))
	}
	return fmt.Sprintf("%q", b)
}

// fuzzModes are the modes a conversation may be in.
var fuzzModes = []string{"bot", "handoff", "queued", "agent", "ticket", "closed"}

// checkConversationInvariants holds after every request, whatever it got.
func checkConversationInvariants(t *testing.T, c conversationResp) {
	t.Helper()
	if !slices.Contains(fuzzModes, c.Mode) {
		t.Errorf("conversation %s is in mode %q, want one of %v", c.ID, c.Mode, fuzzModes)
	}
	if (c.Mode == "agent") != (c.Assignee != "") {
		t.Errorf("conversation %s: mode %q with assignee %q; only agent mode has (and needs) an assignee", c.ID, c.Mode, c.Assignee)
	}
}

// checkUnchanged reports an error if a refused request changed the conversation.
func checkUnchanged(t *testing.T, status int, before, after conversationResp) {
	t.Helper()
	type state struct {
		Version, LastSeq                               int64
		Mode, Department, Priority, Assignee, TicketID string
	}
	b := state{before.Version, before.LastSeq, before.Mode, before.Department, before.Priority, before.Assignee, before.TicketID}
	a := state{after.Version, after.LastSeq, after.Mode, after.Department, after.Priority, after.Assignee, after.TicketID}
	if a != b {
		t.Errorf("refused request (%d) changed the conversation:\nbefore %+v\nafter  %+v", status, b, a)
	}
}

// checkStored reports an error unless the store holds the conversation as
// the API (the engine's cached state) shows it: a decision stored as an
// append-only change when it changed the state would be lost here.
func checkStored(t *testing.T, ts *testServer, c conversationResp) {
	t.Helper()
	s, err := ts.DB.Conversation(context.Background(), c.ID)
	if err != nil {
		t.Fatalf("read conversation %s from the store: %v", c.ID, err)
	}
	type state struct {
		Version, LastSeq                                           int64
		Mode, Department, Priority, Assignee, TicketID, SurveyStep string
		Trigger, HandoffDepartment                                 string
	}
	shown := state{c.Version, c.LastSeq, c.Mode, c.Department, c.Priority, c.Assignee, c.TicketID, c.SurveyStep, "", ""}
	if c.Handoff != nil {
		shown.Trigger, shown.HandoffDepartment = c.Handoff.Trigger, c.Handoff.Department
	}
	stored := state{s.Version, s.LastSeq, string(s.Mode), s.Department, string(s.Priority), s.Assignee, s.TicketID, string(s.Survey), "", ""}
	if s.Handoff != nil {
		stored.Trigger, stored.HandoffDepartment = string(s.Handoff.Trigger), s.Handoff.Department
	}
	if shown != stored {
		t.Errorf("conversation %s: the API shows %+v, the store has %+v", c.ID, shown, stored)
	}
}

// fuzzMessageRequest mirrors the body of POST .../messages.
type fuzzMessageRequest struct {
	Text            string         `json:"text"`
	ClientMessageID string         `json:"client_message_id"`
	Private         bool           `json:"private"`
	Buttons         []baton.Button `json:"buttons"`
}

// validText is lifecycle's rule for message text (decoded JSON strings are
// always valid UTF-8).
func validText(s string) bool {
	return strings.TrimSpace(s) != "" && utf8.RuneCountInString(s) <= lifecycle.MaxTextLength
}

// FuzzPostMessage posts any body to one conversation as its customer or as
// an agent (selector bit 0). The conversation carries its state from
// iteration to iteration; so that it does not stay with the agent after
// the agent's first reply, selector bits 1-3 may first have the
// administrator hand it back to the bot (1), hand it back with the
// satisfaction survey (2) or close it (3). So customer messages also meet
// the bot, text-triggered handoffs, the queue, the survey and reopening.
//
// Statuses: 201, 400 or 413 only. 403 cannot happen: the customer token is
// the conversation's own, and the agent works in both departments, so
// conversationFor lets them see the conversation whatever department a
// handoff moves it to. 409 cannot happen either: the only conflict of a
// message is an agent's reply to a conversation another agent holds
// (Rules.Assign), and there is only one agent; the store's ECONFLICT needs
// a concurrent writer, and the iterations run one at a time. 401 would be
// a broken token. So everything else is a failure.
func FuzzPostMessage(f *testing.F) {
	ts := newTestServer(f)
	ana := ts.signedInAgent(f, "Ana", "support", "billing")
	conv := ts.createConversation(f)
	path := "/api/v1/conversations/" + conv.ID + "/messages"
	// seen maps sender/client_message_id to the seq it was stored under.
	seen := map[string]int64{}
	f.Add([]byte(`{"text":"hello"}`), byte(0))

	f.Fuzz(func(t *testing.T, body []byte, selector byte) {
		sender, token, agentID := "customer", conv.CustomerToken, ""
		if selector&1 == 1 {
			sender, token, agentID = "agent", ana.Token, ana.ID
		}
		before := ts.conversation(t, conv.ID, adminToken)
		switch selector >> 1 & 7 {
		case 1, 2:
			if before.Mode == "agent" {
				ts.request(t, "POST", "/api/v1/conversations/"+conv.ID+"/release", adminToken,
					map[string]bool{"survey": selector>>1&7 == 2}).want(t, http.StatusOK, nil)
				before = ts.conversation(t, conv.ID, adminToken)
			}
		case 3:
			ts.request(t, "POST", "/api/v1/conversations/"+conv.ID+"/close", adminToken, nil).want(t, http.StatusOK, nil)
			before = ts.conversation(t, conv.ID, adminToken)
		}
		checkConversationInvariants(t, before)
		r := ts.request(t, "POST", path, token, rawBody(body))

		var req fuzzMessageRequest
		parseErr := json.Unmarshal(body, &req)
		key := sender + "/" + req.ClientMessageID
		dupSeq, dup := seen[key]
		dup = dup && parseErr == nil && req.ClientMessageID != ""
		w, decided := decodeWant(body, parseErr)
		switch {
		case decided:
		case utf8.RuneCountInString(req.ClientMessageID) > 200:
			w = expect("client_message_id over 200 characters", 400)
		case dup:
			// The engine looks the client id up before it checks the text:
			// a retry gets the first message whatever it carries now.
			w = expect(fmt.Sprintf("repeat of client_message_id %q (seq %d)", req.ClientMessageID, dupSeq), 201)
		case !validText(req.Text):
			w = expect("text empty, blank or over 8000 characters", 400)
		default:
			w = expect("a valid message", 201)
		}
		w.checkStatus(t, r, sender+" POST message")

		after := ts.conversation(t, conv.ID, adminToken)
		checkConversationInvariants(t, after)
		checkStored(t, ts, after)
		if after.LastSeq < before.LastSeq || after.Version < before.Version {
			t.Errorf("conversation went back: last_seq %d → %d, version %d → %d", before.LastSeq, after.LastSeq, before.Version, after.Version)
		}
		if r.Status != http.StatusCreated {
			fuzzCheckError(t, r, messageFields)
			checkUnchanged(t, r.Status, before, after)
			return
		}

		var m messageResp
		if err := json.Unmarshal(r.Body, &m); err != nil {
			t.Fatalf("201 body is not a message: %v; body: %s", err, fuzzTrim(r.Body))
		}
		if m.ConversationID != conv.ID || m.Author != sender || m.AgentID != agentID {
			t.Errorf("stored message is %s's in %s (agent %q), want %s's in %s (agent %q)",
				m.Author, m.ConversationID, m.AgentID, sender, conv.ID, agentID)
		}
		if dup {
			if m.Seq != dupSeq || m.ClientMessageID != req.ClientMessageID {
				t.Errorf("repeat of client_message_id %q answered seq %d (client id %q), want the first, seq %d",
					req.ClientMessageID, m.Seq, m.ClientMessageID, dupSeq)
			}
			if after.LastSeq != before.LastSeq || after.Version != before.Version {
				t.Errorf("a repeat stored something: last_seq %d → %d, version %d → %d",
					before.LastSeq, after.LastSeq, before.Version, after.Version)
			}
			return
		}

		// The message follows the timeline directly, except that an agent's
		// reply to a conversation they do not hold takes it over first
		// (Rules.Assign appends agent_took_over before the reply), and a
		// customer's message reopens a closed conversation first
		// (Rules.CustomerMessage appends reopened before the message).
		takeover := sender == "agent" && !req.Private && !(before.Mode == "agent" && before.Assignee == ana.ID)
		reopen := sender == "customer" && before.Mode == "closed"
		wantSeq := before.LastSeq + 1
		if takeover || reopen {
			wantSeq++
		}
		private := sender == "agent" && req.Private
		if m.Seq != wantSeq || m.Text != req.Text || m.ClientMessageID != req.ClientMessageID || m.Private != private {
			t.Errorf("stored (seq %d, text %q, client id %q, private %v), want (seq %d, text %q, client id %q, private %v)",
				m.Seq, fuzzShort(m.Text), m.ClientMessageID, m.Private, wantSeq, fuzzShort(req.Text), req.ClientMessageID, private)
		}
		if after.LastSeq < m.Seq {
			t.Errorf("last_seq %d is before the stored message's seq %d", after.LastSeq, m.Seq)
		}
		if req.ClientMessageID != "" {
			seen[key] = m.Seq
		}

		// Read the new entries back from the store: consecutive seqs, the
		// message exactly as answered, and nothing but system entries and
		// bot answers around it.
		entries := ts.messages(t, conv.ID, adminToken, before.LastSeq).Messages
		for i, e := range entries {
			if want := before.LastSeq + 1 + int64(i); e.Seq != want {
				t.Fatalf("timeline after %d: entry %d has seq %d, want %d (no gaps)", before.LastSeq, i, e.Seq, want)
			}
			switch {
			case e.Seq == m.Seq:
				if e.Text != m.Text || e.Author != m.Author || e.AgentID != m.AgentID || e.ClientMessageID != m.ClientMessageID ||
					e.Private != m.Private || !e.CreatedAt.Equal(m.CreatedAt) {
					t.Errorf("stored message differs from the answer:\nstored   %+v\nanswered %+v", fuzzMsg(e), fuzzMsg(m))
				}
			case takeover && e.Seq == before.LastSeq+1:
				if e.Author != "system" || e.Event != baton.EventAgentTookOver || e.AgentID != ana.ID {
					t.Errorf("entry before the agent's reply is %+v, want the agent_took_over event", fuzzMsg(e))
				}
			case reopen && e.Seq == before.LastSeq+1:
				if e.Author != "system" || e.Event != baton.EventReopened {
					t.Errorf("entry before the customer's message is %+v, want the reopened event", fuzzMsg(e))
				}
			case e.Seq < m.Seq:
				t.Errorf("unexpected entry before the message: %+v", fuzzMsg(e))
			case e.Author != "bot" && e.Author != "system":
				t.Errorf("entry after the %s's message is by %s: %+v", sender, e.Author, fuzzMsg(e))
			}
		}
		if n := int64(len(entries)); n == 0 || entries[n-1].Seq != after.LastSeq {
			t.Errorf("timeline after %d has %d entries; last_seq is %d", before.LastSeq, n, after.LastSeq)
		}
		if private {
			for _, e := range ts.messages(t, conv.ID, conv.CustomerToken, before.LastSeq).Messages {
				if e.Seq == m.Seq {
					t.Errorf("the customer sees the private note %d", m.Seq)
				}
			}
		}
	})
}

func fuzzShort(s string) string {
	if len(s) > 80 {
		return s[:80] + fmt.Sprintf("...(%d bytes)", len(s))
	}
	return s
}

func fuzzMsg(m messageResp) messageResp {
	m.Text = fuzzShort(m.Text)
	return m
}

// fuzzCreateRequest mirrors the body of POST /conversations.
type fuzzCreateRequest struct {
	Channel string        `json:"channel"`
	Locale  string        `json:"locale"`
	Contact baton.Contact `json:"contact"`
}

type fuzzCreated struct {
	ID            string        `json:"id"`
	CustomerToken string        `json:"customer_token"`
	Mode          string        `json:"mode"`
	Channel       string        `json:"channel"`
	Locale        string        `json:"locale"`
	Contact       baton.Contact `json:"contact"`
	LastSeq       int64         `json:"last_seq"`
}

func sameContact(a, b baton.Contact) bool {
	if len(a.Attributes) == 0 && len(b.Attributes) == 0 {
		a.Attributes, b.Attributes = nil, nil
	}
	return reflect.DeepEqual(a, b)
}

// newestConversation reads, from the store, the most recently changed
// conversation (conversations are listed by changed_at, newest first).
func newestConversation(t *testing.T, ts *testServer) *fuzzCreated {
	t.Helper()
	var list struct {
		Conversations []fuzzCreated `json:"conversations"`
	}
	ts.request(t, "GET", "/api/v1/conversations?limit=1", adminToken, nil).want(t, http.StatusOK, &list)
	if len(list.Conversations) == 0 {
		return nil
	}
	return &list.Conversations[0]
}

// FuzzCreateConversation posts any body to POST /conversations without
// credentials. Statuses: 201, 400 or 413 only; there is nothing to conflict
// with or to be forbidden. A refused request creates nothing; a created
// conversation is in bot mode, stored as sent, and its token opens it.
func FuzzCreateConversation(f *testing.F) {
	ts := newTestServer(f)
	f.Add([]byte(`{"channel":"web","locale":"en"}`))

	f.Fuzz(func(t *testing.T, body []byte) {
		newest := newestConversation(t, ts)
		r := ts.request(t, "POST", "/api/v1/conversations", "", rawBody(body))

		var req fuzzCreateRequest
		parseErr := json.Unmarshal(body, &req)
		w, decided := decodeWant(body, parseErr)
		switch {
		case decided:
		case req.Channel != "" && req.Channel != "web" && req.Channel != "api":
			w = expect("channel other than web or api", 400)
		case len(req.Locale) > 35:
			w = expect("locale over 35 bytes", 400)
		case contactOverLimits(req.Contact):
			w = expect("contact over the limits", 400)
		default:
			w = expect("a valid conversation", 201)
		}
		w.checkStatus(t, r, "POST conversation")

		if r.Status != http.StatusCreated {
			fuzzCheckError(t, r, createFields)
			if now := newestConversation(t, ts); !reflect.DeepEqual(now, newest) {
				t.Errorf("refused request (%d) stored a conversation: newest was %+v, is %+v", r.Status, newest, now)
			}
			return
		}

		var c fuzzCreated
		if err := json.Unmarshal(r.Body, &c); err != nil {
			t.Fatalf("201 body is not a conversation: %v; body: %s", err, fuzzTrim(r.Body))
		}
		wantChannel, wantLocale := cmp.Or(req.Channel, "web"), cmp.Or(req.Locale, "en")
		check := func(where string, got fuzzCreated) {
			t.Helper()
			if got.ID != c.ID || got.Mode != "bot" || got.Channel != wantChannel || got.Locale != wantLocale || !sameContact(got.Contact, req.Contact) {
				t.Errorf("%s: conversation (id %q, mode %q, channel %q, locale %q, contact %+v), want (id %q, mode bot, channel %q, locale %q, contact %+v)",
					where, got.ID, got.Mode, got.Channel, got.Locale, got.Contact, c.ID, wantChannel, wantLocale, req.Contact)
			}
		}
		if c.ID == "" || !strings.HasPrefix(c.CustomerToken, baton.TokenPrefixCustomer+"_") {
			t.Fatalf("created conversation without an id or a customer token: %s", fuzzTrim(r.Body))
		}
		check("created", c)

		// The token opens the conversation; it is shown only once, and the
		// customer sees no internals.
		g := ts.request(t, "GET", "/api/v1/conversations/"+c.ID, c.CustomerToken, nil)
		var got fuzzCreated
		g.want(t, http.StatusOK, &got)
		check("GET with the customer token", got)
		shown := g.object(t)
		for _, k := range []string{"customer_token", "priority", "assignee", "handoff", "version"} {
			if _, ok := shown[k]; ok {
				t.Errorf("the customer's GET shows %q: %s", k, fuzzTrim(g.Body))
			}
		}
		// The store has it as sent.
		stored := newestConversation(t, ts)
		if stored == nil {
			t.Fatalf("created conversation %s is not listed", c.ID)
		}
		check("listed from the store", *stored)
	})
}

// checkTickets: a conversation waiting as a ticket has an open ticket of
// its department; a ticket the conversation no longer names is closed.
func checkTickets(t *testing.T, ts *testServer, before, after conversationResp) {
	t.Helper()
	ctx := context.Background()
	if after.Mode == "ticket" {
		tk, err := ts.DB.Ticket(ctx, after.TicketID)
		if err != nil || tk.Status != baton.TicketOpen || tk.ConversationID != after.ID || tk.Department != after.Department {
			t.Errorf("conversation %s waits as ticket %q in %s, but the ticket is %+v (%v)", after.ID, after.TicketID, after.Department, tk, err)
		}
	}
	if before.TicketID != "" && before.TicketID != after.TicketID {
		if tk, err := ts.DB.Ticket(ctx, before.TicketID); err != nil || tk.Status != baton.TicketClosed {
			t.Errorf("conversation %s left ticket %s, but the ticket is %+v (%v), not closed", after.ID, before.TicketID, tk, err)
		}
	}
}

// fuzzTransferRequest mirrors the body of POST .../transfer.
type fuzzTransferRequest struct {
	Department string `json:"department"`
	AgentID    string `json:"agent_id"`
}

// FuzzHandoffAndTransfer posts any body to .../handoff with a bot
// integration's token (which bit 0 clear) or to .../transfer with an
// agent's token (bit 0 set). Bits 1-3 choose the conversation: the one
// carried from iteration to iteration (0 and 7), or a fresh one in bot
// mode (1), queued (2), held by Ana (3), held by Bo (4), closed (5) or
// waiting as a ticket (6). Bit 4 chooses the transferring agent: Ana
// (support and billing) or Bo (billing only).
//
// In the body, @ana@, @bo@ and @otto@ stand for the agents' ids, which the
// seeds cannot know. Otto (support) is offline.
//
// Statuses, from the code:
//   - handoff: 200, 400, 413, and 409 when the conversation is not in bot
//     or closed mode (Rules.RequestHandoff). Never 403: integrations see
//     every conversation.
//   - transfer: 200, 400, 413; 403 when the agent may not see the
//     conversation (conversationFor: not the assignee, not in its
//     department), or it is in agent mode with another agent
//     (Rules.Transfer); 409 when it is in bot or closed mode.
func FuzzHandoffAndTransfer(f *testing.F) {
	ts := newTestServer(f)
	ana := ts.signedInAgent(f, "Ana", "support", "billing")
	bo := ts.signedInAgent(f, "Bo", "billing")
	otto := ts.createAgent(f, "Otto", "support") // offline
	botToken := ts.createIntegration(f, "faq-bot")
	carried := ts.createConversation(f)
	agents := []struct {
		resp  agentResp
		depts []string
	}{{ana, []string{"support", "billing"}}, {bo, []string{"billing"}}}
	knownAgents := map[string]bool{ana.ID: true, bo.ID: true, otto.ID: true}
	knownDepts := map[string]bool{"support": true, "billing": true}
	conversationPath := func(id, action string) string { return "/api/v1/conversations/" + id + action }

	// Fresh conversations are prepared in batches, concurrently, so that
	// the store commits them together: one fsync for a batch instead of
	// several per iteration. Each is used by one iteration only.
	modes := [...]string{1: "bot", 2: "queued", 3: "agent", 4: "agent", 5: "closed", 6: "ticket"}
	pools := map[byte][]string{}
	prepareOne := func(state byte) (string, error) {
		var c conversationResp
		r, err := ts.send("POST", "/api/v1/conversations", "", map[string]any{})
		if err == nil && (r.Status != http.StatusCreated || json.Unmarshal(r.Body, &c) != nil) {
			err = fmt.Errorf("create conversation: %d %s", r.Status, r.Body)
		}
		if err != nil {
			return "", err
		}
		var method, action, token string
		var body any
		switch state {
		case 1:
			return c.ID, nil
		case 2, 6: // 6 while nobody of support is signed in: a ticket
			method, action, token, body = "POST", "/handoff", adminToken, map[string]any{}
		case 3:
			method, action, token, body = "POST", "/messages", ana.Token, map[string]string{"text": "Hello, Ana here."}
		case 4:
			method, action, token = "POST", "/claim", bo.Token
		case 5:
			method, action, token = "POST", "/close", adminToken
		}
		r, err = ts.send(method, conversationPath(c.ID, action), token, body)
		if err == nil && r.Status/100 != 2 {
			err = fmt.Errorf("%s %s: %d %s", method, action, r.Status, r.Body)
		}
		return c.ID, err
	}
	prepare := func(t *testing.T, state byte) (id, wantMode string) {
		t.Helper()
		if state == 0 || state == 7 {
			return carried.ID, ""
		}
		if len(pools[state]) == 0 {
			setAna := func(status string) {
				ts.request(t, "PUT", "/api/v1/agents/"+ana.ID+"/status", adminToken, map[string]string{"status": status}).
					want(t, http.StatusOK, nil)
			}
			if state == 6 {
				setAna("offline")
			}
			const batch = 8
			ids, errs := make([]string, batch), make([]error, batch)
			var wg sync.WaitGroup
			for i := range batch {
				wg.Go(func() { ids[i], errs[i] = prepareOne(state) })
			}
			wg.Wait()
			if state == 6 {
				setAna("away")
				// Signing off handed Ana's conversations back to the queue,
				// and with nobody else in support they became tickets.
				pools[3] = nil
			}
			if err := errors.Join(errs...); err != nil {
				t.Fatalf("prepare conversations in %s mode: %v", modes[state], err)
			}
			pools[state] = ids
		}
		id, pools[state] = pools[state][0], pools[state][1:]
		return id, modes[state]
	}
	// Used conversations are closed, in batches: each queue read loads every
	// queued conversation, so a queue that only grew would slow every
	// iteration down.
	var used []string
	retire := func(t *testing.T, id string) {
		if used = append(used, id); len(used) < 16 {
			return
		}
		errs := make([]error, len(used))
		var wg sync.WaitGroup
		for i, id := range used {
			wg.Go(func() {
				r, err := ts.send("POST", conversationPath(id, "/close"), adminToken, nil)
				if err == nil && r.Status != http.StatusOK {
					err = fmt.Errorf("close %s: %d %s", id, r.Status, r.Body)
				}
				errs[i] = err
			})
		}
		wg.Wait()
		used = used[:0]
		if err := errors.Join(errs...); err != nil {
			t.Fatal(err)
		}
	}
	f.Add([]byte(`{}`), byte(2))

	f.Fuzz(func(t *testing.T, body []byte, which byte) {
		transfer := which&1 == 1
		id, wantMode := prepare(t, which>>1&7)
		if id != carried.ID {
			defer retire(t, id)
		}
		actor := agents[which>>4&1]
		body = bytes.ReplaceAll(body, []byte("@ana@"), []byte(ana.ID))
		body = bytes.ReplaceAll(body, []byte("@bo@"), []byte(bo.ID))
		body = bytes.ReplaceAll(body, []byte("@otto@"), []byte(otto.ID))

		before := ts.conversation(t, id, adminToken)
		if wantMode != "" && before.Mode != wantMode {
			t.Fatalf("prepared conversation is %q, want %q", before.Mode, wantMode)
		}
		checkConversationInvariants(t, before)
		decided := false
		var w fuzzWant
		var r response
		var handoff baton.HandoffRequest
		var move fuzzTransferRequest
		if !transfer {
			r = ts.request(t, "POST", conversationPath(id, "/handoff"), botToken, rawBody(body))
			parseErr := json.Unmarshal(body, &handoff)
			w, decided = decodeWant(body, parseErr)
			switch {
			case decided:
			case before.Mode != "bot" && before.Mode != "closed":
				w = expect("a handoff of a conversation in "+before.Mode+" mode", 409)
			case handoff.Trigger != "" && !handoff.Trigger.Valid():
				w = expect("unknown trigger", 400)
			case handoff.Priority != "" && !handoff.Priority.Valid():
				w = expect("unknown priority", 400)
			case handoff.Department != "" && !knownDepts[handoff.Department]:
				w = expect("unknown department", 400)
			case utf8.RuneCountInString(handoff.Reason) > lifecycle.MaxFieldLength || fieldsOverLimits(handoff.Details):
				w = expect("reason or details over the limits", 400)
			default:
				w = expect("a valid handoff", 200)
			}
			w.checkStatus(t, r, "POST handoff ("+before.Mode+")")
		} else {
			r = ts.request(t, "POST", conversationPath(id, "/transfer"), actor.resp.Token, rawBody(body))
			parseErr := json.Unmarshal(body, &move)
			canSee := before.Assignee == actor.resp.ID || before.Department == "" || slices.Contains(actor.depts, before.Department)
			if !canSee {
				w, decided = expect(actor.resp.Name+" may not see a conversation of "+before.Department, 403), true
			} else {
				w, decided = decodeWant(body, parseErr)
			}
			switch {
			case decided:
			case move.Department != "" && !knownDepts[move.Department]:
				w = expect("unknown department", 400)
			case move.AgentID != "" && !knownAgents[move.AgentID]:
				w = expect("unknown agent", 400)
			case (move.Department == "") == (move.AgentID == ""):
				w = expect("not exactly one of department and agent_id", 400)
			case before.Mode == "agent" && before.Assignee != actor.resp.ID:
				w = expect("another agent holds the conversation", 403)
			case before.Mode != "agent" && before.Mode != "queued" && before.Mode != "ticket" && before.Mode != "handoff":
				w = expect("a transfer of a conversation in "+before.Mode+" mode", 409)
			case move.AgentID == otto.ID:
				w = expect("a transfer to an offline agent", 400)
			default:
				w = expect("a valid transfer", 200)
			}
			w.checkStatus(t, r, actor.resp.Name+" POST transfer ("+before.Mode+")")
		}

		after := ts.conversation(t, id, adminToken)
		checkConversationInvariants(t, after)
		checkStored(t, ts, after)
		checkTickets(t, ts, before, after)
		if after.LastSeq < before.LastSeq || after.Version < before.Version {
			t.Errorf("conversation went back: last_seq %d → %d, version %d → %d", before.LastSeq, after.LastSeq, before.Version, after.Version)
		}
		if r.Status != http.StatusOK {
			fields := handoffFields
			if transfer {
				fields = transferFields
			}
			fuzzCheckError(t, r, fields)
			checkUnchanged(t, r.Status, before, after)
			return
		}

		// The answer is the conversation as it now stands.
		var answered conversationResp
		if err := json.Unmarshal(r.Body, &answered); err != nil {
			t.Fatalf("200 body is not a conversation: %v; body: %s", err, fuzzTrim(r.Body))
		}
		if answered.ID != id || answered.Mode != after.Mode || answered.Assignee != after.Assignee ||
			answered.Department != after.Department || answered.Version != after.Version {
			t.Errorf("answered %+v, but the conversation is %+v", answered, after)
		}

		// Both departments have someone signed in, so a handoff or a
		// transfer to a department always ends in the queue.
		switch {
		case !transfer:
			wantDept := cmp.Or(handoff.Department, "support")
			wantPriority := string(cmp.Or(handoff.Priority, baton.PriorityNormal))
			wantTrigger := string(cmp.Or(handoff.Trigger, baton.TriggerBot))
			wantDetails := map[string]string{}
			for k, v := range handoff.Details {
				if v = strings.TrimSpace(v); v != "" {
					wantDetails[k] = v
				}
			}
			if after.Mode != "queued" || after.Department != wantDept || after.Priority != wantPriority || after.Handoff == nil {
				t.Fatalf("after the handoff: mode %q, department %q, priority %q, handoff %v; want queued in %s, %s",
					after.Mode, after.Department, after.Priority, after.Handoff, wantDept, wantPriority)
			}
			h := after.Handoff
			if h.Trigger != wantTrigger || h.Department != wantDept || (handoff.Reason != "" && h.Reason != handoff.Reason) ||
				!(len(h.Details) == 0 && len(wantDetails) == 0 || reflect.DeepEqual(h.Details, wantDetails)) {
				t.Errorf("stored handoff %+v, want trigger %s, department %s, reason %q, details %v",
					*h, wantTrigger, wantDept, fuzzShort(handoff.Reason), wantDetails)
			}
		case move.AgentID != "":
			if before.Mode == "agent" && before.Assignee == move.AgentID {
				checkUnchanged(t, r.Status, before, after) // already theirs: nothing to do
			} else if after.Mode != "agent" || after.Assignee != move.AgentID || after.LastSeq != before.LastSeq+1 {
				t.Errorf("after the transfer to %s: mode %q, assignee %q, last_seq %d → %d; want agent mode with them and one entry",
					move.AgentID, after.Mode, after.Assignee, before.LastSeq, after.LastSeq)
			}
		default:
			if after.Mode != "queued" || after.Department != move.Department || after.Assignee != "" || after.TicketID != "" {
				t.Errorf("after the transfer to %s: mode %q, department %q, assignee %q, ticket %q; want queued there, unassigned, no ticket",
					move.Department, after.Mode, after.Department, after.Assignee, after.TicketID)
			}
		}
	})
}

// TestTypeErrorsInsideArraysAndObjects: a value of the wrong type inside an
// array or an object field must not be reported as if the whole field had
// to be of the element's kind.
func TestTypeErrorsInsideArraysAndObjects(t *testing.T) {
	ts := newTestServer(t)
	botToken := ts.createIntegration(t, "external-bot")
	c := ts.createConversation(t)
	conv := "/api/v1/conversations/" + c.ID
	for _, tt := range []struct {
		path, token, body string
		field, kind       string // the field and the kind it must be
	}{
		{conv + "/handoff", botToken, `{"details":{"order":1}}`, "details", "an object"},
		{conv + "/messages", c.CustomerToken, `{"text":"hi","buttons":[1]}`, "buttons", "an array"},
		{"/api/v1/conversations", "", `{"contact":{"attributes":{"plan":1}}}`, "contact.attributes", "an object"},
		{"/api/v1/agents", adminToken, `{"name":"Bo","departments":[1]}`, "departments", "an array"},
	} {
		r := ts.request(t, "POST", tt.path, tt.token, rawBody(tt.body))
		r.wantError(t, http.StatusBadRequest, baton.EINVALID)
		var e apiError
		if json.Unmarshal(r.Body, &e) != nil || e.Error == nil {
			continue
		}
		// Either the element is named ("details.order must be a string") or
		// the field's own kind is given ("details must be an object of strings").
		m := typeErrorMessage.FindStringSubmatch(e.Error.Message)
		if m == nil || !strings.HasPrefix(m[1], tt.field) || m[1] == tt.field && !strings.HasPrefix(m[2], tt.kind) {
			t.Errorf("POST %s %s: message %q; want it to say that %s must be %s, or which element is wrong",
				tt.path, tt.body, e.Error.Message, tt.field, tt.kind)
		}
	}
}

// TestHandoffReasonAndDetailsAreBounded: what a handoff request carries is
// bounded like message text. Found by FuzzHandoffAndTransfer, whose
// iterations slowed to over half a second once many queued conversations
// carried 64 KiB reasons (every queue read decodes them all).
func TestHandoffReasonAndDetailsAreBounded(t *testing.T) {
	ts := newTestServer(t)
	ts.signedInAgent(t, "Ana", "support")
	botToken := ts.createIntegration(t, "external-bot")
	long := strings.Repeat("x", lifecycle.MaxTextLength+1)
	for _, tt := range []struct {
		name string
		body map[string]any
		who  string
	}{
		{"reason from a bot", map[string]any{"reason": long}, "bot"},
		{"detail from a bot", map[string]any{"details": map[string]string{"order": long}}, "bot"},
		{"detail from a customer", map[string]any{"details": map[string]string{"order": long}}, "customer"},
	} {
		c := ts.createConversation(t)
		token := botToken
		if tt.who == "customer" {
			token = c.CustomerToken
		}
		r := ts.request(t, "POST", "/api/v1/conversations/"+c.ID+"/handoff", token, tt.body)
		if r.Status == http.StatusBadRequest {
			r.wantError(t, http.StatusBadRequest, baton.EINVALID)
			continue
		}
		// Accepted: then nothing stored may be longer than a message may be.
		got := ts.conversation(t, c.ID, adminToken)
		if h := got.Handoff; h != nil {
			if n := utf8.RuneCountInString(h.Reason); n > lifecycle.MaxTextLength {
				t.Errorf("%s: status %d, stored a reason of %d characters", tt.name, r.Status, n)
			}
			for k, v := range h.Details {
				if n := utf8.RuneCountInString(v); n > lifecycle.MaxTextLength {
					t.Errorf("%s: status %d, stored detail %q of %d characters", tt.name, r.Status, k, n)
				}
			}
		}
		for _, m := range ts.messages(t, c.ID, adminToken, 0).Messages {
			if n := utf8.RuneCountInString(m.Text); n > lifecycle.MaxTextLength {
				t.Errorf("%s: status %d, timeline entry %d (%s %s) has %d characters", tt.name, r.Status, m.Seq, m.Author, m.Event, n)
			}
		}
	}
}

// fieldsOverLimits mirrors lifecycle's limits on details and attributes.
func fieldsOverLimits(m map[string]string) bool {
	if len(m) > lifecycle.MaxKeys {
		return true
	}
	for k, v := range m {
		if k == "" || utf8.RuneCountInString(k) > lifecycle.MaxKeyLength || utf8.RuneCountInString(v) > lifecycle.MaxFieldLength {
			return true
		}
	}
	return false
}

// contactOverLimits mirrors lifecycle's limits on a contact.
func contactOverLimits(c baton.Contact) bool {
	for _, v := range []string{c.Name, c.Email, c.Phone} {
		if utf8.RuneCountInString(v) > lifecycle.MaxFieldLength {
			return true
		}
	}
	return fieldsOverLimits(c.Attributes)
}
