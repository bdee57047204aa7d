package sqlite_test

import (
	"context"
	"testing"
	"time"

	"github.com/batonhq/baton"
)

// whatsAppConversation stores a WhatsApp conversation with a customer
// message and two bot answers queued for delivery.
func whatsAppConversation(t *testing.T, db interface {
	Commit(context.Context, *baton.Change) error
}, id, user string, now time.Time) {
	t.Helper()
	c := newConversation(id, now)
	c.Channel, c.ChannelAccount, c.ChannelUser, c.LastSeq = baton.ChannelWhatsApp, "main", user, 3
	d := func(seq int64) baton.Delivery {
		return baton.Delivery{Seq: seq, Channel: baton.ChannelWhatsApp, Account: "main", UserID: user, NextAttemptAt: now, UpdatedAt: now}
	}
	err := db.Commit(context.Background(), &baton.Change{Create: true, Conversation: c, Messages: []baton.Message{
		{Seq: 1, Author: baton.AuthorCustomer, Text: "hi", ClientMessageID: "wamid.1", CreatedAt: now},
		{Seq: 2, Author: baton.AuthorBot, Text: "Hello!", CreatedAt: now},
		{Seq: 3, Author: baton.AuthorBot, Text: "Did this help?", Buttons: []baton.Button{{Title: "Yes", Payload: "helpful:yes"}}, CreatedAt: now},
	}, Deliveries: []baton.Delivery{d(2), d(3)}})
	if err != nil {
		t.Fatal(err)
	}
}

var mainWhatsApp = baton.Account{Channel: baton.ChannelWhatsApp, Name: "main"}

