package directline_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/batonhq/baton"
	"github.com/batonhq/baton/directline"
)

func TestGenerateRefreshAndExpiry(t *testing.T) {
	st := newStack(t)
	c := st.generate(t, "dl_dana")
	if c.ExpiresIn != 1800 {
		t.Errorf("expires_in %d, want 1800", c.ExpiresIn)
	}
	// Web Chat and directlinejs decode the token as a JWT to read the user.
	parts := strings.Split(c.Token, ".")
	if len(parts) != 3 {
		t.Fatalf("token %q is not a JWT", c.Token)
	}
	payload, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		t.Fatal(err)
	}
	var claims struct {
		User string `json:"user"`
		Conv string `json:"conv"`
	}
	if err := json.Unmarshal(payload, &claims); err != nil || claims.User != "dl_dana" || claims.Conv != c.ConversationID {
		t.Errorf("token claims %s, want user dl_dana and conv %s", payload, c.ConversationID)
	}

	conv, err := st.DB.Conversation(context.Background(), c.ConversationID)
	if err != nil {
		t.Fatalf("generated conversation is not stored: %v", err)
	}
	if conv.Channel != baton.ChannelWeb || conv.Mode != baton.ModeBot || conv.Contact.Attributes[directline.UserIDAttribute] != "dl_dana" || conv.Contact.Name != "Dana" {
		t.Errorf("stored conversation %+v", conv)
	}

	// Refreshing 20 minutes in gives 30 more minutes from then.
	st.Clock.Advance(20 * time.Minute)
	var r conversation
	st.request(t, "POST", "/tokens/refresh", c.Token, nil).want(t, http.StatusOK, &r)
	if r.ConversationID != c.ConversationID || r.Token == "" || r.Token == c.Token || r.ExpiresIn != 1800 {
		t.Fatalf("refresh gave %+v", r)
	}
	// 15 minutes later the first token is expired, the refreshed one is not.
	st.Clock.Advance(15 * time.Minute)
	st.request(t, "GET", "/conversations/"+c.ConversationID+"/activities", c.Token, nil).wantError(t, http.StatusForbidden, "TokenExpired")
	st.request(t, "POST", "/tokens/refresh", c.Token, nil).wantError(t, http.StatusForbidden, "TokenExpired")
	st.request(t, "GET", "/conversations/"+c.ConversationID+"/activities", r.Token, nil).want(t, http.StatusOK, nil)
	c.Token = r.Token
	st.say(t, c, "hello", "after-refresh")
	// The refreshed token keeps the user.
	set := st.activities(t, c, "0")
	if len(set.Activities) == 0 || set.Activities[0].From.ID != "dl_dana" {
		t.Errorf("after refresh the customer's messages are from %v", texts(set.Activities))
	}
}

