package messenger

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/batonhq/baton"
)

func ms(v int64) time.Time { return time.UnixMilli(v).UTC() }

func TestWebhookHandshake(t *testing.T) {
	h := Webhook(testAccounts(t), &sink{}, nil)
	tests := []struct {
		name   string
		query  url.Values
		status int
	}{
		{"first account's token", url.Values{"hub.mode": {"subscribe"}, "hub.verify_token": {testVerifyToken}, "hub.challenge": {"1158201444"}}, 200},
		{"another account's token", url.Values{"hub.mode": {"subscribe"}, "hub.verify_token": {"other-verify-token"}, "hub.challenge": {"1158201444"}}, 200},
		{"wrong token", url.Values{"hub.mode": {"subscribe"}, "hub.verify_token": {"guess"}, "hub.challenge": {"1158201444"}}, 403},
		{"token prefix", url.Values{"hub.mode": {"subscribe"}, "hub.verify_token": {testVerifyToken[:5]}, "hub.challenge": {"1158201444"}}, 403},
		{"empty token", url.Values{"hub.mode": {"subscribe"}, "hub.verify_token": {""}, "hub.challenge": {"1158201444"}}, 403},
		{"other mode", url.Values{"hub.mode": {"unsubscribe"}, "hub.verify_token": {testVerifyToken}, "hub.challenge": {"1158201444"}}, 403},
		{"no challenge", url.Values{"hub.mode": {"subscribe"}, "hub.verify_token": {testVerifyToken}}, 403},
		{"nothing", url.Values{}, 403},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := httptest.NewRecorder()
			h.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/webhooks/messenger?"+tt.query.Encode(), nil))
			if w.Code != tt.status {
				t.Fatalf("status = %d, want %d", w.Code, tt.status)
			}
			if tt.status != 200 {
				if strings.Contains(w.Body.String(), "1158201444") {
					t.Error("a refused handshake echoed the challenge")
				}
				return
			}
			if got := w.Body.String(); got != "1158201444" {
				t.Errorf("body = %q, want the challenge", got)
			}
			if ct := w.Header().Get("Content-Type"); !strings.HasPrefix(ct, "text/plain") {
				t.Errorf("Content-Type = %q, want text/plain", ct)
			}
		})
	}
}

func TestWebhookMethodNotAllowed(t *testing.T) {
	w := httptest.NewRecorder()
	Webhook(testAccounts(t), &sink{}, nil).ServeHTTP(w, httptest.NewRequest(http.MethodPut, "/", nil))
	if w.Code != http.StatusMethodNotAllowed || w.Header().Get("Allow") != "GET, POST" {
		t.Fatalf("status = %d, Allow = %q", w.Code, w.Header().Get("Allow"))
	}
}

func TestWebhookRefusesBadSignatures(t *testing.T) {
	body := readTestdata(t, "text.json")
	good := sign(testSecret, body)
	tests := []struct{ name, signature string }{
		{"missing", ""},
		{"unknown secret", sign("not-the-secret", body)},
		{"other body", sign(testSecret, append(bytes.Clone(body), ' '))},
		{"sha1 scheme", "sha1=" + strings.TrimPrefix(good, "sha256=")[:40]},
		{"no scheme", strings.TrimPrefix(good, "sha256=")},
		{"upper-case scheme", "SHA256=" + strings.TrimPrefix(good, "sha256=")},
		{"truncated", good[:len(good)-2]},
		{"not hex", "sha256=" + strings.Repeat("zz", 32)},
		{"empty digest", "sha256="},
		{"two signatures", good + "," + good},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := &sink{}
			w := post(Webhook(testAccounts(t), s, nil), body, tt.signature)
			if w.Code != http.StatusUnauthorized {
				t.Errorf("status = %d, want 401", w.Code)
			}
			if s.calls() != 0 {
				t.Errorf("sink got %d calls from an unsigned body", s.calls())
			}
		})
	}
	t.Run("upper-case hex digest is fine", func(t *testing.T) {
		s := &sink{}
		w := post(Webhook(testAccounts(t), s, nil), body, "sha256="+strings.ToUpper(strings.TrimPrefix(good, "sha256=")))
		if w.Code != 200 || s.calls() != 1 {
			t.Errorf("status = %d, calls = %d", w.Code, s.calls())
		}
	})
}

