package whatsapp

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

func TestWebhookHandshake(t *testing.T) {
	h := Webhook(testAccounts(t), &fakeSink{}, nil)
	tests := []struct {
		name  string
		query url.Values
		want  int
	}{
		{"first account's token", url.Values{"hub.mode": {"subscribe"}, "hub.verify_token": {"verify-main"}, "hub.challenge": {"1158201444"}}, http.StatusOK},
		{"another app's token", url.Values{"hub.mode": {"subscribe"}, "hub.verify_token": {"verify-other"}, "hub.challenge": {"1158201444"}}, http.StatusOK},
		{"wrong token", url.Values{"hub.mode": {"subscribe"}, "hub.verify_token": {"verify-mai"}, "hub.challenge": {"1158201444"}}, http.StatusForbidden},
		{"token with a suffix", url.Values{"hub.mode": {"subscribe"}, "hub.verify_token": {"verify-main2"}, "hub.challenge": {"1158201444"}}, http.StatusForbidden},
		{"no token", url.Values{"hub.mode": {"subscribe"}, "hub.challenge": {"1158201444"}}, http.StatusForbidden},
		{"other mode", url.Values{"hub.mode": {"unsubscribe"}, "hub.verify_token": {"verify-main"}, "hub.challenge": {"1158201444"}}, http.StatusForbidden},
		{"no mode", url.Values{"hub.verify_token": {"verify-main"}, "hub.challenge": {"1158201444"}}, http.StatusForbidden},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := httptest.NewRequest(http.MethodGet, "/webhooks/whatsapp?"+tt.query.Encode(), nil)
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			if rec.Code != tt.want {
				t.Fatalf("status %d, want %d", rec.Code, tt.want)
			}
			if tt.want != http.StatusOK {
				if strings.Contains(rec.Body.String(), "1158201444") {
					t.Fatalf("a refused handshake echoed the challenge: %q", rec.Body.String())
				}
				return
			}
			if got := rec.Body.String(); got != "1158201444" {
				t.Fatalf("body %q, want exactly the challenge", got)
			}
			if ct := rec.Header().Get("Content-Type"); !strings.HasPrefix(ct, "text/plain") {
				t.Fatalf("Content-Type %q, want text/plain", ct)
			}
		})
	}
}

// anna is the customer of most test payloads.
func anna(id string, at int64) baton.Inbound {
	return baton.Inbound{
		Channel:   baton.ChannelWhatsApp,
		Account:   "main",
		UserID:    "31612345678",
		Name:      "Anna de Vries",
		Phone:     "+31612345678",
		MessageID: id,
		At:        time.Unix(at, 0).UTC(),
	}
}

func TestWebhookMessages(t *testing.T) {
	with := func(in baton.Inbound, text, payload string) baton.Inbound {
		in.Text, in.Payload = text, payload
		return in
	}
	tests := []struct {
		file string
		want baton.Inbound
	}{
		{"text.json", with(anna("wamid.HBgLMzE2MTIzNDU2NzgVAgASGBQzQTdGMDFBQkNEMTIzNDU2Nzg5MAA=", 1767261600),
			"Hi, where is my order #4821? It was due yesterday.", "")},
		{"interactive_button_reply.json", with(anna("wamid.HBgLMzE2MTIzNDU2NzgVAgASGBQzQUJDNTU2NjAxMjM0NTY3ODlBQgA=", 1767261720),
			"No", baton.PayloadNotHelpful)},
		{"interactive_list_reply.json", with(anna("wamid.HBgLMzE2MTIzNDU2NzgVAgASGBQzQURFRjc3ODg5OTAwMTEyMjMzNAA=", 1767261780),
			"Returns and refunds", "topic:returns")},
		{"button_quick_reply.json", with(anna("wamid.HBgLMzE2MTIzNDU2NzgVAgASGBQzQUYwMEExMTIyMzM0NDU1NjY3NwA=", 1767348000),
			"Yes, continue", "reopen")},
		{"image_caption.json", with(anna("wamid.HBgLMzE2MTIzNDU2NzgVAgASGBQzQTk5ODg3NzY2NTU0NDMzMjIxMQA=", 1767261900),
			"[image] The box arrived like this", "")},
		{"location.json", with(anna("wamid.HBgLMzE2MTIzNDU2NzgVAgASGBQzQTEyMTIzNDM0NTY1Njc4Nzg5MAA=", 1767262020),
			"[location: 52.3789, 4.90001] Amsterdam Centraal, Stationsplein, 1012 AB Amsterdam", "")},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			sink := &fakeSink{}
			h := Webhook(testAccounts(t), sink, nil)
			body := testdata(t, tt.file)
			if rec := deliver(h, body, signature(secretMain, body)); rec.Code != http.StatusOK {
				t.Fatalf("status %d: %s", rec.Code, rec.Body)
			}
			if len(sink.inbound) != 1 || len(sink.statuses) != 0 {
				t.Fatalf("sink got %d messages and %d statuses, want 1 message", len(sink.inbound), len(sink.statuses))
			}
			if got := sink.inbound[0]; !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("inbound\n got %+v\nwant %+v", got, tt.want)
			}
		})
	}
}

