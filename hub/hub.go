// Package hub fans events out to real-time subscribers (the WebSocket
// streams) in memory. Publishing never blocks: a subscriber that cannot keep
// up is cut off and resumes from its last seq, so nobody slows the engine.
package hub

import (
	"sync"

	"github.com/batonhq/baton"
)

// BufferSize is how many events a subscriber may fall behind before it is cut off.
const BufferSize = 256

// Hub is an in-memory publisher with filtered subscriptions.
type Hub struct {
	mu   sync.RWMutex
	subs map[*Subscription]struct{}
}

// New returns an empty hub.
func New() *Hub { return &Hub{subs: map[*Subscription]struct{}{}} }

// Subscription receives the events its filter accepts on C. C is closed
// when the subscription ends: by Close, or because it fell behind
// (Overflowed then reports true).
type Subscription struct {
	C      chan baton.Event
	filter func(baton.Event) bool
	hub    *Hub
	mu     sync.Mutex
	closed bool
	over   bool
}

// Subscribe registers a subscription for events accepted by filter.
func (h *Hub) Subscribe(filter func(baton.Event) bool) *Subscription {
	s := &Subscription{C: make(chan baton.Event, BufferSize), filter: filter, hub: h}
	h.mu.Lock()
	h.subs[s] = struct{}{}
	h.mu.Unlock()
	return s
}

// Publish delivers e to every subscription that accepts it, without blocking.
func (h *Hub) Publish(e baton.Event) {
	h.mu.RLock()
	var slow []*Subscription
	for s := range h.subs {
		if !s.filter(e) {
			continue
		}
		select {
		case s.C <- e:
		default:
			slow = append(slow, s)
		}
	}
	h.mu.RUnlock()
	for _, s := range slow {
		s.end(true)
	}
}

// Close ends the subscription.
func (s *Subscription) Close() { s.end(false) }

// Overflowed reports whether the subscription was cut off for falling behind.
func (s *Subscription) Overflowed() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.over
}

func (s *Subscription) end(overflow bool) {
	s.hub.mu.Lock()
	delete(s.hub.subs, s)
	s.hub.mu.Unlock()
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.closed {
		s.closed, s.over = true, overflow
		close(s.C)
	}
}

// Len returns the number of subscriptions.
func (h *Hub) Len() int {
	h.mu.RLock()
	defer h.mu.RUnlock()
	return len(h.subs)
}

var _ baton.Publisher = (*Hub)(nil)
