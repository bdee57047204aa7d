package engine_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"

	"github.com/batonhq/baton"
	"github.com/batonhq/baton/lifecycle"
	"github.com/batonhq/baton/webhooks"
)

// BenchmarkCustomerMessage is a customer's FAQ question answered by the
// bot, stored durably: without integrations, and with a webhook
// subscribed to every event (each message then also writes its events to
// the outbox in the same transaction).
func BenchmarkCustomerMessage(b *testing.B) {
	for _, subscribed := range []bool{false, true} {
		b.Run(fmt.Sprintf("webhook=%v", subscribed), func(b *testing.B) {
			e := newEnv(b)
			if subscribed {
				if err := e.db.PutSubscription(e.ctx, &baton.Subscription{ID: "wh_1", Name: "all", URL: "http://127.0.0.1:1",
					Secret: "0123456789abcdef", Active: true}); err != nil {
					b.Fatal(err)
				}
				if err := e.eng.ReloadSubscriptions(e.ctx); err != nil {
					b.Fatal(err)
				}
			}
			ids := make([]string, 256)
			for i := range ids {
				ids[i] = e.start(b, baton.ChannelWeb)
			}
			var n atomic.Int64
			b.ReportAllocs()
			b.ResetTimer()
			b.SetParallelism(32)
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					i := n.Add(1)
					// Numbered, so they read as new questions, never as repetition.
					text := fmt.Sprintf("when are you open (question %d)", i)
					if _, err := e.eng.CustomerMessage(e.ctx, ids[i%int64(len(ids))], lifecycle.CustomerInput{Text: text}); err != nil &&
						baton.ErrorCode(err) != baton.ECONFLICT {
						b.Fatal(err)
					}
				}
			})
		})
	}
}

// BenchmarkWebhookDelivery is the outbox posting queued events, signed, to
// a receiver on the loopback: events per second one Baton delivers.
func BenchmarkWebhookDelivery(b *testing.B) {
	e := newEnv(b)
	var got atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { got.Add(1) }))
	defer srv.Close()
	if err := e.db.PutSubscription(e.ctx, &baton.Subscription{ID: "wh_1", Name: "all", URL: srv.URL,
		Secret: "0123456789abcdef", Active: true, Events: []string{baton.HookMessageCreated}}); err != nil {
		b.Fatal(err)
	}
	e.eng.Webhooks = webhooks.New(nil)
	if err := e.eng.ReloadSubscriptions(e.ctx); err != nil {
		b.Fatal(err)
	}
	ids := make([]string, 64)
	for i := range ids {
		ids[i] = e.start(b, baton.ChannelWeb)
	}
	queued := 0
	for i := 0; i < b.N; i += 2 {
		// Two events each: the question and the bot's answer.
		e.say(b, ids[(i/2)%len(ids)], fmt.Sprintf("when are you open (question %d)", i))
		queued += 2
	}
	b.ResetTimer()
	e.eng.DeliverHooks(e.ctx)
	b.StopTimer()
	if got.Load() != int64(queued) || e.pendingHooks(b) != 0 {
		b.Fatalf("delivered %d of %d", got.Load(), queued)
	}
	b.ReportMetric(float64(got.Load())/b.Elapsed().Seconds(), "events/s")
}