func TestWebhookPlaceholders(t *testing.T) {
	sink := &fakeSink{}
	h := Webhook(testAccounts(t), sink, nil)
	body := testdata(t, "media_and_more.json")
	if rec := deliver(h, body, signature(secretMain, body)); rec.Code != http.StatusOK {
		t.Fatalf("status %d: %s", rec.Code, rec.Body)
	}
	want := []string{
		"[voice message]",
		"[document: invoice-4821.pdf] Here is the invoice",
		"[video]",
		"[sticker]",
		"[contact: Pieter Jansen, +31 6 98765432]",
		"[reacted 👍]",
		"[removed a reaction]",
		"[unsupported message]",
	}
	var got []string
	for i, in := range sink.inbound {
		got = append(got, in.Text)
		if in.Payload != "" || in.Account != "main" || in.UserID != "31612345678" || in.MessageID == "" {
			t.Errorf("message %d: %+v", i, in)
		}
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("texts\n got %q\nwant %q", got, want)
	}
}

func TestWebhookBatch(t *testing.T) {
	sink := &fakeSink{}
	h := Webhook(testAccounts(t), sink, nil)
	body := testdata(t, "batch.json")
	if rec := deliver(h, body, signature(secretMain, body)); rec.Code != http.StatusOK {
		t.Fatalf("status %d: %s", rec.Code, rec.Body)
	}
	type who struct{ account, user, name, phone, text string }
	var got []who
	for _, in := range sink.inbound {
		got = append(got, who{in.Account, in.UserID, in.Name, in.Phone, in.Text})
	}
	want := []who{
		{"main", "31612345678", "Anna de Vries", "+31612345678", "Hello?"},
		{"main", "4915112345678", "Jonas Weber", "+4915112345678", "Ich möchte mit einem Menschen sprechen"},
		{"second", "393401234567", "Sofia Rossi", "+393401234567", "Ciao, vorrei cambiare il mio abbonamento"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("messages\n got %+v\nwant %+v", got, want)
	}
	wantStatus := []baton.StatusUpdate{{
		Channel:    baton.ChannelWhatsApp,
		Account:    "main",
		PlatformID: "wamid.HBgLMzE2MTIzNDU2NzgVAgARGBI5QjU0RTFGQjA0RDI3QjVENDEA",
		Status:     baton.DeliveryDelivered,
		At:         time.Unix(1767265203, 0).UTC(),
	}}
	if !reflect.DeepEqual(sink.statuses, wantStatus) {
		t.Fatalf("statuses\n got %+v\nwant %+v", sink.statuses, wantStatus)
	}
}

func TestWebhookStatuses(t *testing.T) {
	sink := &fakeSink{}
	h := Webhook(testAccounts(t), sink, nil)
	body := testdata(t, "statuses.json")
	if rec := deliver(h, body, signature(secretMain, body)); rec.Code != http.StatusOK {
		t.Fatalf("status %d: %s", rec.Code, rec.Body)
	}
	const sent = "wamid.HBgLMzE2MTIzNDU2NzgVAgARGBJTRU5UMDAwMDAwMDAwMDAwMDEA"
	u := func(id string, s baton.DeliveryStatus, at int64, errText string) baton.StatusUpdate {
		return baton.StatusUpdate{Channel: baton.ChannelWhatsApp, Account: "main", PlatformID: id, Status: s, Error: errText, At: time.Unix(at, 0).UTC()}
	}
	want := []baton.StatusUpdate{
		u(sent, baton.DeliverySent, 1767268800, ""),
		u(sent, baton.DeliveryDelivered, 1767268802, ""),
		u(sent, baton.DeliveryRead, 1767268860, ""),
		u("wamid.HBgLMzE2MTIzNDU2NzgVAgARGBJGQUlMMDAwMDAwMDAwMDAwMDIA", baton.DeliveryFailed, 1767355300,
			"more than 24 hours since the customer last wrote; only a template can be sent (code 131047)"),
		u("wamid.HBgLMzE2MTIzNDU2NzgVAgARGBJGQUlMMDAwMDAwMDAwMDAwMDMA", baton.DeliveryFailed, 1767355400,
			"Message undeliverable (code 131026): Message Undeliverable."),
	}
	if !reflect.DeepEqual(sink.statuses, want) {
		t.Fatalf("statuses\n got %+v\nwant %+v", sink.statuses, want)
	}
}

func TestWebhookSkipsUnknownNumbers(t *testing.T) {
	tests := []struct {
		name   string
		file   string
		secret string
		want   string // the account the message reaches; "" for none
	}{
		{"a number no account has", "unknown_phone.json", secretMain, ""},
		{"another app's number, signed by this app", "other_app.json", secretMain, ""},
		{"another app's number, signed by that app", "other_app.json", secretOther, "other"},
		{"this app's number, signed by another app", "text.json", secretOther, ""},
		{"a field other than messages", "template_status_update.json", secretMain, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sink := &fakeSink{}
			h := Webhook(testAccounts(t), sink, nil)
			body := testdata(t, tt.file)
			if rec := deliver(h, body, signature(tt.secret, body)); rec.Code != http.StatusOK {
				t.Fatalf("status %d, want 200 so that Meta does not retry: %s", rec.Code, rec.Body)
			}
			if tt.want == "" {
				if !sink.empty() {
					t.Fatalf("sink got %+v %+v, want nothing", sink.inbound, sink.statuses)
				}
				return
			}
			if len(sink.inbound) != 1 || sink.inbound[0].Account != tt.want {
				t.Fatalf("sink got %+v, want one message for %s", sink.inbound, tt.want)
			}
		})
	}
}

