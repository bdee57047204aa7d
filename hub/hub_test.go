package hub_test

import (
	"testing"

	"github.com/batonhq/baton"
	"github.com/batonhq/baton/hub"
)

func TestFilterAndOverflow(t *testing.T) {
	h := hub.New()
	mine := h.Subscribe(func(e baton.Event) bool { return e.Conversation != nil && e.Conversation.ID == "c_1" })
	slow := h.Subscribe(func(baton.Event) bool { return true })
	defer mine.Close()

	h.Publish(baton.Event{Type: baton.EventTypeMessage, Conversation: &baton.Conversation{ID: "c_2"}})
	h.Publish(baton.Event{Type: baton.EventTypeMessage, Conversation: &baton.Conversation{ID: "c_1"}})
	if got := len(mine.C); got != 1 {
		t.Fatalf("filtered subscription got %d events, want 1", got)
	}
	for range hub.BufferSize {
		h.Publish(baton.Event{Type: baton.EventTypeMessage, Conversation: &baton.Conversation{ID: "c_3"}})
	}
	// slow never read: it was cut off instead of blocking the publisher.
	n := 0
	for range slow.C {
		n++
	}
	if !slow.Overflowed() || n != hub.BufferSize {
		t.Fatalf("slow subscriber: overflowed=%v after %d events", slow.Overflowed(), n)
	}
	if h.Len() != 1 {
		t.Fatalf("hub has %d subscriptions, want 1", h.Len())
	}
}