func TestWebhookEvents(t *testing.T) {
	shop := func(in baton.Inbound) baton.Inbound {
		in.Channel, in.Account = baton.ChannelMessenger, "shop-page"
		if in.UserID == "" {
			in.UserID = customer
		}
		return in
	}
	delivered := func(account, mid string, at int64) baton.StatusUpdate {
		return baton.StatusUpdate{Channel: baton.ChannelMessenger, Account: account, PlatformID: mid, Status: baton.DeliveryDelivered, At: ms(at)}
	}
	tests := []struct {
		file     string
		inbound  []baton.Inbound
		statuses []baton.StatusUpdate
	}{
		{file: "text.json", inbound: []baton.Inbound{
			shop(baton.Inbound{MessageID: "m_AbCdEf0123456789text", Text: "Hi, where is my order #1042?", At: ms(1735725600123)}),
		}},
		{file: "quick_reply.json", inbound: []baton.Inbound{
			shop(baton.Inbound{MessageID: "m_AbCdEf0123456789quick", Text: "No", Payload: "helpful:no", At: ms(1735725660250)}),
		}},
		{file: "postback.json", inbound: []baton.Inbound{
			shop(baton.Inbound{MessageID: "m_AbCdEf0123456789postback", Text: "Talk to a person", Payload: "handoff:request", At: ms(1735725720777)}),
		}},
		{file: "postback_no_mid.json", inbound: []baton.Inbound{
			shop(baton.Inbound{MessageID: derivedID("postback", customer, 1735725780555, "GET_STARTED", "Get Started"), Text: "Get Started", Payload: "GET_STARTED", At: ms(1735725780555)}),
		}},
		{file: "attachment_image.json", inbound: []baton.Inbound{
			shop(baton.Inbound{MessageID: "m_AbCdEf0123456789image", Text: "[image]", At: ms(1735725840300)}),
		}},
		{file: "attachments_other.json", inbound: []baton.Inbound{
			shop(baton.Inbound{MessageID: "m_file", Text: "[file: invoice-1042.pdf]", At: ms(1735725900001)}),
			shop(baton.Inbound{MessageID: "m_location", Text: "[location]", At: ms(1735725900002)}),
			shop(baton.Inbound{MessageID: "m_sticker", Text: "[sticker]", At: ms(1735725900003)}),
			shop(baton.Inbound{MessageID: "m_audio", Text: "[audio]", At: ms(1735725900004)}),
			shop(baton.Inbound{MessageID: "m_video", Text: "see this\n[video]", At: ms(1735725900005)}),
			shop(baton.Inbound{MessageID: "m_fallback", Text: "[link]", At: ms(1735725900006)}),
		}},
		{file: "echo.json"},
		{file: "delivery.json", statuses: []baton.StatusUpdate{
			delivered("shop-page", "m_sent_by_baton_1", 1735726020456),
			delivered("shop-page", "m_sent_by_baton_2", 1735726020456),
		}},
		// "read" is a watermark: every message to the customer sent before it.
		{file: "read.json", statuses: []baton.StatusUpdate{{Channel: baton.ChannelMessenger, Account: "shop-page",
			UserID: customer, Before: ms(1735726080456), At: ms(1735726080456), Status: baton.DeliveryRead}}},
		{file: "batch.json",
			inbound: []baton.Inbound{
				shop(baton.Inbound{MessageID: "m_batch_1", Text: "first", At: ms(1735726140100)}),
				shop(baton.Inbound{MessageID: "m_batch_2", Text: "second", At: ms(1735726140300)}),
				{Channel: baton.ChannelMessenger, Account: "help-page", UserID: otherCustomer, MessageID: "m_batch_3", Text: "Opening hours", Payload: "faq:hours", At: ms(1735726140400)},
			},
			statuses: []baton.StatusUpdate{delivered("shop-page", "m_sent_by_baton_3", 1735726140200),
				{Channel: baton.ChannelMessenger, Account: "help-page", UserID: otherCustomer, Before: ms(1735726140450),
					At: ms(1735726140450), Status: baton.DeliveryRead}},
		},
		{file: "unknown_page.json", inbound: []baton.Inbound{
			shop(baton.Inbound{MessageID: "m_known", Text: "for the shop", At: ms(1735726200200)}),
		}},
		{file: "other_object.json"},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			body := readTestdata(t, tt.file)
			s := &sink{}
			w := post(Webhook(testAccounts(t), s, nil), body, sign(testSecret, body))
			if w.Code != http.StatusOK {
				t.Fatalf("status = %d, want 200; body %q", w.Code, w.Body)
			}
			if !reflect.DeepEqual(s.inbound, tt.inbound) {
				t.Errorf("inbound:\n got %+v\nwant %+v", s.inbound, tt.inbound)
			}
			if !reflect.DeepEqual(s.statuses, tt.statuses) {
				t.Errorf("statuses:\n got %+v\nwant %+v", s.statuses, tt.statuses)
			}
			// Meta repeats a notification it thinks failed: the ids repeat too.
			post(Webhook(testAccounts(t), s, nil), body, sign(testSecret, body))
			for i, in := range tt.inbound {
				if again := s.inbound[len(tt.inbound)+i]; again.MessageID != in.MessageID {
					t.Errorf("repeated delivery has MessageID %q, first had %q", again.MessageID, in.MessageID)
				}
			}
		})
	}
}

