package telegram

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/batonhq/baton"
)

func TestWebhookUpdates(t *testing.T) {
	// Noor de Vries, in her private chat with the bot.
	noor := func(id, text string, at time.Time) baton.Inbound {
		return baton.Inbound{Channel: baton.ChannelTelegram, Account: testName, UserID: "584920137",
			Name: "Noor de Vries", Locale: "nl", MessageID: id, Text: text, At: at}
	}
	at := func(unix int64) time.Time { return time.Unix(unix, 0).UTC() }
	contact := noor("584920137:124", "[contact: Noor de Vries, +31612345678]", at(1767260100))
	contact.Phone = "+31612345678"
	rating := noor("cb:2512287465921830601", "4", testNow)
	rating.Payload = "4"
	helpful := noor("cb:2512287466073126944", "Nee", testNow)
	helpful.Payload = baton.PayloadNotHelpful

	tests := []struct {
		file string
		want *baton.Inbound // nil: ignored
	}{
		{"text.json", &baton.Inbound{Channel: baton.ChannelTelegram, Account: testName, UserID: "584920137",
			Name: "Noor de Vries", Locale: "nl", MessageID: "584920137:118",
			Text: "Hoi, waar blijft mijn bestelling 40213?", At: time.Date(2026, 1, 1, 9, 30, 0, 0, time.UTC)}},
		{"start.json", ptr(noor("584920137:117", "/start", at(1767259740)))},
		{"photo_caption.json", ptr(noor("584920137:119", "[photo] Zo kwam het pakket aan", at(1767259862)))},
		{"location.json", ptr(noor("584920137:120", "[location: 52.370216, 4.895168]", at(1767259901)))},
		{"document.json", ptr(noor("584920137:121", "[document: factuur-40213.pdf]", at(1767259960)))},
		{"voice.json", ptr(noor("584920137:122", "[voice message]", at(1767260010)))},
		{"sticker.json", ptr(noor("584920137:123", "[sticker 😀]", at(1767260042)))},
		{"contact.json", &contact},
		{"video.json", ptr(noor("584920137:125", "[video]", at(1767260160)))},
		{"callback_query.json", &rating},
		{"callback_helpful.json", &helpful},
		{"group.json", nil},
		{"edited_message.json", nil},
		{"my_chat_member.json", nil},
	}
	for _, tc := range tests {
		t.Run(tc.file, func(t *testing.T) {
			api := newFakeAPI(t, nil, nil)
			sink := &fakeSink{journal: &journal{}}
			h := newAccount(t, api.URL).Webhook(sink)

			w := postUpdate(h, readUpdate(t, tc.file), testSecret)
			if w.Code != http.StatusOK {
				t.Fatalf("status %d, want 200: %s", w.Code, w.Body)
			}
			got := sink.inbound()
			switch {
			case tc.want == nil && len(got) != 0:
				t.Fatalf("the sink got %+v, want nothing", got)
			case tc.want != nil && len(got) != 1:
				t.Fatalf("the sink got %d inbound messages, want 1", len(got))
			case tc.want != nil && !reflect.DeepEqual(got[0], *tc.want):
				t.Fatalf("inbound\n got %+v\nwant %+v", got[0], *tc.want)
			}
		})
	}
}

func ptr[T any](v T) *T { return &v }