func TestCredentialsRefused(t *testing.T) {
	st := newStack(t)
	mine := st.generate(t, "u1")
	other := st.generate(t, "u2")
	acts := "/conversations/" + mine.ConversationID + "/activities"
	msg := map[string]any{"type": "message", "text": "hello"}

	st.request(t, "GET", acts, "", nil).wantError(t, http.StatusUnauthorized, baton.EUNAUTHORIZED)
	st.request(t, "POST", "/tokens/generate", "", nil).wantError(t, http.StatusUnauthorized, baton.EUNAUTHORIZED)
	st.request(t, "POST", "/tokens/generate", "wrong-secret", nil).wantError(t, http.StatusUnauthorized, baton.EUNAUTHORIZED)
	st.request(t, "POST", "/conversations", "wrong-secret", nil).wantError(t, http.StatusUnauthorized, baton.EUNAUTHORIZED)

	// A token signed with another key, and one whose payload was changed.
	foreign := &directline.Server{TokenKey: []byte("another-key-another-key-another-key!"), Engine: st.Engine, Store: st.DB, Hub: st.Hub,
		SecretHashes: [][]byte{baton.HashToken(secret)}, Logger: slog.New(slog.DiscardHandler)}
	fs := st.with(t, foreign)
	var fc conversation
	fs.request(t, "POST", "/tokens/generate", secret, nil).want(t, http.StatusOK, &fc)
	st.request(t, "GET", "/conversations/"+fc.ConversationID+"/activities", fc.Token, nil).wantError(t, http.StatusUnauthorized, baton.EUNAUTHORIZED)
	parts := strings.Split(mine.Token, ".")
	forged := strings.Replace(string(mustDecode(t, parts[1])), mine.ConversationID, other.ConversationID, 1)
	parts[1] = base64.RawURLEncoding.EncodeToString([]byte(forged))
	st.request(t, "GET", "/conversations/"+other.ConversationID+"/activities", strings.Join(parts, "."), nil).
		wantError(t, http.StatusUnauthorized, baton.EUNAUTHORIZED)

	// A token grants its own conversation only.
	st.request(t, "GET", "/conversations/"+other.ConversationID+"/activities", mine.Token, nil).wantError(t, http.StatusForbidden, baton.EFORBIDDEN)
	st.request(t, "POST", "/conversations/"+other.ConversationID+"/activities", mine.Token, msg).wantError(t, http.StatusForbidden, baton.EFORBIDDEN)
	st.request(t, "GET", "/conversations/"+other.ConversationID, mine.Token, nil).wantError(t, http.StatusForbidden, baton.EFORBIDDEN)
	st.request(t, "POST", "/tokens/generate", mine.Token, nil).wantError(t, http.StatusForbidden, baton.EFORBIDDEN)
	st.request(t, "POST", "/tokens/refresh", secret, nil).wantError(t, http.StatusForbidden, baton.EFORBIDDEN)

	// The stream token of a streamUrl opens the stream and nothing else.
	var started conversation
	st.request(t, "POST", "/conversations", mine.Token, nil).want(t, http.StatusCreated, &started)
	u, err := url.Parse(started.StreamURL)
	if err != nil {
		t.Fatal(err)
	}
	streamToken := u.Query().Get("t")
	st.request(t, "POST", acts, streamToken, msg).wantError(t, http.StatusForbidden, baton.EFORBIDDEN)
	st.request(t, "POST", "/tokens/refresh", streamToken, nil).wantError(t, http.StatusForbidden, baton.EFORBIDDEN)

	// A secret grants every conversation.
	st.request(t, "GET", "/conversations/"+other.ConversationID+"/activities", secret, nil).want(t, http.StatusOK, nil)
	st.request(t, "GET", "/conversations/c_nosuchconversation/activities", secret, nil).wantError(t, http.StatusNotFound, baton.ENOTFOUND)
	// but not a customer on another channel, who would never see the answers.
	wa, _, err := st.Engine.CreateConversation(context.Background(), baton.Conversation{Channel: baton.ChannelWhatsApp})
	if err != nil {
		t.Fatal(err)
	}
	st.request(t, "POST", "/conversations/"+wa.ID+"/activities", secret, msg).wantError(t, http.StatusNotFound, baton.ENOTFOUND)

	if n := len(customerMessages(st.timeline(t, other.ConversationID))); n != 0 {
		t.Errorf("refused requests stored %d messages", n)
	}
}

// with serves another Direct Line server over the same stack.
func (st *stack) with(t *testing.T, s *directline.Server) *stack {
	t.Helper()
	hs := httptest.NewServer(s.Handler())
	t.Cleanup(hs.Close)
	cp := *st
	cp.URL = hs.URL
	return &cp
}

