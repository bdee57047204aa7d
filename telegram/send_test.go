package telegram

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/batonhq/baton"
)

var ratingButtons = []baton.Button{{Title: "1", Payload: "1"}, {Title: "2", Payload: "2"},
	{Title: "3", Payload: "3"}, {Title: "4", Payload: "4"}, {Title: "5", Payload: "5"}}

func outgoing(text string, buttons ...baton.Button) *baton.Outgoing {
	return &baton.Outgoing{
		Delivery: &baton.Delivery{ID: 41, ConversationID: "c1", Seq: 9, Channel: baton.ChannelTelegram,
			Account: testName, UserID: "584920137", Status: baton.DeliveryPending},
		Author:  baton.AuthorBot,
		Text:    text,
		Buttons: buttons,
		Window:  baton.ReplyWindow{Open: true},
	}
}

// sentMessage is the Bot API's result for a sent text message.
func sentMessage(id int, text string) answer {
	b, _ := json.Marshal(text)
	return okAnswer(fmt.Sprintf(`{"message_id":%d,"from":{"id":7312450981,"is_bot":true,"first_name":"Shop Support","username":"shop_support_bot"},`+
		`"chat":{"id":584920137,"first_name":"Noor","last_name":"de Vries","username":"noordv","type":"private"},"date":1767261010,"text":%s}`, id, b))
}

// sameJSON reports whether two JSON texts hold the same value.
func sameJSON(t *testing.T, got []byte, want string) bool {
	t.Helper()
	var g, w any
	if err := json.Unmarshal(got, &g); err != nil {
		t.Fatalf("not JSON: %v: %s", err, got)
	}
	if err := json.Unmarshal([]byte(want), &w); err != nil {
		t.Fatalf("want is not JSON: %v", err)
	}
	return reflect.DeepEqual(g, w)
}

func TestSend(t *testing.T) {
	api := newFakeAPI(t, nil, func(c apiCall, n int) answer {
		return sentMessage(140, "Hoe tevreden ben je over onze hulp?")
	})
	a := newAccount(t, api.URL)

	id, err := a.Send(context.Background(), outgoing("Hoe tevreden ben je over onze hulp?", ratingButtons...))
	if err != nil {
		t.Fatalf("Send: %v", err)
	}
	if id != "584920137:140" {
		t.Errorf("platform id %q, want 584920137:140", id)
	}
	calls := api.all()
	if len(calls) != 1 || calls[0].Method != "sendMessage" {
		t.Fatalf("calls %+v, want one sendMessage", calls)
	}
	c := calls[0]
	if c.HTTPMethod != http.MethodPost || c.ContentType != "application/json" {
		t.Errorf("sent as %s %s, want POST application/json", c.HTTPMethod, c.ContentType)
	}
	want := `{"chat_id":584920137,"text":"Hoe tevreden ben je over onze hulp?","reply_markup":{"inline_keyboard":[[
		{"text":"1","callback_data":"1"},{"text":"2","callback_data":"2"},{"text":"3","callback_data":"3"},
		{"text":"4","callback_data":"4"},{"text":"5","callback_data":"5"}]]}}`
	if !sameJSON(t, c.Body, want) {
		t.Errorf("body %s\nwant %s", c.Body, want)
	}
}

func TestSendWithoutButtons(t *testing.T) {
	api := newFakeAPI(t, nil, func(c apiCall, n int) answer { return sentMessage(141, "x") })
	a := newAccount(t, api.URL)
	if _, err := a.Send(context.Background(), outgoing("Je pakket is onderweg.")); err != nil {
		t.Fatal(err)
	}
	if body := api.all()[0].Body; !sameJSON(t, body, `{"chat_id":584920137,"text":"Je pakket is onderweg."}`) {
		t.Errorf("body %s", body)
	}
}