func TestDeliveriesGoOutInOrderPerConversation(t *testing.T) {
	ctx := context.Background()
	db := MustOpenDB(t)
	now := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	whatsAppConversation(t, db, "c_1", "31611111111", now)
	whatsAppConversation(t, db, "c_2", "31622222222", now)

	got, err := db.ConversationByChannelUser(ctx, baton.ChannelWhatsApp, "main", "31611111111")
	if err != nil || got.ID != "c_1" || got.ChannelUser != "31611111111" || got.ChannelAccount != "main" {
		t.Fatalf("by channel user: %+v, %v", got, err)
	}
	if _, err := db.ConversationByChannelUser(ctx, baton.ChannelTelegram, "main", "31611111111"); baton.ErrorCode(err) != baton.ENOTFOUND {
		t.Fatalf("another channel: %v", err)
	}
	// A second conversation for the same customer and account cannot exist.
	dup := newConversation("c_3", now)
	dup.Channel, dup.ChannelAccount, dup.ChannelUser = baton.ChannelWhatsApp, "main", "31611111111"
	if err := db.Commit(ctx, &baton.Change{Create: true, Conversation: dup}); err == nil {
		t.Fatal("a second conversation for the same WhatsApp customer was stored")
	}

	accounts, err := db.DueAccounts(ctx, now)
	if err != nil || len(accounts) != 1 || accounts[0] != mainWhatsApp {
		t.Fatalf("accounts with deliveries due: %v, %v", accounts, err)
	}
	if due, _ := db.DueDeliveries(ctx, now, 10, baton.Account{Channel: baton.ChannelWhatsApp, Name: "other"}); len(due) != 0 {
		t.Fatalf("%d due on another account", len(due))
	}
	due, err := db.DueDeliveries(ctx, now, 10, mainWhatsApp)
	if err != nil {
		t.Fatal(err)
	}
	if len(due) != 2 || due[0].Delivery.Seq != 2 || due[1].Delivery.Seq != 2 || due[0].Text != "Hello!" || due[0].Author != baton.AuthorBot {
		t.Fatalf("due: %d, want seq 2 of both conversations first", len(due))
	}
	// c_1's first answer is sent; its second is due. c_2's first must wait
	// for a retry: its second waits behind it.
	first := due[0].Delivery
	if first.ConversationID != "c_1" {
		first, due[1].Delivery = due[1].Delivery, first
	}
	first.Status, first.PlatformID, first.Attempts, first.UpdatedAt = baton.DeliverySent, "wamid.out.1", 1, now
	if err := db.UpdateDelivery(ctx, first); err != nil {
		t.Fatal(err)
	}
	retry := due[1].Delivery
	retry.Attempts, retry.NextAttemptAt, retry.Error = 1, now.Add(time.Minute), "429 rate limited"
	if err := db.UpdateDelivery(ctx, retry); err != nil {
		t.Fatal(err)
	}
	due, err = db.DueDeliveries(ctx, now, 10, mainWhatsApp)
	if err != nil {
		t.Fatal(err)
	}
	if len(due) != 1 || due[0].Delivery.ConversationID != "c_1" || due[0].Delivery.Seq != 3 || len(due[0].Buttons) != 1 {
		t.Fatalf("after one sent and one waiting: %+v", due)
	}
	if due, _ := db.DueDeliveries(ctx, now.Add(time.Minute), 10, mainWhatsApp); len(due) != 2 {
		t.Fatalf("a minute later: %d due, want 2 (c_2's retry and c_1's second)", len(due))
	}

	// Status updates move forward only, found by the platform's id.
	for _, tc := range []struct {
		status baton.DeliveryStatus
		want   baton.DeliveryStatus
		moved  bool
	}{
		{baton.DeliveryRead, baton.DeliveryRead, true},
		{baton.DeliveryDelivered, baton.DeliveryRead, false}, // late: ignored
		{baton.DeliveryRead, baton.DeliveryRead, false},      // repeated
		{baton.DeliverySent, baton.DeliveryRead, false},
	} {
		d, moved, err := db.ApplyStatusUpdate(ctx, baton.StatusUpdate{Channel: baton.ChannelWhatsApp, PlatformID: "wamid.out.1", Status: tc.status, At: now})
		if err != nil || d.Status != tc.want || moved != tc.moved || d.ConversationID != "c_1" || d.Seq != 2 {
			t.Fatalf("after %s: %+v moved %v, %v; want %s", tc.status, d, moved, err, tc.want)
		}
	}
	if _, _, err := db.ApplyStatusUpdate(ctx, baton.StatusUpdate{Channel: baton.ChannelWhatsApp, PlatformID: "wamid.unknown",
		Status: baton.DeliveryRead, At: now}); baton.ErrorCode(err) != baton.ENOTFOUND {
		t.Fatalf("unknown platform id: %v", err)
	}
	// The timeline shows each entry's delivery.
	msgs, err := db.Messages(ctx, "c_1", 0, 10)
	if err != nil {
		t.Fatal(err)
	}
	if msgs[0].Delivery != nil || msgs[1].Delivery == nil || msgs[1].Delivery.Status != baton.DeliveryRead ||
		msgs[2].Delivery == nil || msgs[2].Delivery.Status != baton.DeliveryPending {
		t.Fatalf("deliveries on the timeline: %+v %+v %+v", msgs[0].Delivery, msgs[1].Delivery, msgs[2].Delivery)
	}
}

func TestAppendOnlyChangeQueuesDeliveries(t *testing.T) {
	ctx := context.Background()
	db := MustOpenDB(t)
	now := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	whatsAppConversation(t, db, "c_1", "31611111111", now)
	c, _ := db.Conversation(ctx, "c_1")
	c.LastSeq = 5
	err := db.Commit(ctx, &baton.Change{AppendOnly: true, Conversation: c, Messages: []baton.Message{
		{Seq: 4, Author: baton.AuthorCustomer, Text: "shipping?", ClientMessageID: "wamid.2", CreatedAt: now},
		{Seq: 5, Author: baton.AuthorBot, Text: "One day.", CreatedAt: now},
	}, Deliveries: []baton.Delivery{{Seq: 5, Channel: baton.ChannelWhatsApp, Account: "main", UserID: "31611111111",
		NextAttemptAt: now, UpdatedAt: now}}})
	if err != nil {
		t.Fatal(err)
	}
	m, err := db.Message(ctx, "c_1", 5)
	if err != nil || m.Delivery == nil || m.Delivery.Status != baton.DeliveryPending {
		t.Fatalf("appended bot answer: %+v, %v", m, err)
	}
}