func mustDecode(t *testing.T, s string) []byte {
	t.Helper()
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestStartConversation(t *testing.T) {
	st := newStack(t)

	// With a secret: a new conversation in the client's language.
	var c conversation
	st.request(t, "POST", "/conversations", secret, map[string]any{"user": map[string]string{"id": "u-7"}, "locale": "nl-NL"}).
		want(t, http.StatusCreated, &c)
	conv, err := st.DB.Conversation(context.Background(), c.ConversationID)
	if err != nil {
		t.Fatal(err)
	}
	if conv.Locale != "nl-NL" || conv.Contact.Attributes[directline.UserIDAttribute] != "u-7" {
		t.Errorf("conversation locale %q, attributes %v", conv.Locale, conv.Contact.Attributes)
	}
	host := strings.TrimPrefix(st.URL, "http://")
	wantPrefix := "ws://" + host + "/v3/directline/conversations/" + c.ConversationID + "/stream?"
	if !strings.HasPrefix(c.StreamURL, wantPrefix) || !strings.Contains(c.StreamURL, "t=") {
		t.Errorf("streamUrl %q, want %s...t=", c.StreamURL, wantPrefix)
	}

	// With a token: the token's conversation, 201 until the customer wrote.
	g := st.generate(t, "")
	var s1, s2 conversation
	st.request(t, "POST", "/conversations", g.Token, map[string]any{"user": map[string]any{}}).want(t, http.StatusCreated, &s1)
	if s1.ConversationID != g.ConversationID || s1.Token != g.Token || s1.StreamURL == "" {
		t.Errorf("start with a token gave %+v", s1)
	}
	st.say(t, g, "hello", "x1")
	st.request(t, "POST", "/conversations", g.Token, nil).want(t, http.StatusOK, &s2)
	if s2.ConversationID != g.ConversationID {
		t.Errorf("second start gave conversation %s", s2.ConversationID)
	}

	// A user id named only at the start (setUserId) travels in the token.
	g2 := st.generate(t, "")
	var s3 conversation
	st.request(t, "POST", "/conversations", g2.Token, map[string]any{"user": map[string]string{"id": "late-user"}}).want(t, http.StatusCreated, &s3)
	g2.Token = s3.Token
	st.say(t, g2, "hello", "x2")
	if set := st.activities(t, g2, "0"); len(set.Activities) == 0 || set.Activities[0].From.ID != "late-user" {
		t.Errorf("customer's message from %v, want late-user", texts(set.Activities))
	}

	// Behind a TLS proxy, and with a public URL.
	req := func(st *stack, header string) conversation {
		r, _ := http.NewRequest("POST", st.URL+"/v3/directline/conversations", nil)
		r.Header.Set("Authorization", "Bearer "+secret)
		if header != "" {
			r.Header.Set("X-Forwarded-Proto", header)
		}
		resp, err := http.DefaultClient.Do(r)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var c conversation
		if err := json.NewDecoder(resp.Body).Decode(&c); err != nil {
			t.Fatal(err)
		}
		return c
	}
	if got := req(st, "https").StreamURL; !strings.HasPrefix(got, "wss://"+host+"/v3/directline/") {
		t.Errorf("behind https proxy streamUrl %q", got)
	}
	pub := newStack(t, func(s *directline.Server) { s.PublicURL = "https://chat.example.com/baton/" })
	if got := req(pub, ""); !strings.HasPrefix(got.StreamURL, "wss://chat.example.com/baton/v3/directline/conversations/"+got.ConversationID+"/stream?") {
		t.Errorf("with PublicURL streamUrl %q", got.StreamURL)
	}

	// Reconnecting gives a stream that replays from the watermark.
	var rc conversation
	st.request(t, "GET", "/conversations/"+g.ConversationID+"?watermark=3", g.Token, nil).want(t, http.StatusOK, &rc)
	if rc.Token != g.Token || !strings.Contains(rc.StreamURL, "watermark=3") {
		t.Errorf("reconnect gave %+v", rc)
	}
	st.request(t, "GET", "/conversations/"+g.ConversationID+"?watermark=abc", g.Token, nil).wantError(t, http.StatusBadRequest, baton.EINVALID)
}

func TestPostAndList(t *testing.T) {
	st := newStack(t)
	c := st.generate(t, "dl_dana")

	id := st.say(t, c, "hello", "web-1")
	if want := c.ConversationID + "|0000002"; id != want {
		t.Errorf("activity id %q, want %q", id, want)
	}
	set := st.activities(t, c, "")
	if len(set.Activities) != 2 {
		t.Fatalf("activities %v, want the echo and the answer", texts(set.Activities))
	}
	echo, answer := set.Activities[0], set.Activities[1]
	if echo.ID != id || echo.Type != "message" || echo.Text != "hello" || echo.From.Role != "user" || echo.From.ID != "dl_dana" ||
		echo.ChannelData.ClientActivityID != "web-1" || echo.ChannelID != "directline" || echo.Conversation.ID != c.ConversationID || echo.Locale != "en" {
		t.Errorf("echo %+v", echo)
	}
	if ts, err := time.Parse(time.RFC3339Nano, echo.Timestamp); err != nil || ts.Location() != time.UTC {
		t.Errorf("timestamp %q: %v", echo.Timestamp, err)
	}
	if answer.From.Role != "bot" || answer.From.ID != "baton-bot" || answer.Text != "Hi! What can I do for you?" || answer.ReplyToID != id {
		t.Errorf("answer %+v", answer)
	}
	if sa := answer.SuggestedActions; sa == nil || len(sa.Actions) != 1 || sa.Actions[0].Type != "postBack" ||
		sa.Actions[0].Title != "Shipping times" || sa.Actions[0].Value != "shipping" {
		t.Errorf("suggestedActions %+v", answer.SuggestedActions)
	}
	if answer.ChannelData.Baton == nil || answer.ChannelData.Baton.Author != "bot" || answer.ChannelData.Baton.Seq != 3 {
		t.Errorf("channelData.baton %+v", answer.ChannelData.Baton)
	}
	if set.Watermark != "3" {
		t.Errorf("watermark %q, want 3", set.Watermark)
	}
	// The answer is stored with its question, at the same instant; Web Chat
	// orders by time, so the answer is said to come a moment later, the
	// same whichever watermark it is read from.
	echoAt, _ := time.Parse(time.RFC3339Nano, echo.Timestamp)
	answerAt, _ := time.Parse(time.RFC3339Nano, answer.Timestamp)
	if !answerAt.After(echoAt) || !(echo.ChannelData.SequenceID < answer.ChannelData.SequenceID) {
		t.Errorf("echo at %s (%f), answer at %s (%f): not in order", echo.Timestamp, echo.ChannelData.SequenceID,
			answer.Timestamp, answer.ChannelData.SequenceID)
	}
	if answer.ChannelData.SequenceID != float64(answerAt.UnixMicro())/1000 {
		t.Errorf("sequence id %f is not the timestamp %s in milliseconds", answer.ChannelData.SequenceID, answer.Timestamp)
	}
	if later := st.activities(t, c, "2"); len(later.Activities) != 1 || later.Activities[0].Timestamp != answer.Timestamp {
		t.Errorf("from watermark 2 the answer is %+v, want it at %s", later.Activities, answer.Timestamp)
	}

	// Nothing new after the watermark.
	if again := st.activities(t, c, set.Watermark); len(again.Activities) != 0 || again.Watermark != "3" {
		t.Errorf("after the watermark: %v, watermark %q", texts(again.Activities), again.Watermark)
	}
	// The same client activity id twice is one message.
	if dup := st.say(t, c, "hello", "web-1"); dup != id {
		t.Errorf("duplicate got id %q, want %q", dup, id)
	}
	// Without channelData the activity's own id names it.
	first := st.post(t, c, map[string]any{"type": "message", "text": "delivery time", "id": "own-1"})
	if again := st.post(t, c, map[string]any{"type": "message", "text": "delivery time", "id": "own-1"}); again != first {
		t.Errorf("same activity id stored twice: %s, %s", first, again)
	}
	if got := customerMessages(st.timeline(t, c.ConversationID)); len(got) != 2 {
		t.Errorf("stored customer messages %+v, want 2", got)
	}
}

func TestPostBack(t *testing.T) {
	st := newStack(t)
	for _, tt := range []struct {
		name string
		tap  map[string]any
	}{
		{"value", map[string]any{"type": "message", "value": "shipping", "channelData": map[string]any{"clientActivityID": "tap"}}},
		{"web chat postBack", map[string]any{"type": "message", "text": "shipping", "channelData": map[string]any{"postBack": true, "clientActivityID": "tap"}}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			c := st.generate(t, "u")
			st.say(t, c, "hello", "first")
			st.post(t, c, tt.tap)
			msgs := customerMessages(st.timeline(t, c.ConversationID))
			if len(msgs) != 2 || msgs[1].Text != "Shipping times" || msgs[1].Payload != "shipping" {
				t.Fatalf("stored %+v, want the button's title with its payload", msgs)
			}
			set := st.activities(t, c, "0")
			last := set.Activities[len(set.Activities)-1]
			if last.Text != "We ship within one business day." || last.From.Role != "bot" {
				t.Errorf("after the tap the bot said %v", texts(set.Activities))
			}
		})
	}
	// A payload the last quick replies did not offer is stored as it is.
	c := st.generate(t, "u")
	st.post(t, c, map[string]any{"type": "message", "value": "shipping"})
	if msgs := customerMessages(st.timeline(t, c.ConversationID)); len(msgs) != 1 || msgs[0].Text != "shipping" {
		t.Errorf("stored %+v", msgs)
	}
}