func TestSendErrors(t *testing.T) {
	tests := []struct {
		name       string
		answer     answer
		retry      bool
		retryAfter time.Duration
		reason     string // in the SendError's reason
	}{
		{"rate limited", answer{status: 429, body: `{"ok":false,"error_code":429,"description":"Too Many Requests: retry after 7","parameters":{"retry_after":7}}`},
			true, 7 * time.Second, "Too Many Requests: retry after 7"},
		{"rate limited, only a header", answer{status: 429, body: `<html>slow down</html>`, header: http.Header{"Retry-After": {"3"}}},
			true, 3 * time.Second, "429"},
		{"server error", answer{status: 500, body: `{"ok":false,"error_code":500,"description":"Internal Server Error"}`},
			true, 0, "Internal Server Error"},
		{"bad gateway page", answer{status: 502, body: `<html><body>502 Bad Gateway</body></html>`},
			true, 0, "502"},
		{"blocked", answer{status: 403, body: `{"ok":false,"error_code":403,"description":"Forbidden: bot was blocked by the user"}`},
			false, 0, "Forbidden: bot was blocked by the user"},
		{"chat not found", answer{status: 400, body: `{"ok":false,"error_code":400,"description":"Bad Request: chat not found"}`},
			false, 0, "Bad Request: chat not found"},
		{"group migrated", answer{status: 400, body: `{"ok":false,"error_code":400,"description":"Bad Request: group chat was upgraded to a supergroup chat","parameters":{"migrate_to_chat_id":-1002233445566}}`},
			false, 0, "-1002233445566"},
		{"token revoked", answer{status: 401, body: `{"ok":false,"error_code":401,"description":"Unauthorized"}`},
			false, 0, "check the bot token"},
		{"not found", answer{status: 404, body: `{"ok":false,"error_code":404,"description":"Not Found"}`},
			false, 0, "Not Found"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			api := newFakeAPI(t, nil, func(apiCall, int) answer { return tc.answer })
			a := newAccount(t, api.URL)

			id, err := a.Send(context.Background(), outgoing("Hallo Noor"))
			se, ok := err.(*baton.SendError)
			if !ok {
				t.Fatalf("Send = %q, %v; want a *baton.SendError", id, err)
			}
			if se.Retry != tc.retry || se.RetryAfter != tc.retryAfter {
				t.Errorf("Retry %v RetryAfter %v, want %v %v", se.Retry, se.RetryAfter, tc.retry, tc.retryAfter)
			}
			if !strings.Contains(se.Reason, tc.reason) {
				t.Errorf("reason %q does not say %q", se.Reason, tc.reason)
			}
			if strings.Contains(err.Error(), testToken) || strings.Contains(err.Error(), "bot"+testToken[:10]) {
				t.Errorf("the error holds the bot token: %q", err)
			}
		})
	}
}

func TestSendNetworkFailures(t *testing.T) {
	t.Run("unreachable", func(t *testing.T) {
		api := newFakeAPI(t, nil, nil)
		a := newAccount(t, api.URL)
		api.Close()

		_, err := a.Send(context.Background(), outgoing("Hallo Noor"))
		assertRetryWithoutToken(t, err)
	})
	t.Run("deadline", func(t *testing.T) {
		release := make(chan struct{})
		api := newFakeAPI(t, nil, func(apiCall, int) answer {
			<-release
			return sentMessage(142, "Hallo Noor")
		})
		defer close(release)
		a := newAccount(t, api.URL)
		ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
		defer cancel()

		_, err := a.Send(ctx, outgoing("Hallo Noor"))
		assertRetryWithoutToken(t, err)
		if !strings.Contains(err.Error(), "timed out") {
			t.Errorf("error %q does not say it timed out", err)
		}
	})
	t.Run("client timeout", func(t *testing.T) {
		release := make(chan struct{})
		api := newFakeAPI(t, nil, func(apiCall, int) answer {
			<-release
			return sentMessage(143, "Hallo Noor")
		})
		defer close(release)
		a := newAccount(t, api.URL)
		a.client = &http.Client{Timeout: 50 * time.Millisecond}

		_, err := a.Send(context.Background(), outgoing("Hallo Noor"))
		assertRetryWithoutToken(t, err)
	})
}

