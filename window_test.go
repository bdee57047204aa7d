package baton_test

import (
	"strings"
	"testing"
	"time"

	"github.com/batonhq/baton"
)

func TestReplyWindowEdges(t *testing.T) {
	last := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	after := func(d time.Duration) time.Time { return last.Add(d) }
	for _, tc := range []struct {
		name     string
		ch       baton.Channel
		author   baton.Author
		at       time.Time
		open     bool
		tag      string
		template bool
	}{
		{"whatsapp 23:59", baton.ChannelWhatsApp, baton.AuthorAgent, after(23*time.Hour + 59*time.Minute), true, "", false},
		{"whatsapp at 24:00 is closed", baton.ChannelWhatsApp, baton.AuthorAgent, after(24 * time.Hour), false, "", true},
		{"whatsapp 24:01", baton.ChannelWhatsApp, baton.AuthorBot, after(24*time.Hour + time.Minute), false, "", true},
		{"messenger bot 23:59", baton.ChannelMessenger, baton.AuthorBot, after(23*time.Hour + 59*time.Minute), true, "", false},
		{"messenger bot 24:01", baton.ChannelMessenger, baton.AuthorBot, after(24*time.Hour + time.Minute), false, "", false},
		{"messenger agent 24:01 with HUMAN_AGENT", baton.ChannelMessenger, baton.AuthorAgent, after(24*time.Hour + time.Minute), true, "HUMAN_AGENT", false},
		{"messenger agent 6d23:59", baton.ChannelMessenger, baton.AuthorAgent, after(7*24*time.Hour - time.Minute), true, "HUMAN_AGENT", false},
		{"messenger agent 7d00:01", baton.ChannelMessenger, baton.AuthorAgent, after(7*24*time.Hour + time.Minute), false, "", false},
		{"telegram a month later", baton.ChannelTelegram, baton.AuthorAgent, after(30 * 24 * time.Hour), true, "", false},
		{"web a month later", baton.ChannelWeb, baton.AuthorBot, after(30 * 24 * time.Hour), true, "", false},
	} {
		c := &baton.Conversation{Channel: tc.ch, LastCustomerAt: &last}
		w := c.Window(tc.author, tc.at)
		if w.Open != tc.open || w.Tag != tc.tag || w.TemplateOnly != tc.template {
			t.Errorf("%s: %+v, want open %v tag %q template %v", tc.name, w, tc.open, tc.tag, tc.template)
		}
		if !w.Open && w.Reason == "" {
			t.Errorf("%s: closed without a reason", tc.name)
		}
	}
	c := &baton.Conversation{Channel: baton.ChannelWhatsApp, LastCustomerAt: &last}
	if w := c.Window(baton.AuthorAgent, after(26*time.Hour+10*time.Minute)); !strings.Contains(w.Reason, "26 hours ago") {
		t.Errorf("reason %q, want it to say 26 hours ago", w.Reason)
	}
	if w := c.Window(baton.AuthorAgent, after(5*24*time.Hour)); !strings.Contains(w.Reason, "5 days ago") {
		t.Errorf("reason %q, want it to say 5 days ago", w.Reason)
	}
	never := &baton.Conversation{Channel: baton.ChannelWhatsApp}
	if w := never.Window(baton.AuthorAgent, last); w.Open {
		t.Error("a WhatsApp conversation the customer never wrote in is open")
	}
}

func TestDeliveryStatusOnlyMovesForward(t *testing.T) {
	for _, tc := range []struct {
		from, to baton.DeliveryStatus
		ok       bool
	}{
		{baton.DeliveryPending, baton.DeliverySent, true},
		{baton.DeliverySent, baton.DeliveryRead, true},
		{baton.DeliveryRead, baton.DeliveryDelivered, false},
		{baton.DeliveryDelivered, baton.DeliveryDelivered, false},
		{baton.DeliveryRead, baton.DeliveryFailed, true},
		{baton.DeliveryFailed, baton.DeliveryRead, false},
	} {
		if got := tc.from.Follows(tc.to); got != tc.ok {
			t.Errorf("%s → %s: %v, want %v", tc.from, tc.to, got, tc.ok)
		}
	}
}