func TestUnstoredActivities(t *testing.T) {
	st := newStack(t)
	c := st.generate(t, "u")
	before := len(st.timeline(t, c.ConversationID))
	for _, typ := range []string{"typing", "event", "invoke"} {
		id := st.post(t, c, map[string]any{"type": typ, "name": "webchat/join", "channelData": map[string]string{"clientActivityID": typ}})
		if !strings.HasPrefix(id, c.ConversationID+"|") {
			t.Errorf("%s got id %q", typ, id)
		}
	}
	if after := len(st.timeline(t, c.ConversationID)); after != before {
		t.Errorf("typing and events stored %d entries", after-before)
	}
}

func TestBadInput(t *testing.T) {
	st := newStack(t)
	c := st.generate(t, "u")
	acts := "/conversations/" + c.ConversationID + "/activities"
	for _, tt := range []struct {
		name   string
		body   any
		status int
		code   string
	}{
		{"malformed JSON", rawBody(`{"type":"message","text":`), http.StatusBadRequest, baton.EINVALID},
		{"not an object", rawBody(`["hello"]`), http.StatusBadRequest, baton.EINVALID},
		{"trailing data", rawBody(`{"type":"message","text":"a"} {}`), http.StatusBadRequest, baton.EINVALID},
		{"empty body", rawBody(``), http.StatusBadRequest, baton.EINVALID},
		{"wrong type of text", rawBody(`{"type":"message","text":5}`), http.StatusBadRequest, baton.EINVALID},
		{"over 64 KiB", map[string]any{"type": "message", "text": strings.Repeat("a", 70<<10)}, http.StatusRequestEntityTooLarge, baton.ETOOLARGE},
		{"missing text", map[string]any{"type": "message"}, http.StatusBadRequest, baton.EINVALID},
		{"blank text", map[string]any{"type": "message", "text": "   "}, http.StatusBadRequest, baton.EINVALID},
		{"missing type", map[string]any{"text": "hello"}, http.StatusBadRequest, baton.EINVALID},
		{"attachments", map[string]any{"type": "message", "text": "see", "attachments": []any{map[string]string{"contentType": "image/png"}}}, http.StatusBadRequest, baton.EINVALID},
		{"long client id", map[string]any{"type": "message", "text": "a", "channelData": map[string]string{"clientActivityID": strings.Repeat("x", 201)}}, http.StatusBadRequest, baton.EINVALID},
	} {
		t.Run(tt.name, func(t *testing.T) {
			st.request(t, "POST", acts, c.Token, tt.body).wantError(t, tt.status, tt.code)
		})
	}
	st.request(t, "GET", acts+"?watermark=-1", c.Token, nil).wantError(t, http.StatusBadRequest, baton.EINVALID)
	st.request(t, "POST", "/tokens/generate", secret, rawBody(`{"user":`)).wantError(t, http.StatusBadRequest, baton.EINVALID)
	st.request(t, "POST", "/tokens/generate", secret, map[string]any{"user": map[string]string{"id": strings.Repeat("u", 201)}}).
		wantError(t, http.StatusBadRequest, baton.EINVALID)
	st.request(t, "POST", "/conversations/"+c.ConversationID+"/upload", c.Token, rawBody("--x")).wantError(t, http.StatusBadRequest, baton.EINVALID)
	st.request(t, "GET", "/nowhere", c.Token, nil).wantError(t, http.StatusNotFound, baton.ENOTFOUND)
	st.request(t, "DELETE", acts, c.Token, nil).wantError(t, http.StatusMethodNotAllowed, "method_not_allowed")
	if n := len(customerMessages(st.timeline(t, c.ConversationID))); n != 0 {
		t.Errorf("bad input stored %d messages", n)
	}
}