func assertRetryWithoutToken(t *testing.T, err error) {
	t.Helper()
	se, ok := err.(*baton.SendError)
	if !ok {
		t.Fatalf("err %v, want a *baton.SendError", err)
	}
	if !se.Retry {
		t.Errorf("%v: want Retry", se)
	}
	if strings.Contains(se.Error(), testToken) || strings.Contains(se.Error(), "/bot") {
		t.Errorf("the error holds the API URL: %q", se)
	}
}

func TestSendLongText(t *testing.T) {
	para := strings.Repeat("Dit is een lange uitleg over retourzendingen. ", 40) // 1840 bytes
	text := strings.TrimSpace(strings.Repeat(para+"\n\n", 5))                    // 9200 bytes, 5 paragraphs
	next := 200
	api := newFakeAPI(t, nil, func(c apiCall, n int) answer {
		next++
		return sentMessage(next, "…")
	})
	a := newAccount(t, api.URL)

	id, err := a.Send(context.Background(), outgoing(text, baton.Button{Title: "Ja, bedankt", Payload: baton.PayloadHelpful},
		baton.Button{Title: "Nee", Payload: baton.PayloadNotHelpful}))
	if err != nil {
		t.Fatal(err)
	}
	calls := api.callsOf("sendMessage")
	if len(calls) != 3 {
		t.Fatalf("%d messages, want 3", len(calls))
	}
	if id != fmt.Sprintf("584920137:%d", next) {
		t.Errorf("platform id %q, want the last message's, 584920137:%d", id, next)
	}
	var joined []string
	for i, c := range calls {
		s := c.field(t, "text").(string)
		if n := utf16Len(s); n > maxTextLength || n == 0 {
			t.Errorf("part %d is %d UTF-16 units long", i, n)
		}
		if strings.HasPrefix(s, "\n") || strings.HasSuffix(s, "\n") {
			t.Errorf("part %d was not cut between paragraphs: %q…%q", i, s[:20], s[len(s)-20:])
		}
		joined = append(joined, s)
		if markup := c.field(t, "reply_markup"); (markup != nil) != (i == len(calls)-1) {
			t.Errorf("part %d has reply_markup %v; only the last one should", i, markup)
		}
	}
	if strings.Join(joined, "\n\n") != text {
		t.Errorf("the parts do not make the text")
	}
}

// A retry after a partial send sends only what did not go out.
func TestSendResumesLongText(t *testing.T) {
	text := strings.Repeat("a", 4096) + strings.Repeat("b", 4096) + strings.Repeat("c", 100)
	failed := false
	api := newFakeAPI(t, nil, func(c apiCall, n int) answer {
		if n == 2 && !failed {
			failed = true
			return answer{status: 502, body: "bad gateway"}
		}
		return sentMessage(300+n, "…")
	})
	a := newAccount(t, api.URL)
	out := outgoing(text)

	if _, err := a.Send(context.Background(), out); err == nil || !err.(*baton.SendError).Retry {
		t.Fatalf("first attempt: %v, want a retry", err)
	}
	id, err := a.Send(context.Background(), out)
	if err != nil {
		t.Fatal(err)
	}
	var firsts []string
	for _, c := range api.callsOf("sendMessage") {
		firsts = append(firsts, c.field(t, "text").(string)[:1])
	}
	if got := strings.Join(firsts, ""); got != "abbc" {
		t.Errorf("sent parts starting %q, want abbc: part a once, b twice (failed, then retried), c once", got)
	}
	if id != "584920137:304" {
		t.Errorf("platform id %q", id)
	}
	// A third Send of the same delivery (the outbox lost the outcome) sends
	// everything again rather than nothing.
	if _, err := a.Send(context.Background(), out); err != nil || len(api.callsOf("sendMessage")) != 7 {
		t.Errorf("a finished delivery is not remembered: err %v, %d calls", err, len(api.callsOf("sendMessage")))
	}
}