func TestWebhookAnswersTapAfterStoringIt(t *testing.T) {
	j := &journal{}
	api := newFakeAPI(t, j, func(c apiCall, _ int) answer {
		if c.Method == "editMessageReplyMarkup" {
			return okAnswer(`{"message_id":131,"date":1767261010,"chat":{"id":584920137,"type":"private"},"text":"Hoe tevreden ben je over onze hulp?"}`)
		}
		return okAnswer("true")
	})
	sink := &fakeSink{journal: j}
	h := newAccount(t, api.URL).Webhook(sink)

	if w := postUpdate(h, readUpdate(t, "callback_query.json"), testSecret); w.Code != http.StatusOK {
		t.Fatalf("status %d, want 200", w.Code)
	}
	if got, want := j.list(), []string{"sink", "api:answerCallbackQuery", "api:editMessageReplyMarkup"}; !slices.Equal(got, want) {
		t.Fatalf("order %q, want %q", got, want)
	}
	answer := api.callsOf("answerCallbackQuery")[0]
	if got := answer.field(t, "callback_query_id"); got != "2512287465921830601" {
		t.Errorf("callback_query_id %v", got)
	}
	if answer.HTTPMethod != http.MethodPost || answer.ContentType != "application/json" {
		t.Errorf("answerCallbackQuery sent as %s %s", answer.HTTPMethod, answer.ContentType)
	}
	edit := api.callsOf("editMessageReplyMarkup")[0]
	if chat, msg := edit.field(t, "chat_id"), edit.field(t, "message_id"); chat != json.Number("584920137") || msg != json.Number("131") {
		t.Errorf("editMessageReplyMarkup chat_id %v message_id %v, want 584920137 and 131", chat, msg)
	}
	if m := edit.field(t, "reply_markup"); m != nil {
		t.Errorf("editMessageReplyMarkup sent reply_markup %v; without one the keyboard goes", m)
	}
}

func TestWebhookTapAnswerFailureIsNotTelegramsProblem(t *testing.T) {
	api := newFakeAPI(t, nil, func(c apiCall, _ int) answer {
		return answer{status: http.StatusBadRequest,
			body: `{"ok":false,"error_code":400,"description":"Bad Request: query is too old and response timeout expired or query ID is invalid"}`}
	})
	sink := &fakeSink{journal: &journal{}}
	h := newAccount(t, api.URL).Webhook(sink)

	if w := postUpdate(h, readUpdate(t, "callback_helpful.json"), testSecret); w.Code != http.StatusOK {
		t.Fatalf("status %d, want 200: the tap is stored, Telegram must not deliver it again", w.Code)
	}
	if len(sink.inbound()) != 1 || len(api.callsOf("answerCallbackQuery")) != 1 {
		t.Fatalf("sink got %d, answerCallbackQuery called %d times; want 1 and 1", len(sink.inbound()), len(api.callsOf("answerCallbackQuery")))
	}
}

func TestWebhookAnswersIgnoredTaps(t *testing.T) {
	// A tap in a group: nothing for the sink, but the tapper's client
	// still waits for an answer.
	body := bytes.Replace(readUpdate(t, "callback_query.json"), []byte(`"type": "private"`), []byte(`"type": "supergroup"`), 1)
	api := newFakeAPI(t, nil, nil)
	sink := &fakeSink{journal: &journal{}}
	h := newAccount(t, api.URL).Webhook(sink)

	if w := postUpdate(h, body, testSecret); w.Code != http.StatusOK {
		t.Fatalf("status %d, want 200", w.Code)
	}
	if len(sink.inbound()) != 0 {
		t.Errorf("the sink got %+v", sink.inbound())
	}
	if n := len(api.callsOf("answerCallbackQuery")); n != 1 {
		t.Errorf("answerCallbackQuery called %d times, want 1", n)
	}
	if n := len(api.callsOf("editMessageReplyMarkup")); n != 0 {
		t.Errorf("editMessageReplyMarkup called %d times for an ignored tap", n)
	}
}

