package whatsapp_test

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"sync/atomic"
	"testing"

	"github.com/batonhq/baton"
	"github.com/batonhq/baton/bot"
	"github.com/batonhq/baton/engine"
	"github.com/batonhq/baton/lifecycle"
	"github.com/batonhq/baton/sqlite"
	"github.com/batonhq/baton/whatsapp"
)

// BenchmarkWebhookToDisk is one customer message from WhatsApp's webhook
// to a durable answer in the outbox: signature check, parsing, the engine
// with the built-in bot, a SQLite commit with fsync. Customers write in
// parallel, 200 of them.
func BenchmarkWebhookToDisk(b *testing.B) {
	db, err := sqlite.Open(filepath.Join(b.TempDir(), "baton.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	faq, err := bot.New(bot.Config{Intents: []bot.Intent{{Name: "shipping",
		Examples: map[string][]string{"en": {"how long does shipping take"}}, Answer: baton.Localized{"en": "One day."}}},
		Fallback: map[string]string{"en": "Sorry?"}})
	if err != nil {
		b.Fatal(err)
	}
	support := &baton.Department{Name: "support"}
	eng := &engine.Engine{Store: db, Bot: faq, Logger: slog.New(slog.DiscardHandler),
		Rules: &lifecycle.Rules{Departments: func(string) *baton.Department { return support }, DefaultDepartment: "support"}}
	acc, err := whatsapp.New(whatsapp.Config{Name: "main", PhoneNumberID: "109876543210987", AppSecret: "app-secret",
		VerifyToken: "verify", AccessToken: "token"}, nil, nil)
	if err != nil {
		b.Fatal(err)
	}
	h := whatsapp.Webhook([]*whatsapp.Account{acc}, eng, nil)
	var n atomic.Int64
	b.SetParallelism(100) // 200 concurrent webhook deliveries on 2 cores
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			i := n.Add(1)
			body := []byte(fmt.Sprintf(`{"object":"whatsapp_business_account","entry":[{"id":"1","changes":[{"field":"messages","value":{"messaging_product":"whatsapp","metadata":{"display_phone_number":"15550100200","phone_number_id":"109876543210987"},"contacts":[{"profile":{"name":"C"},"wa_id":"316%08d"}],"messages":[{"from":"316%08d","id":"wamid.%d","timestamp":"1767261600","type":"text","text":{"body":"how long does shipping take"}}]}}]}]}`, i%200, i%200, i))
			m := hmac.New(sha256.New, []byte("app-secret"))
			m.Write(body)
			req := httptest.NewRequest("POST", "/webhooks/whatsapp", bytes.NewReader(body))
			req.Header.Set("X-Hub-Signature-256", "sha256="+hex.EncodeToString(m.Sum(nil)))
			w := httptest.NewRecorder()
			h.ServeHTTP(w, req)
			if w.Code != http.StatusOK {
				b.Fatalf("webhook: %d %s", w.Code, w.Body)
			}
		}
	})
	b.StopTimer()
	// Every answer waits durably in the outbox (no sender is configured).
	c, err := db.ConversationByChannelUser(context.Background(), baton.ChannelWhatsApp, "main", "31600000001")
	if err != nil {
		b.Fatal(err)
	}
	msgs, err := db.Messages(context.Background(), c.ID, 0, 100000)
	if err != nil || len(msgs) < 2 || msgs[len(msgs)-1].Delivery == nil || msgs[len(msgs)-1].Delivery.Status != baton.DeliveryPending {
		b.Fatalf("the last answer is not in the outbox: %d messages, %v", len(msgs), err)
	}
}