func TestCORS(t *testing.T) {
	st := newStack(t)
	req, _ := http.NewRequest("OPTIONS", st.URL+"/v3/directline/conversations", nil)
	req.Header.Set("Origin", "https://shop.example.com")
	req.Header.Set("Access-Control-Request-Method", "POST")
	req.Header.Set("Access-Control-Request-Headers", "authorization,content-type,x-ms-bot-agent,x-requested-with")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNoContent {
		t.Errorf("preflight status %d, want 204", resp.StatusCode)
	}
	if got := resp.Header.Get("Access-Control-Allow-Origin"); got != "*" {
		t.Errorf("Allow-Origin %q", got)
	}
	allowed := strings.Split(strings.ToLower(resp.Header.Get("Access-Control-Allow-Headers")), ", ")
	for _, h := range []string{"authorization", "content-type", "x-ms-bot-agent", "x-requested-with"} {
		if !slices.Contains(allowed, h) {
			t.Errorf("header %s not allowed: %v", h, allowed)
		}
	}
	if m := resp.Header.Get("Access-Control-Allow-Methods"); !strings.Contains(m, "POST") || !strings.Contains(m, "GET") {
		t.Errorf("Allow-Methods %q", m)
	}
	// Answers, errors included, are readable from any origin.
	r := st.request(t, "POST", "/tokens/generate", "wrong", nil)
	if r.Header.Get("Access-Control-Allow-Origin") != "*" {
		t.Errorf("error answer without Allow-Origin: %v", r.Header)
	}
}

func TestHandlerNeedsTokenKey(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("Handler accepted a 16-byte token key")
		}
	}()
	(&directline.Server{TokenKey: make([]byte, 16)}).Handler()
}