func TestWebhookSignature(t *testing.T) {
	body := testdata(t, "text.json")
	good := signature(secretMain, body)
	tests := []struct {
		name string
		sig  string
		want int
	}{
		{"valid", good, http.StatusOK},
		{"valid in upper case", "sha256=" + strings.ToUpper(strings.TrimPrefix(good, "sha256=")), http.StatusOK},
		{"missing", "", http.StatusUnauthorized},
		{"wrong secret", signature("not-the-secret", body), http.StatusUnauthorized},
		{"another body's", signature(secretMain, append(bytes.Clone(body), ' ')), http.StatusUnauthorized},
		{"no prefix", strings.TrimPrefix(good, "sha256="), http.StatusUnauthorized},
		{"sha1 prefix", "sha1=" + strings.TrimPrefix(good, "sha256="), http.StatusUnauthorized},
		{"not hex", "sha256=" + strings.Repeat("zz", 32), http.StatusUnauthorized},
		{"truncated", good[:len(good)-2], http.StatusUnauthorized},
		{"empty digest", "sha256=", http.StatusUnauthorized},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sink := &fakeSink{}
			h := Webhook(testAccounts(t), sink, nil)
			rec := deliver(h, body, tt.sig)
			if rec.Code != tt.want {
				t.Fatalf("status %d, want %d", rec.Code, tt.want)
			}
			if tt.want != http.StatusOK && !sink.empty() {
				t.Fatalf("an unsigned delivery reached the sink: %+v", sink.inbound)
			}
		})
	}
}

func TestWebhookTooLarge(t *testing.T) {
	sink := &fakeSink{}
	h := Webhook(testAccounts(t), sink, nil)
	// A valid delivery padded past the limit with whitespace, validly signed.
	body := append(testdata(t, "text.json"), bytes.Repeat([]byte(" "), MaxWebhookBody)...)
	rec := deliver(h, body, signature(secretMain, body))
	if rec.Code != http.StatusRequestEntityTooLarge {
		t.Fatalf("status %d, want 413", rec.Code)
	}
	if !sink.empty() {
		t.Fatal("an oversized delivery reached the sink")
	}
}