// An entry is taken only for a page whose own app secret signed the body:
// one Meta app cannot speak for another's page.
func TestWebhookRoutesByPageAndSecret(t *testing.T) {
	body := []byte(`{"object":"page","entry":[
		{"id":"` + shopPage + `","time":1735726200950,"messaging":[{"sender":{"id":"` + customer + `"},"recipient":{"id":"` + shopPage + `"},"timestamp":1735726200200,"message":{"mid":"m_shop","text":"a"}}]},
		{"id":"` + otherPage + `","time":1735726200950,"messaging":[{"sender":{"id":"` + customer + `"},"recipient":{"id":"` + otherPage + `"},"timestamp":1735726200300,"message":{"mid":"m_other","text":"b"}}]}]}`)
	for _, tt := range []struct{ secret, want string }{{testSecret, "m_shop"}, {otherSecret, "m_other"}} {
		s := &sink{}
		w := post(Webhook(testAccounts(t), s, nil), body, sign(tt.secret, body))
		if w.Code != 200 || len(s.inbound) != 1 || s.inbound[0].MessageID != tt.want {
			t.Errorf("signed with %s: status %d, inbound %+v; want only %s", tt.secret, w.Code, s.inbound, tt.want)
		}
	}
}

func TestWebhookTooLarge(t *testing.T) {
	body := readTestdata(t, "text.json")
	body = append(body, bytes.Repeat([]byte(" "), MaxBodySize+1-len(body))...)
	s := &sink{}
	w := post(Webhook(testAccounts(t), s, nil), body, sign(testSecret, body))
	if w.Code != http.StatusRequestEntityTooLarge || s.calls() != 0 {
		t.Fatalf("status = %d, calls = %d; want 413 and none", w.Code, s.calls())
	}
	// Exactly at the limit is read.
	body = body[:MaxBodySize]
	if w := post(Webhook(testAccounts(t), s, nil), body, sign(testSecret, body)); w.Code != 200 || s.calls() != 1 {
		t.Fatalf("at the limit: status = %d, calls = %d", w.Code, s.calls())
	}
}