func TestWebhookRefuses(t *testing.T) {
	text := readUpdate(t, "text.json")
	huge := []byte(`{"update_id":731402299,"message":{"text":"` + strings.Repeat("a", MaxUpdateSize) + `"}}`)
	tests := []struct {
		name   string
		method string
		secret string
		body   []byte
		want   int
	}{
		{"no secret", http.MethodPost, "", text, http.StatusUnauthorized},
		{"wrong secret", http.MethodPost, "wh-Secret_4f1c9a7e2c", text, http.StatusUnauthorized},
		{"secret prefix", http.MethodPost, testSecret[:5], text, http.StatusUnauthorized},
		{"secret with more", http.MethodPost, testSecret + "x", text, http.StatusUnauthorized},
		{"GET", http.MethodGet, testSecret, nil, http.StatusMethodNotAllowed},
		{"PUT", http.MethodPut, testSecret, text, http.StatusMethodNotAllowed},
		{"too large", http.MethodPost, testSecret, huge, http.StatusRequestEntityTooLarge},
		{"not JSON", http.MethodPost, testSecret, []byte(`{"update_id":`), http.StatusBadRequest},
		{"empty", http.MethodPost, testSecret, nil, http.StatusBadRequest},
		{"an array", http.MethodPost, testSecret, []byte(`[{"update_id":731402215}]`), http.StatusBadRequest},
		{"no update_id", http.MethodPost, testSecret, []byte(`{"message":{"message_id":1}}`), http.StatusBadRequest},
		{"update_id a string", http.MethodPost, testSecret, []byte(`{"update_id":"731402215"}`), http.StatusBadRequest},
		{"message without chat", http.MethodPost, testSecret,
			[]byte(`{"update_id":731402260,"message":{"message_id":130,"date":1767260000,"text":"hoi"}}`), http.StatusBadRequest},
		{"private message without date", http.MethodPost, testSecret,
			[]byte(`{"update_id":731402261,"message":{"message_id":130,"chat":{"id":584920137,"type":"private"},"text":"hoi"}}`), http.StatusBadRequest},
		{"callback without id", http.MethodPost, testSecret,
			[]byte(`{"update_id":731402262,"callback_query":{"from":{"id":584920137,"is_bot":false,"first_name":"Noor"},"chat_instance":"1","data":"4"}}`), http.StatusBadRequest},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			api := newFakeAPI(t, nil, nil)
			sink := &fakeSink{journal: &journal{}}
			h := newAccount(t, api.URL).Webhook(sink)

			r := httptest.NewRequest(tc.method, "/webhooks/telegram/"+testName, bytes.NewReader(tc.body))
			if tc.secret != "" {
				r.Header.Set(SecretHeader, tc.secret)
			}
			w := httptest.NewRecorder()
			h.ServeHTTP(w, r)
			if w.Code != tc.want {
				t.Fatalf("status %d, want %d", w.Code, tc.want)
			}
			if tc.want == http.StatusMethodNotAllowed && w.Header().Get("Allow") != http.MethodPost {
				t.Errorf("Allow %q, want POST", w.Header().Get("Allow"))
			}
			if got := sink.journal.list(); len(got) != 0 {
				t.Errorf("the sink was called: %q", got)
			}
			if got := api.all(); len(got) != 0 {
				t.Errorf("the Bot API was called: %+v", got)
			}
		})
	}
}

func TestWebhookSinkFailureMakesTelegramRetry(t *testing.T) {
	for _, file := range []string{"text.json", "callback_query.json"} {
		t.Run(file, func(t *testing.T) {
			api := newFakeAPI(t, nil, nil)
			sink := &fakeSink{journal: &journal{}, err: errors.New("database is locked")}
			h := newAccount(t, api.URL).Webhook(sink)

			w := postUpdate(h, readUpdate(t, file), testSecret)
			if w.Code != http.StatusInternalServerError {
				t.Fatalf("status %d, want 500", w.Code)
			}
			if strings.Contains(w.Body.String(), "database") {
				t.Errorf("the answer tells internals: %q", w.Body)
			}
			// Nothing was stored, so the tap is not answered yet: it will
			// be when Telegram delivers it again.
			if got := api.all(); len(got) != 0 {
				t.Errorf("the Bot API was called: %+v", got)
			}
		})
	}
}

// A repeated delivery is handed to the sink again, with the same
// MessageID: the sink keeps it once.
func TestWebhookRedeliveryKeepsMessageID(t *testing.T) {
	api := newFakeAPI(t, nil, nil)
	sink := &fakeSink{journal: &journal{}}
	h := newAccount(t, api.URL).Webhook(sink)
	for range 2 {
		if w := postUpdate(h, readUpdate(t, "callback_helpful.json"), testSecret); w.Code != http.StatusOK {
			t.Fatalf("status %d", w.Code)
		}
	}
	got := sink.inbound()
	if len(got) != 2 || got[0].MessageID != got[1].MessageID || got[0].MessageID != "cb:2512287466073126944" {
		t.Fatalf("message ids %+v", got)
	}
}