func TestWebhookMalformed(t *testing.T) {
	for _, body := range []string{
		`{`,
		`[]`,
		`"whatsapp_business_account"`,
		`{"object":"whatsapp_business_account","entry":{}}`,
		`{"object":"whatsapp_business_account","entry":[{"changes":[{"field":"messages","value":{"messages":"hello"}}]}]}`,
		`{"object":"whatsapp_business_account","entry":[{"changes":[{"field":"messages","value":{"metadata":{"phone_number_id":"109876543210987"},"messages":[{"from":"1","id":"x","timestamp":"yesterday"}]}}]}]}`,
	} {
		sink := &fakeSink{}
		h := Webhook(testAccounts(t), sink, nil)
		rec := deliver(h, []byte(body), signature(secretMain, []byte(body)))
		if rec.Code != http.StatusBadRequest {
			t.Errorf("%s: status %d, want 400", body, rec.Code)
		}
		if !sink.empty() {
			t.Errorf("%s: reached the sink", body)
		}
	}
}

func TestWebhookSinkFailure(t *testing.T) {
	const failing = "wamid.HBgNNDkxNTExMjM0NTY3OBUCABIYFDNBQjAwMDAwMDAwMDAwMDAwMDAyAA=="
	sink := &fakeSink{failIDs: map[string]bool{failing: true}}
	h := Webhook(testAccounts(t), sink, nil)
	body := testdata(t, "batch.json")
	rec := deliver(h, body, signature(secretMain, body))
	if rec.Code != http.StatusInternalServerError {
		t.Fatalf("status %d, want 500 so that Meta retries", rec.Code)
	}
	// What could be taken was: the retry is deduped by the sink.
	if len(sink.inbound) != 2 || len(sink.statuses) != 1 {
		t.Fatalf("sink got %d messages, %d statuses; want the other 2 and 1", len(sink.inbound), len(sink.statuses))
	}

	sink.failIDs = nil
	if rec := deliver(h, body, signature(secretMain, body)); rec.Code != http.StatusOK {
		t.Fatalf("retry: status %d, want 200", rec.Code)
	}

	failStatus := &fakeSink{failIDs: map[string]bool{"wamid.HBgLMzE2MTIzNDU2NzgVAgARGBI5QjU0RTFGQjA0RDI3QjVENDEA": true}}
	h = Webhook(testAccounts(t), failStatus, nil)
	if rec := deliver(h, body, signature(secretMain, body)); rec.Code != http.StatusInternalServerError {
		t.Fatalf("failed status update: status %d, want 500", rec.Code)
	}
}

func TestWebhookNeverLogsText(t *testing.T) {
	logger, logs := logBuffer()
	body := testdata(t, "text.json")
	const id = "wamid.HBgLMzE2MTIzNDU2NzgVAgASGBQzQTdGMDFBQkNEMTIzNDU2Nzg5MAA="
	sink := &fakeSink{failIDs: map[string]bool{id: true}}
	h := Webhook(testAccounts(t), sink, logger)
	deliver(h, body, signature(secretMain, body))
	deliver(h, body, "sha256=00")
	deliver(h, []byte(`{"text":{"body":"where is my order"`), signature(secretMain, []byte(`{"text":{"body":"where is my order"`)))
	out := logs.String()
	if !strings.Contains(out, id) {
		t.Fatalf("the failed message is not logged by its ID:\n%s", out)
	}
	if strings.Contains(out, "where is my order") || strings.Contains(out, "Anna") {
		t.Fatalf("the log holds what the customer wrote:\n%s", out)
	}
}

func TestWebhookMethods(t *testing.T) {
	h := Webhook(testAccounts(t), &fakeSink{}, nil)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodPut, "/webhooks/whatsapp", nil))
	if rec.Code != http.StatusMethodNotAllowed || rec.Header().Get("Allow") == "" {
		t.Fatalf("PUT: status %d, Allow %q", rec.Code, rec.Header().Get("Allow"))
	}
}

func TestWebhookDuplicatePhoneNumber(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Fatal("two accounts with one phone number ID did not panic")
		}
	}()
	Webhook([]*Account{
		mustAccount(t, Config{Name: "a", PhoneNumberID: phoneMain}),
		mustAccount(t, Config{Name: "b", PhoneNumberID: phoneMain}),
	}, &fakeSink{}, nil)
}