func TestWebhookMalformed(t *testing.T) {
	for _, body := range []string{
		`{"object":"page","entry":[`,
		`not json`,
		``,
		`[]`,
		`null`,
		`{"entry":[]}`,
		`{"object":7,"entry":[]}`,
		`{"object":"page","entry":{}}`,
		`{"object":"page","entry":[]} {}`,
	} {
		s := &sink{}
		w := post(Webhook(testAccounts(t), s, nil), []byte(body), sign(testSecret, []byte(body)))
		if w.Code != http.StatusBadRequest || s.calls() != 0 {
			t.Errorf("%q: status = %d, calls = %d; want 400", body, w.Code, s.calls())
		}
	}
}

// An odd event is skipped, not the notification: Meta would retry a 400
// for ever.
func TestWebhookSkipsOddEvents(t *testing.T) {
	body := []byte(`{"object":"page","entry":[
		{"id":"` + shopPage + `","messaging":[
			{"sender":{"id":"` + customer + `"},"timestamp":1,"message":{"mid":"m_bad","text":{"nested":true}}},
			{"sender":{"id":"` + customer + `"},"timestamp":1735726200300,"reaction":{"mid":"m_x","action":"react","emoji":"❤"}},
			{"sender":{"id":"` + customer + `"},"timestamp":1735726200400,"message":{"mid":"m_good","text":"ok"}}]},
		{"id":{"not":"an id"}}]}`)
	s := &sink{}
	w := post(Webhook(testAccounts(t), s, nil), body, sign(testSecret, body))
	if w.Code != 200 || len(s.inbound) != 1 || s.inbound[0].MessageID != "m_good" {
		t.Fatalf("status %d, inbound %+v", w.Code, s.inbound)
	}
}

func TestWebhookSinkFailureIs500(t *testing.T) {
	for _, tt := range []struct {
		file string
		sink *sink
	}{
		{"text.json", &sink{failInbound: errSinkDown}},
		{"postback.json", &sink{failInbound: errSinkDown}},
		{"delivery.json", &sink{failStatus: errSinkDown}},
		{"batch.json", &sink{failStatus: errSinkDown}},
	} {
		body := readTestdata(t, tt.file)
		w := post(Webhook(testAccounts(t), tt.sink, nil), body, sign(testSecret, body))
		if w.Code != http.StatusInternalServerError {
			t.Errorf("%s: status = %d, want 500", tt.file, w.Code)
		}
		if strings.Contains(w.Body.String(), errSinkDown.Error()) {
			t.Errorf("%s: the answer shows the internal error", tt.file)
		}
	}
}

func TestWebhookUnknownTimeIsNow(t *testing.T) {
	body := []byte(`{"object":"page","entry":[{"id":"` + shopPage + `","messaging":[{"sender":{"id":"` + customer + `"},"message":{"mid":"m_when","text":"?"}}]}]}`)
	now := time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)
	h := Webhook(testAccounts(t), &sink{}, nil).(*webhook)
	h.now = func() time.Time { return now }
	s := &sink{}
	h.sink = s
	if w := post(h, body, sign(testSecret, body)); w.Code != 200 || len(s.inbound) != 1 || !s.inbound[0].At.Equal(now) {
		t.Fatalf("status %d, inbound %+v", w.Code, s.inbound)
	}
}

// Message text and attachment links stay out of the logs, even at debug.
func TestWebhookNeverLogsContent(t *testing.T) {
	logger, logs := logBuffer()
	for _, f := range []string{"text.json", "quick_reply.json", "postback.json", "attachment_image.json", "attachments_other.json", "echo.json", "batch.json", "unknown_page.json"} {
		body := readTestdata(t, f)
		post(Webhook(testAccounts(t), &sink{}, logger), body, sign(testSecret, body))
		post(Webhook(testAccounts(t), &sink{failInbound: errSinkDown}, logger), body, sign(testSecret, body))
	}
	if logs.String() == "" {
		t.Fatal("nothing was logged: the test proves nothing")
	}
	for _, secret := range []string{"order #1042", "Talk to a person", "fbcdn", "fbsbx", "ships tomorrow", "for the shop", "see this", testSecret} {
		if strings.Contains(logs.String(), secret) {
			t.Errorf("the log contains %q", secret)
		}
	}
}