func TestSendRefuses(t *testing.T) {
	noDelivery := outgoing("hoi")
	noDelivery.Delivery = nil
	badChat := outgoing("hoi")
	badChat.Delivery.UserID = "@noordv"
	tests := map[string]*baton.Outgoing{
		"nil":         nil,
		"no delivery": noDelivery,
		"bad chat id": badChat,
		"empty text":  outgoing(" \n ", ratingButtons...),
	}
	for name, out := range tests {
		t.Run(name, func(t *testing.T) {
			api := newFakeAPI(t, nil, nil)
			a := newAccount(t, api.URL)
			_, err := a.Send(context.Background(), out)
			se, ok := err.(*baton.SendError)
			if !ok || se.Retry {
				t.Fatalf("err %v, want a final *baton.SendError", err)
			}
			if len(api.all()) != 0 {
				t.Errorf("the Bot API was called")
			}
		})
	}
}

func TestKeyboard(t *testing.T) {
	long := strings.Repeat("é", 40) // 80 bytes
	tests := []struct {
		name    string
		buttons []baton.Button
		rows    []int // buttons per row
		cut     int
	}{
		{"rating", ratingButtons, []int{5}, 0},
		{"yes or no", []baton.Button{{Title: "Ja, bedankt", Payload: baton.PayloadHelpful}, {Title: "Nee", Payload: baton.PayloadNotHelpful}}, []int{2}, 0},
		{"four topics", []baton.Button{{Title: "Bestelling", Payload: "order"}, {Title: "Retour", Payload: "return"},
			{Title: "Factuur", Payload: "invoice"}, {Title: "Iets anders", Payload: "other"}}, []int{2, 2}, 0},
		{"long titles", []baton.Button{{Title: "Ik wil mijn abonnement opzeggen", Payload: "cancel"},
			{Title: "Ik wil met een medewerker praten", Payload: "agent"}}, []int{1, 1}, 0},
		{"seven digits", append(ratingButtons, baton.Button{Title: "6", Payload: "6"}, baton.Button{Title: "7", Payload: "7"}), []int{4, 3}, 0},
		{"long payload", []baton.Button{{Title: "Ja", Payload: long}}, []int{1}, 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			k, cut := keyboard(tc.buttons)
			var rows []int
			i := 0
			for _, row := range k.InlineKeyboard {
				rows = append(rows, len(row))
				for _, b := range row {
					if b.Text != tc.buttons[i].Title {
						t.Errorf("button %d text %q, want %q", i, b.Text, tc.buttons[i].Title)
					}
					if n := len(b.CallbackData); n < 1 || n > maxCallbackData || !utf8.ValidString(b.CallbackData) {
						t.Errorf("button %d callback_data %q: %d bytes", i, b.CallbackData, n)
					}
					if !strings.HasPrefix(tc.buttons[i].Payload, b.CallbackData) {
						t.Errorf("button %d callback_data %q is not its payload", i, b.CallbackData)
					}
					i++
				}
			}
			if !reflect.DeepEqual(rows, tc.rows) {
				t.Errorf("rows %v, want %v", rows, tc.rows)
			}
			if cut != tc.cut {
				t.Errorf("cut %d, want %d", cut, tc.cut)
			}
		})
	}
}

func TestKeyboardButtonWithoutPayload(t *testing.T) {
	k, _ := keyboard([]baton.Button{{Title: "Meer info"}, {Payload: "more"}})
	row := k.InlineKeyboard[0]
	if row[0].CallbackData != "Meer info" || row[1].Text != "more" {
		t.Errorf("buttons %+v: an empty payload takes the title and an empty title the payload", row)
	}
}

func TestSplitText(t *testing.T) {
	tests := []struct {
		name  string
		text  string
		parts int
	}{
		{"short", "Hallo Noor", 1},
		{"exactly the limit", strings.Repeat("a", 4096), 1},
		{"one over", strings.Repeat("a", 4097), 2},
		{"emoji count twice", strings.Repeat("😀", 2048), 1},
		{"emoji over", strings.Repeat("😀", 2049), 2},
		{"Hebrew words", strings.Repeat("שלום עולם ", 1000), 3},
		{"blank", " \n\t", 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			parts := splitText(tc.text, maxTextLength)
			if len(parts) != tc.parts {
				t.Fatalf("%d parts, want %d", len(parts), tc.parts)
			}
			for i, p := range parts {
				if n := utf16Len(p); n > maxTextLength {
					t.Errorf("part %d is %d UTF-16 units", i, n)
				}
				if !utf8.ValidString(p) {
					t.Errorf("part %d cuts a character", i)
				}
			}
		})
	}
	// Without a break to prefer, the cut is exact and nothing is lost.
	text := strings.Repeat("x😀", 3000)
	if got := strings.Join(splitText(text, maxTextLength), ""); got != text {
		t.Error("the parts do not make the text")
	}
}

func TestSetWebhook(t *testing.T) {
	api := newFakeAPI(t, nil, func(c apiCall, n int) answer {
		return okAnswer(`true`)
	})
	a := newAccount(t, api.URL)
	if err := a.SetWebhook(context.Background(), "https://support.example.com/webhooks/telegram/shop-bot"); err != nil {
		t.Fatal(err)
	}
	calls := api.callsOf("setWebhook")
	if len(calls) != 1 {
		t.Fatalf("%d setWebhook calls", len(calls))
	}
	want := `{"url":"https://support.example.com/webhooks/telegram/shop-bot","secret_token":"` + testSecret + `",
		"allowed_updates":["message","callback_query"]}`
	if !sameJSON(t, calls[0].Body, want) {
		t.Errorf("body %s\nwant %s", calls[0].Body, want)
	}
}

func TestSetWebhookError(t *testing.T) {
	api := newFakeAPI(t, nil, func(c apiCall, n int) answer {
		return answer{status: 400, body: `{"ok":false,"error_code":400,"description":"Bad Request: bad webhook: HTTPS url must be provided for webhook"}`}
	})
	a := newAccount(t, api.URL)
	err := a.SetWebhook(context.Background(), "http://support.example.com/webhooks/telegram/shop-bot")
	if err == nil || !strings.Contains(err.Error(), "HTTPS url must be provided") {
		t.Fatalf("err %v, want Telegram's description", err)
	}
	if strings.Contains(err.Error(), testToken) {
		t.Errorf("the error holds the bot token: %q", err)
	}
}

func TestNew(t *testing.T) {
	valid := Config{Name: testName, BotToken: testToken, SecretToken: testSecret}
	a, err := New(valid, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if a.base != DefaultAPIBase+"/bot"+testToken+"/" {
		t.Errorf("base %q", a.base)
	}
	tests := map[string]func(c *Config){
		"no name":              func(c *Config) { c.Name = "" },
		"no token":             func(c *Config) { c.BotToken = "" },
		"token with a slash":   func(c *Config) { c.BotToken = testToken + "/x" },
		"token with a space":   func(c *Config) { c.BotToken = testToken + " " },
		"no secret":            func(c *Config) { c.SecretToken = "" },
		"secret with a space":  func(c *Config) { c.SecretToken = "wh secret" },
		"secret too long":      func(c *Config) { c.SecretToken = strings.Repeat("s", 257) },
		"API base not http(s)": func(c *Config) { c.APIBase = "ftp://api.telegram.org" },
		"API base relative":    func(c *Config) { c.APIBase = "api.telegram.org" },
	}
	for name, change := range tests {
		t.Run(name, func(t *testing.T) {
			c := valid
			change(&c)
			_, err := New(c, nil, nil)
			if err == nil {
				t.Fatal("New accepted it")
			}
			if strings.Contains(err.Error(), testToken) {
				t.Errorf("the error holds the bot token: %q", err)
			}
		})
	}
}
